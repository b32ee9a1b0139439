"""Freezing a session's outcome, checking it later, and adding corrections.

`archive_freeze` runs inside `ideas.operations.session_set_stage`'s transaction
(the session row is locked), so the snapshot, the search rows and the stage
change commit together or not at all. The snapshot is canonical JSON: keys
sorted, no insignificant whitespace, UTF-8, every non-integer number written
as a string with six decimals, every time as UTC `YYYY-MM-DDTHH:MM:SSZ`. The
same document therefore always gives the same bytes and the same SHA-256.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, F
from django.utils import timezone
from django.utils.translation import gettext as _

from archive import exports
from archive.models import ArchiveAddendum, ArchivedIdea, ArchivedVote, SessionArchive
from archive.text import lemma_field
from ideas.errors import Conflict, Forbidden
from ideas.models import CaseSession, Idea, IdeaStatus, ModerationAction, Participant, Stage, Vote
from ideas.tallies import session_results
from ideas.text import clean_text

SNAPSHOT_FORMAT = "veche.archive/1"
TOP_IDEAS = 10
ADDENDUM_MAX = 5000


# --- canonical JSON ------------------------------------------------------------------------


def format_time(value: datetime | None) -> str | None:
    """UTC, whole seconds, a `Z`: one spelling per instant, whatever the database returned."""
    if value is None:
        return None
    if timezone.is_naive(value):
        value = timezone.make_aware(value, UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def format_number(value: float | Decimal) -> str:
    """Non-integers as fixed six-decimal strings: float printing differs between runtimes."""
    return f"{float(value):.6f}"


def _canonical_value(value: Any) -> Any:
    if isinstance(value, bool) or value is None or isinstance(value, (int, str)):
        return value
    if isinstance(value, (float, Decimal)):
        return format_number(value)
    if isinstance(value, datetime):
        return format_time(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(key): _canonical_value(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_canonical_value(item) for item in value]
    raise TypeError(f"{type(value).__name__} has no canonical form in an archive snapshot")


def canonical_json(document: Any) -> str:
    return json.dumps(
        _canonical_value(document), sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False
    )


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# --- the snapshot ----------------------------------------------------------------------------


@dataclass(frozen=True)
class FrozenVote:
    idea_id: int
    voter: int
    value: int
    voted_at: datetime


def _timeline(session: CaseSession) -> list[dict[str, Any]]:
    timeline: list[dict[str, Any]] = [{"at": session.created_at, "from": None, "to": Stage.DRAFT.value}]
    for at, data in (
        ModerationAction.objects.filter(session=session, action="session.stage")
        .order_by("created_at", "id")
        .values_list("created_at", "data")
    ):
        timeline.append({"at": at, "from": data.get("from"), "to": data.get("to")})
    return timeline


def _held_on(session: CaseSession, timeline: list[dict[str, Any]], archived_at: datetime) -> date:
    """The day the room met: the planned start, else the first ideation, else today."""
    if session.starts_at:
        return timezone.localtime(session.starts_at).date()
    for entry in timeline:
        if entry["to"] == Stage.IDEATION:
            return timezone.localtime(entry["at"]).date()
    return timezone.localtime(archived_at).date()


def _merge_history(session: CaseSession, sectors: dict[int, str]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Every merge and unmerge in order, and the duplicates that stay merged.

    A duplicate's text is published only when it was public before the merge:
    merging a hidden idea must not leak what the moderators hid.
    """
    events: list[dict[str, Any]] = []
    last_merge: dict[int, dict[str, Any]] = {}
    for action in ModerationAction.objects.filter(
        session=session, action__in=["idea.merge", "idea.unmerge"]
    ).order_by("created_at", "id"):
        data = action.data or {}
        if action.action == "idea.merge":
            entry = {
                "action": "merge",
                "at": action.created_at,
                "idea": action.idea_id,
                "into": data.get("into"),
                "moved_votes": len(data.get("moved_votes", [])),
                "dropped_votes": len(data.get("dropped_votes", [])),
            }
            if action.idea_id is not None:
                last_merge[action.idea_id] = data
        else:
            entry = {
                "action": "unmerge",
                "at": action.created_at,
                "idea": action.idea_id,
                "into": data.get("from"),
                "moved_votes": int(data.get("restored_moved", 0)),
                "dropped_votes": int(data.get("restored_dropped", 0)),
            }
        events.append(entry)
    merged = []
    for duplicate in Idea.objects.filter(session=session, status=IdeaStatus.MERGED).order_by("id"):
        data = last_merge.get(duplicate.pk, {})
        was_public = data.get("previous_status", IdeaStatus.PUBLISHED) == IdeaStatus.PUBLISHED
        merged.append(
            {
                "id": duplicate.pk,
                "into": duplicate.merged_into_id,
                "title": duplicate.title if was_public else None,
                "text": duplicate.text if was_public else None,
                "sector": sectors.get(duplicate.pk),
                "created_at": duplicate.created_at,
                "moved_votes": len(data.get("moved_votes", [])),
                "dropped_votes": len(data.get("dropped_votes", [])),
            }
        )
    return events, merged


