"""What the contest pages show, in the reader's language: titles, level texts, the rule in words,
the explainable results table, «оценили 5 из 7».

Regulations carry Russian text with an optional English twin (`title` / `title_en`, levels
`ru` / `en`); a reader of English gets the twin when there is one, else the Russian original.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.template.defaultfilters import floatformat
from django.utils.formats import number_format
from django.utils.translation import get_language, ngettext, npgettext
from django.utils.translation import gettext as _

register = template.Library()

RULE_ORDER = ("median", "mean", "trimmed_mean")


def _english() -> bool:
    return (get_language() or "ru").startswith("en")


@register.filter
def localised(item: Any, key: str = "title") -> str:
    """`item[key]`, or its English twin `item[key + '_en']` for a reader of English."""
    if not isinstance(item, dict):
        return ""
    if _english() and item.get(f"{key}_en"):
        return str(item[f"{key}_en"])
    return str(item.get(key, ""))


@register.filter
def level_text(level: Any) -> str:
    if not isinstance(level, dict):
        return ""
    if _english() and level.get("en"):
        return str(level["en"])
    return str(level.get("ru", ""))


@register.filter
def get_item(mapping: Any, key: Any) -> Any:
    return mapping.get(key) if isinstance(mapping, dict) else None


@register.simple_tag
def scored_of(scored: int, of: int) -> str:
    """«оценили 5 из 7»: the verb agrees with the number who scored."""
    return npgettext(
        "jury progress",
        "scored by %(scored)s of %(of)s",
        "scored by %(scored)s of %(of)s",
        int(scored),
    ) % {"scored": number_format(scored), "of": number_format(of)}


@register.filter
def score(value: Any) -> str:
    """A score or an aggregate: whole numbers as they are, others to two decimals; missing: —."""
    if value is None or value == "":
        return "—"
    try:
        number = float(
            value
        )  # the archived snapshot keeps numbers as canonical strings ("6.500000")
    except (TypeError, ValueError):
        return str(value)
    if not number.is_integer():
        return number_format(number, 2)
    return number_format(int(number))


def eligibility_in_words(rules: dict[str, Any]) -> str:
    from contests.models import Settlement, TeamKind

    eligibility = rules.get("eligibility", {})
    kinds = ", ".join(
        str(TeamKind(kind).label)
        for kind in eligibility.get("team_kinds", [])
        if kind in TeamKind.values
    )
    places = ", ".join(
        str(Settlement(kind).label).lower()
        for kind in eligibility.get("settlements", [])
        if kind in Settlement.values
    )
    return _("Teams: %(kinds)s. Settlements: %(places)s.") % {"kinds": kinds, "places": places}


def rule_label(rule: str, normalise: bool = False) -> str:
    labels = {"median": _("Median"), "mean": _("Mean"), "trimmed_mean": _("Trimmed mean")}
    label = labels.get(rule, rule)
    return _("%(rule)s, per-juror z-scores") % {"rule": label} if normalise else label


def _number(value: Any) -> str:
    """A regulations number as people write it (0,7; 3): the archive keeps numbers as strings."""
    return floatformat(value, -2)


def rule_in_words(rules: dict[str, Any]) -> list[str]:
    """The regulations' aggregation and combination as sentences a reader can check the results by."""
    aggregation = rules.get("aggregation", {})
    rule = aggregation.get("rule", "median")
    sentences = []
    if rule == "median":
        sentences.append(_("Per criterion, the median of the jurors' scores counts."))
    elif rule == "mean":
        sentences.append(_("Per criterion, the mean of the jurors' scores counts."))
    else:
        share = round(float(aggregation.get("trim", 0.2)) * 100)
        sentences.append(
            _(
                "Per criterion, the mean of the jurors' scores counts after cutting %(share)s%% of the highest and of the lowest."
            )
            % {"share": share}
        )
    if aggregation.get("normalise"):
        sentences.append(
            _(
                "Each juror's scores are first normalised (z-scores), so a strict juror and a generous one weigh the same."
            )
        )
    sentences.append(_("The jury score is the mean of the criteria weighted by their weights."))
    sentences.append(
        _("A recused juror's score is missing, never a zero: the entry is judged by the others.")
    )
    combination = rules.get("combination", {})
    if combination.get("mode") == "rank_weighted":
        sentences.append(
            _(
                "The final place orders entries by %(jury)s × jury place + %(public)s × public place (lower first)."
            )
            % {
                "jury": _number(combination.get("jury_weight", 1)),
                "public": _number(combination.get("public_weight", 0)),
            }
        )
    else:
        sentences.append(
            _("The jury decides the places; the public vote gives a separate audience award.")
        )
    breaks = []
    titles = {item["code"]: localised(item) for item in rules.get("criteria", [])}
    for item in rules.get("tie_breaks", []):
        if item == "public_votes":
            breaks.append(_("more public votes"))
        elif item.startswith("criterion:"):
            breaks.append(
                _("the higher score on “%(criterion)s”")
                % {"criterion": titles.get(item.split(":", 1)[1], item)}
            )
    if breaks:
        sentences.append(_("Ties are broken by: %(rules)s.") % {"rules": "; ".join(breaks)})
    minimum = int(float(rules.get("min_jurors", 1)))
    sentences.append(
        ngettext(
            "Each entry is scored by at least %(count)s juror.",
            "Each entry is scored by at least %(count)s jurors.",
            minimum,
        )
        % {"count": minimum}
    )
    sentences.append(
        _(
            "Entries whose jurors' totals differ by more than %(threshold)s points are discussed before the results are final."
        )
        % {"threshold": _number(rules.get("disagreement_threshold", 3))}
    )
    return sentences


