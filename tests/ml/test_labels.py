"""Class-based TF-IDF keywords."""

from ml.labels import group_keywords

TEXTS = [
    "Починить лифт в подъезде",
    "Лифт не работает третий день",
    "Сломан лифт, застревает между этажами",
    "Убрать мусор во дворе",
    "Мусор не вывозят со двора",
    "Переполнены мусорные баки, мусор везде",
]


def test_each_group_is_named_by_its_own_lemmas() -> None:
    labels = group_keywords(TEXTS, [[0, 1, 2], [3, 4, 5]], top=3)
    assert labels[0][0] == "лифт"
    assert labels[1][0] == "мусор"
    assert "лифт" not in labels[1]


def test_english_labels_are_words_not_stems() -> None:
    texts = [
        "Affordable housing near transit",
        "More affordable housing units",
        "Housing prices are too high",
        "Clean the rivers and lakes",
        "Rivers are polluted by farms",
        "Protect rivers from pollution",
    ]
    labels = group_keywords(texts, [[0, 1, 2], [3, 4, 5]], top=2)
    assert labels[0][0] == "housing"
    assert labels[1][0] == "rivers"


def test_no_groups() -> None:
    assert group_keywords(TEXTS, []) == []
