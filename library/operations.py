"""Every change to the library goes through here: publish (with consent), update, withdraw.

The pages, the API, `seed_library` and the contests' finalisation (through the contest
event sink, `contest_event`) call these functions. Each checks who asks, validates, and
writes in one transaction with the rows locked, so a refused change leaves nothing written.
Errors are `ideas.errors.DomainError`s with a translated message (4xx in the API and pages).

Who may do what:
- publish: the entry's team (`entry.submitted_by`) agrees itself; an organiser of the contest
  may record the team's *written* consent, and must say what it is in a note;
- update: the team (or an organiser acting for it); each update is a new version, the earlier
  ones are kept and listed on the card;
- withdraw: the team or an organiser; the card disappears from every surface at once.
The texts are embedded before the transaction opens (the model may take a second to load and
no lock should wait on it); a card whose text could not be embedded is still found by words.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import numpy as np
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from contests import selectors as contest_selectors
from contests.models import Contest, ContestArchive, ContestStage, Entry, EntryStatus
from ideas.errors import Conflict, Forbidden, InvalidInput, NotFound
from ideas.selectors import Viewer
from ideas.text import clean_text
from library.models import ConsentKind, Practice, PracticeVersion

logger = logging.getLogger("veche.library")

NOTE_MAX = 500
PRIZE_PLACES = 3  # the places a diploma goes to in each nomination
# The card's texts and their limits (as the entry's own, `contests.operations.ENTRY_FIELDS`).
CARD_FIELDS = {
    "title": 200, "organisation": 200, "territory": 200, "problem": 5000, "actions": 5000,
    "resources": 5000, "results": 5000, "contacts": 500,
}
OPTIONAL_FIELDS = {"resources", "contacts"}


def _field_error(field: str, message: str) -> InvalidInput:
    return InvalidInput(message, fields={field: [message]})


def _signed_in(actor: Any) -> bool:
    return bool(actor is not None and getattr(actor, "is_authenticated", False))


def is_team(entry: Entry, actor: Any) -> bool:
    return _signed_in(actor) and entry.submitted_by_id is not None and entry.submitted_by_id == actor.pk


def is_organiser(entry: Entry, actor: Any) -> bool:
    return _signed_in(actor) and contest_selectors.organises(entry.contest, Viewer(actor))


def may_edit(practice: Practice, actor: Any) -> bool:
    if not _signed_in(actor):  # most readers: no need to load the entry at all
        return False
    return is_team(practice.entry, actor) or is_organiser(practice.entry, actor)


# --- what a version holds -------------------------------------------------------------------------


def _embedding(text: str) -> tuple[bytes | None, str]:
    """The card's vector with the configured encoder; (None, "") when no encoder can load."""
    try:
        from ml.encoders import get_encoder

        encoder = get_encoder()
        vector = np.asarray(encoder.encode([text])[0], dtype=np.float32)
    except Exception:  # a missing model must not stop a team publishing: words still find the card
        logger.warning("library: a practice is stored without an embedding", exc_info=True)
        return None, ""
    return vector.tobytes(), encoder.name


def _search_fields(fields: dict[str, Any]) -> dict[str, Any]:
    """Lemmas (SQLite) and the embedding for a version about to be written."""
    from archive.text import lemma_field

    draft = PracticeVersion(**{name: fields.get(name, "") for name in CARD_FIELDS})
    text = draft.search_text()
    vector, model = _embedding(text)
    return {
        "lemmas": "" if settings.DATABASE_IS_POSTGRES else lemma_field(text),
        "embedding": vector,
        "embedding_model": model,
    }


def _fill_search_vector(version: PracticeVersion) -> None:
    """The Russian + English tsvector of one version, in the same transaction (PostgreSQL only)."""
    if not settings.DATABASE_IS_POSTGRES:
        return
    from django.contrib.postgres.search import SearchVector

    columns = ("title", "problem", "actions", "resources", "results", "territory")
    PracticeVersion.objects.filter(pk=version.pk).update(
        search_vector=SearchVector(*columns, config="russian") + SearchVector(*columns, config="english")
    )


