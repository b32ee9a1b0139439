"""Errors the domain operations raise; the API and the WebSocket map them to replies.

Messages are lazily translated, so each reaches the person in their own language.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    status_code = 400
    code = "invalid"

    def __init__(
        self, message: Any, *, code: str | None = None, fields: dict[str, Any] | None = None
    ):
        super().__init__(str(message))
        self.message = message
        if code:
            self.code = code
        self.fields = fields or {}


class InvalidInput(DomainError):
    status_code = 400
    code = "invalid"


class Forbidden(DomainError):
    status_code = 403
    code = "forbidden"


class NotFound(DomainError):
    status_code = 404
    code = "not_found"


class Conflict(DomainError):
    """The request is fine but the state does not allow it now (409)."""

    status_code = 409
    code = "conflict"


class WrongStage(Conflict):
    code = "wrong_stage"


class SessionArchived(Conflict):
    code = "archived"
