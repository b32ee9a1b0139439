"""Search the library by words and by meaning, and find similar practices: `archive.search` reused.

The archive's two channels and its fusion serve the library unchanged: the words channel
(PostgreSQL full-text over `russian || english`, pymorphy3 lemmas on SQLite) and the meaning
channel (the query's embedding against an in-memory matrix of every `PracticeVersion`
vector) are merged by reciprocal rank fusion. Versions are written once, so the archive's
vector index, which only ever loads newer rows, stays correct. The read rule comes first:
both channels answer only within `library.selectors.public_versions()`, narrowed by the
filters, so a withdrawn or never-consented entry can never surface here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from archive.search import (
    CANDIDATES,
    fuse_rankings,
    lexical_ranking,
    semantic_ranking,
    vector_index,
)
from library.models import Practice, PracticeVersion
from library.selectors import LibraryFilters, public_practices, public_versions

# The meaning channel keeps a card only when the query's cosine reaches this floor, per encoder
# (prefix of `Encoder.name`). A short query against a whole card scores low with USE: on the demo
# library the relevant card scored 0.22–0.38, unrelated ones 0.0–0.17 (provisional, to calibrate on
# a larger labelled set). Without a floor every query would "find" every card by meaning.
_MEANING_FLOOR: tuple[tuple[str, float], ...] = (("use-m3-", 0.20),)
SEARCH_LIMIT = 20
SIMILAR_LIMIT = 4
# Older versions share the matrix with current ones; fetch enough neighbours to skip them.
SEMANTIC_FETCH = CANDIDATES * 4


@dataclass
class PracticeHit:
    practice: Practice
    score: float
    channels: list[str] = field(default_factory=list)


def _practices_of(version_ids: list[int]) -> dict[int, Practice]:
    """Practices by the id of their current version, with the version loaded."""
    rows = public_practices().filter(current_version_id__in=version_ids).select_related("current_version")
    return {practice.current_version_id: practice for practice in rows}  # type: ignore[misc]


def _meaning_floor() -> float:
    try:
        from ml.encoders import get_encoder

        name = get_encoder().name
    except Exception:  # no encoder: the meaning channel is empty anyway
        return 0.0
    return next((floor for prefix, floor in _MEANING_FLOOR if name.startswith(prefix)), 0.0)


def library_search(filters: LibraryFilters, *, limit: int = SEARCH_LIMIT, semantic: bool = True) -> list[PracticeHit]:
    """The best `limit` public practices for `filters.query`, within the other filters."""
    query = filters.query.strip()
    if not query:
        return []
    scope = public_versions(filters)
    lexical_ids = lexical_ranking(query, scope, tie_break="id")
    meaning: list[int] = []
    if semantic:
        if filters.narrowed:
            # A filter may leave few cards: rank all of them by meaning, not a global top 200.
            allowed = set(scope.values_list("id", flat=True))
            pairs = semantic_ranking(query, PracticeVersion, k=1_000_000) if allowed else []
        else:
            pairs = semantic_ranking(query, PracticeVersion, k=SEMANTIC_FETCH)
            allowed = set(scope.filter(pk__in=[pk for pk, _ in pairs]).values_list("id", flat=True))
        floor = _meaning_floor()
        meaning = [pk for pk, score in pairs if pk in allowed and score >= floor][:CANDIDATES]
    fused = fuse_rankings({"words": lexical_ids, "meaning": meaning}, limit)
    practices = _practices_of([pk for pk, _, _ in fused])
    return [
        PracticeHit(practice=practices[pk], score=score, channels=channels)
        for pk, score, channels in fused
        if pk in practices
    ]


def similar_practices(practice: Practice, *, limit: int = SIMILAR_LIMIT) -> list[tuple[Practice, float]]:
    """Public practices closest in meaning to this one's current card (none when nothing is close)."""
    version = practice.current_version
    if version is None or version.embedding is None:
        return []
    try:
        from ml.encoders import get_encoder
        from ml.similar import relevance_threshold

        encoder_name = get_encoder().name
    except Exception:  # no model: the card simply shows no similar practices
        return []
    if version.embedding_model != encoder_name:
        return []
    vector = np.frombuffer(bytes(version.embedding), dtype=np.float32)
    pairs = vector_index(encoder_name, PracticeVersion).nearest(vector, SEMANTIC_FETCH)
    threshold = relevance_threshold(encoder_name)
    pairs = [(pk, score) for pk, score in pairs if score >= threshold and pk != version.pk]
    practices = _practices_of([pk for pk, _ in pairs])
    found: list[tuple[Practice, float]] = []
    for pk, score in pairs:
        other = practices.get(pk)
        if other is not None and other.pk != practice.pk:
            found.append((other, score))
        if len(found) == limit:
            break
    return found
