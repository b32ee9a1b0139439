"""Forums, sessions and the stage machine."""

from __future__ import annotations

import pytest

from ideas.models import CaseSession, Forum, ModerationAction, Stage

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("current", "target", "allowed"),
    [
        (Stage.DRAFT, Stage.IDEATION, True),
        (Stage.DRAFT, Stage.VOTING, False),
        (Stage.IDEATION, Stage.VOTING, True),
        (Stage.VOTING, Stage.RESULTS, True),
        (Stage.RESULTS, Stage.ARCHIVED, True),
        (Stage.IDEATION, Stage.ARCHIVED, False),
        (Stage.VOTING, Stage.IDEATION, True),
        (Stage.RESULTS, Stage.DRAFT, True),
        (Stage.ARCHIVED, Stage.RESULTS, False),
        (Stage.VOTING, Stage.VOTING, False),
    ],
)
def test_stage_rules(current, target, allowed):
    assert current.may_move_to(target) is allowed


def test_stage_permissions_and_409(api, session, participant, moderator, outsider):
    url = f"/api/v1/sessions/{session.pk}/stage/"
    assert api(None).post(url, {"stage": "voting"}, format="json").status_code == 401
    assert api(participant).post(url, {"stage": "voting"}, format="json").status_code == 403
    assert api(outsider).post(url, {"stage": "voting"}, format="json").status_code == 403
    refused = api(moderator).post(url, {"stage": "archived"}, format="json")
    assert refused.status_code == 409
    assert refused.json()["code"] == "wrong_stage"
    assert "archived" not in refused.json()["detail"].lower() or refused.json()["detail"]
    assert api(moderator).post(url, {"stage": "nonsense"}, format="json").status_code == 400
    moved = api(moderator).post(url, {"stage": "voting"}, format="json")
    assert moved.status_code == 200
    assert moved.json()["stage"] == "voting"
    assert ModerationAction.objects.filter(action="session.stage", data__to="voting").exists()


def test_nothing_leaves_archived(api, session, moderator):
    session.stage = Stage.RESULTS
    session.save()
    url = f"/api/v1/sessions/{session.pk}/stage/"
    assert api(moderator).post(url, {"stage": "archived"}, format="json").status_code == 200
    for stage in ("results", "draft", "ideation"):
        response = api(moderator).post(url, {"stage": stage}, format="json")
        assert response.status_code == 409
        assert response.json()["code"] == "archived"
    assert CaseSession.objects.get(pk=session.pk).stage == Stage.ARCHIVED


def test_session_create_and_patch(api, moderator, outsider):
    forum = Forum.objects.create(title="Форум ТОС", city="Тольятти")
    body = {
        "title": "Лучшие практики ТОС",
        "question": "Что сделать во дворах?",
        "forum": forum.pk,
        "voting_method": "dots",
    }
    assert api(None).post("/api/v1/sessions/", body, format="json").status_code == 401
    assert api(outsider).post("/api/v1/sessions/", body, format="json").status_code == 403
    created = api(moderator).post("/api/v1/sessions/", body, format="json")
    assert created.status_code == 201
    session_id = created.json()["id"]
    assert created.json()["stage"] == "draft"
    assert len(created.json()["join_code"]) == 6
    url = f"/api/v1/sessions/{session_id}/"
    assert api(outsider).patch(url, {"title": "Взлом"}, format="json").status_code == 404  # a draft: not even seen
    bad = api(moderator).patch(url, {"dots_budget": 2, "dots_max_per_idea": 3}, format="json")
    assert bad.status_code == 400
    assert (
        api(moderator).patch(url, {"stage": "voting"}, format="json").json()["stage"] == "draft"
    )  # read-only
    ok = api(moderator).patch(
        url, {"question": "Каким будет двор?", "dots_budget": 7}, format="json"
    )
    assert ok.status_code == 200
    assert ok.json()["question"] == "Каким будет двор?"
    assert api(moderator).put(url, body, format="json").status_code == 405
    assert api(moderator).delete(url).status_code == 405


