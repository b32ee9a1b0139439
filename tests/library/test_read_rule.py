"""The one read rule, walked as an outsider over every surface: page, API, search, CSV, JSON.

Only consented, not withdrawn practices exist for readers. «Серебряный университет» (withdrawn)
and «Тайный проект» (no consent) must not appear anywhere, for anyone: anonymous, a stranger
signed in, even the organiser (the library is a public shelf; organisers see entries in the
contest itself).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from library.models import Practice
from tests.conftest import client_for
from tests.library.conftest import HIDDEN_TITLES, PUBLIC_TITLES, Shelf

pytestmark = pytest.mark.django_db

# Queries that match the hidden cards by their own words, so a leak would show.
QUERIES = ["пенсионеры компьютерная грамотность", "тайный проект", "каток", "книги"]


def readers(shelf: Shelf) -> dict[str, Any]:
    return {"anonymous": None, "stranger": shelf.stranger, "organiser": shelf.organiser}


def page_client(user: Any) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="ru")
    if user is not None:
        client.force_login(user)
    return client


@pytest.mark.parametrize("reader", ["anonymous", "stranger", "organiser"])
def test_only_consented_practices_reach_any_surface(shelf: Shelf, reader: str) -> None:
    user = readers(shelf)[reader]
    page, api = page_client(user), client_for(user)
    bodies: dict[str, str] = {
        "list page": page.get("/library/").content.decode(),
        "api list": json.dumps(api.get("/api/v1/library/").json(), ensure_ascii=False),
        "csv": page.get("/library/practices.csv").content.decode("utf-8-sig"),
        "json": page.get("/library/practices.json").content.decode(),
    }
    for query in QUERIES:
        bodies[f"search page {query}"] = page.get("/library/", {"q": query}).content.decode()
        bodies[f"api search {query}"] = json.dumps(api.get("/api/v1/library/", {"q": query}).json(), ensure_ascii=False)
        bodies[f"csv {query}"] = page.get("/library/practices.csv", {"q": query}).content.decode("utf-8-sig")
        bodies[f"json {query}"] = page.get("/library/practices.json", {"q": query}).content.decode()
    for title in PUBLIC_TITLES:
        bodies[f"card {title}"] = page.get(f"/library/{shelf.practice(title).pk}/").content.decode()
    leaks = {surface: title for surface, body in bodies.items() for title in HIDDEN_TITLES if title in body}
    assert leaks == {}
    listed = bodies["list page"] + bodies["api list"] + bodies["csv"] + bodies["json"]
    assert all(title in listed for title in PUBLIC_TITLES)


@pytest.mark.parametrize("reader", ["anonymous", "stranger", "organiser"])
def test_a_withdrawn_practice_answers_404_on_the_page_and_the_api(shelf: Shelf, reader: str) -> None:
    user = readers(shelf)[reader]
    withdrawn = shelf.practice("Серебряный университет")
    assert page_client(user).get(f"/library/{withdrawn.pk}/").status_code == 404
    response = client_for(user).get(f"/api/v1/library/{withdrawn.pk}/", HTTP_ACCEPT_LANGUAGE="ru")
    assert response.status_code == 404
    assert response.json()["detail"] == "Такой практики в библиотеке нет."


def test_an_entry_without_consent_has_no_card_anywhere(shelf: Shelf) -> None:
    secret = shelf.entries["Тайный проект"]
    assert not Practice.objects.filter(entry=secret).exists()
    # Every practice id that exists is public or withdrawn; the next ids answer 404 as well.
    top = Practice.objects.order_by("-pk").first()
    assert top is not None
    for pk in (top.pk + 1, top.pk + 2):
        assert page_client(None).get(f"/library/{pk}/").status_code == 404
        assert client_for(None).get(f"/api/v1/library/{pk}/").status_code == 404
    # The publish page does not even name the entry to someone who is not its team.
    response = page_client(shelf.stranger).get(f"/library/publish/{secret.pk}/")
    assert response.status_code == 403 and "Тайный" not in response.content.decode()


def test_similar_practices_never_show_a_hidden_one(shelf: Shelf) -> None:
    for title in PUBLIC_TITLES:
        detail = client_for(None).get(f"/api/v1/library/{shelf.practice(title).pk}/").json()
        assert not {item["title"] for item in detail["similar"]} & set(HIDDEN_TITLES)


def test_a_withdrawn_card_disappears_at_once_and_returns_when_published_again(shelf: Shelf) -> None:
    from library import operations

    practice = shelf.practice("Каток всем двором")
    assert "Каток всем двором" in page_client(None).get("/library/", {"q": "каток"}).content.decode()
    operations.practice_withdraw(practice=practice, actor=shelf.team, reason="Команда передумала")
    assert "Каток всем двором" not in page_client(None).get("/library/", {"q": "каток"}).content.decode()
    assert "Каток всем двором" not in page_client(None).get("/library/practices.csv").content.decode("utf-8-sig")
    operations.practice_publish(entry=shelf.entries["Каток всем двором"], actor=shelf.team)
    assert page_client(None).get(f"/library/{practice.pk}/").status_code == 200
