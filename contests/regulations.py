"""The regulations (положение) of a contest as one JSON document, checked by one function.

Configuration rather than tables: the document is what organisers publish, what is frozen
when submissions open, what every amendment versions whole (`RegulationsVersion`), and what
`contests.scoring.compute_results` reads. `validate` is the only gate: every path that stores
regulations (operations, seed_demo) goes through it, and it returns the normalised document.

Shape (every key required unless marked optional):

    {
      "nominations": [{"code": "tos", "title": "Лучшая практика ТОС", "title_en": "…"}],
      "eligibility": {"team_kinds": ["tos", "nko", "school", "initiative"],
                      "settlements": ["urban", "rural"]},
      "criteria": [{"code": "impact", "title": "…", "title_en": "…", "weight": 3,
                    "levels": [{"ru": "…", "en": "…"}, … 11 levels, for the scores 0 to 10]}],
      "aggregation": {"rule": "median" | "mean" | "trimmed_mean", "trim": 0.2 (optional),
                      "normalise": false},
      "combination": {"mode": "rank_weighted", "jury_weight": 0.7, "public_weight": 0.3}
                   | {"mode": "separate_award"},
      "tie_breaks": ["criterion:impact", "public_votes"],
      "min_jurors": 3,
      "disagreement_threshold": 3 (optional),
      "show_public_tallies": false (optional),
      "prizes": 3 | {"tos": 3, "youth": 1} (optional: places awarded per nomination, all alike
                or by nomination code; the ceremony and the diplomas read it, 3 when absent),
      "stages": [{"stage": "defence", "title": "Очная защита", "title_en": "…",
                  "when": "16 мая, 10:00–13:00", "description": "…"}] (optional: the
                 calendar the public reads; `stage` is one of the contest's stages, in order)
    }
"""

from __future__ import annotations

import re
from typing import Any

from django.utils.translation import gettext as _

from contests.scoring import (
    COMBINATIONS,
    DEFAULT_DISAGREEMENT,
    DEFAULT_TRIM,
    RULES,
    SCORE_MAX,
    SCORE_MIN,
)
from ideas.errors import InvalidInput

CODE = re.compile(r"[a-z0-9_-]{1,32}")
TITLE_MAX = 200
LEVEL_MAX = 500
TEAM_KINDS = ("tos", "nko", "school", "initiative")
SETTLEMENTS = ("urban", "rural")
KEYS = {
    "nominations",
    "eligibility",
    "criteria",
    "aggregation",
    "combination",
    "tie_breaks",
    "min_jurors",
    "disagreement_threshold",
    "show_public_tallies",
    "stages",
    "prizes",
}
REQUIRED = KEYS - {"disagreement_threshold", "show_public_tallies", "stages", "prizes"}
PRIZES_MAX = 10
STAGE_CODES = ("submissions", "selection", "defence", "results")  # contests.models.ContestStage, published ones
DESCRIPTION_MAX = 2000


def _bad(message: str) -> InvalidInput:
    return InvalidInput(message, code="invalid_regulations", fields={"regulations": [message]})


def _text(value: Any, what: str, *, required: bool = True, max_length: int = TITLE_MAX) -> str:
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()) or len(value.strip()) > max_length:
        raise _bad(_("%(what)s: text of 1 to %(max)d characters.") % {"what": what, "max": max_length})
    return value.strip()


