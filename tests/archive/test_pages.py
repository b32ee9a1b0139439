"""Public archive pages through Django's client: status, content, privacy, escaping, languages."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.fixture
def client() -> Client:
    return Client()


def test_list_page(built, client):
    response = client.get("/archive/")
    assert response.status_code == 200
    html = response.content.decode()
    assert built.session.title in html and built.session.question in html
    assert f'href="/archive/{built.archive.pk}/"' in html
    assert '<html lang="ru">' in html and "Архив" in html
    assert 'id="main"' in html and "<h1>" in html
    assert client.get("/archive/", {"city": "тольятти"}).content.decode().count("archive-list") == 0
    assert client.get("/archive/", {"date_from": "bad"}).status_code == 200


def test_outcome_page(built, client):
    response = client.get(f"/archive/{built.archive.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert built.archive.sha256 in html
    assert built.ideas["park"].text in html
    assert "Парки и набережные" in html
    assert 'media="print"' in html and "archive/print.css" in html
    assert f"/api/v1/archive/{built.archive.pk}/comments.csv" in html
    assert "<caption" in html and 'scope="col"' in html


def test_outcome_page_escapes_and_leaks_nothing(built, client):
    html = client.get(f"/archive/{built.archive.pk}/").content.decode()
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html
    for person in built.participants:
        assert person.display_name not in html and person.token not in html
    assert built.ideas["rude"].text not in html
    assert built.session.join_code not in html


def test_search_page(built, client):
    response = client.get("/archive/search/", {"q": "парки"})
    assert response.status_code == 200
    html = response.content.decode()
    assert built.ideas["park"].text in html
    assert 'role="search"' in html and '<label for="search-q"' in html
    response = client.get("/archive/search/", {"q": "<script>alert(1)</script>"})
    assert response.status_code == 200
    assert "<script>alert(1)" not in response.content.decode()
    assert client.get("/archive/search/").status_code == 200
    assert client.get("/archive/search/", {"q": "x" * 300}).status_code == 400


def test_private_and_missing_archives_are_404(built, client):
    built.session.is_public = False
    from ideas.models import CaseSession

    CaseSession.objects.filter(pk=built.session.pk).update(is_public=False)
    assert client.get(f"/archive/{built.archive.pk}/").status_code == 404
    assert client.get("/archive/999999/").status_code == 404
    assert built.session.title not in client.get("/archive/").content.decode()


def test_english_on_request(built, client):
    html = client.get(f"/archive/{built.archive.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="en">' in html and "Turnout" in html
    html = client.get(f"/archive/{built.archive.pk}/").content.decode()
    assert "Явка" in html
