"""Row locks of the vote path on PostgreSQL: votes on one idea run side by side, a merge waits for them.

A vote holds its idea under a shared lock while it runs. These tests hold that lock open in
another connection (a vote "in flight") and check what the database lets through meanwhile.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.db import OperationalError, connection, connections, transaction

from ideas import operations
from ideas.models import Idea, Stage, Vote
from ideas.operations import votes

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks exist only on PostgreSQL"),
]


@contextmanager
def vote_in_flight(idea: Idea) -> Iterator[None]:
    """Another connection takes the vote path's lock on `idea` and keeps its transaction open."""
    locked, release = threading.Event(), threading.Event()
    failure: list[BaseException] = []

    def hold() -> None:
        try:
            with transaction.atomic():
                assert votes._IDEAS.rows([idea.pk]) != []  # the lock every vote batch takes
                locked.set()
                release.wait(30)
        except BaseException as error:  # reported in the test's thread
            failure.append(error)
            locked.set()
        finally:
            connections.close_all()

    holder = threading.Thread(target=hold)
    holder.start()
    assert locked.wait(30)
    try:
        assert not failure, failure
        yield
    finally:
        release.set()
        holder.join(30)


def lock_timeout(milliseconds: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"SET lock_timeout = {int(milliseconds)}")


@pytest.fixture
def voting(session, participant, post_idea, make_participant):
    ideas = [post_idea(session, participant, text) for text in ("Тёплые остановки", "Тёплые остановки у школ")]
    session.stage = Stage.VOTING
    session.save(update_fields=["stage"])
    return session, ideas, [make_participant(session) for _ in range(2)]


def test_two_votes_on_one_idea_do_not_wait_for_each_other(voting):
    session, (idea, _other), (first, second) = voting
    lock_timeout(2000)
    with vote_in_flight(idea):
        outcome = operations.vote_cast(participant=second, idea_id=idea.pk, value=1)
    assert outcome.changed
    assert Vote.objects.filter(idea=idea, participant=second).count() == 1


def test_a_merge_waits_for_a_vote_in_flight(voting, moderator):
    session, (target, duplicate), _people = voting
    lock_timeout(300)
    with vote_in_flight(duplicate), pytest.raises(OperationalError, match="lock timeout"):
        operations.idea_merge(duplicate=duplicate, target=target, actor=moderator)
    duplicate.refresh_from_db()
    assert duplicate.status != "merged"  # nothing half-done: the merge rolled back whole
