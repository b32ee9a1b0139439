"""The contest in a real Chromium (issue 13): a juror scores two entries on a phone, the big screen
shows the progress change live, the organiser finalises; axe on every contest page, ru and en.

Screenshots of each page type go where `screenshot` writes ($VECHE_SCREENSHOTS_DIR or a temporary
directory), one per page type, the screen at 1920×1080 and 1280×720.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import DESKTOP, PHONE, SCREEN, live_ready, screenshot
from tests.e2e.test_accessibility import serious

pytestmark = pytest.mark.e2e

PASSWORD = "e2e-contest-pw-2032"  # noqa: S105 - throwaway accounts in a throwaway database
SMALL_SCREEN = {"viewport": {"width": 1280, "height": 720}}

SETUP = """
import json
from django.contrib.auth import get_user_model
from contests import operations, regulations
from contests.models import Contest, JurorAssignment
from ideas.models import CaseSession, Forum, Stage
User = get_user_model()
def user(name):
    account, _ = User.objects.get_or_create(username=name)
    account.set_password(%(password)r); account.save()
    return account
organiser = user("e2e-contest-organiser")
jurors = [user(f"e2e-juror-{n}") for n in range(3)]
forum = Forum.objects.filter(title="Тольятти e2e конкурс").first()
if forum is None:
    forum = Forum.objects.create(title="Тольятти e2e конкурс", city="Тольятти", is_public=True)
    forum.organisers.add(organiser)
hall = CaseSession.objects.filter(forum=forum).first() or CaseSession.objects.create(
    forum=forum, title="Большой зал", question="Голосование зрителей", stage=Stage.VOTING)
contest = Contest.objects.filter(forum=forum).first()
if contest is None:
    document = regulations.example([("tos", "Лучшая практика ТОС", "Best TOS practice"),
                                    ("nko", "Лучшая практика НКО", "Best NGO practice")])
    contest = operations.contest_create(forum=forum, actor=organiser, title="Конкурс лучших практик e2e",
        regulations_document=document, audience_session=hall,
        description="Практики ТОС и НКО Тольятти.")
    for n, account in enumerate(jurors):
        operations.juror_add(contest=contest, actor=organiser, user=account, organisation=f"Фонд {n}", territory=f"Город {n}")
    operations.contest_set_stage(contest=contest, actor=organiser, stage="submissions")
    for n, (nomination, title) in enumerate([("tos", "Двор без границ"), ("tos", "Зелёный квартал"),
                                            ("nko", "Школа волонтёров"), ("nko", "Продуктовый банк")]):
        operations.entry_submit(contest=contest, actor=organiser, data={
            "nomination": nomination, "team_kind": nomination, "settlement": "urban", "title": title,
            "organisation": f"Команда {n}", "territory": f"Район {n}", "problem": "Жителям негде собираться.",
            "actions": "Нашли помещение и партнёров.", "resources": "Субботники.",
            "results": "300 жителей участвуют.", "contacts": "секретно@example.org"})
    operations.jury_assign(contest=contest, actor=organiser)
    operations.contest_set_stage(contest=contest, actor=organiser, stage="selection")
mine = list(JurorAssignment.objects.filter(juror__user=jurors[0], recused=False).order_by("entry_id")
            .values_list("entry_id", flat=True))
print(json.dumps({"contest": contest.pk, "forum": forum.pk, "juror": "e2e-juror-0", "mine": mine,
                  "organiser": "e2e-contest-organiser"}))
"""

SCORE_OTHERS = """
import json
from contests import operations
from contests.models import Contest, JurorAssignment
contest = Contest.objects.get(pk=%(contest)d)
for sheet in JurorAssignment.objects.filter(entry__contest=contest, recused=False, submitted_at__isnull=True).exclude(
        juror__user__username="e2e-juror-0").select_related("juror__user"):
    operations.score_save(contest=contest, entry=sheet.entry, actor=sheet.juror.user,
                          scores={"relevance": 2, "impact": 3, "replicability": 2}, submit=True)
