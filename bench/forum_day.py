"""A forum day: 8 sessions at once on 2 socket processes + 1 HTTP process, PostgreSQL + Redis.

3,000 participants in all (50 to 800 a session), each session voting at its own rate
(proportional to its size, 300 votes/s in all), 90 % over the socket, 10 % over REST to the
HTTP process (as the proxy routes `/api/`), tallies at 4 a second. Printed per session:
p50/p95/p99 from a vote's acknowledgement to every client of the session showing it, updates
delivered a second, the longest time any client went without a tally while votes flowed, and
exactness (acknowledged = stored = shown in every client). Then the same clients and votes
against a bare `websockets` server with one room per session (the reference, all over the
socket), and the CPU per delivered update of both.

    .venv/bin/python bench/forum_day.py                      # 15 s of voting, then the reference
    .venv/bin/python bench/forum_day.py --kill-one           # SIGKILL one socket process mid-run
    .venv/bin/python bench/forum_day.py --redis-restart      # restart (a private) Redis mid-run
    .venv/bin/python bench/forum_day.py --contest-voters 0   # without the contest's public vote

A third of the way in, 400 phones of the largest hall cast a contest public vote within 2 s
(`POST /api/v1/contests/{id}/vote/` to the HTTP process; the contest's audience is that hall);
printed: acknowledged = stored = the `voters` of the last `contest.tally` every client of the
hall holds. The load generator prints its own CPU and how late its event loop woke
(`load_generator`): every latency includes that lateness, for Veche and the reference alike.
The clients are bare asyncio protocols (`bench/_ws.py`): 3,008 `websockets` clients kept the
load generator's core busy by themselves.

Clients behave like the phone page (`pages/static/pages/live-core.js`): one socket each; when it
drops they connect to the other socket process (as a load balancer would) after the page's
jittered backoff, with `resume`, and resend the votes not yet acknowledged with the same
`request_id`. REST votes are retried
with the same `request_id` when the request fails. `--redis-restart` starts its own
`redis-server` on a free port (the machine's Redis is never touched).

Bounded: at most 60 s of voting, only 127.0.0.1; it stops its servers itself.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import resource
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import _ws as ws  # noqa: E402
from bench._http import RestPool  # noqa: E402
from bench._machine import machine  # noqa: E402
from bench.live import (  # noqa: E402
    LISTEN_BACKLOG,
    ORIGIN,
    PYTHON,
    Client,
    cpu_seconds,
    django_script,
    free_port,
    latencies,
    latency_summary,
    longest_tally_gap,
    percentile,
    server_env,
    start_daphnes,
    stop,
    vote_plan,
    wait_for_port,
)

SIZES = [50, 100, 200, 300, 400, 550, 600, 800]  # 3,000 participants
IDEAS_PER_SESSION = 20
MAX_SECONDS = 60


# --- setup -------------------------------------------------------------------------------------------


def create_sessions(env: dict[str, str], sizes: list[int], ideas: int) -> list[dict[str, Any]]:
    code = (
        "import django, json\ndjango.setup()\n"
        "from django.core.management import call_command\ncall_command('migrate', verbosity=0)\n"
        "from ideas.models import CaseSession, Idea, Participant\n"
        "out = []\n"
        f"for n, size in enumerate({sizes!r}):\n"
        "    s = CaseSession.objects.create(title=f'hall {n}', question='?', stage='voting', voting_method='support')\n"
        f"    ideas = Idea.objects.bulk_create([Idea(session=s, text=f'idea {{i}}') for i in range({ideas})])\n"
        "    people, tokens = [], []\n"
        "    for i in range(size):\n"
        "        p = Participant(session=s, display_name=f'p{i}', sector='society')\n"
        "        tokens.append(p.issue_token()); people.append(p)\n"
        "    Participant.objects.bulk_create(people, batch_size=1000)\n"
        "    out.append({'session': s.pk, 'ideas': [i.pk for i in ideas], 'tokens': tokens})\n"
        "print(json.dumps(out))\n"
    )
    return django_script(env, code)


CONTEST_SETUP = r"""
import django, json, sys
django.setup()
from django.contrib.auth import get_user_model
from ideas.models import CaseSession, Forum
from contests import operations, regulations
spec = json.loads(sys.argv[1])
users = get_user_model().objects
tag = spec["tag"]
organiser = users.create_user(f"bench-org-{tag}", password=None)
team = users.create_user(f"bench-team-{tag}", password=None)
forum = Forum.objects.create(title=f"forum day {tag}", city="bench", is_public=True)
forum.organisers.add(organiser)
CaseSession.objects.filter(pk__in=spec["sessions"]).update(forum=forum)
audience = CaseSession.objects.get(pk=spec["audience"])
document = regulations.example([("tos", "ТОС", "TOS"), ("nko", "НКО", "NGO")]) | {"show_public_tallies": True}
contest = operations.contest_create(forum=forum, actor=organiser, title="public vote", regulations_document=document,
                                    audience_session=audience)
