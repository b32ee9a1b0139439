"""Forms for labels, widgets and first checks; the domain operations have the last word."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from ideas.models import DISPLAY_NAME_MAX, IDEA_TEXT_MAX, HideReason
from pages import display


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Join code"),
        max_length=12,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}),
        help_text=_("The letters and digits shown on the big screen."),
    )


class JoinForm(forms.Form):
    display_name = forms.CharField(
        label=_("Your name"),
        max_length=DISPLAY_NAME_MAX,
        widget=forms.TextInput(attrs={"autocomplete": "nickname"}),
        help_text=_("Shown next to your ideas. A first name is enough."),
    )
    sector = forms.ChoiceField(label=_("You are here as"), widget=forms.RadioSelect)

    def __init__(
        self, *args: Any, sectors: list[dict[str, str]], names_public: bool = True, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["sector"].choices = display.sector_choices(sectors)
        if not names_public:  # the session keeps names in the room (show_author_names off)
            self.fields["display_name"].help_text = _(
                "Moderators see it next to your ideas; other people see only your sector."
            )


class IdeaForm(forms.Form):
    text = forms.CharField(
        label=_("Your idea"),
        max_length=IDEA_TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": IDEA_TEXT_MAX}),
        help_text=_("Up to 1,000 characters. Similar ideas already posted appear below as you type."),
    )


class HideForm(forms.Form):
    reason = forms.ChoiceField(label=_("Reason"), choices=HideReason.choices)
    note = forms.CharField(label=_("Note (optional)"), max_length=500, required=False)


class TimerForm(forms.Form):
    minutes = forms.IntegerField(label=_("Minutes"), min_value=1, max_value=24 * 60, initial=5)


def apply_domain_error(form: forms.Form, error: Any) -> None:
    """Show a domain error next to its field when it names one of the form's fields."""
    placed = False
    for field, messages in (getattr(error, "fields", None) or {}).items():
        if field in form.fields:
            for message in messages if isinstance(messages, list) else [messages]:
                form.add_error(field, str(message))
            placed = True
    if not placed:
        form.add_error(None, str(error.message))
