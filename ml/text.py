"""Text helpers shared by screening, the lexical channel and the keyword labels.

API:

- ``detect_language(text: str) -> str`` — ``"ru"`` or ``"en"`` by the share of Cyrillic letters
  (the platform serves Russian and English; anything else falls back to English stems).
- ``tokenize(text: str) -> list[str]`` — lower-cased word tokens (letters, digits, inner hyphens),
  ``ё`` folded into ``е``.
- ``normal_form(word: str) -> str`` — a Russian word's pymorphy3 lemma, cached.
- ``content_terms(text: str) -> list[str]`` — the text's meaningful terms: Russian lemmas of
  nouns, adjectives, verbs and adverbs, English Snowball stems, stop words and numbers removed.
  This is what the lexical channel and the keyword labels count.
- ``morph() -> pymorphy3.MorphAnalyzer`` — the process-wide analyser (loaded on first use, ~15 MB).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import snowballstemmer
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

_TOKEN_RE = re.compile(r"[0-9a-zа-я]+(?:-[0-9a-zа-я]+)*")
# The same tokens with «ё» kept, for showing words the way people wrote them.
_WRITTEN_TOKEN_RE = re.compile(r"[0-9a-zа-яё]+(?:-[0-9a-zа-яё]+)*")
_CYRILLIC_RE = re.compile(r"[а-яё]", re.IGNORECASE)
_LATIN_RE = re.compile(r"[a-z]", re.IGNORECASE)

# pymorphy3 parts of speech that carry topic (nouns, adjectives, verbs, participles, adverbs).
# Pronouns, prepositions, conjunctions, particles and interjections never name a topic.
_RU_CONTENT_POS = frozenset(
    {"NOUN", "ADJF", "ADJS", "COMP", "VERB", "INFN", "PRTF", "PRTS", "ADVB"}
)

# Lemmas that pass the part-of-speech filter yet say nothing about a city problem: the verbs
# of every petition ("просить", "сделать") and filler adverbs. Kept short on purpose: the
# class-based TF-IDF already discounts words common to all groups.
RUSSIAN_STOP_WORDS: frozenset[str] = frozenset(
    """
    и в во не что он на я с со как а то все всё она так его но да ты к у же вы за бы по только
    ее её мне было вот от меня еще ещё нет о из ему теперь когда даже ну вдруг ли если уже или ни
    быть был него до вас нибудь опять уж вам ведь там потом себя ничего ей может они тут где есть
    надо ней для мы тебя их чем была сам чтоб без будто чего раз тоже себе под будет ж тогда кто
    этот того потому этого какой совсем ним здесь этом один почти мой тем чтобы нее сейчас были
    куда зачем всех никогда можно при наконец два об другой хоть после над больше тот через эти
    нас про всего них какая много разве три эту моя впрочем хорошо свою этой перед иногда лучше
    чуть том нельзя такой им более всегда конечно всю между это весь очень свой который также
    просить просьба сделать делать мочь хотеть являться стать становиться год весьма каждый
    пожалуйста спасибо нужно необходимо очень просто снова давно сколько постоянно
    наш ваш твой мой свой сам самый такой этот тот весь который какой
    """.split()
)

ENGLISH_STOPS: frozenset[str] = frozenset(ENGLISH_STOP_WORDS) | frozenset(
    {"just", "like", "think", "people", "need", "want", "make", "really", "dont", "don", "t", "s"}
)

_morph: Any = None
_stemmer: Any = None


def morph() -> Any:
    """The process-wide pymorphy3 analyser; loading it costs ~0.3 s, so do it once."""
    global _morph
    if _morph is None:
        import pymorphy3

        _morph = pymorphy3.MorphAnalyzer()
    return _morph


def _english_stemmer() -> Any:
    global _stemmer
    if _stemmer is None:
        _stemmer = snowballstemmer.stemmer("english")
    return _stemmer


def detect_language(text: str) -> str:
    """``"ru"`` when Cyrillic letters are at least as many as Latin ones, else ``"en"``."""
    cyrillic = len(_CYRILLIC_RE.findall(text))
    latin = len(_LATIN_RE.findall(text))
    return "ru" if cyrillic and cyrillic >= latin else "en"


def tokenize(text: str) -> list[str]:
    """Lower-cased word tokens; ``ё`` becomes ``е`` so both spellings count as one word."""
    return _TOKEN_RE.findall(text.lower().replace("ё", "е"))


@lru_cache(maxsize=200_000)
def _ru_parse(word: str) -> tuple[str, str]:
    parse = morph().parse(word)[0]
    return parse.normal_form.replace("ё", "е"), str(parse.tag.POS or "")


def normal_form(word: str) -> str:
    """The most likely pymorphy3 lemma of a Russian word (cached: texts repeat their words)."""
    return _ru_parse(word)[0]


@lru_cache(maxsize=200_000)
def _en_stem(word: str) -> str:
    return str(_english_stemmer().stemWord(word))


def _is_cyrillic_word(token: str) -> bool:
    return "а" <= token[0] <= "я"


def content_terms(text: str) -> list[str]:
    """Lemmas (Russian) or stems (English) of the text's content words, in order.

    The script of each token decides how it is normalised, so a Russian idea that quotes an
    English brand name still yields sensible terms.
    """
    return [term for term, _ in content_terms_with_words(text)]


def written_tokens(text: str) -> list[str]:
    """Lower-cased word tokens as written (``ё`` kept), aligned with ``tokenize(text)``."""
    return _WRITTEN_TOKEN_RE.findall(text.lower())


def content_terms_with_words(text: str) -> list[tuple[str, str]]:
    """``(term, word)`` pairs: the normalised term and the word it came from, as written.

    Labels are counted by term (so «дороги» and «дорогу» are one keyword) but shown as a form
    people wrote (``ml.labels``): an English stem "hous" as "housing", «теплый» as «тёплой»
    when that is how residents spelled it.
    """
    terms: list[tuple[str, str]] = []
    for token, written in zip(tokenize(text), written_tokens(text), strict=False):
        if len(token) < 2 or token[0].isdigit():
            continue
        if _is_cyrillic_word(token):
            lemma, pos = _ru_parse(token)
            if pos and pos not in _RU_CONTENT_POS:
                continue
            if lemma in RUSSIAN_STOP_WORDS or len(lemma) < 3:
                continue
            terms.append((lemma, written))
        else:
            if token in ENGLISH_STOPS or len(token) < 3:
                continue
            terms.append((_en_stem(token), written))
    return terms
