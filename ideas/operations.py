"""Domain operations: the one place where Veche's state changes.

The REST views, the WebSocket consumer and the admin all call these functions
(Zulip's `actions`, HackSoft's services). Each validates, changes state inside
one transaction, logs what moderators did, and tells the live stream after
commit. Names are `<entity>_<verb>`; arguments are keyword-only.
"""

from __future__ import annotations

import contextlib
import logging
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import Max, Q, QuerySet, Sum
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ideas.embeddings import on_commit_embed
from ideas.errors import (
    Conflict,
    DomainError,
    Forbidden,
    InvalidInput,
    NotFound,
    SessionArchived,
    WrongStage,
)
from ideas.models import (
    DISPLAY_NAME_MAX,
    IDEA_TEXT_MAX,
    IDEA_TITLE_MAX,
    CaseSession,
    Group,
    HideReason,
    Idea,
    IdeaStatus,
    ModerationAction,
    Participant,
    Stage,
    Vote,
    VoteRequest,
    VotingMethod,
    normalise_join_code,
)
from realtime import notify

logger = logging.getLogger("veche.operations")

_ALLOWED_CONTROL = {"\n", "\r", "\t"}


# --- text checks -------------------------------------------------------------------


def clean_text(value: Any, *, field: str, max_length: int, required: bool = True) -> str:
    """Trim and check a piece of user text; refuse control characters and overlong text."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise InvalidInput(_("Must be text."), fields={field: [_("Must be text.")]})
    text = unicodedata.normalize("NFC", value).strip()
    if any(unicodedata.category(ch) == "Cc" and ch not in _ALLOWED_CONTROL for ch in text):
        message = _("Text contains control characters.")
        raise InvalidInput(message, fields={field: [message]})
    if required and not text:
        message = _("This field may not be blank.")
        raise InvalidInput(message, fields={field: [message]})
    if len(text) > max_length:
        message = _(
            "Ensure this field has no more than %(max)d characters (it has %(length)d)."
        ) % {
            "max": max_length,
            "length": len(text),
        }
        raise InvalidInput(message, fields={field: [message]})
    return text


def _ensure_not_archived(session: CaseSession) -> None:
    if session.stage == Stage.ARCHIVED:
        raise SessionArchived(
            _(
                "This session is archived: its outcome is frozen and cannot change. Add an addendum instead."
            )
        )


def _ensure_moderator(session: CaseSession, actor: Any) -> None:
    if not session.is_moderator(actor):
        raise Forbidden(_("Only the session's moderators may do this."))


def _log(
    session: CaseSession,
    *,
    actor: Any,
    action: str,
    idea: Idea | None = None,
    group: Group | None = None,
    reason: str = "",
    data: dict[str, Any] | None = None,
) -> ModerationAction:
    return ModerationAction.objects.create(
        session=session,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        idea=idea,
        group=group,
        reason=reason,
        data=data or {},
    )


def _locked_session(session_id: int) -> CaseSession:
    return CaseSession.objects.select_for_update().get(pk=session_id)


# --- sessions ----------------------------------------------------------------------


def session_set_stage(*, session: CaseSession, actor: Any, stage: str) -> CaseSession:
    """Move the session to `stage`: forward one step, back any number, never out of archived."""
    _ensure_moderator(session, actor)
    try:
        target = Stage(stage)
    except ValueError:
        message = _("Unknown stage “%(stage)s”.") % {"stage": stage}
        raise InvalidInput(message, fields={"stage": [message]}) from None
    with transaction.atomic():
        session = _locked_session(session.pk)
        current = session.current_stage
        if current == Stage.ARCHIVED:
            _ensure_not_archived(session)
        if not current.may_move_to(target):
            raise WrongStage(
                _("A session in stage “%(current)s” cannot move to “%(target)s”.")
                % {"current": current.label, "target": target.label}
            )
        previous = session.stage
        session.stage = target
        session.stage_changed_at = timezone.now()
        session.save(update_fields=["stage", "stage_changed_at", "updated_at"])
        _log(
            session,
            actor=actor,
            action="session.stage",
            data={"from": previous, "to": target.value},
        )
        if target == Stage.ARCHIVED:
            _archive_hook(session=session, actor=actor)
        notify.stage_changed(session.pk)
    return session


def _archive_hook(*, session: CaseSession, actor: Any) -> None:
    """Freeze the outcome when the archive app is installed (it owns the snapshot)."""
    from django.apps import apps

    if apps.is_installed("archive"):
        from archive.services import archive_freeze

        archive_freeze(session=session, actor=actor)


def session_update(*, session: CaseSession, actor: Any, **fields: Any) -> CaseSession:
    """Change a session's settings (title, question, method, flags…), never once archived."""
    _ensure_moderator(session, actor)
    editable = {
        "title",
        "question",
        "description",
        "voting_method",
        "dots_budget",
        "dots_max_per_idea",
        "voting_during_ideation",
        "live_results_visible",
        "premoderation",
        "is_public",
        "starts_at",
        "forum",
    }
    unknown = set(fields) - editable
    if unknown:
        raise InvalidInput(
            _("These fields cannot be changed: %(fields)s") % {"fields": ", ".join(sorted(unknown))}
        )
    with transaction.atomic():
        session = _locked_session(session.pk)
        _ensure_not_archived(session)
        if "voting_method" in fields and fields["voting_method"] != session.voting_method:
            if Vote.objects.filter(idea__session=session).exists():
                raise Conflict(_("The voting method cannot change once votes have been cast."))
        for name, value in fields.items():
            setattr(session, name, value)
        if session.dots_max_per_idea > session.dots_budget:
            message = _("Dots per idea cannot exceed the dots per participant.")
            raise InvalidInput(message, fields={"dots_max_per_idea": [message]})
        session.save()
        _log(session, actor=actor, action="session.update", data={"fields": sorted(fields)})
        notify.session_updated(session.pk)
    return session


