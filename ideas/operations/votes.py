"""Votes: the hottest path; every vote, single or batched, goes through `votes_apply`."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from django.db import IntegrityError, connection, models, transaction
from django.db.models import Q, Sum
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ideas import events
from ideas.compiled import CompiledQuery
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
    # Switching costs four context-local writes; most changes of a batch share the active language.
    if not language or language == translation.get_language():
        return contextlib.nullcontext()
    return translation.override(language)


# The batch's reads, compiled once (`ideas.compiled`): voters locked in id order with their
# session's voting settings, then ideas under a shared lock, then their votes and request ids.
_VOTERS = CompiledQuery(
    lambda voters: Participant.objects.select_for_update(of=("self",))
    .filter(pk__in_list=voters)
    .order_by("pk")
    .values_list("pk", "session_id", *_SESSION_VOTE_FIELDS)
)
_IDEAS = CompiledQuery(
    lambda ideas: Idea.objects.filter(pk__in_list=ideas)
    .order_by("pk")
    .values_list("pk", "session_id", "status", "merged_into_id"),
    # A *shared* row lock: votes on one idea need not queue behind each other (an exclusive
    # lock would make every idea a serialisation point for the whole hall), yet a merge, unmerge
    # or moderation, which takes the row exclusively, waits for them and they for it. Django
    # offers only exclusive row locks, hence the suffix; SQLite locks the whole database on write.
    suffix="FOR SHARE",
)
_STORED = CompiledQuery(
    lambda voters, ideas: Vote.objects.filter(participant_id__in_list=voters, idea_id__in_list=ideas).values_list(
        "participant_id", "idea_id", "value"
    )
)
_REQUESTS = CompiledQuery(
    lambda voters, requests: VoteRequest.objects.filter(
        participant_id__in_list=voters, request_id__in_list=requests
    ).values_list("participant_id", "request_id")
)


class _IdeaRow(NamedTuple):
    pk: int
    session_id: int
    status: str
    merged_into_id: int | None


class _Ballots:
    """The locked voters and ideas of one batch and their votes, changed in memory as it is applied.

    Rows are read as tuples, not model instances: a batch of a busy hall holds hundreds of
    voters and ideas, and building a model (with its session) for each cost more CPU than
    the queries themselves (issue 16). A session is built once per batch.
    """

    def __init__(self, voter_ids: set[int], idea_ids: set[int], request_ids: set[str]) -> None:
        # Voters in id order, then ideas: every batch (and every single vote) takes its locks
        # in the same order, so two batches never deadlock.
        self.voter_session: dict[int, int] = {}
        self.sessions: dict[int, CaseSession] = {}
        for voter_id, session_id, *fields in _VOTERS.rows(voter_ids):
            self.voter_session[voter_id] = session_id
            if session_id not in self.sessions:
                self.sessions[session_id] = CaseSession(
                    id=session_id,
                    **{name.removeprefix("session__"): value for name, value in zip(_SESSION_VOTE_FIELDS, fields, strict=True)},
                )
        self.ideas: dict[int, _IdeaRow] = {row[0]: _IdeaRow._make(row) for row in _IDEAS.rows(idea_ids)}
        self.stored: dict[tuple[int, int], int] = {
            (p, i): int(v) for p, i, v in _STORED.rows(voter_ids, self.ideas)
        }
        self.current = dict(self.stored)
        self.seen_requests: set[tuple[int, str]] = set()
        if request_ids:
            self.seen_requests = set(_REQUESTS.rows(voter_ids, request_ids))
        dots_voters = [
            voter for voter, session in self.voter_session.items()
            if self.sessions[session].voting_method == VotingMethod.DOTS
        ]
        self.spent: dict[int, int] = {}
        if dots_voters:
            totals = (
                Vote.objects.filter(participant_id__in=dots_voters)
                .values("participant_id")
                .annotate(total=Sum("value"))
                .values_list("participant_id", "total")
            )
            self.spent = {p: 0 for p in dots_voters} | {p: int(t or 0) for p, t in totals}
        self.new_requests: list[tuple[int, str, int, int | None]] = []  # participant, request, idea, value

    def dots_left(self, voter_id: int, session: CaseSession) -> int | None:
        if session.voting_method != VotingMethod.DOTS:
            return None
        return session.dots_budget - self.spent[voter_id]

    def apply(self, change: VoteChange, idea_id: int, request_id: str | None) -> VoteOutcome:
        voter_id = change.participant.pk
        session_id = self.voter_session.get(voter_id)
        if session_id is None:
            raise NotFound(_("No such participant."))
        session = self.sessions[session_id]
        idea = _votable_idea(session, self.ideas.get(idea_id))
        key = (voter_id, idea.pk)
        existing = self.current.get(key)
        if request_id and (voter_id, request_id) in self.seen_requests:
            return VoteOutcome(idea.pk, existing, False, True, self.dots_left(voter_id, session))
        value = None if change.withdraw else _check_vote_value(session, change.value)
        if value is not None and session.voting_method == VotingMethod.DOTS:
            spent = self.spent[voter_id] - (existing or 0)
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
        if voter_id in self.spent:
            self.spent[voter_id] += (value or 0) - (existing or 0)
        if request_id:
            self.seen_requests.add((voter_id, request_id))
            self.new_requests.append((voter_id, request_id, idea.pk, value))
        return VoteOutcome(idea.pk, value, existing != value, False, self.dots_left(voter_id, session))

    def write(self) -> None:
        """Store the batch's final state: one upsert, one delete, one insert of request ids."""
        now = timezone.now()
        upserts = [(p, i, v) for (p, i), v in self.current.items() if self.stored.get((p, i)) != v]
        gone = [key for key in self.stored if key not in self.current]
        if upserts:
            _insert_rows(
                Vote,
                ("participant", "idea", "value", "created_at", "updated_at"),
                [(p, i, v, now, now) for p, i, v in upserts],
                conflict=("participant", "idea"),
                update=("value", "updated_at"),
            )
        if gone:
            condition = Q()
            for participant_id, idea_id in gone:
                condition |= Q(participant_id=participant_id, idea_id=idea_id)
            Vote.objects.filter(condition).delete()
        if self.new_requests:
            _insert_rows(
                VoteRequest, ("participant", "request_id", "idea", "value", "created_at"),
                [(*row, now) for row in self.new_requests],
            )
        changed: dict[int, set[int]] = {}
        for idea_id in [idea_id for _voter, idea_id, _value in upserts] + [idea_id for _voter, idea_id in gone]:
            changed.setdefault(self.ideas[idea_id].session_id, set()).add(idea_id)
        events.votes_changed_many(changed)


