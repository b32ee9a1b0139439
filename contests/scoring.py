"""A contest's results: one pure function of the frozen regulations, the scores and the public votes.

Plain Python, no Django (import-linter keeps it so): the API, the pages, the archive and
`bench/contests.py` call `compute_results` with plain values, and the property-based tests
in tests/contests/test_scoring.py call it with generated ones.

The rules, in the order they apply:
- only submitted scores count, and never a recused juror's: a missing score is *missing*,
  not a zero, so an entry's aggregate is over the jurors who scored it;
- per-juror normalisation (optional): each juror's scores become z-scores over all that
  juror's counted scores, so a strict juror and a generous one weigh the same. The arithmetic
  is on integer numerators (n·v − Σv), so adding a constant to one juror's scores gives
  bit-identical z-scores, not just close ones;
- per entry and criterion, the jurors' values aggregate by the rule: median, mean, or trimmed
  mean (a share cut at each end, never all of them); sums are `math.fsum` of sorted values,
  exactly rounded, so the order of entries, jurors and scores never changes a digit;
- an entry's jury score is the weighted mean of its criteria aggregates (over the criteria it
  has); an entry nobody scored has none and is ranked after every scored entry of its nomination;
- jury rank within the nomination: higher score first, then the declared tie-breaks
  (`criterion:<code>`: the higher aggregate on that criterion; `public_votes`: more public
  votes); entries still equal share the place (1, 2, 2, 4);
- public rank: more votes first, equal votes share the place;
- combined: `rank_weighted` ranks by jury_weight·jury_rank + public_weight·public_rank (lower
  first; equal sums fall back to the jury rank, then share the place); `separate_award` keeps
  the jury rank as the result and names the public's first place as the audience award;
- what-if: the same under every rule × normalisation; the row of the chosen rule is the
  result itself;
- disagreement: an entry whose jurors' own weighted totals (raw 0–10) spread (max − min)
  above the threshold is flagged for discussion before the organiser finalises.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from operator import attrgetter
from typing import Any

RULES: tuple[str, ...] = ("median", "mean", "trimmed_mean")
COMBINATIONS: tuple[str, ...] = ("rank_weighted", "separate_award")
SCORE_MIN = 0
SCORE_MAX = 10
DEFAULT_TRIM = 0.2  # the share cut at each end by the trimmed mean
DEFAULT_DISAGREEMENT = 3.0  # max − min of jurors' weighted totals, on the 0–10 scale


@dataclass(frozen=True)
class ScoreInput:
    juror: int
    entry: int
    criterion: str
    value: int


@dataclass(frozen=True)
class EntryInput:
    entry: int
    nomination: str


@dataclass
class EntryResult:
    entry: int
    nomination: str
    criteria: dict[str, float | None]  # the rule's aggregate per criterion (None: nobody scored it)
    jury_score: float | None
    jurors: int  # how many jurors' scores counted
    jury_rank: int
    public_votes: int
    public_rank: int
    combined_rank: int
    spread: float | None  # max − min of the jurors' weighted totals (raw)
    disputed: bool
    by_juror: dict[int, dict[str, int]] = field(default_factory=dict)  # raw counted scores


@dataclass
class Results:
    rule: str
    normalise: bool
    combination: str
    entries: list[EntryResult]  # by nomination, then combined rank, then entry id
    what_if: dict[str, dict[int, dict[str, int]]]  # variant → entry → {"jury_rank", "combined_rank"}
    audience_award: dict[str, list[int]]  # nomination → entries first in the public vote
    disputed: list[int]

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready form (the API, the archive snapshot)."""
        return {
            "rule": self.rule,
            "normalise": self.normalise,
            "combination": self.combination,
            "entries": [
                {
                    "entry": row.entry,
                    "nomination": row.nomination,
                    "criteria": dict(sorted(row.criteria.items())),
                    "jury_score": row.jury_score,
                    "jurors": row.jurors,
                    "jury_rank": row.jury_rank,
                    "public_votes": row.public_votes,
                    "public_rank": row.public_rank,
                    "combined_rank": row.combined_rank,
                    "spread": row.spread,
                    "disputed": row.disputed,
                    "by_juror": {
                        str(juror): dict(sorted(values.items()))
                        for juror, values in sorted(row.by_juror.items())
                    },
                }
                for row in self.entries
            ],
            "what_if": {
                variant: {str(entry): ranks for entry, ranks in sorted(rows.items())}
                for variant, rows in sorted(self.what_if.items())
            },
            "audience_award": {key: sorted(value) for key, value in sorted(self.audience_award.items())},
            "disputed": sorted(self.disputed),
        }


