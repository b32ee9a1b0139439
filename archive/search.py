"""Search across every archived idea: by words and by meaning, merged into one ranking.

- Words: PostgreSQL full-text search over a `russian || english` tsvector (GIN
  index), so «парки» finds «парк» and "parks" finds "park". On SQLite, the
  stored lemmas (`archive.text`) are matched against the query's lemmas.
- Meaning: the query's embedding against the archived ideas' embeddings (the
  vectors the session computed, copied at freeze time). The matrix is kept in
  memory per process and per model and only grows: archived rows never change,
  so loading the rows with a larger id is the whole refresh.
- The two lists are merged by reciprocal rank fusion (Cormack et al., 2009):
  score = Σ 1 / (60 + rank). It needs no calibration between a ts_rank and a
  cosine, which live on unrelated scales.

The channels and the fusion take the searched model as a parameter (`ArchivedIdea` by
default): the library of practices searches its write-once `PracticeVersion` rows, which
carry the same fields (`lemmas`, `search_vector`, `embedding`, `embedding_model`), with them.
"""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.conf import settings
from django.db.models import F, Model, Q, QuerySet, Subquery
from threadpoolctl import ThreadpoolController

from archive.models import ArchivedIdea
from archive.selectors import archived_ideas_visible_to
from archive.text import word_terms
from ml.text import ENGLISH_STOPS, RUSSIAN_STOP_WORDS

logger = logging.getLogger("veche.archive")

RRF_K = 60
CANDIDATES = 50  # per channel; deeper ranks add almost nothing to a fused top 20
MAX_LIMIT = 50
SQLITE_SCAN_LIMIT = 2000
LEXICAL_SCAN_LIMIT = 1000
# Rows with only some of the words are looked for when those with all of them are few (a
# fallback: ranked within a smaller set, and the meaning channel orders what matters).
FEW_HITS = 10
PARTIAL_SCAN_LIMIT = 200
_WORD_RE = re.compile(r"\w+")


@dataclass
class Hit:
    idea: ArchivedIdea
    score: float
    channels: list[str] = field(default_factory=list)


def public_ideas() -> QuerySet[ArchivedIdea]:
    """Ideas of archives anyone may read (the read rule, via `archive.selectors`)."""
    return archived_ideas_visible_to(None)


def lexical_ranking(query: str, scope: QuerySet[Any], *, tie_break: str = "score") -> list[int]:
    """Ids of `scope` matching the query's words, best first (`tie_break`: the larger wins a tie)."""
    if settings.DATABASE_IS_POSTGRES:
        from django.contrib.postgres.search import SearchQuery, SearchRank

        def ranked(tsquery: SearchQuery, exclude: list[int], scan: int) -> list[int]:
            # Ranking reads every matching row's tsvector; a word found in half the
            # archive would make that the whole cost. Rank a bounded set of matches
            # (the GIN index finds them cheaply): for such a common word the matches are
            # about equally relevant, and the meaning channel orders what matters.
            matches = scope.filter(search_vector=tsquery).exclude(id__in=exclude).values("id")[:scan]
            return list(
                scope.model._default_manager.filter(id__in=Subquery(matches))
                .annotate(rank=SearchRank(F("search_vector"), tsquery))
                .order_by("-rank", f"-{tie_break}", "id")
                .values_list("id", flat=True)[: CANDIDATES - len(exclude)]
            )

        def words_query(text: str) -> SearchQuery:
            return SearchQuery(text, config="russian", search_type="plain") | SearchQuery(
                text, config="english", search_type="plain"
            )

        # Every word first; then, when that finds few, as on SQLite and as a resident expects of a
        # search box, rows with only some of the words (ts_rank puts those with more of them first).
        found = ranked(words_query(query), [], LEXICAL_SCAN_LIMIT)
        # Stop words left out: the `english` configuration keeps «не» or «во» as lexemes, and
        # as alternatives on their own they would match nearly every row.
        words = [
            word
            for word in dict.fromkeys(_WORD_RE.findall(query.lower()))
            if len(word) > 1 and word not in RUSSIAN_STOP_WORDS and word not in ENGLISH_STOPS
        ]
        if len(found) < FEW_HITS and len(words) > 1:
            any_word = words_query(words[0])
            for word in words[1:]:
                any_word |= words_query(word)
            found += ranked(any_word, found, PARTIAL_SCAN_LIMIT)
        return found
    words = word_terms(query)
    if not words:
        return []
    condition = Q()
    for term in {term for alternatives in words for term in alternatives}:
        condition |= Q(lemmas__contains=f" {term} ")
    rows = list(scope.filter(condition).order_by("-id").values_list("id", "lemmas", tie_break)[:SQLITE_SCAN_LIMIT])

    def matched(lemmas: str) -> int:
        return sum(any(f" {term} " in lemmas for term in alternatives) for alternatives in words)

    # Most query words matched first, then the idea the room liked most.
    rows.sort(key=lambda row: (-matched(row[1]), -row[2], row[0]))
    return [row[0] for row in rows[:CANDIDATES]]


