"""Embeddings of ideas: computed in the background, stored with the model's name, searched in memory.

Only this module and `ideas.grouping` call `ml/`. The encoder is loaded lazily on first
use, so a web process that never answers a similar-ideas query never loads a model.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.db import transaction
from django.db.models import Count, Max, Q
from django.utils import timezone

from ideas.models import CaseSession, Idea, IdeaStatus

logger = logging.getLogger("veche.embeddings")

SIMILAR_LIMIT_MAX = 20


def current_encoder() -> Any:
    from ml.encoders import get_encoder

    return get_encoder()


def vector_of(idea: Idea) -> np.ndarray | None:
    if idea.embedding is None or not idea.embedding_dim:
        return None
    return np.frombuffer(bytes(idea.embedding), dtype=np.float32)


def _store(idea_ids: list[int], texts: list[str], encoder: Any) -> int:
    vectors = encoder.encode(texts)
    for idea_id, vector in zip(idea_ids, vectors, strict=True):
        # update(), not save(): an embedding must never overwrite a moderator's concurrent change.
        Idea.objects.filter(pk=idea_id).update(
            embedding=np.asarray(vector, dtype=np.float32).tobytes(),
            embedding_model=encoder.name,
            embedding_dim=int(vector.shape[0]),
            updated_at=timezone.now(),  # the similar-ideas cache notices new vectors by this
        )
    return len(idea_ids)


def idea_embed(idea_id: int) -> bool:
    """Embed one idea with the configured encoder (skips one already embedded by it)."""
    encoder = current_encoder()
    row = Idea.objects.filter(pk=idea_id).values("title", "text", "embedding_model").first()
    if row is None or row["embedding_model"] == encoder.name:
        return False
    _store([idea_id], [idea_text(row["title"], row["text"])], encoder)
    return True


def idea_text(title: str, text: str) -> str:
    return f"{title}. {text}" if title else text


def embed_missing(*, session: CaseSession | None = None, batch_size: int = 256) -> int:
    """Back-fill: embed every idea that has no vector from the configured encoder."""
    encoder = current_encoder()
    ideas = Idea.objects.filter(~Q(embedding_model=encoder.name) | Q(embedding__isnull=True))
    if session is not None:
        ideas = ideas.filter(session=session)
    done = 0
    pending = list(ideas.order_by("pk").values_list("pk", "title", "text"))
    for start in range(0, len(pending), batch_size):
        chunk = pending[start : start + batch_size]
        done += _store(
            [pk for pk, _t, _x in chunk], [idea_text(t, x) for _pk, t, x in chunk], encoder
        )
    return done


@dataclass
class _SessionVectors:
    """One session's visible ideas as a matrix, refreshed incrementally."""

    model: str
    fingerprint: tuple[int, Any] = (0, None)
    ids: list[int] = field(default_factory=list)
    rows: dict[int, np.ndarray] = field(default_factory=dict)
    matrix: np.ndarray | None = None


_cache: dict[int, _SessionVectors] = {}
_cache_lock = threading.Lock()


def _visible_embedded(session_id: int, model: str) -> Any:
    return Idea.objects.filter(
        session_id=session_id,
        status=IdeaStatus.PUBLISHED,
        embedding_model=model,
        embedding__isnull=False,
    )


