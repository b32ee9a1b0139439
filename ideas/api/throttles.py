"""Rate limits that fit a real venue, and that survive Redis going away.

Two thousand phones in one hall reach the server from one public address, so
the limits key on the participant, the session and the join code, never on the
address alone. The only address-keyed limits count *wrong* join codes, which is
what guessing codes by brute force looks like, and staff sign-in attempts.

The counters live in the shared cache (Redis in production) so that every process
counts together. When Redis does not answer, a limit must not turn a vote into a 500
(SPEC §4: REST keeps working without Redis): `limits_cache` then counts in this
process's own memory, logs one WARNING per outage, retries Redis every few seconds and
says which it uses in `/readyz` (`limits_status`).
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from django.conf import settings
from django.core.cache import cache as shared_cache
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.locmem import LocMemCache
from rest_framework.throttling import SimpleRateThrottle

from ideas.api.authentication import request_participant
from ideas.models import normalise_join_code

logger = logging.getLogger("veche.limits")


class SharedOrLocalCache:
    """The default cache when it answers; this process's memory while it does not.

    Falling back to a local count (rather than failing open) keeps every limit in force
    during an outage, only per process instead of shared: with N web processes a limit is at
    most N times looser for as long as Redis is away.
    """

    # After a failure, Redis is left alone for this long (requests go straight to the local
    # count), so a dead or hanging Redis costs one short timeout per interval, not one per request.
    RETRY_SECONDS = 2.0

    def __init__(self) -> None:
        self.local = LocMemCache("veche-limits-local", {"OPTIONS": {"MAX_ENTRIES": 50_000}})
        self._lock = threading.Lock()
        self.down_since: float | None = None
        self._retry_at = 0.0

    @staticmethod
    def shared_is_local() -> bool:
        """The embedded default: the "shared" cache is this process's memory already."""
        backend = settings.CACHES.get("default", {}).get("BACKEND", "")
        return backend.endswith(("LocMemCache", "DummyCache"))

    def _call(self, method: str, *args: Any, probe: bool = False) -> Any:
        if not probe and self.down_since is not None and time.monotonic() < self._retry_at:
            return getattr(self.local, method)(*args)
        try:
            result = getattr(shared_cache, method)(*args)
        except Exception as error:  # any cache failure: a limit never makes a request fail
            self._went_down(error)
            return getattr(self.local, method)(*args)
        if self.down_since is not None:
            self._came_back()
        return result

    def _went_down(self, error: Exception) -> None:
        with self._lock:
            self._retry_at = time.monotonic() + self.RETRY_SECONDS
            if self.down_since is None:
                self.down_since = time.monotonic()
                logger.warning(
                    "cache unavailable (%s: %s): rate limits count in this process until it answers",
                    type(error).__name__,
                    error,
                )

    def _came_back(self) -> None:
        with self._lock:
            if self.down_since is None:
                return
            outage = time.monotonic() - self.down_since
            self.down_since = None
            self.local.clear()  # the shared counts are the truth again
        logger.warning("cache answers again after %.1f s: rate limits are shared again", outage)

    def get(self, key: str, default: Any = None) -> Any:
        return self._call("get", key, default)

    def set(self, key: str, value: Any, timeout: Any = DEFAULT_TIMEOUT) -> None:
        self._call("set", key, value, timeout)

    def get_many(self, keys: list[str]) -> dict[str, Any]:
        return dict(self._call("get_many", keys))

    def set_many(self, values: dict[str, Any], timeout: Any = DEFAULT_TIMEOUT) -> None:
        self._call("set_many", values, timeout)

    def add(self, key: str, value: Any, timeout: Any = DEFAULT_TIMEOUT) -> bool:
        return bool(self._call("add", key, value, timeout))

    def incr(self, key: str, delta: int = 1) -> int:
        return int(self._call("incr", key, delta))

    def status(self) -> str:
        """For `/readyz`: where the limits count right now (probes the cache once)."""
        if self.shared_is_local():
            return "in-process"
        # Always asks Redis (one call, bounded by the socket timeout): readiness sees it come back
        # at once, and a successful probe ends the outage for the requests too.
        self._call("get", "veche:limits:probe", None, probe=True)
        return "shared" if self.down_since is None else "local (redis unavailable)"


limits_cache = SharedOrLocalCache()


def limits_status() -> str:
    return limits_cache.status()


_window_clock = time.time  # the tests pin it to keep a count inside one window


def count_in_window(key: str, seconds: int) -> int:
    """An atomic counter for a fixed window (Redis INCR): how many, this one included."""
    window_key = f"{key}:{int(_window_clock() // seconds)}"
    if limits_cache.add(window_key, 1, seconds * 2):
        return 1
    try:
        return limits_cache.incr(window_key)
    except ValueError:  # expired between add and incr
        limits_cache.set(window_key, 1, seconds * 2)
        return 1