def _moderation_summary(session: CaseSession) -> dict[str, Any]:
    """Counts only: hidden ideas are summarised by reason, their texts stay out."""
    statuses = dict(
        Idea.objects.filter(session=session).values("status").annotate(n=Count("id")).order_by().values_list("status", "n")
    )
    hidden_by_reason = dict(
        Idea.objects.filter(session=session, status=IdeaStatus.HIDDEN)
        .values("hide_reason")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("hide_reason", "n")
    )
    actions = dict(
        ModerationAction.objects.filter(session=session)
        .exclude(action__startswith="session.")
        .values("action")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("action", "n")
    )
    flagged = Idea.objects.filter(session=session).exclude(flags=[]).count()
    return {
        "ideas_by_status": {status: statuses.get(status, 0) for status in IdeaStatus.values},
        "hidden_by_reason": {reason or "unspecified": n for reason, n in hidden_by_reason.items()},
        "actions": actions,
        "auto_flagged": flagged,
    }


def build_snapshot(session: CaseSession, *, archived_at: datetime) -> tuple[dict[str, Any], list[FrozenVote]]:
    """The outcome document and the final votes (with pseudonymous voters) of a session."""
    results = session_results(session)
    published_ids = [row["id"] for row in results["ideas"]]
    authors = dict(
        Idea.objects.filter(session=session).values_list("id", "author__sector")
    )
    created = dict(Idea.objects.filter(pk__in=published_ids).values_list("id", "created_at"))
    timeline = _timeline(session)
    merges, merged = _merge_history(session, authors)

    # Voters become 0..n-1 in the order they joined: stable, and no token, name
    # or database id of a participant leaves the building.
    pseudonyms = {
        pk: number
        for number, pk in enumerate(Participant.objects.filter(session=session).order_by("id").values_list("id", flat=True))
    }
    votes = [
        FrozenVote(idea_id=idea_id, voter=pseudonyms[participant_id], value=value, voted_at=voted_at)
        for idea_id, participant_id, value, voted_at in Vote.objects.filter(
            idea__session=session, idea__status=IdeaStatus.PUBLISHED
        ).values_list("idea_id", "participant_id", "value", "updated_at")
    ]
    votes.sort(key=lambda v: (v.voted_at, v.idea_id, v.voter))
    author_pseudonyms = dict(
        Idea.objects.filter(pk__in=published_ids, author__isnull=False).values_list("id", "author_id")
    )

    ideas = []
    for rank, row in enumerate(results["ideas"], start=1):
        tally_keys = {"agree", "pass", "disagree", "supporters", "dots", "votes", "score"}
        author_id = author_pseudonyms.get(row["id"])
        ideas.append(
            {
                "id": row["id"],
                "rank": rank,
                "title": row["title"],
                "text": row["text"],
                "sector": authors.get(row["id"]),
                "author": pseudonyms.get(author_id) if author_id is not None else None,
                "group": row["group"],
                "created_at": created.get(row["id"]),
                "tally": {key: value for key, value in row.items() if key in tally_keys},
                "by_sector": row["by_sector"],
                "consensus": row["consensus"],
                "merged_duplicates": row["merged_duplicates"],
            }
        )
    forum = session.forum
    document: dict[str, Any] = {
        "format": SNAPSHOT_FORMAT,
        "archived_at": archived_at,
        "forum": None
        if forum is None
        else {
            "id": forum.pk,
            "title": forum.title,
            "city": forum.city,
            "starts_on": forum.starts_on,
            "ends_on": forum.ends_on,
            "description": forum.description,
            "age_rating": forum.age_rating,
        },
        "session": {
            "id": session.pk,
            "title": session.title,
            "question": session.question,
            "description": session.description,
            "voting_method": session.voting_method,
            "dots_budget": session.dots_budget if session.voting_method == "dots" else None,
            "dots_max_per_idea": session.dots_max_per_idea if session.voting_method == "dots" else None,
            "premoderation": session.premoderation,
            "created_at": session.created_at,
            "starts_at": session.starts_at,
            "held_on": _held_on(session, timeline, archived_at),
        },
        "sectors": session.sectors,
        "min_sector_voters": results["min_sector_voters"],
        "timeline": timeline,
        "turnout": results["turnout"],
        "groups": results["groups"],
        "ideas": ideas,
        "top_ideas": [row["id"] for row in results["ideas"][:TOP_IDEAS]],
        "consensus_ideas": results["consensus_ideas"],
        "merges": merges,
        "merged_ideas": merged,
        "moderation": _moderation_summary(session),
        "votes": {"count": len(votes), "voters": len({v.voter for v in votes}), "sha256": None},
    }
    return document, votes


