"""`POST /api/v1/contests/{id}/vote/` with a participant's token, without a thread per vote.

Through Django and DRF a public vote cost ~9 ms of server CPU (the sync middleware chain and
the view on a thread of their own, the token query, the entry query, the contest query, the
burst count, a transaction); a hall of 2,000 took 25–40 s on one process. Here, in front of
Django's ASGI handler, the vote is read on the event loop and handed to the process's vote
intake (`ideas.vote_intake`, the idea votes' group commit): on its thread a batch's tokens are
one query, its entries one, and `operations.public_votes_apply` stores the batch in one
transaction with the same rules as one vote at a time.

Same answers as the DRF view (`ContestViewSet.vote`, the documented contract in the OpenAPI
schema): token first (401), then the entry of that contest (404), then the operation's refusals
(403/404/409), the same bodies (built by the API's own `exception_handler`, in the request's
language) and headers. Only the plain case is taken: a `Bearer vp_…` token, a small flat JSON
object whose `entry` is a positive integer, an allowed host. Anything else (no token, a staff
token or a cookie, `"entry": "5"`, a malformed or large body, a request Django would redirect to
HTTPS) goes to Django unchanged, so its errors stay exactly DRF's.
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
from rest_framework import exceptions

from backend.middleware import client_address, parse_networks
from contests import operations
from contests.models import Entry, PublicVote
from ideas.api.errors import exception_handler
from ideas.api.params import ID_PATTERN

# The request plumbing the idea votes' fast path already matches to Django's (body, headers).
from ideas.api.vote_fast_path import (
    BODY_MAX,
    flat_object,
    participant_token,
    read_body,
    replay,
    security_headers,
)
from ideas.errors import DomainError, NotFound
from ideas.models import Participant, hash_token
from ideas.vote_intake import current_intake

VOTE_PATH = re.compile(rf"/api/v1/contests/(?P<pk>{ID_PATTERN})/vote/")
ALLOW = "POST, OPTIONS"  # what DRF's view answers in `Allow`
ENTRY_MAX = 10**18 - 1  # the ids the API accepts; a bigger number is DRF's to refuse


@dataclass(frozen=True)
class RestPublicVote:
    """One REST public vote, known by its token until the vote thread looks the participant up."""

    token_hash: str
    contest_id: int
    entry_id: int
    address: str
    language: str


def prepare_public_votes(votes: list[RestPublicVote]) -> list[PublicVote | Exception]:
    """On the vote thread, for a batch: tokens → participants, entries (one query each), then the
    operation for all of them at once. One final answer per vote (the intake applies nothing more)."""
    participants = {
        participant.token_hash: participant
        for participant in Participant.objects.filter(token_hash__in={vote.token_hash for vote in votes}).only(
            "id", "session_id", "token_hash"
        )
    }
    entries = {
        entry.pk: entry
        for entry in Entry.objects.only("id", "contest_id", "nomination", "status").filter(
            pk__in={vote.entry_id for vote in votes}
        )
    }
    answers: list[PublicVote | Exception | None] = [None] * len(votes)
    casts: list[tuple[int, operations.PublicVoteCast]] = []
    for index, vote in enumerate(votes):
        participant = participants.get(vote.token_hash)
        entry = entries.get(vote.entry_id)
        with translation.override(vote.language):
            if participant is None:  # as BearerTokenAuthentication refuses it, before the view runs
                refused = exceptions.AuthenticationFailed(_("This token is not valid; join the session again."))
                refused.auth_header = "Bearer"  # DRF's 401 carries WWW-Authenticate
                answers[index] = refused
                continue
            if entry is None or entry.contest_id != vote.contest_id:  # as the view looks the entry up
                answers[index] = NotFound(_("No such entry in this contest."))
                continue
        casts.append(
            (index, operations.PublicVoteCast(vote.contest_id, participant, entry, vote.address, vote.language))
        )
    if casts:
        applied = operations.public_votes_apply([cast for _index, cast in casts])
        for (index, _cast), result in zip(casts, applied, strict=True):
            answers[index] = result
    return [answer for answer in answers if answer is not None]


def _entry_of(request: ASGIRequest, body: bytes) -> int | None:
    """The voted entry for the plain case (what `ContestVoteSerializer` accepts as is), else None."""
    media_type, _semicolon, parameters = request.META.get("CONTENT_TYPE", "").partition(";")
    if media_type.strip().lower() != "application/json":
        return None
    if "charset" in parameters.lower() and "utf-8" not in parameters.lower():
        return None
    data = flat_object(body)
    if data is None:
        return None
    entry = data.get("entry")
    if type(entry) is not int or not 1 <= entry <= ENTRY_MAX:  # bool, "5", 5.0, 0: DRF's to judge
        return None
    return entry


_trusted: tuple[tuple[str, ...], Any] = ((), ())


def _client_address(request: ASGIRequest) -> str:
    """REMOTE_ADDR as `backend.middleware.ClientAddressMiddleware` sets it (the burst rule reads it)."""
    global _trusted
    entries = tuple(getattr(settings, "VECHE_TRUSTED_PROXIES", []))
    if _trusted[0] != entries:
        _trusted = (entries, parse_networks(list(entries)))
    remote = str(request.META.get("REMOTE_ADDR", ""))
    if not _trusted[1]:
        return remote
    return client_address(remote, request.META.get("HTTP_X_FORWARDED_FOR"), _trusted[1])


def _answer(result: Any, language: str) -> tuple[int, Any, list[tuple[str, str]]]:
    if isinstance(result, PublicVote):
        return 201, {"nomination": result.nomination, "entry": result.entry_id}, []
    if isinstance(result, DomainError | exceptions.APIException):
        with translation.override(language):
            response = exception_handler(result, {})
            assert response is not None
            body = json.loads(json.dumps(response.data, default=str))  # lazy texts, in this language
        extra = [(name, response.headers[name]) for name in ("Retry-After", "WWW-Authenticate") if name in response.headers]
        return response.status_code, body, extra
    # The database was away: the vote is not stored; the client may send it again.
    with translation.override(language):
        body = {"detail": _("The vote could not be saved. Try again."), "code": "unavailable"}
    return 503, body, [("Retry-After", "1")]


class PublicVoteFastPath:
    """ASGI: plain REST public votes to the vote intake; every other HTTP request to `app`."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope.get("method") != "POST" or not VOTE_PATH.fullmatch(scope.get("path", "")):
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
        entry = _entry_of(request, body)
        if entry is None:
            return False
        language = translation.get_language_from_request(request)
        vote = RestPublicVote(hash_token(token), int(match["pk"]), entry, _client_address(request), language)
        result = await current_intake().submit_raw(vote, prepare_public_votes)
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
