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

Clients behave like the phone page (`pages/static/pages/live.js`): one socket each; when it
drops they connect to the other socket process (as a load balancer would) with `resume`, and
resend the votes not yet acknowledged with the same `request_id`. REST votes are retried
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

from bench._http import RestPool  # noqa: E402
from bench._machine import machine  # noqa: E402
from bench.live import (  # noqa: E402
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

    async def run(self, stop_event: asyncio.Event) -> None:  # type: ignore[override]
        import websockets

        while not stop_event.is_set():
            try:
                async with websockets.connect(
                    self.urls[self.which], origin=ORIGIN, compression=None, max_queue=None, open_timeout=30,
                    ping_interval=None,
                ) as socket_:
                    self.socket = socket_
                    if self.seq:
                        await socket_.send(json.dumps({"type": "resume", "seq": self.seq}))
                    await self._read(socket_, stop_event)
            except (TimeoutError, OSError, websockets.WebSocketException):
                pass
            self.socket = None
            self.connected.clear()
            if stop_event.is_set():
                return
            if self.dropped_at is None:
                self.dropped_at = time.monotonic()
            self.which = (self.which + 1) % len(self.urls)  # the other process, as a balancer would
            await asyncio.sleep(random.uniform(0.05, 0.3))  # noqa: S311 - jitter, as the page does

    async def _read(self, socket_: Any, stop_event: asyncio.Event) -> None:
        async for raw in socket_:
            now = time.monotonic()
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
            elif kind == "snapshot":
                self.record({str(i["id"]): i["tally"] for i in message.get("ideas", []) if "tally" in i}, now)
                self.snapshot.set()
                self.connected.set()
                if self.dropped_at is not None:
                    self.reconnects.append(now - self.dropped_at)
                    self.dropped_at = None
                for vote in list(self.pending.values()):  # resent with the same request_id
                    await socket_.send(json.dumps(vote))
            elif kind in ("vote.ack", "error"):
                request_id = str(message.get("request_id"))
                future = self.acks.get(request_id)
                if kind == "error" and message.get("status", 0) >= 500:
                    continue  # not stored: resent after the next snapshot
                self.pending.pop(request_id, None)
                self.acks.pop(request_id, None)
                if future is not None and not future.done():
                    future.set_result(message)
            if stop_event.is_set():
                return

    async def vote(self, idea: int, value: int) -> dict[str, Any]:
        request_id = uuid.uuid4().hex
        message = {"type": "vote", "idea": idea, "value": value, "request_id": request_id}
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self.acks[request_id] = future
        self.pending[request_id] = message
        if self.socket is not None and self.connected.is_set():
            with contextlib.suppress(Exception):  # dropped: resent after the reconnect's snapshot
                await self.socket.send(json.dumps(message))
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
    messages_before = [sum(c.messages for c in room) for room in clients]
    started = time.monotonic()
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

    fault_task = asyncio.create_task(fault(started + seconds / 2)) if fault else None
    await asyncio.gather(*(session_voting(i) for i in range(len(sessions))))
    if inflight:
        await asyncio.wait(inflight, timeout=50)
    fault_report = await fault_task if fault_task else None
    voting_seconds = time.monotonic() - started
    # The last tallies arrive; after a fault, the resync snapshots of thousands of clients too.
    await asyncio.sleep(8.0 if fault else 2.0)
    window = time.monotonic() - started
    sampler.cancel()
    for pid in pids:
        with contextlib.suppress(OSError, ValueError, IndexError):
            cpu_last[pid] = cpu_seconds([pid])
    cpu = sum(cpu_last[pid] - cpu_before[pid] for pid in cpu_before)
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
        "reconnects": len(reconnects),
        "reconnect_ms": {"p50": round(percentile(reconnects, 0.5) * 1000, 1),
                         "p99": round(percentile(reconnects, 0.99) * 1000, 1)} if reconnects else None,
        "fault": fault_report,
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

    async with websockets.serve(handler, "127.0.0.1", port, compression=None, max_queue=None):
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
        )
    finally:
        stop(processes)
        if private_redis is not None:
            private_redis.kill()
    stored = stored_per_session(env, [s["session"] for s in sessions])
    for row, session in zip(result["sessions"], sessions, strict=True):
        row["votes_stored"] = stored[session["session"]]
        row["exact"] = row["votes_acked"] == row["votes_stored"] == row["shown_min"] == row["shown_max"]
    result["every_session_exact"] = all(row["exact"] for row in result["sessions"])
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
    print(json.dumps({"cpu_per_update_ratio_veche_over_reference": round(ratio, 2)}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rate", type=float, default=300.0, help="votes a second over all sessions")
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--rest-percent", type=int, default=10)
    parser.add_argument("--kill-one", action="store_true", help="SIGKILL one socket process half-way")
    parser.add_argument("--redis-restart", action="store_true", help="restart a private Redis half-way")
    parser.add_argument("--no-reference", action="store_true")
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
