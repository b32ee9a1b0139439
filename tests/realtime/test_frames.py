"""The hub's direct write path under daphne: the same bytes autobahn would send, found through Channels' stack."""

from __future__ import annotations

import functools
import json
import socket
from typing import Any

import pytest
from autobahn.twisted.websocket import WebSocketServerFactory
from daphne.ws_protocol import WebSocketProtocol
from twisted.internet import tcp
from twisted.internet.testing import MemoryReactor, StringTransport

from realtime import daphne_socket
from realtime.daphne_socket import DaphneSocket, text_frame, write_now
from realtime.hub import Connection, Prepared
from realtime.middleware import TokenAuthMiddleware


def _open_daphne_protocol() -> tuple[WebSocketProtocol, StringTransport]:
    """daphne's own protocol class after its handshake, writing to an in-memory transport."""
    protocol = WebSocketProtocol()
    protocol.factory = WebSocketServerFactory()
    transport = StringTransport()
    protocol.transport = transport
    protocol._connectionMade()
    protocol.state = protocol.STATE_OPEN
    return protocol, transport


@pytest.mark.parametrize("length", [0, 5, 125, 126, 127, 65535, 65536, 70000])
def test_a_frame_is_what_autobahn_itself_would_send(length):
    protocol, transport = _open_daphne_protocol()
    payload = ("я" * length).encode("utf-8")[:length]  # multi-byte text, cut to the exact length
    protocol.sendMessage(payload, False)
    assert text_frame(payload) == transport.value()


async def _never(text: str) -> None:
    raise AssertionError("the direct write must be used under daphne")


def test_a_connection_on_daphne_writes_one_prepared_frame_to_the_transport():
    protocol, transport = _open_daphne_protocol()
    connection = Connection(
        session_id=1, role="viewer", participant_id=None, send_text=_never, socket=DaphneSocket(protocol)
    )
    prepared = Prepared("tally", 7, {"tallies": {"3": {"supporters": 2}}})

    assert connection.write_text(prepared.text, prepared.frame) is None
    protocol.sendMessage(prepared.data, False)  # autobahn's own framing of the same message
    written = transport.value()
    assert written[: len(written) // 2] == written[len(written) // 2 :]
    assert json.loads(prepared.data) == {"type": "tally", "seq": 7, "tallies": {"3": {"supporters": 2}}}


def test_a_closed_daphne_socket_is_not_written():
    protocol, transport = _open_daphne_protocol()
    connection = Connection(
        session_id=1, role="viewer", participant_id=None, send_text=_never, socket=DaphneSocket(protocol)
    )
    protocol.state = protocol.STATE_CLOSED
    assert connection.write_text("{}") is None
    assert transport.value() == b""


async def test_the_protocol_is_found_through_the_real_middleware_stack():
    """Channels' session middleware wraps daphne's send; the hub must still reach the socket."""
    protocol = WebSocketProtocol()
    seen: dict[str, Any] = {}

    async def handle_reply(protocol: Any, message: Any) -> None:  # daphne's Server.handle_reply shape
        seen["reply"] = message

    async def inner(scope: dict[str, Any], receive: Any, send: Any) -> None:
        seen["send"] = send

    async def receive() -> dict[str, Any]:
        return {"type": "websocket.connect"}

    scope = {"type": "websocket", "path": "/ws/sessions/1/", "headers": [], "query_string": b""}
    await TokenAuthMiddleware(inner)(scope, receive, functools.partial(handle_reply, protocol))
    assert daphne_socket._find_protocol(seen["send"])[0] is protocol


def test_another_server_uses_the_plain_asgi_send():
    async def send(message: Any) -> None:
        return None

    assert daphne_socket.attach(send) is None
    assert daphne_socket.fast_path_status() == "on"  # a server that is not daphne is no reason to turn it off


def _tcp_pair() -> tuple[Any, socket.socket]:
    """A real Twisted TCP transport on one end of a socket pair; the other end is the phone."""
    server_end, phone = socket.socketpair()
    server_end.setblocking(False)
    transport = tcp.Connection(server_end, None, MemoryReactor())
    transport.connected = True
    return transport, phone


def test_a_frame_goes_straight_to_an_idle_socket():
    transport, phone = _tcp_pair()
    frame = text_frame(b'{"type":"tally","seq":1}')
    write_now(transport, frame)
    assert phone.recv(1024) == frame
    assert transport._tempDataLen == 0  # nothing left for the reactor


def test_a_frame_waits_behind_bytes_twisted_still_holds():
    transport, phone = _tcp_pair()
    first, second = text_frame(b"1"), text_frame(b"2")
    transport.write(first)  # buffered: the reactor has not written it yet
    write_now(transport, second)
    assert transport._tempDataBuffer == [first, second]  # order kept
    transport.doWrite()
    assert phone.recv(1024) == first + second


@pytest.fixture
def fast_path_state():
    """The module's once-per-process state, restored after a test that turns the fast path off."""
    saved = (daphne_socket._off_reason, daphne_socket._checked)
    daphne_socket._off_reason, daphne_socket._checked = None, False
    yield
    daphne_socket._off_reason, daphne_socket._checked = saved


@pytest.mark.django_db
def test_missing_internals_turn_the_fast_path_off_with_one_error_and_readyz_says_why(fast_path_state, caplog, client):
    """daphne found, but its protocol lacks what the direct writes use (an upgrade moved it)."""
    from daphne.server import Server

    server = Server.__new__(Server)  # only its `handle_reply` is needed: the send daphne hands an app
    protocol = WebSocketProtocol()  # never connected: no send_queue, no transport
    send = functools.partial(server.handle_reply, protocol)
    with caplog.at_level("ERROR", logger="veche.realtime"):
        assert daphne_socket.attach(send) is None
        assert daphne_socket.attach(send) is None
    errors = [r for r in caplog.records if r.levelname == "ERROR"]
    assert len(errors) == 1 and "live fast path off" in errors[0].getMessage()
    status = client.get("/readyz").json()["checks"]["live_fast_path"]
    assert status.startswith("off (daphne's socket lacks ") and "send_queue" in status


@pytest.mark.django_db
def test_readyz_says_the_fast_path_is_on(fast_path_state, client):
    assert client.get("/readyz").json()["checks"]["live_fast_path"] == "on"
