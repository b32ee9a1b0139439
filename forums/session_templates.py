"""Ready-made kinds of case session: an organiser picks one and only writes the question.

Each says in words how people vote, so nobody has to know what "agree" or "dots" mean in
the admin. The settings are the session's fields (`ideas.operations.session_create`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from ideas.models import VotingMethod


@dataclass(frozen=True)
class SessionTemplate:
    key: str
    title: Promise
    summary: Promise
    voting_in_words: Promise
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def voting_method(self) -> str:
        return str(self.settings["voting_method"])


TEMPLATES = [
    SessionTemplate(
        key="power-society-business",
        title=_("Case session: government – society – business"),
        summary=_(
            "Government, society and business answer one question; the screen shows which ideas every sector supports."
        ),
        voting_in_words=_(
            "Each participant supports as many ideas as they like, one vote per idea, and can take a vote back. "
            "Voting is open while ideas are posted; the tallies are visible to everyone live."
        ),
        settings={
            "voting_method": VotingMethod.SUPPORT,
            "voting_during_ideation": True,
            "live_results_visible": True,
            "premoderation": False,
            "dots_budget": 5,
            "dots_max_per_idea": 3,
        },
    ),
    SessionTemplate(
        key="ideas-and-dots",
        title=_("Ideas and dots"),
        summary=_("First everyone posts ideas; then each participant spends a few dots on the ideas they value most."),
        voting_in_words=_(
            "Each participant has 5 dots and may put up to 3 on one idea. Voting opens after the ideas are "
            "collected; results are shown when the moderator reveals them."
        ),
        settings={
            "voting_method": VotingMethod.DOTS,
            "voting_during_ideation": False,
            "live_results_visible": False,
            "premoderation": False,
            "dots_budget": 5,
            "dots_max_per_idea": 3,
        },
    ),
    SessionTemplate(
        key="agree-disagree",
        title=_("Agree / disagree, as in Polis"),
        summary=_("Participants post statements and react to each other's: the room finds what unites it."),
        voting_in_words=_(
            "On every idea each participant answers “agree”, “disagree” or “pass”. The score is agreements "
            "minus disagreements; ideas agreed on by every sector rise to the top. Voting is open from the start."
        ),
        settings={
            "voting_method": VotingMethod.AGREE,
            "voting_during_ideation": True,
            "live_results_visible": True,
            "premoderation": False,
            "dots_budget": 5,
            "dots_max_per_idea": 3,
        },
    ),
]
BY_KEY = {template.key: template for template in TEMPLATES}


def voting_in_words(method: str, *, dots_budget: int = 5, dots_max_per_idea: int = 3) -> str:
    """The voting method of any session, said in words (for the session page)."""
    if method == VotingMethod.DOTS:
        return str(
            _("Each participant has %(budget)d dots and may put up to %(max)d on one idea.")
            % {"budget": dots_budget, "max": dots_max_per_idea}
        )
    if method == VotingMethod.AGREE:
        return str(
            _("On every idea each participant answers “agree”, “disagree” or “pass”; the score is agreements minus disagreements.")
        )
    return str(_("Each participant supports as many ideas as they like, one vote per idea."))
