"""The public vote on a phone in a real Chromium (issue 13): a visitor opens the vote page, joins
the audience session by its code, comes back through the session's phone page, votes in a
nomination, sees the choice, and a second vote (a stale second tab) is refused in words; axe on
every state, Russian and English; the vote button works from the keyboard.
"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import PHONE, screenshot
from tests.e2e.test_accessibility import serious

pytestmark = pytest.mark.e2e

SETUP = """
import json
from django.contrib.auth import get_user_model
from contests import operations, regulations
from contests.models import Contest
from ideas.models import CaseSession, Forum, Stage
organiser, _ = get_user_model().objects.get_or_create(username="e2e-vote-organiser")
forum = Forum.objects.filter(title="Тольятти e2e голосование").first()
if forum is None:
    forum = Forum.objects.create(title="Тольятти e2e голосование", city="Тольятти", is_public=True)
    forum.organisers.add(organiser)
hall = CaseSession.objects.filter(forum=forum).first() or CaseSession.objects.create(
    forum=forum, title="Зал церемонии", question="Зрительское голосование", stage=Stage.VOTING)
contest = Contest.objects.filter(forum=forum).first()
if contest is None:
    document = regulations.example([("tos", "Лучшая практика ТОС", "Best TOS practice"),
                                    ("nko", "Лучшая практика НКО", "Best NGO practice")])
    contest = operations.contest_create(forum=forum, actor=organiser, title="Народный выбор e2e",
        regulations_document=document, audience_session=hall)
    juror, _ = get_user_model().objects.get_or_create(username="e2e-vote-juror")
    operations.juror_add(contest=contest, actor=organiser, user=juror, organisation="Фонд", territory="Город")
    operations.contest_set_stage(contest=contest, actor=organiser, stage="submissions")
    for n, (nomination, title) in enumerate([("tos", "Двор без границ"), ("tos", "Зелёный квартал"),
                                            ("tos", "Тёплый подъезд"), ("nko", "Школа волонтёров")]):
        operations.entry_submit(contest=contest, actor=organiser, data={
            "nomination": nomination, "team_kind": nomination, "settlement": "urban", "title": title,
            "organisation": f"Команда {n}", "territory": f"Район {n}", "problem": "Жителям негде собираться.",
            "actions": "Нашли помещение и партнёров.", "resources": "", "results": "300 жителей участвуют.",
            "contacts": "секретно@example.org"})
    operations.jury_assign(contest=contest, actor=organiser)
    for stage in ("selection", "defence"):
        operations.contest_set_stage(contest=contest, actor=organiser, stage=stage)
    operations.public_vote_set_open(contest=contest, actor=organiser, nomination="tos", is_open=True)
print(json.dumps({"contest": contest.pk, "code": hall.join_code}))
"""


@pytest.fixture(scope="module")
def voting(server: Any) -> dict[str, Any]:
    found: dict[str, Any] = server.query(SETUP)
    return found


def test_a_phone_joins_by_code_votes_once_and_a_second_vote_is_refused(
    server: Any, contexts: Any, voting: dict[str, Any]
) -> None:
    vote_url = f"{server.url}/c/{voting['contest']}/vote/"
    context = contexts(PHONE)
    phone = context.new_page()
    phone.goto(vote_url)
    expect(phone.locator("h1")).to_have_text("Зрительское голосование")
    found = {"join": serious(phone)}
    assert voting["code"] not in phone.content()  # the page never gives the code away
    phone.get_by_label("Код сессии").fill(voting["code"].lower())
    phone.get_by_role("button", name="Войти", exact=True).click()
    phone.wait_for_url(f"{server.url}/join/**")
    phone.get_by_label("Ваше имя").fill("Айталина")
    phone.locator("input[name=sector]").first.check()
    phone.get_by_role("button", name="Войти в сессию").click()
    phone.wait_for_url(f"{server.url}/s/**")
    phone.get_by_role("link", name="Идёт зрительское голосование: Народный выбор e2e").click()
    phone.wait_for_url(vote_url)

    nomination = phone.locator("#nomination-tos")
    expect(nomination).to_contain_text("Голосование открыто: выберите одну из 3 работ.")
    expect(phone.locator("#nomination-nko")).to_contain_text(
        "Голосование в этой номинации закрыто."
    )
    expect(phone.locator("#nomination-nko button")).to_have_count(0)
    buttons = nomination.get_by_role("button", name="Голосовать")
    expect(buttons).to_have_count(3)
    box = buttons.first.bounding_box()
    # A thumb's target: tall, and as wide as the entry's card.
    assert box is not None and box["height"] >= 48 and box["width"] >= 250
    found["ballot"] = serious(phone)
    screenshot(phone, "contest-vote-phone.png")

    stale = context.new_page()  # the same phone's second tab, opened before voting
    stale.goto(vote_url)
    titles = nomination.locator(".ballot-title").all_inner_texts()
    chosen = titles[1]
    buttons.nth(1).click()
    phone.wait_for_url(f"{vote_url}?voted=tos#nomination-tos")
    expect(phone.locator(".vote-page [role=status]")).to_contain_text(
        f"Ваш голос учтён: «{chosen}». Спасибо!"
    )
    expect(phone.locator("#nomination-tos .vote-choice")).to_have_text(f"Ваш голос: {chosen}")
    expect(phone.locator(".vote-summary")).to_contain_text("Вы проголосовали в 1 из 2 номинаций.")
    expect(phone.locator("#nomination-tos button")).to_have_count(0)
    found["voted"] = serious(phone)
    screenshot(phone, "contest-vote-phone-voted.png")

    # The stale tab votes again, from the keyboard: refused in words, the first vote stands.
    other = stale.locator("#nomination-tos .ballot-title").all_inner_texts()
    target = next(title for title in other if title != chosen)
    stale.get_by_role("button", name=f"Голосовать за «{target}»").focus()
    stale.keyboard.press("Enter")
    expect(stale.get_by_role("alert")).to_contain_text("Вы уже проголосовали в этой номинации.")
    expect(stale.locator("#nomination-tos .vote-choice")).to_have_text(f"Ваш голос: {chosen}")
    found["refused"] = serious(phone)
    screenshot(stale, "contest-vote-phone-refused.png")

    english = contexts(PHONE, locale="en-US").new_page()
    english.goto(vote_url)
    expect(english.locator("h1")).to_have_text("Public vote")
    found["join en"] = serious(english)
    assert not any(found.values()), found
