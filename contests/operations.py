"""Every change to a contest goes through here (the `ideas.operations` style).

The API, the pages and `seed_demo` call these functions. Each checks who asks, validates,
and writes inside one transaction with the contest row locked, so a refused change leaves
nothing written. Errors are `ideas.errors.DomainError`s with a translated message, which
the API maps to 4xx. Events for the live stream leave after commit (`contests.events`).
"""

from __future__ import annotations

import hashlib
import logging
from collections import defaultdict
from collections.abc import Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from contests import events, photos, regulations, selectors
from contests.models import (
    ENTRY_TEXT_MAX,
    ConflictDeclaration,
    ConflictSource,
    Contest,
    ContestArchive,
    ContestJuror,
    ContestStage,
    Entry,
    EntryPhoto,
    EntryStatus,
    JurorAssignment,
    PublicVote,
    RegulationsVersion,
    Score,
    ScoreChange,
)
from contests.scoring import SCORE_MAX, SCORE_MIN
from forums.models import Juror as ForumJuror
from ideas.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound, WrongStage
from ideas.models import CaseSession, Forum, Participant
from ideas.selectors import Viewer
from ideas.text import clean_text

logger = logging.getLogger("veche.contests")

REASON_MAX = 1000
# A burst: this many public votes within BURST_WINDOW from one address, or through one join code
# (a code that leaked out of the hall). The join code's limit is the rate at which a code may be
# used to join at all (VECHE_THROTTLE_JOIN_CODE, 3000/min): a full hall voting at once is not a
# burst, more votes a minute than the code can admit people is. Settings
# VECHE_CONTEST_BURST_ADDRESS_VOTES / VECHE_CONTEST_BURST_JOIN_CODE_VOTES override them.
BURST_ADDRESS_VOTES = 20
BURST_JOIN_CODE_VOTES = 3000
BURST_WINDOW = timedelta(minutes=1)


def _field_error(field: str, message: str) -> InvalidInput:
    return InvalidInput(message, fields={field: [message]})


def _locked(contest: Contest | int) -> Contest:
    pk = contest if isinstance(contest, int) else contest.pk
    return Contest.objects.select_for_update().select_related("forum").get(pk=pk)


def _ensure_organiser(contest: Contest, actor: Any) -> None:
    if not selectors.organises(contest, Viewer(actor)):
        raise Forbidden(_("Only the contest's organisers may do this."))


def _ensure_not_finalised(contest: Contest) -> None:
    if contest.stage == ContestStage.FINALISED:
        raise WrongStage(_("The contest is finalised: its results are frozen in the archive."))


# --- contest and regulations ---------------------------------------------------------------------


def contest_create(
    *, forum: Forum, actor: Any, title: Any, regulations_document: Any, description: Any = "",
    audience_session: CaseSession | None = None,
) -> Contest:
    if not Viewer(actor).organises(forum):
        raise Forbidden(_("Only this forum's organisers may create its contests."))
    title = clean_text(title, field="title", max_length=200)
    description = clean_text(description, field="description", max_length=5000, required=False)
    document = regulations.validate(regulations_document)
    if audience_session is not None and audience_session.forum_id != forum.pk:
        raise _field_error("audience_session", _("The audience session must belong to the same forum."))
    with transaction.atomic():
        contest = Contest.objects.create(
            forum=forum, title=title, description=description, regulations=document,
            audience_session=audience_session,
        )
        if getattr(actor, "is_authenticated", False):
            contest.organisers.add(actor)
    return contest


def regulations_update(*, contest: Contest, actor: Any, regulations_document: Any, reason: Any = "") -> Contest:
    """Draft regulations change freely; published ones only with a written reason, versioned whole."""
    _ensure_organiser(contest, actor)
    document = regulations.validate(regulations_document)
    reason = clean_text(reason, field="reason", max_length=REASON_MAX, required=False)
    with transaction.atomic():
        contest = _locked(contest)
        _ensure_not_finalised(contest)
        if contest.frozen:
            if not reason:
                raise _field_error(
                    "reason",
                    _("The regulations are published and frozen: write the reason for this change."),
                )
            if document == contest.regulations:
                raise Conflict(_("These regulations are the ones in force: nothing to change."))
            contest.regulations_version += 1
            RegulationsVersion.objects.create(
                contest=contest, version=contest.regulations_version, regulations=document,
                reason=reason, created_by=actor if getattr(actor, "is_authenticated", False) else None,
            )
        contest.regulations = document
        contest.save(update_fields=["regulations", "regulations_version"])
        events.contest_updated(contest.pk)
    return contest


