"""User text never reaches a page unescaped: ideas, names, group titles, on every page."""

from __future__ import annotations

import pytest

from ideas import operations

pytestmark = pytest.mark.django_db

ATTACK = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@pytest.fixture
def hostile(session, make_participant, moderator):
    author = make_participant(session, display_name=f"Имя {ATTACK}"[:60])
    idea = operations.idea_post(session=session, text=f"Идея {ATTACK}", author=author)
    operations.group_create(session=session, actor=moderator, title=f"Группа {ATTACK}", idea_ids=[idea.pk])
    return author


def assert_escaped(html: str) -> None:
    assert "<script>alert" not in html
    assert "<img src=x" not in html
    assert "&lt;script&gt;alert(" in html


def test_phone_page_escapes_ideas_and_names(session, hostile, phone_client):
    client = phone_client(hostile)
    assert_escaped(client.get(f"/s/{session.pk}/").content.decode())
    assert_escaped(client.get(f"/s/{session.pk}/live").content.decode())


def test_big_screen_escapes_ideas_and_groups(session, hostile, moderator, user_client):
    html = user_client().get(f"/s/{session.pk}/screen").content.decode()
    assert_escaped(html)  # ideation: the idea wall
    operations.session_set_stage(session=session, actor=moderator, stage="voting")
    html = user_client().get(f"/s/{session.pk}/screen").content.decode()
    assert "Группа &lt;script&gt;" in html  # voting: the groups beside the leaderboard
    assert "<script>alert" not in html


def test_console_escapes_everything(session, hostile, moderator, user_client):
    assert_escaped(user_client(moderator).get(f"/s/{session.pk}/moderate").content.decode())


def test_posting_script_through_the_page_stores_text_and_shows_it_escaped(session, participant, phone_client):
    client = phone_client(participant)
    response = client.post(f"/s/{session.pk}/ideas", {"text": ATTACK}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert session.ideas.filter(text=ATTACK).exists()
    assert_escaped(client.get(f"/s/{session.pk}/").content.decode())


def test_join_page_escapes_a_hostile_code(db, user_client):
    response = user_client().get("/join/%3Cscript%3Ealert(1)%3C%2Fscript%3E")
    assert response.status_code == 404
    assert "<script>alert(1)" not in response.content.decode()
