"""Every change to the ceremony and the papers goes through here (the `contests.operations` style).

The API and the pages call these. Each checks who asks, validates, and writes inside one
transaction with the contest row locked, so two organisers pressing «next» at once move the
ceremony two steps, never one step twice. Refusals are `ideas.errors.DomainError`s with a
translated message (4xx). Each step of the ceremony leaves as a `contest.ceremony` event after
commit (`contests.events.emit`); the pages also poll the state, so they converge without it.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from awards import selectors
from awards.models import CeremonyState, Document, DocumentKind
from contests import events
from contests.models import Contest, ContestArchive, ContestStage, Entry
from ideas.errors import Conflict, Forbidden, InvalidInput, NotFound, WrongStage
from ideas.selectors import Viewer

NUMBER_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read aloud and typed from paper
NUMBER_LENGTH = 8


def _locked(contest: Contest) -> Contest:
    return Contest.objects.select_for_update().select_related("forum").get(pk=contest.pk)


def _ensure_organiser(contest: Contest, actor: Any) -> None:
    if not selectors.may_conduct(contest, Viewer(actor)):
        raise Forbidden(_("Only the contest's organisers may do this."))


def _final_archive(contest: Contest, refusal: str) -> ContestArchive:
    archive = selectors.archive_of(contest)
    if contest.stage != ContestStage.FINALISED or archive is None:
        raise WrongStage(refusal, code="not_final")
    return archive


# --- the ceremony ----------------------------------------------------------------------------------


def _emit(state: CeremonyState) -> None:
    events.emit(
        state.contest_id,
        "contest.ceremony",
        {"version": state.version, "nomination": state.nomination_index, "revealed": state.revealed,
         "audience": state.audience_revealed},
    )


def _plan(contest: Contest, archive: ContestArchive) -> selectors.Plan:
    return selectors.plan_for(contest, selectors.snapshot_of(archive))


NOT_FINAL_CEREMONY = gettext_noop("The results are not final yet: the ceremony opens once the organiser finalises them.")


def ceremony_start(*, contest: Contest, actor: Any) -> CeremonyState:
    """Open (or restart) the ceremony at its first frame: the first nomination, nothing revealed."""
    _ensure_organiser(contest, actor)
    with transaction.atomic():
        contest = _locked(contest)
        archive = _final_archive(contest, _(NOT_FINAL_CEREMONY))
        if not _plan(contest, archive).nominations:
            raise Conflict(_("The regulations have no nominations: there is nothing to reveal."))
        state, created = CeremonyState.objects.select_for_update().get_or_create(contest=contest)
        if not created:
            state.nomination_index, state.revealed, state.audience_revealed = 0, 0, False
            state.version += 1
            state.save()
        _emit(state)
    return state


def _move(contest: Contest, actor: Any, forward: bool) -> CeremonyState:
    _ensure_organiser(contest, actor)
    with transaction.atomic():
        contest = _locked(contest)
        archive = _final_archive(contest, _(NOT_FINAL_CEREMONY))
        state = CeremonyState.objects.select_for_update().filter(contest=contest).first()
        if state is None:
            raise Conflict(_("Start the ceremony first."), code="not_started")
        plan = _plan(contest, archive)
        counts = plan.counts()
        index = min(state.nomination_index, len(counts) - 1)
        position = (index, min(state.revealed, counts[index]), state.audience_revealed)
        if forward:
            moved = selectors.next_position(counts, plan.has_audience_award, position)
            if moved is None:
                raise Conflict(_("Everything is revealed: the ceremony is over."), code="ceremony_over")
        else:
            moved = selectors.previous_position(counts, position)
            if moved is None:
                raise Conflict(_("This is the ceremony's first step: there is nothing to go back to."),
                               code="ceremony_start")
        state.nomination_index, state.revealed, state.audience_revealed = moved
        state.version += 1
        state.save()
        _emit(state)
    return state


def ceremony_step(*, contest: Contest, actor: Any) -> CeremonyState:
    """Reveal the next place (the last prize first), the next nomination, then the audience award."""
    return _move(contest, actor, forward=True)


def ceremony_back(*, contest: Contest, actor: Any) -> CeremonyState:
    """Undo the last step (a reveal pressed too early)."""
    return _move(contest, actor, forward=False)


# --- papers --------------------------------------------------------------------------------------

NOT_FINAL_PAPERS = gettext_noop("The results are not final yet: papers are issued once the organiser finalises them.")


def _new_number(contest: Contest) -> str:
    """Random, so numbers cannot be walked; the contest's id in front keeps a printed stack sorted."""
    while True:
        number = f"{contest.pk}-" + "".join(secrets.choice(NUMBER_ALPHABET) for _ in range(NUMBER_LENGTH))
        if not Document.objects.filter(number=number).exists():
            return number


