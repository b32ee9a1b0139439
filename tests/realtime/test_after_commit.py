"""Events leave only after the transaction commits; a rolled-back change is never shown."""

from __future__ import annotations

import pytest
from django.db import transaction

from ideas import operations
from realtime import bus

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _embedded_bus(settings):
    """Watch the in-process broker, whatever the pass (the Redis path is tested in test_redis)."""
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}


def _published(session_id: int) -> int:
    return bus.local_broker().current_seq(session_id)


def test_idea_event_is_published_at_commit_not_before(session, participant, django_capture_on_commit_callbacks):
    before = _published(session.pk)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        operations.idea_post(session=session, text="Идея", author=participant)
    assert _published(session.pk) == before  # inside the transaction: nothing left
    for callback in callbacks:
        callback()
    assert _published(session.pk) == before + 1


def test_vote_marks_its_idea_dirty_only_at_commit(session, participant, post_idea, django_capture_on_commit_callbacks):
    idea = post_idea(session, participant)
    broker = bus.local_broker()
    broker.tick(session.pk, "probe", 0, 1)  # drain what earlier tests left
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        operations.vote_cast(participant=participant, idea_id=idea.pk, value=1)
    assert session.pk not in broker._dirty or not broker._dirty[session.pk]
    for callback in callbacks:
        callback()
    assert broker._dirty[session.pk] == {idea.pk}
    broker.leave(session.pk, "probe")


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_change_is_never_shown(session, participant):
    before = _published(session.pk)
    with pytest.raises(RuntimeError), transaction.atomic():
        operations.idea_post(session=session, text="Передумал", author=participant)
        raise RuntimeError("rolled back")
    assert _published(session.pk) == before


def test_a_lost_bus_never_fails_the_operation(session, participant, settings, django_capture_on_commit_callbacks):
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": ["redis://127.0.0.1:1/0"], "prefix": "nowhere"},
        }
    }
    with django_capture_on_commit_callbacks(execute=True):
        idea = operations.idea_post(session=session, text="Идея", author=participant)
    with django_capture_on_commit_callbacks(execute=True):
        outcome = operations.vote_cast(participant=participant, idea_id=idea.pk, value=1)
    assert outcome.changed