def variant_name(rule: str, normalise: bool) -> str:
    return f"{rule}+z" if normalise else rule


# --- aggregation ---------------------------------------------------------------------------------


def aggregate(values: list[float], rule: str, trim: float = DEFAULT_TRIM) -> float:
    """One cell's values by the rule; `values` is non-empty. Order-free: sorted first."""
    return _aggregate_sorted(sorted(values), rule, trim)


def _aggregate_sorted(ordered: list[Any], rule: str, trim: float) -> float:
    """`aggregate` of values already in ascending order (a cell is sorted once for every rule)."""
    count = len(ordered)
    if rule == "median":
        middle = count // 2
        if count % 2:
            return float(ordered[middle])
        return math.fsum(ordered[middle - 1 : middle + 1]) / 2
    if rule == "mean":
        return math.fsum(ordered) / count
    if rule == "trimmed_mean":
        cut = int(math.floor(count * trim))
        if 2 * cut >= count:  # never trim everything away
            cut = (count - 1) // 2
        kept = ordered[cut : count - cut]
        return math.fsum(kept) / len(kept)
    raise ValueError(f"unknown aggregation rule {rule!r}")


def zscores(values_by_juror: Mapping[int, list[tuple[int, str, int]]]) -> dict[tuple[int, int, str], float]:
    """Per-juror z-scores of (entry, criterion, value) triples, from integer numerators.

    z = (n·v − S) / sqrt(Σ(n·vᵢ − S)² / n): every numerator is an integer that a constant
    added to all the juror's values leaves unchanged, so the floats are identical.
    A juror who gave one value throughout has z = 0 everywhere (no information on the scale).
    """
    result: dict[tuple[int, int, str], float] = {}
    for juror, triples in values_by_juror.items():
        table = _zscore_table(Counter(value for _, _, value in triples))
        for entry, criterion, value in triples:
            result[(juror, entry, criterion)] = table[value]
    return result


def _zscore_table(value_counts: Mapping[int, int]) -> dict[int, float]:
    """One juror's z-score of each value they gave, from how often they gave it (see `zscores`).

    A juror gives at most eleven distinct values, so the z-scores are computed once per value,
    not once per score; the integers (n, S, Σ(n·v − S)²) are the same whatever the grouping.
    """
    count = sum(value_counts.values())
    total = sum(value * times for value, times in value_counts.items())
    squares = sum(times * (count * value - total) ** 2 for value, times in value_counts.items())
    scale = math.sqrt(squares / count) if squares else 0.0
    return {value: (count * value - total) / scale if scale else 0.0 for value in value_counts}


def _competition_ranks(keys: list[tuple[int, tuple[Any, ...]]]) -> dict[int, int]:
    """(entry, sort key) pairs → standard competition ranks (1, 2, 2, 4); equal keys share."""
    ordered = sorted(keys, key=lambda pair: (pair[1], pair[0]))
    ranks: dict[int, int] = {}
    previous: tuple[Any, ...] | None = None
    place = 0
    for position, (entry, key) in enumerate(ordered, start=1):
        if key != previous:
            place = position
            previous = key
        ranks[entry] = place
    return ranks


# --- the function --------------------------------------------------------------------------------


@dataclass
class _Cell:
    """One entry's counted values on one criterion, each list sorted once for every rule."""

    criterion: str
    weight: float
    raw: list[int]  # ascending
    normalised: list[float]  # the jurors' z-scores, ascending


@dataclass
class _Prepared:
    entries: dict[int, str]
    weights: dict[str, float]
    cells: dict[int, list[_Cell]]  # entry → its scored criteria, in the regulations' order
    by_juror_raw: dict[int, dict[int, dict[str, int]]]  # entry → juror → criterion → value
    votes: dict[int, int]


