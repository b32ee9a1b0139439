"""The live session stream: `/ws/sessions/{id}/?token=…` (protocol in docs/realtime.md).

The consumer validates, checks who asks, calls the domain operation, shapes the
answer — nothing more. Fan-out to sockets is the hub's job (`realtime.hub`); the
consumer does not use the channel layer at all (no per-socket subscription).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from ideas import operations, selectors
from ideas.api.parsers import loads_bounded
from ideas.errors import DomainError
from ideas.models import CaseSession, Participant
from realtime import daphne_socket
from realtime.batching import Batcher
from realtime.hub import Connection, Hub, current_hub, message_text
from realtime.intake import current_intake

logger = logging.getLogger("veche.realtime")

MAX_CLIENT_MESSAGE_BYTES = 4096

# Close codes (4000–4999 are the application's): the client shows the message it got first.
CLOSE_INVALID_TOKEN = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_NOT_FOUND = 4404


@dataclass(frozen=True)
class Access:
    role: str | None  # "moderator" | "participant" | "viewer" | None (refused)
    participant_id: int | None = None
    close_code: int = 0
    error_code: str = ""
    message: str = ""


def resolve_access(
    session_id: int,
    user: Any,
    participant: Participant | None,
    language: str,
    *,
    session: CaseSession | None = None,
    looked_up: bool = False,
) -> Access:
    """Who may watch this session, and as whom (the REST API's visibility rules)."""
    with translation.override(language):
        if not looked_up:
            session = CaseSession.objects.select_related("forum").filter(pk=session_id).first()
        if session is None:
            return Access(None, close_code=CLOSE_NOT_FOUND, error_code="not_found", message=str(_("No such session.")))
        viewer = selectors.Viewer(user, participant)  # the read rule: ideas.selectors
        if viewer.moderates(session):
            return Access("moderator")
        if viewer.member_of(session) is not None:
            return Access("participant", participant_id=participant.pk if participant else None)
        if selectors.session_visible(session, viewer):
            return Access("viewer")  # the big screen, or a participant of another session: read-only
        return Access(
            None,
            close_code=CLOSE_FORBIDDEN,
            error_code="forbidden",
            message=str(_("This session is not public. Join it with its code to follow it live.")),
        )


def resolve_accesses(asks: list[tuple[int, Any, Participant | None, str]]) -> list[Access]:
    """`resolve_access` for many connects at once: each session is read once for all who ask for it."""
    ids = {session_id for session_id, _user, _participant, _language in asks}
    sessions = {s.pk: s for s in CaseSession.objects.select_related("forum").filter(pk__in=ids)}
    return [
        resolve_access(session_id, user, participant, language, session=sessions.get(session_id), looked_up=True)
        for session_id, user, participant, language in asks
    ]


# A reconnect storm's handshakes are checked together (one session query a batch): `realtime.batching`.
_accesses: Batcher[tuple[int, Any, Participant | None, str], Access] = Batcher(resolve_accesses)


def request_language(scope: dict[str, Any]) -> str:
    """`?lang=` wins, then the handshake's Accept-Language, then the site default."""
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    candidates = list(query.get("lang", []))
    for name, value in scope.get("headers", []):
        if name == b"accept-language":
            candidates += [code for code, _q in translation.trans_real.parse_accept_lang_header(value.decode("latin-1"))]
    for code in candidates:
        if code == "*":
            continue
        try:
            return translation.get_supported_language_variant(code)
        except LookupError:
            continue
    return str(settings.LANGUAGE_CODE)


class VoteBucket:
    """The REST vote rate (`participant_vote`) per connection, as a token bucket."""

    PERIODS = {"s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}

    def __init__(self, rate: str) -> None:
        count, _slash, period = rate.partition("/")
        self.capacity = float(count)
        self.per_second = self.capacity / self.PERIODS.get(period[:1], 60.0)
        self.tokens = self.capacity
        self.stamp = time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.per_second)
        self.stamp = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True


def vote_rate() -> str:
    rates = settings.REST_FRAMEWORK.get("DEFAULT_THROTTLE_RATES", {})
    return str(rates.get("participant_vote") or "120/min")


class SessionConsumer(AsyncWebsocketConsumer):
    # No channel layer: a per-socket layer channel would cost a Redis subscription each.
    channel_layer_alias = "__veche_live_has_no_channel_layer__"
    hub: Hub | None = None  # tests pass their own (`as_asgi(hub=...)`); else the process's hub

    connection: Connection | None = None

    async def dispatch(self, message: dict[str, Any]) -> None:
        # Channels closes stale DB connections before every frame (a thread hop per ping);
        # our database work runs in pool threads that do it themselves.
        handler = getattr(self, message["type"].replace(".", "_"), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    # --- connect / disconnect

    async def connect(self) -> None:
        self.language = request_language(self.scope)
        self.session_id = int(self.scope["url_route"]["kwargs"]["session_id"])
        if self.scope.get("token_invalid"):
            with translation.override(self.language):
                message = str(_("This token is not valid; join the session again."))
            await self._refuse(CLOSE_INVALID_TOKEN, "invalid_token", message)
            return
        access = await _accesses.call(
            (self.session_id, self.scope.get("user"), self.scope.get("participant"), self.language)
        )
        if access.role is None:
            await self._refuse(access.close_code, access.error_code, access.message)
            return
        await self.accept()
        self.participant = self.scope.get("participant") if access.role == "participant" else None
        self.votes = VoteBucket(vote_rate())
        hub = self.hub or current_hub()
        self.active_hub = hub
        self.connection = Connection(
            session_id=self.session_id,
            role=access.role,
            participant_id=access.participant_id,
            send_text=self._send_text,
            socket=daphne_socket.attach(self.base_send),
        )
        await hub.join(self.connection)

    async def _refuse(self, close_code: int, error_code: str, message: str) -> None:
        # Accept, say why, close: a browser cannot read a refused handshake's status.
        await self.accept()
        await self.send(text_data=message_text("error", 0, {"code": error_code, "message": message}))
        await self.close(code=close_code)

    async def disconnect(self, code: int) -> None:
        if self.connection is not None:
            await self.active_hub.leave(self.connection)

    async def _send_text(self, text: str) -> None:
        await self.send(text_data=text)

    # --- client messages

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if self.connection is None:
            return
        if text_data is None or len(text_data) > MAX_CLIENT_MESSAGE_BYTES:
            await self._error(None, "invalid", _("Send JSON text messages of at most 4 KB."))
            return
        try:
            # Bounded depth: 1,000 nested brackets made json.loads raise RecursionError (close 1011).
            content = loads_bounded(text_data)
        except ValueError:  # TooDeep is a ValueError too
            content = None
        if not isinstance(content, dict) or not isinstance(content.get("type"), str):
            await self._error(None, "invalid", _("Send a JSON object with a “type”."))
            return
        kind = content["type"]
        if kind == "vote":
            await self._vote(content)
        elif kind == "resume":
            await self._resume(content)
        elif kind == "ping":
            await self._reply("pong", {})
        else:
            await self._error(content.get("request_id"), "unknown_type", _("Unknown message type."))

    async def _reply(self, kind: str, body: dict[str, Any]) -> None:
        connection = self.connection
        assert connection is not None
        result = connection.write_text(message_text(kind, connection.sent_seq, body))
        if result is not None:
            await result

    async def _error(self, request_id: Any, code: str, message: Any, *, status: int = 400, fields: Any = None) -> None:
        with translation.override(self.language):
            text = str(message)
        body: dict[str, Any] = {"code": code, "status": status, "message": text}
        if fields:
            with translation.override(self.language):
                body["fields"] = {key: [str(m) for m in value] for key, value in fields.items()}
        if isinstance(request_id, str | int):
            body["request_id"] = request_id
        await self._reply("error", body)

    async def _resume(self, content: dict[str, Any]) -> None:
        """A fresh snapshot when anything happened after the client's seq (and this socket's snapshot)."""
        connection = self.connection
        assert connection is not None
        seq = content.get("seq")
        if isinstance(seq, bool) or not isinstance(seq, int):
            await self._error(None, "invalid", _("Give the last “seq” you received."))
            return
        if seq < connection.snapshot_seq:
            # A seq from before this socket's own snapshot (an old connection's): that snapshot
            # and the stream since cover it. Comparing with the session's newest seq instead
            # raced with presence ticks, which move it on right after every connect.
            return
        current = await self.active_hub.current_seq(self.session_id)
        if seq == current or connection.snapshot_seq >= current:
            return  # nothing missed; the stream goes on
        await self.active_hub.send_snapshot(connection)

    async def _vote(self, content: dict[str, Any]) -> None:
        request_id = content.get("request_id")
        if self.participant is None:
            await self._error(
                request_id, "forbidden", _("Only participants of this session can vote; join it first."), status=403
            )
            return
        if not self.votes.take():
            await self._error(request_id, "throttled", _("Too many votes at once. Wait a moment."), status=429)
            return
        if "idea" not in content or "value" not in content:
            message = _("Send the idea and the value (null withdraws the vote).")
            await self._error(request_id, "invalid", message)
            return
        change = operations.VoteChange(
            participant=self.participant,
            idea_id=content["idea"],
            value=content["value"],
            request_id=request_id,
            withdraw=content["value"] is None,
            language=self.language,
        )
        result = await current_intake().submit(change)  # the same domain operation as the REST vote
        if isinstance(result, DomainError):
            fields = {key: [str(m) for m in (v if isinstance(v, list) else [v])] for key, v in result.fields.items()}
            await self._error(request_id, result.code, result.message, status=result.status_code, fields=fields)
            return
        if isinstance(result, Exception):
            await self._error(request_id, "server_error", _("The vote could not be saved. Try again."), status=500)
            return
        await self._reply(
            "vote.ack",
            {
                "request_id": request_id,
                "idea": result.idea_id,
                "value": result.value,
                "changed": result.changed,
                "duplicate_request": result.duplicate_request,
                "dots_left": result.dots_left,
            },
        )

