"""Property: any sequence of votes, withdrawals, merges and unmerges leaves the
stored votes equal to what the rules say, and the tallies equal a recount."""

from __future__ import annotations

import itertools
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ideas import operations
from ideas.errors import DomainError
from ideas.models import Vote, VotingMethod
from ideas.tallies import idea_tallies
from tests.conftest import ParticipantFactory, SessionFactory, UserFactory

PARTICIPANTS = 4
IDEAS = 4

step = st.one_of(
    st.tuples(
        st.just("vote"),
        st.integers(0, PARTICIPANTS - 1),
        st.integers(0, IDEAS - 1),
        st.sampled_from([-1, 0, 1]),
    ),
    st.tuples(st.just("withdraw"), st.integers(0, PARTICIPANTS - 1), st.integers(0, IDEAS - 1)),
    st.tuples(st.just("merge"), st.integers(0, IDEAS - 1), st.integers(0, IDEAS - 1)),
    st.tuples(st.just("unmerge"), st.integers(0, IDEAS - 1)),
)


class Model:
    """The rules, written plainly: votes carry an identity so an unmerge finds the ones it moved."""

    def __init__(self) -> None:
        self.votes: dict[
            tuple[int, int], tuple[int, int]
        ] = {}  # (participant, idea) -> (vote id, value)
        self.merged_into: dict[int, int] = {}
        self.records: dict[int, tuple[list[int], list[tuple[int, int]]]] = {}
        self.ids = itertools.count()

    def vote(self, p: int, i: int, value: int) -> bool:
        if i in self.merged_into:
            return False
        current = self.votes.get((p, i))
        self.votes[(p, i)] = (current[0] if current else next(self.ids), value)
        return True

    def withdraw(self, p: int, i: int) -> bool:
        if i in self.merged_into:
            return False
        self.votes.pop((p, i), None)
        return True

    def merge(self, d: int, t: int) -> bool:
        if d == t or d in self.merged_into or t in self.merged_into:
            return False
        moved, dropped = [], []
        for (p, i), (vote_id, value) in list(self.votes.items()):
            if i != d:
                continue
            del self.votes[(p, i)]
            if (p, t) in self.votes:
                dropped.append((p, value))
            else:
                self.votes[(p, t)] = (vote_id, value)
                moved.append(vote_id)
        self.merged_into[d] = t
        self.records[d] = (moved, dropped)
        return True

    def unmerge(self, d: int) -> bool:
        if d not in self.merged_into:
            return False
        moved, dropped = self.records[d]
        for (p, i), (vote_id, value) in list(self.votes.items()):
            if vote_id in moved and (p, d) not in self.votes:
                del self.votes[(p, i)]
                self.votes[(p, d)] = (vote_id, value)
        for p, value in dropped:
            if (p, d) not in self.votes:
                self.votes[(p, d)] = (next(self.ids), value)
        del self.merged_into[d]
        return True


def apply_step(kind, args, people, ideas, moderator):
    if kind == "vote":
        p, i, value = args
        operations.vote_cast(participant=people[p], idea_id=ideas[i].pk, value=value)
    elif kind == "withdraw":
        p, i = args
        operations.vote_withdraw(participant=people[p], idea_id=ideas[i].pk)
    elif kind == "merge":
        d, t = args
        operations.idea_merge(duplicate=ideas[d], target=ideas[t], actor=moderator)
    else:
        (d,) = args
        operations.idea_unmerge(duplicate=ideas[d], actor=moderator)


@pytest.mark.django_db
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(steps=st.lists(step, min_size=1, max_size=25))
def test_votes_and_tallies_follow_the_rules(steps):
    moderator = UserFactory(username="property-moderator", is_staff=True)
    session = SessionFactory(voting_method=VotingMethod.AGREE)
    people = [ParticipantFactory(session=session) for _ in range(PARTICIPANTS)]
    ideas = [
        operations.idea_post(session=session, text=f"Идея {n}", author=people[0])
        for n in range(IDEAS)
    ]
    model = Model()
    for kind, *args in steps:
        expected = getattr(model, kind)(*args)
        try:
            apply_step(kind, args, people, ideas, moderator)
            applied = True
        except DomainError:
            applied = False
        assert applied == expected, (kind, args)

    index = {idea.pk: n for n, idea in enumerate(ideas)}
    person = {p.pk: n for n, p in enumerate(people)}
    stored = {
        (person[v.participant_id], index[v.idea_id]): v.value
        for v in Vote.objects.filter(idea__session=session)
    }
    assert stored == {key: value for key, (_id, value) in model.votes.items()}

    # Tallies equal a recount from scratch, and nobody counts twice on an idea.
    recount: dict[int, Counter[int]] = {}
    for (_p, i), value in stored.items():
        recount.setdefault(ideas[i].pk, Counter())[value] += 1
    for idea_id, tally in idea_tallies(session).items():
        counts = recount[idea_id]
        assert (tally.agree, tally.passes, tally.disagree) == (counts[1], counts[0], counts[-1])
        assert tally.votes == sum(counts.values())
    for idea_id in recount.keys() - idea_tallies(session).keys():
        assert not recount[idea_id]


@pytest.mark.django_db
@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    steps=st.lists(
        st.tuples(st.integers(0, 3), st.integers(1, 3), st.booleans()), min_size=1, max_size=30
    )
)
def test_dots_never_exceed_the_budget(steps):
    session = SessionFactory(voting_method=VotingMethod.DOTS, dots_budget=5, dots_max_per_idea=3)
    voter = ParticipantFactory(session=session)
    ideas = [
        operations.idea_post(session=session, text=f"Идея {n}", author=voter) for n in range(4)
    ]
    for i, dots, withdraw in steps:
        try:
            if withdraw:
                operations.vote_withdraw(participant=voter, idea_id=ideas[i].pk)
            else:
                operations.vote_cast(participant=voter, idea_id=ideas[i].pk, value=dots)
        except DomainError:
            pass
        spent = sum(Vote.objects.filter(participant=voter).values_list("value", flat=True))
        assert spent <= 5
