"""Contest events on the audience session's socket, over a real WebSocket client, on both buses.

Every message is checked against realtime/schemas.py by the test client; the tests also check
what must never be in them (a score before the results, per-entry tallies the regulations hide).
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction
from rest_framework.test import APIClient

from contests import events, operations
from contests.models import JurorAssignment
from tests.contests.conftest import World, join
from tests.realtime.conftest import connect, live_settings, redis_prefix, run_sync, staff_token  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)

ALL = {"relevance": 7, "impact": 8, "replicability": 6}


def to_defence(world: World, *, show_tallies: bool = False) -> None:
    operations.jury_assign(contest=world.contest, actor=world.organiser)
    if show_tallies:
        document = world.contest.regulations | {"show_public_tallies": True}
        operations.regulations_update(
            contest=world.contest, actor=world.organiser, regulations_document=document, reason="табло в зале"
        )
    operations.contest_set_stage(contest=world.contest, actor=world.organiser, stage="selection")
    operations.contest_set_stage(contest=world.contest, actor=world.organiser, stage="defence")
    world.contest.refresh_from_db()


def vote_over_rest(world: World, entry_id: int, token: str) -> int:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client.post(f"/api/v1/contests/{world.contest.pk}/vote/", {"entry": entry_id}, format="json").status_code


def submit_sheet(world: World, entry_id: int) -> None:
    assignment = JurorAssignment.objects.filter(entry_id=entry_id, recused=False).select_related("juror__user").first()
    assert assignment is not None
    entry = world.contest.entries.get(pk=entry_id)
    operations.score_save(contest=world.contest, entry=entry, actor=assignment.juror.user, scores=ALL, submit=True)


def for_contest(world: World) -> Any:
    return lambda message: message["contest"] == world.contest.pk


async def _stream_carries_votes_progress_and_ceremony(world: World, open_client: Any) -> None:
    await run_sync(to_defence)(world)
    voter = await run_sync(join)(world.session, "Телефон")
    phone = await open_client(world.session.pk, voter.token)
    screen = await open_client(world.session.pk)
    await phone.until("snapshot")
    await screen.until("snapshot")

    await run_sync(operations.public_vote_set_open)(
        contest=world.contest, actor=world.organiser, nomination="tos", is_open=True
    )
    updated = await screen.until("contest.updated", for_contest(world))
    assert updated["open_votes"] == ["tos"] and updated["stage"] == "defence"

    entry = world.entries[0]
    assert await run_sync(vote_over_rest)(world, entry.pk, voter.token) == 201
    tally = await screen.until("contest.tally", lambda m: m["voters"] == 1)
    assert tally["nomination"] == "tos"
    assert "tallies" not in tally  # the regulations do not show the public tallies
    await phone.until("contest.tally", lambda m: m["voters"] == 1)

    await run_sync(submit_sheet)(world, entry.pk)
    progress = await screen.until("contest.progress", for_contest(world))
    row = next(item for item in progress["progress"] if item["entry"] == entry.pk)
    assert row["scored"] == 1 and row["of"] >= 2
    assert "7" not in str({k: v for k, v in row.items() if k != "entry"})  # no score value leaks

    def ceremony() -> None:
        with transaction.atomic():
            events.emit(world.contest.pk, "contest.ceremony", {"nomination": "tos", "step": "reveal", "place": 3})

    await run_sync(ceremony)()
    relayed = await screen.until("contest.ceremony")
    assert relayed["contest"] == world.contest.pk and relayed["step"] == "reveal" and relayed["place"] == 3
    await phone.until("contest.ceremony")


async def test_contest_events_reach_the_audience_socket(world: World, connect: Any) -> None:  # noqa: F811
    await _stream_carries_votes_progress_and_ceremony(world, connect)


@pytest.mark.redis
async def test_contest_events_reach_the_audience_socket_over_redis(
    world: World, connect: Any, redis_prefix: str  # noqa: F811
) -> None:
    await _stream_carries_votes_progress_and_ceremony(world, connect)


async def test_tallies_per_entry_only_when_the_regulations_show_them(world: World, connect: Any) -> None:  # noqa: F811
    await run_sync(to_defence)(world, show_tallies=True)
    await run_sync(operations.public_vote_set_open)(
        contest=world.contest, actor=world.organiser, nomination="tos", is_open=True
    )
    screen = await connect(world.session.pk)
    await screen.until("snapshot")
    first, second = world.entries[0], world.entries[1]
    for n, entry in enumerate([first, first, second]):
        voter = await run_sync(join)(world.session, f"Зритель {n}")
        assert await run_sync(vote_over_rest)(world, entry.pk, voter.token) == 201
    tally = await screen.until("contest.tally", lambda m: m["voters"] == 3)
    assert tally["tallies"] == {str(first.pk): 2, str(second.pk): 1}


async def test_a_contest_not_yet_public_reaches_only_moderators(world: World, connect: Any) -> None:  # noqa: F811
    from contests import regulations

    def draft_contest() -> Any:
        world.session.moderators.add(world.organiser)
        return operations.contest_create(
            forum=world.forum, actor=world.organiser, title="Черновик", regulations_document=regulations.example(),
            audience_session=world.session,
        )

    draft = await run_sync(draft_contest)()
    moderator = await connect(world.session.pk, await run_sync(staff_token)(world.organiser))
    screen = await connect(world.session.pk)
    await moderator.until("snapshot")
    await screen.until("snapshot")

    def ceremony() -> None:
        with transaction.atomic():
            events.emit(draft.pk, "contest.ceremony", {"step": "rehearsal"})

    await run_sync(ceremony)()
    assert (await moderator.until("contest.ceremony"))["step"] == "rehearsal"
    await screen.nothing_more(0.5)
    await screen.poll()
    assert not [m for m in screen.received if m["type"].startswith("contest.")]
