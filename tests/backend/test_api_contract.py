"""The API keeps its OpenAPI contract: schemathesis against a live server, as a participant and as staff.

A real daphne serves the app on the backend this run uses (SQLite in a temporary file, or a fresh
PostgreSQL database of its own, created here and dropped after), seeded with the demo plus a
group and an archived session so that the detail, export and search endpoints have something to
return. Schemathesis then generates requests from `/api/schema/` (valid and invalid ones,
stateful sequences too) and checks every answer: **no 5xx, and every documented response
matches its schema**. The run is deterministic (fixed seed, Hypothesis derandomized), bounded in
examples, and its JUnit report is what the assertions read.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest

pytestmark = pytest.mark.contract

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
SEED = 20320
MAX_EXAMPLES = int(os.environ.get("VECHE_CONTRACT_EXAMPLES", "8"))
CHECKS = "not_a_server_error,response_schema_conformance"


@dataclass
class LiveServer:
    url: str
    log_path: Path
    staff_token: str = ""
    participant_token: str = ""
    ids: set[int] = field(default_factory=set)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _postgres_admin_url(database_url: str) -> str:
    parts = urlsplit(database_url)
    return urlunsplit(parts._replace(path="/postgres"))


@pytest.fixture(scope="module")
def backend_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """The server's environment: a database nobody else uses, Redis keys of its own, no rate limits."""
    var_dir = tmp_path_factory.mktemp("contract-var")
    env = {key: value for key, value in os.environ.items() if not key.startswith("VECHE_THROTTLE_")}
    env.update(
        VECHE_VAR_DIR=str(var_dir),
        # Rate limits would turn most generated requests into 429s and test nothing.
        **{
            f"VECHE_THROTTLE_{scope}": "1000000/min"
            for scope in ("JOIN_CODE", "JOIN_GUESS", "VOTE", "POST", "SIMILAR", "LOGIN")
        },
        VECHE_CACHE_PREFIX=f"veche-contract-{uuid.uuid4().hex[:8]}",
        VECHE_CHANNEL_PREFIX=f"veche-contract-{uuid.uuid4().hex[:8]}",
        DEBUG="false",
        PYTHONUNBUFFERED="1",
    )
    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url.startswith(("postgres://", "postgresql://")):
        env.pop("DATABASE_URL", None)  # SQLite in var_dir
        yield env
        return
    import psycopg

    name = f"veche_contract_{uuid.uuid4().hex[:12]}"
    admin = _postgres_admin_url(database_url)
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    env["DATABASE_URL"] = urlunsplit(urlsplit(database_url)._replace(path=f"/{name}"))
    try:
        yield env
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _manage(env: dict[str, str], *args: str) -> None:
    subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True
    )


def _seed_more(client: httpx.Client, server: LiveServer) -> None:
    """Beyond the demo: a group, a merge, and a second session taken all the way to the archive."""
    staff = {"Authorization": f"Bearer {server.staff_token}"}
    ideas = client.get("/api/v1/sessions/1/ideas/", headers=staff).json()["results"]
    idea_ids = [idea["id"] for idea in ideas]
    group = client.post(
        "/api/v1/sessions/1/groups/",
        json={"title": "Транспорт", "ideas": idea_ids[:3]},
        headers=staff,
    )
    assert group.status_code == 201, group.text
    forum = client.get("/api/v1/sessions/1/", headers=staff).json()["forum"]  # the Якутск forum and its sectors
    created = client.post(
        "/api/v1/sessions/",
        json={
            "forum": forum,
            "title": "Архивная сессия",
            "question": "Что сохранить?",
            "is_public": True,
        },
        headers=staff,
    )
    assert created.status_code == 201, created.text
    other = created.json()

    def stage(name: str) -> None:
        moved = client.post(
            f"/api/v1/sessions/{other['id']}/stage/", json={"stage": name}, headers=staff
        )
        assert moved.status_code == 200, moved.text

    stage("ideation")
    joined = client.post(
        "/api/v1/join/",
        json={"code": other["join_code"], "display_name": "Архивариус", "sector": "society"},
    )
    assert joined.status_code == 201, joined.text
    voter = {"Authorization": f"Bearer {joined.json()['token']}"}
    posted = [
        client.post(
            f"/api/v1/sessions/{other['id']}/ideas/", json={"text": text}, headers=voter
        ).json()
        for text in ("Музей вечной мерзлоты", "Открытый архив городских решений")
    ]
    stage("voting")
    for idea in posted:
        assert (
            client.put(
                f"/api/v1/ideas/{idea['id']}/vote/", json={"value": 1}, headers=voter
            ).status_code
            == 200
        )
    stage("results")
    stage("archived")
    deadline = time.monotonic() + 30
    archives: list[dict[str, Any]] = []
    while time.monotonic() < deadline and not archives:
        archives = client.get("/api/v1/archive/").json()["results"]
        time.sleep(0.2)
    assert archives, "the archived session was not frozen"
    server.ids.update(idea_ids, (idea["id"] for idea in posted), (a["id"] for a in archives))
    server.ids.update({1, other["id"], forum, group.json()["id"]})


