"""Every live message a test sees is checked against its schema (realtime/schemas.py)."""

from __future__ import annotations

import functools
from typing import Any

from realtime.schemas import CLIENT_MESSAGES, SERVER_MESSAGES, validator


@functools.cache
def _validator(direction: str, kind: str) -> Any:
    table = SERVER_MESSAGES if direction == "server" else CLIENT_MESSAGES
    return validator(table[kind])


def _check(direction: str, message: Any) -> None:
    table = SERVER_MESSAGES if direction == "server" else CLIENT_MESSAGES
    assert isinstance(message, dict), f"a live message must be a JSON object, got {message!r}"
    kind = message.get("type")
    assert kind in table, f"{direction} message type {kind!r} has no schema in realtime/schemas.py"
    errors = sorted(_validator(direction, kind).iter_errors(message), key=lambda e: list(e.absolute_path))
    assert not errors, f"{kind} does not match its schema: " + "; ".join(
        f"{'/'.join(map(str, e.absolute_path)) or '(top)'}: {e.message}" for e in errors[:5]
    )


def check_server_message(message: Any) -> None:
    _check("server", message)


def check_client_message(message: Any) -> None:
    _check("client", message)
