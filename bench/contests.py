"""Contests at forum scale: the results computation, and a live public vote over REST.

    .venv/bin/python bench/contests.py [--entries 500] [--jurors 30] [--criteria 8] [--repeat 3]
    .venv/bin/python bench/contests.py --public-vote [--voters 2000] [--db sqlite|postgres] [--redis URL] [--servers N]
    .venv/bin/python bench/contests.py --public-vote --drf   # through DRF's view (before the fast path)

Results: every juror scores every entry on every criterion (the worst case: 120,000 scores), a
few pairs recused, 2,000 public votes; `compute_results` is the pure function the API and the
archive call, and it computes every rule × normalisation (6 variants) each time. Target ≤ 1 s.

Public vote: one daphne process (SQLite, or PostgreSQL with `--db postgres`; the live bus on
Redis with `--redis`; `--servers N` processes on PostgreSQL + Redis, a double tap's two requests
then reach two processes), a contest whose regulations show the tallies, three nominations open,
`--voters` participants of its audience session. Every voter casts one vote over REST, all at
once from `--concurrency` keep-alive connections, each from an address of its own, and every
tenth taps twice at the same moment (two concurrent requests: one must be refused as a second
vote). A WebSocket client of the audience session — the big screen — folds every
`contest.tally` it receives. Printed: the time for all votes (target ≤ 10 s), acked vs stored
(0 lost, 0 doubled), double taps refused, votes flagged as bursts, and whether the screen's last
tallies equal the stored counts, and how long after the last vote they did.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from contests.scoring import RULES, EntryInput, ScoreInput, compute_results  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--entries", type=int, default=500)
    parser.add_argument("--jurors", type=int, default=30)
    parser.add_argument("--criteria", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--public-vote", action="store_true", help="the live public vote over REST instead")
    parser.add_argument("--voters", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--postgres-url", default="postgres://postgres@127.0.0.1:5432/veche_bench_contests")
    parser.add_argument("--redis", default="", help="REDIS_URL for the live bus (default: the in-process one)")
    parser.add_argument("--servers", type=int, default=1, help="daphne processes (>1: with --db postgres --redis)")
    parser.add_argument("--drf", action="store_true", help="votes through DRF's view, not the fast path (comparison)")
    args = parser.parse_args()
    if args.public_vote:
        public_vote_run(args)
        return
    rng = random.Random(2032)
    criteria = [{"code": f"c{i}", "weight": rng.randint(1, 3)} for i in range(args.criteria)]
    entries = [EntryInput(entry=i, nomination=f"n{i % 3}") for i in range(args.entries)]
    scores = [
        ScoreInput(juror=j, entry=e.entry, criterion=c["code"], value=rng.randint(0, 10))
        for e in entries for j in range(args.jurors) for c in criteria
    ]
    recused = {(rng.randrange(args.jurors), rng.randrange(args.entries)) for _ in range(args.entries // 5)}
    votes = {e.entry: 0 for e in entries}
    for _ in range(2000):
        votes[rng.randrange(args.entries)] += 1
    for rule in RULES:
        regulations = {
            "criteria": criteria,
            "aggregation": {"rule": rule, "trim": 0.2, "normalise": rule == "trimmed_mean"},
            "combination": {"mode": "rank_weighted", "jury_weight": 0.7, "public_weight": 0.3},
            "tie_breaks": ["criterion:c0", "public_votes"],
            "disagreement_threshold": 3,
        }
        best = float("inf")
        for _ in range(args.repeat):
            started = time.perf_counter()
            results = compute_results(regulations, entries, scores, recused=recused, public_votes=votes)
            best = min(best, time.perf_counter() - started)
        print(
            f"{args.entries} entries × {args.jurors} jurors × {args.criteria} criteria = {len(scores):,} scores, "
            f"chosen rule {rule}{'+z' if regulations['aggregation']['normalise'] else ''}, "
            f"what-if over {len(results.what_if)} variants: {best:.3f} s (best of {args.repeat}); "
            f"{len(results.disputed)} entries flagged as disputed"
        )


# --- the live public vote -----------------------------------------------------------------------

ORIGIN = "http://127.0.0.1"

SETUP = r"""
import django, json, sys
django.setup()
from django.contrib.auth import get_user_model
from contests import operations, regulations
from contests.models import Contest
from ideas.models import CaseSession, Forum, Participant, Stage
spec = json.loads(sys.argv[1])
staff = get_user_model().objects.get(username="bench")
forum = Forum.objects.create(title="Бенчмарк конкурса", city="Тольятти")
forum.organisers.add(staff)
hall = CaseSession.objects.create(forum=forum, title="Зал", question="Голосуем", stage=Stage.VOTING)
document = regulations.example([("tos", "ТОС", "TOS"), ("nko", "НКО", "NGO"), ("youth", "Молодёжь", "Youth")])
document["show_public_tallies"] = True
contest = operations.contest_create(forum=forum, actor=staff, title="Бенчмарк", regulations_document=document, audience_session=hall)
operations.contest_set_stage(contest=contest, actor=staff, stage="submissions")
entries = {}
for n in range(spec["entries"]):
    nomination = ("tos", "nko", "youth")[n % 3]
    entry = operations.entry_submit(contest=contest, actor=staff, data={
        "nomination": nomination, "title": f"Практика {n}", "team_kind": "tos", "settlement": "urban",
        "organisation": f"ТОС {n}", "territory": f"Район {n}", "problem": "Нет двора", "actions": "Построили двор",
        "results": "Двор есть", "contacts": "тел."})
    if entry.status != "published":
        operations.entry_screen(entry=entry, actor=staff, status="published")
    entries.setdefault(nomination, []).append(entry.pk)
