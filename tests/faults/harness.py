"""The fault suite's world: its own PostgreSQL database, Redis, daphne processes, worker, and phones.

Everything is real and out of process: `daphne backend.asgi:application` subprocesses on free
ports, a private `redis-server`, `manage.py db_worker`, and WebSocket clients from the
`websockets` package that behave like pages/static/pages/live.js (one vote in flight with a
request_id, resent after a reconnect until answered; `resume` with the last seq on reconnect).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import subprocess
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
import psycopg
import websockets

from tests.realtime.conftest import fold_tallies
from tests.realtime.schemas_check import check_server_message

REPO = Path(__file__).resolve().parents[2]
PYTHON = str(REPO / ".venv" / "bin" / "python")

SEED = """
import json
from ideas.models import CaseSession, Forum, Idea, IdeaStatus, Participant, Stage
forum = Forum.objects.create(title="Форум отказов", city="Якутск")
session = CaseSession.objects.create(
    forum=forum, title="Отказы", question="Что выдержит сеть?", stage=Stage.IDEATION,
    is_public=True, live_results_visible=True, voting_during_ideation=True,
)
author = Participant(session=session, display_name="Автор", sector="society")
author_token = author.issue_token(); author.save()
ideas = [Idea.objects.create(session=session, author=author, status=IdeaStatus.PUBLISHED, text=f"Идея {{n}}: тёплые остановки")
         for n in range({ideas})]
phones = []
for n in range({phones}):
    p = Participant(session=session, display_name=f"Телефон {{n}}", sector=["society", "business"][n % 2])
    token = p.issue_token(); p.save(); phones.append([p.pk, token])
print("SEED " + json.dumps({{"session": session.pk, "ideas": [i.pk for i in ideas], "phones": phones,
                           "author": author_token}}))