def entry_photos(entry: Entry) -> list[dict[str, Any]]:
    """The entry's photos as the card references them: the library serves them itself (`library_photo`)."""
    manager = getattr(entry, "photos", None)  # contests.EntryPhoto (re-encoded JPEG, no EXIF)
    if manager is None or not hasattr(manager, "order_by"):
        return []
    return [
        {"id": photo.pk, "width": photo.width, "height": photo.height}
        for photo in manager.order_by("position")
    ]


def prizes_of(entry: Entry) -> list[dict[str, Any]]:
    """The entry's prizes in its contest's frozen results: a place up to PRIZE_PLACES, the audience award."""
    archive = ContestArchive.objects.filter(contest_id=entry.contest_id).first()
    if archive is None:
        return []
    results = json.loads(archive.snapshot).get("results", {})
    prizes: list[dict[str, Any]] = []
    for row in results.get("entries", []):
        if row.get("entry") == entry.pk:
            place = row.get("combined_rank") or row.get("jury_rank")
            if isinstance(place, int) and 1 <= place <= PRIZE_PLACES:
                prizes.append({"kind": "place", "place": place})
    if entry.pk in results.get("audience_award", {}).get(entry.nomination, []):
        prizes.append({"kind": "audience"})
    return prizes


def _nomination_titles(contest: Contest, code: str) -> tuple[str, str]:
    for item in contest.regulations.get("nominations", []):
        if item.get("code") == code:
            return str(item.get("title", code)), str(item.get("title_en", ""))
    return code, ""


def _year_of(contest: Contest) -> int:
    forum = contest.forum
    return forum.starts_on.year if forum.starts_on else timezone.localtime(contest.created_at).year


# --- operations -------------------------------------------------------------------------------------


def practice_publish(*, entry: Entry, actor: Any, public_contacts: Any = "", note: Any = "") -> Practice:
    """Put an entry into the library with its team's consent; version 1 copies the entry as it is now.

    The team itself consents (`note` optional); an organiser records the team's written consent
    and must describe it in `note`. A withdrawn practice is published again the same way (its
    versions are kept). Anyone else is refused.
    """
    if not _signed_in(actor):
        raise Forbidden(_("Sign in as the entry's team or an organiser of the contest."))
    team = is_team(entry, actor)
    if not team and not is_organiser(entry, actor):
        raise Forbidden(
            _("Only the entry's team may agree to publish it, or an organiser recording the team's written consent.")
        )
    note = clean_text(note, field="note", max_length=NOTE_MAX, required=False)
    if not team and not note:
        raise _field_error(
            "note", _("Describe the team's written consent (for example: a letter of 12 May signed by the chair).")
        )
    contacts = clean_text(public_contacts, field="public_contacts", max_length=CARD_FIELDS["contacts"], required=False)
    fields = {name: getattr(entry, name) for name in CARD_FIELDS if name != "contacts"}
    fields["contacts"] = contacts
    search = _search_fields(fields)
    with transaction.atomic():
        entry = Entry.objects.select_for_update().select_related("contest__forum").get(pk=entry.pk)
        if entry.status != EntryStatus.PUBLISHED:
            raise Conflict(_("Only an entry admitted to the contest can go into the library."), code="not_admitted")
        consent = {
            "consent_kind": ConsentKind.TEAM if team else ConsentKind.WRITTEN,
            "consent_by": actor, "consent_at": timezone.now(), "consent_note": note,
        }
        existing = Practice.objects.select_for_update().filter(entry=entry).first()
        if existing is not None:
            if not existing.is_withdrawn:
                raise Conflict(_("This entry is already in the library."), code="already_published")
            for name, value in consent.items():
                setattr(existing, name, value)
            existing.withdrawn_at, existing.withdrawn_by, existing.withdrawal_reason = None, None, ""
            existing.prizes = prizes_of(entry)
            existing.save()
            return existing
        title, title_en = _nomination_titles(entry.contest, entry.nomination)
        try:
            with transaction.atomic():
                practice = Practice.objects.create(
                    entry=entry, contest_title=entry.contest.title, forum_title=entry.contest.forum.title,
                    nomination=entry.nomination, nomination_title=title, nomination_title_en=title_en,
                    year=_year_of(entry.contest), prizes=prizes_of(entry), **consent,
                )
        except IntegrityError:  # a concurrent publish of the same entry won the race
            raise Conflict(_("This entry is already in the library."), code="already_published") from None
        version = PracticeVersion.objects.create(
            practice=practice, number=1, photos=entry_photos(entry), created_by=actor,
            **fields, **search,
        )
        _fill_search_vector(version)
        practice.current_version = version
        practice.save(update_fields=["current_version"])
    return practice