def session_set_timer(*, session: CaseSession, actor: Any, seconds: int | None) -> CaseSession:
    """Start (or clear, with None) the countdown shown on the big screen."""
    _ensure_moderator(session, actor)
    if seconds is not None and (not isinstance(seconds, int) or not 0 < seconds <= 24 * 3600):
        message = _("The timer must be between 1 second and 24 hours.")
        raise InvalidInput(message, fields={"seconds": [message]})
    with transaction.atomic():
        session = _locked_session(session.pk)
        _ensure_not_archived(session)
        session.timer_ends_at = timezone.now() + timedelta(seconds=seconds) if seconds else None
        session.save(update_fields=["timer_ends_at", "updated_at"])
        _log(session, actor=actor, action="session.timer", data={"seconds": seconds})
        notify.session_updated(session.pk)
    return session


# --- participants --------------------------------------------------------------------


@dataclass(frozen=True)
class Joined:
    participant: Participant
    token: str


def participant_join(*, code: Any, display_name: Any, sector: Any) -> Joined:
    """Join a session by its code: no sign-up, a secret token comes back once."""
    if not isinstance(code, str) or not normalise_join_code(code):
        message = _("Enter the session's join code.")
        raise InvalidInput(message, fields={"code": [message]})
    name = clean_text(display_name, field="display_name", max_length=DISPLAY_NAME_MAX)
    session = (
        CaseSession.objects.select_related("forum")
        .filter(join_code=normalise_join_code(code))
        .first()
    )
    if session is None:
        raise NotFound(
            _("No session has this join code. Check the code on the screen."), code="unknown_code"
        )
    if session.stage in (Stage.DRAFT, Stage.ARCHIVED):
        raise WrongStage(_("This session is not open for joining."))
    if not isinstance(sector, str) or sector not in session.sector_codes:
        message = _("Choose one of the sectors: %(sectors)s.") % {
            "sectors": ", ".join(session.sector_codes)
        }
        raise InvalidInput(message, fields={"sector": [message]})
    participant = Participant(session=session, display_name=name, sector=sector)
    token = participant.issue_token()
    participant.save()
    return Joined(participant=participant, token=token)


