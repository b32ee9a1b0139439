"""Posting, reading and moderating ideas: who sees what, and bad input."""

from __future__ import annotations

import pytest

from ideas.models import Idea, IdeaStatus, ModerationAction, Stage

pytestmark = pytest.mark.django_db


def post(client, session, text, **extra):
    return client.post(
        f"/api/v1/sessions/{session.pk}/ideas/", {"text": text, **extra}, format="json"
    )


# --- refused ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        {"text": ""},
        {"text": "   \n\t "},
        {"text": "x" * 1001},
        {"text": "x" * 10_000},
        {"text": "плохой\x07символ"},
        {"text": 42},
        {"text": ["список"]},
        {"text": None},
        {},
        {"text": "нормально", "title": "т" * 121},
        {"text": "нормально", "title": 5},
    ],
)
def test_bad_idea_input_is_400_and_nothing_is_written(api, session, participant, body):
    response = api(participant).post(f"/api/v1/sessions/{session.pk}/ideas/", body, format="json")
    assert response.status_code == 400, response.content
    assert response.json()["detail"]
    assert "fields" in response.json()
    assert Idea.objects.count() == 0


def test_a_huge_body_is_413(api, session, participant):
    response = api(participant).generic(
        "POST",
        f"/api/v1/sessions/{session.pk}/ideas/",
        '{"text": "' + "я" * 200_000 + '"}',
        content_type="application/json",
    )
    assert response.status_code == 413
    assert Idea.objects.count() == 0