for i in range(4):
    operations.juror_add(contest=contest, actor=organiser, user=users.create_user(f"bench-juror{i}-{tag}", password=None),
                         organisation=f"fund {i}", territory=f"town {i}")
operations.contest_set_stage(contest=contest, actor=organiser, stage="submissions")
entries = []
for n in range(6):
    data = {"nomination": "tos", "title": f"practice {n}", "team_kind": "tos", "settlement": "urban",
            "organisation": f"TOS {n}", "territory": f"district {n}", "problem": "no yard for the children",
            "actions": "built a playground together", "resources": "weekend work", "results": "a yard for 200 children",
            "contacts": "the chair"}
    entries.append(operations.entry_submit(contest=contest, actor=team, data=data).pk)
operations.jury_assign(contest=contest, actor=organiser)
operations.contest_set_stage(contest=contest, actor=organiser, stage="selection")
operations.contest_set_stage(contest=contest, actor=organiser, stage="defence")
operations.public_vote_set_open(contest=contest, actor=organiser, nomination="tos", is_open=True)
print(json.dumps({"contest": contest.pk, "entries": entries, "nomination": "tos"}))
"""


def create_contest(env: dict[str, str], sessions: list[int], audience: int) -> dict[str, Any] | None:
    """A contest whose audience is one of the halls, its public vote open; None when contests cannot be set up."""
    spec = json.dumps({"sessions": sessions, "audience": audience, "tag": uuid.uuid4().hex[:8]})
    done = subprocess.run(
        [PYTHON, "-c", CONTEST_SETUP, spec], env=env, cwd=ROOT, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        print(json.dumps({"contest_burst": "skipped", "reason": done.stderr.strip().splitlines()[-1:]}))
        return None
    return json.loads(done.stdout.strip().splitlines()[-1])


def stored_contest_votes(env: dict[str, str], contest: int) -> int:
    code = (
        "import django, json\ndjango.setup()\nfrom contests.models import PublicVote\n"
        f"print(json.dumps(PublicVote.objects.filter(contest_id={contest}).count()))\n"
    )
    return int(django_script(env, code))


def stored_per_session(env: dict[str, str], sessions: list[int]) -> dict[int, int]:
    code = (
        "import django, json\ndjango.setup()\n"
        "from django.db.models import Count\nfrom ideas.models import Vote\n"
        f"rows = Vote.objects.filter(idea__session_id__in={sessions!r}).values('idea__session_id').annotate(n=Count('id'))\n"
        "print(json.dumps({r['idea__session_id']: r['n'] for r in rows}))\n"
    )
    found = django_script(env, code)
    return {session: int(found.get(str(session), 0)) for session in sessions}


def database_counters() -> dict[str, int] | None:
    """PostgreSQL's own counters for the bench database: commits and rows written."""
    import psycopg

    url = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/veche_bench")
    try:
        with psycopg.connect(url, autocommit=True, connect_timeout=3) as connection:
            connection.execute("SELECT pg_stat_force_next_flush()")
            row = connection.execute(
                "SELECT xact_commit, tup_inserted, tup_updated, tup_deleted FROM pg_stat_database"
                " WHERE datname = current_database()"
            ).fetchone()
    except psycopg.Error:
        return None
    assert row is not None
    return dict(zip(("commits", "rows_inserted", "rows_updated", "rows_deleted"), map(int, row), strict=True))


