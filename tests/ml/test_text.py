"""Language, tokens, lemmas and stems."""

from ml.text import content_terms, content_terms_with_words, detect_language, normal_form, tokenize


def test_language() -> None:
    assert detect_language("Больше парков у реки") == "ru"
    assert detect_language("More parks by the river") == "en"
    assert detect_language("Парк имени Gorky") == "ru"


def test_tokens_fold_yo() -> None:
    assert tokenize("Ёлки, ЕЛКИ и wi-fi!") == ["елки", "елки", "и", "wi-fi"]


def test_russian_lemmas_without_stop_words() -> None:
    assert content_terms("Просим отремонтировать дороги в нашем дворе") == [
        "отремонтировать",
        "дорога",
        "двор",
    ]
    assert normal_form("дорогами") == "дорога"


def test_english_stems_keep_the_written_word() -> None:
    pairs = content_terms_with_words("Affordable housing for the people of the city")
    assert ("hous", "housing") in pairs
    assert all(word not in {"the", "for", "of"} for _, word in pairs)