def test_method_cannot_change_after_votes(api, session, moderator, participant, post_idea):
    from ideas import operations

    idea = post_idea(session, participant)
    operations.vote_cast(participant=participant, idea_id=idea.pk, value=1)
    response = api(moderator).patch(
        f"/api/v1/sessions/{session.pk}/", {"voting_method": "agree"}, format="json"
    )
    assert response.status_code == 409


def test_join_code_shown_to_moderators_and_members_only(
    api, session, moderator, participant, outsider
):
    url = f"/api/v1/sessions/{session.pk}/"
    assert api(moderator).get(url).json()["join_code"] == session.join_code
    assert api(participant).get(url).json()["join_code"] == session.join_code
    assert api(outsider).get(url).json()["join_code"] is None
    assert api(None).get(url).json()["join_code"] is None


def test_draft_sessions_are_hidden_from_the_public(api, session):
    session.stage = Stage.DRAFT
    session.save()
    assert api(None).get(f"/api/v1/sessions/{session.pk}/").status_code == 404
    assert session.pk not in [
        row["id"] for row in api(None).get("/api/v1/sessions/").json()["results"]
    ]


def test_timer(api, session, moderator, participant):
    url = f"/api/v1/sessions/{session.pk}/timer/"
    assert api(participant).post(url, {"seconds": 300}, format="json").status_code == 403
    assert api(moderator).post(url, {"seconds": -5}, format="json").status_code == 400
    assert api(moderator).post(url, {"seconds": 300}, format="json").json()["timer_ends_at"]
    assert (
        api(moderator).post(url, {"seconds": None}, format="json").json()["timer_ends_at"] is None
    )


def test_forums(api, moderator, outsider):
    body = {
        "title": "Якутск 4.0.0 Старт",
        "city": "Якутск",
        "starts_on": "2026-09-08",
        "ends_on": "2026-09-11",
    }
    assert api(outsider).post("/api/v1/forums/", body, format="json").status_code == 403
    created = api(moderator).post("/api/v1/forums/", body, format="json")
    assert created.status_code == 201
    assert [s["code"] for s in created.json()["sectors"]][:3] == [
        "government",
        "society",
        "business",
    ]
    forum_id = created.json()["id"]
    backwards = api(moderator).patch(
        f"/api/v1/forums/{forum_id}/", {"ends_on": "2026-09-01"}, format="json"
    )
    assert backwards.status_code == 400
    sectors = [{"code": "tos", "label": "ТОС"}, {"code": "tos", "label": "Дубль"}]
    assert (
        api(moderator)
        .patch(f"/api/v1/forums/{forum_id}/", {"sectors": sectors}, format="json")
        .status_code
        == 400
    )
    assert api(None).get("/api/v1/forums/?city=Якут").json()["count"] == 1
    private = api(moderator).patch(
        f"/api/v1/forums/{forum_id}/", {"is_public": False}, format="json"
    )
    assert private.status_code == 200
    assert api(None).get(f"/api/v1/forums/{forum_id}/").status_code == 404
    assert api(moderator).delete(f"/api/v1/forums/{forum_id}/").status_code == 204


def test_staff_token_login(api, moderator):
    client = api(None)
    assert (
        client.post(
            "/api/v1/auth/token/", {"username": "moderator", "password": "wrong"}, format="json"
        ).status_code
        == 401
    )
    assert (
        client.post("/api/v1/auth/token/", {"username": "moderator"}, format="json").status_code
        == 400
    )
    response = client.post(
        "/api/v1/auth/token/",
        {"username": "moderator", "password": "pw-for-tests-1"},
        format="json",
    )
    assert response.status_code == 201
    token = response.json()["token"]
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert client.post("/api/v1/forums/", {"title": "Новый"}, format="json").status_code == 201
