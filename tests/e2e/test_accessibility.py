"""Scenario 5: axe-core on every page, in Russian and in English: no serious or critical violations."""

from __future__ import annotations

from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.e2e.conftest import DESKTOP, PHONE, SCREEN, join, live_ready, login

pytestmark = pytest.mark.e2e

AXE = Axe()


def serious(page: Any) -> list[str]:
    # Judge the page at rest: mid-way through the big screen's fade-in a new idea's text is
    # at 20% opacity, and axe would measure that frame's contrast (a flaky failure in CI).
    # A function, not an expression string: Playwright evals a string in the page, which the
    # Content-Security-Policy (no 'unsafe-eval') refuses.
    page.wait_for_function("() => document.getAnimations().every(a => a.playState !== 'running')")
    results = AXE.run(page)
    return [
        f"{violation['id']} ({violation['impact']}): {[node['target'] for node in violation['nodes']][:5]}"
        for violation in results.response["violations"]
        if violation.get("impact") in ("serious", "critical")
    ]


@pytest.mark.parametrize("language", ["ru", "en"])
def test_every_page_passes_axe(server, contexts, language):
    session = server.session("axe")
    locale = "ru-RU" if language == "ru" else "en-US"
    found: dict[str, list[str]] = {}

    phone = contexts(PHONE, locale=locale).new_page()
    phone.goto(f"{server.url}/")
    found["landing"] = serious(phone)
    phone.goto(f"{server.url}/join/ZZZZZZ")
    found["unknown code"] = serious(phone)
    phone.goto(f"{server.url}/join/{session['code']}")
    found["join"] = serious(phone)
    if language == "ru":
        join(phone, server, session["code"], name="Проверка")
    else:
        phone.get_by_label("Your name").fill("Check")
        phone.locator("input[name=sector][value=expert]").check()
        phone.get_by_role("button", name="Join the session").click()
        phone.wait_for_url(f"{server.url}/s/**")
        live_ready(phone)
    assert phone.locator("html").get_attribute("lang") == language
    found["phone"] = serious(phone)

    screen = contexts(SCREEN, locale=locale).new_page()
    screen.goto(f"{server.url}/s/{session['id']}/screen")
    live_ready(screen)
    found["screen"] = serious(screen)

    console = contexts(DESKTOP, locale=locale).new_page()
    login(console, server, f"/s/{session['id']}/moderate")
    found["console"] = serious(console)

    assert {page: problems for page, problems in found.items() if problems} == {}