"""


class Database:
    """A PostgreSQL database of the suite's own (unique name), migrated, dropped at the end."""

    def __init__(self, server_url: str) -> None:
        parts = urlsplit(server_url)
        self.name = f"veche_faults_{uuid.uuid4().hex[:10]}"
        self.admin_url = urlunsplit(parts._replace(path="/postgres"))
        self.url = urlunsplit(parts._replace(path=f"/{self.name}"))

    def create(self) -> None:
        with psycopg.connect(self.admin_url, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{self.name}"')

    def drop(self) -> None:
        with psycopg.connect(self.admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')

    def query(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        with psycopg.connect(self.url, autocommit=True) as connection:
            return list(connection.execute(sql, params).fetchall())


def manage(env: dict[str, str], *args: str, timeout: float = 120) -> str:
    done = subprocess.run(
        [PYTHON, "manage.py", *args], cwd=REPO, env={**os.environ, **env}, capture_output=True, text=True,
        timeout=timeout, check=False,
    )
    assert done.returncode == 0, f"manage.py {args[0]} failed: {done.stdout[-2000:]} {done.stderr[-3000:]}"
    return done.stdout


def seed(env: dict[str, str], *, ideas: int, phones: int) -> dict[str, Any]:
    output = manage(env, "shell", "-c", SEED.format(ideas=ideas, phones=phones))
    line = next(line for line in output.splitlines() if line.startswith("SEED "))
    return json.loads(line[5:])  # type: ignore[no-any-return]


class Worker:
    """`manage.py db_worker` (django_tasks_db), as docker-compose.yml runs it."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env = {**os.environ, **env}
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [PYTHON, "manage.py", "db_worker", "--interval", "0.2", "--no-startup-delay"],
                cwd=REPO, env=self.env, stdout=out, stderr=subprocess.STDOUT,
            )

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None


# --- clients -------------------------------------------------------------------------------------


@dataclass
class Figures:
    sent: int = 0  # distinct votes (request ids)
    acked: int = 0  # answered vote.ack / REST 200
    resends: int = 0  # the same request id sent again (no answer before a reconnect or a timeout)
    reconnects: int = 0
    messages: int = 0  # server messages received, every one checked against its schema


@dataclass
class Client:
    """A live.js-like socket client: reconnects, resumes, keeps the tallies it would show."""

    base: str  # ws://127.0.0.1:port
    session: int
    token: str | None = None
    figures: Figures = field(default_factory=Figures)
    tallies: dict[str, dict[str, int]] = field(default_factory=dict)
    seq: int | None = None
    socket: Any = None
    answers: dict[str, asyncio.Future[dict[str, Any]]] = field(default_factory=dict)
    connected: asyncio.Event = field(default_factory=asyncio.Event)
    task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self.task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self.task

    async def _run(self) -> None:
        url = f"{self.base}/ws/sessions/{self.session}/" + (f"?token={self.token}" if self.token else "")
        origin = self.base.replace("ws://", "http://")
        first = True
        while True:
            try:
                async with websockets.connect(url, origin=origin, open_timeout=5, max_size=None) as socket:  # type: ignore[arg-type]
                    self.socket = socket
                    if not first:
                        self.figures.reconnects += 1
                    first = False
                    if self.seq is not None:
                        await socket.send(json.dumps({"type": "resume", "seq": self.seq}))
                    self.connected.set()
                    async for text in socket:
                        self._handle(json.loads(text))
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: S110 - refused, reset, closed: reconnect as the page does
                pass
            self.socket = None
            self.connected.clear()
            await asyncio.sleep(0.2 + random.random() * 0.3)  # noqa: S311

    def _handle(self, message: dict[str, Any]) -> None:
        check_server_message(message)
        self.figures.messages += 1
        self.seq = message["seq"]
        fold_tallies(self.tallies, message)
        if message["type"] in ("vote.ack", "error") and message.get("request_id") in self.answers:
            future = self.answers.pop(message["request_id"])
            if not future.done():
                future.set_result(message)

    async def vote(self, idea: int, value: int | None) -> dict[str, Any]:
        """Send until answered, with one request id (the page's queue), and return the ack."""
        request_id = uuid.uuid4().hex
        self.figures.sent += 1
        attempt = 0
        while True:
            if attempt:
                self.figures.resends += 1
            attempt += 1
            future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
            self.answers[request_id] = future
            try:
                await asyncio.wait_for(self.connected.wait(), timeout=30)
                await self.socket.send(json.dumps({"type": "vote", "idea": idea, "value": value, "request_id": request_id}))
                answer = await asyncio.wait_for(future, timeout=3)
            except asyncio.CancelledError:
                raise
            except Exception:  # no answer (the socket went away): send again, same request id
                self.answers.pop(request_id, None)
                continue
            if answer["type"] == "vote.ack":
                self.figures.acked += 1
                return answer
            if answer["status"] == 429 or answer["status"] >= 500:
                await asyncio.sleep(0.2)
                continue
            raise AssertionError(f"vote refused: {answer}")


async def rest_vote(http: httpx.AsyncClient, token: str, idea: int, value: int | None, figures: Figures) -> dict[str, Any]:
    """A REST vote with a request id, retried (same id) on a lost connection or a 5xx, as the page does."""
    request_id = uuid.uuid4().hex
    figures.sent += 1
    headers = {"Authorization": f"Bearer {token}"}
    attempt = 0
    while True:
        if attempt:
            figures.resends += 1
            await asyncio.sleep(0.3)
        attempt += 1
        try:
            if value is None:
                answer = await http.request("DELETE", f"/api/v1/ideas/{idea}/vote/", json={"request_id": request_id}, headers=headers)
            else:
                answer = await http.put(f"/api/v1/ideas/{idea}/vote/", json={"value": value, "request_id": request_id}, headers=headers)
        except httpx.HTTPError:
            continue
        if answer.status_code == 200:  # cast and withdraw both answer 200 with the vote
            figures.acked += 1
            return {"value": value}
        if answer.status_code == 429 or answer.status_code >= 500:
            continue
        raise AssertionError(f"REST vote refused: {answer.status_code} {answer.text}")


def wait_until(predicate: Any, timeout: float, step: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return bool(predicate())