def contest_set_stage(*, contest: Contest, actor: Any, stage: Any) -> Contest:
    """Forward one stage at a time (finalising is `contest_finalise`); opening submissions publishes."""
    _ensure_organiser(contest, actor)
    if stage not in ContestStage.values:
        raise _field_error("stage", _("Unknown stage."))
    target = ContestStage(stage)
    with transaction.atomic():
        contest = _locked(contest)
        _ensure_not_finalised(contest)
        order = ContestStage.order()
        if target == ContestStage.FINALISED:
            raise WrongStage(_("Finalise the results with the finalise action: it checks and freezes them."))
        if order.index(target) != order.index(contest.current_stage) + 1:
            raise WrongStage(_("The contest moves forward one stage at a time."))
        if target == ContestStage.SUBMISSIONS and not contest.frozen:
            contest.regulations_version = 1
            RegulationsVersion.objects.create(
                contest=contest, version=1, regulations=contest.regulations,
                created_by=actor if getattr(actor, "is_authenticated", False) else None,
            )
        previous = contest.stage
        contest.stage = target
        if not target.allows_public_vote():
            contest.open_votes = []
        contest.save(update_fields=["stage", "regulations_version", "open_votes"])
        events.contest_stage(contest.pk, previous, target.value)
    return contest


# --- jurors, conflicts, assignment ---------------------------------------------------------------


def juror_add(*, contest: Contest, actor: Any, user: Any, organisation: Any = "", territory: Any = "") -> ContestJuror:
    _ensure_organiser(contest, actor)
    organisation = clean_text(organisation, field="organisation", max_length=200, required=False)
    territory = clean_text(territory, field="territory", max_length=200, required=False)
    with transaction.atomic():
        contest = _locked(contest)
        _ensure_not_finalised(contest)
        if ContestJuror.objects.filter(contest=contest, user=user).exists():
            raise Conflict(_("This person is already a juror of the contest."))
        number = ContestJuror.objects.filter(contest=contest).count() + 1
        juror = ContestJuror.objects.create(
            contest=contest, user=user, pseudonym=f"J{number}", organisation=organisation, territory=territory,
            forum_juror=ForumJuror.objects.filter(forum_id=contest.forum_id, user=user).first(),
        )
        _detect_conflicts(contest, jurors=[juror])
    return juror


def _same(left: str, right: str) -> bool:
    return bool(left.strip()) and left.strip().casefold() == right.strip().casefold()


def _detect_conflicts(contest: Contest, *, jurors: list[ContestJuror] | None = None, entries: list[Entry] | None = None) -> None:
    """Same organisation or territory as an entry → a conflict recorded and the juror recused."""
    jurors = jurors if jurors is not None else list(contest.jurors.all())
    entries = entries if entries is not None else list(contest.entries.all())
    for juror in jurors:
        for entry in entries:
            source = None
            if _same(juror.organisation, entry.organisation):
                source = ConflictSource.ORGANISATION
            elif _same(juror.territory, entry.territory):
                source = ConflictSource.TERRITORY
            if source is not None:
                ConflictDeclaration.objects.get_or_create(juror=juror, entry=entry, defaults={"source": source})
                _recuse(juror, entry)


def _recuse(juror: ContestJuror, entry: Entry) -> None:
    assignment = JurorAssignment.objects.filter(juror=juror, entry=entry).first()
    if assignment is not None and not assignment.recused:
        # Draft or submitted, the sheet stops counting: a recused juror's score is missing, not a zero.
        Score.objects.filter(assignment=assignment).delete()
        assignment.recused = True
        assignment.submitted_at = None
        assignment.save(update_fields=["recused", "submitted_at"])


def conflict_declare(*, contest: Contest, entry: Entry, actor: Any, reason: Any = "") -> ConflictDeclaration:
    """A juror declares a conflict of interest with an entry: recused from it at once."""
    reason = clean_text(reason, field="reason", max_length=500, required=False)
    with transaction.atomic():
        contest = _locked(contest)
        _ensure_not_finalised(contest)
        juror = ContestJuror.objects.filter(contest=contest, user=actor).first() if getattr(actor, "is_authenticated", False) else None
        if juror is None:
            raise Forbidden(_("Only the contest's jurors may declare a conflict of interest."))
        if entry.contest_id != contest.pk:
            raise NotFound(_("No such entry in this contest."))
        declaration, created = ConflictDeclaration.objects.get_or_create(
            juror=juror, entry=entry, defaults={"source": ConflictSource.DECLARED, "reason": reason}
        )
        if not created:
            raise Conflict(_("A conflict with this entry is already recorded."))
        _recuse(juror, entry)
        events.progress_changed(contest.pk, [entry.pk])
    return declaration