def session_vectors(session_id: int) -> tuple[list[int], np.ndarray]:
    """Ids and unit vectors of a session's published, embedded ideas.

    A cheap fingerprint query (count, last change) tells whether anything changed; then
    only the changed rows are read, so an as-you-type query never reloads 20,000 vectors.
    """
    model = current_encoder().name
    fingerprint_row = Idea.objects.filter(session_id=session_id).aggregate(
        n=Count("id"), last=Max("updated_at")
    )
    fingerprint = (int(fingerprint_row["n"]), fingerprint_row["last"])
    with _cache_lock:
        cached = _cache.get(session_id)
        if cached is not None and cached.model == model and cached.fingerprint == fingerprint:
            return cached.ids, cached.matrix if cached.matrix is not None else np.zeros(
                (0, 0), np.float32
            )
        if cached is None or cached.model != model or cached.fingerprint[1] is None:
            cached = _SessionVectors(model=model)
            changed = Idea.objects.filter(session_id=session_id)
        else:
            changed = Idea.objects.filter(
                session_id=session_id, updated_at__gte=cached.fingerprint[1]
            )
        for pk, status, blob, embedding_model in changed.values_list(
            "pk", "status", "embedding", "embedding_model"
        ):
            if status == IdeaStatus.PUBLISHED and blob is not None and embedding_model == model:
                cached.rows[pk] = np.frombuffer(bytes(blob), dtype=np.float32)
            else:
                cached.rows.pop(pk, None)
        cached.ids = sorted(cached.rows)
        cached.matrix = (
            np.vstack([cached.rows[pk] for pk in cached.ids])
            if cached.ids
            else np.zeros((0, 0), np.float32)
        )
        cached.fingerprint = fingerprint
        _cache[session_id] = cached
        return cached.ids, cached.matrix


def forget_cached_vectors() -> None:
    with _cache_lock:
        _cache.clear()


@dataclass(frozen=True)
class SimilarIdea:
    idea_id: int
    score: float
    duplicate: bool


def similar_ideas(
    session: CaseSession,
    text: str,
    *,
    limit: int = 5,
    exclude: int | None = None,
    exclude_author: Any = None,
) -> list[SimilarIdea]:
    """The session's visible ideas close in meaning to `text`, best first; none if none is close.

    Only ideas above the encoder's calibrated relevance are returned (`ml.similar`), never
    `exclude` and never an idea by `exclude_author` (a participant is not shown their own ideas).
    """
    from ml.similar import is_duplicate, relevance_threshold, top_k

    encoder = current_encoder()
    ids, matrix = session_vectors(session.pk)
    if not ids:
        return []
    query = encoder.encode([text])[0]
    own: set[int] = set()
    if exclude_author is not None:
        own = set(
            Idea.objects.filter(session=session, author=exclude_author).values_list("pk", flat=True)
        )
    skipped = own | ({exclude} if exclude else set())
    found = []
    candidates = top_k(
        query, matrix, limit + len(skipped), min_score=relevance_threshold(encoder.name)
    )
    for index, score in candidates:
        if ids[index] in skipped:
            continue
        found.append(SimilarIdea(ids[index], round(score, 4), is_duplicate(score, encoder.name)))
    found = found[:limit]
    if exclude:  # the duplicates of a posted idea: its stored e5 vector re-ranks the nearest
        found = _rerank_by_grouping_vectors(exclude, found)
    return found


def _rerank_by_grouping_vectors(idea_id: int, found: list[SimilarIdea]) -> list[SimilarIdea]:
    """The first `RERANK_TOP` ideas re-ordered and re-flagged by both encoders' stored vectors.

    Only stored vectors are read (the posted idea's and the candidates'), so no model is loaded
    or run here; where any of them is missing or made by another model the order stays as is.
    Scores stay the fast encoder's cosines (the panel's relevance); the order and the duplicate
    flag come from the combined score (Russian paraphrases: ROC-AUC 0.926 → docs/ml.md).
    """
    from ml.similar import RERANK_TOP, is_combined_duplicate, rerank

    head = found[:RERANK_TOP]
    if not head:
        return found
    stored = {
        pk: (model, blob)
        for pk, model, blob in Idea.objects.filter(
            pk__in=[idea_id, *(item.idea_id for item in head)], grouping_embedding__isnull=False
        ).values_list("pk", "grouping_embedding_model", "grouping_embedding")
    }
    if idea_id not in stored:
        return found
    model = stored[idea_id][0]
    if any(stored.get(item.idea_id, ("", b""))[0] != model for item in head):
        return found

    def vector(pk: int) -> np.ndarray:
        return np.frombuffer(bytes(stored[pk][1] or b""), dtype=np.float32)

    by_id = {item.idea_id: item for item in head}
    ranked = rerank(
        [(item.idea_id, item.score) for item in head],
        vector(idea_id),
        np.vstack([vector(item.idea_id) for item in head]),
        model,
    )
    reordered = [
        SimilarIdea(pk, by_id[pk].score, is_combined_duplicate(combined, model))
        for pk, combined in ranked
    ]
    return reordered + found[RERANK_TOP:]


