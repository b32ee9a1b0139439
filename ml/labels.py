"""Keyword labels for groups of ideas: class-based TF-IDF over lemmas and stems.

API:

- ``group_keywords(texts: Sequence[str], groups: Sequence[Sequence[int]], top: int = 5)
  -> list[list[str]]`` — for each group (a list of indices into ``texts``) its ``top`` keywords,
  most distinctive first.

Each group is treated as one document (BERTopic's c-TF-IDF): a term's weight in group ``c`` is
``tf(t, c) · log(1 + A / f(t))`` with ``A`` the average number of terms per group and ``f(t)``
the term's frequency over all groups, so words every group uses («улица», "city") sink and the
words that set a group apart rise. Terms are Russian lemmas and English Snowball stems with stop
words removed (``ml.text.content_terms``); an English stem is shown as the word people wrote most
often, so a label reads "housing", not "hous". A term must occur in two ideas of the group
(when the group has two or more) so that one verbose idea cannot name the whole group.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

from ml.text import content_terms_with_words


def group_keywords(
    texts: Sequence[str], groups: Sequence[Sequence[int]], top: int = 5
) -> list[list[str]]:
    """The ``top`` most distinctive keywords of every group, in the order of ``groups``."""
    return keywords_from_terms([content_terms_with_words(text) for text in texts], groups, top)


def keywords_from_terms(
    analysed: Sequence[Sequence[tuple[str, str]]], groups: Sequence[Sequence[int]], top: int = 5
) -> list[list[str]]:
    """``group_keywords`` for texts already analysed by ``ml.text.content_terms_with_words``."""
    term_counts: list[Counter[str]] = []
    idea_counts: list[Counter[str]] = []
    shown: dict[str, Counter[str]] = {}
    for members in groups:
        counts: Counter[str] = Counter()
        ideas: Counter[str] = Counter()
        for index in members:
            pairs = analysed[index]
            counts.update(term for term, _ in pairs)
            ideas.update({term for term, _ in pairs})
            for term, word in pairs:
                shown.setdefault(term, Counter())[word] += 1
        term_counts.append(counts)
        idea_counts.append(ideas)
    if not term_counts:
        return []
    total: Counter[str] = Counter()
    for counts in term_counts:
        total.update(counts)
    average_size = sum(total.values()) / len(term_counts) or 1.0
    labels: list[list[str]] = []
    for members, counts, ideas in zip(groups, term_counts, idea_counts, strict=True):
        size = sum(counts.values()) or 1
        minimum_ideas = 2 if len(members) >= 2 else 1
        scored = [
            (count / size * math.log(1.0 + average_size / total[term]), term)
            for term, count in counts.items()
            if ideas[term] >= minimum_ideas
        ]
        scored.sort(key=lambda item: (-item[0], item[1]))
        labels.append([shown[term].most_common(1)[0][0] for _, term in scored[:top]])
    return labels