class PrivateRedis:
    """A redis-server of the bench's own, so that restarting it disturbs nobody else."""

    def __init__(self) -> None:
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise SystemExit("--redis-restart needs redis-server on PATH")
        self.process = subprocess.Popen(  # noqa: S603 - a local redis-server
            [binary, "--port", str(self.port), "--save", "", "--appendonly", "no", "--daemonize", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        wait_for_port(self.port)

    def kill(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(5)
            self.process = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"


# --- clients -----------------------------------------------------------------------------------------


def reconnect_delay(attempts: int) -> float:
    """The page's backoff (`reconnectLater` in pages/static/pages/live-core.js): full jitter, 1 s doubling to 10 s."""
    ceiling = min(10.0, 1.0 * 2 ** min(attempts - 1, 4))
    return 0.1 + random.random() * ceiling  # noqa: S311 - jitter, not a secret


class PhoneClient(Client):
    """A phone: reconnects to the other socket process with `resume`, resends unacknowledged votes."""

    def __init__(self, urls: list[str], start: int) -> None:
        super().__init__(urls[start % len(urls)])
        self.urls = urls
        self.which = start % len(urls)
        self.seq = 0
        self.pending: dict[str, dict[str, Any]] = {}  # request_id → the vote message, until acknowledged
        self.dropped_at: float | None = None
        self.reconnects: list[float] = []  # seconds from the drop to the new snapshot
        self.connected = asyncio.Event()
        self.bus_events = 0
        self.attempts = 0  # failed connections since the last snapshot (the page's backoff)
        self.contest_voters: dict[tuple[int, str], int] = {}

    async def run(self, stop_event: asyncio.Event) -> None:  # type: ignore[override]
        stopping = asyncio.ensure_future(stop_event.wait())
        try:
            while not stop_event.is_set():
                try:
                    socket_ = await ws.connect(self.urls[self.which], ORIGIN, self._on_message)
                except (TimeoutError, OSError):
                    socket_ = None
                if socket_ is not None:
                    self.socket = socket_
                    if self.seq:
                        socket_.send(json.dumps({"type": "resume", "seq": self.seq}))
                    await asyncio.wait({socket_.closed, stopping}, return_when=asyncio.FIRST_COMPLETED)
                    socket_.close()
                self.socket = None
                self.connected.clear()
                if stop_event.is_set():
                    return
                if self.dropped_at is None:
                    self.dropped_at = time.monotonic()
                self.which = (self.which + 1) % len(self.urls)  # the other process, as a balancer would
                self.attempts += 1
                await asyncio.sleep(reconnect_delay(self.attempts))
        finally:
            stopping.cancel()
            if self.socket is not None:
                self.socket.close()

    def _on_message(self, raw: str, now: float) -> None:
        """Called as the message's bytes are read (stamped then), not when a coroutine gets round to it."""
        self.messages += 1
        message = json.loads(raw)
        kind = message.get("type") or ""
        seq = int(message.get("seq", 0))
        if seq > self.seq and kind not in ("snapshot", "vote.ack", "error"):
            self.bus_events += 1  # a message the bus carried (each published once per session)
        self.seq = max(self.seq, seq)
        if kind == "tally":
            self.tally_times.append(now)
            self.record(message["tallies"], now)
        elif kind == "contest.tally":
            # Absolute counts: the newest one a client holds is what its screen shows.
            self.contest_voters[(message["contest"], message["nomination"])] = int(message["voters"])
        elif kind == "snapshot":
            self.record({str(i["id"]): i["tally"] for i in message.get("ideas", []) if "tally" in i}, now)
            self.snapshot.set()
            self.connected.set()
            self.attempts = 0
            if self.dropped_at is not None:
                self.reconnects.append(now - self.dropped_at)
                self.dropped_at = None
            if self.socket is not None:
                for vote in list(self.pending.values()):  # resent with the same request_id
                    self.socket.send(json.dumps(vote))
        elif kind in ("vote.ack", "error"):
            request_id = str(message.get("request_id"))
            future = self.acks.get(request_id)
            if kind == "error" and message.get("status", 0) >= 500:
                return  # not stored: resent after the next snapshot
            self.pending.pop(request_id, None)
            self.acks.pop(request_id, None)
            if future is not None and not future.done():
                future.set_result(message)

    async def vote(self, idea: int, value: int) -> dict[str, Any]:
        request_id = uuid.uuid4().hex
        message = {"type": "vote", "idea": idea, "value": value, "request_id": request_id}
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self.acks[request_id] = future
        self.pending[request_id] = message
        if self.socket is not None and self.connected.is_set():
            with contextlib.suppress(Exception):  # dropped: resent after the reconnect's snapshot
                self.socket.send(json.dumps(message))
        return await asyncio.wait_for(future, 45)


async def rest_vote(http: RestPool, port: int, token: str, idea: int) -> bool:
    request_id = uuid.uuid4().hex
    for attempt in range(6):  # as the page's offline queue: the same request_id until it is answered
        try:
            status, reply = await http.put(port, f"/api/v1/ideas/{idea}/vote/", {"value": 1, "request_id": request_id}, token)
        except Exception:
            status, reply = 0, {}
        if status == 200:
            return bool(reply.get("changed") or reply.get("duplicate_request"))
        if 400 <= status < 500 and status != 429:
            return False
        await asyncio.sleep(0.2 * (attempt + 1))
    return False


# --- the run -----------------------------------------------------------------------------------------


async def run_forum(
    *, sessions: list[dict[str, Any]], urls_of: Any, rest_port: int | None, pids: list[int],
    rate: float, seconds: float, rest_percent: int, reference: bool, fault: Any = None,
    contest: dict[str, Any] | None = None, contest_voters: int = 0, socket_pids: list[int] | None = None,
) -> dict[str, Any]:
    stop_event = asyncio.Event()
    total = sum(len(s["tokens"]) for s in sessions)
    clients: list[list[PhoneClient]] = []
    gate = asyncio.Semaphore(200)
    tasks: list[asyncio.Task[None]] = []

    async def open_one(client: PhoneClient) -> None:
        async with gate:
            tasks.append(asyncio.create_task(client.run(stop_event)))
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(client.snapshot.wait(), 60)

    for index, session in enumerate(sessions):
        # The phones, then the hall's big screen (number len(tokens)).
        room = [PhoneClient(urls_of(index, n), n + index) for n in range(len(session["tokens"]) + 1)]
        clients.append(room)
    await asyncio.gather(*(open_one(c) for room in clients for c in room))
    connected = sum(1 for room in clients for c in room if c.snapshot.is_set())
    await asyncio.sleep(1.0)

    # Each session votes at its share of the rate, on its own schedule; 1 in 10 over REST.
    plans = []
    for index, session in enumerate(sessions):
        share = rate * len(session["tokens"]) / total
        count = int(share * seconds)
        plan = vote_plan(len(session["tokens"]), len(session["ideas"]), count, seed=index + 1)
        plans.append((share, plan))
    accepted: list[list[tuple[float, int, str]]] = [[] for _ in sessions]
    failures = [0] * len(sessions)
    http = RestPool(per_port=64)
    # Per process, sampled: a process killed mid-run counts up to its last sample.
    cpu_before = {pid: cpu_seconds([pid]) for pid in pids}
    database_before = database_counters() if not reference else None
    events_before = [room[-1].bus_events for room in clients]
    cpu_last = dict(cpu_before)

    async def sample_cpu() -> None:
        while True:
            for pid in pids:
                with contextlib.suppress(OSError, ValueError, IndexError):
                    cpu_last[pid] = cpu_seconds([pid])
            await asyncio.sleep(0.25)

    sampler = asyncio.create_task(sample_cpu())
    # Is the load generator itself the bottleneck? Its own CPU and how late its loop wakes up:
    # a message's arrival is stamped when its client's coroutine runs, so a late loop adds its
    # lateness to every latency measured (for Veche and the reference alike).
    lags: list[float] = []

    async def probe_loop() -> None:
        loop = asyncio.get_running_loop()
        while True:
            before = loop.time()
            await asyncio.sleep(0.01)
            lags.append(max(0.0, loop.time() - before - 0.01))

    prober = asyncio.create_task(probe_loop())
    own_before = os.times()
    messages_before = [sum(c.messages for c in room) for room in clients]
    started = time.monotonic()
    # On stderr, for a profiler attached to the servers (it should sample the voting, not the connects).
    print(f"voting starts: {connected} of {total} clients connected", file=sys.stderr, flush=True)
    inflight: set[asyncio.Task[None]] = set()

    async def one(index: int, number: int, participant: int, idea_index: int) -> None:
        session = sessions[index]
        idea = session["ideas"][idea_index]
        over_rest = not reference and rest_port is not None and number % 100 < rest_percent
        try:
            if over_rest:
                ok = await rest_vote(http, rest_port, session["tokens"][participant], idea)
            else:
                reply = await clients[index][participant].vote(idea, 1)
                ok = reply.get("type") == "vote.ack" and bool(reply.get("changed") or reply.get("duplicate_request"))
        except Exception:
            ok = False
        if ok:
            accepted[index].append((time.monotonic(), number, str(idea)))
        else:
            failures[index] += 1

    async def session_voting(index: int) -> None:
        share, plan = plans[index]
        for number, (participant, idea_index) in enumerate(plan):
            delay = started + number / share - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            task = asyncio.create_task(one(index, number, participant, idea_index))
            inflight.add(task)
            task.add_done_callback(inflight.discard)

    contest_acked: list[float] = []
    contest_failures = 0

    async def contest_vote(token: str, entry: int, due: float) -> None:
        nonlocal contest_failures
        await asyncio.sleep(max(0.0, due - time.monotonic()))
        assert contest is not None and rest_port is not None
        for attempt in range(6):
            try:
                status, _reply = await http.post(
                    rest_port, f"/api/v1/contests/{contest['contest']}/vote/", {"entry": entry}, token
                )
            except Exception:
                status = 0
            # A 409 after a retry: the first attempt was stored and its answer lost.
            if status == 201 or (status == 409 and attempt > 0):
                contest_acked.append(time.monotonic())
                return
            if 400 <= status < 500 and status != 429:
                break
            await asyncio.sleep(0.2 * (attempt + 1))
        contest_failures += 1

    async def contest_burst() -> None:
        """The audience hall's public vote: `contest_voters` phones vote within 2 s, a third of the way in, over REST."""
        assert contest is not None
        tokens = sessions[contest["session_index"]]["tokens"][:contest_voters]
        begin = started + seconds / 3
        await asyncio.gather(*(
            contest_vote(token, contest["entries"][n % len(contest["entries"])], begin + 2.0 * n / len(tokens))
            for n, token in enumerate(tokens)
        ))

    fault_task = asyncio.create_task(fault(started + seconds / 2)) if fault else None
    burst_task = asyncio.create_task(contest_burst()) if contest and contest_voters and not reference else None
    await asyncio.gather(*(session_voting(i) for i in range(len(sessions))))
    if burst_task is not None:
        await burst_task
    if inflight:
        await asyncio.wait(inflight, timeout=50)
    fault_report = await fault_task if fault_task else None
    voting_seconds = time.monotonic() - started
    print("voting ends", file=sys.stderr, flush=True)
    # The last tallies arrive; after a fault, the resync snapshots of thousands of clients too.
    await asyncio.sleep(8.0 if fault else 2.0)
    window = time.monotonic() - started
    sampler.cancel()
    prober.cancel()
    own_after = os.times()
    load_generator = {
        "cpu_share_of_a_core": round(
            (own_after.user + own_after.system - own_before.user - own_before.system) / window, 2
        ),
        "loop_lag_ms": {"p50": round(percentile(lags, 0.5) * 1000, 1), "p99": round(percentile(lags, 0.99) * 1000, 1),
                        "max": round(max(lags, default=0.0) * 1000, 1)},
    }
    for pid in pids:
        with contextlib.suppress(OSError, ValueError, IndexError):
            cpu_last[pid] = cpu_seconds([pid])
    cpu = sum(cpu_last[pid] - cpu_before[pid] for pid in cpu_before)
    # The socket processes alone (the reference's counterpart: fan-out and socket votes), apart from
    # the HTTP process (REST votes, the contest's public vote).
    socket_cpu = sum(cpu_last[pid] - cpu_before[pid] for pid in (socket_pids if socket_pids is not None else pids))
    http.close()
    database_after = database_counters() if not reference else None
    per_session = []
    delivered_total = 0
    for index, session in enumerate(sessions):
        room = clients[index]
        delivered = sum(c.messages for c in room) - messages_before[index]
        delivered_total += delivered
        last = max((t for t, _n, _k in accepted[index]), default=started)
        lat = [x for _n, x in latencies(accepted[index], room, sample=300)]
        shown = [sum(t.get("supporters", 0) for t in c.latest.values()) for c in room]
        per_session.append({
            "session": index + 1,
            "participants": len(session["tokens"]),
            "votes_per_second_asked": round(plans[index][0], 1),
            "votes_acked": len(accepted[index]),
            "vote_failures": failures[index],
            "latency_ms": latency_summary(lat),
            "updates_per_second": round(delivered / window, 1),
            "longest_tally_gap_ms": round(longest_tally_gap(room, started + 0.5, last) * 1000, 1),
            # The same over the clients whose socket never dropped (a reconnect is reported apart).
            "longest_tally_gap_ms_connected": round(
                longest_tally_gap([c for c in room if not c.reconnects and c.dropped_at is None] or room, started + 0.5, last)
                * 1000, 1),
            "bus_messages_per_second": round((room[-1].bus_events - events_before[index]) / window, 1),
            "shown_min": min(shown), "shown_max": max(shown),
        })
    reconnects = [r for room in clients for c in room for r in c.reconnects]
    contest_report = None
    if burst_task is not None and contest is not None:
        key = (contest["contest"], contest["nomination"])
        shown = [c.contest_voters.get(key, 0) for c in clients[contest["session_index"]]]
        contest_report = {
            "contest": contest["contest"],
            "session": contest["session_index"] + 1,
            "votes_asked": contest_voters,
            "votes_acked": len(contest_acked),
            "vote_failures": contest_failures,
            "votes_per_second": round(len(contest_acked) / max(1e-9, max(contest_acked, default=0) - min(contest_acked, default=0)), 1)
            if len(contest_acked) > 1 else None,
            "shown_min": min(shown),
            "shown_max": max(shown),
        }
    stop_event.set()
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    return {
        "clients_connected": connected,
        "clients": sum(len(room) for room in clients),
        "votes_acked": sum(len(a) for a in accepted),
        "votes_per_second": round(sum(len(a) for a in accepted) / voting_seconds, 1),
        "updates_delivered_per_second": round(delivered_total / window, 1),
        "server_cpu_seconds": round(cpu, 2),
        "server_cpu_us_per_delivered_update": round(cpu / max(delivered_total, 1) * 1e6, 2),
        "socket_processes_cpu_seconds": round(socket_cpu, 2),
        "socket_processes_cpu_us_per_delivered_update": round(socket_cpu / max(delivered_total, 1) * 1e6, 2),
        "reconnects": len(reconnects),
        "reconnect_ms": {"p50": round(percentile(reconnects, 0.5) * 1000, 1),
                         "p99": round(percentile(reconnects, 0.99) * 1000, 1)} if reconnects else None,
        "fault": fault_report,
        "load_generator": load_generator,
        "contest_burst": contest_report,
        "bus_messages_per_second": round(sum(room[-1].bus_events - events_before[i] for i, room in enumerate(clients)) / window, 1),
        "postgres_per_second": {
            key: round((database_after[key] - database_before[key]) / window, 1) for key in database_before
        } if database_before and database_after else None,
        "sessions": per_session,
    }


# --- the reference: one bare websockets server, a room per session --------------------------------------


async def reference_server(port: int, tick: float) -> None:
    import websockets

    rooms: dict[str, set[Any]] = {}
    counts: dict[str, dict[str, int]] = {}
    dirty: dict[str, set[str]] = {}
    seq = 0

    async def handler(socket_: Any) -> None:
        room = socket_.request.path
        members = rooms.setdefault(room, set())
        members.add(socket_)
        tallies = counts.setdefault(room, {})
        try:
            snapshot = [{"id": int(k), "tally": {"supporters": v}} for k, v in tallies.items()]
            await socket_.send(json.dumps({"type": "snapshot", "seq": seq, "ideas": snapshot}))
            async for raw in socket_:
                message = json.loads(raw)
                if message.get("type") == "vote":
                    key = str(message["idea"])
                    tallies[key] = tallies.get(key, 0) + 1
                    dirty.setdefault(room, set()).add(key)
                    await socket_.send(json.dumps({"type": "vote.ack", "request_id": message["request_id"], "changed": True}))
        except websockets.ConnectionClosed:
            pass
        finally:
            members.discard(socket_)

    async def ticker() -> None:
        nonlocal seq
        while True:
            await asyncio.sleep(tick)
            for room, keys in list(dirty.items()):
                if not keys:
                    continue
                seq += 1
                body = {k: {"supporters": counts[room][k], "votes": counts[room][k], "score": counts[room][k]} for k in sorted(keys)}
                keys.clear()
                websockets.broadcast(rooms.get(room, set()), json.dumps({"type": "tally", "seq": seq, "tallies": body}))

    async with websockets.serve(handler, "127.0.0.1", port, compression=None, max_queue=None, backlog=LISTEN_BACKLOG):
        await ticker()


# --- main --------------------------------------------------------------------------------------------------


async def forum(args: argparse.Namespace) -> None:
    run_id = uuid.uuid4().hex[:8]
    private_redis = PrivateRedis() if args.redis_restart else None
    if private_redis is not None:
        private_redis.start()
        os.environ["BENCH_REDIS_URL"] = private_redis.url
    env = server_env("redis", run_id)
    env["VECHE_TALLY_TICK_SECONDS"] = "0.25"
    env["LOG_LEVEL"] = env["VECHE_LOG_LEVEL"] = args.log_level  # servers' logs: /tmp/veche-bench-daphne-<port>.log
    sessions = create_sessions(env, SIZES, IDEAS_PER_SESSION)
    contest = None
    if args.contest_voters:
        audience = len(SIZES) - 1  # the largest hall votes on the contest too
        contest = create_contest(env, [s["session"] for s in sessions], sessions[audience]["session"])
        if contest is not None:
            contest["session_index"] = audience
    socket_processes, socket_ports = start_daphnes(env, 2)
    http_processes, http_ports = start_daphnes(env, 1)
    processes = socket_processes + http_processes
    pids = [p.pid for p in processes]
    print(json.dumps({"machine": machine(), "benchmark": "forum_day", "sessions": len(SIZES), "participants": sum(SIZES),
                      "rate": args.rate, "seconds": args.seconds, "rest_percent": args.rest_percent,
                      "socket_processes": 2, "http_processes": 1,
                      "fault": "kill-one" if args.kill_one else "redis-restart" if args.redis_restart else None}))

    def urls_of(index: int, number: int) -> list[str]:
        """Both socket processes; a phone starts on `number % 2` (PhoneClient) and moves on a drop."""
        session = sessions[index]
        if number == len(session["tokens"]):  # the big screen: anonymous, read-only
            return [f"ws://127.0.0.1:{port}/ws/sessions/{session['session']}/" for port in socket_ports]
        token = session["tokens"][number]
        return [f"ws://127.0.0.1:{port}/ws/sessions/{session['session']}/?token={token}" for port in socket_ports]

    async def kill_one(at: float) -> dict[str, Any]:
        await asyncio.sleep(max(0.0, at - time.monotonic()))
        victim = socket_processes[1]
        victim.send_signal(signal.SIGKILL)
        victim.wait(5)
        return {"killed": "socket process 2 (SIGKILL)", "at_second": round(args.seconds / 2, 1)}

    async def restart_redis(at: float) -> dict[str, Any]:
        assert private_redis is not None
        await asyncio.sleep(max(0.0, at - time.monotonic()))
        private_redis.kill()
        await asyncio.sleep(1.0)
        private_redis.start()
        return {"redis": "SIGKILL, 1 s down, restarted empty"}

    fault = kill_one if args.kill_one else restart_redis if args.redis_restart else None
    try:
        result = await run_forum(
            sessions=sessions, urls_of=urls_of, rest_port=http_ports[0], pids=pids,
            rate=args.rate, seconds=args.seconds, rest_percent=args.rest_percent, reference=False, fault=fault,
            contest=contest, contest_voters=min(args.contest_voters, SIZES[-1]),
            socket_pids=[p.pid for p in socket_processes],
        )
    finally:
        stop(processes)
        if private_redis is not None:
            private_redis.kill()
    stored = stored_per_session(env, [s["session"] for s in sessions])
    for row, session in zip(result["sessions"], sessions, strict=True):
        row["votes_stored"] = stored[session["session"]]
        row["exact"] = row["votes_acked"] == row["votes_stored"] == row["shown_min"] == row["shown_max"]
    burst = result["contest_burst"]
    if burst is not None:
        burst["votes_stored"] = stored_contest_votes(env, burst["contest"])
        burst["exact"] = burst["votes_acked"] == burst["votes_stored"] == burst["shown_min"] == burst["shown_max"]
    result["every_session_exact"] = all(row["exact"] for row in result["sessions"]) and (burst is None or burst["exact"])
    result["p99_ms_worst_session"] = max(row["latency_ms"]["p99"] for row in result["sessions"])
    result["longest_tally_gap_ms"] = max(row["longest_tally_gap_ms"] for row in result["sessions"])
    result["longest_tally_gap_ms_connected"] = max(row["longest_tally_gap_ms_connected"] for row in result["sessions"])
    print(json.dumps({"veche": result}, indent=1))
    if args.no_reference:
        return
    port = free_port()
    reference = subprocess.Popen([PYTHON, __file__, "--_reference", str(port)], cwd=ROOT)  # noqa: S603
    try:
        wait_for_port(port)
        ref = await run_forum(
            sessions=sessions, urls_of=lambda i, _n: [f"ws://127.0.0.1:{port}/s{i}"], rest_port=None,
            pids=[reference.pid], rate=args.rate, seconds=args.seconds, rest_percent=0, reference=True,
        )
    finally:
        stop([reference])
    print(json.dumps({"reference_websockets": {k: v for k, v in ref.items() if k != "sessions"},
                      "reference_p99_ms_worst_session": max(r["latency_ms"]["p99"] for r in ref["sessions"])}, indent=1))
    ratio = result["server_cpu_us_per_delivered_update"] / max(ref["server_cpu_us_per_delivered_update"], 1e-9)
    sockets_only = result["socket_processes_cpu_us_per_delivered_update"] / max(
        ref["server_cpu_us_per_delivered_update"], 1e-9
    )
    print(json.dumps({
        "cpu_per_update_ratio_veche_over_reference": round(ratio, 2),
        "cpu_per_update_ratio_socket_processes_over_reference": round(sockets_only, 2),
    }))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rate", type=float, default=300.0, help="votes a second over all sessions")
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--rest-percent", type=int, default=10)
    parser.add_argument("--kill-one", action="store_true", help="SIGKILL one socket process half-way")
    parser.add_argument("--redis-restart", action="store_true", help="restart a private Redis half-way")
    parser.add_argument("--no-reference", action="store_true")
    parser.add_argument(
        "--contest-voters", type=int, default=400,
        help="participants of the largest hall who cast a contest public vote in a 2 s burst (0: none)",
    )
    parser.add_argument("--log-level", default="ERROR", help="the servers' log level")
    parser.add_argument("--_reference", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args._reference:
        asyncio.run(reference_server(args._reference, 0.25))
        return
    args.seconds = min(args.seconds, MAX_SECONDS)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, 2 * sum(SIZES) + 2048)), hard))
    asyncio.run(forum(args))


if __name__ == "__main__":
    main()
