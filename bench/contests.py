"""Contest results at forum scale: 500 entries × 30 jurors × 8 criteria, what-if under every rule.

    .venv/bin/python bench/contests.py [--entries 500] [--jurors 30] [--criteria 8] [--repeat 3]

Every juror scores every entry on every criterion (the worst case: 120,000 scores), a few
pairs recused, 2,000 public votes; `compute_results` is the pure function the API and the
archive call, and it computes every rule × normalisation (6 variants) each time. Target ≤ 1 s.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from contests.scoring import RULES, EntryInput, ScoreInput, compute_results  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=500)
    parser.add_argument("--jurors", type=int, default=30)
    parser.add_argument("--criteria", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    rng = random.Random(2032)
    criteria = [{"code": f"c{i}", "weight": rng.randint(1, 3)} for i in range(args.criteria)]
    entries = [EntryInput(entry=i, nomination=f"n{i % 3}") for i in range(args.entries)]
    scores = [
        ScoreInput(juror=j, entry=e.entry, criterion=c["code"], value=rng.randint(0, 10))
        for e in entries for j in range(args.jurors) for c in criteria
    ]
    recused = {(rng.randrange(args.jurors), rng.randrange(args.entries)) for _ in range(args.entries // 5)}
    votes = {e.entry: 0 for e in entries}
    for _ in range(2000):
        votes[rng.randrange(args.entries)] += 1
    for rule in RULES:
        regulations = {
            "criteria": criteria,
            "aggregation": {"rule": rule, "trim": 0.2, "normalise": rule == "trimmed_mean"},
            "combination": {"mode": "rank_weighted", "jury_weight": 0.7, "public_weight": 0.3},
            "tie_breaks": ["criterion:c0", "public_votes"],
            "disagreement_threshold": 3,
        }
        best = float("inf")
        for _ in range(args.repeat):
            started = time.perf_counter()
            results = compute_results(regulations, entries, scores, recused=recused, public_votes=votes)
            best = min(best, time.perf_counter() - started)
        print(
            f"{args.entries} entries × {args.jurors} jurors × {args.criteria} criteria = {len(scores):,} scores, "
            f"chosen rule {rule}{'+z' if regulations['aggregation']['normalise'] else ''}, "
            f"what-if over {len(results.what_if)} variants: {best:.3f} s (best of {args.repeat}); "
            f"{len(results.disputed)} entries flagged as disputed"
        )


if __name__ == "__main__":
    main()
