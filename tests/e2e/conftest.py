"""A live daphne server with its own database, and a headless Debian Chromium.

pytest-django's test database is invisible to another process, so the server
gets a database of its own: a temporary SQLite file in the embedded pass, a
freshly created PostgreSQL database when DATABASE_URL points at PostgreSQL.
The server runs with the same settings as the rest of the suite otherwise
(Redis included, under its own prefixes so no other test hears its events).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# `make screenshots` sets this to docs/screenshots; a plain test run writes to pytest's
# temporary directory instead, so running the tests never rewrites tracked files.
SCREENSHOTS_ENV = "VECHE_SCREENSHOTS_DIR"
_screenshots_dir: Path | None = None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _postgres_admin(url: str, statement: str) -> None:
    """Run a statement on the server's maintenance database (the configured one may not exist:
    the test runner only creates its own test_ database)."""
    import psycopg

    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as connection:
        connection.execute(statement)


class Server:
    def __init__(self, url: str, env: dict[str, str], seed: dict[str, Any]) -> None:
        self.url = url
        self.env = env
        self.seed = seed

    def session(self, name: str) -> dict[str, Any]:
        return self.seed["sessions"][name]

    @property
    def moderator(self) -> dict[str, str]:
        return self.seed["moderator"]

    def query(self, code: str) -> Any:
        """Run Python in the server's environment (its database) and return what it prints as JSON."""
        result = subprocess.run(  # noqa: S603 - our own interpreter and manage.py
            [sys.executable, "manage.py", "shell", "-c", code],
            cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=60, check=True,
        )
        return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium is needed for the browser tests: apt-get install chromium (make browser)")
    var_dir = tmp_path_factory.mktemp("e2e-var")
    env = {**os.environ, "VECHE_VAR_DIR": str(var_dir), "PYTHONUNBUFFERED": "1"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    database_url = os.environ.get("DATABASE_URL", "")
    dropped: str | None = None
    if database_url.startswith(("postgres://", "postgresql://")):
        name = f"veche_e2e_{uuid.uuid4().hex[:10]}"
        _postgres_admin(database_url, f'CREATE DATABASE "{name}"')
        dropped = name
        env["DATABASE_URL"] = database_url.rsplit("/", 1)[0] + "/" + name
    if env.get("REDIS_URL"):
        suffix = uuid.uuid4().hex[:8]
        env["VECHE_CHANNEL_PREFIX"] = f"veche-e2e-{suffix}"
        env["VECHE_CACHE_PREFIX"] = f"veche-e2e-{suffix}"
    # A hall's worth of quick clicks from one test browser must not trip the venue limits.
    env.setdefault("VECHE_THROTTLE_VOTE", "10000/min")
    env.setdefault("VECHE_THROTTLE_POST", "10000/min")
    subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True, timeout=300
    )
    seeded = subprocess.run(  # noqa: S603
        [sys.executable, str(ROOT / "tests" / "e2e" / "seed.py")],
        cwd=ROOT, env=env, check=True, capture_output=True, text=True, timeout=300,
    )
    seed = json.loads(seeded.stdout.strip().splitlines()[-1])
    port = _free_port()
    log = open(var_dir / "daphne.log", "w")  # noqa: SIM115 - closed after the server stops
    process = subprocess.Popen(  # noqa: S603
        [str(Path(sys.executable).parent / "daphne"), "-b", "127.0.0.1", "-p", str(port), "backend.asgi:application"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/healthz", timeout=2):  # noqa: S310 - our own server
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError((var_dir / "daphne.log").read_text()) from None
                time.sleep(0.2)
        yield Server(url, env, seed)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()
        if dropped:
            _postgres_admin(database_url, f'DROP DATABASE IF EXISTS "{dropped}" WITH (FORCE)')


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


PHONE = {"viewport": {"width": 360, "height": 740}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
SCREEN = {"viewport": {"width": 1920, "height": 1080}}
DESKTOP = {"viewport": {"width": 1366, "height": 900}}


@pytest.fixture
def contexts(browser: Any) -> Iterator[Any]:
    """Open browser contexts (phone, big screen, console) that close after the test."""
    opened: list[Any] = []

    def open_context(kind: dict[str, Any], locale: str = "ru-RU") -> Any:
        context = browser.new_context(locale=locale, **kind)
        context.set_default_timeout(10_000)
        opened.append(context)
        return context

    yield open_context
    for context in opened:
        context.close()


def join(page: Any, server: Server, code: str, name: str = "Айталина", sector: str = "society") -> None:
    page.goto(f"{server.url}/join/{code}")
    page.get_by_label("Ваше имя").fill(name)
    page.locator(f"input[name=sector][value={sector}]").check()
    page.get_by_role("button", name="Войти в сессию").click()
    page.wait_for_url(f"{server.url}/s/**")
    live_ready(page)


def live_ready(page: Any) -> None:
    """Wait until the page's live socket is open."""
    page.wait_for_selector("#connection[data-state=online]", timeout=10_000)


def login(page: Any, server: Server, next_path: str) -> None:
    page.goto(f"{server.url}/admin/login/?next={next_path}")
    page.fill("#id_username", server.moderator["username"])
    page.fill("#id_password", server.moderator["password"])
    page.locator("input[type=submit]").click()
    page.wait_for_url(f"{server.url}{next_path}")
    live_ready(page)


@pytest.fixture(scope="session", autouse=True)
def screenshots_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where `screenshot` writes: $VECHE_SCREENSHOTS_DIR (relative to the project) or a temporary directory."""
    global _screenshots_dir
    configured = os.environ.get(SCREENSHOTS_ENV, "").strip()
    _screenshots_dir = ROOT / configured if configured else tmp_path_factory.mktemp("screenshots")
    _screenshots_dir.mkdir(parents=True, exist_ok=True)
    return _screenshots_dir


def screenshot(page: Any, name: str) -> Path:
    """Save what the page shows (the docs' pictures under `make screenshots`); returns the file."""
    assert _screenshots_dir is not None, "the screenshots_dir fixture sets the directory"
    path = _screenshots_dir / name
    page.screenshot(path=str(path), full_page=False)
    return path