def assignment_plan(
    entries: list[int], jurors: list[int], conflicts: set[tuple[int, int]], existing: dict[int, list[int]], per_entry: int
) -> dict[int, list[int]]:
    """New (entry → jurors) to add so every entry has `per_entry` unconflicted jurors.

    Deterministic and balanced: entries with the fewest eligible jurors go first (they are the
    hardest to fill), each takes the least-loaded eligible jurors, ties by id. Without
    conflicts every juror's load ends within ±1 of every other's. Plain ints in and out, so it
    is tested without a database.
    """
    load: dict[int, int] = defaultdict(int)
    for assigned in existing.values():
        for juror in assigned:
            load[juror] += 1
    eligible = {entry: [j for j in jurors if (j, entry) not in conflicts] for entry in entries}
    plan: dict[int, list[int]] = {}
    for entry in sorted(entries, key=lambda e: (len(eligible[e]), e)):
        have = set(existing.get(entry, []))
        active = [j for j in have if (j, entry) not in conflicts]
        missing = per_entry - len(active)
        if missing <= 0:
            continue
        candidates = sorted((j for j in eligible[entry] if j not in have), key=lambda j: (load[j], j))
        chosen = candidates[:missing]
        for juror in chosen:
            load[juror] += 1
        if chosen:
            plan[entry] = chosen
    return plan


def jury_assign(*, contest: Contest, actor: Any) -> dict[str, Any]:
    """Assign admitted entries so each has the regulations' minimum of unconflicted jurors.

    Re-runnable: existing assignments (and scores) stay; only what is missing is added. Returns
    how many were added and the entries that could not be filled (too few unconflicted jurors).
    """
    _ensure_organiser(contest, actor)
    with transaction.atomic():
        contest = _locked(contest)
        if contest.stage not in (ContestStage.SUBMISSIONS, ContestStage.SELECTION, ContestStage.DEFENCE):
            raise WrongStage(_("Jurors are assigned between the opening of submissions and the defence."))
        _detect_conflicts(contest)
        entries = list(contest.entries.filter(status=EntryStatus.PUBLISHED).values_list("id", flat=True))
        jurors = list(contest.jurors.values_list("id", flat=True))
        conflicts = set(ConflictDeclaration.objects.filter(juror__contest=contest).values_list("juror_id", "entry_id"))
        existing: dict[int, list[int]] = defaultdict(list)
        for juror_id, entry_id in JurorAssignment.objects.filter(entry__contest=contest).values_list("juror_id", "entry_id"):
            existing[entry_id].append(juror_id)
        per_entry = int(contest.regulations["min_jurors"])
        plan = assignment_plan(entries, jurors, conflicts, dict(existing), per_entry)
        JurorAssignment.objects.bulk_create(
            [JurorAssignment(juror_id=juror, entry_id=entry) for entry, chosen in plan.items() for juror in chosen]
        )
        short = []
        for entry in entries:
            active = [j for j in existing.get(entry, []) + plan.get(entry, []) if (j, entry) not in conflicts]
            if len(active) < per_entry:
                short.append(entry)
        events.progress_changed(contest.pk, entries)
    return {"added": sum(len(chosen) for chosen in plan.values()), "short": sorted(short)}


# --- entries -------------------------------------------------------------------------------------

ENTRY_FIELDS = {
    "title": 200, "organisation": 200, "territory": 200, "problem": ENTRY_TEXT_MAX, "actions": ENTRY_TEXT_MAX,
    "resources": ENTRY_TEXT_MAX, "results": ENTRY_TEXT_MAX, "contacts": 500,
}