def test_malformed_json_is_400(api, session, participant):
    response = api(participant).generic(
        "POST",
        f"/api/v1/sessions/{session.pk}/ideas/",
        '{"text": ',
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["detail"]


def test_posting_outside_ideation_is_409(api, session, participant):
    for stage in (Stage.DRAFT, Stage.VOTING, Stage.RESULTS, Stage.ARCHIVED):
        session.stage = stage
        session.save()
        response = post(api(participant), session, "Идея")
        assert response.status_code == 409, stage
        assert response.json()["detail"]
    assert Idea.objects.count() == 0


def test_anonymous_outsider_and_other_session_cannot_post(api, session, outsider, make_participant):
    from tests.conftest import SessionFactory

    assert post(api(None), session, "Идея").status_code == 401
    assert post(api(outsider), session, "Идея").status_code == 403
    assert post(api(make_participant(SessionFactory())), session, "Идея").status_code == 403
    assert Idea.objects.count() == 0


# --- posting ---------------------------------------------------------------------------------


def test_post_trims_and_publishes(api, session, participant):
    response = post(api(participant), session, "  Тёплые остановки  ", title=" Транспорт ")
    assert response.status_code == 201
    body = response.json()
    assert body["text"] == "Тёплые остановки"
    assert body["title"] == "Транспорт"
    assert body["status"] == "published"
    assert body["mine"] is True


def test_moderators_may_post_too(api, session, moderator):
    assert post(api(moderator), session, "Идея модератора").status_code == 201


def test_premoderation_holds_ideas(api, session, participant):
    session.premoderation = True
    session.save()
    assert post(api(participant), session, "Идея").json()["status"] == "pending"


def test_flagged_ideas_wait_for_a_moderator_with_the_reason(api, session, participant, moderator):
    response = post(
        api(participant), session, "Подробности на сайте example.com или пишите ivan@example.com"
    )
    assert response.status_code == 201
    idea = Idea.objects.get()
    assert idea.status == IdeaStatus.PENDING
    assert "link" in idea.flags
    assert ModerationAction.objects.filter(idea=idea, action="idea.flagged").exists()
    queue = (
        api(moderator).get(f"/api/v1/sessions/{session.pk}/ideas/?status=pending").json()["results"]
    )
    assert [row["id"] for row in queue] == [idea.pk]
    assert "link" in queue[0]["flags"]


# --- visibility ------------------------------------------------------------------------------------


@pytest.fixture
def mixed(session, participant, make_participant, post_idea, moderator):
    from ideas import operations

    other = make_participant(session)
    shown = post_idea(session, other, "Видимая идея")
    hidden = post_idea(session, other, "Скрытая идея с оскорблением")
    operations.idea_moderate(
        idea=hidden, actor=moderator, status=IdeaStatus.HIDDEN, reason="insult"
    )
    own_pending = post_idea(session, participant, "Моя идея на модерации")
    operations.idea_moderate(idea=own_pending, actor=moderator, status=IdeaStatus.PENDING)
    return {"shown": shown, "hidden": hidden, "own_pending": own_pending}


def ids(response):
    return {row["id"] for row in response.json()["results"]}


def test_who_sees_which_ideas(
    api, session, participant, moderator, outsider, mixed, make_participant
):
    url = f"/api/v1/sessions/{session.pk}/ideas/"
    assert ids(api(moderator).get(url)) == {i.pk for i in mixed.values()}
    assert ids(api(participant).get(url)) == {mixed["shown"].pk, mixed["own_pending"].pk}
    assert ids(api(outsider).get(url)) == {mixed["shown"].pk}
    assert ids(api(None).get(url)) == {mixed["shown"].pk}
    anyone_text = str(api(None).get(url).json())
    assert "оскорблением" not in anyone_text
    assert api(participant).get(f"/api/v1/ideas/{mixed['hidden'].pk}/").status_code == 404
    assert api(None).get(f"/api/v1/ideas/{mixed['own_pending'].pk}/").status_code == 404
    assert api(participant).get(f"/api/v1/ideas/{mixed['own_pending'].pk}/").status_code == 200


def test_private_sessions_are_invisible_to_outsiders(api, session, participant, outsider):
    session.is_public = False
    session.save()
    assert api(None).get(f"/api/v1/sessions/{session.pk}/ideas/").status_code == 404
    assert api(outsider).get(f"/api/v1/sessions/{session.pk}/").status_code == 404
    assert api(participant).get(f"/api/v1/sessions/{session.pk}/ideas/").status_code == 200


def test_names_stay_in_the_room(api, session, participant, moderator, post_idea):
    idea = post_idea(session, participant, "Идея")
    assert api(None).get(f"/api/v1/ideas/{idea.pk}/").json()["author"] == {
        "display_name": None,
        "sector": "society",
    }
    assert (
        api(moderator).get(f"/api/v1/ideas/{idea.pk}/").json()["author"]["display_name"]
        == participant.display_name
    )


def test_tallies_only_when_results_are_visible(api, session, participant, post_idea, moderator):
    idea = post_idea(session, participant, "Идея")
    session.live_results_visible = False
    session.save()
    assert api(participant).get(f"/api/v1/ideas/{idea.pk}/").json()["tally"] is None
    assert api(moderator).get(f"/api/v1/ideas/{idea.pk}/").json()["tally"] == {
        "supporters": 0,
        "votes": 0,
        "score": 0,
    }
    assert api(participant).get(f"/api/v1/sessions/{session.pk}/results/").status_code == 403


def test_filters_and_ordering(api, session, participant, make_participant, post_idea, moderator):
    from ideas import operations

    a, b, c = (post_idea(session, participant, f"Идея {n}") for n in "abc")
    for _ in range(2):
        voter = make_participant(session)
        operations.vote_cast(participant=voter, idea_id=b.pk, value=1)
    operations.vote_cast(participant=make_participant(session), idea_id=c.pk, value=1)
    url = f"/api/v1/sessions/{session.pk}/ideas/"
    client = api(participant)
    assert [r["id"] for r in client.get(url + "?ordering=-score").json()["results"]] == [
        b.pk,
        c.pk,
        a.pk,
    ]
    assert [r["id"] for r in client.get(url + "?ordering=-created").json()["results"]] == [
        c.pk,
        b.pk,
        a.pk,
    ]
    group = operations.group_create(
        session=session, actor=moderator, title="Транспорт", idea_ids=[a.pk]
    )
    assert [r["id"] for r in client.get(url + f"?group={group.pk}").json()["results"]] == [a.pk]
    assert {r["id"] for r in client.get(url + "?group=none").json()["results"]} == {b.pk, c.pk}
    assert client.get(url + "?ordering=bogus").status_code == 400
    assert client.get(url + "?group=abc").status_code == 400
    assert api(moderator).get(url + "?status=bogus").status_code == 400


# --- moderation ------------------------------------------------------------------------------------


def test_moderation_permission_matrix(
    api, session, participant, moderator, outsider, post_idea, make_participant
):
    from tests.conftest import SessionFactory

    idea = post_idea(session, participant, "Идея")
    url = f"/api/v1/ideas/{idea.pk}/"
    body = {"status": "hidden", "reason": "off_topic"}
    assert api(None).patch(url, body, format="json").status_code == 401
    assert api(participant).patch(url, body, format="json").status_code == 403
    assert api(outsider).patch(url, body, format="json").status_code == 403
    assert api(make_participant(SessionFactory())).patch(url, body, format="json").status_code == 403
    idea.refresh_from_db()
    assert idea.status == IdeaStatus.PUBLISHED
    response = api(moderator).patch(url, body, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "hidden"
    assert response.json()["hide_reason"] == "off_topic"
    log = ModerationAction.objects.get(idea=idea, action="idea.hide")
    assert log.actor == moderator
    assert log.reason == "off_topic"


def test_hiding_needs_a_reason(api, session, participant, moderator, post_idea):
    idea = post_idea(session, participant, "Идея")
    response = api(moderator).patch(
        f"/api/v1/ideas/{idea.pk}/", {"status": "hidden"}, format="json"
    )
    assert response.status_code == 400
    assert "reason" in response.json()["fields"]
    assert api(moderator).patch(f"/api/v1/ideas/{idea.pk}/", {}, format="json").status_code == 400
    assert (
        api(moderator)
        .patch(f"/api/v1/ideas/{idea.pk}/", {"status": "merged"}, format="json")
        .status_code
        == 400
    )
    idea.refresh_from_db()
    assert idea.status == IdeaStatus.PUBLISHED


def test_approving_a_pending_idea(api, session, participant, moderator):
    session.premoderation = True
    session.save()
    idea_id = post(api(participant), session, "Идея").json()["id"]
    response = api(moderator).patch(
        f"/api/v1/ideas/{idea_id}/", {"status": "published"}, format="json"
    )
    assert response.json()["status"] == "published"
