"""Search by words (any word form) and by meaning (the real packaged encoder), filters, similar practices."""

from __future__ import annotations

import pytest

from library import operations
from library.search import library_search, similar_practices
from library.selectors import LibraryFilters
from tests.library.conftest import Shelf

pytestmark = pytest.mark.django_db


def titles(filters: LibraryFilters, **kwargs: object) -> list[str]:
    return [hit.practice.current_version.title for hit in library_search(filters, **kwargs)]  # type: ignore[union-attr]


def test_words_in_another_form_find_the_card(shelf: Shelf) -> None:
    # «коньках» / «шкафами» are not written on the cards; «коньков» / «шкафы-домики» are.
    assert titles(LibraryFilters(query="коньках"), semantic=False) == ["Каток всем двором"]
    assert titles(LibraryFilters(query="шкафами"), semantic=False) == ["Уличная библиотека"]


def test_meaning_finds_a_card_that_shares_no_word_with_the_query(shelf: Shelf) -> None:
    query = "зимние забавы на льду"  # the card speaks of «каток» and «коньки», never of ice or fun
    assert titles(LibraryFilters(query=query), semantic=False) == []
    hits = library_search(LibraryFilters(query=query))
    assert hits[0].practice.current_version.title == "Каток всем двором"  # type: ignore[union-attr]
    assert hits[0].channels == ["meaning"]
    greenery = library_search(LibraryFilters(query="озеленение двора, посадка деревьев"))
    assert greenery[0].practice.current_version.title == "Зелёный квартал"  # type: ignore[union-attr]


def test_filters_narrow_search_and_the_list(shelf: Shelf) -> None:
    query = "двор"
    assert set(titles(LibraryFilters(query=query, nomination="nko"))) <= {"Уличная библиотека"}
    assert titles(LibraryFilters(query=query, year=2025)) == ["Зелёный квартал"]
    assert titles(LibraryFilters(query=query, territory="Комсомольский район")) == ["Двор без границ"]
    assert titles(LibraryFilters(query=query, territory="Комсомольский район", year=2025)) == []


def test_search_reads_the_current_version_only(shelf: Shelf) -> None:
    practice = shelf.practice("Двор без границ")
    operations.practice_update(
        practice=practice, actor=shelf.team, data={"actions": "Построили скейт-парк и памптрек для подростков."}
    )
    assert "Двор без границ" in titles(LibraryFilters(query="скейт-парк"), semantic=False)
    # The words of version 1's actions («по рисункам детей») no longer find the card: only its history has them.
    assert "Двор без границ" in titles(LibraryFilters(query="заборы"), semantic=False)  # the problem is unchanged
    assert "Двор без границ" not in titles(LibraryFilters(query="рисунки"), semantic=False)


def test_similar_practices_come_from_the_embeddings(shelf: Shelf) -> None:
    twin = operations.practice_publish(entry=shelf.entries["Тайный проект"], actor=shelf.other_team)
    operations.practice_update(
        practice=twin, actor=shelf.other_team,
        data={
            "title": "Ледовая площадка во дворе",
            "problem": "Зимой детям двора негде кататься на коньках.",
            "actions": "Соседи залили во дворе каток и устроили прокат коньков.",
            "results": "Каток открыт всю зиму, приходят сотни детей.",
        },
    )
    katok = shelf.practice("Каток всем двором")
    found = similar_practices(katok)
    assert found and found[0][0].pk == twin.pk
    assert katok.pk not in {practice.pk for practice, _ in found}
    operations.practice_withdraw(practice=twin, actor=shelf.other_team)
    assert twin.pk not in {practice.pk for practice, _ in similar_practices(katok)}
