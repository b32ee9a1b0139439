"""Possible duplicates between a contest's entries, for the organiser: the ideas' embeddings.

The same encoder as ideas (`ideas.embeddings.current_encoder`) and its calibrated duplicate
threshold (`ml.similar.duplicate_threshold`): nothing is re-implemented here but the pairing.
Each entry's vector is stored on the entry with the model's name the first time it is needed
(entries are not edited after submission), so the organiser's page encodes only new entries.
A pair is shown, never acted on: the organiser decides (screen one out, or keep both).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from contests.models import Contest, Entry
from ideas.embeddings import current_encoder
from ml.similar import duplicate_threshold


@dataclass(frozen=True)
class DuplicatePair:
    first: int  # entry ids, first < second
    second: int
    similarity: float


def entry_text(title: str, problem: str, actions: str, results: str) -> str:
    """What an entry is about: the fields two submissions of one practice would share."""
    return f"{title}. {problem}\n{actions}\n{results}"


def pairs_above(ids: list[int], matrix: NDArray[np.floating], threshold: float) -> list[DuplicatePair]:
    """Every pair of rows whose cosine reaches the threshold, most similar first (unit rows)."""
    if len(ids) < 2:
        return []
    scores = matrix @ matrix.T
    first, second = np.nonzero(np.triu(scores >= threshold, k=1))
    pairs = [
        DuplicatePair(min(ids[i], ids[j]), max(ids[i], ids[j]), round(float(scores[i, j]), 4))
        for i, j in zip(first.tolist(), second.tolist(), strict=True)
    ]
    return sorted(pairs, key=lambda pair: (-pair.similarity, pair.first, pair.second))


def entry_vectors(contest: Contest) -> tuple[list[int], NDArray[np.float32], str]:
    """The contest's entries' ids and unit vectors by the current encoder (missing ones made and stored)."""
    encoder = current_encoder()
    rows = list(
        Entry.objects.filter(contest=contest)
        .order_by("pk")
        .values_list("pk", "title", "problem", "actions", "results", "embedding", "embedding_model")
    )
    vectors: dict[int, NDArray[np.float32]] = {}
    missing = []
    for pk, title, problem, actions, results, blob, model in rows:
        if blob is not None and model == encoder.name:
            vectors[pk] = np.frombuffer(bytes(blob), dtype=np.float32)
        else:
            missing.append((pk, entry_text(title, problem, actions, results)))
    if missing:
        made = encoder.encode([text for _, text in missing])
        for (pk, _text), vector in zip(missing, made, strict=True):
            vector = np.asarray(vector, dtype=np.float32)
            vectors[pk] = vector
            # update(), not save(): a vector never overwrites an organiser's concurrent screening.
            Entry.objects.filter(pk=pk).update(embedding=vector.tobytes(), embedding_model=encoder.name)
    ids = [pk for pk, *_ in rows]
    if not ids:
        return [], np.zeros((0, 0), dtype=np.float32), encoder.name
    return ids, np.vstack([vectors[pk] for pk in ids]), encoder.name


def possible_duplicates(contest: Contest, *, threshold: float | None = None) -> tuple[list[DuplicatePair], float]:
    """The pairs of entries at or above the encoder's duplicate threshold, and that threshold."""
    ids, matrix, model = entry_vectors(contest)
    limit = duplicate_threshold(model) if threshold is None else threshold
    return pairs_above(ids, matrix, limit), limit
