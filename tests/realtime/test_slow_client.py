"""The per-connection latest-state slot: a socket that backs up never stalls the others."""

from __future__ import annotations

import json
from typing import Any

from realtime.hub import SEND_BUFFER_HIGH, Connection, Hub, Prepared


class FakeTransport:
    """A Twisted transport's send-buffer fields; records the frames written."""

    def __init__(self) -> None:
        self.dataBuffer = b""
        self.offset = 0
        self._tempDataLen = 0
        self.frames: list[bytes] = []

    def write(self, frame: bytes) -> None:
        self.frames.append(frame)


class FakeProtocol:
    """Looks like daphne's WebSocket protocol: its state, send queue and a Twisted transport.

    The transport's buffer fields are set by hand to play a phone that stopped reading,
    which a real socket would take seconds to reach.
    """

    STATE_OPEN = 1
    _perMessageCompress = None

    def __init__(self) -> None:
        self.state = 1
        self.send_queue: list[bytes] = []
        self.transport = FakeTransport()

    @property
    def sent(self) -> list[dict[str, Any]]:
        return [json.loads(_payload(frame)) for frame in self.transport.frames]


def _payload(frame: bytes) -> bytes:
    assert frame[0] == 0x81  # a final text frame
    length = frame[1]
    assert length < 0x80  # server frames are never masked
    if length == 126:
        return frame[4:]
    if length == 127:
        return frame[10:]
    return frame[2:]


class NullBus:
    hub_id = "test"


async def _never(text: str) -> None:
    raise AssertionError("the fast path must be used")


def _connection(protocol: FakeProtocol) -> Connection:
    connection = Connection(session_id=1, role="viewer", participant_id=None, send_text=_never, protocol=protocol)
    connection.syncing = False
    return connection


async def test_a_backed_up_socket_gets_only_the_latest_tallies_and_the_others_go_on():
    hub = Hub(NullBus(), tick_seconds=0.05)  # type: ignore[arg-type]
    slow_protocol, fast_protocol = FakeProtocol(), FakeProtocol()
    slow, fast = _connection(slow_protocol), _connection(fast_protocol)

    slow_protocol.transport._tempDataLen = SEND_BUFFER_HIGH + 1  # the phone stopped reading
    for seq in range(1, 101):
        tally = Prepared("tally", seq, {"tallies": {"7": {"supporters": seq}, str(seq % 3): {"supporters": 1}}})
        hub._deliver(slow, tally)
        hub._deliver(fast, tally)
    hub._deliver(slow, Prepared("idea.created", 101, {"idea": {"id": 9}}))

    assert len(fast_protocol.sent) == 100  # the healthy socket got everything, in order
    assert [m["seq"] for m in fast_protocol.sent] == list(range(1, 101))
    assert len(slow_protocol.sent) == 1 and slow.paused  # one write, then held
    assert slow.pending_tally is not None and slow.pending_tally["7"] == {"supporters": 100}

    slow_protocol.transport._tempDataLen = 0  # it drained
    hub.slow.discard(slow)
    hub.slow.add(slow)
    # One pass of the drain loop:
    import asyncio

    task = asyncio.create_task(hub._drain_forever())
    for _ in range(50):
        await asyncio.sleep(0.01)
        if not slow.paused and slow.pending_tally is None:
            break
    task.cancel()
    kinds = [m["type"] for m in slow_protocol.sent]
    assert kinds == ["tally", "idea.created", "tally"]  # queued event, then ONE merged tally
    merged = slow_protocol.sent[-1]
    assert merged["tallies"]["7"] == {"supporters": 100} and merged["seq"] >= 101


async def test_an_overflowing_slot_asks_for_a_snapshot_instead_of_growing():
    hub = Hub(NullBus(), tick_seconds=0.05)  # type: ignore[arg-type]
    protocol = FakeProtocol()
    connection = _connection(protocol)
    protocol.transport._tempDataLen = SEND_BUFFER_HIGH + 1
    for seq in range(1, 500):
        hub._deliver(connection, Prepared("idea.created", seq, {"idea": {"id": seq}}))
    assert connection.needs_snapshot and not connection.pending


async def test_a_closed_socket_is_not_written():
    hub = Hub(NullBus(), tick_seconds=0.05)  # type: ignore[arg-type]
    protocol = FakeProtocol()
    connection = _connection(protocol)
    protocol.state = 3
    hub._deliver(connection, Prepared("tally", 1, {"tallies": {}}))
    assert protocol.sent == []
