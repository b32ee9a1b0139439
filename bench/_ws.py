"""A bare WebSocket client for the load generators: one asyncio Protocol, a callback per message.

The forum day's 3,008 `websockets` clients kept the load generator's one core busy (py-spy:
~45 % of its time in the library's frame parser, futures and queues, ~13 % in JSON), so its
event loop woke late and every latency it measured included its own backlog, for Veche and
for the reference alike. This client parses the little the servers send (unmasked,
unfragmented text frames; close; ping) in `data_received` and stamps each message with the
time its bytes were read. What it sends is framed and masked as RFC 6455 §5.3 requires.
"""

from __future__ import annotations

import asyncio
import base64
import os
import struct
import time
from collections.abc import Callable
from urllib.parse import urlsplit

# (text, when its bytes arrived)
OnMessage = Callable[[str, float], None]


def _mask(payload: bytes, key: bytes) -> bytes:
    length = len(payload)
    repeated = (key * (length // 4 + 1))[:length]
    return (int.from_bytes(payload, "big") ^ int.from_bytes(repeated, "big")).to_bytes(length, "big")


def client_frame(opcode: int, payload: bytes) -> bytes:
    key = os.urandom(4)
    length = len(payload)
    if length < 126:
        head = struct.pack("!BB", 0x80 | opcode, 0x80 | length)
    elif length < 65536:
        head = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, length)
    else:
        head = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, length)
    return head + key + (_mask(payload, key) if payload else b"")


class ClientProtocol(asyncio.Protocol):
    def __init__(self, host: str, path: str, origin: str, on_message: OnMessage) -> None:
        loop = asyncio.get_running_loop()
        self.host = host
        self.path = path
        self.origin = origin
        self.on_message = on_message
        self.opened: asyncio.Future[None] = loop.create_future()
        self.closed: asyncio.Future[None] = loop.create_future()
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.fragments: list[bytes] = []
        self.upgraded = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        key = base64.b64encode(os.urandom(16)).decode()
        transport.write(
            (
                f"GET {self.path} HTTP/1.1\r\nHost: {self.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\nOrigin: {self.origin}\r\n\r\n"
            ).encode("latin-1")
        )

    def data_received(self, data: bytes) -> None:
        now = time.monotonic()
        buffer = self.buffer
        buffer += data
        if not self.upgraded:
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            status = bytes(buffer[: buffer.find(b"\r\n")]).split()
            del buffer[: end + 4]
            if len(status) < 2 or status[1] != b"101":
                self._fail(ConnectionError(f"handshake refused: {status!r}"))
                return
            self.upgraded = True
            if not self.opened.done():
                self.opened.set_result(None)
        while len(buffer) >= 2:
            first, second = buffer[0], buffer[1]
            length = second & 0x7F
            start = 2
            if length == 126:
                if len(buffer) < 4:
                    return
                length = struct.unpack_from("!H", buffer, 2)[0]
                start = 4
            elif length == 127:
                if len(buffer) < 10:
                    return
                length = struct.unpack_from("!Q", buffer, 2)[0]
                start = 10
            if second & 0x80:  # a server never masks (RFC 6455 §5.1)
                self._fail(ConnectionError("masked server frame"))
                return
            end = start + length
            if len(buffer) < end:
                return
            payload = bytes(buffer[start:end])
            del buffer[:end]
            opcode = first & 0x0F
            if opcode in (0x1, 0x0):
                self.fragments.append(payload)
                if first & 0x80:
                    text = b"".join(self.fragments).decode("utf-8")
                    self.fragments = []
                    self.on_message(text, now)
            elif opcode == 0x8:
                self._write(client_frame(0x8, payload[:2]))
                if self.transport is not None:
                    self.transport.close()
                return
            elif opcode == 0x9:
                self._write(client_frame(0xA, payload))

    def _write(self, data: bytes) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(data)

    def _fail(self, error: Exception) -> None:
        if not self.opened.done():
            self.opened.set_exception(error)
        if self.transport is not None:
            self.transport.close()

    def send(self, text: str) -> None:
        if not self.upgraded:
            raise ConnectionError("not open")
        self._write(client_frame(0x1, text.encode("utf-8")))

    def is_open(self) -> bool:
        return self.upgraded and self.transport is not None and not self.transport.is_closing()

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.opened.done():
            self.opened.set_exception(exc or ConnectionError("closed during the handshake"))
        if not self.closed.done():
            self.closed.set_result(None)

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()


async def connect(url: str, origin: str, on_message: OnMessage, timeout: float = 30.0) -> ClientProtocol:
    """Open `ws://host:port/path` and return the protocol once the server accepted the upgrade."""
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    loop = asyncio.get_running_loop()
    _transport, protocol = await asyncio.wait_for(
        loop.create_connection(
            lambda: ClientProtocol(parts.netloc, path, origin, on_message), parts.hostname or "127.0.0.1", parts.port or 80
        ),
        timeout,
    )
    try:
        await asyncio.wait_for(asyncio.shield(protocol.opened), timeout)
    except BaseException:
        protocol.close()
        raise
    return protocol
