"""Who may open which page: three actors for every staff page, failures first."""

from __future__ import annotations

import pytest

from ideas.models import IdeaStatus, Stage
from tests.conftest import SessionFactory

pytestmark = pytest.mark.django_db

CONSOLE_PATHS = ["/s/{id}/moderate", "/s/{id}/moderate/live"]


@pytest.mark.parametrize("path", CONSOLE_PATHS)
def test_console_sends_anonymous_visitors_to_the_sign_in_page(session, user_client, path):
    response = user_client().get(path.format(id=session.pk))
    # The page sends the visitor to sign in; its live fragment (refreshed by script) just refuses.
    assert response.status_code == (403 if path.endswith("/live") else 302)
    if response.status_code == 302:
        assert response["Location"].startswith("/accounts/login/")


def test_console_refuses_a_participant(session, participant, phone_client):
    response = phone_client(participant).get(f"/s/{session.pk}/moderate")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("path", CONSOLE_PATHS)
def test_console_refuses_a_signed_in_outsider(session, outsider, user_client, path):
    assert user_client(outsider).get(path.format(id=session.pk)).status_code == 403


def test_console_opens_for_the_sessions_moderator(session, moderator, user_client):
    response = user_client(moderator).get(f"/s/{session.pk}/moderate")
    assert response.status_code == 200
    assert session.join_code in response.content.decode()


def test_a_named_moderator_who_is_not_staff_may_moderate(session, outsider, user_client):
    session.moderators.add(outsider)
    assert user_client(outsider).get(f"/s/{session.pk}/moderate").status_code == 200


@pytest.mark.parametrize("action", ["stage", "hide", "approve", "merge", "group-create", "timer"])
def test_console_actions_refuse_participants_and_outsiders(session, participant, outsider, phone_client, user_client, post_idea, action):
    idea = post_idea(session, participant)
    data = {"stage": "voting", "idea": idea.pk, "reason": "off_topic", "title": "X", "minutes": 5}
    response = phone_client(participant).post(f"/s/{session.pk}/moderate/{action}", data)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert user_client(outsider).post(f"/s/{session.pk}/moderate/{action}", data).status_code == 403
    idea.refresh_from_db()
    session.refresh_from_db()
    assert idea.status == IdeaStatus.PUBLISHED
    assert session.stage == Stage.IDEATION
    assert session.timer_ends_at is None


def test_phone_page_without_joining_asks_for_the_code_and_never_shows_it(session, user_client):
    response = user_client().get(f"/s/{session.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="code"' in html and session.join_code not in html


def test_a_participant_of_another_session_is_not_let_in(session, make_participant, phone_client):
    stranger = make_participant(SessionFactory())
    client = phone_client(stranger)
    client.cookies[f"veche_p{session.pk}"] = client.cookies[f"veche_p{stranger.session_id}"].value
    response = client.get(f"/s/{session.pk}/")
    assert response.status_code == 200 and session.join_code not in response.content.decode()


def test_a_forged_cookie_is_not_a_participant(session, user_client):
    client = user_client()
    client.cookies[f"veche_p{session.pk}"] = "vp_forged"
    response = client.get(f"/s/{session.pk}/")
    assert response.status_code == 200 and session.join_code not in response.content.decode()
    assert client.get(f"/s/{session.pk}/live").status_code == 403


def test_phone_live_fragment_needs_the_participant(session, participant, phone_client, user_client):
    assert user_client().get(f"/s/{session.pk}/live").status_code == 403
    assert phone_client(participant).get(f"/s/{session.pk}/live").status_code == 200


def test_big_screen_of_a_private_session_is_only_for_moderators(db, moderator, outsider, user_client):
    private = SessionFactory(is_public=False)
    private.moderators.add(moderator)
    assert user_client().get(f"/s/{private.pk}/screen").status_code == 404
    assert user_client(outsider).get(f"/s/{private.pk}/screen/live").status_code == 404
    assert user_client(moderator).get(f"/s/{private.pk}/screen").status_code == 200


def test_big_screen_of_a_draft_session_is_not_public(db, user_client):
    draft = SessionFactory(stage=Stage.DRAFT)
    assert user_client().get(f"/s/{draft.pk}/screen").status_code == 404


def test_big_screen_of_a_public_session_is_open_to_all(session, user_client):
    response = user_client().get(f"/s/{session.pk}/screen")
    assert response.status_code == 200
    assert "<svg" in response.content.decode()  # the QR code, drawn on the server
