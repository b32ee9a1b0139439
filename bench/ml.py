"""ML benchmark: similar-ideas latency, suggestion time, embedding throughput, peak memory.

    .venv/bin/python bench/ml.py [--data ../shared/data] [--quick]

Filler ideas are real Russian city reports (ru-appeals/corpus.jsonl, 20,000 texts); larger
sizes repeat them with a suffix so every text is distinct. Prints one JSON object with the
figures and the machine (cores, CPU model). Exits 0 with a note when the data is absent.

What is measured, and how it maps to the product:
- ``similar_ms``: one as-you-type request — encode the typed text with the default encoder and
  take the cosine top-5 over the session's stored matrix (what ``GET …/similar/`` does after
  loading the matrix), p50/p95 over 200 queries, at 1k / 20k / 100k ideas.
- ``suggest_seconds``: ``ml.cluster.suggest_groups`` with the embeddings already stored
  (cached), at 1k and 10k ideas.
- ``embedding``: sentences per second when back-filling in batches, and one short text.
- ``grouping``: the grouping encoder (multilingual-e5-small, background only): sentences per
  second, one short text, a session-size suggestion (120 ideas, both encoders' vectors stored)
  and the duplicate re-rank of the top 5 from stored vectors (``ml.similar.rerank``).
  ``--no-grouping`` skips it.
- ``peak_rss_mb``: the process's peak resident memory at the end (everything above loaded).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _machine import machine  # noqa: E402

from ml.cluster import suggest_groups  # noqa: E402
from ml.encoders import Encoder, build_encoder, grouping_encoder_spec  # noqa: E402
from ml.similar import RERANK_TOP, rerank, top_k  # noqa: E402


def filler(data: Path, count: int) -> list[str]:
    path = data / "ru-appeals" / "corpus.jsonl"
    with path.open(encoding="utf-8") as handle:
        texts = [json.loads(line)["text"] for line in handle if line.strip()]
    result = []
    for number in range(count):
        text = texts[number % len(texts)]
        result.append(text if number < len(texts) else f"{text} ({number // len(texts)})")
    return result


def percentiles(samples: list[float]) -> dict[str, float]:
    values = np.array(samples) * 1000
    return {
        "p50": round(float(np.percentile(values, 50)), 2),
        "p95": round(float(np.percentile(values, 95)), 2),
    }


def grouping_figures(
    second: Encoder, encoder: Encoder, texts: list[str], quick: bool
) -> dict[str, object]:
    """The background encoder's cost, a session's suggestion and the duplicate re-rank."""
    session = texts[7000:7120]
    started = time.perf_counter()
    second_vectors = second.encode(session)
    elapsed = time.perf_counter() - started
    singles = []
    for text in texts[: 10 if quick else 30]:
        started = time.perf_counter()
        second.encode([text[:120]])
        singles.append(time.perf_counter() - started)
    first_vectors = encoder.encode(session)
    started = time.perf_counter()
    suggestion = suggest_groups(session, first_vectors, second_vectors=second_vectors)
    suggest_seconds = time.perf_counter() - started
    rerank_times = []
    for query in range(len(session)):
        started = time.perf_counter()
        found = top_k(first_vectors[query], first_vectors, RERANK_TOP + 1)[1:]
        rows = second_vectors[[index for index, _ in found]]
        rerank(found, second_vectors[query], rows, second.name)
        rerank_times.append(time.perf_counter() - started)
    return {
        "encoder": second.name,
        "sentences_per_second": round(len(session) / elapsed, 1),
        "single_short_text_ms": percentiles(singles),
        "session_120_suggest_seconds": round(suggest_seconds, 2),
        "session_120_groups": len(suggestion.groups),
        "rerank_top5_from_stored_ms": percentiles(rerank_times),
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", default=str(Path(__file__).resolve().parents[2] / "shared/data"))
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke run")
    parser.add_argument("--no-grouping", action="store_true", help="skip the grouping encoder")
    args = parser.parse_args()
    data = Path(args.data)
    if not (data / "ru-appeals" / "corpus.jsonl").exists():
        print(json.dumps({"skipped": f"no ru-appeals corpus under {data}"}))
        return 0

    encoder = build_encoder(os.environ.get("VECHE_EMBEDDING_MODEL"))
    report: dict[str, object] = {
        "machine": {**machine(), "numpy": np.__version__},
        "encoder": encoder.name,
        "dim": encoder.dim,
    }

    # Embedding throughput: a back-fill batch, and one typed text.
    texts = filler(data, 20_000)
    batch = texts[:500] if args.quick else texts[:2000]
    started = time.perf_counter()
    base = encoder.encode(batch)
    elapsed = time.perf_counter() - started
    singles = []
    for text in texts[:50]:
        started = time.perf_counter()
        encoder.encode([text[:120]])
        singles.append(time.perf_counter() - started)
    report["embedding"] = {
        "batch_texts": len(batch),
        "sentences_per_second": round(len(batch) / elapsed, 1),
        "single_short_text_ms": percentiles(singles),
    }

    # Similar ideas: matrices of stored vectors. Above the embedded batch, rows are the batch
    # with small noise (re-normalised): search cost depends on the shape, not on the content.
    rng = np.random.default_rng(0)
    similar: dict[str, object] = {}
    queries = [text[:80] for text in texts[5000:5200]]
    for size in (1_000, 20_000) if args.quick else (1_000, 20_000, 100_000):
        rows = base[rng.integers(0, len(base), size)]
        rows = rows + rng.normal(0, 0.01, rows.shape).astype(np.float32)
        rows /= np.linalg.norm(rows, axis=1, keepdims=True)
        timings, search_only, cpu = [], [], []
        for query_text in queries:
            started = time.perf_counter()
            cpu_started = time.thread_time()
            query = encoder.encode([query_text])[0]
            middle = time.perf_counter()
            top_k(query, rows, 5)
            finished = time.perf_counter()
            cpu.append(time.thread_time() - cpu_started)
            timings.append(finished - started)
            search_only.append(finished - middle)
        similar[str(size)] = {
            "encode_and_search_ms": percentiles(timings),
            "search_only_ms": percentiles(search_only),
            # CPU time of the request's own thread: what it costs without waiting for a core,
            # the figure to read on a host shared with other work (wall time includes the wait).
            "encode_and_search_cpu_ms": percentiles(cpu),
        }
    report["similar"] = similar

    # Suggestions with embeddings cached (the stored vectors are given).
    suggest: dict[str, object] = {}
    all_vectors = None
    for size in (1_000,) if args.quick else (1_000, 10_000):
        chosen = texts[:size]
        if all_vectors is None or len(all_vectors) < size:
            all_vectors = encoder.encode(chosen) if size > len(base) else base
        vectors = all_vectors[:size]
        started = time.perf_counter()
        suggestion = suggest_groups(chosen, vectors)
        suggest[str(size)] = {
            "seconds": round(time.perf_counter() - started, 2),
            "groups": len(suggestion.groups),
            "ungrouped": len(suggestion.ungrouped),
        }
    report["suggest"] = suggest

    spec = None if args.no_grouping else grouping_encoder_spec()
    if spec:
        report["grouping"] = grouping_figures(build_encoder(spec), encoder, texts, args.quick)
    report["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    print(json.dumps(report, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
