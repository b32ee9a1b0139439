"""Votes: the hottest path; every vote, single or batched, goes through `votes_apply`."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import Q, QuerySet, Sum
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ideas import events
from ideas.errors import (
    Conflict,
    DomainError,
    InvalidInput,
    NotFound,
    WrongStage,
)
from ideas.models import (
    CaseSession,
    Idea,
    IdeaStatus,
    Participant,
    Vote,
    VoteRequest,
    VotingMethod,
)
from ideas.operations._shared import _ensure_not_archived

# --- votes -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class VoteOutcome:
    idea_id: int
    value: int | None  # None: no vote (withdrawn)
    changed: bool
    duplicate_request: bool
    dots_left: int | None


def _dots_spent(participant_id: int, *, excluding_idea: int | None = None) -> int:
    votes = Vote.objects.filter(participant_id=participant_id)
    if excluding_idea is not None:
        votes = votes.exclude(idea_id=excluding_idea)
    return int(votes.aggregate(total=Sum("value"))["total"] or 0)


def _check_vote_value(session: CaseSession, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        message = _("The vote must be a whole number.")
        raise InvalidInput(message, fields={"value": [message]})
    method = session.voting_method
    if method == VotingMethod.SUPPORT and value != 1:
        message = _("In this session you support an idea with 1; withdraw by deleting the vote.")
        raise InvalidInput(message, fields={"value": [message]})
    if method == VotingMethod.AGREE and value not in (-1, 0, 1):
        message = _("Vote 1 (agree), 0 (pass) or -1 (disagree).")
        raise InvalidInput(message, fields={"value": [message]})
    if method == VotingMethod.DOTS and not 1 <= value <= session.dots_max_per_idea:
        message = _("Give an idea from 1 to %(max)d dots.") % {"max": session.dots_max_per_idea}
        raise InvalidInput(message, fields={"value": [message]})
    return int(value)


# The vote path is the hottest in the product (hundreds a second): it reads only
# the columns it needs, because compiling wide SELECTs costs more than running them.
_SESSION_VOTE_FIELDS = (
    "session__stage",
    "session__voting_method",
    "session__dots_budget",
    "session__dots_max_per_idea",
    "session__voting_during_ideation",
)


@dataclass(frozen=True)
class VoteChange:
    """One participant's request to cast a vote (`value`) or withdraw it (`withdraw=True`)."""

    participant: Participant
    idea_id: Any
    value: Any
    request_id: Any = None
    withdraw: bool = False
    language: str | None = None  # messages for this change in this language (None: the active one)


def vote_cast(
    *, participant: Participant, idea_id: Any, value: Any, request_id: Any = None
) -> VoteOutcome:
    """Cast or change the participant's vote on an idea (idempotent)."""
    return _one(VoteChange(participant, idea_id, value, request_id))


def vote_withdraw(*, participant: Participant, idea_id: Any, request_id: Any = None) -> VoteOutcome:
    """Withdraw the participant's vote on an idea (idempotent)."""
    return _one(VoteChange(participant, idea_id, None, request_id, withdraw=True))


def _one(change: VoteChange) -> VoteOutcome:
    result = votes_apply([change])[0]
    if isinstance(result, DomainError):
        raise result
    return result


def votes_apply(changes: Sequence[VoteChange]) -> list[VoteOutcome | DomainError]:
    """Apply many vote changes in ONE transaction (group commit); one result per change, in order.

    A live hall sends hundreds of votes a second; each alone costs a transaction and six
    round trips, most of it waiting and compiling SQL rather than voting. Together they
    cost the same handful of queries as one: voters and ideas are locked in one query
    each, their votes read in one, and written in one. Each change still gets exactly
    the answer it would get alone, applied in the order given (two changes of one voter
    see each other). A change that is refused is not written; the others are.
    """
    results: list[VoteOutcome | DomainError | None] = [None] * len(changes)
    valid: list[tuple[int, VoteChange, int, str | None]] = []
    for index, change in enumerate(changes):
        with _language(change.language):
            try:
                valid.append((index, change, _check_idea_id(change.idea_id), _check_request_id(change.request_id)))
            except DomainError as error:
                results[index] = error
    if valid:
        try:
            with transaction.atomic():
                for index, result in _apply_locked(valid):
                    results[index] = result
        except IntegrityError as error:  # only a concurrent double insert can land here
            if len(valid) > 1:  # apply one by one, so one clash cannot refuse the others
                for index, change, _idea_id, _request_id in valid:
                    results[index] = votes_apply([change])[0]
            else:
                with _language(valid[0][1].language):
                    conflict = Conflict(_("Your vote was being saved twice at once; it is counted once. Try again."))
                conflict.__cause__ = error
                results[valid[0][0]] = conflict
    return [result for result in results if result is not None]