# --- ideas ---------------------------------------------------------------------------------


def idea_post(
    *,
    session: CaseSession,
    text: Any,
    title: Any = "",
    author: Participant | None = None,
    author_user: Any = None,
) -> Idea:
    """Post an idea. Screening never deletes: flagged ideas wait for a moderator."""
    from ml.screening import screen

    text = clean_text(text, field="text", max_length=IDEA_TEXT_MAX)
    title = clean_text(title, field="title", max_length=IDEA_TITLE_MAX, required=False)
    if author is not None and author.session_id != session.pk:
        raise Forbidden(_("You joined another session."))
    if author is None and not session.is_moderator(author_user):
        raise Forbidden(_("Join the session to post ideas."))
    flags = screen(f"{title}\n{text}" if title else text)
    with transaction.atomic():
        session = _locked_session(session.pk)
        _ensure_not_archived(session)
        if not session.current_stage.allows_posting():
            raise WrongStage(_("Ideas can be posted only during ideation."))
        status = IdeaStatus.PENDING if (flags or session.premoderation) else IdeaStatus.PUBLISHED
        idea = Idea.objects.create(
            session=session,
            author=author,
            author_user=author_user if getattr(author_user, "is_authenticated", False) else None,
            title=title,
            text=text,
            status=status,
            flags=flags,
        )
        if flags:
            _log(session, actor=None, action="idea.flagged", idea=idea, reason=", ".join(flags))
        notify.idea_created(idea.pk, session.pk)
        on_commit_embed(idea.pk)
    return idea


def _locked_idea(idea_id: int) -> Idea:
    return (
        Idea.objects.select_for_update(no_key=True, of=("self",))
        .select_related("session")
        .get(pk=idea_id)
    )


def idea_moderate(*, idea: Idea, actor: Any, status: str, reason: str = "", note: str = "") -> Idea:
    """Approve (published), hide with a reason, or send back to pending."""
    _ensure_moderator(idea.session, actor)
    if status not in (IdeaStatus.PUBLISHED, IdeaStatus.HIDDEN, IdeaStatus.PENDING):
        message = _(
            "A moderator may set the status to published, pending or hidden; use merge for duplicates."
        )
        raise InvalidInput(message, fields={"status": [message]})
    if status == IdeaStatus.HIDDEN and reason not in HideReason.values:
        message = _("Give the reason for hiding: %(reasons)s.") % {
            "reasons": ", ".join(HideReason.values)
        }
        raise InvalidInput(message, fields={"reason": [message]})
    note = clean_text(note, field="note", max_length=500, required=False)
    with transaction.atomic():
        idea = _locked_idea(idea.pk)
        _ensure_not_archived(idea.session)
        if not idea.session.current_stage.allows_moderation():
            raise WrongStage(_("Ideas cannot be moderated in this stage."))
        if idea.status == IdeaStatus.MERGED:
            raise Conflict(_("This idea was merged into another; unmerge it first."))
        previous = idea.status
        idea.status = status
        idea.hide_reason = reason if status == IdeaStatus.HIDDEN else ""
        idea.moderator_note = note
        idea.save(update_fields=["status", "hide_reason", "moderator_note", "updated_at"])
        action = {"published": "idea.approve", "hidden": "idea.hide", "pending": "idea.pending"}[
            status
        ]
        _log(
            idea.session,
            actor=actor,
            action=action,
            idea=idea,
            reason=reason or note,
            data={"from": previous, "to": status},
        )
        notify.idea_updated(idea.pk, idea.session_id)
        if previous != status:
            notify.votes_changed(idea.session_id, [idea.pk])
    return idea


