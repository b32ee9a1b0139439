"""WebSocket authentication by `?token=` (participant or staff), or the Django session.

Browsers cannot set headers on a WebSocket, so the token travels in the query
string; it is the same token the REST API takes as `Authorization: Bearer`.

A handshake without the session cookie (every phone and big screen: they carry a token or
nothing) skips Channels' cookie/session/auth stack: that stack resolves the user with
`database_sync_to_async`, on the ONE thread every such call of the process shares, and a
reconnect storm of 1,500 sockets queued there (forum day `--kill-one`). Without a cookie it
can only find an anonymous user anyway. A handshake that carries the cookie (a moderator's
console) still goes through it.
"""

from __future__ import annotations

from http.cookies import SimpleCookie
from importlib import import_module
from typing import Any
from urllib.parse import parse_qs

from channels.auth import AuthMiddleware
from channels.middleware import BaseMiddleware
from channels.sessions import CookieMiddleware, SessionMiddleware
from django.conf import settings
from django.contrib.auth.models import AnonymousUser

from ideas.api.authentication import principal_for_token
from ideas.models import Participant, hash_token
from realtime.batching import Batcher


def principals_for_tokens(tokens: list[str]) -> list[tuple[Any, Any] | None]:
    """`principal_for_token` of many tokens: participants' in one query, staff tokens one by one (rare)."""
    hashes = {hash_token(t): t for t in tokens if t.startswith(Participant.TOKEN_PREFIX)}
    found = {
        p.token_hash: p for p in Participant.objects.select_related("session", "user").filter(token_hash__in=hashes)
    }
    answers: list[tuple[Any, Any] | None] = []
    for token in tokens:
        if token.startswith(Participant.TOKEN_PREFIX):
            participant = found.get(hash_token(token))
            answers.append(None if participant is None else (participant.user or AnonymousUser(), participant))
        else:
            answers.append(principal_for_token(token))
    return answers


# In the shared pool, not the one thread_sensitive thread; the tokens of a hall connecting at once
# are looked up together (`realtime.batching`).
_principals: Batcher[str, tuple[Any, Any] | None] = Batcher(principals_for_tokens)


async def _principal(token: str) -> tuple[Any, Any] | None:
    return await _principals.call(token)


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


def has_session_cookie(scope: dict[str, Any]) -> bool:
    name = settings.SESSION_COOKIE_NAME
    for header, value in scope.get("headers", []):
        if header == b"cookie" and name.encode("latin-1") in value:
            cookie: SimpleCookie = SimpleCookie()
            try:
                cookie.load(value.decode("latin-1"))
            except Exception:  # a malformed cookie header: let Channels' parser decide
                return True
            if cookie.get(name) is not None and cookie[name].value:
                return True
    return False


class _CookieOrToken:
    """The session stack only when a session cookie came with the handshake."""

    def __init__(self, inner: Any) -> None:
        self.with_session = CookieMiddleware(SessionMiddleware(AuthMiddleware(_TokenMiddleware(inner))))
        self.token_only = _TokenMiddleware(inner)
        self._store: Any = None

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        if has_session_cookie(scope):
            return await self.with_session(scope, receive, send)
        if self._store is None:
            self._store = import_module(settings.SESSION_ENGINE).SessionStore
        # What the session stack would have found: no session, an anonymous user.
        scope = dict(scope, user=AnonymousUser(), session=self._store(None), cookies={})
        return await self.token_only(scope, receive, send)


def TokenAuthMiddleware(inner: Any) -> Any:  # noqa: N802 - reads like the Channels stack helpers
    """Cookie session → Django user → token (which wins when present)."""
    return _CookieOrToken(inner)
