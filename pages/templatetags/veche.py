"""A number with its noun, in the reader's language and grammar (1 поддерживает, 5 поддерживают).

`{% count_noun "supporters" 5 %}` renders the number (a `data-count` slot that live.js patches)
and the noun with the English forms it came from, so the page's script can pick the right
Russian form again with Django's JavaScript catalog (`npgettext`) when the number changes.
"""

from __future__ import annotations

from django import template
from django.utils.formats import number_format
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import npgettext

register = template.Library()

CONTEXT = "tally"
# key → (singular, plural): the msgids of `npgettext("tally", …)`; pages/locale has the Russian forms.
NOUNS = {
    "supporters": ("supporter", "supporters"),
    "dots": ("dot", "dots"),
    "people": ("person", "people"),
    "votes": ("vote", "votes"),
    "agree": ("agrees", "agree"),
    "disagree": ("disagrees", "disagree"),
    "pass": ("passes", "pass"),
    "ideas": ("idea", "ideas"),
    "participants": ("participant", "participants"),
    "groups": ("group", "groups"),
}


def noun(key: str, count: int) -> str:
    singular, plural = NOUNS[key]
    return npgettext(CONTEXT, singular, plural, count)


@register.simple_tag
def count_noun(key: str, count: int | None, slot: str = "") -> SafeString:
    """`<span data-count>5</span> <span data-noun …>поддерживают</span>`; `slot` names the tally field."""
    value = int(count or 0)
    singular, plural = NOUNS[key]
    return format_html(
        '<span data-count="{}">{}</span> <span data-noun data-context="{}" data-one="{}" data-other="{}">{}</span>',
        slot or key,
        number_format(value, force_grouping=True),
        CONTEXT,
        singular,
        plural,
        noun(key, value),
    )


@register.simple_tag
def count_noun_word(key: str, count: int | None) -> str:
    """Only the noun that goes with `count` (the number is printed elsewhere)."""
    return noun(key, int(count or 0))


@register.filter
def url_breaks(url: str) -> SafeString:
    """A link for a big screen that may wrap only after a slash, never inside the join code.

    `overflow-wrap: anywhere` split «/join/YAKU|TSK» across lines, so the back of the hall read
    «YAKU». Each part is escaped, then the parts are joined by `/<wbr>` (a permitted break).
    """
    return mark_safe("/<wbr>".join(escape(part) for part in str(url).split("/")))  # noqa: S308 - parts escaped