def entry_submit(*, contest: Contest, actor: Any, data: dict[str, Any]) -> Entry:
    """A team submits a practice; screened like an idea (flags → waits for the organiser)."""
    from ml.screening import screen

    if not getattr(actor, "is_authenticated", False):
        raise Forbidden(_("Sign in to submit an entry."))
    unknown = set(data) - set(ENTRY_FIELDS) - {"nomination", "team_kind", "settlement"}
    if unknown:
        raise InvalidInput(_("Unknown fields: %(fields)s") % {"fields": ", ".join(sorted(unknown))})
    cleaned = {
        name: clean_text(data.get(name, ""), field=name, max_length=limit, required=name != "resources")
        for name, limit in ENTRY_FIELDS.items()
    }
    rules = contest.regulations
    if data.get("nomination") not in contest.nomination_codes():
        raise _field_error("nomination", _("Choose one of the contest's nominations."))
    if data.get("team_kind") not in rules["eligibility"]["team_kinds"]:
        raise _field_error("team_kind", _("The regulations do not admit teams of this kind."))
    if data.get("settlement") not in rules["eligibility"]["settlements"]:
        raise _field_error("settlement", _("The regulations do not admit entries from this kind of settlement."))
    flags = screen("\n".join(cleaned[name] for name in ("title", "problem", "actions", "resources", "results")))
    with transaction.atomic():
        contest = _locked(contest)
        if not contest.current_stage.allows_submission():
            raise WrongStage(_("Entries are accepted only while submissions are open."))
        entry = Entry.objects.create(
            contest=contest, nomination=data["nomination"], team_kind=data["team_kind"],
            settlement=data["settlement"], status=EntryStatus.PENDING if flags else EntryStatus.PUBLISHED,
            flags=flags, submitted_by=actor, **cleaned,
        )
        _detect_conflicts(contest, entries=[entry])
        events.contest_updated(contest.pk)
    return entry


def entry_screen(*, entry: Entry, actor: Any, status: Any, note: Any = "") -> Entry:
    contest = entry.contest
    _ensure_organiser(contest, actor)
    if status not in EntryStatus.values:
        raise _field_error("status", _("The status is admitted, waiting or not admitted."))
    note = clean_text(note, field="note", max_length=500, required=False)
    if status == EntryStatus.REJECTED and not note:
        raise _field_error("note", _("Write why the entry is not admitted."))
    with transaction.atomic():
        contest = _locked(contest)
        if contest.stage not in (ContestStage.SUBMISSIONS, ContestStage.SELECTION):
            raise WrongStage(_("Entries are screened while submissions are open or during the selection."))
        entry = Entry.objects.select_for_update().get(pk=entry.pk)
        entry.status = status
        entry.screening_note = note
        entry.save(update_fields=["status", "screening_note"])
        events.contest_updated(contest.pk)
    return entry


def _ensure_photo_editor(contest: Contest, entry: Entry, actor: Any) -> None:
    """The organisers until the results are frozen; the team that submitted while submissions are open."""
    if selectors.organises(contest, Viewer(actor)):
        _ensure_not_finalised(contest)
        return
    if not getattr(actor, "is_authenticated", False) or entry.submitted_by_id != actor.pk:
        raise Forbidden(_("Only the entry's team and the contest's organisers may change its photos."))
    if not contest.current_stage.allows_submission():
        raise WrongStage(_("Photos are added while submissions are open."))


def entry_photo_add(*, entry: Entry, actor: Any, data: bytes) -> EntryPhoto:
    """A photo for an entry: decoded, re-encoded without EXIF; at most five. Refused: nothing stored.

    The image is checked and re-encoded before any lock is taken; the file is written inside the
    transaction and removed again if the row is not (a race for the last place, a lost database).
    """
    reencoded = photos.reencode(data)
    written: list[tuple[Any, str]] = []
    try:
        with transaction.atomic():
            contest = _locked(entry.contest_id)
            entry = Entry.objects.select_for_update().get(pk=entry.pk)
            _ensure_photo_editor(contest, entry, actor)
            taken = set(EntryPhoto.objects.filter(entry=entry).values_list("position", flat=True))
            free = [position for position in range(photos.PHOTOS_MAX) if position not in taken]
            if not free:
                raise Conflict(
                    _("An entry has at most %(count)d photos: remove one first.") % {"count": photos.PHOTOS_MAX},
                    code="too_many_photos",
                )
            photo = EntryPhoto(
                entry=entry, position=free[0], width=reencoded.width, height=reencoded.height,
                size=len(reencoded.data), sha256=reencoded.sha256,
            )
            photo.image.save("photo.jpg", ContentFile(reencoded.data), save=False)
            written.append((photo.image.storage, photo.image.name))
            photo.save()
            events.contest_updated(contest.pk)
    except BaseException:
        for storage, name in written:  # the row was not written: neither is the file
            storage.delete(name)
        raise
    return photo


