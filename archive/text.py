"""Word normalisation for the archive's lexical search where PostgreSQL is absent.

PostgreSQL's full-text search stems with its `russian` and `english` configurations.
SQLite has nothing of the kind, so both the stored texts and the query are reduced
to the same terms here: pymorphy3 lemmas for Russian words (so «парки» meets «парк»)
and Snowball stems for English ones. `ml.text` supplies the tokenizer and the
cached lemmatiser, so the archive and the ML pipeline agree on what a word is.
"""

from __future__ import annotations

from functools import lru_cache

import snowballstemmer

from ml.text import ENGLISH_STOPS, RUSSIAN_STOP_WORDS, morph, normal_form, tokenize

_english = snowballstemmer.stemmer("english")


@lru_cache(maxsize=100_000)
def _english_stem(word: str) -> str:
    return str(_english.stemWord(word))


@lru_cache(maxsize=200_000)
def _russian_lemmas(word: str) -> tuple[str, ...]:
    """Every lemma pymorphy3 considers for a word form, most likely first.

    The most likely one alone is not enough: «парки» is first parsed as a form of
    «парка» (a jacket), so a search for «парки» would miss «парк». Keeping every
    candidate on both sides (query and texts) trades a little precision for the
    recall a resident expects.
    """
    lemmas = dict.fromkeys(parse.normal_form.replace("ё", "е") for parse in morph().parse(word))
    return tuple(lemmas) or (normal_form(word),)


def word_terms(text: str) -> list[tuple[str, ...]]:
    """For each distinct word of the text, the terms any of which may stand for it."""
    words: dict[tuple[str, ...], None] = {}
    for token in tokenize(text):
        if len(token) < 2:
            continue
        if "а" <= token[0] <= "я":
            lemmas = _russian_lemmas(token)
            if lemmas[0] in RUSSIAN_STOP_WORDS:
                continue
            words[lemmas] = None
        elif token.isdigit():
            words[(token,)] = None
        else:
            if token in ENGLISH_STOPS:
                continue
            words[(_english_stem(token),)] = None
    return list(words)


def search_terms(text: str) -> list[str]:
    """All terms of a text, flattened and distinct (what the SQLite index stores)."""
    return list(dict.fromkeys(term for alternatives in word_terms(text) for term in alternatives))


def lemma_field(text: str) -> str:
    """Terms joined with a space on both ends, so `LIKE '% term %'` matches whole terms only."""
    terms = search_terms(text)
    return f" {' '.join(terms)} " if terms else ""
