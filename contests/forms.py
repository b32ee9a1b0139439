"""Forms of the contest pages: labels, widgets and first checks; `contests.operations` has the last word."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from contests.scoring import SCORE_MAX, SCORE_MIN
from contests.templatetags.contest_pages import localised
from ideas.errors import DomainError

LEVELS = [(value, str(value)) for value in range(SCORE_MIN, SCORE_MAX + 1)]


class ScoreForm(forms.Form):
    """A juror's sheet: one 0–10 choice per criterion; save a draft, submit, or change with a reason."""

    # Which button was pressed; Enter in a field presses the first one (save).
    action = forms.ChoiceField(
        choices=[("save", _("Save draft")), ("submit", _("Submit"))], required=False
    )
    reason = forms.CharField(
        label=_("Why do you change your submitted scores?"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": 500}),
        help_text=_(
            "Required for any change after submitting; the change and the reason are logged."
        ),
    )

    def __init__(
        self,
        *args: Any,
        criteria: list[dict[str, Any]],
        submitted: bool,
        scores: dict[str, int] | None = None,
        **kwargs: Any,
    ) -> None:
        kwargs["initial"] = {f"score_{code}": value for code, value in (scores or {}).items()}
        super().__init__(*args, **kwargs)
        self.criteria = criteria
        self.submitted = submitted
        for criterion in criteria:
            self.fields[f"score_{criterion['code']}"] = forms.TypedChoiceField(
                label=localised(criterion),
                choices=LEVELS,
                coerce=int,
                required=False,
                widget=forms.RadioSelect,
                error_messages={"invalid_choice": _("A score is a whole number from 0 to 10.")},
            )
        if not submitted:
            del self.fields["reason"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("action") == "submit" and not self.submitted:
            for criterion in self.criteria:
                name = f"score_{criterion['code']}"
                if name not in self.errors and cleaned.get(name) in (None, ""):
                    self.add_error(name, _("Score this criterion before submitting."))
        return cleaned

    def scores(self) -> dict[str, int]:
        result = {}
        for criterion in self.criteria:
            value = self.cleaned_data.get(f"score_{criterion['code']}")
            if isinstance(value, int):
                result[criterion["code"]] = value
        return result

    def place_error(self, error: DomainError) -> None:
        placed = False
        for field, problems in (error.fields or {}).items():
            if field in self.fields:
                for problem in problems if isinstance(problems, list) else [problems]:
                    self.add_error(field, str(problem))
                placed = True
        if not placed:
            self.add_error(None, str(error.message))


class ConflictForm(forms.Form):
    reason = forms.CharField(
        label=_("What connects you with this entry? (optional)"),
        max_length=500,
        required=False,
        widget=forms.TextInput(),
    )


class FinaliseForm(forms.Form):
    """The disputed entries the jury discussed: each must be ticked before the results are final."""

    def __init__(self, *args: Any, disputed: list[dict[str, Any]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.disputed = disputed
        for item in disputed:
            self.fields[f"discussed_{item['entry']}"] = forms.BooleanField(
                label=_("The jury discussed “%(title)s”") % {"title": item["title"]}, required=False
            )

    def discussed(self) -> list[int]:
        return [
            item["entry"]
            for item in self.disputed
            if self.cleaned_data.get(f"discussed_{item['entry']}")
        ]


class PublicVoteForm(forms.Form):
    """A participant's public vote: the entry they pick (one button per entry on the phone page)."""

    entry = forms.IntegerField(
        min_value=1,
        max_value=2**31 - 1,  # an id beyond any database integer is no entry (404), never a 500
        error_messages={"required": _("Choose an entry to vote for.")},
    )
