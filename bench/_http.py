"""A bare keep-alive HTTP/1.1 client for the load generators.

httpx spent more CPU than the server it measured: at 150 REST votes/s it starved the load
generator's event loop (and with it every socket's timing). The benchmarks speak the little
HTTP they need themselves: JSON requests, Content-Length responses.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any


class RestPool:
    """Keep-alive HTTP/1.1 connections to the servers, a bounded number per port."""

    def __init__(self, per_port: int = 32) -> None:
        self.per_port = per_port
        self.idle: dict[int, list[tuple[asyncio.StreamReader, asyncio.StreamWriter]]] = {}
        self.gates: dict[int, asyncio.Semaphore] = {}

    async def put(self, port: int, path: str, body: dict[str, Any], token: str) -> tuple[int, dict[str, Any]]:
        return await self.request("PUT", port, path, body, token)

    async def post(self, port: int, path: str, body: dict[str, Any], token: str) -> tuple[int, dict[str, Any]]:
        return await self.request("POST", port, path, body, token)

    async def request(
        self, method: str, port: int, path: str, body: dict[str, Any], token: str
    ) -> tuple[int, dict[str, Any]]:
        gate = self.gates.setdefault(port, asyncio.Semaphore(self.per_port))
        async with gate:
            idle = self.idle.setdefault(port, [])
            reader, writer = idle.pop() if idle else await asyncio.open_connection("127.0.0.1", port)
            try:
                status, reply = await asyncio.wait_for(self._exchange(reader, writer, method, port, path, body, token), 30)
            except BaseException:
                writer.close()
                raise
            idle.append((reader, writer))
            return status, reply

    @staticmethod
    async def _exchange(
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        method: str,
        port: int,
        path: str,
        body: dict[str, Any],
        token: str,
    ) -> tuple[int, dict[str, Any]]:
        payload = json.dumps(body).encode()
        writer.write(
            f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer {token}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n\r\n".encode() + payload
        )
        head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        status = int(head[0].split()[1])
        length = next(int(line.split(":", 1)[1]) for line in head if line.lower().startswith("content-length:"))
        return status, json.loads(await reader.readexactly(length) or b"{}")

    def close(self) -> None:
        for connections in self.idle.values():
            for _reader, writer in connections:
                writer.close()