def results_view(document: dict[str, Any]) -> dict[str, Any]:
    """The results document (as published or archived) shaped for the results page."""
    rules = document["regulations"]
    body = document["results"]
    criteria = [
        {"code": item["code"], "title": localised(item), "weight": item["weight"]}
        for item in rules["criteria"]
    ]
    codes = [item["code"] for item in criteria]
    chosen = f"{body['rule']}+z" if body["normalise"] else body["rule"]
    variants: list[dict[str, Any]] = [
        {"name": f"{rule}+z" if normalise else rule, "label": rule_label(rule, normalise)}
        for rule in RULE_ORDER
        for normalise in (False, True)
    ]
    for variant in variants:
        variant["chosen"] = variant["name"] == chosen
    titles = {row["entry"]: row["title"] for row in body["entries"]}
    nominations = []
    for nomination in rules["nominations"]:
        rows = []
        for row in body["entries"]:
            if row["nomination"] != nomination["code"]:
                continue
            what_if = body["what_if"]
            rows.append(
                {
                    **row,
                    "cells": [row["criteria"].get(code) for code in codes],
                    "jurors_table": [
                        (pseudonym, [values.get(code) for code in codes])
                        for pseudonym, values in sorted(row["by_juror"].items())
                    ],
                    "what_if": [
                        what_if.get(variant["name"], {})
                        .get(str(row["entry"]), {})
                        .get("combined_rank")
                        for variant in variants
                    ],
                }
            )
        nominations.append(
            {"code": nomination["code"], "title": localised(nomination), "rows": rows}
        )
    audience = [
        {
            "nomination": localised(item),
            "entries": [
                titles.get(entry, str(entry))
                for entry in body["audience_award"].get(item["code"], [])
            ],
        }
        for item in rules["nominations"]
        if body["audience_award"].get(item["code"])
    ]
    return {
        "criteria": criteria,
        "nominations": nominations,
        "variants": variants,
        "chosen_label": rule_label(body["rule"], body["normalise"]),
        "rule_text": rule_in_words(rules),
        "disputed": [
            {"entry": entry, "title": titles.get(entry, str(entry))} for entry in body["disputed"]
        ],
        "discussed": document.get("discussed", []),
        "separate_award": body["combination"] != "rank_weighted",
        "audience": audience,
        "regulations_version": document.get("regulations_version"),
    }
