"""Scenarios 1 and 3: a phone joins, posts, sees similar ideas, votes (also offline); the big screen follows live."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import PHONE, SCREEN, join, live_ready, screenshot

pytestmark = pytest.mark.e2e


def test_phone_joins_posts_sees_similar_and_votes_and_the_screen_follows(server, contexts):
    session = server.session("phone")
    screen = contexts(SCREEN).new_page()
    screen.goto(f"{server.url}/s/{session['id']}/screen")
    live_ready(screen)
    screen.evaluate("window.__sameDocument = true")  # gone if the screen ever reloads

    phone = contexts(PHONE).new_page()
    sent_frames: list[str] = []
    phone.on("websocket", lambda socket: socket.on("framesent", lambda payload: sent_frames.append(str(payload))))
    join(phone, server, session["code"])
    expect(phone.get_by_role("heading", name="Предложить идею")).to_be_visible()

    # Typing shows the similar idea already posted, with "support this one instead".
    field = phone.get_by_label("Ваша идея")
    field.press_sequentially("Тёплые остановки с подогревом для транспорта", delay=15)
    similar = phone.locator("#similar")
    expect(similar).to_be_visible(timeout=5_000)
    expect(similar.locator("li").first).to_contain_text("Тёплые остановки")
    expect(similar.get_by_role("button", name="Поддержать эту вместо своей").first).to_be_visible()

    # Posting anyway: the idea appears on the phone and on the big screen's wall.
    phone.get_by_role("button", name="Отправить идею").click()
    expect(phone.get_by_role("status").filter(has_text="Спасибо")).to_be_visible()
    expect(phone.locator(".idea-list")).to_contain_text("Тёплые остановки с подогревом для транспорта")
    expect(screen.locator(".screen-wall")).to_contain_text("Тёплые остановки с подогревом для транспорта")

    # A vote reaches the big screen within a second, without a reload.
    target = session["ideas"][1]
    button = phone.locator(f"#vote-{target}-support")
    started = time.monotonic()
    button.click()
    expect(button).to_have_attribute("aria-pressed", "true")
    # Ideation with voting open: the screen shows the wall and the vote count, which follows at once.
    expect(screen.locator("[data-votes-count]")).to_have_text("1", timeout=1_000)
    assert time.monotonic() - started < 1.5
    assert any('"type":"vote"' in frame and f'"idea":{target}' in frame for frame in sent_frames)  # over the open socket
    assert screen.evaluate("window.__sameDocument === true")
    expect(phone.locator("#connection")).to_have_attribute("data-queue", "0")
    phone.evaluate("window.scrollTo(0, document.getElementById('ideas-heading').offsetTop - 160)")
    screenshot(phone, "phone.png")
    screenshot(screen, "screen.png")


def test_votes_made_offline_are_queued_and_stored_exactly_once(server, contexts):
    session = server.session("offline")  # dots: two different ideas get one dot each
    context = contexts(PHONE)
    phone = context.new_page()
    join(phone, server, session["code"], name="Без связи", sector="business")
    first, second = session["ideas"][0], session["ideas"][1]

    context.set_offline(True)
    phone.locator(f"#vote-{first}-plus").click()
    phone.locator(f"#vote-{second}-plus").click()
    connection = phone.locator("#connection")
    expect(connection).to_have_attribute("data-queue", "2")
    expect(connection).to_contain_text("Нет связи")
    expect(connection).to_contain_text("2 голоса ждут отправки")
    # A phone that resends (say after a timeout) sends the same request_id again.
    phone.evaluate(
        """key => { const q = JSON.parse(localStorage.getItem(key)); q.push(q[0]);
                   localStorage.setItem(key, JSON.stringify(q)); }""",
        f"veche.votes.{session['id']}",
    )
    stored_while_offline = server.query(_votes_query(session["id"]))
    assert stored_while_offline["votes"] == {}

    context.set_offline(False)
    phone.evaluate("window.dispatchEvent(new Event('online'))")
    expect(connection).to_have_attribute("data-queue", "0", timeout=15_000)
    stored = server.query(_votes_query(session["id"]))
    assert stored["votes"] == {str(first): 1, str(second): 1}
    assert stored["requests"] == 2  # the resent one was answered, not applied again
    expect(phone.locator(f"#idea-{first} [data-my-dots]")).to_have_text("1")


def _votes_query(session_id: int) -> str:
    return (
        "import json; from ideas.models import Vote, VoteRequest; "
        f"votes = Vote.objects.filter(participant__session_id={session_id}, participant__display_name='Без связи'); "
        f"requests = VoteRequest.objects.filter(participant__session_id={session_id}, participant__display_name='Без связи').count(); "
        "print(json.dumps({'votes': {str(v.idea_id): v.value for v in votes}, 'requests': requests}))"
    )