def _number(value: Any, what: str, *, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
        raise _bad(_("%(what)s: a number from %(low)s to %(high)s.") % {"what": what, "low": low, "high": high})
    return value


def _codes(items: list[dict[str, Any]], what: str) -> None:
    codes = [item["code"] for item in items]
    if len(set(codes)) != len(codes):
        raise _bad(_("%(what)s: codes must be unique.") % {"what": what})


def _coded_list(value: Any, what: str, max_items: int) -> list[dict[str, Any]]:
    if not isinstance(value, list) or not 1 <= len(value) <= max_items:
        raise _bad(_("%(what)s: a list of 1 to %(max)d items.") % {"what": what, "max": max_items})
    for item in value:
        if not isinstance(item, dict) or not isinstance(item.get("code"), str) or not CODE.fullmatch(item["code"]):
            raise _bad(
                _("%(what)s: each item has a “code” of 1 to 32 small Latin letters, digits, “-” or “_”.")
                % {"what": what}
            )
    return value


def validate(document: Any) -> dict[str, Any]:
    """The regulations normalised, or `InvalidInput` naming what is wrong (translated)."""
    if not isinstance(document, dict):
        raise _bad(_("The regulations are a JSON object."))
    unknown = set(document) - KEYS
    missing = REQUIRED - set(document)
    if unknown or missing:
        raise _bad(
            _("The regulations have unknown keys (%(unknown)s) or miss some (%(missing)s).")
            % {"unknown": ", ".join(sorted(unknown)) or "—", "missing": ", ".join(sorted(missing)) or "—"}
        )
    nominations = [
        {
            "code": item["code"],
            "title": _text(item.get("title"), _("Nomination title")),
            "title_en": _text(item.get("title_en"), _("Nomination title"), required=False),
        }
        for item in _coded_list(document["nominations"], _("Nominations"), 20)
    ]
    _codes(nominations, _("Nominations"))

    eligibility = document["eligibility"]
    if not isinstance(eligibility, dict) or set(eligibility) != {"team_kinds", "settlements"}:
        raise _bad(_("Eligibility names the team kinds and the settlements (urban, rural) admitted."))
    for key, allowed in (("team_kinds", TEAM_KINDS), ("settlements", SETTLEMENTS)):
        value = eligibility[key]
        if not isinstance(value, list) or not value or not set(value) <= set(allowed) or len(set(value)) != len(value):
            raise _bad(
                _("Eligibility: %(key)s is a non-empty list of %(allowed)s.")
                % {"key": key, "allowed": ", ".join(allowed)}
            )

    criteria = []
    for item in _coded_list(document["criteria"], _("Criteria"), 20):
        levels = item.get("levels")
        if not isinstance(levels, list) or len(levels) != SCORE_MAX - SCORE_MIN + 1:
            raise _bad(
                _("Criterion “%(code)s”: describe each of the 11 score levels from 0 to 10.") % {"code": item["code"]}
            )
        criteria.append(
            {
                "code": item["code"],
                "title": _text(item.get("title"), _("Criterion title")),
                "title_en": _text(item.get("title_en"), _("Criterion title"), required=False),
                "weight": _number(item.get("weight"), _("Criterion weight"), low=0.01, high=100),
                "levels": [
                    {
                        "ru": _text(level.get("ru") if isinstance(level, dict) else None, _("Level description"), max_length=LEVEL_MAX),
                        "en": _text(level.get("en") if isinstance(level, dict) else None, _("Level description"), required=False, max_length=LEVEL_MAX),
                    }
                    for level in levels
                ],
            }
        )
    _codes(criteria, _("Criteria"))

    aggregation = document["aggregation"]
    if not isinstance(aggregation, dict) or aggregation.get("rule") not in RULES or not set(aggregation) <= {"rule", "trim", "normalise"}:
        raise _bad(_("Aggregation: the rule is one of %(rules)s.") % {"rules": ", ".join(RULES)})
    normalise = aggregation.get("normalise", False)
    if not isinstance(normalise, bool):
        raise _bad(_("Aggregation: “normalise” is true or false."))
    aggregation = {
        "rule": aggregation["rule"],
        "trim": _number(aggregation.get("trim", DEFAULT_TRIM), _("Trimmed share"), low=0, high=0.45),
        "normalise": normalise,
    }

    combination = document["combination"]
    if not isinstance(combination, dict) or combination.get("mode") not in COMBINATIONS:
        raise _bad(_("Combination: the mode is one of %(modes)s.") % {"modes": ", ".join(COMBINATIONS)})
    if combination["mode"] == "rank_weighted":
        if set(combination) != {"mode", "jury_weight", "public_weight"}:
            raise _bad(_("Combination by rank declares the jury's and the public's weights."))
        combination = {
            "mode": "rank_weighted",
            "jury_weight": _number(combination["jury_weight"], _("Jury weight"), low=0, high=1),
            "public_weight": _number(combination["public_weight"], _("Public weight"), low=0, high=1),
        }
        if combination["jury_weight"] + combination["public_weight"] <= 0:
            raise _bad(_("Combination by rank: the weights cannot both be zero."))
    else:
        combination = {"mode": "separate_award"}

    criterion_codes = {item["code"] for item in criteria}
    tie_breaks = document["tie_breaks"]
    if not isinstance(tie_breaks, list) or len(tie_breaks) > 10 or not all(
        isinstance(rule, str)
        and (rule == "public_votes" or (rule.startswith("criterion:") and rule.split(":", 1)[1] in criterion_codes))
        for rule in tie_breaks
    ):
        raise _bad(_("Tie-breaks: a list of “criterion:<code>” of this contest's criteria or “public_votes”."))

    min_jurors = document["min_jurors"]
    if isinstance(min_jurors, bool) or not isinstance(min_jurors, int) or not 1 <= min_jurors <= 50:
        raise _bad(_("The minimum number of jurors per entry is a whole number from 1 to 50."))
    show = document.get("show_public_tallies", False)
    if not isinstance(show, bool):
        raise _bad(_("“show_public_tallies” is true or false."))
    normalised = {
        "nominations": nominations,
        "eligibility": {"team_kinds": list(eligibility["team_kinds"]), "settlements": list(eligibility["settlements"])},
        "criteria": criteria,
        "aggregation": aggregation,
        "combination": combination,
        "tie_breaks": list(tie_breaks),
        "min_jurors": min_jurors,
        "disagreement_threshold": _number(
            document.get("disagreement_threshold", DEFAULT_DISAGREEMENT), _("Disagreement threshold"), low=0, high=10
        ),
        "show_public_tallies": show,
    }
    if "stages" in document:
        normalised["stages"] = _stages(document["stages"])
    if "prizes" in document:
        normalised["prizes"] = _prizes(document["prizes"], [item["code"] for item in nominations])
    return normalised


def _prizes(value: Any, nomination_codes: list[str]) -> int | dict[str, int]:
    """Places per nomination: one whole number for all, or one per nomination of this contest."""
    wrong = _("Prizes: a whole number of places from 1 to %(max)d, for all nominations or per nomination code.") % {
        "max": PRIZES_MAX
    }

    def places(count: Any) -> int:
        if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= PRIZES_MAX:
            raise _bad(wrong)
        return count

    if isinstance(value, dict):
        if not value or not set(value) <= set(nomination_codes):
            raise _bad(wrong)
        return {code: places(value[code]) for code in nomination_codes if code in value}
    return places(value)


def _stages(value: Any) -> list[dict[str, str]]:
    """The published calendar: the contest's stages in their order, each with a title, when, and what happens."""
    wrong = _("Stages: a list of {stage, title, title_en, when, description}, each stage once and in order (%(stages)s).") % {
        "stages": ", ".join(STAGE_CODES)
    }
    if not isinstance(value, list) or not 1 <= len(value) <= len(STAGE_CODES):
        raise _bad(wrong)
    stages = []
    for item in value:
        if not isinstance(item, dict) or item.get("stage") not in STAGE_CODES or not set(item) <= {
            "stage", "title", "title_en", "when", "description"
        }:
            raise _bad(wrong)
        stages.append(
            {
                "stage": item["stage"],
                "title": _text(item.get("title"), _("Stage title")),
                "title_en": _text(item.get("title_en"), _("Stage title"), required=False),
                "when": _text(item.get("when"), _("Stage dates"), required=False),
                "description": _text(item.get("description"), _("Stage description"), required=False, max_length=DESCRIPTION_MAX),
            }
        )
    order = [STAGE_CODES.index(item["stage"]) for item in stages]
    if order != sorted(set(order)):
        raise _bad(wrong)
    return stages


def example(nominations: list[tuple[str, str, str]] | None = None) -> dict[str, Any]:
    """A complete, valid document: tests, seed_demo and the organiser's starting point."""

    def levels(subject_ru: str, subject_en: str) -> list[dict[str, str]]:
        return [
            {"ru": f"{subject_ru}: уровень {n} из 10", "en": f"{subject_en}: level {n} of 10"}
            for n in range(SCORE_MIN, SCORE_MAX + 1)
        ]

    return {
        "nominations": [
            {"code": code, "title": title, "title_en": title_en}
            for code, title, title_en in (nominations or [("tos", "Лучшая практика ТОС", "Best TOS practice")])
        ],
        "eligibility": {"team_kinds": list(TEAM_KINDS), "settlements": list(SETTLEMENTS)},
        "criteria": [
            {"code": "relevance", "title": "Актуальность", "title_en": "Relevance", "weight": 2,
             "levels": levels("Актуальность проблемы", "Relevance of the problem")},
            {"code": "impact", "title": "Результаты", "title_en": "Results", "weight": 3,
             "levels": levels("Измеримые результаты", "Measurable results")},
            {"code": "replicability", "title": "Тиражируемость", "title_en": "Replicability", "weight": 1,
             "levels": levels("Можно повторить в другом месте", "Can be repeated elsewhere")},
        ],
        "aggregation": {"rule": "median", "normalise": False},
        "combination": {"mode": "rank_weighted", "jury_weight": 0.7, "public_weight": 0.3},
        "tie_breaks": ["criterion:impact", "public_votes"],
        "min_jurors": 2,
        "disagreement_threshold": 3,
        "show_public_tallies": False,
    }
