"""Rate limits that fit a real venue.

Two thousand phones in one hall reach the server from one public address, so
the limits key on the participant, the session and the join code, never on the
address alone. The only address-keyed limit counts *wrong* join codes, which is
what guessing codes by brute force looks like.
"""

from __future__ import annotations

from typing import Any

from django.core.cache import cache
from rest_framework.throttling import SimpleRateThrottle

from ideas.api.authentication import request_participant
from ideas.models import normalise_join_code


class JoinCodeThrottle(SimpleRateThrottle):
    """Joins per join code: a whole hall within a minute, not a flood."""

    scope = "join_code"

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        code = (
            request.data.get("code")
            if hasattr(request, "data") and isinstance(request.data, dict)
            else None
        )
        if not isinstance(code, str) or not normalise_join_code(code):
            return None
        return self.cache_format % {"scope": self.scope, "ident": normalise_join_code(code)[:16]}


class ParticipantRateThrottle(SimpleRateThrottle):
    def get_cache_key(self, request: Any, view: Any) -> str | None:
        participant = request_participant(request)
        if participant is None:
            return None
        return self.cache_format % {"scope": self.scope, "ident": participant.pk}


class VoteThrottle(ParticipantRateThrottle):
    scope = "participant_vote"


class PostThrottle(ParticipantRateThrottle):
    """Counts posted ideas only; reading the list is free."""

    scope = "participant_post"

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        if request.method != "POST":
            return None
        return super().get_cache_key(request, view)


class SimilarThrottle(ParticipantRateThrottle):
    """As-you-type look-ups: generous, per participant (the page debounces)."""

    scope = "similar"


class LoginThrottle(SimpleRateThrottle):
    scope = "staff_login"

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        username = request.data.get("username") if isinstance(request.data, dict) else None
        ident = f"{self.get_ident(request)}:{str(username)[:150]}"
        return self.cache_format % {"scope": self.scope, "ident": ident}


class WrongCodeLimiter(SimpleRateThrottle):
    """Counts failed join attempts per client address; checked before and bumped after a miss."""

    scope = "join_guess"

    def key(self, request: Any) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}

    def blocked(self, request: Any) -> float | None:
        """Seconds to wait if this address guessed too many codes, else None."""
        self.history = cache.get(self.key(request), [])
        self.now = self.timer()
        self.history = [t for t in self.history if t > self.now - self.duration]
        if len(self.history) >= self.num_requests:
            return self.wait()
        return None

    def record_miss(self, request: Any) -> None:
        history = [t for t in cache.get(self.key(request), []) if t > self.timer() - self.duration]
        history.insert(0, self.timer())
        cache.set(self.key(request), history, self.duration)
