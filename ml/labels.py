"""Keyword labels for groups of ideas: class-based TF-IDF over lemmas and stems.

API:

- ``group_keywords(texts: Sequence[str], groups: Sequence[Sequence[int]], top: int = 5)
  -> list[list[str]]`` — for each group (a list of indices into ``texts``) its ``top`` keywords,
  most distinctive first, each in a form residents wrote (``shown_form``).
- ``short_label(texts, members, keywords) -> str`` — a two- or three-word label for one group,
  a phrase its ideas use («Вывоз мусора»), for the group's title.

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

from ml.text import content_terms_with_words, written_tokens


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
        labels.append([shown_form(term, shown[term]) for _, term in scored[:top]])
    return labels


def shown_form(term: str, written: Counter[str]) -> str:
    """How to show a term: a form people wrote, never a form nobody wrote.

    The dictionary form when residents wrote it about as often as any other form («двор», not
    «дворе»), else the form written most often; «ё» stays as written («тёплый»).
    """
    ranked = sorted(written.items(), key=lambda item: (-item[1], item[0]))
    best, best_count = ranked[0]
    for form, count in ranked:
        if form.replace("ё", "е") == term and 2 * count >= best_count:
            return form
    return best


def short_label(
    texts: Sequence[str], members: Sequence[int], keywords: Sequence[str], *, longest: int = 3
) -> str:
    """A label of two or three words for a group, as its ideas phrase it («вывоз мусора»).

    The phrase (two or three consecutive words, the first and the last of them content words)
    used by the most ideas of the group, favouring phrases with the group's keywords; phrases
    are compared by their terms, so «вывоз мусора» and «вывозом мусора» count together and the
    form written most often is shown. Falls back to the first two keywords.
    """
    keyword_rank = {word.replace("ё", "е"): len(keywords) - i for i, word in enumerate(keywords)}
    ideas: Counter[tuple[str, ...]] = Counter()
    forms: dict[tuple[str, ...], Counter[str]] = {}
    for index in members:
        tokens = written_tokens(texts[index])
        terms = dict(enumerate(_token_terms(tokens)))
        seen: set[tuple[str, ...]] = set()
        for start in range(len(tokens)):
            for size in range(2, longest + 1):
                stop = start + size
                if stop > len(tokens) or terms.get(start) is None or terms.get(stop - 1) is None:
                    continue
                if any(token[0].isdigit() for token in tokens[start:stop]):
                    continue
                key = tuple(terms.get(i) or tokens[i] for i in range(start, stop))
                if len(set(key)) < size:
                    continue
                forms.setdefault(key, Counter())[" ".join(tokens[start:stop])] += 1
                seen.add(key)
        ideas.update(seen)
    best: tuple[float, str] | None = None
    for key, count in ideas.items():
        if count < 2:
            continue
        shown_words = [word.replace("ё", "е") for word in forms[key].most_common(1)[0][0].split()]
        weight = sum(keyword_rank.get(word, 0) for word in shown_words) + sum(
            keyword_rank.get(term, 0) for term in key
        )
        if weight == 0:
            continue
        score = count * (1.0 + weight) / (1.0 + 0.25 * (len(key) - 2))
        phrase = forms[key].most_common(1)[0][0]
        if best is None or score > best[0] or (score == best[0] and phrase < best[1]):
            best = (score, phrase)
    label = best[1] if best else ", ".join(keywords[:2])
    return label[:1].upper() + label[1:]


def _token_terms(tokens: Sequence[str]) -> list[str | None]:
    """The content term of each written token, ``None`` for stop words and numbers."""
    return [
        pairs[0][0] if pairs else None
        for pairs in (content_terms_with_words(token) for token in tokens)
    ]
