"""Live-stream fixtures: a WebSocket client that waits for messages (never sleeps), hubs, Redis."""

from __future__ import annotations

import asyncio
import json
import os
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from channels.testing import WebsocketCommunicator

from realtime import hub as live_hub
from realtime.hub import in_thread
from tests.realtime.schemas_check import check_server_message

TIMEOUT = 5.0
TEST_REDIS_URL = os.environ.get("VECHE_TEST_REDIS_URL", "redis://127.0.0.1:6379/14")


def run_sync(function: Callable[..., Any]) -> Callable[..., Any]:
    """Database work from an async test, in a thread (the test's loop must not block)."""
    return in_thread(function)


def fold_tallies(tallies: dict[str, dict[str, int]], message: dict[str, Any]) -> None:
    """What a screen shows after this message (the same rule as pages/static/pages/live.js)."""
    if message.get("type") == "snapshot":
        tallies.clear()
        tallies.update({str(idea["id"]): idea["tally"] for idea in message["ideas"] if "tally" in idea})
    elif message.get("type") == "tally":
        tallies.update(message["tallies"])


class LiveClient:
    """A WebSocket client of the session stream that keeps everything it received."""

    def __init__(self, communicator: WebsocketCommunicator) -> None:
        self.communicator = communicator
        self.received: list[dict[str, Any]] = []
        self.unmatched: list[dict[str, Any]] = []
        self.close_code: int | None = None
        # The tallies this client would show: a snapshot replaces them, a `tally` updates them.
        self.tallies: dict[str, dict[str, int]] = {}

    async def next(self, timeout: float = TIMEOUT) -> dict[str, Any]:
        output = await self.communicator.receive_output(timeout)
        if output["type"] == "websocket.close":
            self.close_code = output.get("code", 1000)
            raise ConnectionError(f"closed with {self.close_code}")
        message = json.loads(output["text"])
        check_server_message(message)  # every message a test sees matches its schema
        self.received.append(message)
        fold_tallies(self.tallies, message)
        return message

    async def poll(self) -> None:
        """Read what has arrived, without waiting (keeps `tallies` current).

        The communicator's own timeout would cancel the application, so it is never used here.
        """
        while not self.communicator.output_queue.empty():
            self.unmatched.append(await self.next())

    async def until(
        self, kind: str, predicate: Callable[[dict[str, Any]], bool] = lambda m: True, timeout: float = TIMEOUT
    ) -> dict[str, Any]:
        """The first message of this type that satisfies the predicate.

        Messages skipped on the way stay available to later calls (for other types).
        """
        for index, message in enumerate(self.unmatched):
            if message["type"] == kind and predicate(message):
                del self.unmatched[index]
                return message
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            left = deadline - asyncio.get_running_loop().time()
            if left <= 0:
                raise TimeoutError(f"no {kind} within {timeout}s; got {[m['type'] for m in self.received]}")
            try:
                message = await self.next(left)
            except TimeoutError:
                raise TimeoutError(f"no {kind} within {timeout}s; got {[m['type'] for m in self.received]}") from None
            if message["type"] == kind and predicate(message):
                return message
            self.unmatched.append(message)

    async def nothing_more(self, timeout: float = 0.3) -> bool:
        return await self.communicator.receive_nothing(timeout)

    async def send(self, message: dict[str, Any]) -> None:
        await self.communicator.send_to(text_data=json.dumps(message))

    async def close(self) -> None:
        await self.communicator.disconnect()


@pytest.fixture
def live_settings(settings: Any) -> Any:
    settings.VECHE_TALLY_TICK_SECONDS = 0.05  # fast ticks keep the tests short
    return settings


@pytest.fixture
async def connect(live_settings: Any) -> AsyncIterator[Callable[..., Any]]:
    """connect(session_id, token=None, app=None, query="", headers=()) → LiveClient after the handshake."""
    from backend.asgi import application

    clients: list[LiveClient] = []

    async def open_client(
        session_id: int,
        token: str | None = None,
        *,
        app: Any = None,
        query: str = "",
        headers: tuple[tuple[bytes, bytes], ...] = (),
        origin: bytes = b"http://testserver",
    ) -> LiveClient:
        params = [f"token={token}"] if token else []
        if query:
            params.append(query)
        path = f"/ws/sessions/{session_id}/" + ("?" + "&".join(params) if params else "")
        communicator = WebsocketCommunicator(app or application, path, headers=[(b"origin", origin), *headers])
        client = LiveClient(communicator)
        connected, code = await communicator.connect(timeout=TIMEOUT)
        if not connected:
            client.close_code = code
        clients.append(client)
        return client

    yield open_client
    for client in clients:
        try:
            await client.close()
        except (Exception, asyncio.CancelledError):  # noqa: S110 - already closed by the server
            pass
    await live_hub.close_current_hub()


def staff_token(user: Any) -> str:
    from ideas.models import ApiToken

    api_token = ApiToken(user=user)
    token = api_token.issue_token()
    api_token.save()
    return token


def redis_available(url: str) -> bool:
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=0.5).ping()
        return True
    except Exception:
        return False


@pytest.fixture
def redis_prefix(settings: Any) -> str:
    """Point the live bus at the test Redis (its own db and prefix), or skip when it is unreachable."""
    if not redis_available(TEST_REDIS_URL):
        if os.environ.get("CI"):
            pytest.fail(f"Redis at {TEST_REDIS_URL} is unreachable in CI")
        pytest.skip(f"no Redis at {TEST_REDIS_URL}")
    prefix = f"vtest-{uuid.uuid4().hex[:10]}"
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [TEST_REDIS_URL], "prefix": prefix},
        }
    }
    return prefix
