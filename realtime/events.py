"""Payloads of the live stream: one builder per event type (listed in docs/realtime.md).

Every builder reads the database (the source of truth) and returns *variants*: a
list of ``[audience, body]`` pairs, where audience is ``"mod"`` (the session's
moderators), ``"p<id>"`` (one participant, e.g. the author of a pending idea) or
``"all"`` (everyone connected to the session). A connection receives the first
variant meant for it: moderators `mod` else `all`; a participant `p<id>` else
`all`; an anonymous viewer `all`. A body that must not reach someone is simply
not in their variant: hidden ideas never leak, tallies go to non-moderators only
when the session shows results live.
"""

from __future__ import annotations

from typing import Any

from ideas import selectors
from ideas.models import (
    CaseSession,
    Group,
    Idea,
    IdeaStatus,
    Participant,
    Vote,
    VotingMethod,
)
from ideas.tallies import Tally, idea_tallies, ideas_tallies

Variants = list[list[Any]]

MOD = "mod"
ALL = "all"


def participant_audience(participant_id: int) -> str:
    return f"p{participant_id}"


def results_public(session: CaseSession) -> bool:
    """May non-moderators see tallies? (the read rule: `ideas.selectors.results_public`)"""
    return selectors.results_public(session)


def session_block(session: CaseSession) -> dict[str, Any]:
    return {
        "id": session.pk,
        "title": session.title,
        "question": session.question,
        "description": session.description,
        "stage": session.stage,
        "voting_method": session.voting_method,
        "dots_budget": session.dots_budget if session.voting_method == VotingMethod.DOTS else None,
        "dots_max_per_idea": session.dots_max_per_idea if session.voting_method == VotingMethod.DOTS else None,
        "voting_open": session.voting_open(),
        "posting_open": session.current_stage.allows_posting(),
        "live_results_visible": session.live_results_visible,
        "results_visible": results_public(session),
        "is_public": session.is_public,
        "timer_ends_at": session.timer_ends_at.isoformat() if session.timer_ends_at else None,
        "sectors": session.sectors,
    }


def idea_block(idea: Idea, *, moderator: bool, mine: bool) -> dict[str, Any]:
    """An idea as its reader may see it (the REST IdeaSerializer's rules, lighter)."""
    block: dict[str, Any] = {
        "id": idea.pk,
        "title": idea.title,
        "text": idea.text,
        "status": idea.status,
        "group": idea.group_id,
        "merged_into": idea.merged_into_id,
        "created_at": idea.created_at.isoformat(),
        "mine": mine,
        "author": None,
    }
    author = idea.author
    if author is not None:
        # Names stay in the room: moderators and the author see them, others the sector.
        shown = selectors.author_name_for(idea.session, moderator=moderator, author=mine)
        block["author"] = {
            "display_name": author.display_name if shown else None,
            "sector": author.sector,
        }
    if moderator or mine:
        block["hide_reason"] = idea.hide_reason
    if moderator:
        block["flags"] = idea.flags
        block["moderator_note"] = idea.moderator_note
    return block


def removed_block(idea_id: int) -> dict[str, Any]:
    """What a reader who may no longer see an idea learns: its id, so the screen drops it."""
    return {"id": idea_id, "visible": False}


# --- snapshot ----------------------------------------------------------------------------------


def snapshot_base(session_id: int, *, moderator: bool) -> dict[str, Any] | None:
    """The part of a snapshot shared by every reader of one kind (moderators, or everyone else)."""
    session = CaseSession.objects.select_related("forum").filter(pk=session_id).first()
    if session is None:
        return None
    show_tallies = moderator or results_public(session)
    ideas = (
        selectors.ideas_visible_for(session, moderator=moderator)
        .select_related("author", "session")
        .order_by("created_at", "id")
    )
    rows = list(ideas)
    tallies = idea_tallies(session) if show_tallies else {}
    blocks = []
    for idea in rows:
        block = idea_block(idea, moderator=moderator, mine=False)
        if show_tallies and idea.status != IdeaStatus.MERGED:
            block["tally"] = tallies.get(idea.pk, Tally()).as_dict(session.voting_method)
        blocks.append(block)
    return {
        "session": session_block(session),
        "stage": session.stage,
        "results_visible": show_tallies,
        "ideas": blocks,
        "groups": groups_list(session, visible_ids=None if moderator else {i.pk for i in rows}),
    }


