"""`PUT/DELETE /api/v1/ideas/{id}/vote/` with a participant's token, without a thread per vote.

Through Django and DRF a REST vote cost 9–15 ms of server CPU (the sync middleware chain
and view on a thread of their own, a pooled connection each, the token query, the throttle,
a transaction of its own); a hall's REST votes topped out near 100 a second on one process.
Here, in front of Django's ASGI handler, the vote is read on the event loop and handed to the
process's vote intake (`ideas.vote_intake`), the same group commit as the live socket's
votes: the token lookups of a batch are one query, the throttle counts on the vote thread,
and the batch is stored by `operations.votes_apply` in one transaction.

Same answers as the DRF view (`IdeaViewSet.vote`): the same authentication order (token,
then the throttle, then the operation), the same error bodies (built by the API's own
`exception_handler`), the same `request_id` idempotency, the same headers. Only the plain
case is taken here: a `Bearer vp_…` token, a small flat JSON object (or an empty DELETE), an
allowed host. Anything else (no token, a staff token or a cookie, a malformed or large body,
a request that must be redirected to HTTPS) goes to Django unchanged, so its errors stay
exactly DRF's.
"""

from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.core.handlers.asgi import ASGIRequest
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions

from ideas import operations
from ideas.api.errors import exception_handler
from ideas.api.params import ID_PATTERN
from ideas.api.throttles import VoteThrottle
from ideas.errors import DomainError
from ideas.models import Participant, hash_token
from ideas.vote_intake import current_intake

VOTE_PATH = re.compile(rf"/api/v1/ideas/(?P<pk>{ID_PATTERN})/vote/")
# A vote's body is a few dozen bytes; anything bigger is Django's to read (and refuse).
BODY_MAX = 4096
ALLOW = "PUT, DELETE, OPTIONS"  # what DRF's view answers in `Allow`


@dataclass(frozen=True)
class RestVote:
    """One REST vote, known by its token until the vote thread looks the participant up."""

    token_hash: str
    idea_id: int
    value: Any
    request_id: Any
    withdraw: bool
    language: str


def prepare_rest_votes(votes: list[RestVote]) -> list[operations.VoteChange | Exception]:
    """On the vote thread, for a batch: tokens → participants (one query), then the throttle (one read, one write)."""
    found = dict(
        Participant.objects.filter(token_hash__in={vote.token_hash for vote in votes}).values_list("token_hash", "pk")
    )
    answers: list[operations.VoteChange | Exception] = []
    known = [found[vote.token_hash] for vote in votes if vote.token_hash in found]
    waits = iter(VoteThrottle().allow_many(known))
    for vote in votes:
        participant_id = found.get(vote.token_hash)
        if participant_id is None:  # as BearerTokenAuthentication refuses it
            refused = exceptions.AuthenticationFailed(gettext_lazy("This token is not valid; join the session again."))
            refused.auth_header = "Bearer"  # type: ignore[attr-defined]  # DRF's 401 carries WWW-Authenticate
            answers.append(refused)
            continue
        allowed, wait = next(waits)
        if not allowed:
            answers.append(exceptions.Throttled(wait))
            continue
        answers.append(
            operations.VoteChange(
                participant=Participant(pk=participant_id),
                idea_id=vote.idea_id,
                value=None if vote.withdraw else vote.value,
                request_id=vote.request_id,
                withdraw=vote.withdraw,
                language=vote.language,
            )
        )
    return answers


def _reject_constant(name: str) -> Any:
    raise ValueError(name)  # NaN and Infinity: DRF's strict JSON refuses them


def flat_object(body: bytes) -> dict[str, Any] | None:
    """The body as DRF would parse it, if it is a flat JSON object; None sends the request to Django."""
    try:
        data = json.loads(body.decode("utf-8"), parse_constant=_reject_constant)
    except (ValueError, RecursionError):
        return None
    if not isinstance(data, dict) or any(isinstance(v, dict | list) for v in data.values()):
        return None
    return data


def _vote_of(request: ASGIRequest, body: bytes, method: str) -> tuple[Any, Any, bool] | None:
    """(value, request_id, withdraw) for the plain cases, else None."""
    media_type, _semicolon, parameters = request.META.get("CONTENT_TYPE", "").partition(";")
    if method == "DELETE" and not body:
        return None, None, True
    if media_type.strip().lower() != "application/json":
        return None
    if "charset" in parameters.lower() and "utf-8" not in parameters.lower():
        return None  # DRF decodes other charsets; rare enough to leave to it
    data = flat_object(body)
    if data is None:
        return None
    if method == "DELETE":
        return None, data.get("request_id"), True
    if "value" not in data:
        return None
    return data["value"], data.get("request_id"), False


def participant_token(request: ASGIRequest) -> str | None:
    header = request.META.get("HTTP_AUTHORIZATION", "").split()
    if len(header) != 2 or header[0].lower() != "bearer" or not header[1].startswith(Participant.TOKEN_PREFIX):
        return None
    return header[1]


