"""Backpressure on the real daphne protocol: a client that stops reading never stalls the others.

daphne runs in a subprocess on the test's own database; one raw TCP client completes the
WebSocket handshake and then never reads again (a phone whose tab went to sleep), a
`websockets` client reads normally. The policy (docs/realtime.md, "Latest-state slot per
socket"): once the slow socket holds more than 256 KB unsent it is paused (tallies merge,
events queue, bounded), and if it is still backed up `VECHE_SLOW_CLIENT_DROP_SECONDS`
later its TCP connection is dropped; the reading client gets every tally on time meanwhile.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import socket
import threading
import time
import uuid
from typing import Any

import httpx
import pytest
from django.db import connection
from websockets.sync.client import connect as ws_connect

from ideas.models import Idea, IdeaStatus, Stage
from tests.realtime.conftest import fold_tallies
from tests.realtime.schemas_check import check_server_message
from tests.realtime.servers import DaphneServer, database_url_of
from tests.realtime.test_redis_outage import database_tallies

pytestmark = pytest.mark.django_db(transaction=True)

DROP_SECONDS = 2.0


def daphne_env(tmp_path: Any) -> dict[str, str]:
    env = {
        "DATABASE_URL": database_url_of(connection.settings_dict),
        "VECHE_VAR_DIR": str(tmp_path),
        "VECHE_TALLY_TICK_SECONDS": "0.05",
        "VECHE_SLOW_CLIENT_DROP_SECONDS": str(DROP_SECONDS),
        "VECHE_THROTTLE_VOTE": "100000/min",
        "VECHE_LOG_LEVEL": "INFO",
    }
    if os.environ.get("REDIS_URL"):
        env["VECHE_CHANNEL_PREFIX"] = f"slow-{uuid.uuid4().hex[:8]}"
        env["VECHE_CACHE_PREFIX"] = env["VECHE_CHANNEL_PREFIX"]
    return env


def raw_websocket(port: int, path: str) -> socket.socket:
    """A TCP client that completes the WebSocket handshake, then reads nothing more."""
    client = socket.socket()
    client.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # a phone's small window
    client.connect(("127.0.0.1", port))
    key = base64.b64encode(os.urandom(16)).decode()
    client.sendall(
        (
            f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\nOrigin: http://127.0.0.1:{port}\r\n\r\n"
        ).encode()
    )
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = client.recv(1)
        assert chunk, "closed during the handshake"
        head += chunk
    assert head.startswith(b"HTTP/1.1 101"), head
    return client


class ReadingClient:
    """A normal client on its own thread: reads everything, keeps the tallies it would show."""

    def __init__(self, url: str, origin: str) -> None:
        self._stack = contextlib.ExitStack()
        self.socket = self._stack.enter_context(ws_connect(url, origin=origin, max_size=None, open_timeout=10))
        self.tallies: dict[str, dict[str, int]] = {}
        self.tally_times: list[float] = []
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        try:
            for text in self.socket:
                message = json.loads(text)
                check_server_message(message)
                fold_tallies(self.tallies, message)
                if message["type"] == "tally":
                    self.tally_times.append(time.monotonic())
        except Exception:  # noqa: S110 - closed at the end of the test
            pass

    def close(self) -> None:
        self._stack.close()


def test_a_client_that_stops_reading_is_dropped_and_the_others_keep_receiving(
    tmp_path, session, make_participant
):
    author = make_participant(session)
    # Long ideas make the snapshot about 4 MB: more than the kernel takes for a socket that is
    # not read (≈3 MB on loopback here), so the stalled socket backs up in Twisted at once.
    Idea.objects.bulk_create(
        Idea(session=session, author=author, status=IdeaStatus.PUBLISHED, text=f"{n} " + "Тёплая остановка " * 58)
        for n in range(2000)
    )
    session.stage = Stage.VOTING
    session.live_results_visible = True
    session.is_public = True
    session.save()
    ideas = list(Idea.objects.filter(session=session).order_by("pk").values_list("pk", flat=True))
    voters = [make_participant(session) for _ in range(30)]

    server = DaphneServer(daphne_env(tmp_path))
    server.start()
    reader: ReadingClient | None = None
    slow: socket.socket | None = None
    try:
        path = f"/ws/sessions/{session.pk}/"
        slow = raw_websocket(server.port, path)
        reader = ReadingClient(server.ws + path, origin=server.http)

        stalled_at = time.monotonic()
        with httpx.Client(base_url=server.http, timeout=10) as http:
            for index, voter in enumerate(voters):
                answer = http.put(
                    f"/api/v1/ideas/{ideas[index % 5]}/vote/",
                    json={"value": 1},
                    headers={"Authorization": f"Bearer {voter.token}"},
                )
                assert answer.status_code == 200, answer.text
                time.sleep(0.1)  # votes over ~3 s: a tally every tick, while the slow socket is stuck

        # The reading client got tallies all along and shows the database's counts.
        deadline = time.monotonic() + 5
        while reader.tallies != database_tallies(session.pk) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert reader.tallies == database_tallies(session.pk)
        assert len(reader.tally_times) >= 10, f"only {len(reader.tally_times)} tallies reached the reading client"

        # The stalled socket was dropped (TCP cut) once it stayed backed up past the limit.
        deadline = stalled_at + DROP_SECONDS + 8
        while "dropped a client" not in server.output() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert "dropped a client" in server.output(), server.output()[-3000:]
        slow.settimeout(5)
        received = 0
        closed = False
        try:
            while chunk := slow.recv(65536):
                received += len(chunk)
            closed = True  # EOF
        except ConnectionResetError:
            closed = True  # the RST of abortConnection
        assert closed
        print(f"slow client: dropped after backing up; it had {received} bytes still readable")

        # The reading client is still served after the drop.
        before = len(reader.tally_times)
        with httpx.Client(base_url=server.http, timeout=10) as http:
            answer = http.put(
                f"/api/v1/ideas/{ideas[7]}/vote/", json={"value": 1}, headers={"Authorization": f"Bearer {author.token}"}
            )
            assert answer.status_code == 200, answer.text
        deadline = time.monotonic() + 5
        while len(reader.tally_times) == before and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(reader.tally_times) > before
    finally:
        if reader is not None:
            reader.close()
        if slow is not None:
            slow.close()
        server.stop()