def _prepare(
    regulations: Mapping[str, Any],
    entries: Iterable[EntryInput],
    scores: Iterable[ScoreInput],
    recused: Iterable[tuple[int, int]],
    public_votes: Mapping[int, int],
) -> _Prepared:
    entry_nomination = {item.entry: item.nomination for item in entries}
    weights = {criterion["code"]: float(criterion["weight"]) for criterion in regulations["criteria"]}
    excluded = set(recused)
    # (entry, criterion) → juror → value; the same checks, in the same order, as score by score.
    seen: dict[tuple[int, str], dict[int, int]] = {}
    for juror, entry, criterion, value in map(_SCORE_FIELDS, scores):
        if (juror, entry) in excluded:
            continue  # a recused juror's score never counts (and a missing one is never a zero)
        if entry not in entry_nomination or criterion not in weights:
            continue
        if not SCORE_MIN <= value <= SCORE_MAX:
            raise ValueError(f"score {value} out of range")
        cell = seen.get((entry, criterion))
        if cell is None:
            cell = seen[(entry, criterion)] = {}
        elif juror in cell and cell[juror] != value:
            raise ValueError(f"two different scores for {(juror, entry, criterion)}")  # the database allows one
        cell[juror] = value
    value_counts: dict[int, Counter[int]] = defaultdict(Counter)
    for cell in seen.values():
        for juror, value in cell.items():
            value_counts[juror][value] += 1
    ztables = {juror: _zscore_table(counts) for juror, counts in value_counts.items()}
    cells: dict[int, list[_Cell]] = {}
    by_juror_raw: dict[int, dict[int, dict[str, int]]] = {}
    for entry in entry_nomination:
        row: list[_Cell] = []
        jurors: dict[int, dict[str, int]] = defaultdict(dict)
        for criterion, weight in weights.items():
            cell = seen.get((entry, criterion))
            if not cell:
                continue
            row.append(
                _Cell(
                    criterion,
                    weight,
                    sorted(cell.values()),
                    sorted([ztables[juror][value] for juror, value in cell.items()]),
                )
            )
            for juror, value in cell.items():
                jurors[juror][criterion] = value
        cells[entry] = row
        if jurors:  # ordered as before: jurors ascending, each one's criteria by code
            by_juror_raw[entry] = {juror: dict(sorted(jurors[juror].items())) for juror in sorted(jurors)}
    votes = {entry: int(public_votes.get(entry, 0)) for entry in entry_nomination}
    return _Prepared(entry_nomination, weights, cells, by_juror_raw, votes)


_SCORE_FIELDS = attrgetter("juror", "entry", "criterion", "value")


def _jury(
    prepared: _Prepared, rule: str, normalise: bool, trim: float
) -> tuple[dict[int, dict[str, float | None]], dict[int, float | None]]:
    criteria: dict[int, dict[str, float | None]] = {}
    totals: dict[int, float | None] = {}
    unscored: dict[str, float | None] = dict.fromkeys(prepared.weights)
    for entry in prepared.entries:
        row = dict(unscored)
        weighted: list[float] = []
        weight_sum: list[float] = []
        for cell in prepared.cells[entry]:
            value = _aggregate_sorted(cell.normalised if normalise else cell.raw, rule, trim)
            row[cell.criterion] = value
            weighted.append(cell.weight * value)
            weight_sum.append(cell.weight)
        criteria[entry] = row
        totals[entry] = math.fsum(weighted) / math.fsum(weight_sum) if weighted else None  # exactly rounded
    return criteria, totals


def _jury_ranks(
    prepared: _Prepared,
    criteria: dict[int, dict[str, float | None]],
    totals: dict[int, float | None],
    tie_breaks: list[str],
) -> dict[int, int]:
    ranks: dict[int, int] = {}
    by_nomination: dict[str, list[int]] = defaultdict(list)
    for entry, nomination in prepared.entries.items():
        by_nomination[nomination].append(entry)
    for members in by_nomination.values():
        keys = []
        for entry in members:
            total = totals[entry]
            key: list[Any] = [0 if total is not None else 1, -(total or 0.0)]
            for rule in tie_breaks:
                if rule.startswith("criterion:"):
                    value = criteria[entry].get(rule.split(":", 1)[1])
                    key.append(-(value if value is not None else -math.inf))
                elif rule == "public_votes":
                    key.append(-prepared.votes[entry])
            keys.append((entry, tuple(key)))
        ranks.update(_competition_ranks(keys))
    return ranks


def _public_ranks(prepared: _Prepared) -> dict[int, int]:
    ranks: dict[int, int] = {}
    by_nomination: dict[str, list[int]] = defaultdict(list)
    for entry, nomination in prepared.entries.items():
        by_nomination[nomination].append(entry)
    for members in by_nomination.values():
        ranks.update(_competition_ranks([(entry, (-prepared.votes[entry],)) for entry in members]))
    return ranks


