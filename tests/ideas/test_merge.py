"""Merging duplicates keeps history and never counts a participant twice."""

from __future__ import annotations

import pytest

from ideas import operations
from ideas.errors import Conflict, Forbidden, InvalidInput, SessionArchived
from ideas.models import IdeaStatus, ModerationAction, Stage, Vote, VotingMethod
from ideas.tallies import idea_tallies

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair(session, participant, post_idea):
    target = post_idea(session, participant, "Тёплые остановки")
    duplicate = post_idea(session, participant, "Остановки с подогревом")
    return target, duplicate


def test_refusals(api, session, pair, moderator, outsider, participant):
    target, duplicate = pair
    with pytest.raises(Forbidden):
        operations.idea_merge(duplicate=duplicate, target=target, actor=outsider)
    with pytest.raises(InvalidInput):
        operations.idea_merge(duplicate=duplicate, target=duplicate, actor=moderator)
    assert api(participant).post(
        f"/api/v1/ideas/{duplicate.pk}/merge/", {"into": target.pk}, format="json"
    ).status_code == 403
    assert (
        api(moderator)
        .post(f"/api/v1/ideas/{duplicate.pk}/merge/", {"into": 999999}, format="json")
        .status_code
        == 400
    )
    assert (
        api(moderator)
        .post(f"/api/v1/ideas/{duplicate.pk}/merge/", {"into": "x"}, format="json")
        .status_code
        == 400
    )
    operations.idea_merge(duplicate=duplicate, target=target, actor=moderator)
    with pytest.raises(Conflict):
        operations.idea_merge(duplicate=duplicate, target=target, actor=moderator)
    with pytest.raises(Conflict):  # never into a merged idea
        operations.idea_merge(duplicate=target, target=duplicate, actor=moderator)


def test_votes_follow_without_double_counting(session, pair, moderator, make_participant):
    target, duplicate = pair
    both = make_participant(session, sector="business")
    only_duplicate = make_participant(session, sector="government")
    only_target = make_participant(session)
    for voter, ideas in (
        (both, [target, duplicate]),
        (only_duplicate, [duplicate]),
        (only_target, [target]),
    ):
        for idea in ideas:
            operations.vote_cast(participant=voter, idea_id=idea.pk, value=1)
    operations.idea_merge(duplicate=duplicate, target=target, actor=moderator)
    duplicate.refresh_from_db()
    assert duplicate.status == IdeaStatus.MERGED
    assert duplicate.merged_into == target
    assert duplicate.text == "Остановки с подогревом"  # history kept
    tallies = idea_tallies(session)
    assert tallies[target.pk].supporters == 3  # both, only_duplicate, only_target: each once
    assert duplicate.pk not in tallies
    assert Vote.objects.filter(participant=both).count() == 1
    log = ModerationAction.objects.get(action="idea.merge", idea=duplicate)
    assert log.data["into"] == target.pk
    assert len(log.data["moved_votes"]) == 1
    assert log.data["dropped_votes"] == [{"participant": both.pk, "value": 1}]


def test_unmerge_restores_both_ideas_and_their_votes(session, pair, moderator, make_participant):
    target, duplicate = pair
    both = make_participant(session)
    only_duplicate = make_participant(session)
    operations.vote_cast(participant=both, idea_id=target.pk, value=1)
    operations.vote_cast(participant=both, idea_id=duplicate.pk, value=1)
    operations.vote_cast(participant=only_duplicate, idea_id=duplicate.pk, value=1)
    before = {k: v.supporters for k, v in idea_tallies(session).items()}
    operations.idea_merge(duplicate=duplicate, target=target, actor=moderator)
    operations.idea_unmerge(duplicate=duplicate, actor=moderator)
    duplicate.refresh_from_db()
    assert duplicate.status == IdeaStatus.PUBLISHED
    assert duplicate.merged_into is None
    assert {k: v.supporters for k, v in idea_tallies(session).items()} == before
    with pytest.raises(Conflict):
        operations.idea_unmerge(duplicate=duplicate, actor=moderator)


def test_merged_idea_refuses_votes(api, session, pair, moderator, make_participant):
    target, duplicate = pair
    operations.idea_merge(duplicate=duplicate, target=target, actor=moderator)
    voter = make_participant(session)
    response = api(voter).put(f"/api/v1/ideas/{duplicate.pk}/vote/", {"value": 1}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "merged"
    assert str(target.pk) in response.json()["detail"]


def test_agree_merge_keeps_the_targets_vote(session, pair, moderator, make_participant):
    session.voting_method = VotingMethod.AGREE
    session.save()
    target, duplicate = pair
    voter = make_participant(session)
    operations.vote_cast(participant=voter, idea_id=target.pk, value=-1)
    operations.vote_cast(participant=voter, idea_id=duplicate.pk, value=1)
    operations.idea_merge(duplicate=duplicate, target=target, actor=moderator)
    assert Vote.objects.get(participant=voter).value == -1


def test_merge_through_the_api_and_back(api, session, pair, moderator):
    target, duplicate = pair
    response = api(moderator).post(
        f"/api/v1/ideas/{duplicate.pk}/merge/", {"into": target.pk}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["status"] == "merged"
    assert response.json()["merged_into"] == target.pk
    response = api(moderator).post(f"/api/v1/ideas/{duplicate.pk}/unmerge/")
    assert response.status_code == 200
    assert response.json()["status"] == "published"


def test_nothing_merges_in_an_archived_session(session, pair, moderator):
    target, duplicate = pair
    session.stage = Stage.ARCHIVED
    session.save()
    with pytest.raises(SessionArchived):
        operations.idea_merge(duplicate=duplicate, target=target, actor=moderator)
    duplicate.refresh_from_db()
    assert duplicate.status == IdeaStatus.PUBLISHED
