"""Live stream benchmark: N WebSocket clients of one session, votes at a rate, latency to every client.

Starts daphne (one process per core against PostgreSQL + Redis, or one embedded
process on SQLite with no Redis), opens N participant sockets + 1 big screen on
127.0.0.1, votes at --rate per second (90% over WebSocket as the phone page sends them, 10% REST; --ws-percent) for --seconds,
then prints: clients connected, updates delivered per second, p50/p95/p99 from
"vote accepted" to "the update reached every client", server CPU per delivered
message (/proc/<pid>/stat), and votes acknowledged vs stored vs shown in every
client's final state (must be equal). The same harness then runs a bare
`websockets` broadcast server (the reference) and prints the CPU ratio.

    .venv/bin/python bench/live.py --clients 2000 --rate 300 --seconds 20          # PostgreSQL + Redis
    .venv/bin/python bench/live.py --mode embedded --clients 500 --rate 100        # SQLite, no Redis
    .venv/bin/python bench/live.py --replay ../shared/data/polis/brexit-consensus/votes.csv --replay-seconds 30
    .venv/bin/python bench/live.py --idle 10000 --seconds 15                        # idle sockets only

Bounded: at most 20,000 clients, 120 s of load, only 127.0.0.1; it stops its servers itself.
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import contextlib
import csv
import json
import os
import random
import resource
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PYTHON = sys.executable
DAPHNE = str(Path(sys.executable).with_name("daphne"))
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
MAX_CLIENTS = 20_000
MAX_SECONDS = 120
ORIGIN = "http://127.0.0.1"


# --- servers -------------------------------------------------------------------------------------


def server_env(mode: str, run_id: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "backend.settings",
            "VECHE_VAR_DIR": f"/tmp/veche-bench-{mode}",
            "LOG_LEVEL": "ERROR",
            "VECHE_LOG_LEVEL": "ERROR",
            # The bench votes far below a phone's real limit per participant; REST keeps its throttles.
            "VECHE_THROTTLE_VOTE": "100000/min",
            "PYTHONPATH": str(ROOT),
        }
    )
    if mode == "redis":
        env["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/veche_bench")
        env["REDIS_URL"] = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
        env["VECHE_CHANNEL_PREFIX"] = f"bench-{run_id}"
        env["VECHE_CACHE_PREFIX"] = f"bench-{run_id}"
        env["DATABASE_POOL_MAX"] = "30"
        from bench._postgres import ensure_database

        if not ensure_database(env["DATABASE_URL"]):
            raise SystemExit("PostgreSQL is needed for --mode redis (or use --mode embedded)")
    return env


def django_script(env: dict[str, str], code: str) -> Any:
    """Run Django code in a child with the servers' settings; it prints one JSON line."""
    done = subprocess.run([PYTHON, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"setup failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


SETUP = r"""
import django, json, sys
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from ideas.models import CaseSession, Idea, Participant, Stage
spec = json.loads(sys.argv[1] if len(sys.argv) > 1 else '{}')
"""


def create_session(env: dict[str, str], *, clients: int, ideas: int, method: str, sectors: list[str]) -> dict[str, Any]:
    code = (
        "import django, json\ndjango.setup()\n"
        "from django.core.management import call_command\ncall_command('migrate', verbosity=0)\n"
        "from ideas.models import CaseSession, Idea, Participant\n"
        f"session = CaseSession.objects.create(title='bench', question='?', stage='voting', voting_method={method!r})\n"
        f"ideas = Idea.objects.bulk_create([Idea(session=session, text=f'idea {{i}}') for i in range({ideas})])\n"
        "people, tokens = [], []\n"
        f"sectors = {sectors!r}\n"
        f"for i in range({clients}):\n"
        "    p = Participant(session=session, display_name=f'p{i}', sector=sectors[i % len(sectors)])\n"
        "    tokens.append(p.issue_token()); people.append(p)\n"
        "Participant.objects.bulk_create(people, batch_size=1000)\n"
        "print(json.dumps({'session': session.pk, 'ideas': [i.pk for i in ideas], 'tokens': tokens}))\n"
    )
    return django_script(env, code)


def stored_counts(env: dict[str, str], session_id: int) -> dict[str, Any]:
    code = (
        "import django, json\ndjango.setup()\n"
        "from django.db.models import Count\nfrom ideas.models import Vote\n"
        f"rows = Vote.objects.filter(idea__session_id={session_id}).values('idea_id', 'value').annotate(n=Count('id'))\n"
        "print(json.dumps({'rows': [[r['idea_id'], r['value'], r['n']] for r in rows]}))\n"
    )
    return django_script(env, code)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# Twisted listens with a backlog of 50 unless told otherwise (daphne's `-b/-p` cannot): when a
# socket process dies and its 1,500 clients reconnect to the survivor within a second, the
# kernel drops the SYNs beyond 50 and each client retries after 1, 3, 7, 15, 31 s (TCP's own
# backoff). That, not the server's work, made `--kill-one` reconnects take 15–27 s
# (`nstat TcpExtListenOverflows` counted ~4,700 drops a run). Production sets the same
# (docs/scaling.md).
LISTEN_BACKLOG = 4096


def listen_endpoint(port: int, interface: str = "127.0.0.1") -> str:
    return f"tcp:port={port}:interface={interface}:backlog={LISTEN_BACKLOG}"


def start_daphnes(env: dict[str, str], count: int) -> tuple[list[subprocess.Popen[bytes]], list[int]]:
    processes, ports = [], []
    for _ in range(count):
        port = free_port()
        log = open(f"/tmp/veche-bench-daphne-{port}.log", "wb")  # noqa: SIM115 - lives as long as the server
        processes.append(
            subprocess.Popen(
                [DAPHNE, "-e", listen_endpoint(port), "backend.asgi:application"],
                env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
            )
        )
        ports.append(port)
    for port in ports:
        wait_for_port(port)
    return processes, ports


def wait_for_port(port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise SystemExit(f"server on {port} did not start")


def cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
    return total / CLOCK_TICKS


def stop(processes: list[subprocess.Popen[bytes]]) -> None:
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


# --- the reference: a bare websockets broadcast server -------------------------------------------------


async def reference_server(port: int, tick: float) -> None:
    import websockets

    clients: set[Any] = set()
    counts: dict[str, int] = {}
    dirty: set[str] = set()
    seq = 0

    async def handler(socket_: Any) -> None:
        clients.add(socket_)
        with contextlib.suppress(websockets.ConnectionClosed):
            await serve_one(socket_)

    async def serve_one(socket_: Any) -> None:
        try:
            await socket_.send(json.dumps({"type": "snapshot", "seq": seq, "tallies": counts}))
            async for raw in socket_:
                message = json.loads(raw)
                if message.get("type") == "vote":
                    key = str(message["idea"])
                    counts[key] = counts.get(key, 0) + 1
                    dirty.add(key)
                    await socket_.send(json.dumps({"type": "vote.ack", "request_id": message["request_id"], "changed": True}))
        finally:
            clients.discard(socket_)

    async def ticker() -> None:
        nonlocal seq
        while True:
            await asyncio.sleep(tick)
            if dirty:
                seq += 1
                body = {key: {"supporters": counts[key], "votes": counts[key], "score": counts[key]} for key in sorted(dirty)}
                dirty.clear()
                websockets.broadcast(clients, json.dumps({"type": "tally", "seq": seq, "tallies": body}))

    async with websockets.serve(handler, "127.0.0.1", port, compression=None, max_queue=None, backlog=LISTEN_BACKLOG):
        await ticker()


# --- the load ---------------------------------------------------------------------------------------


class Client:
    """One socket; remembers, per idea, when each supporter count arrived."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.socket: Any = None
        self.series: dict[str, tuple[list[float], list[int]]] = {}
        self.latest: dict[str, dict[str, int]] = {}
        self.messages = 0
        self.tally_times: list[float] = []  # when each tally arrived (the longest gap while votes flow)
        self.acks: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self.snapshot = asyncio.Event()

    def record(self, tallies: dict[str, dict[str, int]], now: float) -> None:
        for key, tally in tallies.items():
            self.latest[key] = tally
            times, counts = self.series.setdefault(key, ([], []))
            value = tally.get("supporters", tally.get("agree", 0))
            if not counts or counts[-1] != value:
                times.append(now)
                counts.append(value)

    async def run(self, stop_event: asyncio.Event) -> None:
        import websockets

        async with websockets.connect(
            self.url, origin=ORIGIN, compression=None, max_queue=None, open_timeout=60, ping_interval=None
        ) as socket_:
            self.socket = socket_
            async for raw in socket_:
                now = time.monotonic()
                self.messages += 1
                message = json.loads(raw)
                kind = message.get("type")
                if kind == "tally":
                    self.tally_times.append(now)
                    self.record(message["tallies"], now)
                elif kind == "snapshot":
                    self.record(
                        message.get("tallies")
                        or {str(i["id"]): i["tally"] for i in message.get("ideas", []) if "tally" in i},
                        now,
                    )
                    self.snapshot.set()
                elif kind in ("vote.ack", "error"):
                    future = self.acks.pop(str(message.get("request_id")), None)
                    if future is not None and not future.done():
                        future.set_result(message)
                if stop_event.is_set():
                    break

    async def vote(self, idea: int, value: int) -> dict[str, Any]:
        request_id = uuid.uuid4().hex
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self.acks[request_id] = future
        await self.socket.send(json.dumps({"type": "vote", "idea": idea, "value": value, "request_id": request_id}))
        return await asyncio.wait_for(future, 30)


async def open_clients(urls: list[str], stop_event: asyncio.Event) -> tuple[list[Client], list[asyncio.Task[None]]]:
    clients = [Client(url) for url in urls]
    tasks: list[asyncio.Task[None]] = []
    gate = asyncio.Semaphore(200)  # don't SYN-flood our own servers

    async def start(client: Client) -> None:
        async with gate:
            task = asyncio.create_task(client.run(stop_event))
            tasks.append(task)
            done, _ = await asyncio.wait({task, asyncio.create_task(client.snapshot.wait())}, timeout=60,
                                         return_when=asyncio.FIRST_COMPLETED)

    await asyncio.gather(*(start(c) for c in clients))
    return clients, tasks


async def rest_vote(http: Any, port: int, token: str, idea: int, value: int) -> bool:
    status, reply = await http.put(
        port, f"/api/v1/ideas/{idea}/vote/", {"value": value, "request_id": uuid.uuid4().hex}, token
    )
    return status == 200 and bool(reply.get("changed"))


def latencies(votes: list[tuple[float, int, str]], clients: list[Client], sample: int = 600) -> list[tuple[int, float]]:
    """For a sample of accepted votes: (vote number, time until EVERY client showed a count that includes it)."""
    by_idea: dict[str, list[tuple[float, int]]] = {}
    for accepted, number, key in sorted(votes):
        by_idea.setdefault(key, []).append((accepted, number))
    ranked = [(t, number, key, rank + 1) for key, times in by_idea.items() for rank, (t, number) in enumerate(times)]
    random.Random(7).shuffle(ranked)
    result = []
    for accepted, number, key, rank in ranked[:sample]:
        worst = 0.0
        for client in clients:
            times, counts = client.series.get(key, ([], []))
            position = bisect.bisect_left(counts, rank)  # counts only grow in this load
            if position >= len(counts):
                worst = float("inf")
                break
            worst = max(worst, times[position] - accepted)
        result.append((number, max(worst, 0.0)))
    return result


def latency_summary(values: list[float]) -> dict[str, float | int]:
    return {
        "p50": round(percentile(values, 0.50) * 1000, 1),
        "p95": round(percentile(values, 0.95) * 1000, 1),
        "p99": round(percentile(values, 0.99) * 1000, 1),
        "never": sum(1 for x in values if x == float("inf")),
    }


def longest_tally_gap(clients: list[Client], begin: float, end: float) -> float:
    """The longest time any client went without a `tally` between `begin` and `end` (seconds)."""
    worst = 0.0
    for client in clients:
        times = [begin, *(t for t in client.tally_times if begin < t < end), end]
        worst = max(worst, max(later - earlier for earlier, later in zip(times, times[1:], strict=False)))
    return worst


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def run_load(
    *, urls: list[str], screen_url: str, pids: list[int], rate: float, seconds: float, plan: list[tuple[int, int]],
    ideas: list[int], rest_ports: list[int], tokens: list[str], reference: bool, ws_percent: int = 50,
    rest_connections: int = 32,
) -> dict[str, Any]:
    def over_socket(number: int) -> bool:
        return (number % 100) < ws_percent

    stop_event = asyncio.Event()
    clients, tasks = await open_clients([*urls, screen_url], stop_event)
    connected = sum(1 for c in clients if c.snapshot.is_set())
    await asyncio.sleep(1.0)
    accepted: list[tuple[float, int, str]] = []
    failures = 0
    cpu_before = cpu_seconds(pids)
    messages_before = sum(c.messages for c in clients)
    started = time.monotonic()
    from bench._http import RestPool

    http = RestPool(per_port=rest_connections)
    try:
        inflight: set[asyncio.Task[None]] = set()

        async def one(number: int, participant: int, idea_index: int) -> None:
            nonlocal failures
            idea = ideas[idea_index]
            try:
                if reference or over_socket(number):
                    reply = await clients[participant].vote(idea, 1)
                    ok = reply.get("type") == "vote.ack" and reply.get("changed")
                else:
                    ok = await rest_vote(http, rest_ports[participant % len(rest_ports)], tokens[participant], idea, 1)
            except Exception:
                ok = False
            if ok:
                accepted.append((time.monotonic(), number, str(idea)))
            else:
                failures += 1

        total = min(len(plan), int(rate * seconds))
        for number in range(total):
            due = started + number / rate
            delay = due - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            participant, idea_index = plan[number]
            task = asyncio.create_task(one(number, participant, idea_index))
            inflight.add(task)
            task.add_done_callback(inflight.discard)
        if inflight:
            await asyncio.wait(inflight, timeout=60)
    finally:
        http.close()
    voting_seconds = time.monotonic() - started
    # Votes flow from the first tick after the first vote to the last acknowledgement.
    last_accepted = max((t for t, _n, _k in accepted), default=started)
    gap = longest_tally_gap(clients, started + 2 * 0.25, last_accepted)
    # Quiet period: the last tallies arrive; no CPU of interest after it.
    await asyncio.sleep(1.5)
    window = time.monotonic() - started
    cpu = cpu_seconds(pids) - cpu_before
    delivered = sum(c.messages for c in clients) - messages_before
    lat = latencies(accepted, clients)
    shown = [sum(t.get("supporters", 0) for t in c.latest.values()) for c in clients]
    stop_event.set()
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    return {
        "clients_connected": connected,
        "votes_sent": min(len(plan), int(rate * seconds)),
        "votes_acked": len(accepted),
        "vote_failures": failures,
        "votes_per_second": round(len(accepted) / voting_seconds, 1),
        "updates_delivered_per_second": round(delivered / window, 1),
        "latency_ms": latency_summary([x for _number, x in lat]),
        **(
            {
                "latency_ms_websocket_votes": latency_summary([x for n, x in lat if over_socket(n)]),
                "latency_ms_rest_votes": latency_summary([x for n, x in lat if not over_socket(n)]),
            }
            if 0 < ws_percent < 100 and not reference
            else {}
        ),
        "longest_tally_gap_ms": round(gap * 1000, 1),
        "server_cpu_seconds": round(cpu, 2),
        "server_cpu_us_per_delivered_message": round(cpu / max(delivered, 1) * 1e6, 2),
        "shown_min": min(shown) if shown else 0,
        "shown_max": max(shown) if shown else 0,
    }


# --- modes --------------------------------------------------------------------------------------------


def vote_plan(clients: int, ideas: int, count: int, seed: int = 1) -> list[tuple[int, int]]:
    """Distinct (participant, idea) pairs, so each vote adds exactly one supporter."""
    rng = random.Random(seed)
    pairs = set()
    limit = min(count, clients * ideas)
    while len(pairs) < limit:
        pairs.add((rng.randrange(clients), rng.randrange(ideas)))
    plan = list(pairs)
    rng.shuffle(plan)
    return plan


async def live(args: argparse.Namespace) -> None:
    from bench._machine import machine

    run_id = uuid.uuid4().hex[:8]
    env = server_env(args.mode, run_id)
    processes_count = args.processes or (os.cpu_count() or 1 if args.mode == "redis" else 1)
    data = create_session(env, clients=args.clients, ideas=args.ideas, method="support", sectors=["society"])
    env["VECHE_TALLY_TICK_SECONDS"] = str(args.tick)
    processes, ports = start_daphnes(env, processes_count)
    rest_ports = ports
    if args.rest_processes:
        # REST on processes of its own (as a proxy would route /api/ apart from /ws/): a sync view's
        # Python holds the GIL that the socket process needs for every send().
        rest_processes, rest_ports = start_daphnes(env, args.rest_processes)
        processes += rest_processes
    pids = [p.pid for p in processes]
    session = data["session"]
    urls = [
        f"ws://127.0.0.1:{ports[i % len(ports)]}/ws/sessions/{session}/?token={token}"
        for i, token in enumerate(data["tokens"])
    ]
    screen = f"ws://127.0.0.1:{ports[0]}/ws/sessions/{session}/"
    plan = vote_plan(args.clients, args.ideas, int(args.rate * args.seconds))
    print(json.dumps({"machine": machine(), "mode": args.mode, "processes": processes_count,
                      "rest_processes": args.rest_processes,
                      "clients": args.clients, "rate": args.rate, "seconds": args.seconds, "tick": args.tick}))
    try:
        result = await run_load(urls=urls, screen_url=screen, pids=pids, rate=args.rate, seconds=args.seconds,
                                plan=plan, ideas=data["ideas"], rest_ports=rest_ports, tokens=data["tokens"], reference=False,
                                ws_percent=args.ws_percent, rest_connections=args.rest_connections)
    finally:
        stop(processes)
    stored = sum(n for _idea, _value, n in stored_counts(env, session)["rows"])
    result["votes_stored"] = stored
    result["exact"] = result["votes_acked"] == stored == result["shown_min"] == result["shown_max"]
    print(json.dumps({"veche": result}, indent=1))
    if args.no_reference:
        return
    port = free_port()
    reference = subprocess.Popen([PYTHON, __file__, "--_reference", str(port), "--tick", str(args.tick)], cwd=ROOT)
    try:
        wait_for_port(port)
        ref = await run_load(urls=[f"ws://127.0.0.1:{port}/"] * args.clients, screen_url=f"ws://127.0.0.1:{port}/",
                             pids=[reference.pid], rate=args.rate, seconds=args.seconds, plan=plan,
                             ideas=data["ideas"], rest_ports=[], tokens=data["tokens"], reference=True)
    finally:
        stop([reference])
    print(json.dumps({"reference_websockets": ref}, indent=1))
    ratio = result["server_cpu_us_per_delivered_message"] / max(ref["server_cpu_us_per_delivered_message"], 1e-9)
    print(json.dumps({"cpu_per_message_ratio_veche_over_reference": round(ratio, 2)}))


async def idle(args: argparse.Namespace) -> None:
    """Many idle sockets across the processes: how many connect and stay without errors."""
    import websockets

    run_id = uuid.uuid4().hex[:8]
    env = server_env(args.mode, run_id)
    count = args.processes or (os.cpu_count() or 1)
    data = create_session(env, clients=1, ideas=5, method="support", sectors=["society"])
    processes, ports = start_daphnes(env, count)
    session = data["session"]
    sockets: list[Any] = []
    errors = 0
    gate = asyncio.Semaphore(300)
    started = time.monotonic()

    async def one(number: int) -> None:
        nonlocal errors
        async with gate:
            try:
                socket_ = await websockets.connect(
                    f"ws://127.0.0.1:{ports[number % len(ports)]}/ws/sessions/{session}/",
                    origin=ORIGIN, compression=None, open_timeout=60, ping_interval=None, max_queue=None,
                )
                await asyncio.wait_for(socket_.recv(), 60)  # the snapshot
                sockets.append(socket_)
            except Exception:
                errors += 1

    try:
        await asyncio.gather(*(one(n) for n in range(args.idle)))
        opened = time.monotonic() - started
        await asyncio.sleep(args.seconds)
        alive = sum(1 for s in sockets if s.state.name == "OPEN")
        print(json.dumps({"idle_clients_requested": args.idle, "connected_with_snapshot": len(sockets),
                          "still_open_after_hold": alive, "errors": errors, "connect_seconds": round(opened, 1),
                          "processes": count, "server_rss_mb": rss_mb([p.pid for p in processes])}))
        for socket_ in sockets:
            socket_.transport.abort()
    finally:
        stop(processes)


def rss_mb(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1])
    return round(total / 1024, 1)


async def replay(args: argparse.Namespace) -> None:
    """Feed a Polis votes.csv through the system (agree method) and check the final tallies."""
    path = Path(args.replay)
    if not path.exists():
        print(json.dumps({"replay": str(path), "skipped": "data not present"}))
        return
    with path.open(newline="") as handle:
        rows = sorted(csv.DictReader(handle), key=lambda r: int(r["timestamp"]))
    voters = sorted({r["voter-id"] for r in rows}, key=int)
    comments = sorted({r["comment-id"] for r in rows}, key=int)
    expected: dict[str, dict[int, int]] = {}
    last: dict[tuple[str, str], int] = {}
    for row in rows:
        last[(row["voter-id"], row["comment-id"])] = int(row["vote"])
    for (_voter, comment), value in last.items():
        expected.setdefault(comment, {-1: 0, 0: 0, 1: 0})[value] += 1
    run_id = uuid.uuid4().hex[:8]
    env = server_env(args.mode, run_id)
    data = create_session(env, clients=len(voters), ideas=len(comments), method="agree",
                          sectors=["government", "society", "business"])
    idea_of = dict(zip(comments, data["ideas"], strict=True))
    token_of = dict(zip(voters, data["tokens"], strict=True))
    processes, ports = start_daphnes(env, args.processes or (os.cpu_count() or 1 if args.mode == "redis" else 1))
    session = data["session"]

    stop_event = asyncio.Event()
    screen = Client(f"ws://127.0.0.1:{ports[0]}/ws/sessions/{session}/")
    screen_task = asyncio.create_task(screen.run(stop_event))
    await asyncio.wait_for(screen.snapshot.wait(), 30)
    span = int(rows[-1]["timestamp"]) - int(rows[0]["timestamp"]) or 1
    speed = span / 1000 / args.replay_seconds
    locks: dict[tuple[str, str], asyncio.Lock] = {}
    ok = failed = 0
    started = time.monotonic()
    first = int(rows[0]["timestamp"])
    from bench._http import RestPool

    http = RestPool()
    try:
        pending: set[asyncio.Task[None]] = set()

        async def one(row: dict[str, str]) -> None:
            nonlocal ok, failed
            key = (row["voter-id"], row["comment-id"])
            async with locks.setdefault(key, asyncio.Lock()):  # one voter's votes on a comment stay in order
                status, _reply = await http.put(
                    ports[hash(key) % len(ports)], f"/api/v1/ideas/{idea_of[row['comment-id']]}/vote/",
                    {"value": int(row["vote"])}, token_of[row["voter-id"]],
                )
                if status == 200:
                    ok += 1
                else:
                    failed += 1

        for row in rows:
            due = started + (int(row["timestamp"]) - first) / 1000 / speed
            delay = due - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            task = asyncio.create_task(one(row))
            pending.add(task)
            task.add_done_callback(pending.discard)
            if len(pending) > 256:
                await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
        if pending:
            await asyncio.wait(pending)
    finally:
        http.close()
    await asyncio.sleep(1.5)
    stop_event.set()
    screen_task.cancel()
    stop(processes)
    stored: dict[str, dict[int, int]] = {}
    comment_of = {str(v): k for k, v in idea_of.items()}
    for idea, value, n in stored_counts(env, session)["rows"]:
        stored.setdefault(comment_of[str(idea)], {-1: 0, 0: 0, 1: 0})[value] += n
    shown = {
        comment_of[key]: {1: t.get("agree", 0), 0: t.get("pass", 0), -1: t.get("disagree", 0)}
        for key, t in screen.latest.items()
    }
    shown = {k: v for k, v in shown.items() if sum(v.values())}
    print(json.dumps({
        "replay": str(path), "votes": len(rows), "voters": len(voters), "comments": len(comments),
        "seconds": round(time.monotonic() - started, 1), "accepted": ok, "failed": failed,
        "stored_equals_file": stored == expected, "screen_equals_file": shown == expected,
    }))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mode", choices=["redis", "embedded"], default="redis")
    parser.add_argument("--clients", type=int, default=2000)
    parser.add_argument("--ideas", type=int, default=20)
    parser.add_argument("--rate", type=float, default=300.0)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--tick", type=float, default=0.25)
    parser.add_argument("--processes", type=int, default=0, help="daphne processes (default: one per core)")
    parser.add_argument("--no-reference", action="store_true")
    parser.add_argument("--ws-percent", type=int, default=90, help="share of votes sent over WebSocket (rest: REST)")
    parser.add_argument("--rest-processes", type=int, default=0,
                        help="serve REST votes from this many daphne processes of their own (0: the same ones)")
    parser.add_argument("--rest-connections", type=int, default=32,
                        help="concurrent REST requests per REST port (the load generator's keep-alive connections)")
    parser.add_argument("--idle", type=int, default=0, help="only open this many idle sockets and hold them")
    parser.add_argument("--replay", default="", help="a Polis votes.csv to replay")
    parser.add_argument("--replay-seconds", type=float, default=30.0)
    parser.add_argument("--_reference", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args._reference:
        asyncio.run(reference_server(args._reference, args.tick))
        return
    args.clients = max(1, min(args.clients, MAX_CLIENTS))
    args.idle = min(args.idle, MAX_CLIENTS)
    args.seconds = min(args.seconds, MAX_SECONDS)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = min(hard, max(soft, 2 * max(args.clients, args.idle) + 1024))
    resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
    if args.replay:
        asyncio.run(replay(args))
    elif args.idle:
        asyncio.run(idle(args))
    else:
        asyncio.run(live(args))


if __name__ == "__main__":
    main()