for stage in ("selection", "defence"):
    operations.contest_set_stage(contest=contest, actor=staff, stage=stage)
for code in ("tos", "nko", "youth"):
    operations.public_vote_set_open(contest=contest, actor=staff, nomination=code, is_open=True)
people, tokens = [], []
for i in range(spec["voters"]):
    person = Participant(session=hall, display_name=f"p{i}", sector=hall.sector_codes[i % len(hall.sector_codes)])
    tokens.append(person.issue_token())
    people.append(person)
Participant.objects.bulk_create(people, batch_size=1000)
print(json.dumps({"contest": contest.pk, "session": hall.pk, "entries": entries, "tokens": tokens}))
"""

STORED = r"""
import django, json, sys
django.setup()
from django.db.models import Count, Q
from contests.models import PublicVote
rows = PublicVote.objects.filter(contest_id=int(sys.argv[1])).values("nomination", "entry_id").annotate(
    n=Count("id"), flagged=Count("id", filter=Q(flagged=True)))
pairs = list(PublicVote.objects.filter(contest_id=int(sys.argv[1])).values_list("participant__token_hash", "nomination"))
print(json.dumps({"rows": [[r["nomination"], r["entry_id"], r["n"], r["flagged"]] for r in rows], "pairs": len(pairs),
                  "distinct_pairs": len(set(pairs))}))