def _combined_ranks(
    prepared: _Prepared, jury: dict[int, int], public: dict[int, int], combination: Mapping[str, Any]
) -> dict[int, int]:
    if combination.get("mode", "separate_award") != "rank_weighted":
        return dict(jury)
    jury_weight = float(combination.get("jury_weight", 1.0))
    public_weight = float(combination.get("public_weight", 0.0))
    ranks: dict[int, int] = {}
    by_nomination: dict[str, list[int]] = defaultdict(list)
    for entry, nomination in prepared.entries.items():
        by_nomination[nomination].append(entry)
    for members in by_nomination.values():
        keys = [
            (entry, (math.fsum([jury_weight * jury[entry], public_weight * public[entry]]), jury[entry]))
            for entry in members
        ]
        ranks.update(_competition_ranks(keys))
    return ranks


def _spread(rows: dict[int, dict[str, int]], weights: dict[str, float]) -> float | None:
    # `math.fsum` is exactly rounded, so no order of its terms changes a digit.
    totals = []
    weight_sums: dict[tuple[str, ...], float] = {}  # most jurors score the same criteria
    for values in rows.values():
        scored = tuple(values)
        weight = weight_sums.get(scored)
        if weight is None:
            weight = weight_sums[scored] = math.fsum([weights[c] for c in scored])
        if weight:
            totals.append(math.fsum([weights[c] * v for c, v in values.items()]) / weight)
    if len(totals) < 2:
        return None
    return max(totals) - min(totals)


def compute_results(
    regulations: Mapping[str, Any],
    entries: Iterable[EntryInput],
    scores: Iterable[ScoreInput],
    *,
    recused: Iterable[tuple[int, int]] = (),
    public_votes: Mapping[int, int] | None = None,
) -> Results:
    """The contest's results under its regulations (see the module's docstring for every rule).

    `regulations` is the validated regulations document (`contests.regulations.validate`):
    `criteria` (code, weight), `aggregation` (rule, trim, normalise), `combination` (mode,
    weights), `tie_breaks`, `disagreement_threshold`. `scores` are the submitted ones;
    `recused` the (juror, entry) pairs whose scores never count; `public_votes` entry → votes.
    """
    entries = list(entries)
    prepared = _prepare(regulations, entries, scores, recused, public_votes or {})
    aggregation = regulations.get("aggregation", {})
    rule = aggregation.get("rule", "median")
    normalise = bool(aggregation.get("normalise", False))
    trim = float(aggregation.get("trim", DEFAULT_TRIM))
    combination = regulations.get("combination", {"mode": "separate_award"})
    tie_breaks = list(regulations.get("tie_breaks", []))
    threshold = float(regulations.get("disagreement_threshold", DEFAULT_DISAGREEMENT))
    public = _public_ranks(prepared)

    what_if: dict[str, dict[int, dict[str, int]]] = {}
    chosen: tuple[Any, ...] = ()
    for variant_rule in RULES:
        for variant_normalise in (False, True):
            criteria, totals = _jury(prepared, variant_rule, variant_normalise, trim)
            jury = _jury_ranks(prepared, criteria, totals, tie_breaks)
            combined = _combined_ranks(prepared, jury, public, combination)
            what_if[variant_name(variant_rule, variant_normalise)] = {
                entry: {"jury_rank": jury[entry], "combined_rank": combined[entry]}
                for entry in prepared.entries
            }
            if (variant_rule, variant_normalise) == (rule, normalise):
                chosen = (criteria, totals, jury, combined)
    if not chosen:
        raise ValueError(f"unknown aggregation rule {rule!r}")
    criteria, totals, jury, combined = chosen

    rows = []
    disputed = []
    for entry, nomination in prepared.entries.items():
        raw = prepared.by_juror_raw.get(entry, {})  # built for this call alone: no copy needed
        spread = _spread(raw, prepared.weights)
        is_disputed = spread is not None and spread > threshold
        if is_disputed:
            disputed.append(entry)
        rows.append(
            EntryResult(
                entry=entry,
                nomination=nomination,
                criteria=criteria[entry],
                jury_score=totals[entry],
                jurors=len(raw),
                jury_rank=jury[entry],
                public_votes=prepared.votes[entry],
                public_rank=public[entry],
                combined_rank=combined[entry],
                spread=spread,
                disputed=is_disputed,
                by_juror=raw,
            )
        )
    rows.sort(key=lambda row: (row.nomination, row.combined_rank, row.entry))
    audience: dict[str, list[int]] = defaultdict(list)
    for row in rows:
        if row.public_rank == 1 and row.public_votes > 0:
            audience[row.nomination].append(row.entry)
    return Results(
        rule=rule,
        normalise=normalise,
        combination=combination.get("mode", "separate_award"),
        entries=rows,
        what_if=what_if,
        audience_award=dict(audience),
        disputed=sorted(disputed),
    )