def snapshot_personal(session_id: int, participant_id: int) -> dict[str, Any]:
    """A participant's own part: their ideas others cannot see yet, their votes, dots left."""
    return snapshot_personals(session_id, [participant_id])[participant_id]


def snapshot_personals(session_id: int, participant_ids: list[int]) -> dict[int, dict[str, Any]]:
    """The personal parts of many participants of one session in three queries, whatever their number.

    A reconnect storm brings hundreds of a room's clients at once; read one by one, the
    personal parts cost three queries and a thread hop each (the slowest part of a reconnect).
    A participant of another session (never the case for a socket of this session) gets
    nothing of this one: their votes and ideas are read in their own session only.
    """
    people = list(
        Participant.objects.select_related("session")
        .filter(pk__in=participant_ids)
        .only("id", "display_name", "sector", "session_id", "session__voting_method", "session__dots_budget")
    )
    ids = [p.pk for p in people]
    own: dict[int, list[Idea]] = {}
    for idea in (
        Idea.objects.filter(session_id=session_id, author_id__in=ids, status__in=selectors.OWN_UNPUBLISHED)
        .select_related("author", "session")
        .order_by("created_at", "id")
    ):
        own.setdefault(idea.author_id, []).append(idea)  # type: ignore[arg-type]
    votes: dict[int, dict[int, int]] = {}
    for participant_id, idea_id, value in Vote.objects.filter(participant_id__in=ids).values_list(
        "participant_id", "idea_id", "value"
    ):
        votes.setdefault(participant_id, {})[idea_id] = value
    parts: dict[int, dict[str, Any]] = {}
    for participant in people:
        session = participant.session
        mine = votes.get(participant.pk, {}) if participant.session_id == session_id else {}
        dots_left = None
        if session.voting_method == VotingMethod.DOTS:
            dots_left = session.dots_budget - sum(mine.values())
        parts[participant.pk] = {
            "participant": {
                "id": participant.pk,
                "display_name": participant.display_name,
                "sector": participant.sector,
            },
            "own_ideas": [idea_block(idea, moderator=False, mine=True) for idea in own.get(participant.pk, [])],
            "my_votes": {str(idea_id): value for idea_id, value in sorted(mine.items())},
            "dots_left": dots_left,
        }
    return parts


# --- events --------------------------------------------------------------------------------------


def idea_variants(idea_id: int) -> Variants:
    """`idea.created` / `idea.updated`: full for moderators and the author, public or removed for others."""
    idea = Idea.objects.select_related("author", "session").filter(pk=idea_id).first()
    if idea is None:
        return [[ALL, {"idea": removed_block(idea_id)}]]
    variants: Variants = [[MOD, {"idea": idea_block(idea, moderator=True, mine=False)}]]
    if idea.author_id is not None and selectors.idea_visible_for(idea, moderator=False, author=True):
        variants.append([participant_audience(idea.author_id), {"idea": idea_block(idea, moderator=False, mine=True)}])
    if selectors.idea_visible_for(idea, moderator=False, author=False):
        variants.append([ALL, {"idea": idea_block(idea, moderator=False, mine=False)}])
    else:
        variants.append([ALL, {"idea": removed_block(idea.pk)}])
    return variants


def idea_created_variants(idea_id: int) -> Variants:
    """Like `idea_variants`, but nobody hears of an idea they cannot see (no `removed` stub)."""
    return [v for v in idea_variants(idea_id) if not (v[0] == ALL and v[1]["idea"].get("visible") is False)]


def tally_variants(session_id: int, idea_ids: list[int]) -> Variants:
    """`tally`: the current totals of the ideas whose votes changed since the last tick."""
    return tally_variants_many({session_id: idea_ids}).get(session_id, [])


