"""The award ceremony in a real Chromium: the organiser steps the reveal by keyboard on the big
screen, a phone in the hall follows without a reload; the organiser's phone control steps it too.

The screen fits 1280×720 and 1920×1080 without scrolling, every text on it is at least 28 px,
and axe finds no serious or critical violation on the screen, the phone page or the control.
"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.awards.builders import PASSWORD
from tests.e2e.conftest import PHONE, screenshot
from tests.e2e.test_accessibility import serious

pytestmark = pytest.mark.e2e

SETUP = """
import json
from tests.awards.builders import build_contest
print(json.dumps(build_contest(prefix="e2e-ceremony")))
"""

MEASURE = """() => {
    const root = document.querySelector('.cer-screen');
    const sizes = [];
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
        const node = walker.currentNode;
        if (!node.textContent.trim()) continue;
        const element = node.parentElement;
        if (element.closest('.visually-hidden')) continue;
        const box = element.getBoundingClientRect();
        const style = getComputedStyle(element);
        if (!box.width || !box.height || style.display === 'none' || style.visibility === 'hidden') continue;
        sizes.push({text: node.textContent.trim().slice(0, 40), size: parseFloat(style.fontSize)});
    }
    const page = document.documentElement;
    return {sizes, scrollHeight: page.scrollHeight, height: innerHeight, scrollWidth: page.scrollWidth, width: innerWidth};
}"""


@pytest.fixture(scope="module")
def ceremony(server: Any) -> dict[str, Any]:
    return server.query(SETUP)


def _sign_in(page: Any, server: Any, username: str, next_path: str) -> None:
    page.goto(f"{server.url}/accounts/login/?next={next_path}")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_url(f"{server.url}{next_path}")


def _fits(page: Any, where: str) -> dict[str, Any]:
    figures = page.evaluate(MEASURE)
    assert figures["scrollHeight"] <= figures["height"], f"{where}: scrolls {figures}"
    assert figures["scrollWidth"] <= figures["width"], f"{where}: scrolls sideways {figures}"
    small = [item for item in figures["sizes"] if item["size"] < 28]
    assert figures["sizes"] and not small, f"{where}: text under 28 px: {small}"
    return figures


def _revealed(page: Any) -> Any:
    return page.locator("#ceremony-live .is-revealed")


def test_the_organiser_steps_by_keyboard_and_a_phone_follows(server, browser, contexts, ceremony):
    contest = ceremony["contest"]
    context = browser.new_context(locale="ru-RU", viewport={"width": 1280, "height": 720})
    try:
        screen = context.new_page()
        _sign_in(screen, server, ceremony["organiser"], f"/c/{contest}/ceremony/screen/")
        expect(screen.locator("#ceremony-live[data-phase=waiting]")).to_have_count(1)
        _fits(screen, "waiting at 720p")

        phone = contexts(PHONE).new_page()
        phone.goto(f"{server.url}/c/{contest}/ceremony/")
        expect(phone.locator("#ceremony-live[data-phase=waiting]")).to_have_count(1)

        screen.keyboard.press("ArrowRight")  # opens the ceremony: the first nomination, nothing out yet
        expect(screen.locator("#ceremony-live[data-phase=nomination]")).to_have_count(1)
        expect(screen.locator(".cer-nomination")).to_have_text("Лучшая практика ТОС")
        expect(phone.locator("#ceremony-live[data-phase=nomination]")).to_have_count(1)
        expect(_revealed(phone)).to_have_count(0)

        screen.keyboard.press("Space")  # the third place first
        expect(_revealed(screen)).to_have_count(1)
        expect(screen.locator(".is-revealed[data-place='3'] .cer-title")).to_contain_text("Зелёный квартал")
        expect(phone.locator(".is-revealed[data-place='3']")).to_contain_text("Зелёный квартал")
        expect(phone.locator(".cer-phone-count")).to_have_text("Открыто 1 место из 3")

        screen.keyboard.press("ArrowRight")
        screen.keyboard.press("ArrowRight")
        expect(_revealed(screen)).to_have_count(3)
        expect(phone.locator(".is-revealed[data-place='1']")).to_contain_text("Двор без границ")
        expect(phone.locator(".cer-phone-count")).to_have_text("Открыто 3 места из 3")

        screen.keyboard.press("ArrowLeft")  # one back: the first place is hidden again everywhere
        expect(_revealed(screen)).to_have_count(2)
        expect(_revealed(phone)).to_have_count(2)
        expect(phone.locator(".is-hidden[data-place='1']")).to_have_count(1)
        assert "Двор без границ" not in phone.locator("#ceremony-live").inner_text()
        screen.keyboard.press("ArrowRight")
        expect(_revealed(screen)).to_have_count(3)

        screen.wait_for_timeout(700)  # the reveal's animation has ended
        figures_720 = _fits(screen, "three places at 720p")
        assert serious(screen) == [], "axe on the screen"
        screenshot(screen, "ceremony-720.png")
        screen.set_viewport_size({"width": 1920, "height": 1080})
        figures_1080 = _fits(screen, "three places at 1080p")
        screenshot(screen, "ceremony-1080.png")
        assert min(item["size"] for item in figures_1080["sizes"]) >= min(item["size"] for item in figures_720["sizes"])
        assert serious(phone) == [], "axe on the phone"
        screenshot(phone, "ceremony-phone.png")

        # The organiser's phone control steps it too, and the big screen follows.
        control = contexts(PHONE).new_page()
        _sign_in(control, server, ceremony["organiser"], f"/c/{contest}/ceremony/control/")
        expect(control.locator(".cer-control-now")).to_have_text("Шаг 4 из 9")
        assert serious(control) == [], "axe on the control"
        control.get_by_role("button", name="Объявить следующее").click()
        expect(control.locator(".cer-control-now")).to_have_text("Шаг 5 из 9")
        expect(screen.locator(".cer-nomination")).to_have_text("Лучшая практика НКО")
        expect(phone.locator("#ceremony-live h1")).to_have_text("Лучшая практика НКО")
        _fits(screen, "the second nomination at 1080p")
        for step in (6, 7, 8):  # the second nomination's three places, one press each
            screen.keyboard.press("ArrowRight")
            expect(screen.locator("#ceremony-live")).to_have_attribute("data-step", str(step))
        screen.keyboard.press("ArrowRight")  # then the audience award, on its own
        expect(screen.locator("#ceremony-live[data-phase=audience]")).to_have_count(1)
        expect(phone.locator("#ceremony-live[data-phase=audience]")).to_have_count(1)
        expect(phone.locator("#ceremony-live")).to_contain_text("Серебряный университет")
        screen.set_viewport_size({"width": 1280, "height": 720})
        screen.wait_for_timeout(700)
        _fits(screen, "the audience award at 720p")
        assert serious(screen) == [], "axe on the audience award"
        screen.keyboard.press("ArrowRight")  # past the end: said in words, nothing moves
        expect(screen.locator("#ceremony-status")).to_contain_text("церемония окончена")
        expect(screen.locator("#ceremony-live[data-phase=audience]")).to_have_count(1)
    finally:
        context.close()


def test_the_screen_of_someone_who_may_not_conduct_ignores_the_keyboard(server, contexts, ceremony):
    contest = ceremony["contest"]
    page = contexts({"viewport": {"width": 1280, "height": 720}}).new_page()
    page.goto(f"{server.url}/c/{contest}/ceremony/screen/")
    before = page.locator("#ceremony-live").get_attribute("data-version")
    page.keyboard.press("ArrowRight")
    page.wait_for_timeout(500)
    assert page.locator("#ceremony-live").get_attribute("data-version") == before
    assert server.query(
        f"import json; from awards.models import CeremonyState; "
        f"print(json.dumps(getattr(CeremonyState.objects.filter(contest_id={contest}).first(), 'version', 0)))"
    ) == int(before or 0)


ISSUE = """
import json
from django.contrib.auth import get_user_model
from awards import operations
from awards.models import Document
from contests.models import Contest
contest = Contest.objects.get(pk=%(contest)d)
operations.documents_issue(contest=contest, actor=get_user_model().objects.get(username="%(organiser)s"))
print(json.dumps(Document.objects.filter(contest=contest, kind="diploma").order_by("place").first().number))
"""


@pytest.mark.parametrize("language", ["ru", "en"])
def test_the_papers_and_their_verification_pass_axe(server, contexts, ceremony, language):
    number = server.query(ISSUE % {"contest": ceremony["contest"], "organiser": ceremony["organiser"]})
    locale = "ru-RU" if language == "ru" else "en-US"
    page = contexts(PHONE, locale=locale).new_page()
    found: dict[str, list[str]] = {}
    page.goto(f"{server.url}/d/{number}/")
    expect(page.locator(".verify-good")).to_have_text(
        "✓ Подлинность подтверждена" if language == "ru" else "✓ Authenticity confirmed"
    )
    found["verified"] = serious(page)
    page.goto(f"{server.url}/d/1-ZZZZZZZZ/")
    expect(page.locator(".verify-bad")).to_be_visible()
    found["unknown"] = serious(page)
    page.goto(f"{server.url}/c/{ceremony['contest']}/papers/")
    expect(page.locator("#diplomas")).to_contain_text("6")
    found["papers"] = serious(page)
    assert found == {name: [] for name in found}, found