def _language(language: str | None) -> Any:
    return translation.override(language) if language else contextlib.nullcontext()


class _Ballots:
    """The locked voters and ideas of one batch and their votes, changed in memory as it is applied."""

    def __init__(self, voter_ids: set[int], idea_ids: set[int], request_ids: set[str]) -> None:
        # Voters in id order, then ideas: every batch (and every single vote) takes its locks
        # in the same order, so two batches never deadlock.
        self.voters = {
            p.pk: p
            for p in Participant.objects.select_for_update(of=("self",))
            .select_related("session")
            .only("id", "session_id", *_SESSION_VOTE_FIELDS)
            .filter(pk__in=voter_ids)
            .order_by("pk")
        }
        self.ideas = {
            i.pk: i
            for i in _shared_locked(
                Idea.objects.only("id", "session_id", "status", "merged_into_id").filter(pk__in=idea_ids)
            )
        }
        self.stored: dict[tuple[int, int], int] = {
            (p, i): int(v)
            for p, i, v in Vote.objects.filter(participant_id__in=voter_ids, idea_id__in=self.ideas).values_list(
                "participant_id", "idea_id", "value"
            )
        }
        self.current = dict(self.stored)
        self.seen_requests: set[tuple[int, str]] = set()
        if request_ids:
            self.seen_requests = set(
                VoteRequest.objects.filter(participant_id__in=voter_ids, request_id__in=request_ids).values_list(
                    "participant_id", "request_id"
                )
            )
        dots_voters = [p.pk for p in self.voters.values() if p.session.voting_method == VotingMethod.DOTS]
        self.spent: dict[int, int] = {}
        if dots_voters:
            totals = (
                Vote.objects.filter(participant_id__in=dots_voters)
                .values("participant_id")
                .annotate(total=Sum("value"))
                .values_list("participant_id", "total")
            )
            self.spent = {p: 0 for p in dots_voters} | {p: int(t or 0) for p, t in totals}
        self.new_requests: list[VoteRequest] = []

    def dots_left(self, voter: Participant) -> int | None:
        if voter.session.voting_method != VotingMethod.DOTS:
            return None
        return voter.session.dots_budget - self.spent[voter.pk]

    def apply(self, change: VoteChange, idea_id: int, request_id: str | None) -> VoteOutcome:
        voter = self.voters.get(change.participant.pk)
        if voter is None:
            raise NotFound(_("No such participant."))
        idea = _votable_idea(voter, self.ideas.get(idea_id))
        session = voter.session
        key = (voter.pk, idea.pk)
        existing = self.current.get(key)
        if request_id and (voter.pk, request_id) in self.seen_requests:
            return VoteOutcome(idea.pk, existing, False, True, self.dots_left(voter))
        value = None if change.withdraw else _check_vote_value(session, change.value)
        if value is not None and session.voting_method == VotingMethod.DOTS:
            spent = self.spent[voter.pk] - (existing or 0)
            if spent + value > session.dots_budget:
                raise Conflict(
                    _("Not enough dots: you have %(left)d of %(budget)d left.")
                    % {"left": session.dots_budget - spent, "budget": session.dots_budget},
                    code="over_budget",
                )
        if value is None:
            self.current.pop(key, None)
        else:
            self.current[key] = value
        if voter.pk in self.spent:
            self.spent[voter.pk] += (value or 0) - (existing or 0)
        if request_id:
            self.seen_requests.add((voter.pk, request_id))
            self.new_requests.append(
                VoteRequest(participant_id=voter.pk, request_id=request_id, idea_id=idea.pk, value=value)
            )
        return VoteOutcome(idea.pk, value, existing != value, False, self.dots_left(voter))

    def write(self) -> None:
        """Store the batch's final state: one upsert, one delete, one insert of request ids."""
        now = timezone.now()
        upserts = [
            Vote(participant_id=p, idea_id=i, value=v, created_at=now, updated_at=now)
            for (p, i), v in self.current.items()
            if self.stored.get((p, i)) != v
        ]
        gone = [key for key in self.stored if key not in self.current]
        if upserts:
            Vote.objects.bulk_create(
                upserts,
                update_conflicts=True,
                unique_fields=["participant", "idea"],
                update_fields=["value", "updated_at"],
            )
        if gone:
            condition = Q()
            for participant_id, idea_id in gone:
                condition |= Q(participant_id=participant_id, idea_id=idea_id)
            Vote.objects.filter(condition).delete()
        if self.new_requests:
            VoteRequest.objects.bulk_create(self.new_requests)
        changed: dict[int, set[int]] = {}
        for idea_id in [vote.idea_id for vote in upserts] + [idea_id for _voter, idea_id in gone]:
            changed.setdefault(self.ideas[idea_id].session_id, set()).add(idea_id)
        for session_id, idea_ids in changed.items():
            events.votes_changed(session_id, sorted(idea_ids))


