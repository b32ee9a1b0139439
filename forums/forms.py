"""Forms for labels, widgets and first checks; `forums.operations` has the last word."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from forums.models import EventKind, Hall, Role
from forums.session_templates import TEMPLATES
from ideas.models import AgeRating, CaseSession, VotingMethod
from ideas.operations.sessions import SESSION_SETTINGS

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%d.%m.%Y %H:%M"]


class ForumForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    city = forms.CharField(label=_("City"), max_length=120, required=False)
    starts_on = forms.DateField(label=_("First day"), required=False, widget=DATE)
    ends_on = forms.DateField(label=_("Last day"), required=False, widget=DATE)
    time_zone = forms.CharField(
        label=_("Time zone"),
        max_length=64,
        help_text=_("The programme's times are in this zone, for example Asia/Yakutsk or Europe/Samara."),
    )
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    age_rating = forms.ChoiceField(label=_("Age rating"), choices=AgeRating.choices)
    is_public = forms.BooleanField(
        label=_("Public: anyone sees the forum's page and programme"), required=False
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        starts, ends = data.get("starts_on"), data.get("ends_on")
        if starts and ends and ends < starts:
            self.add_error("ends_on", _("The forum cannot end before it starts."))
        return data


class SectorForm(forms.Form):
    code = forms.SlugField(
        label=_("Code"), max_length=32, help_text=_("Latin letters, digits, “-” or “_”; kept in the results.")
    )
    label = forms.CharField(label=_("Label in Russian"), max_length=80)
    label_en = forms.CharField(label=_("Label in English"), max_length=80, required=False)


class BaseSectorFormSet(forms.BaseFormSet):
    def _construct_form(self, i: int, **kwargs: Any) -> Any:
        # Every row may be left empty (ignored), the prefilled ones too: one rule for all rows.
        form = super()._construct_form(i, **kwargs)
        form.empty_permitted = True
        form.use_required_attribute = False
        return form

    def clean(self) -> None:
        super().clean()
        codes = [
            form.cleaned_data.get("code")
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        if not codes:
            raise forms.ValidationError(_("Give at least one sector."))
        if len(set(codes)) != len(codes):
            raise forms.ValidationError(_("Sector codes must be unique."))

    def sectors(self) -> list[dict[str, str]]:
        rows = []
        for form in self.forms:
            data = form.cleaned_data
            if not data or data.get("DELETE") or not data.get("code"):
                continue
            row = {"code": data["code"].lower(), "label": data["label"]}
            if data.get("label_en"):
                row["label_en"] = data["label_en"]
            rows.append(row)
        return rows


SectorFormSet = forms.formset_factory(
    SectorForm, formset=BaseSectorFormSet, extra=2, can_delete=True, max_num=20, validate_max=True
)


class HallForm(forms.Form):
    name = forms.CharField(label=_("New hall"), max_length=120)


class EventForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=EventKind.choices, initial=EventKind.ITEM)
    hall = forms.ModelChoiceField(label=_("Hall"), queryset=Hall.objects.none(), required=False, empty_label=_("— no hall —"))
    starts_at = forms.DateTimeField(label=_("Starts"), widget=DATETIME, input_formats=DATETIME_FORMATS)
    ends_at = forms.DateTimeField(label=_("Ends"), widget=DATETIME, input_formats=DATETIME_FORMATS)
    session = forms.ModelChoiceField(
        label=_("Case session"), queryset=CaseSession.objects.none(), required=False, empty_label=_("— none —")
    )
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, forum: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["hall"].queryset = Hall.objects.filter(forum=forum)
        self.fields["session"].queryset = CaseSession.objects.filter(forum=forum)


class SessionNewForm(forms.Form):
    template = forms.ChoiceField(
        label=_("Kind of session"),
        choices=[(template.key, template.title) for template in TEMPLATES],
        widget=forms.RadioSelect,
        initial=TEMPLATES[0].key,
    )
    question = forms.CharField(
        label=_("Question to the room"),
        max_length=500,
        widget=forms.TextInput(attrs={"placeholder": _("What do you see our city becoming by 2032?")}),
    )
    title = forms.CharField(
        label=_("Title"), max_length=200, required=False, help_text=_("Empty: the kind of session is the title.")
    )
    join_code = forms.CharField(
        label=_("Join code"),
        max_length=12,
        required=False,
        help_text=_("Empty: a new six-character code. Letters and digits without 0, O, 1 and I."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Each kind of session says how people vote, in words, next to its choice.
        self.fields["template"].choices = [
            (template.key, template.title) for template in TEMPLATES
        ]


class SessionDuplicateForm(forms.Form):
    source = forms.ModelChoiceField(label=_("Session to copy"), queryset=CaseSession.objects.none())
    title = forms.CharField(label=_("Title of the copy"), max_length=200, required=False)

    def __init__(self, *args: Any, sessions: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["source"].queryset = sessions


class SessionEditForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    question = forms.CharField(label=_("Question to the room"), max_length=500)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    voting_method = forms.ChoiceField(label=_("Voting method"), choices=VotingMethod.choices)
    dots_budget = forms.IntegerField(label=_("Dots per participant"), min_value=1, max_value=100)
    dots_max_per_idea = forms.IntegerField(label=_("Dots per idea at most"), min_value=1, max_value=10)
    voting_during_ideation = forms.BooleanField(label=_("Voting open while ideas are posted"), required=False)
    live_results_visible = forms.BooleanField(label=_("Participants see the tallies live"), required=False)
    premoderation = forms.BooleanField(label=_("A moderator checks each idea before it appears"), required=False)
    is_public = forms.BooleanField(label=_("Public: the big screen and the archive are open to all"), required=False)
    show_author_names = forms.BooleanField(label=_("Show authors' names to everyone"), required=False)

    # The session's own settings, less the start time (the programme sets it).
    FIELDS = tuple(name for name in SESSION_SETTINGS if name != "starts_at")


class InvitationForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=[(Role.ORGANISER, Role.ORGANISER.label), (Role.JUROR, Role.JUROR.label)])
    email = forms.EmailField(
        label=_("E-mail (optional)"),
        required=False,
        help_text=_("With an address the link is sent there; without, copy the link and pass it on."),
    )


class ModeratorInvitationForm(forms.Form):
    email = forms.EmailField(
        label=_("E-mail (optional)"),
        required=False,
        help_text=_("With an address the link is sent there; without, copy the link and pass it on."),
    )


class SignUpForm(forms.Form):
    username = forms.CharField(
        label=_("User name"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none"}),
        help_text=_("Latin letters, digits and @ . + - _ ; you sign in with it."),
    )
    email = forms.EmailField(label=_("E-mail"), required=False, widget=forms.EmailInput(attrs={"autocomplete": "email"}),
                             help_text=_("For resetting a forgotten password."))
    password1 = forms.CharField(
        label=_("Password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 8 characters, not only digits, not a common password."),
    )
    password2 = forms.CharField(
        label=_("Password again"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("password1") and data.get("password2") and data["password1"] != data["password2"]:
            self.add_error("password2", _("The two passwords differ."))
        return data


def user_model() -> Any:
    return get_user_model()
