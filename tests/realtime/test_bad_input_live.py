"""Bad input over the live socket: an `error` message for the sender, nothing for anyone else.

JSON nested 1,000 deep made `json.loads` raise RecursionError (the socket closed with 1011); a
vote for idea 10**30 failed the whole shared vote batch on SQLite (honest votes got server_error).
"""

from __future__ import annotations

import asyncio

import pytest

from ideas.models import Stage, Vote
from tests.realtime.conftest import run_sync

pytestmark = pytest.mark.django_db(transaction=True)

DEEP = "[" * 1000 + "]" * 1000  # 2 KB, under the 4 KB message limit


async def test_json_nested_1000_deep_is_answered_with_an_error_and_the_socket_stays_open(
    connect, session, participant
):
    phone = await connect(session.pk, participant.token, query="lang=en")
    await phone.until("snapshot")
    for text in (DEEP, '{"type": "vote", "idea": ' + DEEP + "}"):
        await phone.communicator.send_to(text_data=text)
        error = await phone.until("error")
        assert error["code"] == "invalid" and error["status"] == 400 and error["message"]
    await phone.send({"type": "ping"})
    await phone.until("pong")
    assert phone.close_code is None


async def test_a_vote_for_an_impossible_idea_fails_only_itself_among_honest_votes(
    connect, session, participant, make_participant, post_idea
):
    idea = await run_sync(post_idea)(session, participant)
    session.stage = Stage.VOTING
    await run_sync(session.save)()
    honest = [await run_sync(make_participant)(session) for _ in range(10)]
    hostile = [await run_sync(make_participant)(session) for _ in range(5)]
    honest_phones = [await connect(session.pk, voter.token) for voter in honest]
    hostile_phones = [await connect(session.pk, voter.token) for voter in hostile]
    for phone in honest_phones + hostile_phones:
        await phone.until("snapshot")

    # Sent together, so the intake stores them in shared batches.
    await asyncio.gather(
        *(
            phone.send({"type": "vote", "idea": 10**30, "value": 1, "request_id": f"bad-{n}"})
            for n, phone in enumerate(hostile_phones)
        ),
        *(
            phone.send({"type": "vote", "idea": idea.pk, "value": 1, "request_id": f"ok-{n}"})
            for n, phone in enumerate(honest_phones)
        ),
    )
    acks = [await phone.until("vote.ack") for phone in honest_phones]
    errors = [await phone.until("error") for phone in hostile_phones]
    assert all(ack["changed"] and ack["value"] == 1 for ack in acks)
    assert {error["code"] for error in errors} == {"not_found"}
    assert {error["status"] for error in errors} == {404}
    assert await run_sync(Vote.objects.filter(idea=idea).count)() == 10
