"""Read-side shaping for the pages: what each screen shows, from the domain's tallies.

Nothing here changes state; it only arranges what `ideas.tallies` computes.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

import segno
from django.db.models import Count
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from ideas import moderation_log, selectors, tallies
from ideas.models import (
    CaseSession,
    HideReason,
    Idea,
    IdeaStatus,
    Participant,
    Stage,
    Vote,
    VotingMethod,
)

# The big screen shows the top N of everything and the counts: it must fit 1280×720 with
# 200 ideas and 2,000 participants exactly as with 5.
SCREEN_WALL_SIZE = 6
SCREEN_LEADERS = 6
SCREEN_GROUPS = 5
SCREEN_CONSENSUS = 4
SCREEN_SECTORS = 6


# English names of the default sectors (settings.VECHE_DEFAULT_SECTORS), for sessions that kept
# them: a sector an organiser wrote names itself (`label`, and `label_en` for English readers).
DEFAULT_SECTOR_NAMES = {
    ("government", "Власть"): gettext_lazy("Government"),
    ("society", "Общество"): gettext_lazy("Society"),
    ("business", "Бизнес"): gettext_lazy("Business"),
    ("ngo", "НКО / ТОС"): gettext_lazy("NGOs and neighbourhood groups"),
    ("expert", "Эксперт"): gettext_lazy("Expert"),
}


def sector_name(sector: dict[str, str]) -> str:
    """A sector's name in the reader's language: `label` in Russian, `label_en` (or the default's) in English."""
    if (get_language() or "ru").startswith("ru"):
        return sector["label"]
    if sector.get("label_en"):
        return sector["label_en"]
    default = DEFAULT_SECTOR_NAMES.get((sector["code"], sector["label"]))
    return str(default) if default is not None else sector["label"]


def sector_choices(sectors: list[dict[str, str]]) -> list[tuple[str, str]]:
    return [(sector["code"], sector_name(sector)) for sector in sectors]


def sector_label(session: CaseSession, code: str) -> str:
    for sector in session.sectors:
        if sector["code"] == code:
            return sector_name(sector)
    return code


# One log line in words (the console's log and the admin share it).
action_text = moderation_log.action_text
flag_words = moderation_log.flag_words


# The hide reason a flag suggests: the console pre-selects it, the moderator still confirms.
FLAG_REASONS = {
    "link": HideReason.LINK,
    "email": HideReason.LINK,
    "phone": HideReason.LINK,
    "obscenity": HideReason.OBSCENITY,
    "insult": HideReason.INSULT,
}


def suggested_hide_reason(codes: list[str] | None) -> str:
    for code in codes or []:
        if code in FLAG_REASONS:
            return str(FLAG_REASONS[code])
    return ""


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
    mine: bool = False  # the reader's own idea: marked, never offered "instead of yours"

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
            mine=idea.author_id == participant.pk,
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
    elif session.voting_open():
        # Position bias: while people vote, each phone lists the ideas in its own order,
        # the same on every reload for that participant (and a new idea does not reshuffle the rest).
        cards.sort(key=lambda card: shuffle_key(participant.pk, card.pk))
    else:
        cards.sort(key=lambda card: (-card.idea.created_at.timestamp(), -card.pk))
    groups = sorted({(card.idea.group.order, card.idea.group.pk, card.idea.group.title) for card in cards if card.idea.group})
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
        "groups": [(pk, title) for _order, pk, title in groups],
        "merged_away": list(selectors.own_merged_ideas(session, participant)),
    }


def shuffle_key(participant_id: int, idea_id: int) -> bytes:
    """A per-participant, stable position for an idea: a hash of the pair, not a random draw."""
    return hashlib.blake2b(f"{participant_id}:{idea_id}".encode(), digest_size=8).digest()


def screen_mode(session: CaseSession, *, join_shown: bool) -> str:
    """The big screen's mode: its stage's, or the join invitation when asked for (never once archived)."""
    if session.stage == Stage.ARCHIVED:
        return "archived"
    if join_shown or session.stage == Stage.DRAFT:
        return "join"
    return str(session.stage)


def _bars(rows: list[dict[str, Any]]) -> None:
    top = max((abs(row["score"]) for row in rows), default=0) or 1
    for row in rows:
        row["bar"] = max(0, round(100 * row["score"] / top))


def screen_board(session: CaseSession, *, join_shown: bool = False, reveal: int = 0) -> dict[str, Any]:
    """What the big screen shows in its current mode: always the top N and a count, never the whole list."""
    mode = screen_mode(session, join_shown=join_shown)
    show_results = results_visible_to_participants(session)
    results = tallies.session_results(session)
    by_id = {row["id"]: row for row in results["ideas"]}
    newest_ids = sorted(by_id, reverse=True)[:SCREEN_WALL_SIZE]  # ids grow with time: the newest ideas
    ideas = {idea.pk: idea for idea in Idea.objects.filter(pk__in=newest_ids).select_related("author")}
    newest = [ideas[pk] for pk in newest_ids if pk in ideas]
    # The screen is what the room sees, whoever opened it: the public's rule for names.
    names = selectors.author_name_for(session, moderator=False, author=False)
    for idea in newest:
        idea.author_label = author_label(session, idea, name_shown=names)  # type: ignore[attr-defined]
    leaders = [row for row in results["ideas"] if row["votes"] or row["score"]][:SCREEN_LEADERS]
    _bars(leaders)
    groups = [group for group in results["groups"] if group["ideas"]][:SCREEN_GROUPS]
    _bars(groups)
    for group in groups:
        group["size"] = len(group["ideas"])
    consensus = [by_id[idea_id] for idea_id in results["consensus_ideas"][:SCREEN_CONSENSUS] if idea_id in by_id]
    sector_leaders = []
    for sector in session.sectors:
        code = sector["code"]
        ranked = sorted(
            (row for row in results["ideas"] if code in row["by_sector"] and row["by_sector"][code]["votes"]),
            key=lambda row: (-row["by_sector"][code]["score"], row["id"]),
        )
        if ranked:
            sector_leaders.append({"sector": sector_name(sector), "idea": ranked[0], "tally": ranked[0]["by_sector"][code]})
    participants = Participant.objects.filter(session=session).aggregate(n=Count("id"))["n"]
    reveal_steps = ["top", "sectors", "consensus"]
    return {
        "mode": mode,
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
        "sector_leaders": sector_leaders[:SCREEN_SECTORS] if show_results else [],
        "reveal": max(0, min(len(reveal_steps) - 1, reveal)),
        "reveal_steps": reveal_steps,
        "min_sector_voters": results["min_sector_voters"],
    }
