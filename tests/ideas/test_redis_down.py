"""Redis goes away mid-session: REST writes answer as usual, the limits hold per process, and
the shared limits come back with Redis.

The Redis here is this test's own `redis-server` on a free port (never the machine's), which
the test stops and starts again; the Django cache (where the rate limits count) points at it.
"""

from __future__ import annotations

import logging
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from typing import Any

import pytest
import redis
from django.test import override_settings
from rest_framework.throttling import SimpleRateThrottle

from ideas.api.throttles import limits_cache
from tests.conftest import UserFactory, client_for

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs redis-server"),
]


class OwnRedis:
    """A redis-server of the test's own, which it may stop and start on the same port."""

    def __init__(self) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url, socket_connect_timeout=0.2)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                return
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None

    def keys(self, pattern: str) -> list[bytes]:
        return redis.Redis.from_url(self.url).keys(pattern)


@pytest.fixture
def own_redis(monkeypatch: pytest.MonkeyPatch) -> Iterator[OwnRedis]:
    server = OwnRedis()
    server.start()
    caches = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": server.url,
            "KEY_PREFIX": "veche-redis-down",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    # Retry Redis quickly, so the test sees it come back without waiting seconds.
    monkeypatch.setattr(limits_cache, "RETRY_SECONDS", 0.2)
    # Low limits, so that "the limit still holds" is visible within a few requests.
    rates = {**SimpleRateThrottle.THROTTLE_RATES, "participant_post": "3/min"}
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", rates)
    try:
        with override_settings(CACHES=caches):
            yield server
    finally:
        server.stop()
        # Leave no outage state behind: the overridden cache is gone, the default one answers.
        limits_cache.get("veche:after-test")
        limits_cache.local.clear()


def _writes(session: Any, staff_password: str) -> dict[str, int]:
    """One of each REST write that the limits guard; the status of each."""
    anonymous = client_for(None)
    joined = anonymous.post(
        "/api/v1/join/",
        {"code": session.join_code, "display_name": "Сайаана", "sector": "society"},
        format="json",
    )
    participant = client_for(None)
    participant.credentials(HTTP_AUTHORIZATION=f"Bearer {joined.json()['token']}")
    posted = participant.post(
        f"/api/v1/sessions/{session.pk}/ideas/", {"text": "Тёплые остановки у школ"}, format="json"
    )
    voted = participant.put(
        f"/api/v1/ideas/{posted.json()['id']}/vote/", {"value": 1}, format="json"
    )
    similar = participant.get(f"/api/v1/sessions/{session.pk}/similar/", {"text": "остановки"})
    login = anonymous.post(
        "/api/v1/auth/token/",
        {"username": "staff-redis", "password": staff_password},
        format="json",
    )
    return {
        "join": joined.status_code,
        "post": posted.status_code,
        "vote": voted.status_code,
        "similar": similar.status_code,
        "token_login": login.status_code,
    }


NORMAL = {"join": 201, "post": 201, "vote": 200, "similar": 200, "token_login": 201}


def _readyz_limits(client: Any) -> str:
    return client.get("/readyz").json()["checks"]["rate_limits"]


def test_rest_writes_keep_working_while_redis_is_down_and_limits_are_shared_again_after(
    own_redis: OwnRedis, session: Any, client: Any, caplog: pytest.LogCaptureFixture
) -> None:
    UserFactory(username="staff-redis", password="pw-for-tests-1", is_staff=True)

    # Redis up: the writes answer normally and the counters are in Redis.
    assert _writes(session, "pw-for-tests-1") == NORMAL
    assert own_redis.keys("veche-redis-down:*throttle_*"), "limits should count in the shared Redis"
    assert _readyz_limits(client) == "shared"

    own_redis.stop()
    caplog.set_level(logging.WARNING, logger="veche.limits")
    started = time.monotonic()
    down = [_writes(session, "pw-for-tests-1") for _ in range(3)]
    assert down == [NORMAL] * 3
    # A dead Redis costs little: connection refused is immediate, and retries are paced.
    assert time.monotonic() - started < 20
    assert _readyz_limits(client) == "local (redis unavailable)"
    warnings = [
        r for r in caplog.records if r.name == "veche.limits" and "unavailable" in r.getMessage()
    ]
    assert len(warnings) == 1, "one WARNING per outage, not one per request"

    # The limits still hold while Redis is away, counted in this process: a participant gets
    # 3 posts a minute here, the 4th is refused with 429 (not waved through, not a 500).
    participant = client_for(None)
    token = participant.post(
        "/api/v1/join/",
        {"code": session.join_code, "display_name": "Ньургун", "sector": "society"},
        format="json",
    ).json()["token"]
    participant.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    statuses = [
        participant.post(
            f"/api/v1/sessions/{session.pk}/ideas/", {"text": f"Идея про парк {i}"}, format="json"
        ).status_code
        for i in range(4)
    ]
    assert statuses == [201, 201, 201, 429]

    # Redis back (empty: it kept nothing): the limits count in Redis again.
    own_redis.start()
    time.sleep(limits_cache.RETRY_SECONDS + 0.1)
    assert _readyz_limits(client) == "shared"
    assert any(
        "answers again" in r.getMessage() for r in caplog.records if r.name == "veche.limits"
    )
    statuses = [
        participant.post(
            f"/api/v1/sessions/{session.pk}/ideas/", {"text": f"Идея про сквер {i}"}, format="json"
        ).status_code
        for i in range(4)
    ]
    assert statuses == [201, 201, 201, 429]
    assert own_redis.keys("veche-redis-down:*throttle_participant_post*"), (
        "the post limit is shared again"
    )
    assert _writes(session, "pw-for-tests-1") == NORMAL


def test_readyz_stays_ready_while_limits_are_local(own_redis: OwnRedis, client: Any) -> None:
    """Redis away is degraded, not down: readiness must not pull every web process out."""
    own_redis.stop()
    response = client.get("/readyz")
    assert response.json()["checks"]["rate_limits"] == "local (redis unavailable)"
    # Only this check is asserted: on the PostgreSQL + Redis pass the channel layer is the
    # machine's Redis, which stays up, so the whole answer is 200 there as well.
    if response.json()["checks"]["channel_layer"] == "ok":
        assert response.status_code == 200


def test_a_hanging_redis_costs_one_short_timeout_not_one_per_request(
    own_redis: OwnRedis, session: Any, client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SIGSTOP: connections are accepted but nothing answers (a partition, a stuck host)."""
    import os
    import signal

    UserFactory(username="staff-redis", password="pw-for-tests-1", is_staff=True)
    assert _writes(session, "pw-for-tests-1") == NORMAL  # connections to Redis are open now
    monkeypatch.setattr(limits_cache, "RETRY_SECONDS", 30.0)  # one probe for the whole test
    assert own_redis.process is not None
    os.kill(own_redis.process.pid, signal.SIGSTOP)
    try:
        started = time.monotonic()
        rounds = [_writes(session, "pw-for-tests-1") for _ in range(3)]
        elapsed = time.monotonic() - started
        assert rounds == [NORMAL] * 3
        # 15 requests; the first cache call waits out the 0.5 s socket timeout, the rest go
        # straight to the local count. Without the pacing each would wait 0.5 s or more.
        assert elapsed < 0.5 * 15, elapsed
    finally:
        os.kill(own_redis.process.pid, signal.SIGCONT)
    # /readyz probes Redis whatever the retry interval, and its answer ends the outage.
    assert _readyz_limits(client) == "shared"
    assert limits_cache.down_since is None