"""


def django_script(env: dict[str, str], code: str, *arguments: str) -> dict[str, Any]:
    import subprocess

    done = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", code, *arguments], env=env, cwd=ROOT, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"setup failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


async def _post_vote(
    connection: tuple[asyncio.StreamReader, asyncio.StreamWriter], port: int, path: str, entry: int, token: str, address: str
) -> int:
    reader, writer = connection
    payload = json.dumps({"entry": entry}).encode()
    writer.write(
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer {token}\r\n"
        f"X-Forwarded-For: {address}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(payload)}\r\n\r\n".encode() + payload
    )
    head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
    length = next(int(line.split(":", 1)[1]) for line in head if line.lower().startswith("content-length:"))
    await reader.readexactly(length)
    return int(head[0].split()[1])


class Screen:
    """The big screen: a WebSocket client of the audience session folding every `contest.tally`."""

    def __init__(self, url: str, contest: int) -> None:
        self.url = url
        self.contest = contest
        self.tallies: dict[str, dict[str, int]] = {}
        self.changed_at = 0.0
        self.messages = 0
        self.ready = asyncio.Event()

    async def run(self) -> None:
        import websockets

        async with websockets.connect(self.url, origin=ORIGIN, max_queue=None, open_timeout=60, ping_interval=None) as socket_:
            async for raw in socket_:
                message = json.loads(raw)
                if message.get("type") == "snapshot":
                    self.ready.set()
                elif message.get("type") == "contest.tally" and message["contest"] == self.contest:
                    self.messages += 1
                    if self.tallies.get(message["nomination"]) != message["tallies"]:
                        self.tallies[message["nomination"]] = message["tallies"]
                        self.changed_at = time.perf_counter()


async def _vote_load(ports: list[int], world: dict[str, Any], concurrency: int) -> dict[str, Any]:
    path = f"/api/v1/contests/{world['contest']}/vote/"
    nominations = sorted(world["entries"])
    rng = random.Random(2032)
    plan = []
    for index, token in enumerate(world["tokens"]):
        nomination = nominations[index % len(nominations)]
        address = f"10.{index // 62500}.{index // 250 % 250}.{index % 250 + 1}"
        plan.append((token, rng.choice(world["entries"][nomination]), address, index % 10 == 0))
    statuses: dict[int, int] = {}
    acked = 0
    double_taps = refused_second = 0

    async def worker(slice_: list[tuple[str, int, str, bool]], port: int) -> None:
        nonlocal acked, double_taps, refused_second
        # A double tap's two requests go to two processes when there are several (the hardest race).
        first = await asyncio.open_connection("127.0.0.1", port)
        second_port = ports[(ports.index(port) + 1) % len(ports)]
        second = await asyncio.open_connection("127.0.0.1", second_port)
        try:
            for token, entry, address, tap_twice in slice_:
                if tap_twice:
                    answers = await asyncio.gather(
                        _post_vote(first, port, path, entry, token, address),
                        _post_vote(second, second_port, path, entry, token, address),
                    )
                    double_taps += 1
                    refused_second += answers.count(409)
                else:
                    answers = [await _post_vote(first, port, path, entry, token, address)]
                for status in answers:
                    statuses[status] = statuses.get(status, 0) + 1
                    acked += status == 201
        finally:
            for _reader, writer in (first, second):
                writer.close()

    began = time.perf_counter()
    await asyncio.gather(*(worker(plan[i::concurrency], ports[i % len(ports)]) for i in range(concurrency)))
    return {"seconds": time.perf_counter() - began, "acked": acked, "statuses": statuses,
            "double_taps": double_taps, "refused_second": refused_second, "ended_at": time.perf_counter()}


def public_vote_run(args: argparse.Namespace) -> None:
    import os
    import tempfile

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from _machine import machine
    from _postgres import ensure_database
    from votes_http import cpu_seconds, free_port, start_server

    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env["VECHE_VAR_DIR"] = tempfile.mkdtemp(prefix="veche-bench-contests-")
    env["DJANGO_SETTINGS_MODULE"] = "backend.settings"
    env["VECHE_TRUSTED_PROXIES"] = "127.0.0.1"  # each voter's own address comes in X-Forwarded-For
    env["VECHE_THROTTLE_LOGIN"] = "1000/min"
    env["VECHE_CHANNEL_PREFIX"] = f"bench-contests-{os.getpid()}"
    if args.db == "postgres":
        if not ensure_database(args.postgres_url, fresh=True):
            raise SystemExit(1)
        env["DATABASE_URL"] = args.postgres_url
    if args.redis:
        env["REDIS_URL"] = args.redis
    if args.drf:
        env["VECHE_REST_VOTE_FAST_PATH"] = "0"
    if args.servers > 1 and not (args.db == "postgres" and args.redis):
        raise SystemExit("several processes need --db postgres and --redis (one database, one live bus)")
    ports = [free_port() for _ in range(args.servers)]
    servers = [start_server(env, port, "daphne") for port in ports]
    try:
        world = django_script(env, SETUP, json.dumps({"voters": args.voters, "entries": 12}))

        async def run() -> tuple[dict[str, Any], Screen, float | None]:
            # The screen listens on the last process: votes stored by the others reach it over the bus.
            screen = Screen(f"ws://127.0.0.1:{ports[-1]}/ws/sessions/{world['session']}/", world["contest"])
            listening = asyncio.create_task(screen.run())
            await asyncio.wait_for(screen.ready.wait(), 30)
            cpu_before = sum(cpu_seconds(server.pid) for server in servers)
            load = await _vote_load(ports, world, args.concurrency)
            load["server_cpu"] = sum(cpu_seconds(server.pid) for server in servers) - cpu_before
            stored = await asyncio.to_thread(django_script, env, STORED, str(world["contest"]))
            expected = {}
            for nomination, entry, count, _flagged in stored["rows"]:
                expected.setdefault(nomination, {})[str(entry)] = count
            exact_after = None
            deadline = time.perf_counter() + 10
            while time.perf_counter() < deadline:  # the screen settles within a tick or two
                if screen.tallies == expected:
                    exact_after = max(0.0, screen.changed_at - load["ended_at"])
                    break
                await asyncio.sleep(0.05)
            listening.cancel()
            load["stored"] = stored
            load["expected"] = expected
            return load, screen, exact_after

        load, screen, exact_after = asyncio.run(run())
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=10)
    stored = load["stored"]
    stored_votes = sum(row[2] for row in stored["rows"])
    flagged = sum(row[3] for row in stored["rows"])
    lost = load["acked"] - stored_votes
    print(
        f"public vote: {args.voters:,} voters ({load['double_taps']} tapping twice at once) over REST, "
        f"{args.servers} daphne, {args.db}{' + Redis bus' if args.redis else ''}, {args.concurrency} connections, "
        f"{'DRF view' if args.drf else 'fast path (vote intake)'}"
    )
    requests = sum(load["statuses"].values())
    per_request = load["server_cpu"] / max(requests, 1)
    print(f"  all votes answered in {load['seconds']:.2f} s ({args.voters / load['seconds']:.0f} votes/s); statuses {load['statuses']}")
    print(
        f"  server CPU {load['server_cpu']:.1f} s = {per_request * 1000:.1f} ms a request: "
        f"{requests / max(load['server_cpu'], 1e-9):.0f} requests per CPU-second of a server process"
    )
    print(
        f"  acked {load['acked']:,}, stored {stored_votes:,}: {max(lost, 0)} lost, "
        f"{stored['pairs'] - stored['distinct_pairs'] + max(-lost, 0)} doubled; "
        f"second taps refused {load['refused_second']}/{load['double_taps']}"
    )
    print(f"  flagged as bursts (kept, marked for the organiser): {flagged:,}")
    if exact_after is None:
        print(f"  screen: tallies NOT equal to the stored counts 10 s after the last vote: {screen.tallies} vs {load['expected']}")
    else:
        print(
            f"  screen: last contest.tally equals the stored counts ({stored_votes:,} votes in "
            f"{sum(len(v) for v in load['expected'].values())} entries), exact {exact_after:.2f} s after the last vote; "
            f"{screen.messages} tally messages"
        )
    print(f"  machine: {machine()}")


if __name__ == "__main__":
    main()
