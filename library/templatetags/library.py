"""Small filters for the library's cards: a nomination and a prize in the reader's language."""

from __future__ import annotations

from typing import Any

from django import template

from library.exports import prize_label as _prize_label
from library.selectors import nomination_label

register = template.Library()


@register.filter
def nomination_in_language(practice: Any) -> str:
    return nomination_label(practice)


@register.filter
def prize_label(prize: dict[str, Any]) -> str:
    return _prize_label(prize)
