"""Russian first, English on request; dates and numbers follow the language."""

from __future__ import annotations

import pytest
from django.test import Client

from ideas import operations

pytestmark = pytest.mark.django_db


def test_pages_speak_russian_by_default(session):
    html = Client().get(f"/join/{session.join_code}").content.decode()
    assert '<html lang="ru">' in html
    assert "Войти в сессию" in html
    assert "Без регистрации" in html


def test_english_is_chosen_by_the_browser(session):
    html = Client(HTTP_ACCEPT_LANGUAGE="en").get(f"/join/{session.join_code}").content.decode()
    assert '<html lang="en">' in html
    assert "Join the session" in html


def test_the_language_switcher_sets_english_and_comes_back(session):
    client = Client()
    landing = client.get("/").content.decode()
    assert 'action="/i18n/setlang/"' in landing
    response = client.post("/i18n/setlang/", {"language": "en", "next": f"/join/{session.join_code}"})
    assert response.status_code == 302
    assert "Join the session" in client.get(response["Location"]).content.decode()
    client.post("/i18n/setlang/", {"language": "ru", "next": "/"})
    assert "Войти в сессию" in client.get(f"/join/{session.join_code}").content.decode()


def test_plural_forms_follow_russian_grammar(session, make_participant, user_client):
    for _ in range(3):
        make_participant(session)
    html = user_client().get(f"/s/{session.pk}/screen").content.decode()
    assert "участника" in html  # 3 участника, not "участников" or "participants"


def test_domain_messages_reach_the_console_in_its_language(session, moderator, user_client):
    client = user_client(moderator)
    response = client.post(f"/s/{session.pk}/moderate/stage", {"stage": "archived"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "notice error" in response.content.decode()


def test_dates_are_localised(db, session, user_client):
    session.forum.starts_on = __import__("datetime").date(2032, 9, 8)
    session.forum.save()
    operations.session_set_timer(session=session, actor=session.moderators.first(), seconds=60)
    assert "сентября" in user_client().get("/").content.decode()
    assert "September" in Client(HTTP_ACCEPT_LANGUAGE="en").get("/").content.decode()