def _apply_locked(valid: list[tuple[int, VoteChange, int, str | None]]) -> list[tuple[int, VoteOutcome | DomainError]]:
    ballots = _Ballots(
        {change.participant.pk for _index, change, _idea, _request in valid},
        {idea_id for _index, _change, idea_id, _request in valid},
        {request_id for _index, _change, _idea, request_id in valid if request_id},
    )
    results: list[tuple[int, VoteOutcome | DomainError]] = []
    for index, change, idea_id, request_id in valid:
        with _language(change.language):
            try:
                results.append((index, ballots.apply(change, idea_id, request_id)))
            except DomainError as error:
                results.append((index, error))
    ballots.write()
    return results


def _shared_locked(queryset: QuerySet[Idea]) -> list[Idea]:
    """The rows, in id order, under a *shared* lock (PostgreSQL's FOR SHARE).

    Votes on one idea need not queue behind each other (an exclusive lock makes every idea a
    serialisation point for the whole hall), yet a merge, unmerge or moderation, which takes
    the row exclusively, must wait for them and they for it. Django offers only exclusive row locks, hence the clause appended to its SQL.
    SQLite locks the whole database on write and needs no row lock.
    """
    queryset = queryset.order_by("pk")
    if connection.vendor != "postgresql":
        return list(queryset)
    sql, params = queryset.query.sql_with_params()
    return list(queryset.model.objects.raw(f"{sql} FOR SHARE", params))


def _votable_idea(participant: Participant, idea: Idea | None) -> Idea:
    """The idea, if this participant may vote on it now."""
    if idea is None or idea.session_id != participant.session_id:
        raise NotFound(_("No such idea in your session."))
    session = participant.session
    _ensure_not_archived(session)
    if not session.voting_open():
        raise WrongStage(_("Voting is not open in this stage."))
    if idea.status == IdeaStatus.MERGED:
        raise Conflict(
            _("This idea was merged into idea #%(target)d; vote for that one.")
            % {"target": idea.merged_into_id},
            code="merged",
        )
    if idea.status == IdeaStatus.PENDING:
        raise Conflict(_("This idea is waiting for moderation."), code="pending")
    if idea.status == IdeaStatus.HIDDEN:
        raise NotFound(_("No such idea in your session."))
    return idea


def _check_request_id(request_id: Any) -> str | None:
    if request_id in (None, ""):
        return None
    if not isinstance(request_id, str) or len(request_id) > 64:
        message = _("request_id must be text of at most 64 characters.")
        raise InvalidInput(message, fields={"request_id": [message]})
    return request_id


# The largest id a BigAutoField holds. A larger one names no idea, and must be refused here,
# before the batch's shared queries: SQLite cannot even bind it (OverflowError), which failed
# every other vote of the batch with it.
_MAX_ID = 2**63 - 1


def _check_idea_id(idea_id: Any) -> int:
    if isinstance(idea_id, bool) or not isinstance(idea_id, int):
        raise InvalidInput(_("Unknown idea."), fields={"idea": [_("Unknown idea.")]})
    if not 1 <= idea_id <= _MAX_ID:
        raise NotFound(_("No such idea in your session."))
    return int(idea_id)


