"""Voting through REST: failure cases first, then the three methods."""

from __future__ import annotations

import pytest

from ideas.models import IdeaStatus, Stage, Vote, VotingMethod

pytestmark = pytest.mark.django_db


def vote(client, idea, value, **extra):
    return client.put(f"/api/v1/ideas/{idea.pk}/vote/", {"value": value, **extra}, format="json")


@pytest.fixture
def idea(session, participant, post_idea):
    return post_idea(session, participant)


# --- refused ---------------------------------------------------------------------------------


def test_anonymous_cannot_vote(api, idea):
    response = vote(api(None), idea, 1)
    assert response.status_code == 401
    assert Vote.objects.count() == 0


def test_staff_without_participant_cannot_vote(api, idea, moderator, outsider):
    for user in (moderator, outsider):
        response = vote(api(user), idea, 1)
        assert response.status_code == 403
    assert Vote.objects.count() == 0


def test_other_sessions_participant_gets_404(api, idea, make_participant):
    from tests.conftest import SessionFactory

    stranger = make_participant(SessionFactory())
    response = vote(api(stranger), idea, 1)
    assert response.status_code == 404
    assert Vote.objects.count() == 0


def test_unknown_idea_is_404(api, participant):
    assert vote(api(participant), type("Missing", (), {"pk": 999999})(), 1).status_code == 404
    assert (
        api(participant).put("/api/v1/ideas/abc/vote/", {"value": 1}, format="json").status_code
        == 404
    )


def test_voting_closed_in_draft_and_results(api, session, idea, participant):
    for stage in (Stage.DRAFT, Stage.RESULTS):
        session.stage = stage
        session.save()
        response = vote(api(participant), idea, 1)
        assert response.status_code == 409, stage
        assert response.json()["code"] == "wrong_stage"
    assert Vote.objects.count() == 0


def test_voting_during_ideation_only_when_the_flag_allows(api, session, idea, participant):
    session.voting_during_ideation = False
    session.save()
    assert vote(api(participant), idea, 1).status_code == 409
    session.stage = Stage.VOTING
    session.save()
    assert vote(api(participant), idea, 1).status_code == 200


@pytest.mark.parametrize("value", ["1", 1.5, True, None, [1], {"v": 1}])
def test_wrong_types_are_400(api, idea, participant, value):
    response = vote(api(participant), idea, value)
    assert response.status_code == 400
    assert response.json()["fields"]["value"]
    assert Vote.objects.count() == 0


def test_non_object_body_is_400(api, idea, participant):
    response = api(participant).put(f"/api/v1/ideas/{idea.pk}/vote/", [1, 2], format="json")
    assert response.status_code == 400


def test_hidden_idea_is_404_and_pending_is_409(
    api, session, participant, make_participant, post_idea, moderator
):
    from ideas import operations

    other = make_participant(session)
    hidden = post_idea(session, other, "Скрытая идея")
    operations.idea_moderate(
        idea=hidden, actor=moderator, status=IdeaStatus.HIDDEN, reason="insult"
    )
    pending = post_idea(session, other, "Ждёт модерации")
    operations.idea_moderate(idea=pending, actor=moderator, status=IdeaStatus.PENDING)
    assert vote(api(participant), hidden, 1).status_code == 404
    response = vote(api(participant), pending, 1)
    assert response.status_code == 409
    assert response.json()["code"] == "pending"


# --- support ---------------------------------------------------------------------------------


def test_support_is_idempotent_and_withdrawable(api, idea, participant):
    client = api(participant)
    first = vote(client, idea, 1)
    again = vote(client, idea, 1)
    assert first.status_code == again.status_code == 200
    assert first.json()["changed"] is True
    assert again.json()["changed"] is False
    assert Vote.objects.filter(idea=idea).count() == 1
    assert vote(client, idea, -1).status_code == 400
    withdrawn = client.delete(f"/api/v1/ideas/{idea.pk}/vote/")
    assert withdrawn.status_code == 200
    assert withdrawn.json()["value"] is None
    assert Vote.objects.count() == 0
    assert client.delete(f"/api/v1/ideas/{idea.pk}/vote/").json()["changed"] is False


# --- agree -----------------------------------------------------------------------------------


def test_agree_values_and_change(api, session, idea, participant):
    session.voting_method = VotingMethod.AGREE
    session.save()
    client = api(participant)
    assert vote(client, idea, 2).status_code == 400
    for value in (1, 0, -1):
        response = vote(client, idea, value)
        assert response.status_code == 200
        assert Vote.objects.get(idea=idea).value == value
    assert Vote.objects.count() == 1


# --- dots ------------------------------------------------------------------------------------


@pytest.fixture
def dots_session(session):
    session.voting_method = VotingMethod.DOTS
    session.dots_budget = 5
    session.dots_max_per_idea = 3
    session.save()
    return session


def test_dots_cap_budget_and_dots_left(api, dots_session, participant, post_idea):
    ideas = [post_idea(dots_session, participant, f"Идея {i}") for i in range(3)]
    client = api(participant)
    over_cap = vote(client, ideas[0], 4)
    assert over_cap.status_code == 400
    assert vote(client, ideas[0], 0).status_code == 400
    assert vote(client, ideas[0], 3).json()["dots_left"] == 2
    assert vote(client, ideas[1], 2).json()["dots_left"] == 0
    over_budget = vote(client, ideas[2], 1)
    assert over_budget.status_code == 409
    assert over_budget.json()["code"] == "over_budget"
    # Lowering one idea's dots frees them for another.
    assert vote(client, ideas[0], 1).json()["dots_left"] == 2
    assert vote(client, ideas[2], 2).json()["dots_left"] == 0
    mine = client.get(f"/api/v1/sessions/{dots_session.pk}/my-votes/").json()
    assert mine["dots_left"] == 0
    assert mine["spent"] == 5
    assert sorted(v["value"] for v in mine["votes"]) == [1, 2, 2]


# --- request ids -------------------------------------------------------------------------------


def test_resent_request_id_is_applied_once(api, session, idea, participant):
    session.voting_method = VotingMethod.AGREE
    session.save()
    client = api(participant)
    first = vote(client, idea, 1, request_id="r-1")
    assert first.json()["duplicate_request"] is False
    vote(client, idea, -1, request_id="r-2")
    # r-1 arrives again late (a retry after a timeout): it must not undo r-2.
    replay = vote(client, idea, 1, request_id="r-1")
    assert replay.status_code == 200
    assert replay.json()["duplicate_request"] is True
    assert Vote.objects.get(idea=idea).value == -1


def test_my_votes_requires_own_session(api, session, participant, make_participant):
    from tests.conftest import SessionFactory

    assert api(None).get(f"/api/v1/sessions/{session.pk}/my-votes/").status_code == 401
    stranger = make_participant(SessionFactory())
    assert api(stranger).get(f"/api/v1/sessions/{session.pk}/my-votes/").status_code == 403
    assert api(participant).get(f"/api/v1/sessions/{session.pk}/my-votes/").status_code == 200
