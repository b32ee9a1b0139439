"""Read-side shaping for the pages: what each screen shows, from the domain's tallies.

Nothing here changes state; it only arranges what `ideas.tallies` computes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import segno
from django.db.models import Count
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from ideas import selectors, tallies
from ideas.models import CaseSession, Idea, IdeaStatus, Participant, Stage, Vote, VotingMethod

SCREEN_WALL_SIZE = 8
SCREEN_LEADERS = 8


def sector_label(session: CaseSession, code: str) -> str:
    for sector in session.sectors:
        if sector["code"] == code:
            return sector["label"]
    return code


def results_visible_to_participants(session: CaseSession) -> bool:
    return selectors.results_public(session)


def author_label(session: CaseSession, idea: Idea, *, name_shown: bool) -> str:
    """What a reader sees of an idea's author: the name when the read rule allows, else the sector."""
    author = idea.author
    if author is None:
        return ""
    return author.display_name if name_shown else sector_label(session, author.sector)


def posted_message(idea: Idea) -> str:
    if idea.status == IdeaStatus.PENDING:
        return _("Thank you! Your idea will appear after a moderator checks it.")
    return _("Thank you! Your idea is posted.")


def qr_svg(url: str) -> SafeString:
    """The join link as an inline SVG QR code; segno writes only its own markup."""
    code = segno.make(url, error="m")
    return mark_safe(code.svg_inline(scale=8, border=2, dark="#111", light="#fff", omitsize=True))  # noqa: S308


@dataclass
class IdeaCard:
    idea: Idea
    counts: dict[str, int] = field(default_factory=dict)
    my_vote: int | None = None
    author: str = ""  # the author's name or, when names stay in the room, their sector
    consensus: float | None = None

    @property
    def pk(self) -> int:
        return self.idea.pk

    @property
    def dots_range(self) -> range:
        return range(self.my_vote or 0)


def phone_board(session: CaseSession, participant: Participant, ideas: list[Idea]) -> dict[str, Any]:
    method = session.voting_method
    show_results = results_visible_to_participants(session)
    totals = tallies.idea_tallies(session, [idea.pk for idea in ideas]) if show_results else {}
    mine = dict(Vote.objects.filter(participant=participant).values_list("idea_id", "value"))
    cards = [
        IdeaCard(
            idea=idea,
            counts=totals.get(idea.pk, tallies.Tally()).as_dict(method) if show_results else {},
            my_vote=mine.get(idea.pk),
            author=author_label(
                session,
                idea,
                name_shown=selectors.author_name_for(
                    session, moderator=False, author=idea.author_id == participant.pk
                ),
            ),
        )
        for idea in ideas
    ]
    if session.stage in (Stage.RESULTS, Stage.ARCHIVED) and show_results:
        cards.sort(key=lambda card: (-card.counts.get("score", 0), card.pk))
    else:
        cards.sort(key=lambda card: (-card.idea.created_at.timestamp(), -card.pk))
    dots_left = None
    if method == VotingMethod.DOTS:
        dots_left = session.dots_budget - sum(mine.values())
    return {
        "cards": cards,
        "method": method,
        "show_results": show_results,
        "voting_open": session.voting_open(),
        "posting_open": session.current_stage.allows_posting(),
        "dots_left": dots_left,
        "my_vote_count": len(mine),
    }


def screen_board(session: CaseSession) -> dict[str, Any]:
    """Everything the big screen shows that changes: counts, wall, leaders, groups, consensus."""
    show_results = results_visible_to_participants(session)
    results = tallies.session_results(session)
    by_id = {row["id"]: row for row in results["ideas"]}
    ideas = {idea.pk: idea for idea in Idea.objects.filter(pk__in=by_id).select_related("author")}
    newest = sorted(ideas.values(), key=lambda idea: (idea.created_at, idea.pk), reverse=True)[:SCREEN_WALL_SIZE]
    # The screen is what the room sees, whoever opened it: the public's rule for names.
    names = selectors.author_name_for(session, moderator=False, author=False)
    for idea in newest:
        idea.author_label = author_label(session, idea, name_shown=names)  # type: ignore[attr-defined]
    leaders = [row for row in results["ideas"] if row["votes"] or row["score"]][:SCREEN_LEADERS]
    top_score = max((abs(row["score"]) for row in leaders), default=0) or 1
    for row in leaders:
        row["bar"] = max(0, round(100 * row["score"] / top_score))
    groups = [group for group in results["groups"] if group["ideas"]]
    top_group = max((abs(group["score"]) for group in groups), default=0) or 1
    for group in groups:
        group["bar"] = max(0, round(100 * group["score"] / top_group))
        group["size"] = len(group["ideas"])
    consensus = [by_id[idea_id] for idea_id in results["consensus_ideas"][:5] if idea_id in by_id]
    participants = Participant.objects.filter(session=session).aggregate(n=Count("id"))["n"]
    return {
        "method": session.voting_method,
        "show_results": show_results,
        "participants_count": participants,
        "ideas_count": len(by_id),
        "votes_count": results["turnout"]["votes"],
        "voters_count": results["turnout"]["voters"],
        "wall": newest,
        "leaders": leaders if show_results else [],
        "groups": groups,
        "consensus": consensus if show_results else [],
        "min_sector_voters": results["min_sector_voters"],
    }