def entry_photo_remove(*, photo: EntryPhoto, actor: Any) -> None:
    with transaction.atomic():
        contest = _locked(photo.entry.contest_id)
        entry = Entry.objects.select_for_update().get(pk=photo.entry_id)
        _ensure_photo_editor(contest, entry, actor)
        name = photo.image.name
        storage = photo.image.storage
        EntryPhoto.objects.filter(pk=photo.pk).delete()
        transaction.on_commit(lambda: storage.delete(name))  # the file goes once the row is gone for good
        events.contest_updated(contest.pk)


# --- scores --------------------------------------------------------------------------------------


def score_save(
    *, contest: Contest, entry: Entry, actor: Any, scores: Any, submit: bool = False, reason: Any = ""
) -> JurorAssignment:
    """A juror's sheet for one entry: a draft, then submitted; a change after submission is logged."""
    if not isinstance(scores, dict) or not scores and not submit:
        raise _field_error("scores", _("Send the scores as {criterion: value}."))
    reason = clean_text(reason, field="reason", max_length=500, required=False)
    with transaction.atomic():
        contest = _locked(contest)
        juror = (
            ContestJuror.objects.filter(contest=contest, user=actor).first()
            if getattr(actor, "is_authenticated", False) else None
        )
        if juror is None:
            raise Forbidden(_("Only the contest's jurors may score."))
        if entry.contest_id != contest.pk:
            raise NotFound(_("No such entry in this contest."))
        assignment = JurorAssignment.objects.select_for_update().filter(juror=juror, entry=entry).first()
        if assignment is None:
            raise Forbidden(_("This entry is not assigned to you."))
        if assignment.recused or ConflictDeclaration.objects.filter(juror=juror, entry=entry).exists():
            raise Forbidden(_("You are recused from this entry because of a conflict of interest."))
        if not contest.current_stage.allows_scoring():
            raise WrongStage(_("Scoring is closed at this stage of the contest."))
        criteria = contest.criterion_codes()
        for criterion, value in scores.items():
            if criterion not in criteria:
                raise _field_error("scores", _("Unknown criterion “%(code)s”.") % {"code": criterion})
            if isinstance(value, bool) or not isinstance(value, int) or not SCORE_MIN <= value <= SCORE_MAX:
                raise _field_error(
                    "scores", _("A score is a whole number from %(low)d to %(high)d.") % {"low": SCORE_MIN, "high": SCORE_MAX}
                )
        current = dict(Score.objects.filter(assignment=assignment).values_list("criterion", "value"))
        changed = {criterion: value for criterion, value in scores.items() if current.get(criterion) != value}
        if assignment.submitted_at is not None and changed:
            if not reason:
                raise _field_error("reason", _("Your scores are submitted: write why you change them."))
            ScoreChange.objects.bulk_create(
                [
                    ScoreChange(assignment=assignment, criterion=criterion, old_value=current.get(criterion),
                                new_value=value, reason=reason)
                    for criterion, value in sorted(changed.items())
                ]
            )
        for criterion, value in changed.items():
            Score.objects.update_or_create(assignment=assignment, criterion=criterion, defaults={"value": value})
        if submit and assignment.submitted_at is None:
            missing = [code for code in criteria if code not in {**current, **scores}]
            if missing:
                raise _field_error(
                    "scores", _("Score every criterion before submitting: %(missing)s.") % {"missing": ", ".join(missing)}
                )
            assignment.submitted_at = timezone.now()
            assignment.save(update_fields=["submitted_at"])
            events.progress_changed(contest.pk, [entry.pk])
    return assignment


# --- public vote ---------------------------------------------------------------------------------


def public_vote_set_open(*, contest: Contest, actor: Any, nomination: Any, is_open: bool) -> Contest:
    _ensure_organiser(contest, actor)
    with transaction.atomic():
        contest = _locked(contest)
        if nomination not in contest.nomination_codes():
            raise _field_error("nomination", _("Choose one of the contest's nominations."))
        if is_open and not contest.current_stage.allows_public_vote():
            raise WrongStage(_("The public vote opens during the defence."))
        if contest.audience_session_id is None and is_open:
            raise Conflict(_("Link an audience session first: the public joins the vote through it."))
        codes = set(contest.open_votes)
        codes = codes | {nomination} if is_open else codes - {nomination}
        contest.open_votes = sorted(codes)
        contest.save(update_fields=["open_votes"])
        events.contest_updated(contest.pk)
    return contest