def tally_variants_many(dirty: dict[int, list[int]]) -> dict[int, Variants]:
    """`tally_variants` of every session of one tick of a process, in three queries for them all.

    Three queries per session and tick were 96 a second for 8 halls at 4 ticks a second, the
    tally thread's whole CPU (issue 16). A session or idea that no longer exists gets nothing;
    a failed read raises, and the hub marks every session's ideas dirty again.
    """
    found: dict[int, Variants] = {session_id: [] for session_id in dirty}
    asked = {session_id: set(ids) for session_id, ids in dirty.items() if ids}
    sessions = {s.pk: s for s in CaseSession.objects.filter(pk__in=asked)}
    if not sessions:
        return found
    statuses: dict[int, dict[int, str]] = {session_id: {} for session_id in sessions}
    wanted = [i for session_id in sessions for i in asked[session_id]]
    for idea_id, session_id, status in Idea.objects.filter(pk__in=wanted, session_id__in=sessions).values_list(
        "pk", "session_id", "status"
    ):
        if idea_id in asked[session_id]:  # an idea of this session asked for by this session
            statuses[session_id][idea_id] = status
    totals = ideas_tallies([i for ideas in statuses.values() for i in ideas])
    for session_id, session in sessions.items():
        method = session.voting_method
        everything = {str(i): totals.get(i, Tally()).as_dict(method) for i in sorted(statuses[session_id])}
        if not everything:
            continue
        variants: Variants = [[MOD, {"tallies": everything}]]
        if results_public(session):
            public = {
                key: value
                for key, value in everything.items()
                if selectors.status_visible_for(statuses[session_id][int(key)], moderator=False, author=False)
            }
            if public:
                variants.append([ALL, {"tallies": public}])
        found[session_id] = variants
    return found


def connection_usable() -> bool:
    from django.db import connection

    return connection.connection is not None and connection.is_usable()


def groups_list(session: CaseSession, *, visible_ids: set[int] | None) -> list[dict[str, Any]]:
    groups = Group.objects.filter(session=session).order_by("order", "id")
    members: dict[int, list[int]] = {}
    ideas = Idea.objects.filter(session=session, group__isnull=False)
    if visible_ids is not None:
        ideas = ideas.filter(pk__in=visible_ids)
    for idea_id, group_id in ideas.order_by("id").values_list("pk", "group_id"):
        members.setdefault(group_id, []).append(idea_id)
    return [
        {
            "id": group.pk,
            "title": group.title,
            "keywords": group.keywords,
            "origin": group.origin,
            "order": group.order,
            "ideas": members.get(group.pk, []),
        }
        for group in groups
    ]


def groups_variants(session_id: int) -> Variants:
    """`groups.updated`: the whole list of groups (small), members filtered by visibility."""
    session = CaseSession.objects.filter(pk=session_id).first()
    if session is None:
        return []
    return [
        [MOD, {"groups": groups_list(session, visible_ids=selectors.group_members_for(session, moderator=True))}],
        [ALL, {"groups": groups_list(session, visible_ids=selectors.group_members_for(session, moderator=False))}],
    ]


def session_variants(session_id: int) -> Variants:
    """`stage` and `session.updated`: the session block (stage, flags, timer)."""
    session = CaseSession.objects.select_related("forum").filter(pk=session_id).first()
    if session is None:
        return []
    return [[ALL, {"stage": session.stage, "session": session_block(session)}]]


def suggestion_variants(suggestion_id: int, extra: dict[str, Any]) -> Variants:
    """`suggestion.updated` / `suggestion.progress`: the grouping pipeline's state, moderators only."""
    return [[MOD, {"suggestion": suggestion_id, **extra}]]


def session_idea_ids(session_id: int) -> list[int]:
    """Every idea of a session (a full tally after the bus lost messages: tally_variants filters readers)."""
    return list(Idea.objects.filter(session_id=session_id).order_by("pk").values_list("pk", flat=True))
