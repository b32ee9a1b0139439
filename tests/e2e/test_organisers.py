"""Organisers and moderators without staff status, in a real Chromium (issue 11's measures).

1. An organiser walks from the landing page to a new session's QR on the big screen, from a
   template: at most 8 interactions (clicks and form submits), counted and printed.
2. A moderator invited by link accepts, sets a password, opens the console, changes the stage.
3. The public forum page on a 390×844 phone: no horizontal scroll.
4. axe-core on the new pages, in Russian and English: no serious or critical violations.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import DESKTOP, SCREEN, live_ready
from tests.e2e.test_accessibility import serious

pytestmark = pytest.mark.e2e

PHONE_390 = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
ORGANISER_PASSWORD = "e2e-organiser-pw-2032"  # noqa: S105 - a throwaway account in a throwaway database

SETUP = """
import json, datetime, zoneinfo
from django.contrib.auth import get_user_model
from ideas.models import Forum, Stage
from ideas import operations as ideas_ops
from forums import operations
from forums.models import Role
User = get_user_model()
organiser, created = User.objects.get_or_create(username="e2e-organiser")
organiser.set_password(%(password)r); organiser.save()
forum = Forum.objects.filter(title="Форум ТОС e2e").first()
if forum is None:
    forum = Forum.objects.create(title="Форум ТОС e2e", city="Тольятти", time_zone="Europe/Samara",
        starts_on=datetime.date(2026, 10, 15), ends_on=datetime.date(2026, 10, 16))
    forum.organisers.add(organiser)
    zone = zoneinfo.ZoneInfo("Europe/Samara")
    halls = [operations.hall_create(forum=forum, actor=organiser, name=n) for n in ("Большой зал", "Аудитория 1", "Аудитория 2")]
    live = ideas_ops.session_create(actor=organiser, forum=forum, title="Живая кейс-сессия", question="Каким будет Тольятти?")
    ideas_ops.session_set_stage(session=live, actor=organiser, stage=Stage.IDEATION)
    for day, hall, title, session in ((15, 0, "Открытие форума и очень длинное название секции о благоустройстве дворов и скверов", None),
                                      (15, 1, "Кейс-сессия", live), (15, 2, "Секция НКО", None), (16, 0, "Чемпионат «ПроЛог»", None)):
        start = datetime.datetime(2026, 10, day, 11, 0, tzinfo=zone)
        operations.event_create(forum=forum, actor=organiser, hall=halls[hall], title=title, session=session,
                                starts_at=start, ends_at=start + datetime.timedelta(hours=1, minutes=30))