print(json.dumps({"ok": True}))
"""


@pytest.fixture(scope="module")
def contest(server: Any) -> dict[str, Any]:
    found: dict[str, Any] = server.query(SETUP % {"password": PASSWORD})
    return found


def sign_in(page: Any, server: Any, username: str, next_path: str) -> None:
    page.goto(f"{server.url}/accounts/login/?next={next_path}")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_url(f"{server.url}{next_path}")


def progress_of(screen: Any, entry: int) -> str:
    return str(
        screen.locator(f"[data-entry='{entry}'] .entry-progress").get_attribute("data-progress")
    )


def test_a_juror_scores_two_entries_the_screen_follows_the_organiser_finalises(
    server: Any, contexts: Any, contest: dict[str, Any]
) -> None:
    contest_id = contest["contest"]
    first, second = contest["mine"][:2]

    screen = contexts(SCREEN).new_page()
    screen.goto(f"{server.url}/c/{contest_id}/screen/")
    live_ready(screen)  # the audience session is public: the screen holds its socket
    assert progress_of(screen, first).startswith("0/")
    found = {"screen": serious(screen)}
    screenshot(screen, "contest-screen-1920.png")

    phone = contexts(PHONE).new_page()
    sign_in(phone, server, contest["juror"], f"/c/{contest_id}/jury/")
    expect(phone.locator(".jury-progress")).to_contain_text("Отправлено 0 из")
    found["jury"] = serious(phone)
    screenshot(phone, "contest-jury-phone.png")
    for number, entry in enumerate((first, second)):
        phone.locator(f"a[href='/c/{contest_id}/jury/{entry}/']").click()
        phone.wait_for_url(f"{server.url}/c/{contest_id}/jury/{entry}/")
        for criterion, value in (("relevance", 7), ("impact", 8), ("replicability", 6)):
            phone.locator(f"label[for=id_score_{criterion}_{value}]").click()
        expect(phone.locator("#levels-impact li[data-level='8']")).to_be_visible()
        if number == 1:  # the keyboard works too: arrows move the score within a criterion
            phone.locator("#id_score_relevance_7").focus()
            phone.keyboard.press("ArrowRight")
            expect(phone.locator("#id_score_relevance_8")).to_be_checked()
            expect(phone.locator("#levels-relevance li[data-level='8']")).to_be_visible()
        if number == 0:
            found["sheet"] = serious(phone)
            screenshot(phone, "contest-sheet-phone.png")
        # One thumb: the submit button sits in the sticky bar inside the phone's viewport.
        submit = phone.get_by_role("button", name="Отправить оценки")
        box = submit.bounding_box()
        assert box is not None and box["y"] + box["height"] <= 740
        submit.click()
        phone.wait_for_url(f"{server.url}/c/{contest_id}/jury/")
        expect(phone.locator(".messages")).to_contain_text("Ваши оценки отправлены")
    expect(phone.locator(".jury-progress")).to_contain_text("Отправлено 2 из")

    # The screen follows live: the audience session's socket carried contest.progress (the slow
    # poll is only the fallback), and the fragment came back with the new counts.
    expect(screen.locator("#live-root")).to_have_attribute(
        "data-last-event", "contest.progress", timeout=10_000
    )
    expect(screen.locator(f"[data-entry='{first}'] .entry-progress")).to_have_attribute(
        "data-progress", re.compile(r"^1/"), timeout=25_000
    )
    expect(screen.locator(f"[data-entry='{second}'] .entry-progress")).to_have_attribute(
        "data-progress", re.compile(r"^1/"), timeout=25_000
    )
    expect(screen.locator(f"[data-entry='{first}'] .entry-progress")).to_contain_text("оценил 1 из")

    import subprocess

    try:
        server.query(SCORE_OTHERS % {"contest": contest_id})
    except subprocess.CalledProcessError as error:
        raise AssertionError(error.stderr) from None
    desk = contexts(DESKTOP).new_page()
    sign_in(desk, server, contest["organiser"], f"/c/{contest_id}/organise/")
    found["organise"] = serious(desk)
    screenshot(desk, "contest-organise.png")
    for stage in ("Очная защита", "Итоги"):
        desk.get_by_role("button", name=re.compile(f"Перейти к следующему этапу: {stage}")).click()
        expect(desk.locator(".messages")).to_contain_text(stage)
    disputed = desk.locator("input[name^=discussed_]")
    if disputed.count():
        desk.get_by_role("button", name="Утвердить и заморозить итоги").click()
        expect(desk.locator("[role=alert]")).to_contain_text("обсудите")
        for index in range(disputed.count()):
            disputed.nth(index).check()
    desk.get_by_role("button", name="Утвердить и заморозить итоги").click()
    expect(desk.locator(".messages")).to_contain_text("Итоги окончательные")

    results = contexts(DESKTOP).new_page()
    results.goto(f"{server.url}/c/{contest_id}/results/")  # anonymous: final results are public
    expect(results.locator("h1")).to_contain_text("Итоги")
    expect(results.locator(".what-if").first).to_be_visible()
    found["results"] = serious(results)
    screenshot(results, "contest-results.png")
    expect(screen.locator("[data-live-state]")).to_have_attribute(
        "data-stage", "finalised", timeout=25_000
    )

    public = contexts(PHONE).new_page()
    public.goto(f"{server.url}/c/{contest_id}/")
    assert "секретно@example.org" not in public.content()
    found["public"] = serious(public)
    screenshot(public, "contest-public-phone.png")
    assert {page: problems for page, problems in found.items() if problems} == {}


@pytest.mark.parametrize("size", [SCREEN, SMALL_SCREEN], ids=["1920", "1280"])
def test_the_screen_fits_the_frame_and_passes_axe_in_english(
    server: Any, contexts: Any, contest: dict[str, Any], size: dict[str, Any]
) -> None:
    screen = contexts(size, locale="en-US").new_page()
    screen.goto(f"{server.url}/c/{contest['contest']}/screen/")
    height = screen.evaluate("() => document.documentElement.scrollHeight")
    assert height <= size["viewport"]["height"], "the big screen never scrolls"
    assert serious(screen) == []
    screenshot(screen, f"contest-screen-{size['viewport']['width']}-en.png")


def test_contest_pages_pass_axe_in_english(
    server: Any, contexts: Any, contest: dict[str, Any]
) -> None:
    page = contexts(DESKTOP, locale="en-US").new_page()
    found: dict[str, list[str]] = {}
    page.goto(f"{server.url}/c/{contest['contest']}/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    found["public"] = serious(page)
    sign_in(page, server, contest["juror"], f"/c/{contest['contest']}/jury/")
    found["jury"] = serious(page)
    page.goto(f"{server.url}/c/{contest['contest']}/jury/{contest['mine'][0]}/")
    found["sheet"] = serious(page)
    assert {name: problems for name, problems in found.items() if problems} == {}
