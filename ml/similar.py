"""Similar ideas: cosine top-k over a matrix of stored unit vectors, and the duplicate flag.

API:

- ``top_k(query: np.ndarray, matrix: np.ndarray, k: int) -> list[tuple[int, float]]`` — the
  ``k`` rows of ``matrix`` most similar to ``query`` as ``(row index, cosine)``, best first.
  Both sides must be L2-normalised (every ``Encoder`` returns such vectors), so the cosine is a
  dot product. ``argpartition`` keeps it linear: 20,000 × 768 float32 rows take ~3 ms.
- ``duplicate_threshold(encoder_name: str) -> float`` — the cosine above which an idea is
  flagged as a possible duplicate, per encoder (cosines of different models live on different
  scales). Unknown models fall back to ``DUPLICATE_THRESHOLD``.
- ``DUPLICATE_THRESHOLD`` — the threshold of the default encoder.
- ``is_duplicate(score: float, encoder_name: str) -> bool``.
- ``relevance_threshold(encoder_name: str) -> float`` — the cosine below which an idea is not
  shown as similar at all (``top_k(..., min_score=...)``): the panel stays empty when nothing
  is close.
- ``rerank(candidates, query_second, second_rows, second_name) -> list[tuple[int, float]]`` —
  duplicates by two encoders: the fast encoder's top few (``RERANK_TOP``) re-ordered by
  ``combined_score`` with the stronger grouping encoder's stored vectors (multilingual-e5-small);
  ``is_combined_duplicate(score, second_name)`` flags them. Used where both sides already have a
  stored e5 vector (a moderator looking for an idea's duplicates), so nothing is encoded.

How the thresholds were calibrated (``docs/ml.md``): USE v3's 0.80 is the cosine at which
precision for "strict paraphrase" reaches 0.9 on the Russian paraphrase dev set, where the
non-paraphrases are headlines about the same story and so the hardest negatives (recall there
is 0.63; random pairs of sentences pass it 0.02 % of the time). A flag only puts a hint in front
of the resident ("support this one instead?"), so precision matters more than recall. MiniLM's
0.90 is its precision-0.9 point on the English set (it is not meant for Russian); e5's 0.955
its point on the Russian set (e5 cosines run high: unrelated texts score ~0.8); the lexical
channel's 0.60 is a rough setting for tests and tiny hosts; a deployment that configures another model should calibrate its own with
``python -m ml.evaluate duplicates --input … --encoder …`` (the command prints the cosine at
0.9 precision).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

# Keys are the prefixes of ``Encoder.name``; the first that matches wins.
_THRESHOLDS: tuple[tuple[str, float], ...] = (
    ("use-m3-", 0.80),
    ("st-all-MiniLM-L6-v2", 0.90),
    ("e5-small-q4-", 0.955),
    ("lex", 0.60),
)
DUPLICATE_THRESHOLD = _THRESHOLDS[0][1]

# The cosine an idea must reach to be shown in the similar-ideas panel at all. Calibrated on
# ru-appeals (pairs of reports with different `reason`s must reach it less than 1 time in 100)
# and the Russian paraphrase set (strict paraphrases must reach it 9 times in 10); docs/ml.md.
# USE v3: 0.50 lets 0.35 % of different-reason pairs and 98.6 % of strict paraphrases through.
# e5: 0.90 is its 99.5th percentile of different-reason pairs (paraphrase reach not measured).
# Lexical: 0.25 (0.5 % of different-reason pairs; tests and tiny hosts).
_RELEVANCE: tuple[tuple[str, float], ...] = (
    ("use-m3-", 0.50),
    ("e5-small-q4-", 0.90),
    ("lex", 0.25),
)
RELEVANCE_THRESHOLD = _RELEVANCE[0][1]


def relevance_threshold(encoder_name: str) -> float:
    """The cosine below which an idea is not worth showing as similar, per encoder."""
    for prefix, threshold in _RELEVANCE:
        if encoder_name.startswith(prefix):
            return threshold
    return RELEVANCE_THRESHOLD


def duplicate_threshold(encoder_name: str) -> float:
    """The calibrated "possible duplicate" cosine for vectors made by ``encoder_name``."""
    for prefix, threshold in _THRESHOLDS:
        if encoder_name.startswith(prefix):
            return threshold
    return DUPLICATE_THRESHOLD


def is_duplicate(score: float, encoder_name: str) -> bool:
    return score >= duplicate_threshold(encoder_name)


def top_k(
    query: NDArray[np.floating],
    matrix: NDArray[np.floating],
    k: int,
    *,
    min_score: float | None = None,
) -> list[tuple[int, float]]:
    """Indices and cosines of the ``k`` rows of ``matrix`` nearest to ``query``, best first.

    ``matrix`` may be empty; ``k`` larger than the number of rows returns them all. Rows and
    query are assumed L2-normalised; a query of another dimension is a programming error.
    With ``min_score`` only rows at least that similar come back (possibly none).
    """
    rows = matrix.shape[0] if matrix.ndim == 2 else 0
    if rows == 0 or k <= 0:
        return []
    if matrix.shape[1] != query.shape[-1]:
        raise ValueError(f"query has {query.shape[-1]} dimensions, matrix {matrix.shape[1]}")
    scores = matrix @ query.reshape(-1).astype(matrix.dtype, copy=False)
    if k < rows:
        candidates = np.argpartition(-scores, k - 1)[:k]
    else:
        candidates = np.arange(rows)
    # Stable order: equal scores keep the older (lower) index first.
    order = candidates[np.lexsort((candidates, -scores[candidates]))]
    found = [(int(index), float(scores[index])) for index in order]
    if min_score is not None:
        found = [(index, score) for index, score in found if score >= min_score]
    return found


# --- duplicates by two encoders ---------------------------------------------------------------

# How many of the fast encoder's nearest ideas the stronger encoder re-orders. Measured on the
# Russian paraphrase set: the true partner is among USE's top 5 for 97.8 % of queries.
RERANK_TOP = 5
# The share of the fast encoder's cosine in the combined score, and each second encoder's
# cosine floor: e5 puts unrelated texts at ~0.8, so its cosine is rescaled from [floor, 1] to
# [0, 1] before mixing, otherwise it would add a near-constant. Chosen on the Russian
# paraphrase dev set (the only split we have): 0.2 gives ROC-AUC 0.959 and recall@1 0.928
# after re-ranking USE's top 5 (USE alone 0.926 / 0.895; e5 alone 0.958 / 0.922); 0.1-0.3 are
# within 0.002 of each other, 0.5 and above lose (docs/ml.md).
RERANK_FAST_WEIGHT = 0.2
_SECOND_FLOOR: tuple[tuple[str, float], ...] = (("e5-small-q4-", 0.7),)
# The combined score at which precision for "strict paraphrase" reaches 0.9 on the Russian dev
# set (0.824; precision 0.90, recall 0.82 at 0.825).
_COMBINED_THRESHOLD: tuple[tuple[str, float], ...] = (("e5-small-q4-", 0.825),)


def _lookup(table: tuple[tuple[str, float], ...], name: str, default: float) -> float:
    for prefix, value in table:
        if name.startswith(prefix):
            return value
    return default


def combined_score(
    fast: float | NDArray[np.floating], second: float | NDArray[np.floating], second_name: str
) -> NDArray[np.float64]:
    """One duplicate score from the fast and the stronger encoder's cosines (either scale)."""
    floor = _lookup(_SECOND_FLOOR, second_name, 0.0)
    rescaled = (np.asarray(second, dtype=np.float64) - floor) / (1.0 - floor)
    fast_part = np.asarray(fast, dtype=np.float64)
    return np.asarray(RERANK_FAST_WEIGHT * fast_part + (1.0 - RERANK_FAST_WEIGHT) * rescaled)


def rerank(
    candidates: list[tuple[int, float]],
    query_second: NDArray[np.floating],
    second_rows: NDArray[np.floating],
    second_name: str,
) -> list[tuple[int, float]]:
    """``candidates`` (index, fast cosine) re-ordered by the combined score, best first.

    ``second_rows[i]`` is the stronger encoder's unit vector of ``candidates[i]``'s idea and
    ``query_second`` the query's; the returned scores are combined scores.
    """
    if not candidates:
        return []
    second = np.asarray(second_rows, dtype=np.float32) @ np.asarray(query_second, np.float32)
    fast = np.array([score for _index, score in candidates])
    scores = combined_score(fast, second, second_name)
    order = sorted(range(len(candidates)), key=lambda i: (-scores[i], candidates[i][0]))
    return [(candidates[i][0], float(scores[i])) for i in order]


def combined_duplicate_threshold(second_name: str) -> float:
    return _lookup(_COMBINED_THRESHOLD, second_name, 0.8)


def is_combined_duplicate(score: float, second_name: str) -> bool:
    return score >= combined_duplicate_threshold(second_name)