def _answer(result: Any, language: str) -> tuple[int, Any, list[tuple[str, str]]]:
    if isinstance(result, operations.VoteOutcome):
        body = {
            "idea": result.idea_id,
            "value": result.value,
            "changed": result.changed,
            "duplicate_request": result.duplicate_request,
            "dots_left": result.dots_left,
        }
        return 200, body, []
    if isinstance(result, DomainError | exceptions.APIException):
        with translation.override(language):
            response = exception_handler(result, {})
            assert response is not None
            body = json.loads(json.dumps(response.data, default=str))  # lazy texts, in this language
        # What DRF's handler adds (Retry-After, WWW-Authenticate); not the Response's own defaults.
        extra = [(name, response.headers[name]) for name in ("Retry-After", "WWW-Authenticate") if name in response.headers]
        return response.status_code, body, extra
    # The database was away: the vote is not stored; the client retries (same request_id).
    with translation.override(language):
        body = {"detail": _("The vote could not be saved. Try again."), "code": "unavailable"}
    return 503, body, [("Retry-After", "1")]


def security_headers(request: ASGIRequest) -> list[tuple[str, str]]:
    """What Django's security, clickjacking and CSP middleware add to every API response."""
    from csp.utils import build_policy

    headers = []
    if settings.X_FRAME_OPTIONS:
        headers.append(("X-Frame-Options", settings.X_FRAME_OPTIONS.upper()))
    policy = build_policy()
    if policy:
        headers.append(("Content-Security-Policy", policy))
    if settings.SECURE_HSTS_SECONDS and request.is_secure():
        hsts = f"max-age={settings.SECURE_HSTS_SECONDS}"
        if settings.SECURE_HSTS_INCLUDE_SUBDOMAINS:
            hsts += "; includeSubDomains"
        if settings.SECURE_HSTS_PRELOAD:
            hsts += "; preload"
        headers.append(("Strict-Transport-Security", hsts))
    if settings.SECURE_CONTENT_TYPE_NOSNIFF:
        headers.append(("X-Content-Type-Options", "nosniff"))
    if settings.SECURE_REFERRER_POLICY:
        policy_value = settings.SECURE_REFERRER_POLICY
        if not isinstance(policy_value, str):
            policy_value = ",".join(policy_value)
        headers.append(("Referrer-Policy", policy_value))
    if settings.SECURE_CROSS_ORIGIN_OPENER_POLICY:
        headers.append(("Cross-Origin-Opener-Policy", settings.SECURE_CROSS_ORIGIN_OPENER_POLICY))
    return headers


class RestVoteFastPath:
    """ASGI: plain REST votes to the vote intake; every other HTTP request to `app` (Django)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope.get("method") not in ("PUT", "DELETE"):
            await self.app(scope, receive, send)
            return
        if not VOTE_PATH.fullmatch(scope.get("path", "")):
            await self.app(scope, receive, send)
            return
        body, more, gone = await read_body(receive)
        if gone:
            return  # the client went away before its vote was read: nothing to answer
        if more or len(body) > BODY_MAX or not await self._handled(scope, body, send):
            await self.app(scope, replay(body, more, receive), send)

    async def _handled(self, scope: dict[str, Any], body: bytes, send: Any) -> bool:
        request = ASGIRequest(scope, io.BytesIO(body))
        match = VOTE_PATH.fullmatch(request.path_info)
        token = participant_token(request)
        if match is None or token is None:
            return False
        try:
            request.get_host()  # ALLOWED_HOSTS, as CommonMiddleware checks it
        except DisallowedHost:
            return False
        if settings.SECURE_SSL_REDIRECT and not request.is_secure():
            return False  # Django redirects it
        vote = _vote_of(request, body, scope["method"])
        if vote is None:
            return False
        value, request_id, withdraw = vote
        language = translation.get_language_from_request(request)
        result = await current_intake().submit_raw(
            RestVote(hash_token(token), int(match["pk"]), value, request_id, withdraw, language), prepare_rest_votes
        )
        status, payload, extra = _answer(result, language)
        data = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
        headers = [
            ("Content-Type", "application/json"),
            *extra,
            ("Vary", "Accept, Accept-Language"),
            ("Allow", ALLOW),
            ("Content-Length", str(len(data))),
            ("Content-Language", language),
            *security_headers(request),
        ]
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers],
            }
        )
        await send({"type": "http.response.body", "body": data})
        return True


async def read_body(receive: Any) -> tuple[bytes, bool, bool]:
    """(body up to BODY_MAX bytes, more to come (then Django reads the rest), the client went away)."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"", False, True
        chunk = message.get("body", b"")
        chunks.append(chunk)
        size += len(chunk)
        more = bool(message.get("more_body", False))
        if not more or size > BODY_MAX:
            return b"".join(chunks), more, False


def replay(body: bytes, more: bool, receive: Any) -> Any:
    """A `receive` that hands Django what was already read, then the rest."""
    replayed = False

    async def replaying() -> dict[str, Any]:
        nonlocal replayed
        if not replayed:
            replayed = True
            return {"type": "http.request", "body": body, "more_body": more}
        return await receive()

    return replaying

