"""Every operation that others must see sends its event, and only after commit."""

from __future__ import annotations

import pytest

from ideas import events, operations

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent():
    """What a sink registered with `ideas.events` receives (the live stream is one such sink)."""
    received = []

    def sink(session_id, kind, payload):
        received.append((kind, payload))

    events.register_sink(sink)
    yield received
    events.unregister_sink(sink)


def test_events_leave_after_commit(
    session, participant, moderator, sent, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        idea = operations.idea_post(session=session, text="Идея", author=participant)
    assert sent == []  # nothing before commit
    for callback in callbacks:
        callback()
    assert ("idea.created", {"idea": idea.pk}) in sent

    expectations = [
        (lambda: operations.vote_cast(participant=participant, idea_id=idea.pk, value=1), "tally"),
        (lambda: operations.vote_withdraw(participant=participant, idea_id=idea.pk), "tally"),
        (
            lambda: operations.idea_moderate(
                idea=idea, actor=moderator, status="hidden", reason="other"
            ),
            "idea.updated",
        ),
        (
            lambda: operations.group_create(session=session, actor=moderator, title="Г"),
            "groups.updated",
        ),
        (
            lambda: operations.session_set_stage(session=session, actor=moderator, stage="voting"),
            "stage",
        ),
        (
            lambda: operations.session_set_timer(session=session, actor=moderator, seconds=60),
            "session.updated",
        ),
    ]
    for call, kind in expectations:
        sent.clear()
        with django_capture_on_commit_callbacks(execute=True):
            call()
        assert kind in [k for k, _payload in sent], kind


def test_a_refused_operation_sends_nothing(
    session, participant, sent, django_capture_on_commit_callbacks
):
    session.stage = "draft"
    session.save()
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(Exception):  # noqa: B017, PT011
        operations.idea_post(session=session, text="Идея", author=participant)
    assert sent == []


def test_unchanged_vote_sends_nothing(
    session, participant, post_idea, sent, django_capture_on_commit_callbacks
):
    idea = post_idea(session, participant)
    operations.vote_cast(participant=participant, idea_id=idea.pk, value=1)
    sent.clear()
    with django_capture_on_commit_callbacks(execute=True):
        operations.vote_cast(participant=participant, idea_id=idea.pk, value=1)
    assert sent == []
