"""Class-based TF-IDF keywords."""

from ml.labels import group_keywords, short_label

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


GROUPED = [
    "Вывоз мусора с площадки не производится",
    "Не вывозят мусор, переполнены контейнеры",
    "Вывоз мусора раз в неделю мало",
    "Тёплые остановки нужны зимой",
    "Сделать тёплые остановки у школы",
    "Остановка без навеса, зимой холодно",
]


def test_keywords_keep_the_written_form_and_yo() -> None:
    labels = group_keywords(GROUPED, [[0, 1, 2], [3, 4, 5]], top=4)
    assert labels[0][:2] == ["мусор", "вывоз"]  # the dictionary form, which people wrote
    assert "тёплые" in labels[1]  # nobody wrote «теплый»: the written form, with its ё


def test_short_label_is_a_phrase_the_ideas_use() -> None:
    keywords = group_keywords(GROUPED, [[0, 1, 2], [3, 4, 5]], top=4)
    assert short_label(GROUPED, [0, 1, 2], keywords[0]) == "Вывоз мусора"
    assert short_label(GROUPED, [3, 4, 5], keywords[1]) == "Тёплые остановки"


def test_short_label_falls_back_to_keywords() -> None:
    texts = ["Лифт сломан", "Лифт стоит", "Шумит лифт"]
    assert short_label(texts, [0, 1, 2], ["лифт", "шумит"]) == "Лифт, шумит"
