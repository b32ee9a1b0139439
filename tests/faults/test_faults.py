"""Fault injection on the production shape: PostgreSQL, Redis, two daphne processes, the worker.

Phones vote all along (most over their socket, some over REST), big screens watch. Then, in
turn: Redis is killed mid-voting and started again (empty, as after a crash); one daphne is
killed with SIGKILL and started again (its phones reconnect and resend, as live.js does); the
task worker is killed while ideas are posted and started again. After each:

- no vote acknowledged but not stored (the database holds exactly the acknowledged state),
- none stored twice (one row per voter and idea, one per request id),
- every client shows the database's tallies within 5 s of the repair.

The figures (votes sent, acknowledged, stored, resent, convergence time) are printed and
carried in the assertion messages, since CI runs without -s.

Runs in the PostgreSQL + Redis pass (`make test-services`); skipped on the embedded defaults.
"""

from __future__ import annotations

import asyncio
import os
import random
import time
from typing import Any

import httpx
import pytest

from tests.faults.conftest import FIGURES
from tests.faults.harness import Client, Database, Figures, Worker, manage, rest_vote, seed
from tests.realtime.servers import DaphneServer, RedisServer

SERVICES = os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")) and bool(
    os.environ.get("REDIS_URL")
)
pytestmark = [
    pytest.mark.faults,
    pytest.mark.skipif(not SERVICES, reason="fault injection needs PostgreSQL + Redis (the services pass)"),
]

CONVERGE_SECONDS = 5.0
PHONES = 16
REST_PHONES = 4  # of the phones, these vote over REST
SCREENS_PER_PROCESS = 2
IDEAS = 8


@pytest.fixture(scope="module")
def world(tmp_path_factory: Any):
    """Its own database and Redis, two daphne processes, the worker."""
    tmp = tmp_path_factory.mktemp("faults")
    database = Database(os.environ["DATABASE_URL"])
    database.create()
    redis = RedisServer()
    redis.start()
    env = {
        "DATABASE_URL": database.url,
        "REDIS_URL": redis.url,
        "VECHE_CHANNEL_PREFIX": "faults",
        "VECHE_CACHE_PREFIX": "faults",
        "VECHE_VAR_DIR": str(tmp),
        "VECHE_TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
        "VECHE_EMBEDDING_MODEL": "lexical",
        "VECHE_THROTTLE_VOTE": "100000/min",
        "VECHE_TALLY_TICK_SECONDS": "0.25",
    }
    servers: list[DaphneServer] = []
    worker = Worker(env, tmp / "worker.log")
    try:
        manage(env, "migrate", "--noinput", "-v0")
        data = seed(env, ideas=IDEAS, phones=PHONES)
        servers = [DaphneServer(env), DaphneServer(env)]
        for server in servers:
            server.start()
        worker.start()
        yield {"db": database, "redis": redis, "servers": servers, "worker": worker, "data": data}
    finally:
        worker.kill()
        for server in servers:
            server.stop()
        redis.stop()
        database.drop()


