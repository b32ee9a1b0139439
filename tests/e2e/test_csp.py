"""The strict Content-Security-Policy refuses nothing the pages need, in a real Chromium.

Every page is loaded and used (joined, live socket open, the console signed in, the API docs
rendered); any CSP violation the browser reports fails the test.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import DESKTOP, PHONE, SCREEN, join, live_ready, login

pytestmark = pytest.mark.e2e


def _watch(page: Any, found: list[str]) -> Any:
    page.on(
        "console",
        lambda message: (
            found.append(f"{page.url}: {message.text}")
            if "Content Security Policy" in message.text or "Refused to" in message.text
            else None
        ),
    )
    return page


def test_no_page_trips_the_content_security_policy(server, contexts):
    session = server.session("axe")
    found: list[str] = []

    phone = _watch(contexts(PHONE).new_page(), found)
    phone.goto(f"{server.url}/")
    phone.goto(f"{server.url}/join/ZZZZZZ")
    join(phone, server, session["code"], name="Политика")  # the live socket opens: connect-src
    phone.goto(f"{server.url}/archive/")

    screen = _watch(contexts(SCREEN).new_page(), found)
    screen.goto(f"{server.url}/s/{session['id']}/screen")
    live_ready(screen)

    console = _watch(contexts(DESKTOP).new_page(), found)
    login(console, server, f"/s/{session['id']}/moderate")
    console.goto(f"{server.url}/api/docs/")
    console.wait_for_selector(".swagger-ui .information-container", timeout=15_000)
    console.goto(f"{server.url}/admin/")
    console.wait_for_selector("#content")

    for page in (phone, screen, console):
        page.wait_for_timeout(300)  # late reports (fetches, sockets)
    assert found == []
