"""Who may watch a session live: participant, moderator, outsider, anonymous, another session's participant."""

from __future__ import annotations

import pytest

from ideas.models import Stage, Vote
from tests.conftest import ParticipantFactory, SessionFactory
from tests.realtime.conftest import run_sync, staff_token

pytestmark = pytest.mark.django_db(transaction=True)


async def _private(session):
    session.is_public = False
    await run_sync(session.save)()
    return session


async def _refused(client, code: int) -> dict:
    error = await client.until("error")
    with pytest.raises(ConnectionError):
        await client.next()
    assert client.close_code == code
    return error


async def test_invalid_token_is_refused(connect, session):
    client = await connect(session.pk, "vp_not-a-real-token", query="lang=en")
    error = await _refused(client, 4401)
    assert error["code"] == "invalid_token" and "not valid" in error["message"]


async def test_unknown_session_is_refused(connect, db):
    client = await connect(987654)
    assert (await _refused(client, 4404))["code"] == "not_found"


async def test_anonymous_on_a_private_session_is_refused(connect, session):
    await _private(session)
    client = await connect(session.pk, headers=((b"accept-language", b"en"),))
    error = await _refused(client, 4403)
    assert error["code"] == "forbidden" and "not public" in error["message"]


async def test_anonymous_on_a_draft_session_is_refused(connect, session):
    session.stage = Stage.DRAFT
    await run_sync(session.save)()
    await _refused(await connect(session.pk), 4403)


async def test_outsider_is_refused_a_private_session_and_read_only_on_a_public_one(connect, session, outsider, participant):
    token = await run_sync(staff_token)(outsider)
    viewer = await connect(session.pk, token)
    snapshot = await viewer.until("snapshot")
    assert "participant" not in snapshot and "my_votes" not in snapshot
    await _private(session)
    await _refused(await connect(session.pk, token), 4403)


async def test_participant_of_another_session_reads_public_sessions_only(connect, session, post_idea, participant):
    elsewhere = await run_sync(ParticipantFactory)(session=await run_sync(SessionFactory)())
    idea = await run_sync(post_idea)(session, participant)
    viewer = await connect(session.pk, elsewhere.token, query="lang=en")
    snapshot = await viewer.until("snapshot")
    assert "my_votes" not in snapshot
    await viewer.send({"type": "vote", "idea": idea.pk, "value": 1, "request_id": "x"})
    error = await viewer.until("error")
    assert error["code"] == "forbidden" and error["request_id"] == "x"
    assert await run_sync(Vote.objects.count)() == 0
    await _private(session)
    await _refused(await connect(session.pk, elsewhere.token), 4403)


async def test_anonymous_screen_is_read_only(connect, session, participant, post_idea):
    idea = await run_sync(post_idea)(session, participant)
    screen = await connect(session.pk)
    await screen.until("snapshot")
    await screen.send({"type": "vote", "idea": idea.pk, "value": 1, "request_id": "s"})
    assert (await screen.until("error"))["status"] == 403
    assert await run_sync(Vote.objects.count)() == 0


async def test_participant_and_moderator_of_a_private_session_are_let_in(connect, session, participant, moderator):
    await _private(session)
    phone = await connect(session.pk, participant.token)
    assert (await phone.until("snapshot"))["participant"]["id"] == participant.pk
    staff = await connect(session.pk, await run_sync(staff_token)(moderator))
    assert (await staff.until("snapshot"))["session"]["is_public"] is False


async def test_named_moderator_who_is_not_staff_sees_everything(connect, session, outsider, participant):
    from tests.conftest import IdeaFactory

    await run_sync(session.moderators.add)(outsider)
    hidden = await run_sync(IdeaFactory)(session=session, author=participant, status="hidden", hide_reason="other")
    client = await connect(session.pk, await run_sync(staff_token)(outsider))
    assert hidden.pk in {i["id"] for i in (await client.until("snapshot"))["ideas"]}


async def test_foreign_origin_is_refused(connect, session):
    client = await connect(session.pk, origin=b"http://evil.example")
    assert client.close_code is not None


async def test_refusals_speak_russian_by_default(connect, session):
    await _private(session)
    client = await connect(session.pk)
    error = await _refused(client, 4403)
    assert "не публичная" in error["message"]