def idea_merge(*, duplicate: Idea, target: Idea, actor: Any) -> Idea:
    """Merge a duplicate into its target; votes follow without counting anyone twice.

    The duplicate keeps its text and author (status `merged`, linked). A vote
    on the duplicate moves to the target when its participant has none there;
    otherwise the participant's vote on the target stands and the duplicate's
    is dropped. Both are recorded so `idea_unmerge` can restore them.
    """
    _ensure_moderator(duplicate.session, actor)
    if duplicate.pk == target.pk:
        raise InvalidInput(
            _("An idea cannot be merged into itself."), fields={"into": [_("Choose another idea.")]}
        )
    if duplicate.session_id != target.session_id:
        raise InvalidInput(
            _("Both ideas must belong to the same session."),
            fields={"into": [_("Choose an idea of this session.")]},
        )
    with transaction.atomic():
        # Lock both ideas in id order, so two crossing merges cannot deadlock.
        first, second = sorted([duplicate.pk, target.pk])
        locked = {
            i.pk: i
            for i in Idea.objects.select_for_update(of=("self",))
            .select_related("session")
            .filter(pk__in=[first, second])
            .order_by("pk")
        }
        duplicate, target = locked[duplicate.pk], locked[target.pk]
        session = duplicate.session
        _ensure_not_archived(session)
        if not session.current_stage.allows_moderation():
            raise WrongStage(_("Ideas cannot be merged in this stage."))
        if duplicate.status == IdeaStatus.MERGED:
            raise Conflict(_("This idea is already merged."))
        if target.status in (IdeaStatus.MERGED, IdeaStatus.HIDDEN):
            raise Conflict(_("Merge into a visible idea, not a hidden or merged one."))
        moved: list[int] = []
        dropped: list[dict[str, int]] = []
        target_voters = set(
            Vote.objects.filter(idea=target).values_list("participant_id", flat=True)
        )
        for vote in Vote.objects.select_for_update().filter(idea=duplicate).order_by("pk"):
            if vote.participant_id in target_voters:
                dropped.append({"participant": vote.participant_id, "value": vote.value})
                vote.delete()
            else:
                moved.append(vote.pk)
        Vote.objects.filter(pk__in=moved).update(idea=target, updated_at=timezone.now())
        previous_status = duplicate.status
        duplicate.status = IdeaStatus.MERGED
        duplicate.merged_into = target
        duplicate.save(update_fields=["status", "merged_into", "updated_at"])
        _log(
            session,
            actor=actor,
            action="idea.merge",
            idea=duplicate,
            data={
                "into": target.pk,
                "moved_votes": moved,
                "dropped_votes": dropped,
                "previous_status": previous_status,
            },
        )
        notify.idea_updated(duplicate.pk, session.pk)
        notify.votes_changed(session.pk, [duplicate.pk, target.pk])
    return duplicate