class LimitThrottle(SimpleRateThrottle):
    """DRF's sliding-window throttle, counting in `limits_cache`."""

    cache = limits_cache


class JoinCodeThrottle(LimitThrottle):
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


class ParticipantRateThrottle(LimitThrottle):
    def get_cache_key(self, request: Any, view: Any) -> str | None:
        participant = request_participant(request)
        if participant is None:
            return None
        return self.cache_format % {"scope": self.scope, "ident": participant.pk}


class VoteThrottle(ParticipantRateThrottle):
    scope = "participant_vote"

    def allow_many(self, participant_ids: list[int]) -> list[tuple[bool, float | None]]:
        """DRF's sliding window over a batch of REST votes, in order: one cache read and one write for all.

        One answer per vote: (allowed, seconds to wait as DRF's `wait` says, for `Throttled`).
        Two round trips per vote to Redis were a quarter of the REST vote thread's time (issue 16).
        """
        if self.rate is None:
            return [(True, None)] * len(participant_ids)
        keys = [self.cache_format % {"scope": self.scope, "ident": pid} for pid in participant_ids]
        histories: dict[str, list[float]] = self.cache.get_many(sorted(set(keys)))
        now = self.timer()
        changed: dict[str, list[float]] = {}
        answers: list[tuple[bool, float | None]] = []
        for key in keys:
            history = [moment for moment in histories.get(key, []) if moment > now - self.duration]
            histories[key] = history
            if len(history) >= self.num_requests:
                self.history, self.now = history, now  # DRF's `wait` reads them
                answers.append((False, self.wait()))
                continue
            history.insert(0, now)
            changed[key] = history
            answers.append((True, None))
        if changed:
            self.cache.set_many(changed, self.duration)
        return answers


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


class LoginThrottle(LimitThrottle):
    """Staff sign-in attempts per address and username: REST tokens and /admin/login/ alike.

    The address is REMOTE_ADDR as `ClientAddressMiddleware` set it (DRF's NUM_PROXIES is 0), so
    a forged X-Forwarded-For does not reset the count.
    """

    scope = "staff_login"

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        data = getattr(request, "data", None)
        if not isinstance(data, dict):
            data = getattr(request, "POST", {})
        username = data.get("username") if hasattr(data, "get") else None
        ident = f"{self.get_ident(request)}:{str(username or '')[:150].casefold()}"
        return self.cache_format % {"scope": self.scope, "ident": ident}


class WrongCodeLimiter(LimitThrottle):
    """Wrong join codes per client address, and a server-wide alarm.

    A valid code is never refused because of wrong guesses: a venue shares one address, and
    the people who read the code off the screen must get in even after a hall's worth of
    typos. Past the limit, the address's further *wrong* codes get 429 instead of 404.

    What this cannot do is slow a guesser who ignores the 429s (a hit still answers 201): that
    would need refusing valid codes too. The code space (32^6, about a billion codes) is what
    makes guessing slow; these counters make it visible: an ERROR when wrong codes across all
    addresses pass `VECHE_JOIN_GUESS_ALARM` a minute, and a WARNING naming the session when an
    address past its limit joins one (the moderator may then change the code).
    """

    scope = "join_guess"

    def key(self, request: Any) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}

    def _recent(self, request: Any) -> list[float]:
        self.now = self.timer()
        history = self.cache.get(self.key(request), []) or []
        self.history = [t for t in history if t > self.now - self.duration]
        return self.history

    def blocked(self, request: Any) -> float | None:
        """Seconds to wait if this address guessed too many wrong codes, else None."""
        if len(self._recent(request)) >= self.num_requests:
            return self.wait()
        return None

    def refuse_miss(self, request: Any) -> float | None:
        """A wrong code arrived: None (answer 404) while under the limit, else seconds to wait (429)."""
        wait = self.blocked(request)
        if wait is not None:
            _count_guess_for_alarm()
            return wait
        self.history.insert(0, self.now)
        self.cache.set(self.key(request), self.history, self.duration)
        _count_guess_for_alarm()
        return None

    def note_join(self, request: Any, session_id: int) -> None:
        """A valid code joined: if this address is past its wrong-code limit, say so."""
        if self.blocked(request) is not None:
            logger.warning(
                "address %s joined session %s after %d wrong codes within %d s: if this is not "
                "the venue's own address, someone may have guessed the code (change it)",
                self.get_ident(request),
                session_id,
                len(self.history),
                self.duration,
            )


def _count_guess_for_alarm() -> None:
    threshold = int(getattr(settings, "VECHE_JOIN_GUESS_ALARM", 1000))
    if threshold and count_in_window("veche:limits:join_guess:all", 60) == threshold:
        logger.error(
            "%d wrong join codes within a minute across all addresses: someone may be guessing "
            "join codes",
            threshold,
        )