print(json.dumps({"forum": forum.pk}))
"""


@pytest.fixture(scope="module")
def tolyatti(server: Any) -> dict[str, Any]:
    return server.query(SETUP % {"password": ORGANISER_PASSWORD})


class Counter:
    """Counts what a person does: clicks and form submits (typing into a field is not counted)."""

    def __init__(self) -> None:
        self.count = 0

    def click(self, locator: Any) -> None:
        self.count += 1
        locator.click()


def test_an_organiser_reaches_a_new_sessions_qr_on_the_screen_in_at_most_8_interactions(server, contexts, tolyatti):
    page = contexts(SCREEN).new_page()
    steps = Counter()
    page.goto(f"{server.url}/")
    steps.click(page.locator("header").get_by_role("link", name="Войти"))
    page.get_by_label("Имя пользователя").fill("e2e-organiser")
    page.get_by_label("Пароль").fill(ORGANISER_PASSWORD)
    steps.click(page.get_by_role("button", name="Войти"))
    page.wait_for_url(f"{server.url}/organise/")
    steps.click(page.get_by_role("link", name=re.compile(r"Добавить сессию\W+Форум ТОС e2e")))
    steps.click(page.get_by_label("Идеи и точки"))
    page.get_by_label("Вопрос залу").fill("Что изменить во дворах Тольятти?")
    steps.click(page.get_by_role("button", name="Создать сессию"))
    page.wait_for_url(f"{server.url}/organise/sessions/**")
    expect(page.get_by_text("У каждого участника 5 точек")).to_be_visible()
    steps.click(page.get_by_role("link", name="Большой экран с QR-кодом"))
    page.wait_for_url(f"{server.url}/s/*/screen")
    live_ready(page)
    qr = page.locator("figure.qr svg").first
    expect(qr).to_be_visible()
    box = qr.bounding_box()
    assert box is not None and box["width"] > 150
    code = server.query(
        "import json; from ideas.models import CaseSession; "
        "print(json.dumps(CaseSession.objects.get(question='Что изменить во дворах Тольятти?').join_code))"
    )
    expect(page.locator("body")).to_contain_text(code)
    print(f"\norganiser from the landing page to the session's QR on the big screen: {steps.count} interactions")
    assert steps.count <= 8


def test_a_moderator_invited_by_link_signs_up_opens_the_console_and_changes_the_stage(server, contexts, tolyatti):
    made = server.query(
        "import json; from django.contrib.auth import get_user_model; from ideas.models import Forum, Stage; "
        "from ideas import operations as o; from forums import operations as f; "
        "forum = Forum.objects.get(pk=%d); organiser = get_user_model().objects.get(username='e2e-organiser'); "
        "s = o.session_create(actor=organiser, forum=forum, title='Сессия приглашённого', question='Что важно?'); "
        "o.session_set_stage(session=s, actor=organiser, stage=Stage.IDEATION); "
        "i = f.invitation_create(actor=organiser, role='moderator', session=s); "
        "print(json.dumps({'session': s.pk, 'path': i.path}))".replace("%d", str(tolyatti["forum"]))
    )
    page = contexts(DESKTOP).new_page()
    page.goto(f"{server.url}{made['path']}")
    expect(page.get_by_role("heading", name="Приглашение")).to_be_visible()
    page.get_by_label("Имя пользователя").fill("invited-moderator")
    page.get_by_label("Пароль", exact=True).fill("veche-moderator-2032")
    page.get_by_label("Пароль ещё раз").fill("veche-moderator-2032")
    page.get_by_role("button", name="Создать учётную запись и принять").click()
    page.wait_for_url(f"{server.url}/organise/sessions/{made['session']}/")
    page.get_by_role("link", name="Пульт модератора").click()
    page.wait_for_url(f"{server.url}/s/{made['session']}/moderate")
    live_ready(page)
    page.get_by_role("button", name="Голосование").click()
    expect(page.locator("#console-status")).to_contain_text("Этап: Голосование")
    state = server.query(
        "import json; from django.contrib.auth import get_user_model; from ideas.models import CaseSession; "
        "u = get_user_model().objects.get(username='invited-moderator'); s = CaseSession.objects.get(pk=%d); "
        "print(json.dumps([s.stage, u.is_staff, s.is_moderator(u)]))".replace("%d", str(made["session"]))
    )
    assert state == ["voting", False, True]
    # the link works once
    second = contexts(DESKTOP).new_page()
    second.goto(f"{server.url}{made['path']}")
    expect(second.get_by_role("alert")).to_contain_text("уже использовано")


def test_the_public_forum_page_fits_a_390_px_phone(server, contexts, tolyatti):
    page = contexts(PHONE_390).new_page()
    page.goto(f"{server.url}/f/{tolyatti['forum']}/")
    expect(page.get_by_role("heading", name="Форум ТОС e2e")).to_be_visible()
    expect(page.get_by_text("Чемпионат «ПроЛог»")).to_be_visible()
    widths = page.evaluate("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    print(f"\npublic forum page at 390×844: scrollWidth {widths[0]}, clientWidth {widths[1]}")
    assert widths[0] <= widths[1]
    expect(page.get_by_role("link", name=re.compile(r"Войти\W+Кейс-сессия")).first).to_be_visible()


@pytest.mark.parametrize("language", ["ru", "en"])
def test_the_new_pages_pass_axe(server, contexts, tolyatti, language):
    locale = "ru-RU" if language == "ru" else "en-US"
    page = contexts(DESKTOP, locale=locale).new_page()
    found: dict[str, list[str]] = {}
    page.goto(f"{server.url}/accounts/login/")
    found["login"] = serious(page)
    page.goto(f"{server.url}/accounts/password/reset/")
    found["password reset"] = serious(page)
    page.goto(f"{server.url}/f/{tolyatti['forum']}/")
    found["public forum"] = serious(page)
    page.goto(f"{server.url}/accounts/login/")
    page.locator("#id_username").fill("e2e-organiser")
    page.locator("#id_password").fill(ORGANISER_PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"{server.url}/organise/")
    found["desk"] = serious(page)
    forum = tolyatti["forum"]
    for name, path in (
        ("forum", f"/organise/forums/{forum}/"),
        ("forum edit", f"/organise/forums/{forum}/edit"),
        ("new forum", "/organise/forums/new"),
        ("new event", f"/organise/forums/{forum}/events/new"),
        ("new session", f"/organise/forums/{forum}/sessions/new"),
    ):
        page.goto(f"{server.url}{path}")
        found[name] = serious(page)
    session = server.query(
        "import json; from ideas.models import CaseSession; "
        "print(json.dumps(CaseSession.objects.filter(forum_id=%d).first().pk))".replace("%d", str(forum))
    )
    page.goto(f"{server.url}/organise/sessions/{session}/")
    found["session"] = serious(page)
    invite = server.query(
        "import json; from django.contrib.auth import get_user_model; from ideas.models import Forum; from forums import operations as f; "
        "i = f.invitation_create(actor=get_user_model().objects.get(username='e2e-organiser'), role='juror', forum=Forum.objects.get(pk=%d)); "
        "print(json.dumps(i.path))".replace("%d", str(forum))
    )
    other = contexts(DESKTOP, locale=locale).new_page()
    other.goto(f"{server.url}{invite}")
    found["invitation"] = serious(other)
    assert {name: problems for name, problems in found.items() if problems} == {}, json.dumps(found, ensure_ascii=False)