def idea_unmerge(*, duplicate: Idea, actor: Any) -> Idea:
    """Undo a merge: the duplicate comes back with the votes it brought."""
    _ensure_moderator(duplicate.session, actor)
    with transaction.atomic():
        duplicate = _locked_idea(duplicate.pk)
        session = duplicate.session
        _ensure_not_archived(session)
        if duplicate.status != IdeaStatus.MERGED:
            raise Conflict(_("This idea is not merged."))
        record = (
            ModerationAction.objects.filter(idea=duplicate, action="idea.merge")
            .order_by("-created_at", "-id")
            .first()
        )
        data = record.data if record else {}
        target_id = duplicate.merged_into_id
        affected = {duplicate.pk, target_id}
        restored_moved = 0
        for vote in Vote.objects.select_for_update().filter(pk__in=data.get("moved_votes", [])):
            # The vote may have moved on (a later merge) or been changed: it still
            # belongs to this participant and came from the duplicate, so it goes back.
            if not Vote.objects.filter(idea=duplicate, participant_id=vote.participant_id).exists():
                affected.add(vote.idea_id)
                vote.idea = duplicate
                vote.save(update_fields=["idea", "updated_at"])
                restored_moved += 1
        restored_dropped = 0
        for entry in data.get("dropped_votes", []):
            participant = (
                Participant.objects.select_for_update().filter(pk=entry["participant"]).first()
            )
            if (
                participant is None
                or Vote.objects.filter(idea=duplicate, participant=participant).exists()
            ):
                continue
            if session.voting_method == VotingMethod.DOTS:
                spent = _dots_spent(participant.pk)
                if spent + entry["value"] > session.dots_budget:
                    continue  # the participant spent those dots since; never exceed a budget
            Vote.objects.create(participant=participant, idea=duplicate, value=entry["value"])
            restored_dropped += 1
        duplicate.status = data.get("previous_status", IdeaStatus.PUBLISHED)
        if duplicate.status == IdeaStatus.MERGED:
            duplicate.status = IdeaStatus.PUBLISHED
        duplicate.merged_into = None
        duplicate.save(update_fields=["status", "merged_into", "updated_at"])
        _log(
            session,
            actor=actor,
            action="idea.unmerge",
            idea=duplicate,
            data={
                "from": target_id,
                "restored_moved": restored_moved,
                "restored_dropped": restored_dropped,
            },
        )
        notify.idea_updated(duplicate.pk, session.pk)
        notify.votes_changed(session.pk, [i for i in affected if i])
    return duplicate


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
            notify.votes_changed(session_id, sorted(idea_ids))


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


def _check_idea_id(idea_id: Any) -> int:
    if isinstance(idea_id, bool) or not isinstance(idea_id, int):
        raise InvalidInput(_("Unknown idea."), fields={"idea": [_("Unknown idea.")]})
    return int(idea_id)


# --- groups ----------------------------------------------------------------------------------


def _ensure_grouping(session: CaseSession) -> None:
    _ensure_not_archived(session)
    if not session.current_stage.allows_grouping():
        raise WrongStage(_("Ideas can be grouped during ideation, voting and results."))


def _clean_keywords(keywords: Any) -> list[str]:
    if keywords in (None, ""):
        return []
    if (
        not isinstance(keywords, list)
        or not all(isinstance(k, str) for k in keywords)
        or len(keywords) > 20
    ):
        message = _("Keywords must be a list of at most 20 words.")
        raise InvalidInput(message, fields={"keywords": [message]})
    return [clean_text(k, field="keywords", max_length=60) for k in keywords]


def group_create(
    *,
    session: CaseSession,
    actor: Any,
    title: Any,
    keywords: Any = None,
    origin: str = Group.Origin.MANUAL,
    idea_ids: list[int] | None = None,
) -> Group:
    _ensure_moderator(session, actor)
    title = clean_text(title, field="title", max_length=200)
    keywords = _clean_keywords(keywords)
    with transaction.atomic():
        session = _locked_session(session.pk)
        _ensure_grouping(session)
        order = (Group.objects.filter(session=session).aggregate(m=Max("order"))["m"] or 0) + 1
        group = Group.objects.create(
            session=session, title=title, keywords=keywords, origin=origin, order=order
        )
        if idea_ids:
            _move_ideas(session, idea_ids, group, manual=origin == Group.Origin.MANUAL)
        _log(
            session,
            actor=actor,
            action="group.create",
            group=group,
            data={"title": title, "ideas": idea_ids or []},
        )
        notify.groups_updated(session.pk)
    return group