@pytest.fixture(scope="module")
def daphne_server(backend_env: dict[str, str]) -> Iterator[LiveServer]:
    env = backend_env
    _manage(env, "migrate", "--noinput", "-v0")
    _manage(env, "seed_demo")
    port = _free_port()
    log_path = Path(env["VECHE_VAR_DIR"]) / "daphne.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [str(BIN / "daphne"), "-b", "127.0.0.1", "-p", str(port), "backend.asgi:application"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    server = LiveServer(url=f"http://127.0.0.1:{port}", log_path=log_path)
    try:
        with httpx.Client(base_url=server.url, timeout=30) as client:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if client.get("/healthz").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert process.poll() is None, log_path.read_text(errors="replace")[-3000:]
                assert time.monotonic() < deadline, "daphne did not come up"
                time.sleep(0.2)
            server.staff_token = client.post(
                "/api/v1/auth/token/", json={"username": "moderator", "password": "veche-demo-2032"}
            ).json()["token"]
            server.participant_token = client.post(
                "/api/v1/join/",
                json={"code": "YAKUTSK", "display_name": "Проверка", "sector": "society"},
            ).json()["token"]
            _seed_more(client, server)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@dataclass
class ContractReport:
    operations: int
    server_errors: list[str]
    schema_violations: list[str]
    output: str


def _schemathesis(server: LiveServer, token: str, workdir: Path) -> ContractReport:
    """One bounded, deterministic schemathesis run; the counts come from its JUnit report."""
    workdir.mkdir(parents=True, exist_ok=True)
    # Real ids for `{id}` in paths half of the time, so detail endpoints are exercised beyond 404.
    config = workdir / "schemathesis.toml"
    config.write_text(
        "[dictionaries.ids]\n"
        f"values = [{', '.join(str(i) for i in sorted(server.ids))}]\n\n"
        "[parameters]\n"
        '"path.id" = { dictionary = "ids", probability = 0.5 }\n',
        encoding="utf-8",
    )
    junit = workdir / "junit.xml"
    command = [
        str(BIN / "schemathesis"),
        "--config-file", str(config),
        "--no-color",
        "run", f"{server.url}/api/schema/",
        "--header", f"Authorization: Bearer {token}",
        "--checks", CHECKS,
        "--max-examples", str(MAX_EXAMPLES),
        "--seed", str(SEED),
        "--generation-deterministic",  # Hypothesis derandomized, and no example database
        "--workers", "2",
        "--continue-on-failure",
        "--request-timeout", "30",
        "--report", "junit",
        "--report-junit-path", str(junit),
    ]  # fmt: skip
    # ~6,600 coverage-phase requests at ~15 ms of server CPU each: 130-150 s on 2 cores; leave headroom
    # below pytest's 300 s so that a busy host is not mistaken for a broken API.
    finished = subprocess.run(command, cwd=workdir, capture_output=True, text=True, timeout=270)
    output = finished.stdout + finished.stderr
    assert junit.exists(), output[-5000:]
    server_errors: list[str] = []
    schema_violations: list[str] = []
    operations = 0
    for case in ET.parse(junit).getroot().iter("testcase"):  # noqa: S314 - our own run's report
        operations += 1
        for failure in case:
            text = failure.text or ""
            name = case.get("name", "?")
            server_errors += [name] * len(re.findall(r"^- ST101 ", text, re.MULTILINE))
            schema_violations += [name] * len(re.findall(r"^- ST108 ", text, re.MULTILINE))
    return ContractReport(operations, server_errors, schema_violations, output)


def _assert_contract_holds(report: ContractReport, server: LiveServer) -> None:
    assert report.operations >= 40, report.output[-5000:]  # the whole API was exercised
    assert report.server_errors == [], report.output[-20000:]
    assert report.schema_violations == [], report.output[-20000:]
    log = server.log_path.read_text(errors="replace")
    assert "Internal Server Error" not in log, log[-10000:]


def test_participant_never_gets_a_5xx_or_an_undocumented_shape(
    daphne_server: LiveServer, tmp_path: Path
) -> None:
    report = _schemathesis(daphne_server, daphne_server.participant_token, tmp_path / "participant")
    _assert_contract_holds(report, daphne_server)


def test_staff_never_gets_a_5xx_or_an_undocumented_shape(
    daphne_server: LiveServer, tmp_path: Path
) -> None:
    report = _schemathesis(daphne_server, daphne_server.staff_token, tmp_path / "staff")
    _assert_contract_holds(report, daphne_server)