def _address_hash(address: str) -> str:
    return hashlib.sha256(address.encode("utf-8")).hexdigest() if address else ""


def burst_limits() -> dict[str, int]:
    """Votes in one BURST_WINDOW from one address / one join code that make a burst."""
    return {
        "address_hash": int(getattr(settings, "VECHE_CONTEST_BURST_ADDRESS_VOTES", BURST_ADDRESS_VOTES)),
        "join_code": int(getattr(settings, "VECHE_CONTEST_BURST_JOIN_CODE_VOTES", BURST_JOIN_CODE_VOTES)),
    }


def _burst_counts(contest_id: int, address_hashes: set[str], join_code: str, now: Any) -> dict[tuple[str, str], int]:
    """Votes of the last BURST_WINDOW per source ((field, value): the addresses and the join code
    of a batch). Two queries per contest and batch, whatever the batch's size."""
    recent = PublicVote.objects.filter(contest_id=contest_id, created_at__gte=now - BURST_WINDOW)
    counts: dict[tuple[str, str], int] = {}
    addresses = {value for value in address_hashes if value}
    if addresses:
        rows = recent.filter(address_hash__in=addresses).values("address_hash").annotate(n=Count("id")).order_by()
        counts.update({("address_hash", row["address_hash"]): row["n"] for row in rows})
    if join_code:
        counts[("join_code", join_code)] = recent.filter(join_code=join_code).count()
    return counts


def _flag_burst(vote: PublicVote, sources: list[str]) -> None:
    """Mark the earlier votes of the burst too, in a transaction of its own after the vote's.

    Apart, because the vote stands whatever happens here: two concurrent bursts' updates may
    meet in a deadlock the database breaks by failing one of them, and the next vote of the
    burst marks what that one left.
    """
    since = vote.created_at - BURST_WINDOW
    for field in sources:
        try:
            with transaction.atomic():
                PublicVote.objects.filter(
                    contest_id=vote.contest_id, created_at__gte=since, flagged=False, **{field: getattr(vote, field)}
                ).update(flagged=True)
        except DatabaseError:
            logger.warning("burst flags of contest %s left to the next vote", vote.contest_id, exc_info=True)


@dataclass(frozen=True)
class PublicVoteCast:
    """One public vote to apply: who (None: nobody of the audience), for which entry, from where.

    `language`: the voter's, for a refusal's message when the batch runs outside their request
    (the REST fast path's vote thread); None keeps the active one."""

    contest_id: int
    participant: Participant | None
    entry: Entry
    address: str = ""
    language: str | None = None


def _spoken(cast: PublicVoteCast) -> Any:
    return translation.override(cast.language) if cast.language else nullcontext()


def _public_vote_refusal(current: Contest | None, cast: PublicVoteCast) -> DomainError | None:
    """Why this vote cannot be cast (before the one-vote rule), in the voter's language; None if it can."""
    entry, participant = cast.entry, cast.participant
    with _spoken(cast):
        if current is None or entry.contest_id != current.pk:
            return NotFound(_("No such entry in this contest."))
        if participant is None or current.audience_session_id is None or participant.session_id != current.audience_session_id:
            return Forbidden(_("Join the contest's audience session to vote."))
        if entry.status != EntryStatus.PUBLISHED:
            return NotFound(_("No such entry in this contest."))
        if not current.current_stage.allows_public_vote() or entry.nomination not in current.open_votes:
            return WrongStage(_("The public vote in this nomination is closed."))
    return None


def _already_voted(cast: PublicVoteCast) -> Conflict:
    with _spoken(cast):
        return Conflict(_("You have already voted in this nomination."), code="already_voted")


