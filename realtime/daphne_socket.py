"""The one place that writes to daphne's sockets directly (autobahn and Twisted internals).

Why: under daphne, a message sent the ASGI way costs a trip through Channels, daphne's
checks and autobahn's framing for every socket; a server frame is unmasked, so the hub
frames each message once and writes the same bytes to every socket (docs/realtime.md,
"One subscription per process"). That needs attributes that are not public API:

- daphne: the innermost ASGI `send` is `partial(server.handle_reply, protocol)`;
- autobahn: `WebSocketServerProtocol.state`, `STATE_OPEN`, `send_queue`,
  `_perMessageCompress`, `maskServerFrames`, `sendData`, `sendMessage`;
- Twisted: `tcp.Connection.dataBuffer`, `offset`, `_tempDataLen` (bytes not yet sent),
  `socket`, `connected`, `disconnecting`, `TLS`, `write`, `abortConnection`.

Versions are pinned to the tested ranges in pyproject.toml. If any of these is missing,
the fast path turns itself off: an ERROR is logged once, `/readyz` reports
`live_fast_path: off (<reason>)`, and every message goes the plain ASGI way (correct,
only slower).

Interface: `attach(send)` → a `DaphneSocket` (or None: not daphne, or the fast path is
off); `DaphneSocket.is_open()`, `.backlog()`, `.write(text, frame)`, `.drop()`;
`text_frame(data)`; `fast_path_status()`.
"""

from __future__ import annotations

import logging
import struct
import threading
from typing import Any

logger = logging.getLogger("veche.realtime")

_PROTOCOL_ATTRIBUTES = ("STATE_OPEN", "state", "send_queue", "transport", "_perMessageCompress", "sendData")
_TRANSPORT_ATTRIBUTES = ("dataBuffer", "offset", "_tempDataLen", "socket", "write", "abortConnection")

_status_lock = threading.Lock()
_off_reason: str | None = None
_checked = False


def text_frame(data: bytes) -> bytes:
    """A whole server-to-client text frame (RFC 6455 §5.2: final, unmasked, uncompressed).

    Server frames carry no mask, so one message is framed once and the same bytes go to
    every socket; autobahn would rebuild the frame (and format its debug log
    arguments) for each of them.
    """
    length = len(data)
    if length < 126:
        return bytes((0x81, length)) + data
    if length < 65536:
        return struct.pack("!BBH", 0x81, 126, length) + data
    return struct.pack("!BBQ", 0x81, 127, length) + data


def turn_off(reason: str) -> None:
    """Stop using the fast path in this process; logged as an ERROR once."""
    global _off_reason
    with _status_lock:
        if _off_reason is not None:
            return
        _off_reason = reason
    logger.error("live fast path off: %s; messages go through Channels' send (slower, still correct)", reason)


def _static_check() -> None:
    """The classes the fast path relies on still have what it uses (checked once per process)."""
    global _checked
    if _checked:
        return
    _checked = True
    try:
        from daphne.ws_protocol import WebSocketProtocol
        from twisted.internet import tcp
    except ImportError as error:
        turn_off(f"cannot import daphne or Twisted ({error})")
        return
    missing = [name for name in ("STATE_OPEN", "sendData", "sendMessage") if not hasattr(WebSocketProtocol, name)]
    missing += [
        f"tcp.Connection.{name}"
        for name in ("dataBuffer", "offset", "write", "abortConnection")
        if not hasattr(tcp.Connection, name)
    ]
    if missing:
        turn_off("missing " + ", ".join(missing))


def fast_path_status() -> str:
    """`on`, or `off (<reason>)`."""
    _static_check()
    reason = _off_reason
    return "on" if reason is None else f"off ({reason})"