def group_update(
    *, group: Group, actor: Any, title: Any = None, keywords: Any = None, order: Any = None
) -> Group:
    """Rename, re-key or reorder a group; a renamed suggestion becomes the moderator's own."""
    _ensure_moderator(group.session, actor)
    with transaction.atomic():
        session = _locked_session(group.session_id)
        _ensure_grouping(session)
        group = Group.objects.select_for_update().get(pk=group.pk)
        changed: dict[str, Any] = {}
        if title is not None:
            group.title = clean_text(title, field="title", max_length=200)
            group.origin = Group.Origin.MANUAL
            changed["title"] = group.title
        if keywords is not None:
            group.keywords = _clean_keywords(keywords)
            changed["keywords"] = group.keywords
        if order is not None:
            if isinstance(order, bool) or not isinstance(order, int) or order < 0:
                message = _("The order must be a whole number, 0 or more.")
                raise InvalidInput(message, fields={"order": [message]})
            group.order = order
            changed["order"] = order
        group.save()
        _log(session, actor=actor, action="group.update", group=group, data=changed)
        notify.groups_updated(session.pk)
    return group


def group_delete(*, group: Group, actor: Any) -> None:
    """Delete a group; its ideas stay, ungrouped."""
    _ensure_moderator(group.session, actor)
    with transaction.atomic():
        session = _locked_session(group.session_id)
        _ensure_grouping(session)
        Idea.objects.filter(group=group).update(group=None, group_set_manually=True)
        _log(
            session,
            actor=actor,
            action="group.delete",
            data={"group": group.pk, "title": group.title},
        )
        group.delete()
        notify.groups_updated(session.pk)


def group_merge(*, group: Group, into: Group, actor: Any) -> Group:
    """Merge one group into another: the ideas move, the emptied group goes."""
    _ensure_moderator(group.session, actor)
    if group.pk == into.pk or group.session_id != into.session_id:
        message = _("Choose another group of the same session.")
        raise InvalidInput(message, fields={"into": [message]})
    with transaction.atomic():
        session = _locked_session(group.session_id)
        _ensure_grouping(session)
        moved = list(Idea.objects.filter(group=group).values_list("pk", flat=True))
        Idea.objects.filter(pk__in=moved).update(group=into, group_set_manually=True)
        into.origin = Group.Origin.MANUAL
        into.keywords = list(dict.fromkeys([*into.keywords, *group.keywords]))[:20]
        into.save(update_fields=["origin", "keywords"])
        _log(
            session,
            actor=actor,
            action="group.merge",
            group=into,
            data={"merged": group.pk, "ideas": moved},
        )
        group.delete()
        notify.groups_updated(session.pk)
    return into


def _move_ideas(
    session: CaseSession, idea_ids: list[int], group: Group | None, *, manual: bool
) -> list[int]:
    if not isinstance(idea_ids, list) or not all(
        isinstance(i, int) and not isinstance(i, bool) for i in idea_ids
    ):
        message = _("Give the ideas as a list of ids.")
        raise InvalidInput(message, fields={"ideas": [message]})
    found = set(Idea.objects.filter(session=session, pk__in=idea_ids).values_list("pk", flat=True))
    missing = sorted(set(idea_ids) - found)
    if missing:
        message = _("These ideas are not in this session: %(ids)s") % {
            "ids": ", ".join(map(str, missing))
        }
        raise InvalidInput(message, fields={"ideas": [message]})
    Idea.objects.filter(pk__in=found).update(group=group, group_set_manually=manual)
    return sorted(found)


def idea_set_group(
    *, session: CaseSession, actor: Any, idea_ids: list[int], group: Group | None
) -> list[int]:
    """Move ideas into a group (or out of every group with None), by hand."""
    _ensure_moderator(session, actor)
    if group is not None and group.session_id != session.pk:
        message = _("Choose a group of this session.")
        raise InvalidInput(message, fields={"group": [message]})
    with transaction.atomic():
        session = _locked_session(session.pk)
        _ensure_grouping(session)
        moved = _move_ideas(session, idea_ids, group, manual=True)
        _log(session, actor=actor, action="idea.group", group=group, data={"ideas": moved})
        notify.groups_updated(session.pk)
    return moved
