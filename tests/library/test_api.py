"""/api/v1/library/: list with filters and search, the card, publish/update/withdraw with 4xx in words."""

from __future__ import annotations

import pytest

from library.models import Practice
from tests.conftest import client_for
from tests.library.conftest import Shelf

pytestmark = pytest.mark.django_db


def test_anonymous_cannot_publish_and_is_told_so(bare_shelf: Shelf) -> None:
    response = client_for(None).post(
        "/api/v1/library/", {"entry": bare_shelf.entries["Каток всем двором"].pk}, format="json",
        HTTP_ACCEPT_LANGUAGE="ru",
    )
    assert response.status_code == 401
    assert response.json()["detail"] == "Войдите как команда заявки или организатор конкурса."
    assert not Practice.objects.exists()


def test_a_stranger_is_refused_in_their_language(bare_shelf: Shelf) -> None:
    entry = bare_shelf.entries["Каток всем двором"]
    for language, words in (("ru", "Согласиться на публикацию может только команда"), ("en", "Only the entry's team")):
        response = client_for(bare_shelf.stranger).post(
            "/api/v1/library/", {"entry": entry.pk}, format="json", HTTP_ACCEPT_LANGUAGE=language
        )
        assert response.status_code == 403
        assert response.json()["detail"].startswith(words)
    assert not Practice.objects.exists()


def test_bad_requests_are_400_or_404_in_words(bare_shelf: Shelf) -> None:
    client = client_for(bare_shelf.team)
    assert client.post("/api/v1/library/", {"entry": 10**9}, format="json").status_code == 404
    assert client.post("/api/v1/library/", {"entry": "x"}, format="json").status_code == 400
    assert client.post("/api/v1/library/", ["x"], format="json").status_code == 400
    response = client.get("/api/v1/library/", {"year": "двадцать"}, HTTP_ACCEPT_LANGUAGE="ru")
    assert response.status_code == 400 and "четыре цифры" in str(response.json())
    assert client.get("/api/v1/library/", {"q": "я" * 201}).status_code == 400
    assert not Practice.objects.exists()


def test_the_team_publishes_updates_and_withdraws_through_the_api(bare_shelf: Shelf) -> None:
    team = client_for(bare_shelf.team)
    created = team.post(
        "/api/v1/library/",
        {"entry": bare_shelf.entries["Каток всем двором"].pk, "public_contacts": "katok@example.ru"}, format="json",
    )
    assert created.status_code == 201, created.content
    card = created.json()
    assert card["title"] == "Каток всем двором" and card["contacts"] == "katok@example.ru" and card["version"] == 1
    stranger = client_for(bare_shelf.stranger).patch(f"/api/v1/library/{card['id']}/", {"results": "x"}, format="json")
    assert stranger.status_code == 403
    updated = team.patch(
        f"/api/v1/library/{card['id']}/", {"results": "Три зимы, 1 200 человек", "note": "Итоги"}, format="json"
    )
    assert updated.status_code == 200, updated.content
    detail = updated.json()
    assert detail["version"] == 2 and detail["results"] == "Три зимы, 1 200 человек"
    assert [version["number"] for version in detail["versions"]] == [2, 1]
    assert detail["versions"][1]["results"] == "За сезон приходят более 400 человек, прошли турниры двора."
    assert team.post(f"/api/v1/library/{card['id']}/withdraw/", {"reason": "Пауза"}, format="json").status_code == 204
    assert client_for(None).get(f"/api/v1/library/{card['id']}/").status_code == 404
    # Withdrawn means gone for the API too: updating it now is a 404, nothing written.
    assert team.patch(f"/api/v1/library/{card['id']}/", {"results": "y"}, format="json").status_code == 404
    assert Practice.objects.get(pk=card["id"]).versions.count() == 2


def test_list_filters_and_search(shelf: Shelf) -> None:
    client = client_for(None)

    def titles(**params: object) -> list[str]:
        response = client.get("/api/v1/library/", params)
        assert response.status_code == 200
        return [row["title"] for row in response.json()["results"]]

    assert set(titles()) == {"Каток всем двором", "Двор без границ", "Уличная библиотека", "Зелёный квартал"}
    assert titles(year=2025) == ["Зелёный квартал"]
    assert titles(nomination="nko") == ["Уличная библиотека"]
    assert titles(territory="Центральный район") == ["Каток всем двором"]
    assert titles(q="катком")[0] == "Каток всем двором"
    assert set(titles(q="каток", year=2025)) <= {"Зелёный квартал"}  # the filter holds under search too
    page = client.get("/api/v1/library/", {"limit": 1}).json()
    assert page["count"] == 4 and len(page["results"]) == 1 and page["next"]


def test_the_card_lists_versions_similar_practices_and_prizes(shelf: Shelf) -> None:
    practice = shelf.practice("Каток всем двором")
    detail = client_for(None).get(f"/api/v1/library/{practice.pk}/", HTTP_ACCEPT_LANGUAGE="en").json()
    assert detail["nomination_title"] == "Best TOS practice" and detail["year"] == 2026
    assert detail["contest"] == "Конкурс лучших практик ТОС и НКО"
    assert [version["number"] for version in detail["versions"]] == [1]
    assert detail["prizes"] == [] and isinstance(detail["similar"], list)
    assert detail["url"].endswith(f"/library/{practice.pk}/")


def test_the_library_is_in_the_openapi_schema() -> None:
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    paths = schema["paths"]
    assert {"/api/v1/library/", "/api/v1/library/{id}/", "/api/v1/library/{id}/withdraw/"} <= set(paths)
    parameters = {parameter["name"] for parameter in paths["/api/v1/library/"]["get"]["parameters"]}
    assert {"q", "nomination", "territory", "year", "limit", "offset"} <= parameters
    assert "patch" in paths["/api/v1/library/{id}/"] and "post" in paths["/api/v1/library/"]
