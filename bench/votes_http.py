"""Durable votes per second through the REST API, with p50/p99 latency.

Starts one daphne process on 127.0.0.1 against SQLite (embedded default) or
PostgreSQL, creates a session through the API, joins participants, then casts
votes from concurrent keep-alive clients for a fixed time. Every vote is a real
write (agree/disagree alternate). At the end it checks that what the server
acknowledged is what the database holds: acked == stored, nothing lost, nothing
counted twice.

    .venv/bin/python bench/votes_http.py --db sqlite
    .venv/bin/python bench/votes_http.py --db postgres --seconds 20 --concurrency 32
    .venv/bin/python bench/votes_http.py --db postgres --server gunicorn   # the HTTP server's share
    .venv/bin/python bench/votes_http.py --db postgres --rate 200          # open loop: p99 at 200 votes/s
    .venv/bin/python bench/votes_http.py --db postgres --drf               # through DRF's view (before issue 16)

Bounded: at most --seconds of load, only to 127.0.0.1, then it stops by itself.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from _http import RestPool
from _machine import machine
from _postgres import ensure_database

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and its children (gunicorn's worker), from /proc (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    own = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return own + sum(cpu_seconds(int(child)) for child in children)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


SERVERS = {
    # The live server: HTTP and WebSockets in one process.
    "daphne": ["daphne", "-b", "127.0.0.1", "-p", "{port}", "backend.asgi:application"],
    # For comparison: the same Django app under a WSGI server, one process, a thread per request.
    "gunicorn": [
        "gunicorn", "-b", "127.0.0.1:{port}", "-w", "1", "-k", "gthread", "--threads", "8",
        "backend.wsgi:application",
    ],
}


def start_server(env: dict[str, str], port: int, kind: str) -> subprocess.Popen[bytes]:
    subprocess.run(
        [PYTHON, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True
    )
    subprocess.run(
        [
            PYTHON,
            "manage.py",
            "shell",
            "-c",
            "from django.contrib.auth import get_user_model as g; "
            "g().objects.filter(username='bench').exists() or "
            "g().objects.create_superuser('bench', 'bench@example.org', 'bench-password-1')",
        ],
        cwd=ROOT,
        env=env,
        check=True,
    )
    program, *arguments = SERVERS[kind]
    server = subprocess.Popen(  # noqa: S603 - our own programs
        [str(Path(PYTHON).parent / program), *(a.format(port=port) for a in arguments)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=(Path(env["VECHE_VAR_DIR"]) / "server.log").open("w"),  # kept for a post-mortem
    )
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("the server did not start")


async def run_load(
    base: str, server_pid: int, participants: int, ideas: int, concurrency: int, seconds: float, rate: float = 0
) -> dict[str, object]:
    limits = httpx.Limits(
        max_connections=concurrency + 4, max_keepalive_connections=concurrency + 4
    )
    async with httpx.AsyncClient(base_url=base, timeout=30, limits=limits) as client:
        token = (
            await client.post(
                "/api/v1/auth/token/", json={"username": "bench", "password": "bench-password-1"}
            )
        ).json()["token"]
        staff = {"Authorization": f"Bearer {token}"}
        session = (
            await client.post(
                "/api/v1/sessions/",
                headers=staff,
                json={
                    "title": "Бенчмарк",
                    "question": "Каким будет город?",
                    "voting_method": "agree",
                },
            )
        ).json()
        await client.post(
            f"/api/v1/sessions/{session['id']}/stage/", headers=staff, json={"stage": "ideation"}
        )
        code = (await client.get(f"/api/v1/sessions/{session['id']}/", headers=staff)).json()[
            "join_code"
        ]
        tokens = []
        for index in range(participants):
            joined = await client.post(
                "/api/v1/join/",
                json={"code": code, "display_name": f"P{index}", "sector": "society"},
            )
            if joined.status_code != 201:
                raise SystemExit(f"join failed: {joined.status_code} {joined.text[:300]}")
            tokens.append(joined.json()["token"])
        idea_ids = []
        for index in range(ideas):
            posted = await client.post(
                f"/api/v1/sessions/{session['id']}/ideas/",
                headers=staff,
                json={"text": f"Идея номер {index}"},
            )
            idea_ids.append(posted.json()["id"])
        await client.post(
            f"/api/v1/sessions/{session['id']}/stage/", headers=staff, json={"stage": "voting"}
        )

        port = int(base.rsplit(":", 1)[1])
        votes = RestPool(per_port=concurrency)  # httpx would cost the load generator more than the server
        last_value: dict[tuple[int, int], int] = {}
        latencies: list[float] = []
        errors: dict[str, int] = {}
        acked = 0
        stop_at = time.perf_counter() + seconds
        rng = random.Random(7)  # noqa: S311 - load pattern, not security

        async def worker(worker_index: int) -> None:
            nonlocal acked
            mine = tokens[worker_index::concurrency]
            while time.perf_counter() < stop_at and mine:
                person = rng.randrange(len(mine))
                idea = rng.choice(idea_ids)
                key = (worker_index * 100_000 + person, idea)
                value = -last_value.get(key, -1)  # alternate 1 / -1: every vote is a write
                started = time.perf_counter()
                status, _reply = await votes.put(
                    port, f"/api/v1/ideas/{idea}/vote/", {"value": value}, mine[person]
                )
                latencies.append(time.perf_counter() - started)
                if status == 200:
                    acked += 1
                    last_value[key] = value
                else:
                    errors[str(status)] = errors.get(str(status), 0) + 1

        async def one_vote(number: int) -> None:
            nonlocal acked
            person = number % len(tokens)  # a voter's votes never overlap at these rates
            idea = rng.choice(idea_ids)
            key = (person, idea)
            value = -last_value.get(key, -1)
            last_value[key] = value
            started = time.perf_counter()
            status, _reply = await votes.put(port, f"/api/v1/ideas/{idea}/vote/", {"value": value}, tokens[person])
            latencies.append(time.perf_counter() - started)
            if status == 200:
                acked += 1
            else:
                last_value[key] = -value
                errors[str(status)] = errors.get(str(status), 0) + 1

        async def open_loop() -> None:
            """Votes at a fixed rate, whatever the answers' latency (as a hall sends them)."""
            pending: set[asyncio.Task[None]] = set()
            began_at = time.perf_counter()
            number = 0
            while time.perf_counter() < stop_at:
                delay = began_at + number / rate - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                task = asyncio.create_task(one_vote(number))
                pending.add(task)
                task.add_done_callback(pending.discard)
                number += 1
            if pending:
                await asyncio.wait(pending, timeout=30)

        began = time.perf_counter()
        cpu_before = cpu_seconds(server_pid)
        if rate:
            votes.per_port = max(concurrency, 256)
            await open_loop()
        else:
            await asyncio.gather(*(worker(i) for i in range(concurrency)))
        elapsed = time.perf_counter() - began
        server_cpu = cpu_seconds(server_pid) - cpu_before
        votes.close()

        results = (
            await client.get(f"/api/v1/sessions/{session['id']}/results/", headers=staff)
        ).json()
        stored_agree = sum(row["agree"] for row in results["ideas"])
        stored_disagree = sum(row["disagree"] for row in results["ideas"])
        expected_agree = sum(1 for v in last_value.values() if v == 1)
        expected_disagree = sum(1 for v in last_value.values() if v == -1)
    latencies.sort()
    return {
        "votes_acked": acked,
        "seconds": round(elapsed, 2),
        "votes_per_second": round(acked / elapsed, 1),
        # Contention-free capacity: how many votes one fully busy core would take.
        "server_cpu_ms_per_vote": round(server_cpu * 1000 / max(acked, 1), 3),
        "votes_per_server_cpu_second": round(acked / max(server_cpu, 1e-9), 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 2) if latencies else None,
        "p99_ms": round(latencies[int(len(latencies) * 0.99) - 1] * 1000, 2) if latencies else None,
        "errors": errors,
        "final_state_matches": (stored_agree, stored_disagree)
        == (expected_agree, expected_disagree),
        "stored_votes": stored_agree + stored_disagree,
        "expected_votes": expected_agree + expected_disagree,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--server", choices=sorted(SERVERS), default="daphne")
    parser.add_argument("--postgres-url", default="postgres://postgres@127.0.0.1:5432/veche_bench")
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--participants", type=int, default=400)
    parser.add_argument("--ideas", type=int, default=40)
    parser.add_argument("--rate", type=float, default=0, help="open loop: votes a second (0: closed loop)")
    parser.add_argument("--drf", action="store_true", help="REST votes through DRF's view, not the vote intake")
    args = parser.parse_args()

    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    workdir = tempfile.mkdtemp(prefix="veche-bench-")
    env["VECHE_VAR_DIR"] = workdir
    env["VECHE_THROTTLE_VOTE"] = "100000/min"  # measure the write path, not the limiter
    env["VECHE_THROTTLE_LOGIN"] = "1000/min"
    if args.drf:
        env["VECHE_REST_VOTE_FAST_PATH"] = "0"
    if args.db == "postgres":
        if not ensure_database(args.postgres_url, fresh=True):
            raise SystemExit(1)
        env["DATABASE_URL"] = args.postgres_url
    port = free_port()
    server = start_server(env, port, args.server)
    try:
        figures = asyncio.run(
            run_load(
                f"http://127.0.0.1:{port}",
                server.pid,
                args.participants,
                args.ideas,
                args.concurrency,
                args.seconds,
                args.rate,
            )
        )
    finally:
        server.terminate()
        server.wait(timeout=10)
    report = {
        "benchmark": "votes_http",
        "database": args.db,
        "server": f"1 {args.server} process",
        "concurrency": args.concurrency,
        "rate_asked": args.rate or None,
        "path": "DRF view" if args.drf else "vote intake (group commit)",
        "machine": machine(),
        **figures,
    }
    print(json.dumps(report, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