def current_grouping_encoder() -> Any:
    """The stronger, slower encoder group suggestions add (``None`` when turned off)."""
    from ml.encoders import get_grouping_encoder

    return get_grouping_encoder()


def _store_grouping(idea_ids: list[int], texts: list[str], encoder: Any) -> list[np.ndarray]:
    vectors = [np.asarray(vector, dtype=np.float32) for vector in encoder.encode(texts)]
    for idea_id, vector in zip(idea_ids, vectors, strict=True):
        # update(), not save(), as for the fast vector. `updated_at` stays: nothing a participant
        # sees changes, and the as-you-type cache must not reload for a vector it never reads.
        Idea.objects.filter(pk=idea_id).update(
            grouping_embedding=vector.tobytes(), grouping_embedding_model=encoder.name
        )
    return vectors


def idea_embed_for_grouping(idea_id: int) -> bool:
    """Store one idea's grouping vector (skips one already made by the configured model)."""
    encoder = current_grouping_encoder()
    if encoder is None:
        return False
    row = (
        Idea.objects.filter(pk=idea_id).values("title", "text", "grouping_embedding_model").first()
    )
    if row is None or row["grouping_embedding_model"] == encoder.name:
        return False
    _store_grouping([idea_id], [idea_text(row["title"], row["text"])], encoder)
    return True


def embed_missing_for_grouping(*, session: CaseSession | None = None, batch_size: int = 64) -> int:
    """Back-fill: grouping vectors for every idea without one from the configured model."""
    encoder = current_grouping_encoder()
    if encoder is None:
        return 0
    ideas = Idea.objects.filter(
        ~Q(grouping_embedding_model=encoder.name) | Q(grouping_embedding__isnull=True)
    )
    if session is not None:
        ideas = ideas.filter(session=session)
    pending = list(ideas.order_by("pk").values_list("pk", "title", "text"))
    for start in range(0, len(pending), batch_size):
        chunk = pending[start : start + batch_size]
        _store_grouping(
            [pk for pk, _t, _x in chunk], [idea_text(t, x) for _pk, t, x in chunk], encoder
        )
    return len(pending)


def grouping_vectors(idea_ids: list[int], texts: list[str]) -> tuple[str, np.ndarray] | None:
    """The grouping encoder's name and its unit vectors for these ideas, or None without one.

    Stored vectors made by the same model are read back; the rest are encoded now and stored
    (the caller is the background suggestion task: a post never waits for the slow model).
    """
    encoder = current_grouping_encoder()
    if encoder is None or not idea_ids:
        return None
    stored = {
        pk: np.frombuffer(bytes(blob or b""), dtype=np.float32)
        for pk, blob in Idea.objects.filter(
            pk__in=idea_ids, grouping_embedding_model=encoder.name, grouping_embedding__isnull=False
        ).values_list("pk", "grouping_embedding")
    }
    missing = [(pk, text) for pk, text in zip(idea_ids, texts, strict=True) if pk not in stored]
    if missing:
        made = _store_grouping([pk for pk, _ in missing], [text for _, text in missing], encoder)
        stored.update({pk: vector for (pk, _), vector in zip(missing, made, strict=True)})
    return encoder.name, np.vstack([stored[pk] for pk in idea_ids])


def enqueue_embedding(idea_id: int) -> None:
    """Embeddings are computed in the background; posting never waits on the model."""
    from ideas.tasks import embed_idea, embed_idea_for_grouping

    try:
        embed_idea.enqueue(idea_id)
        # A task of its own, queued after the fast vector: the similar-ideas panel gets its
        # vector first, and a slow grouping model never delays it.
        embed_idea_for_grouping.enqueue(idea_id)
    except Exception:  # a lost worker loses nothing: `embed_ideas` back-fills later
        logger.warning("could not enqueue the embedding of idea %s", idea_id, exc_info=True)


def on_commit_embed(idea_id: int) -> None:
    transaction.on_commit(lambda: enqueue_embedding(idea_id))