def practice_update(*, practice: Practice, actor: Any, data: Any, note: Any = "") -> PracticeVersion:
    """The team changes its card: a new version with the changed fields; every earlier one is kept."""
    if not may_edit(practice, actor):
        raise Forbidden(_("Only the practice's team or an organiser of its contest may change it."))
    if not isinstance(data, dict) or not data:
        raise InvalidInput(_("Send the fields to change."))
    unknown = set(data) - set(CARD_FIELDS)
    if unknown:
        raise InvalidInput(_("Unknown fields: %(fields)s") % {"fields": ", ".join(sorted(unknown))})
    cleaned = {
        name: clean_text(value, field=name, max_length=CARD_FIELDS[name], required=name not in OPTIONAL_FIELDS)
        for name, value in data.items()
    }
    note = clean_text(note, field="note", max_length=NOTE_MAX, required=False)
    current = practice.current_version
    if current is None:
        raise NotFound(_("No such practice in the library."))
    fields = {name: cleaned.get(name, getattr(current, name)) for name in CARD_FIELDS}
    if all(fields[name] == getattr(current, name) for name in CARD_FIELDS):
        raise InvalidInput(_("Nothing changed: the card already says this."), code="unchanged")
    search = _search_fields(fields)
    with transaction.atomic():
        locked = Practice.objects.select_for_update().get(pk=practice.pk)
        if locked.is_withdrawn:
            raise Conflict(_("The practice was withdrawn from the library."), code="withdrawn")
        if locked.current_version_id != current.pk:
            raise Conflict(_("Someone changed this card meanwhile: open it again and repeat your change."), code="stale")
        version = PracticeVersion.objects.create(
            practice=locked, number=current.number + 1, photos=current.photos, created_by=actor, note=note,
            **fields, **search,
        )
        _fill_search_vector(version)
        locked.current_version = version
        locked.save(update_fields=["current_version"])
    practice.refresh_from_db()
    return version


def practice_withdraw(*, practice: Practice, actor: Any, reason: Any = "") -> Practice:
    """Take the card out of the library (page, API, search and exports alike); versions are kept."""
    if not may_edit(practice, actor):
        raise Forbidden(_("Only the practice's team or an organiser of its contest may withdraw it."))
    reason = clean_text(reason, field="reason", max_length=NOTE_MAX, required=False)
    with transaction.atomic():
        locked = Practice.objects.select_for_update().get(pk=practice.pk)
        if locked.is_withdrawn:
            raise Conflict(_("The practice was withdrawn from the library."), code="withdrawn")
        locked.withdrawn_at = timezone.now()
        locked.withdrawn_by = actor
        locked.withdrawal_reason = reason
        locked.save(update_fields=["withdrawn_at", "withdrawn_by", "withdrawal_reason"])
    return locked


def practices_refresh_prizes(contest_id: int) -> int:
    """Copy the prizes of a contest just finalised onto its practices (the contests' event sink)."""
    changed = 0
    with transaction.atomic():
        for practice in Practice.objects.select_for_update().filter(entry__contest_id=contest_id).select_related("entry"):
            prizes = prizes_of(practice.entry)
            if prizes != practice.prizes:
                practice.prizes = prizes
                practice.save(update_fields=["prizes"])
                changed += 1
    return changed


def contest_event(contest_id: int, kind: str, payload: dict[str, Any]) -> None:
    """Registered with `contests.events` (library.apps): results final → prizes on the cards."""
    if kind == "contest.stage" and payload.get("to") == ContestStage.FINALISED.value:
        practices_refresh_prizes(contest_id)