# --- freezing ----------------------------------------------------------------------------------


def archive_freeze(*, session: CaseSession, actor: Any) -> SessionArchive:
    """Freeze the session's outcome: snapshot, hash, search rows, final votes.

    Called through `ideas.events.session_archiving` from `session_set_stage` inside its transaction, with
    the session row locked, so nothing can vote or post between the snapshot and
    the stage change.
    """
    if SessionArchive.objects.filter(session=session).exists():
        raise Conflict(_("This session is already archived."), code="archived")
    archived_at = timezone.now().replace(microsecond=0)
    document, votes = build_snapshot(session, archived_at=archived_at)
    votes_csv = exports.votes_csv_from_rows(votes)
    document["votes"]["sha256"] = sha256_text(votes_csv)
    snapshot = canonical_json(document)
    # The row's columns and the search rows are read back out of the snapshot's own
    # bytes, with the same functions `archive_verify` uses to re-derive them.
    frozen = json.loads(snapshot)
    archive = SessionArchive.objects.create(
        **archive_fields(frozen),
        snapshot=snapshot,
        sha256=sha256_text(snapshot),
        archived_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    _index_ideas(archive, frozen)
    ArchivedVote.objects.bulk_create(
        [
            ArchivedVote(archive=archive, idea_id=v.idea_id, voter=v.voter, value=v.value, voted_at=v.voted_at)
            for v in votes
        ],
        batch_size=2000,
    )
    return archive


# --- what the public reads, derived from the snapshot -------------------------------------------
#
# Everything the list, the search and the API read from a column instead of the snapshot
# is one of these. Freezing writes them from the snapshot; `archive_verify` derives them
# again from the (hash-checked) snapshot and compares, so none can change unnoticed.

SEARCH_FIELDS = ("title", "text", "sector", "group_title", "score", "votes")


def _snapshot_time(value: str) -> datetime:
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


def archive_fields(document: dict[str, Any]) -> dict[str, Any]:
    """The `SessionArchive` columns, as a parsed snapshot gives them."""
    forum = document["forum"] or {}
    session = document["session"]
    city = forum.get("city") or ""
    return {
        "session_id": session["id"],
        "forum_id": forum.get("id"),
        "forum_title": forum.get("title") or "",
        "title": session["title"],
        "question": session["question"],
        "city": city,
        "city_folded": city.casefold(),
        "text_folded": " ".join([session["title"], session["question"], forum.get("title") or ""]).casefold(),
        "held_on": date.fromisoformat(session["held_on"]),
        "ideas_count": len(document["ideas"]),
        "participants_count": document["turnout"]["participants"],
        "archived_at": _snapshot_time(document["archived_at"]),
        "votes_sha256": document["votes"]["sha256"],
    }


def search_rows(document: dict[str, Any]) -> dict[int, dict[str, Any]]:
    """The `ArchivedIdea` columns the public reads, per idea id, as a parsed snapshot gives them."""
    group_titles = {group["id"]: group["title"] for group in document["groups"]}
    return {
        idea["id"]: {
            "title": idea["title"] or "",
            "text": idea["text"],
            "sector": idea["sector"] or "",
            "group_title": group_titles.get(idea["group"], ""),
            "score": idea["tally"]["score"],
            "votes": idea["tally"]["votes"],
        }
        for idea in document["ideas"]
    }


def _index_ideas(archive: SessionArchive, document: dict[str, Any]) -> None:
    """Search rows for the published ideas, with the embeddings the session already computed."""
    rows_by_idea = search_rows(document)
    embeddings = {
        pk: (vector, model)
        for pk, vector, model in Idea.objects.filter(pk__in=list(rows_by_idea), embedding__isnull=False).values_list(
            "id", "embedding", "embedding_model"
        )
    }
    rows = []
    for idea_id, fields in rows_by_idea.items():
        vector, model = embeddings.get(idea_id, (None, ""))
        rows.append(
            ArchivedIdea(
                archive=archive,
                idea_id=idea_id,
                **fields,
                lemmas="" if settings.DATABASE_IS_POSTGRES else lemma_field(f"{fields['title']} {fields['text']}"),
                embedding=bytes(vector) if vector is not None else None,
                embedding_model=model if vector is not None else "",
            )
        )
    ArchivedIdea.objects.bulk_create(rows, batch_size=1000)
    if settings.DATABASE_IS_POSTGRES:
        update_search_vectors(ArchivedIdea.objects.filter(archive=archive))


def update_search_vectors(queryset: Any) -> int:
    """Fill the Russian + English tsvector in one statement (PostgreSQL only)."""
    from django.contrib.postgres.search import SearchVector

    return int(
        queryset.update(
            search_vector=SearchVector("title", "text", config="russian")
            + SearchVector("title", "text", config="english")
        )
    )


# --- corrections ---------------------------------------------------------------------------------


def addendum_document(addendum: ArchiveAddendum, archive_sha256: str) -> str:
    return canonical_json(
        {
            "archive_sha256": archive_sha256,
            "previous_sha256": addendum.previous_sha256 or None,
            "text": addendum.text,
            "created_at": addendum.created_at,
        }
    )


def archive_add_addendum(*, archive: SessionArchive, actor: Any, text: Any) -> ArchiveAddendum:
    """Publish a correction beside the frozen record (moderators of the session only)."""
    if not archive.session.is_moderator(actor):
        raise Forbidden(_("Only the session's moderators may add a correction."))
    text = clean_text(text, field="text", max_length=ADDENDUM_MAX)
    with transaction.atomic():
        # Lock the archive row so two corrections added at once still form one chain.
        archive = SessionArchive.objects.select_for_update().get(pk=archive.pk)
        previous = archive.addenda.order_by("-created_at", "-id").first()
        addendum = ArchiveAddendum(
            archive=archive,
            text=text,
            created_at=timezone.now().replace(microsecond=0),
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
            previous_sha256=previous.sha256 if previous else "",
        )
        addendum.sha256 = sha256_text(addendum_document(addendum, archive.sha256))
        addendum.save()
        # The chain's head moves with it, so dropping the newest addendum shows as well.
        SessionArchive.objects.filter(pk=archive.pk).update(
            addenda_count=F("addenda_count") + 1, addenda_sha256=addendum.sha256
        )
    return addendum


# --- verification --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Mismatch:
    """One thing that differs from what the snapshot commits to.

    `what` names the field: an archive column (`title`, `held_on`, `ideas_count`…),
    `snapshot`, `votes`, `search.<column>` or `search rows` for the search index,
    `addendum #<id>` or `addenda` for the correction chain.
    """

    archive_id: int
    what: str
    detail: str

    def __str__(self) -> str:
        return f"archive #{self.archive_id}: {self.what}: {self.detail}"


def archive_verify(archive_ids: list[int] | None = None) -> tuple[int, list[Mismatch]]:
    """Recompute every hash and derived field; return how many archives were checked and what did not match."""
    mismatches: list[Mismatch] = []
    archives = SessionArchive.objects.order_by("id")
    if archive_ids:
        archives = archives.filter(pk__in=archive_ids)
    checked = 0
    for archive in archives.iterator(chunk_size=50):
        checked += 1
        mismatches.extend(archive_verify_one(archive))
    return checked, mismatches


def archive_verify_one(archive: SessionArchive) -> list[Mismatch]:
    found: list[Mismatch] = []
    actual = sha256_text(archive.snapshot)
    if actual != archive.sha256:
        found.append(Mismatch(archive.pk, "snapshot", f"stored {archive.sha256}, computed {actual}"))
    try:
        document = json.loads(archive.snapshot)
        fields = archive_fields(document)
        rows = search_rows(document)
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        found.append(Mismatch(archive.pk, "snapshot", f"not a readable {SNAPSHOT_FORMAT} record: {error!r}"))
        return [*found, *_verify_addenda(archive)]
    if canonical_json(document) != archive.snapshot:
        found.append(Mismatch(archive.pk, "snapshot", "not in canonical form"))
    found.extend(_verify_columns(archive, fields))
    votes_hash = sha256_text(exports.votes_csv(archive))
    if votes_hash != fields["votes_sha256"]:
        found.append(Mismatch(archive.pk, "votes", f"snapshot says {fields['votes_sha256']}, rows give {votes_hash}"))
    found.extend(_verify_search_rows(archive, rows))
    found.extend(_verify_addenda(archive))
    return found


def _verify_columns(archive: SessionArchive, fields: dict[str, Any]) -> list[Mismatch]:
    found = []
    for name, expected in fields.items():
        stored = getattr(archive, name)
        if isinstance(stored, datetime) and timezone.is_naive(stored):
            stored = timezone.make_aware(stored, UTC)
        if stored != expected:
            found.append(Mismatch(archive.pk, name, f"stored {stored!r}, the snapshot gives {expected!r}"))
    return found


def _verify_search_rows(archive: SessionArchive, expected: dict[int, dict[str, Any]]) -> list[Mismatch]:
    stored = {
        row.pop("idea_id"): row
        for row in ArchivedIdea.objects.filter(archive=archive).values("idea_id", *SEARCH_FIELDS)
    }
    found = [
        Mismatch(archive.pk, "search rows", f"idea #{idea_id} of the snapshot has no search row")
        for idea_id in sorted(expected.keys() - stored.keys())
    ]
    found += [
        Mismatch(archive.pk, "search rows", f"idea #{idea_id} is not in the snapshot")
        for idea_id in sorted(stored.keys() - expected.keys())
    ]
    for idea_id in sorted(expected.keys() & stored.keys()):
        for name in SEARCH_FIELDS:
            if stored[idea_id][name] != expected[idea_id][name]:
                found.append(
                    Mismatch(
                        archive.pk,
                        f"search.{name}",
                        f"idea #{idea_id}: stored {stored[idea_id][name]!r}, "
                        f"the snapshot gives {expected[idea_id][name]!r}",
                    )
                )
    return found


def _verify_addenda(archive: SessionArchive) -> list[Mismatch]:
    """Each addendum matches its hash and follows the previous one; the chain ends where the archive says."""
    found = []
    previous = ""
    count = 0
    for addendum in ArchiveAddendum.objects.filter(archive=archive).order_by("created_at", "id"):
        count += 1
        if addendum.sha256 != sha256_text(addendum_document(addendum, archive.sha256)):
            found.append(Mismatch(archive.pk, f"addendum #{addendum.pk}", "its text or time does not match its hash"))
        if addendum.previous_sha256 != previous:
            found.append(
                Mismatch(archive.pk, f"addendum #{addendum.pk}", "does not follow the addendum before it")
            )
        previous = addendum.sha256
    if count != archive.addenda_count or previous != archive.addenda_sha256:
        found.append(
            Mismatch(
                archive.pk,
                "addenda",
                f"{count} addenda ending at {previous or 'none'}; the archive records "
                f"{archive.addenda_count} ending at {archive.addenda_sha256 or 'none'}",
            )
        )
    return found


def tally_recount(archive: SessionArchive) -> dict[int, Counter[int]]:
    """Vote values per idea from the archived votes (tests and `verify_archive --deep`)."""
    counts: dict[int, Counter[int]] = defaultdict(Counter)
    for idea_id, value in ArchivedVote.objects.filter(archive=archive).values_list("idea_id", "value"):
        counts[idea_id][value] += 1
    return counts