def _store_public_votes(
    pending: list[tuple[int, PublicVoteCast, Contest]], one_by_one: bool
) -> tuple[dict[int, PublicVote | DomainError], dict[tuple[int, str, str], PublicVote]]:
    """Insert the votes in one transaction, each flagged if it belongs to a burst (counted as if
    they had come one after another). `one_by_one`: each in a savepoint of its own, so a vote a
    concurrent request stored first is refused alone. Returns the results by index and the burst
    sources to mark afterwards ((contest, field, value) → a vote of that burst)."""
    results: dict[int, PublicVote | DomainError] = {}
    bursts: dict[tuple[int, str, str], PublicVote] = {}
    limits = burst_limits()
    with transaction.atomic():
        now = timezone.now()
        counts: dict[int, dict[tuple[str, str], int]] = {}
        for contest_id in {current.pk for _index, _cast, current in pending}:
            sample = next(current for _index, _cast, current in pending if current.pk == contest_id)
            join_code = sample.audience_session.join_code if sample.audience_session else ""
            addresses = {_address_hash(cast.address) for _index, cast, current in pending if current.pk == contest_id}
            counts[contest_id] = _burst_counts(contest_id, addresses, join_code, now)
        votes: list[tuple[int, PublicVoteCast, PublicVote, list[str]]] = []
        for index, cast, current in pending:
            join_code = current.audience_session.join_code if current.audience_session else ""
            address_hash = _address_hash(cast.address)
            sources = []
            for field, value in (("address_hash", address_hash), ("join_code", join_code)):
                if not value:
                    continue
                seen = counts[current.pk].get((field, value), 0)
                if seen + 1 >= limits[field]:
                    sources.append(field)
                counts[current.pk][(field, value)] = seen + 1
            vote = PublicVote(
                contest=current, nomination=cast.entry.nomination, entry=cast.entry, participant=cast.participant,
                address_hash=address_hash, join_code=join_code, flagged=bool(sources), created_at=now,
            )
            votes.append((index, cast, vote, sources))
        if one_by_one:
            stored = []
            for index, cast, vote, sources in votes:
                try:
                    with transaction.atomic():
                        vote.save(force_insert=True)
                    stored.append((index, cast, vote, sources))
                except IntegrityError:
                    results[index] = _already_voted(cast)
        else:
            PublicVote.objects.bulk_create([vote for _index, _cast, vote, _sources in votes])
            stored = votes
        tallies = set()
        for index, _cast, vote, sources in stored:
            results[index] = vote
            tallies.add((vote.contest_id, vote.nomination, vote.contest.audience_session_id))
            for field in sources:
                bursts[(vote.contest_id, field, getattr(vote, field))] = vote
        for contest_id, nomination, session_id in sorted(tallies, key=str):
            events.public_vote(contest_id, nomination, session_id=session_id)  # one per nomination and batch
    return results, bursts


def public_votes_apply(casts: Sequence[PublicVoteCast]) -> list[PublicVote | DomainError]:
    """Public votes arriving together (the REST fast path's group commit), stored in one transaction.

    Per vote, in order, the same rules as one by one (`public_vote_cast`): an entry of the contest
    (404), a participant of its audience session (403), an admitted entry (404), its nomination
    open (409), one vote per participant and nomination (409: a vote stored earlier, an earlier one
    of this batch, or, under any race, the database's unique constraint). A burst's votes are kept
    and flagged. A refusal writes nothing; `contest.tally` leaves after commit, once per nomination.
    The contests are read here, whatever the callers hold, for their open nominations as they are now.
    """
    results: list[PublicVote | DomainError | None] = [None] * len(casts)
    contests = {
        current.pk: current
        for current in Contest.objects.select_related("audience_session")
        .only("id", "stage", "open_votes", "audience_session__id", "audience_session__join_code")
        .filter(pk__in={cast.contest_id for cast in casts})
    }
    checked: list[tuple[int, PublicVoteCast, Contest]] = []
    for index, cast in enumerate(casts):
        current = contests.get(cast.contest_id)
        refusal = _public_vote_refusal(current, cast)
        if refusal is not None:
            results[index] = refusal
        else:
            assert current is not None and cast.participant is not None  # the refusal said so
            checked.append((index, cast, current))
    voted: set[tuple[int, int | None, str]] = set()
    if checked:
        voted = set(
            PublicVote.objects.filter(
                contest_id__in={current.pk for _index, _cast, current in checked},
                participant_id__in={cast.participant.pk for _index, cast, _current in checked if cast.participant},
            ).values_list("contest_id", "participant_id", "nomination")
        )
    pending = []
    for index, cast, current in checked:
        key = (current.pk, cast.participant.pk if cast.participant else None, cast.entry.nomination)
        if key in voted:  # stored before, or earlier in this batch
            results[index] = _already_voted(cast)
            continue
        voted.add(key)
        pending.append((index, cast, current))
    if pending:
        try:
            stored, bursts = _store_public_votes(pending, one_by_one=False)
        except IntegrityError:  # a concurrent request stored one of them first: each on its own
            stored, bursts = _store_public_votes(pending, one_by_one=True)
        for index, result in stored.items():
            results[index] = result
        for (_contest_id, field, _value), vote in bursts.items():
            _flag_burst(vote, [field])
    assert all(result is not None for result in results)
    return [result for result in results if result is not None]