def _insert_rows(
    model: type[models.Model],
    fields: Sequence[str],
    rows: list[tuple[Any, ...]],
    *,
    conflict: Sequence[str] = (),
    update: Sequence[str] = (),
) -> None:
    """INSERT (… ON CONFLICT … DO UPDATE when asked) of plain values: one statement whatever the batch size.

    `bulk_create` built a model instance per row and prepared every value through its field:
    a third of a batch's CPU (issue 16). On PostgreSQL the rows travel as one array per column
    (`unnest`), so the statement's text never changes and psycopg converts it once; SQLite
    takes the same INSERT row by row (`executemany`, a loop in C). Table, column names and
    types come from the model; datetimes go through the backend's own adapter.
    """
    quote = connection.ops.quote_name
    concrete = {name: _concrete_field(model, name) for name in (*fields, *conflict, *update)}
    columns = ", ".join(quote(concrete[name].column) for name in fields)
    adapt = [
        connection.ops.adapt_datetimefield_value if concrete[name].get_internal_type() == "DateTimeField" else None
        for name in fields
    ]
    values = [[value if convert is None else convert(value) for value, convert in zip(row, adapt, strict=True)] for row in rows]
    # Only quoted names, column types from the model and %s placeholders go into the text.
    if connection.vendor == "postgresql":
        arrays = ", ".join(f"%s::{concrete[name].db_type(connection)}[]" for name in fields)
        sql = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) SELECT * FROM unnest({arrays})"  # noqa: S608
    else:
        sql = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})"  # noqa: S608
    if conflict:
        targets = ", ".join(quote(concrete[name].column) for name in conflict)
        sets = ", ".join(f"{quote(concrete[name].column)} = EXCLUDED.{quote(concrete[name].column)}" for name in update)
        sql += f" ON CONFLICT ({targets}) DO UPDATE SET {sets}"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(sql, [list(column) for column in zip(*values, strict=True)])
        else:
            cursor.executemany(sql, values)


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


def _concrete_field(model: type[models.Model], name: str) -> models.Field[Any, Any]:
    field = model._meta.get_field(name)
    assert isinstance(field, models.Field) and field.column, f"{name} is not a column of {model.__name__}"
    return field


def _votable_idea(session: CaseSession, idea: _IdeaRow | None) -> _IdeaRow:
    """The idea, if a participant of `session` may vote on it now."""
    if idea is None or idea.session_id != session.pk:
        raise NotFound(_("No such idea in your session."))
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


