"""The library's pages: the shelf (search, filters, plurals in Russian), a card, the team's forms."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from library.models import Practice
from tests.library.conftest import Shelf

pytestmark = pytest.mark.django_db


def client(user: Any = None, language: str = "ru") -> Client:
    made = Client(HTTP_ACCEPT_LANGUAGE=language)
    if user is not None:
        made.force_login(user)
    return made


def text_of(response: Any) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def test_the_shelf_lists_filters_and_counts_in_russian_and_english(shelf: Shelf) -> None:
    page = client().get("/library/")
    assert page.status_code == 200
    body = text_of(page)
    assert "Библиотека практик" in body and "4 практики" in body
    assert "1 практика" in text_of(client().get("/library/", {"year": "2025"}))
    assert "Найдена 1 практика" in text_of(client().get("/library/", {"q": "катком", "year": "2026", "nomination": "tos", "territory": "Центральный район"}))
    english = text_of(client(language="en").get("/library/"))
    assert "Library of practices" in english and "4 practices" in english
    # The filters offer only what public cards have: the hidden ones' territory values aside.
    html = page.content.decode()
    assert '<option value="2025">2025</option>' in html and '<option value="nko">Лучшая практика НКО</option>' in html
    # Download links carry the same filters.
    filtered = client().get("/library/", {"year": "2025", "q": "двор"}).content.decode()
    assert "/library/practices.csv?q=%D0%B4%D0%B2%D0%BE%D1%80&amp;year=2025" in filtered


def test_a_bad_filter_is_a_400_in_words(shelf: Shelf) -> None:
    response = client().get("/library/", {"year": "позапрошлый"})
    assert response.status_code == 400
    assert "Год — четыре цифры" in text_of(response)


def test_the_card_shows_the_story_the_history_and_similar_practices(shelf: Shelf) -> None:
    from library import operations

    practice = shelf.practice("Двор без границ")
    operations.practice_update(practice=practice, actor=shelf.team, data={"results": "Уже 150 детей"}, note="Новые итоги")
    body = text_of(client().get(f"/library/{practice.pk}/"))
    for words in ("Двор без границ", "Проблема", "Что сделано", "Уже 150 детей", "Лучшая практика ТОС", "2026",
                  "История версий", "сохранена 1 прежняя версия", "Новые итоги", "Похожие практики",
                  "Каждый день во дворе играют около 120 детей"):
        assert words in body, words
    assert "Обновить карточку" not in body  # a reader, not the team
    assert "Обновить карточку" in text_of(client(shelf.team).get(f"/library/{practice.pk}/"))


def test_the_team_updates_its_card_from_the_page(shelf: Shelf) -> None:
    practice = shelf.practice("Каток всем двором")
    assert client(shelf.stranger).get(f"/library/{practice.pk}/edit/").status_code == 403
    refused = client(shelf.stranger).post(f"/library/{practice.pk}/edit/", {"title": "Чужой каток"})
    assert refused.status_code == 403 and "Изменить практику может только её команда" in text_of(refused)
    assert client().get(f"/library/{practice.pk}/edit/").status_code == 302  # to the sign-in page
    form = client(shelf.team).get(f"/library/{practice.pk}/edit/")
    assert form.status_code == 200 and 'value="Каток всем двором"' in form.content.decode()
    fields = {name: getattr(practice.current_version, name) for name in
              ("title", "organisation", "territory", "problem", "actions", "resources", "results", "contacts")}
    unchanged = client(shelf.team).post(f"/library/{practice.pk}/edit/", fields)
    assert unchanged.status_code == 400 and "Ничего не изменилось" in text_of(unchanged)
    saved = client(shelf.team).post(f"/library/{practice.pk}/edit/", {**fields, "results": "Три зимы", "note": "Итоги"})
    assert saved.status_code == 302
    assert practice.versions.count() == 2
    withdrawn = client(shelf.team).post(f"/library/{practice.pk}/edit/", {"withdraw": "1", "reason": "Пауза"})
    assert withdrawn.status_code == 302
    assert client().get(f"/library/{practice.pk}/").status_code == 404


def test_the_team_publishes_from_the_page_only_with_the_box_ticked(bare_shelf: Shelf) -> None:
    entry = bare_shelf.entries["Уличная библиотека"]
    url = f"/library/publish/{entry.pk}/"
    form = client(bare_shelf.team).get(url)
    assert form.status_code == 200 and "Наша команда согласна" in text_of(form)
    unticked = client(bare_shelf.team).post(url, {"public_contacts": "kniga@example.ru"})
    assert unticked.status_code == 400 and not Practice.objects.exists()
    done = client(bare_shelf.team).post(url, {"public_contacts": "kniga@example.ru", "agree": "1"})
    assert done.status_code == 302
    practice = Practice.objects.get(entry=entry)
    assert done["Location"] == f"/library/{practice.pk}/"
    again = client(bare_shelf.team).post(url, {"agree": "1"})
    assert again.status_code == 409 and "уже в библиотеке" in text_of(again)
    organiser = client(bare_shelf.organiser).post(f"/library/publish/{bare_shelf.entries['Двор без границ'].pk}/", {"agree": "1"})
    assert organiser.status_code == 400 and "Опишите письменное согласие" in text_of(organiser)
