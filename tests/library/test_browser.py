"""The library in a real Chromium: axe-core finds nothing serious, and the keyboard alone gets a reader
from the search box to a card and through its version history."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from library import operations
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, DESKTOP, PHONE
from tests.e2e.test_accessibility import serious
from tests.library.conftest import Shelf

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """Chromium for this module only, closed after it.

    Playwright's sync API keeps an event loop running in this thread while it is open, which
    Django takes for an async context; the tests' own ORM calls (and the database flush after
    each) are plain synchronous code all the same, so Django is told so for this module's
    duration, and the loop is gone before any other test module runs.
    """
    from playwright.sync_api import sync_playwright

    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            yield launched
            launched.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def page_in(chromium: Any) -> Iterator[Any]:
    opened: list[Any] = []

    def open_page(kind: dict[str, Any], language: str) -> Any:
        context = chromium.new_context(locale="ru-RU" if language == "ru" else "en-US", **kind)
        context.set_default_timeout(10_000)
        opened.append(context)
        return context.new_page()

    yield open_page
    for context in opened:
        context.close()


def focus_by_tab(page: Any, element_id: str, limit: int = 30) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement && document.activeElement.id") == element_id:
            return
    raise AssertionError(f"#{element_id} is not reachable by Tab")


@pytest.mark.parametrize("language", ["ru", "en"])
def test_library_pages_pass_axe(shelf: Shelf, live_server: Any, page_in: Any, language: str) -> None:
    practice = shelf.practice("Двор без границ")
    operations.practice_update(practice=practice, actor=shelf.team, data={"results": "Уже 150 детей"}, note="Итоги")
    found: dict[str, list[str]] = {}
    for name, kind in (("desktop", DESKTOP), ("phone", PHONE)):
        page = page_in(kind, language)
        page.goto(f"{live_server.url}/library/")
        assert page.locator("html").get_attribute("lang") == language
        found[f"{name} shelf"] = serious(page)
        page.goto(f"{live_server.url}/library/?q=каток&year=2026")
        found[f"{name} search"] = serious(page)
        page.goto(f"{live_server.url}/library/{practice.pk}/")
        page.locator("details summary").first.click()  # an earlier version, opened
        found[f"{name} card"] = serious(page)
    assert {where: problems for where, problems in found.items() if problems} == {}


def test_the_keyboard_alone_finds_a_practice_and_opens_its_history(shelf: Shelf, live_server: Any, page_in: Any) -> None:
    practice = shelf.practice("Каток всем двором")
    operations.practice_update(practice=practice, actor=shelf.team, data={"results": "Три зимы подряд"})
    page = page_in(DESKTOP, "ru")
    page.goto(f"{live_server.url}/library/")
    focus_by_tab(page, "library-q")
    page.keyboard.type("катком")
    page.keyboard.press("Enter")
    page.wait_for_url("**/library/?q=*")
    assert page.get_by_role("heading", name="Найдена 1 практика").is_visible()
    for _ in range(40):  # Tab on to the first result
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement && document.activeElement.textContent") == "Каток всем двором":
            break
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/library/{practice.pk}/")
    assert page.get_by_role("heading", level=1).inner_text() == "Каток всем двором"
    summary = page.locator("details summary").first
    summary.focus()
    page.keyboard.press("Enter")
    assert page.locator("details").first.get_attribute("open") is not None
    assert page.get_by_text("За сезон приходят более 400 человек, прошли турниры двора.").is_visible()
