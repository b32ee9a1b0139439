"""The pages drive the domain operations: join, post, vote, moderate, group."""

from __future__ import annotations

import pytest
from django.test import Client

from ideas.models import Group, IdeaStatus, Stage, Vote, VotingMethod

pytestmark = pytest.mark.django_db


def test_join_keeps_the_participant_in_an_httponly_cookie(session):
    client = Client()
    response = client.post(f"/join/{session.join_code.lower()}", {"display_name": "Анна", "sector": "business"})
    assert response.status_code == 302 and response["Location"] == f"/s/{session.pk}/"
    cookie = response.cookies[f"veche_p{session.pk}"]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    participant = session.participants.get()
    assert (participant.display_name, participant.sector) == ("Анна", "business")
    page = client.get(f"/s/{session.pk}/")
    assert page.status_code == 200
    # Coming back to the join link on the same phone goes straight to the session.
    assert client.get(f"/join/{session.join_code}")["Location"] == f"/s/{session.pk}/"


def test_join_refuses_an_unknown_sector_and_blank_name(session):
    response = Client().post(f"/join/{session.join_code}", {"display_name": "  ", "sector": "aliens"})
    assert response.status_code == 400
    assert not session.participants.exists()


def test_unknown_code_says_so(db):
    response = Client().get("/join/ZZZZZZ")
    assert response.status_code == 404
    assert "ZZZZZZ" in response.content.decode()


def test_code_form_on_the_landing_leads_to_the_join_page(session):
    response = Client().post("/join/", {"code": f" {session.join_code.lower()} "})
    assert response["Location"] == f"/join/{session.join_code}"


def test_draft_session_cannot_be_joined(db):
    from tests.conftest import SessionFactory

    draft = SessionFactory(stage=Stage.DRAFT)
    html = Client().get(f"/join/{draft.join_code}").content.decode()
    assert "display_name" not in html


def test_posting_an_idea(session, participant, phone_client):
    response = phone_client(participant).post(f"/s/{session.pk}/ideas", {"text": "  Больше скверов  "}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert response["HX-Trigger"] == "veche-refresh"
    assert session.ideas.get().text == "Больше скверов"


def test_posting_in_the_wrong_stage_shows_why(session, participant, phone_client):
    session.stage = Stage.VOTING
    session.save()
    response = phone_client(participant).post(f"/s/{session.pk}/ideas", {"text": "Поздно"}, HTTP_HX_REQUEST="true")
    assert "errors" in response.content.decode()
    assert not session.ideas.exists()


def test_voting_without_script_casts_and_withdraws(session, participant, phone_client, post_idea):
    idea = post_idea(session, participant)
    client = phone_client(participant)
    client.post(f"/s/{session.pk}/ideas/{idea.pk}/vote", {"value": "1"})
    assert Vote.objects.get(participant=participant, idea=idea).value == 1
    page = client.get(f"/s/{session.pk}/").content.decode()
    assert 'aria-pressed="true"' in page
    client.post(f"/s/{session.pk}/ideas/{idea.pk}/vote", {"value": "withdraw"})
    assert not Vote.objects.filter(participant=participant).exists()


def test_agree_and_dots_controls_follow_the_method(session, participant, phone_client, post_idea):
    idea = post_idea(session, participant)
    session.voting_method = VotingMethod.AGREE
    session.save()
    html = phone_client(participant).get(f"/s/{session.pk}/live").content.decode()
    assert f'id="vote-{idea.pk}-disagree"' in html
    session.voting_method = VotingMethod.DOTS
    session.save()
    html = phone_client(participant).get(f"/s/{session.pk}/live").content.decode()
    assert f'id="vote-{idea.pk}-plus"' in html and "data-dots-left" in html


def test_results_hidden_when_the_session_says_so(session, participant, phone_client, post_idea):
    post_idea(session, participant)
    session.live_results_visible = False
    session.save()
    html = phone_client(participant).get(f"/s/{session.pk}/live").content.decode()
    assert "data-tally" not in html


def test_hidden_ideas_of_others_never_reach_a_phone(session, participant, make_participant, moderator, phone_client, post_idea, user_client):
    other = make_participant(session)
    idea = post_idea(session, other, "Секретный текст, который скроют")
    user_client(moderator).post(f"/s/{session.pk}/moderate/hide", {"idea": idea.pk, "reason": "insult"})
    idea.refresh_from_db()
    assert idea.status == IdeaStatus.HIDDEN
    for path in ("/", "/live"):
        assert "Секретный текст" not in phone_client(participant).get(f"/s/{session.pk}{path}").content.decode()
    assert "Секретный текст" not in user_client().get(f"/s/{session.pk}/screen").content.decode()


def test_moderator_console_drives_the_operations(session, participant, moderator, user_client, post_idea):
    first = post_idea(session, participant, "Тёплые остановки")
    second = post_idea(session, participant, "Тёплые остановки с подогревом")
    client = user_client(moderator)

    def act(action, **data):
        response = client.post(f"/s/{session.pk}/moderate/{action}", data, HTTP_HX_REQUEST="true")
        assert response.status_code == 200
        assert "notice success" in response.content.decode(), response.content.decode()
        assert response["HX-Trigger"] == "veche-refresh"

    act("merge", idea=second.pk, into=first.pk)
    second.refresh_from_db()
    assert second.status == IdeaStatus.MERGED and second.merged_into_id == first.pk
    act("unmerge", idea=second.pk)
    act("group-create", title="Транспорт")
    group = Group.objects.get(session=session)
    act("idea-group", idea=first.pk, group=group.pk)
    act("group-rename", group=group.pk, title="Транспорт зимой")
    first.refresh_from_db()
    group.refresh_from_db()
    assert first.group_id == group.pk and group.title == "Транспорт зимой"
    act("timer", minutes=3)
    act("stage", stage="voting")
    session.refresh_from_db()
    assert session.stage == Stage.VOTING and session.timer_ends_at is not None
    act("timer", clear="1")
    act("group-delete", group=group.pk)
    assert not Group.objects.filter(session=session).exists()


def test_refused_console_action_explains_itself(session, moderator, user_client):
    response = user_client(moderator).post(
        f"/s/{session.pk}/moderate/merge", {"idea": "999999", "into": "1"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert "notice error" in response.content.decode()
    assert "HX-Trigger" not in response


def test_console_without_script_redirects_back(session, moderator, user_client):
    response = user_client(moderator).post(f"/s/{session.pk}/moderate/stage", {"stage": "voting"})
    assert response.status_code == 302 and response["Location"] == f"/s/{session.pk}/moderate"


def test_landing_lists_public_sessions_by_forum(session, user_client):
    html = user_client().get("/").content.decode()
    assert session.title in html and session.forum.title in html
    assert f"/s/{session.pk}/" in html and session.join_code not in html


def test_big_screen_join_link_wraps_only_after_a_slash(session, user_client):
    """The code stays whole on the screen: a break is allowed after each slash, never inside it."""
    html = user_client().get(f"/s/{session.pk}/screen").content.decode()
    assert f"join/<wbr>{session.join_code}</p>" in html
    assert "<wbr>" not in session.join_code
