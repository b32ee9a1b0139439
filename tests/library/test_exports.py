"""practices.csv (a spreadsheet's table, formula-safe) and practices.json, under the filters and the read rule."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.test import Client

from library import operations
from library.exports import FORMAT
from tests.library.conftest import Shelf

pytestmark = pytest.mark.django_db


def read_csv(response: object) -> list[list[str]]:
    body = response.content  # type: ignore[attr-defined]
    assert body.startswith("\ufeff".encode())  # Excel opens UTF-8 only with the mark
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline=""), delimiter=";"))


def test_csv_holds_every_public_practice_with_headers_in_the_readers_language(shelf: Shelf) -> None:
    response = Client(HTTP_ACCEPT_LANGUAGE="ru").get("/library/practices.csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="veche-library.csv"' in response["Content-Disposition"]
    assert b"\r\n" in response.content
    rows = read_csv(response)
    header, body = rows[0], rows[1:]
    assert header[0] == "Номер" and header[2:5] == ["Номинация", "Год", "Территория"]
    by_title = {row[1]: dict(zip(header, row, strict=True)) for row in body}
    assert set(by_title) == {"Каток всем двором", "Двор без границ", "Уличная библиотека", "Зелёный квартал"}
    katok = by_title["Каток всем двором"]
    assert katok["Номинация"] == "Лучшая практика ТОС" and katok["Год"] == "2026"
    assert katok["Контакты"] == "Каток всем двором: pochta@example.ru"
    assert katok["Адрес"].endswith(f"/library/{shelf.practice('Каток всем двором').pk}/")
    english = read_csv(Client(HTTP_ACCEPT_LANGUAGE="en").get("/library/practices.csv"))
    assert english[0][:4] == ["Number", "Title", "Nomination", "Year"]


def test_csv_and_json_honour_the_filters(shelf: Shelf) -> None:
    client = Client()
    rows = read_csv(client.get("/library/practices.csv", {"year": "2025"}))
    assert [row[1] for row in rows[1:]] == ["Зелёный квартал"]
    document = json.loads(client.get("/library/practices.json", {"nomination": "nko"}).content)
    assert [item["title"] for item in document["practices"]] == ["Уличная библиотека"]
    assert document["filters"] == {"nomination": "nko"} and document["count"] == 1
    searched = json.loads(client.get("/library/practices.json", {"q": "катком"}).content)
    assert searched["practices"][0]["title"] == "Каток всем двором"
    assert client.get("/library/practices.csv", {"year": "20"}).status_code == 400


def test_json_is_the_cards_as_the_api_shows_them(shelf: Shelf) -> None:
    response = Client(HTTP_ACCEPT_LANGUAGE="ru").get("/library/practices.json")
    assert response["Content-Type"] == "application/json; charset=utf-8"
    document = json.loads(response.content)
    assert document["format"] == FORMAT and document["count"] == 4
    item = next(item for item in document["practices"] if item["title"] == "Зелёный квартал")
    assert item["year"] == 2025 and item["territory"] == "Самара" and item["version"] == 1
    assert item["problem"].startswith("Во дворах квартала не было ни деревьев")
    assert set(item) >= {"problem", "actions", "resources", "results", "contacts", "photos", "prizes", "nomination"}


def test_a_cell_a_spreadsheet_would_run_is_defused(shelf: Shelf) -> None:
    practice = shelf.practice("Уличная библиотека")
    operations.practice_update(
        practice=practice, actor=shelf.team, data={"title": '=HYPERLINK("http://evil.example","книги")'}
    )
    rows = read_csv(Client().get("/library/practices.csv"))
    cells = [row[1] for row in rows[1:]]
    assert "'=HYPERLINK(\"http://evil.example\",\"книги\")" in cells
    assert not any(cell.startswith("=") for row in rows for cell in row)