def public_vote_cast(
    *, contest: Contest | int, participant: Participant | None, entry: Entry, address: str = ""
) -> PublicVote:
    """One vote per participant per nomination; a burst from one address or join code is kept but flagged.

    Refusals write nothing: no participant of the audience session (403), an entry not in the
    contest or not admitted (404), a closed nomination (409), a second vote (409, the database's
    unique constraint decides under any race). The rules are `public_votes_apply`'s, for one vote.
    """
    contest_id = contest if isinstance(contest, int) else contest.pk
    result = public_votes_apply([PublicVoteCast(contest_id, participant, entry, address)])[0]
    if isinstance(result, DomainError):
        raise result
    return result


# --- results -------------------------------------------------------------------------------------


def contest_finalise(*, contest: Contest, actor: Any, discussed: Any = ()) -> ContestArchive:
    """Freeze the results: every disputed entry must have been discussed (listed in `discussed`)."""
    from archive.services import canonical_json, sha256_text

    _ensure_organiser(contest, actor)
    if not isinstance(discussed, (list, tuple)) or not all(isinstance(item, int) for item in discussed):
        raise _field_error("discussed", _("List the ids of the disputed entries the jury discussed."))
    with transaction.atomic():
        contest = _locked(contest)
        _ensure_not_finalised(contest)
        if contest.stage != ContestStage.RESULTS:
            raise WrongStage(_("Results can be finalised only at the results stage."))
        results = selectors.results_for(contest)
        undiscussed = sorted(set(results.disputed) - set(discussed))
        if undiscussed:
            # Named by title (the organiser knows entries by title, not by id), in id order.
            titles = dict(contest.entries.filter(pk__in=undiscussed).values_list("id", "title"))
            raise Conflict(
                _("The jurors disagree strongly on entries %(entries)s: discuss them before finalising.")
                % {"entries": ", ".join(_("“%(title)s”") % {"title": titles.get(e, e)} for e in undiscussed)},
                code="disputed",
            )
        now = timezone.now()
        document = selectors.results_document(contest, results, finalised_at=now, discussed=sorted(discussed))
        text = canonical_json(document)
        archive = ContestArchive.objects.create(
            contest=contest, snapshot=text, sha256=sha256_text(text), archived_at=now,
            archived_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        contest.stage = ContestStage.FINALISED
        contest.finalised_at = now
        contest.open_votes = []
        contest.save(update_fields=["stage", "finalised_at", "open_votes"])
        events.contest_stage(contest.pk, ContestStage.RESULTS.value, ContestStage.FINALISED.value)
    return archive


def archive_verify(archive: ContestArchive) -> list[str]:
    """What does not match in a frozen contest (empty: all is well): the snapshot's SHA-256, its
    canonical form, and that it is the record of this contest."""
    import json

    from archive.services import canonical_json, sha256_text

    where = f"contest archive {archive.pk} (contest {archive.contest_id})"
    problems = []
    actual = sha256_text(archive.snapshot)
    if actual != archive.sha256:
        problems.append(f"{where}: snapshot does not match its SHA-256 (stored {archive.sha256}, computed {actual})")
    try:
        document = json.loads(archive.snapshot)
        if not isinstance(document, dict):
            raise TypeError("not an object")
        if document.get("format") != "veche.contest/1" or document["contest"]["id"] != archive.contest_id:
            problems.append(f"{where}: the snapshot is not this contest's record")
        if canonical_json(document) != archive.snapshot:
            problems.append(f"{where}: snapshot not in canonical form")
    except (ValueError, KeyError, TypeError) as error:
        problems.append(f"{where}: not a readable veche.contest/1 record: {error!r}")
    return problems


def archives_verify(contest_ids: list[int] | None = None) -> tuple[int, list[str]]:
    """Every contest archive (or those of these contests): how many were checked, and what did not match."""
    archives = ContestArchive.objects.order_by("pk")
    if contest_ids:
        archives = archives.filter(contest_id__in=contest_ids)
    checked, problems = 0, []
    for archive in archives.iterator(chunk_size=50):
        checked += 1
        problems.extend(archive_verify(archive))
    return checked, problems