class Hall:
    """The phones and screens of one session, the votes they had acknowledged, and the checks."""

    def __init__(self, world: dict[str, Any]) -> None:
        self.world = world
        data = world["data"]
        self.session: int = data["session"]
        self.ideas: list[int] = data["ideas"]
        servers: list[DaphneServer] = world["servers"]
        self.phones: list[tuple[int, str, Client | None, str]] = []  # (participant, token, socket client, REST base)
        self.clients: list[Client] = []
        for index, (participant, token) in enumerate(data["phones"]):
            server = servers[index % 2]
            if index < REST_PHONES:
                self.phones.append((participant, token, None, server.http))
            else:
                client = Client(server.ws, self.session, token)
                self.phones.append((participant, token, client, server.http))
                self.clients.append(client)
        for server in servers:
            self.clients += [Client(server.ws, self.session) for _ in range(SCREENS_PER_PROCESS)]
        self.rest_figures = Figures()
        self.expected: dict[tuple[int, int], int] = {}  # the acknowledged state: (participant, idea) → value

    async def start(self) -> None:
        for client in self.clients:
            client.start()
        await asyncio.gather(*(asyncio.wait_for(c.connected.wait(), 20) for c in self.clients))

    async def stop(self) -> None:
        await asyncio.gather(*(c.stop() for c in self.clients))

    def figures(self) -> Figures:
        total = Figures()
        for figures in [self.rest_figures, *(c.figures for c in self.clients)]:
            total.sent += figures.sent
            total.acked += figures.acked
            total.resends += figures.resends
            total.reconnects += figures.reconnects
            total.messages += figures.messages
        return total

    async def vote_until(self, stop: asyncio.Event) -> None:
        """Every phone votes (toggles its support of a random idea) until told to stop; in-flight votes finish."""

        async def phone(participant: int, token: str, client: Client | None, base: str) -> None:
            async with httpx.AsyncClient(base_url=base, timeout=5) as http:
                while not stop.is_set():
                    idea = random.choice(self.ideas)  # noqa: S311
                    value = None if self.expected.get((participant, idea)) else 1
                    if client is None:
                        await rest_vote(http, token, idea, value, self.rest_figures)
                        stored = value
                    else:
                        stored = (await client.vote(idea, value))["value"]
                    if stored is None:
                        self.expected.pop((participant, idea), None)
                    else:
                        self.expected[(participant, idea)] = stored
                    await asyncio.sleep(random.uniform(0.05, 0.2))  # noqa: S311

        await asyncio.gather(*(phone(*entry) for entry in self.phones))

    # --- checks against the database

    def stored(self) -> dict[tuple[int, int], int]:
        rows = self.world["db"].query(
            "SELECT v.participant_id, v.idea_id, v.value FROM ideas_vote v JOIN ideas_idea i ON i.id = v.idea_id "
            "WHERE i.session_id = %s",
            self.session,
        )
        return {(participant, idea): value for participant, idea, value in rows}

    def duplicates(self) -> int:
        db = self.world["db"]
        votes = db.query("SELECT count(*) FROM (SELECT 1 FROM ideas_vote GROUP BY participant_id, idea_id HAVING count(*) > 1) d")
        requests = db.query(
            "SELECT count(*) FROM (SELECT 1 FROM ideas_voterequest GROUP BY participant_id, request_id HAVING count(*) > 1) d"
        )
        return int(votes[0][0]) + int(requests[0][0])

    def database_tallies(self) -> dict[str, dict[str, int]]:
        rows = self.world["db"].query(
            "SELECT v.idea_id, count(*) FILTER (WHERE v.value > 0), count(*) FROM ideas_vote v "
            "JOIN ideas_idea i ON i.id = v.idea_id WHERE i.session_id = %s AND i.status = 'published' GROUP BY v.idea_id",
            self.session,
        )
        return {str(idea): {"supporters": s, "votes": n, "score": s} for idea, s, n in rows if n}

    async def converge(self, since: float) -> float:
        """Seconds from `since` until every client shows the database's tallies (ideas with votes)."""
        while True:
            expected = await asyncio.to_thread(self.database_tallies)
            shown = [{k: v for k, v in c.tallies.items() if v.get("votes")} for c in self.clients]
            wrong = sum(1 for tallies in shown if tallies != expected)
            elapsed = time.monotonic() - since
            if not wrong:
                return elapsed
            if elapsed > CONVERGE_SECONDS + 5:  # report the figure, the assertion judges it
                return elapsed
            await asyncio.sleep(0.05)

    async def phase(self, name: str, fault: Any, repair: Any, during: float = 2.0) -> dict[str, Any]:
        """Vote, inject the fault, vote through it, repair, stop voting; then check everything."""
        before = self.figures()
        stop = asyncio.Event()
        voting = asyncio.create_task(self.vote_until(stop))
        await asyncio.sleep(1.0)
        await asyncio.to_thread(fault)
        await asyncio.sleep(during)
        await asyncio.to_thread(repair)
        repaired = time.monotonic()
        stop.set()
        await asyncio.wait_for(voting, timeout=60)  # every vote in flight is answered
        seconds = await self.converge(repaired)
        after = self.figures()
        stored = await asyncio.to_thread(self.stored)
        missing = {key: value for key, value in self.expected.items() if stored.get(key) != value}
        extra = {key: value for key, value in stored.items() if key not in self.expected}
        duplicates = await asyncio.to_thread(self.duplicates)
        figures = {
            "phase": name,
            "votes sent": after.sent - before.sent,
            "acked": after.acked - before.acked,
            "resent": after.resends - before.resends,
            "reconnects": after.reconnects - before.reconnects,
            "stored rows": len(stored),
            "acked state": len(self.expected),
            "acked but not stored": len(missing),
            "stored but not acked": len(extra),
            "stored twice": duplicates,
            "converged after repair (s)": round(seconds, 2),
        }
        print(f"fault figures: {figures}")
        FIGURES.append(figures)
        assert figures["votes sent"] == figures["acked"], f"a vote was never answered: {figures}"
        assert not missing and not extra, f"database differs from the acknowledged votes: {figures}; {missing} {extra}"
        assert duplicates == 0, f"something was stored twice: {figures}"
        assert seconds <= CONVERGE_SECONDS, f"clients not exact within {CONVERGE_SECONDS}s of the repair: {figures}"
        return figures


async def test_votes_and_tallies_survive_redis_daphne_and_worker_faults(world):
    hall = Hall(world)
    await hall.start()
    report: list[dict[str, Any]] = []
    try:
        redis: RedisServer = world["redis"]
        report.append(await hall.phase("redis killed and restarted empty", redis.stop, redis.start))

        killed: DaphneServer = world["servers"][1]
        report.append(await hall.phase("daphne SIGKILL and restart", killed.kill, killed.start))

        worker: Worker = world["worker"]
        posted: list[int] = []

        def kill_worker_and_post() -> None:
            worker.kill()
            author = world["data"]["author"]
            with httpx.Client(base_url=world["servers"][0].http, timeout=10) as http:
                for n in range(3):
                    answer = http.post(
                        f"/api/v1/sessions/{hall.session}/ideas/",
                        json={"text": f"Велодорожки вдоль реки, вариант {n}"},
                        headers={"Authorization": f"Bearer {author}"},
                    )
                    assert answer.status_code == 201, answer.text  # posting never waits for the worker
                    posted.append(answer.json()["id"])

        report.append(await hall.phase("worker SIGKILL and restart", kill_worker_and_post, worker.start))
        # The embeddings queued while the worker was away are done once it is back.
        db: Database = world["db"]

        def embedded() -> int:
            rows = db.query(
                "SELECT count(*) FROM django_tasks_database_dbtaskresult WHERE task_path LIKE %s AND status = 'SUCCESSFUL' "
                "AND args_kwargs::text LIKE ANY(%s)",
                "%embed_idea",
                [f"%[{i}]%" for i in posted],
            )
            return int(rows[0][0])

        deadline = time.monotonic() + 30
        while await asyncio.to_thread(embedded) < len(posted) and time.monotonic() < deadline:
            await asyncio.sleep(0.2)
        done = await asyncio.to_thread(embedded)
        report[-1]["tasks queued while the worker was down, done after"] = f"{done}/{len(posted)}"
        assert done == len(posted), f"tasks lost with the worker: {report}"
    finally:
        await hall.stop()
    print("fault suite:", *report, sep="\n  ")
