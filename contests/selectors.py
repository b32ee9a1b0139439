"""The read rules of contests: who sees which entries, scores, progress and results.

Built on `ideas.selectors.Viewer` (a user, maybe anonymous, and the participant they joined
a session as). The rules:
- organisers: the contest's own organisers, the forum's organisers and staff. They see every
  entry with its contacts and the progress per entry (counts, «оценили 5 из 7»), but no score
  before the results stage;
- a juror sees only the entries assigned to them (a recused one marked so), their own sheet,
  and another juror's scores on an entry only after submitting their own sheet for it;
- the public (anonymous, participants, signed-in outsiders) sees a contest once it left the
  draft in a public forum, its admitted entries once the selection begins (never contacts), the
  progress counts, and the results once finalised; organisers and jurors see the computed
  results from the results stage (to discuss disagreements before finalising);
- the regulations and their history of versions are public with the contest.
The permission table is walked by tests/contests/test_api.py.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Count, Q, QuerySet

from contests.models import (
    ConflictDeclaration,
    Contest,
    ContestJuror,
    ContestStage,
    Entry,
    EntryStatus,
    JurorAssignment,
    PublicVote,
    Score,
)
from contests.ordering import ballot_order
from contests.scoring import EntryInput, Results, ScoreInput, compute_results
from ideas.models import Participant
from ideas.selectors import Viewer

PUBLIC_ENTRY_STAGES = (ContestStage.SELECTION, ContestStage.DEFENCE, ContestStage.RESULTS, ContestStage.FINALISED)
JURY_RESULT_STAGES = (ContestStage.RESULTS, ContestStage.FINALISED)


def organises(contest: Contest, viewer: Viewer) -> bool:
    if not viewer.is_signed_in:
        return False
    return (
        viewer.is_staff
        or viewer.organises(contest.forum)
        or contest.organisers.filter(pk=viewer.user.pk).exists()
    )


def juror_of(contest: Contest, viewer: Viewer) -> ContestJuror | None:
    if not viewer.is_signed_in:
        return None
    return ContestJuror.objects.filter(contest=contest, user=viewer.user).first()


def contest_public(contest: Contest) -> bool:
    return contest.stage != ContestStage.DRAFT and contest.forum.is_public


def contest_visible(contest: Contest, viewer: Viewer) -> bool:
    return contest_public(contest) or organises(contest, viewer) or juror_of(contest, viewer) is not None


def contests_visible_to(viewer: Viewer) -> QuerySet[Contest]:
    public = ~Q(stage=ContestStage.DRAFT) & Q(forum__is_public=True)
    if not viewer.is_signed_in:
        return Contest.objects.filter(public).select_related("forum")
    if viewer.is_staff:
        return Contest.objects.select_related("forum")
    user = viewer.user
    return (
        Contest.objects.filter(public | Q(organisers=user) | Q(forum__organisers=user) | Q(jurors__user=user))
        .distinct()
        .select_related("forum")
    )


def entries_visible_to(contest: Contest, viewer: Viewer) -> QuerySet[Entry]:
    """Organisers: all; a juror: the assigned ones; the public: admitted ones once public;
    and a team always sees the entries it submitted (to add photos while submissions are open)."""
    if organises(contest, viewer):
        return contest.entries.all()
    own = Q(submitted_by=viewer.user) if viewer.is_signed_in else Q(pk__in=[])
    juror = juror_of(contest, viewer)
    if juror is not None:
        return contest.entries.filter(Q(assignments__juror=juror) | own).distinct()
    if contest_public(contest) and contest.stage in PUBLIC_ENTRY_STAGES:
        return contest.entries.filter(Q(status=EntryStatus.PUBLISHED) | own)
    return contest.entries.filter(own)


def contacts_visible(contest: Contest, viewer: Viewer) -> bool:
    return organises(contest, viewer)


def progress(contest: Contest, entries: QuerySet[Entry]) -> list[dict[str, Any]]:
    """Per entry: active (unrecused) jurors and submitted sheets. Counts only, never a score."""
    rows = entries.annotate(
        jurors_active=Count("assignments", filter=Q(assignments__recused=False), distinct=True),
        jurors_done=Count(
            "assignments", filter=Q(assignments__recused=False, assignments__submitted_at__isnull=False), distinct=True
        ),
    ).order_by("nomination", "id")
    return [
        {"entry": row.pk, "nomination": row.nomination, "title": row.title,
         "scored": row.jurors_done, "of": row.jurors_active}
        for row in rows
    ]


def sheet_for(contest: Contest, entry: Entry, viewer: Viewer) -> dict[str, Any] | None:
    """A juror's own sheet; the others' (pseudonymised) only once their own is submitted. None: not theirs."""
    juror = juror_of(contest, viewer)
    if juror is None:
        return None
    assignment = JurorAssignment.objects.filter(juror=juror, entry=entry).first()
    if assignment is None:
        return None
    sheet: dict[str, Any] = {
        "entry": entry.pk,
        "recused": assignment.recused,
        "submitted": assignment.submitted_at is not None,
        "scores": dict(Score.objects.filter(assignment=assignment).values_list("criterion", "value")),
        "others": None,
    }
    if assignment.submitted_at is not None:
        others: dict[str, dict[str, int]] = {}
        for pseudonym, criterion, value in Score.objects.filter(
            assignment__entry=entry, assignment__submitted_at__isnull=False, assignment__recused=False
        ).exclude(assignment=assignment).values_list("assignment__juror__pseudonym", "criterion", "value"):
            others.setdefault(pseudonym, {})[criterion] = value
        sheet["others"] = others
    return sheet


def results_visible(contest: Contest, viewer: Viewer) -> bool:
    if contest.stage == ContestStage.FINALISED:
        return contest_visible(contest, viewer)
    if contest.stage in JURY_RESULT_STAGES:
        return organises(contest, viewer) or juror_of(contest, viewer) is not None
    return False


def public_vote_counts(contest: Contest) -> dict[int, int]:
    return dict(
        PublicVote.objects.filter(contest=contest).values_list("entry_id").annotate(n=Count("id")).values_list("entry_id", "n")
    )


def results_for(contest: Contest) -> Results:
    """The stored scores, recusals and votes through the pure `compute_results`."""
    entries = [
        EntryInput(entry=pk, nomination=nomination)
        for pk, nomination in contest.entries.filter(status=EntryStatus.PUBLISHED).values_list("id", "nomination")
    ]
    scores = [
        ScoreInput(juror=juror, entry=entry, criterion=criterion, value=value)
        for juror, entry, criterion, value in Score.objects.filter(
            assignment__entry__contest=contest, assignment__submitted_at__isnull=False, assignment__recused=False
        ).values_list("assignment__juror_id", "assignment__entry_id", "criterion", "value")
    ]
    recused = set(ConflictDeclaration.objects.filter(juror__contest=contest).values_list("juror_id", "entry_id"))
    recused |= set(
        JurorAssignment.objects.filter(entry__contest=contest, recused=True).values_list("juror_id", "entry_id")
    )
    return compute_results(contest.regulations, entries, scores, recused=recused, public_votes=public_vote_counts(contest))


def results_document(
    contest: Contest, results: Results, *, finalised_at: datetime | None = None, discussed: list[int] | None = None
) -> dict[str, Any]:
    """The explainable results as published and archived: jurors by pseudonym, entries by title."""
    pseudonyms = dict(ContestJuror.objects.filter(contest=contest).values_list("id", "pseudonym"))
    titles = dict(contest.entries.values_list("id", "title"))
    body = results.as_dict()
    for row in body["entries"]:
        row["title"] = titles.get(row["entry"], "")
        row["by_juror"] = {pseudonyms.get(int(juror), juror): values for juror, values in row["by_juror"].items()}
    return {
        "format": "veche.contest/1",
        "contest": {"id": contest.pk, "title": contest.title, "forum": contest.forum.title},
        "regulations": contest.regulations,
        "regulations_version": contest.regulations_version,
        "results": body,
        "discussed": discussed or [],
        "finalised_at": finalised_at,
    }


# --- read rules the pages need (contests/views.py) ------------------------------------------------


def recusal_counts(contest: Contest) -> dict[int, int]:
    """Per entry: how many jurors are recused from it (declared or detected). Counts only."""
    pairs = set(ConflictDeclaration.objects.filter(juror__contest=contest).values_list("juror_id", "entry_id"))
    pairs |= set(JurorAssignment.objects.filter(entry__contest=contest, recused=True).values_list("juror_id", "entry_id"))
    counts: dict[int, int] = {}
    for _juror, entry in pairs:
        counts[entry] = counts.get(entry, 0) + 1
    return counts


def flagged_vote_counts(contest: Contest) -> dict[int, int]:
    """Per entry: public votes kept but marked as part of a burst (the organiser's eyes only)."""
    return dict(
        PublicVote.objects.filter(contest=contest, flagged=True)
        .values_list("entry_id").annotate(n=Count("id")).values_list("entry_id", "n")
    )


def juror_sheets(juror: ContestJuror) -> list[dict[str, Any]]:
    """A juror's own assignments: entry, recused, submitted, how many criteria scored (own sheet only)."""
    rows = (
        JurorAssignment.objects.filter(juror=juror)
        .select_related("entry")
        .annotate(scored=Count("scores"))
        .order_by("entry__nomination", "entry_id")
    )
    return [
        {"entry": row.entry, "recused": row.recused, "submitted": row.submitted_at is not None, "scored": row.scored}
        for row in rows
    ]


def public_tallies_shown(contest: Contest) -> bool:
    """The big screen shows public-vote counts only if the regulations say so."""
    return bool(contest.regulations.get("show_public_tallies", False))


# --- public vote ---------------------------------------------------------------------------------


def voter_of(contest: Contest, viewer: Viewer) -> Participant | None:
    """The participant of the contest's audience session this viewer is, or None."""
    participant = viewer.participant
    if participant is None or contest.audience_session_id is None or participant.session_id != contest.audience_session_id:
        return None
    return participant


def ballot_for(contest: Contest, viewer: Viewer) -> dict[str, Any] | None:
    """A voter's ballot: each nomination, whether its vote is open, their vote, and the admitted
    entries in *their* order (`contests.ordering`). None: the viewer is not a voter of this contest."""
    participant = voter_of(contest, viewer)
    if participant is None:
        return None
    entries = {entry.pk: entry for entry in entries_visible_to(contest, viewer).filter(status=EntryStatus.PUBLISHED).prefetch_related("photos")}
    mine = dict(PublicVote.objects.filter(contest=contest, participant=participant).values_list("nomination", "entry_id"))
    nominations = []
    for nomination in contest.regulations.get("nominations", []):
        code = nomination["code"]
        ids = [pk for pk, entry in entries.items() if entry.nomination == code]
        nominations.append(
            {
                "code": code, "title": nomination["title"], "title_en": nomination.get("title_en", ""),
                "open": contest.current_stage.allows_public_vote() and code in contest.open_votes,
                "my_vote": mine.get(code),
                "entries": [entries[pk] for pk in ballot_order(ids, contest_id=contest.pk, participant_id=participant.pk)],
            }
        )
    return {"contest": contest.pk, "nominations": nominations}


def public_vote_summary(contest: Contest) -> list[dict[str, Any]]:
    """For the organisers: per nomination, whether open, the votes and how many a burst flagged, per entry too."""
    rows = (
        PublicVote.objects.filter(contest=contest)
        .values("nomination", "entry_id")
        .annotate(votes=Count("id"), flagged=Count("id", filter=Q(flagged=True)))
        .order_by("nomination", "entry_id")
    )
    by_nomination: dict[str, list[dict[str, int]]] = {}
    for row in rows:
        by_nomination.setdefault(row["nomination"], []).append(
            {"entry": row["entry_id"], "votes": row["votes"], "flagged": row["flagged"]}
        )
    summary = []
    for code in contest.nomination_codes():
        entries = by_nomination.get(code, [])
        summary.append(
            {
                "nomination": code, "open": code in contest.open_votes,
                "votes": sum(item["votes"] for item in entries), "flagged": sum(item["flagged"] for item in entries),
                "entries": entries,
            }
        )
    return summary


# --- possible duplicates (organisers only) -------------------------------------------------------


def duplicates_report(contest: Contest) -> dict[str, Any]:
    """Pairs of entries the ideas' encoder finds near-identical, for the organisers to screen."""
    from contests.duplicates import possible_duplicates

    pairs, threshold = possible_duplicates(contest)
    entries = {
        row["id"]: row for row in contest.entries.values("id", "title", "nomination", "organisation", "status")
    }
    return {
        "threshold": threshold,
        "pairs": [
            {"first": entries[pair.first], "second": entries[pair.second], "similarity": pair.similarity}
            for pair in pairs
        ],
    }


# --- jurors (organisers only) --------------------------------------------------------------------


def jurors_overview(contest: Contest) -> dict[str, Any]:
    """The contest's jurors, and the forum's jurors (invited to the forum by link) not yet on this jury."""
    from forums.models import Juror as ForumJuror

    jurors = [
        {
            "id": juror.pk, "pseudonym": juror.pseudonym, "user": juror.user_id, "username": juror.user.get_username(),
            "name": juror.user.get_full_name(), "organisation": juror.organisation, "territory": juror.territory,
            "from_forum": juror.forum_juror_id is not None,
        }
        for juror in ContestJuror.objects.filter(contest=contest).select_related("user").order_by("id")
    ]
    taken = {row["user"] for row in jurors}
    available = [
        {"user": row.user_id, "username": row.user.get_username(), "name": row.user.get_full_name()}
        for row in ForumJuror.objects.filter(forum_id=contest.forum_id, user__is_active=True).select_related("user").order_by("id")
        if row.user_id not in taken
    ]
    return {"jurors": jurors, "available": available}
