"""Votes applied together (`votes_apply`, the group commit behind live voting): each gets its own answer."""

from __future__ import annotations

import pytest

from ideas import operations
from ideas.errors import Conflict, InvalidInput, NotFound
from ideas.models import Stage, Vote, VoteRequest, VotingMethod
from ideas.operations import VoteChange, VoteOutcome

pytestmark = pytest.mark.django_db


@pytest.fixture
def ideas(session, participant, post_idea):
    return [post_idea(session, participant, f"Идея номер {n} про тёплые остановки") for n in range(3)]


def stored(idea):
    return sorted(Vote.objects.filter(idea=idea).values_list("participant_id", "value"))


def test_a_batch_answers_every_change_in_order_and_writes_only_the_accepted(
    session, make_participant, ideas, moderator
):
    alice, bob, carol = (make_participant(session) for _ in range(3))
    operations.idea_moderate(idea=ideas[2], actor=moderator, status="hidden", reason="off_topic")
    results = operations.votes_apply(
        [
            VoteChange(alice, ideas[0].pk, 1),
            VoteChange(bob, "not an id", 1),  # refused before the transaction
            VoteChange(carol, ideas[0].pk, 7),  # refused inside it: support is 1
            VoteChange(bob, ideas[1].pk, 1),
            VoteChange(alice, ideas[2].pk, 1),  # hidden: as if it did not exist
        ]
    )
    assert results[0] == VoteOutcome(ideas[0].pk, 1, True, False, None)
    assert isinstance(results[1], InvalidInput)
    assert isinstance(results[2], InvalidInput) and "value" in results[2].fields
    assert results[3] == VoteOutcome(ideas[1].pk, 1, True, False, None)
    assert isinstance(results[4], NotFound)
    assert stored(ideas[0]) == [(alice.pk, 1)]
    assert stored(ideas[1]) == [(bob.pk, 1)]


def test_two_changes_of_one_voter_see_each_other(session, participant, ideas):
    session.voting_method = VotingMethod.DOTS
    session.dots_budget = 5
    session.dots_max_per_idea = 3
    session.save()
    results = operations.votes_apply(
        [
            VoteChange(participant, ideas[0].pk, 3),
            VoteChange(participant, ideas[1].pk, 3),  # 6 of 5: refused, though alone it would fit
            VoteChange(participant, ideas[0].pk, 2),  # changing the first vote frees a dot
            VoteChange(participant, ideas[1].pk, 3),  # now 5 of 5 fits
            VoteChange(participant, ideas[2].pk, None, withdraw=True),  # nothing to withdraw
        ]
    )
    assert results[0] == VoteOutcome(ideas[0].pk, 3, True, False, 2)
    assert isinstance(results[1], Conflict) and results[1].code == "over_budget"
    assert results[2] == VoteOutcome(ideas[0].pk, 2, True, False, 3)
    assert results[3] == VoteOutcome(ideas[1].pk, 3, True, False, 0)
    assert results[4] == VoteOutcome(ideas[2].pk, None, False, False, 0)
    assert stored(ideas[0]) == [(participant.pk, 2)] and stored(ideas[1]) == [(participant.pk, 3)]
    assert stored(ideas[2]) == []


def test_a_vote_cast_and_withdrawn_in_one_batch_leaves_nothing(participant, ideas):
    results = operations.votes_apply(
        [VoteChange(participant, ideas[0].pk, 1), VoteChange(participant, ideas[0].pk, None, withdraw=True)]
    )
    assert [r.value for r in results] == [1, None] and all(r.changed for r in results)
    assert stored(ideas[0]) == []


def test_the_same_request_id_twice_in_a_batch_is_applied_once(participant, ideas):
    results = operations.votes_apply(
        [
            VoteChange(participant, ideas[0].pk, 1, request_id="phone-1"),
            VoteChange(participant, ideas[0].pk, None, request_id="phone-1", withdraw=True),  # a resend
        ]
    )
    assert results[0].duplicate_request is False and results[1].duplicate_request is True
    assert results[1].value == 1  # the resend is answered with the vote as it stands
    assert stored(ideas[0]) == [(participant.pk, 1)]
    assert VoteRequest.objects.filter(participant=participant, request_id="phone-1").count() == 1


def test_a_request_id_from_an_earlier_batch_is_answered_not_applied(participant, ideas):
    operations.votes_apply([VoteChange(participant, ideas[0].pk, 1, request_id="r")])
    again = operations.votes_apply([VoteChange(participant, ideas[0].pk, None, request_id="r", withdraw=True)])
    assert again[0].duplicate_request is True and stored(ideas[0]) == [(participant.pk, 1)]


def test_each_change_speaks_its_own_language(session, make_participant, ideas):
    session.stage = Stage.DRAFT
    session.save()
    russian, english = make_participant(session), make_participant(session)
    results = operations.votes_apply(
        [VoteChange(russian, ideas[0].pk, 1, language="ru"), VoteChange(english, ideas[0].pk, 1, language="en")]
    )
    assert results[0].message == "На этом этапе голосование закрыто."
    assert results[1].message == "Voting is not open in this stage."
    assert Vote.objects.count() == 0


def test_a_voter_of_another_session_gets_not_found(make_participant, ideas):
    from tests.conftest import SessionFactory

    stranger = make_participant(SessionFactory())
    results = operations.votes_apply([VoteChange(stranger, ideas[0].pk, 1)])
    assert isinstance(results[0], NotFound) and Vote.objects.count() == 0


def test_the_single_vote_operations_are_a_batch_of_one(participant, ideas):
    outcome = operations.vote_cast(participant=participant, idea_id=ideas[0].pk, value=1, request_id="x")
    assert outcome == VoteOutcome(ideas[0].pk, 1, True, False, None)
    with pytest.raises(InvalidInput):
        operations.vote_cast(participant=participant, idea_id=ideas[0].pk, value=2)
    assert operations.vote_withdraw(participant=participant, idea_id=ideas[0].pk).changed is True
    assert stored(ideas[0]) == []
