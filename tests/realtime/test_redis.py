"""Several processes on real Redis: a vote on one reaches the clients of another; Redis may go away.

Each test gets its own key prefix on the test Redis (`VECHE_TEST_REDIS_URL`, default db 14),
so both test passes (embedded and services) run these, side by side, without clashing.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.urls import path

from ideas.models import Vote
from realtime.bus import RedisBus
from realtime.consumers import SessionConsumer
from realtime.hub import Hub
from realtime.middleware import TokenAuthMiddleware
from tests.realtime.conftest import TEST_REDIS_URL, run_sync

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.redis]


def _app(hub: Hub) -> Any:
    """One "process": its own hub, its own Redis subscription, the real auth stack."""
    from channels.routing import URLRouter

    return TokenAuthMiddleware(URLRouter([path("ws/sessions/<int:session_id>/", SessionConsumer.as_asgi(hub=hub))]))


@pytest.fixture
async def hubs(redis_prefix: str, live_settings: Any):
    made: list[Hub] = []

    def make(url: str = TEST_REDIS_URL) -> Hub:
        hub = Hub(RedisBus(url, redis_prefix), tick_seconds=0.05)
        made.append(hub)
        return hub

    yield make
    for hub in made:
        await hub.close()


async def test_a_vote_on_one_process_reaches_the_clients_of_another(connect, hubs, session, participant, post_idea):
    idea = await run_sync(post_idea)(session, participant)
    first, second = hubs(), hubs()
    phone = await connect(session.pk, participant.token, app=_app(first))
    screen = await connect(session.pk, app=_app(second))
    await phone.until("snapshot")
    await screen.until("snapshot")

    await phone.send({"type": "vote", "idea": idea.pk, "value": 1, "request_id": "cross"})
    assert (await phone.until("vote.ack"))["changed"] is True
    counted = lambda m: m["tallies"].get(str(idea.pk), {}).get("supporters") == 1  # noqa: E731
    on_screen = await screen.until("tally", counted)
    on_phone = await phone.until("tally", counted)
    assert on_screen["seq"] == on_phone["seq"]  # one tally for the session, one seq, every process
    # Presence adds up the processes (participants only: the screen is not counted).
    await screen.until("presence", lambda m: m["online"] == 1)


async def test_events_and_seq_agree_across_processes(connect, hubs, session, participant, moderator, post_idea):
    from ideas import operations

    first, second = hubs(), hubs()
    a = await connect(session.pk, app=_app(first))
    b = await connect(session.pk, app=_app(second))
    await a.until("snapshot")
    await b.until("snapshot")
    for number in range(5):
        await run_sync(post_idea)(session, participant, f"Идея {number}")
    await run_sync(operations.group_create)(session=session, actor=moderator, title="Г")
    await a.until("groups.updated")
    await b.until("groups.updated")
    events = lambda c: [(m["type"], m["seq"]) for m in c.received if m["type"] in ("idea.created", "groups.updated")]  # noqa: E731
    assert events(a) == events(b)
    assert [seq for _kind, seq in events(a)] == sorted(seq for _kind, seq in events(a))


async def test_one_tally_per_tick_across_processes(connect, hubs, session, make_participant, post_idea):
    from ideas import operations

    author = await run_sync(make_participant)(session)
    idea = await run_sync(post_idea)(session, author)
    apps = [_app(hubs()) for _ in range(3)]
    screens = [await connect(session.pk, app=app) for app in apps]
    for screen in screens:
        await screen.until("snapshot")
    voters = [await run_sync(make_participant)(session) for _ in range(20)]

    def vote_all() -> None:
        for voter in voters:
            operations.vote_cast(participant=voter, idea_id=idea.pk, value=1)

    await run_sync(vote_all)()
    for screen in screens:
        await screen.until("tally", lambda m: m["tallies"].get(str(idea.pk), {}).get("supporters") == 20)
    seqs = [[m["seq"] for m in screen.received if m["type"] == "tally"] for screen in screens]
    assert seqs[0] == seqs[1] == seqs[2]  # the same tallies everywhere, not one per process


class RedisProxy:
    """A TCP proxy in front of the test Redis, so a test can cut Redis off and bring it back."""

    def __init__(self, target: str) -> None:
        parts = urlsplit(target)
        self.target = (parts.hostname or "127.0.0.1", parts.port or 6379)
        self.db = parts.path or "/0"
        self.port = 0
        self.server: asyncio.Server | None = None
        self.writers: set[asyncio.StreamWriter] = set()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}{self.db}"

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._handle, "127.0.0.1", self.port, reuse_address=True)
        self.port = self.server.sockets[0].getsockname()[1]

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.close()
            return
        self.writers |= {writer, up_writer}

        async def pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
            with contextlib.suppress(Exception):
                while data := await source.read(65536):
                    sink.write(data)
                    await sink.drain()
            sink.close()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))

    async def cut(self) -> None:
        assert self.server is not None
        self.server.close()
        for writer in list(self.writers):
            writer.close()
        self.writers.clear()

    async def restore(self) -> None:
        await self.start()


async def test_redis_outage_loses_no_vote_and_the_stream_recovers(
    connect, hubs, redis_prefix, settings, session, participant, make_participant, post_idea, api
):
    proxy = RedisProxy(TEST_REDIS_URL)
    await proxy.start()
    # Everything — the hub's subscription and the request threads' publisher — goes through the proxy.
    settings.CHANNEL_LAYERS["default"]["CONFIG"]["hosts"] = [proxy.url]
    idea = await run_sync(post_idea)(session, participant)
    voters = [await run_sync(make_participant)(session) for _ in range(3)]
    hub = hubs(proxy.url)
    screen = await connect(session.pk, app=_app(hub))
    await screen.until("snapshot")
    await run_sync(lambda: api(voters[0]).put(f"/api/v1/ideas/{idea.pk}/vote/", {"value": 1}, format="json"))()
    await screen.until("tally", lambda m: m["tallies"].get(str(idea.pk), {}).get("supporters") == 1)

    await proxy.cut()
    # Redis is away: REST voting goes on and nothing is lost.
    response = await run_sync(lambda: api(voters[1]).put(f"/api/v1/ideas/{idea.pk}/vote/", {"value": 1}, format="json"))()
    assert response.status_code == 200, response.content
    assert await run_sync(Vote.objects.filter(idea=idea).count)() == 2

    await proxy.restore()
    # Back: the client is resynced with the database's state, without reconnecting.
    fresh = await screen.until("snapshot", timeout=10)
    assert {i["id"]: i["tally"]["supporters"] for i in fresh["ideas"]}[idea.pk] == 2
    # And live updates flow again (the first publish may wait out the one-second breaker).
    await run_sync(lambda: api(voters[2]).put(f"/api/v1/ideas/{idea.pk}/vote/", {"value": 1}, format="json"))()
    await screen.until("tally", lambda m: m["tallies"].get(str(idea.pk), {}).get("supporters") == 3, timeout=10)
    await proxy.cut()