class _VectorIndex:
    """All vectors of one embedding model in one write-once table, as one float32 matrix."""

    def __init__(self, model: str, source: type[Model] = ArchivedIdea) -> None:
        self.model = model
        self.source = source
        self.ids = np.zeros(0, dtype=np.int64)
        self.matrix: np.ndarray | None = None
        self.last_id = 0
        self.lock = threading.Lock()

    def refresh(self) -> None:
        rows = list(
            self.source._default_manager.filter(embedding_model=self.model, id__gt=self.last_id, embedding__isnull=False)
            .order_by("id")
            .values_list("id", "embedding")
        )
        if not rows:
            return
        new = np.vstack([np.frombuffer(bytes(vector), dtype=np.float32) for _, vector in rows])
        ids = np.fromiter((pk for pk, _ in rows), dtype=np.int64, count=len(rows))
        self.matrix = new if self.matrix is None else np.vstack([self.matrix, new])
        self.ids = np.concatenate([self.ids, ids])
        self.last_id = int(ids[-1])

    def nearest(self, vector: np.ndarray, k: int) -> list[tuple[int, float]]:
        with self.lock:
            self.refresh()
            matrix, ids = self.matrix, self.ids
        if matrix is None or matrix.shape[1] != vector.shape[-1]:
            return []
        from ml.similar import top_k

        # A matrix-vector product is memory-bound: one thread is as fast, and on a busy
        # 2-core host several BLAS threads spend most of the time handing work over.
        with _one_blas_thread():
            found = top_k(vector, matrix, k)
        return [(int(ids[row]), score) for row, score in found]


_controller: ThreadpoolController | None = None


def _one_blas_thread() -> Any:
    """Limit BLAS/OpenMP to one thread for a block (the controller scans libraries once)."""
    global _controller
    if _controller is None:
        _controller = ThreadpoolController()
    return _controller.limit(limits=1)


_indexes: dict[tuple[str, str], _VectorIndex] = {}
_indexes_lock = threading.Lock()


def vector_index(model: str, source: type[Model] = ArchivedIdea) -> _VectorIndex:
    key = (source._meta.label, model)
    with _indexes_lock:
        if key not in _indexes:
            _indexes[key] = _VectorIndex(model, source)
        return _indexes[key]


def reset_vector_indexes() -> None:
    """Forget the in-memory matrices (tests, after a restore from backup)."""
    with _indexes_lock:
        _indexes.clear()


def semantic_ranking(query: str, source: type[Model] = ArchivedIdea, k: int = CANDIDATES * 2) -> list[tuple[int, float]]:
    """Nearest rows by meaning; empty when no encoder can load (search still works by words)."""
    try:
        from ml.encoders import get_encoder

        encoder = get_encoder()
        with _one_blas_thread():
            vector = encoder.encode([query])[0]
    except Exception:  # a missing or broken model must not take the archive search down
        logger.warning("archive search runs without the semantic channel", exc_info=True)
        return []
    if not np.any(vector):
        return []
    # Over-fetch (k): some neighbours may belong to archives this reader may not see.
    return vector_index(encoder.name, source).nearest(vector, k)


def fuse_rankings(rankings: dict[str, list[int]], limit: int) -> list[tuple[int, float, list[str]]]:
    """Reciprocal rank fusion of named rankings: the best `limit` as (id, score, channels)."""
    scores: dict[int, float] = {}
    channels: dict[int, list[str]] = {}
    for channel, ids in rankings.items():
        for rank, pk in enumerate(ids, start=1):
            scores[pk] = scores.get(pk, 0.0) + 1.0 / (RRF_K + rank)
            channels.setdefault(pk, []).append(channel)
    best = sorted(scores, key=lambda pk: (-scores[pk], pk))[: max(1, min(limit, MAX_LIMIT))]
    return [(pk, scores[pk], channels[pk]) for pk in best]


def archive_search(
    query: str, *, limit: int = 20, archive_id: int | None = None, forum_id: int | None = None,
    semantic: bool = True, user: Any = None,
) -> list[Hit]:
    """The best `limit` archived ideas `user` may read (anyone: public ones) for `query`."""
    query = query.strip()[:200]
    if not query:
        return []
    scope = archived_ideas_visible_to(user)
    if archive_id is not None:
        scope = scope.filter(archive_id=archive_id)
    if forum_id is not None:
        scope = scope.filter(archive__forum_id=forum_id)
    fused: dict[int, Hit] = {}
    lexical_ids = lexical_ranking(query, scope)
    semantic_pairs = semantic_ranking(query) if semantic else []
    if semantic_pairs:
        allowed = set(scope.filter(pk__in=[pk for pk, _ in semantic_pairs]).values_list("id", flat=True))
        semantic_pairs = [(pk, score) for pk, score in semantic_pairs if pk in allowed][:CANDIDATES]
    best = fuse_rankings({"words": lexical_ids, "meaning": [pk for pk, _ in semantic_pairs]}, limit)
    rows = ArchivedIdea.objects.select_related("archive").in_bulk([pk for pk, _, _ in best])
    for pk, score, channels in best:
        if pk in rows:
            fused[pk] = Hit(idea=rows[pk], score=score, channels=channels)
    return list(fused.values())