def _checked_archive(contest: Contest) -> ContestArchive:
    archive = _final_archive(contest, _(NOT_FINAL_PAPERS))
    if selectors.sha256_of(archive.snapshot) != archive.sha256:
        raise Conflict(
            _("The contest's archive record does not match its SHA-256: no paper can be issued against it."),
            code="archive_changed",
        )
    return archive


def _issue(contest: Contest, archive: ContestArchive, entry_id: int, nomination: str, kind: str,
           place: int | None, now: Any) -> Document:
    existing = Document.objects.filter(entry_id=entry_id, kind=kind).first()
    if existing is not None:
        return existing
    return Document.objects.create(
        number=_new_number(contest), kind=kind, contest=contest, entry_id=entry_id, nomination=nomination,
        place=place, archive_sha256=archive.sha256, issued_at=now,
    )


def document_issue(*, contest: Contest, entry: Entry, kind: Any, actor: Any) -> Document:
    """One paper for one entry (idempotent: an issued paper is returned as it is)."""
    _ensure_organiser(contest, actor)
    if kind not in DocumentKind.values:
        raise InvalidInput(_("The kind is “diploma” or “certificate”."), fields={"kind": [_("Unknown kind.")]})
    with transaction.atomic():
        contest = _locked(contest)
        archive = _checked_archive(contest)
        if entry.contest_id != contest.pk:
            raise NotFound(_("No such entry in this contest."))
        snapshot = selectors.snapshot_of(archive)
        row = next((row for row in selectors.rows_of(snapshot) if row.get("entry") == entry.pk), None)
        if row is None:
            raise Conflict(_("This entry is not in the final results (it was not admitted): no paper for it."),
                           code="not_in_results")
        place = selectors.prize_place(snapshot, row)
        if kind == DocumentKind.DIPLOMA and place is None:
            raise Conflict(
                _("This entry did not win a prize: it gets a participant certificate, not a diploma."),
                code="no_prize",
            )
        return _issue(contest, archive, entry.pk, str(row["nomination"]),
                      kind, place if kind == DocumentKind.DIPLOMA else None, timezone.now())


def documents_issue(*, contest: Contest, actor: Any) -> list[Document]:
    """A diploma per prize and a participant certificate per entry in the results; issued ones kept."""
    _ensure_organiser(contest, actor)
    with transaction.atomic():
        contest = _locked(contest)
        archive = _checked_archive(contest)
        snapshot = selectors.snapshot_of(archive)
        now = timezone.now()
        issued = []
        for row in selectors.rows_of(snapshot):
            entry_id, nomination = int(row["entry"]), str(row["nomination"])
            place = selectors.prize_place(snapshot, row)
            if place is not None:
                issued.append(_issue(contest, archive, entry_id, nomination, DocumentKind.DIPLOMA, place, now))
            issued.append(_issue(contest, archive, entry_id, nomination, DocumentKind.CERTIFICATE, None, now))
        events.emit(contest.pk, "contest.documents", {"issued": len(issued)})
    return issued
