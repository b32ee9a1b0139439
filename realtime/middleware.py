"""WebSocket authentication by `?token=` (participant or staff), or the Django session.

Browsers cannot set headers on a WebSocket, so the token travels in the query
string; it is the same token the REST API takes as `Authorization: Bearer`.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

from channels.auth import AuthMiddleware
from channels.middleware import BaseMiddleware
from channels.sessions import CookieMiddleware, SessionMiddleware

from ideas.api.authentication import principal_for_token
from realtime.hub import in_thread


def _principal_sync(token: str) -> tuple[Any, Any] | None:
    return principal_for_token(token)


# In the shared pool, not the one thread_sensitive thread: a hall connecting at once must not queue.
_principal = in_thread(_principal_sync)


class _TokenMiddleware(BaseMiddleware):
    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        token = (query.get("token") or [""])[0]
        scope["participant"] = None
        scope["token_invalid"] = False
        if token:
            found = await _principal(token)
            if found is None:
                scope["token_invalid"] = True
            else:
                user, participant = found
                scope["participant"] = participant
                if getattr(user, "is_authenticated", False):
                    scope["user"] = user
        return await super().__call__(scope, receive, send)


def TokenAuthMiddleware(inner: Any) -> Any:  # noqa: N802 - reads like the Channels stack helpers
    """Cookie session → Django user → token (which wins when present)."""
    return CookieMiddleware(SessionMiddleware(AuthMiddleware(_TokenMiddleware(inner))))
