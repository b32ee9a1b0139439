"""Content-Security-Policy on every page, with no inline code for it to refuse; no-store on token pages."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

import pytest
from django.test import Client

from ideas.models import Stage
from tests.conftest import client_for
from tests.pages.conftest import phone_cookie

pytestmark = pytest.mark.django_db


class InlineCode(HTMLParser):
    """Collects what a strict CSP would refuse: inline scripts, style attributes and blocks, on* handlers."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self._in_inline_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = dict(attrs)
        if (
            tag == "script"
            and "src" not in names
            and names.get("type") not in ("application/json",)
        ):
            self._in_inline_script = True
        if tag == "style":
            self.found.append("<style>")
        for name, _value in attrs:
            if name == "style" or name.startswith("on"):
                self.found.append(f"<{tag} {name}=…>")

    def handle_data(self, data: str) -> None:
        if self._in_inline_script and data.strip():
            self.found.append(f"<script>{data.strip()[:40]}…")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_inline_script = False


def _inline_code(html: str) -> list[str]:
    parser = InlineCode()
    parser.feed(html)
    return parser.found


def _policy(response: Any) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


@pytest.fixture
def pages(
    session: Any, participant: Any, moderator: Any, post_idea: Any
) -> dict[str, Client | str]:
    """Every kind of page, with someone who may see it; the session shows results (bars drawn)."""
    idea = post_idea(session, participant)
    assert (
        client_for(participant)
        .put(f"/api/v1/ideas/{idea.pk}/vote/", {"value": 1}, format="json")
        .status_code
        == 200
    )
    session.stage = Stage.RESULTS
    session.save()
    phone = Client()
    name, value = phone_cookie(participant)
    phone.cookies[name] = value
    staff = Client()
    staff.force_login(moderator)
    anyone = Client()
    return {
        "/": anyone,
        f"/join/{session.join_code}": anyone,
        "/join/NOSUCH": anyone,
        f"/s/{session.pk}/": phone,
        f"/s/{session.pk}/live": phone,
        f"/s/{session.pk}/screen": staff,
        f"/s/{session.pk}/screen/live": staff,
        f"/s/{session.pk}/moderate": staff,
        f"/s/{session.pk}/moderate/live": staff,
        "/archive/": anyone,
        "/archive/search/?q=парк": anyone,
        "/api/docs/": anyone,
        "/admin/login/": anyone,
        "/admin/": staff,
    }


def test_every_page_has_a_strict_policy_and_nothing_inline_for_it_to_refuse(
    pages: dict[str, Client],
) -> None:
    for url, client in pages.items():
        response = client.get(url)
        expected = 404 if url == "/join/NOSUCH" else 200  # an unknown code's page is a 404 with a form
        assert response.status_code == expected, (url, response.status_code)
        policy = _policy(response)
        assert policy["script-src"] == ["'self'"], url
        assert policy["style-src"] == ["'self'"], url
        assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"], url
        assert _inline_code(response.content.decode()) == [], url


def test_the_big_screen_draws_its_bars_without_inline_styles(
    pages: dict[str, Client], session: Any
) -> None:
    html = (
        pages[f"/s/{session.pk}/screen/live"].get(f"/s/{session.pk}/screen/live").content.decode()
    )
    assert '<svg class="bar"' in html and '<rect width="100%"' in html


def test_the_api_docs_load_their_script_from_a_url(client: Client) -> None:
    page = client.get("/api/docs/").content.decode()
    assert 'src="/api/docs/?script="' in page
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200
    assert "SwaggerUIBundle" in script.content.decode()
    assert "javascript" in script["Content-Type"]


def test_json_answers_carry_the_policy_too(client: Client) -> None:
    assert "Content-Security-Policy" in client.get("/api/v1/forums/")


def _no_store(response: Any) -> bool:
    return "no-store" in response.get("Cache-Control", "")


def test_pages_that_carry_a_token_are_never_stored(pages: dict[str, Client], session: Any) -> None:
    for url in (f"/s/{session.pk}/", f"/s/{session.pk}/live", f"/join/{session.join_code}"):
        assert _no_store(pages[url].get(url)), url
    joined = Client().post(
        f"/join/{session.join_code}", {"display_name": "Сарыал", "sector": "society"}
    )
    assert joined.status_code == 302 and _no_store(joined)  # the answer that sets the token cookie
    # Public pages may be cached as before.
    assert not _no_store(Client().get("/"))
