"""The pure results function: property-based invariants and a few worked examples."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from contests.scoring import RULES, EntryInput, ScoreInput, aggregate, compute_results, variant_name

CRITERIA = [{"code": "a", "weight": 2}, {"code": "b", "weight": 1}, {"code": "c", "weight": 3}]


def regulations(rule: str = "median", normalise: bool = False, mode: str = "rank_weighted") -> dict:
    combination = (
        {"mode": "rank_weighted", "jury_weight": 0.7, "public_weight": 0.3} if mode == "rank_weighted" else {"mode": mode}
    )
    return {
        "criteria": CRITERIA,
        "aggregation": {"rule": rule, "trim": 0.2, "normalise": normalise},
        "combination": combination,
        "tie_breaks": ["criterion:c", "public_votes"],
        "disagreement_threshold": 3,
    }


@st.composite
def contests(draw):
    entry_count = draw(st.integers(1, 8))
    juror_count = draw(st.integers(1, 6))
    entries = [EntryInput(entry=100 + i, nomination=draw(st.sampled_from(["x", "y"]))) for i in range(entry_count)]
    scores = []
    for juror in range(1, juror_count + 1):
        for item in entries:
            if draw(st.booleans()):
                for criterion in ("a", "b", "c"):
                    if draw(st.integers(0, 4)):  # now and then a criterion left unscored
                        scores.append(ScoreInput(juror, item.entry, criterion, draw(st.integers(0, 10))))
    votes = {item.entry: draw(st.integers(0, 5)) for item in entries}
    rule = draw(st.sampled_from(RULES))
    normalise = draw(st.booleans())
    mode = draw(st.sampled_from(["rank_weighted", "separate_award"]))
    return regulations(rule, normalise, mode), entries, scores, votes


def summary(results):
    return results.as_dict()


@settings(max_examples=150, deadline=None)
@given(contests(), st.randoms(use_true_random=False))
def test_invariant_to_the_order_of_entries_jurors_and_scores(contest, rnd) -> None:
    rules, entries, scores, votes = contest
    expected = summary(compute_results(rules, entries, scores, public_votes=votes))
    shuffled_entries, shuffled_scores = list(entries), list(scores)
    rnd.shuffle(shuffled_entries)
    rnd.shuffle(shuffled_scores)
    assert summary(compute_results(rules, shuffled_entries, shuffled_scores, public_votes=votes)) == expected


@settings(max_examples=150, deadline=None)
@given(contests(), st.lists(st.integers(0, 10), min_size=3, max_size=30))
def test_a_recused_juror_changes_nothing(contest, values) -> None:
    rules, entries, scores, votes = contest
    expected = summary(compute_results(rules, entries, scores, public_votes=votes))
    recused_juror = 99
    extra, recused = [], set()
    for i, item in enumerate(entries):
        recused.add((recused_juror, item.entry))
        for j, criterion in enumerate(("a", "b", "c")):
            extra.append(ScoreInput(recused_juror, item.entry, criterion, values[(i + j) % len(values)]))
    got = summary(compute_results(rules, entries, scores + extra, recused=recused, public_votes=votes))
    assert got == expected


@settings(max_examples=150, deadline=None)
@given(contests())
def test_the_what_if_row_of_the_chosen_rule_is_the_result(contest) -> None:
    rules, entries, scores, votes = contest
    results = compute_results(rules, entries, scores, public_votes=votes)
    row = results.what_if[variant_name(results.rule, results.normalise)]
    assert len(results.what_if) == 6
    for entry in results.entries:
        assert row[entry.entry] == {"jury_rank": entry.jury_rank, "combined_rank": entry.combined_rank}


@settings(max_examples=150, deadline=None)
@given(contests(), st.integers(-5, 5))
def test_normalisation_ignores_a_constant_added_to_one_juror(contest, shift) -> None:
    rules, entries, scores, votes = contest
    rules = {**rules, "aggregation": {**rules["aggregation"], "normalise": True}}
    if not scores:
        return
    juror = scores[0].juror
    values = [s.value for s in scores if s.juror == juror]
    # keep the shifted scores on the 0–10 scale
    shift = max(-min(values), min(shift, 10 - max(values)))
    moved = [ScoreInput(s.juror, s.entry, s.criterion, s.value + shift) if s.juror == juror else s for s in scores]
    before = compute_results(rules, entries, scores, public_votes=votes)
    after = compute_results(rules, entries, moved, public_votes=votes)
    assert [(r.entry, r.criteria, r.jury_score, r.jury_rank, r.combined_rank) for r in before.entries] == [
        (r.entry, r.criteria, r.jury_score, r.jury_rank, r.combined_rank) for r in after.entries
    ]


def test_a_missing_score_is_never_a_zero() -> None:
    entries = [EntryInput(1, "x"), EntryInput(2, "x")]
    scores = [ScoreInput(1, 1, c, 8) for c in "abc"] + [ScoreInput(2, 2, c, 7) for c in "abc"]
    scores += [ScoreInput(3, 2, c, 7) for c in "abc"]  # entry 1 has one juror only (another recused)
    results = compute_results(regulations("mean"), entries, scores, recused={(3, 1)})
    by_entry = {row.entry: row for row in results.entries}
    assert by_entry[1].jury_score == 8.0 and by_entry[1].jurors == 1
    assert by_entry[1].jury_rank == 1 and by_entry[2].jury_rank == 2


def test_rules_tie_breaks_and_disagreement() -> None:
    assert aggregate([1, 9, 5], "median") == 5
    assert aggregate([1, 2, 3, 10], "median") == 2.5
    assert aggregate([0, 5, 5, 5, 10], "trimmed_mean") == 5
    assert aggregate([1, 2], "trimmed_mean", 0.45) == 1.5  # never trims everything
    entries = [EntryInput(1, "x"), EntryInput(2, "x"), EntryInput(3, "x")]
    # entries 1 and 2 tie on the total; 2 is better on "c", the first tie-break
    scores = [ScoreInput(1, 1, "a", 6), ScoreInput(1, 1, "b", 6), ScoreInput(1, 1, "c", 4),
              ScoreInput(1, 2, "a", 3), ScoreInput(1, 2, "b", 6), ScoreInput(1, 2, "c", 6),
              ScoreInput(1, 3, "a", 2), ScoreInput(1, 3, "b", 2), ScoreInput(1, 3, "c", 2),
              ScoreInput(2, 3, "a", 10), ScoreInput(2, 3, "b", 10), ScoreInput(2, 3, "c", 10)]
    results = compute_results(regulations("mean", mode="separate_award"), entries, scores, public_votes={3: 4})
    ranks = {row.entry: row.jury_rank for row in results.entries}
    assert ranks == {1: 3, 2: 2, 3: 1}
    assert results.disputed == [3]  # 2 against 10
    assert results.audience_award == {"x": [3]}


def test_rank_weighted_combination() -> None:
    entries = [EntryInput(1, "x"), EntryInput(2, "x")]
    scores = [ScoreInput(1, 1, c, 9) for c in "abc"] + [ScoreInput(1, 2, c, 8) for c in "abc"]
    rules = regulations("median")
    rules["combination"] = {"mode": "rank_weighted", "jury_weight": 0.4, "public_weight": 0.6}
    results = compute_results(rules, entries, scores, public_votes={2: 10, 1: 1})
    combined = {row.entry: row.combined_rank for row in results.entries}
    assert combined == {2: 1, 1: 2}


def test_shuffled_big_example_is_stable() -> None:
    rng = random.Random(7)
    entries = [EntryInput(i, "x") for i in range(40)]
    scores = [ScoreInput(j, i, c, rng.randint(0, 10)) for i in range(40) for j in range(7) for c in "abc"]
    first = compute_results(regulations("trimmed_mean", True), entries, scores).as_dict()
    rng.shuffle(scores)
    assert compute_results(regulations("trimmed_mean", True), entries[::-1], scores).as_dict() == first