def _find_protocol(send: Any) -> tuple[Any, bool]:
    """daphne's protocol below Channels' wrappers, and whether the chain looked like daphne's at all.

    Channels' session middleware wraps daphne's send in its own (kept as `real_send`), so
    the chain is followed down.
    """
    daphne_seen = False
    for _depth in range(10):
        function = getattr(send, "func", None)
        owner = getattr(function, "__self__", None)
        if owner is not None and type(owner).__module__.startswith("daphne"):
            daphne_seen = True
        args = getattr(send, "args", None)
        if args and type(args[0]).__module__.startswith("daphne"):
            return args[0], True
        wrapper = getattr(send, "__self__", None)
        send = getattr(wrapper, "real_send", None)
        if send is None:
            return None, daphne_seen
    return None, daphne_seen


def attach(send: Any) -> DaphneSocket | None:
    """The socket behind this ASGI `send`, written directly; None → use `send` (other servers, tests)."""
    _static_check()
    if _off_reason is not None:
        return None
    protocol, daphne_seen = _find_protocol(send)
    if protocol is None:
        if daphne_seen:
            turn_off("daphne's protocol was not found below Channels' send")
        return None
    missing = [name for name in _PROTOCOL_ATTRIBUTES if not hasattr(protocol, name)]
    transport = getattr(protocol, "transport", None)
    missing += [f"transport.{name}" for name in _TRANSPORT_ATTRIBUTES if not hasattr(transport, name)]
    if missing:
        turn_off("daphne's socket lacks " + ", ".join(missing))
        return None
    if getattr(protocol, "maskServerFrames", False):
        return None  # never the case for a server; framing once would be wrong
    return DaphneSocket(protocol)


class DaphneSocket:
    """One client's WebSocket under daphne, written without autobahn's per-message work."""

    __slots__ = ("protocol",)

    def __init__(self, protocol: Any) -> None:
        self.protocol = protocol

    def is_open(self) -> bool:
        protocol = self.protocol
        return bool(protocol.state == protocol.STATE_OPEN)

    def backlog(self) -> int:
        """Bytes written to this socket but not yet taken by the kernel."""
        return unsent_bytes(self.protocol.transport) or 0

    def write(self, text: str, frame: bytes | None = None) -> None:
        """Write one text message now (Twisted keeps what the kernel does not take)."""
        protocol = self.protocol
        if protocol.state != protocol.STATE_OPEN:
            return
        if protocol._perMessageCompress is not None:  # never offered by daphne; kept correct anyway
            protocol.sendMessage(text.encode("utf-8"), False)
            return
        if frame is None:
            frame = text_frame(text.encode("utf-8"))
        if protocol.send_queue:  # autobahn has its own writes waiting: stay behind them
            protocol.sendData(frame)
        else:
            write_now(protocol.transport, frame)

    def drop(self) -> None:
        """Cut the TCP connection at once (a client that stopped reading gets no close handshake)."""
        self.protocol.transport.abortConnection()


def write_now(transport: Any, frame: bytes) -> None:
    """Send on the socket at once when nothing waits before it; Twisted buffers the rest.

    `transport.write` registers the socket with the selector and unregisters it after the
    next loop turn: two epoll calls per message to every socket, the largest part of
    fan-out (measured with py-spy at 2,000 clients). A small frame almost always fits the
    kernel's buffer, so this is one send().
    """
    try:
        idle = transport.connected and not transport.disconnecting and not transport.TLS
    except AttributeError:  # not a plain Twisted TCP transport
        idle = False
    idle = idle and unsent_bytes(transport) == 0
    sent = 0
    if idle:
        try:
            sent = transport.socket.send(frame)
        except OSError:  # would block, or the peer is gone: Twisted's own write finds out
            sent = 0
    if sent < len(frame):
        transport.write(frame[sent:] if sent else frame)


def unsent_bytes(transport: Any) -> int | None:
    """Bytes a Twisted transport holds for the socket (None if it is not one)."""
    try:
        return len(transport.dataBuffer) - transport.offset + transport._tempDataLen  # type: ignore[no-any-return]
    except Exception:
        return None
