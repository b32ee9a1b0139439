"""Scenarios 2 and 4: the moderator hides, merges, groups and moves the stage; phones and the screen follow live."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import DESKTOP, PHONE, SCREEN, join, live_ready, login, screenshot

pytestmark = pytest.mark.e2e

HIDDEN_TEXT = "Круглогодичный крытый рынок местных продуктов"


def test_moderator_hides_merges_and_groups_and_every_screen_follows(server, contexts):
    session = server.session("moderate")
    ideas = session["ideas"]
    phone = contexts(PHONE).new_page()
    frames: list[str] = []
    phone.on("websocket", lambda ws: ws.on("framereceived", lambda payload: frames.append(str(payload))))
    join(phone, server, session["code"], name="Наблюдатель")
    screen = contexts(SCREEN).new_page()
    screen.goto(f"{server.url}/s/{session['id']}/screen")
    live_ready(screen)
    console = contexts(DESKTOP).new_page()
    login(console, server, f"/s/{session['id']}/moderate")
    expect(phone.locator(".idea-list")).to_contain_text(HIDDEN_TEXT)

    # Hide with a reason: the idea leaves the phone and the screen, and its text never comes back.
    hidden = ideas[1]
    item = console.locator(f"#mod-idea-{hidden}")
    item.get_by_label("Причина").select_option("insult")
    frames.clear()
    item.get_by_role("button", name="Скрыть").click()
    expect(console.locator("#console-status")).to_contain_text(f"Идея {hidden} скрыта")
    expect(phone.locator(f"#idea-{hidden}")).to_have_count(0)
    expect(screen.locator(f'.wall-idea[data-idea="{hidden}"]')).to_have_count(0)
    assert HIDDEN_TEXT not in phone.content()
    assert not [frame for frame in frames if HIDDEN_TEXT in frame]

    # Merge a duplicate into its target (typing the number, keyboard only).
    duplicate, target = ideas[-1], ideas[0]
    field = console.locator(f"#merge-into-{duplicate}")
    field.fill(str(target))
    field.press("Enter")
    expect(console.locator("#console-status")).to_contain_text(f"Идея {duplicate} объединена с идеей {target}")
    expect(phone.locator(f"#idea-{duplicate}")).to_have_count(0)
    expect(screen.locator(f'.wall-idea[data-idea="{duplicate}"]')).to_have_count(0)

    # Ask for suggested groups, apply them: the phone shows the groups.
    console.get_by_role("tab", name="Предложенные группы").click()
    console.get_by_role("button", name="Предложить группы").click()
    apply = console.get_by_role("button", name="Применить группы")
    expect(apply).to_be_visible(timeout=30_000)
    expect(console.locator("[data-suggestion-groups] li").first).to_be_visible()
    apply.click()
    expect(console.locator("[data-suggestion-status]")).to_contain_text("применены")
    expect(phone.locator(".idea-list .badge").first).to_be_visible()
    screenshot(console, "console.png")
    console.locator("#tab-board").click()
    expect(console.locator("#board-panel .group-box").first).to_be_visible()
    # Rename a group by keyboard; the phone and (in voting) the big screen show the new title.
    console.locator("#board-panel .group-tools summary").first.click()
    rename = console.locator("#board-panel input[name=title][id^=rename-]").first
    rename.fill("Тёплый город")
    rename.press("Enter")
    expect(phone.locator(".idea-list")).to_contain_text("Тёплый город")
    console.locator("#stage-to-voting").click()
    expect(screen.locator(".screen-groups")).to_contain_text("Тёплый город")


def test_stage_changes_change_the_participants_controls(server, contexts):
    session = server.session("stage")  # agree / pass / disagree; no voting during ideation
    idea = session["ideas"][0]
    phone = contexts(PHONE).new_page()
    join(phone, server, session["code"], name="Голосующий", sector="expert")
    console = contexts(DESKTOP).new_page()
    login(console, server, f"/s/{session['id']}/moderate")

    expect(phone.locator("#post-section")).to_be_visible()
    expect(phone.locator(f"#vote-{idea}-agree")).to_have_count(0)

    console.get_by_role("button", name="Голосование").click()
    expect(console.locator("#console-status")).to_contain_text("Этап: Голосование")
    agree = phone.locator(f"#vote-{idea}-agree")
    expect(agree).to_be_visible()
    expect(phone.locator("#post-section")).to_be_hidden()
    expect(phone.locator(".stage-bar")).to_contain_text("Голосование")
    agree.click()
    expect(agree).to_have_attribute("aria-pressed", "true")
    expect(phone.locator("#connection")).to_have_attribute("data-queue", "0")

    console.get_by_role("button", name="Итоги").click()
    expect(phone.locator(f"#vote-{idea}-agree")).to_have_count(0)
    expect(phone.get_by_role("heading", name="Итоги")).to_be_visible()
    expect(phone.locator(f'[data-tally="{idea}"] [data-count="agree"]')).to_have_text("1")
