"""`/healthz`: the process answers. `/readyz`: its database, channel layer and worker answer,
and where the rate limits count (shared in Redis, or this process while Redis is away)."""

from __future__ import annotations

import time
import uuid

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse


def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


def _check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return "ok"


def _check_channel_layer() -> str:
    layer = get_channel_layer()
    if layer is None:
        return "missing"
    group = f"readyz.{uuid.uuid4().hex}"
    async_to_sync(layer.group_send)(group, {"type": "readyz.ping"})
    return "ok"


def _check_worker() -> str:
    backend = settings.TASKS["default"]["BACKEND"]
    if not backend.startswith("django_tasks_db"):
        return "in-process"
    from django_tasks_db.models import DBTaskResult

    # A worker that drains the queue leaves no task older than a minute waiting.
    stale = DBTaskResult.objects.filter(status="READY", enqueued_at__lt=_minutes_ago(1)).count()
    return "ok" if stale == 0 else f"{stale} tasks waiting over a minute"


def _check_rate_limits() -> str:
    # "local (redis unavailable)" is degraded, not down: the limits still hold, per process,
    # and REST keeps working without Redis (SPEC §4), so it does not fail readiness.
    from ideas.api.throttles import limits_status

    return limits_status()


DEGRADED_BUT_READY = {"rate_limits": ("shared", "in-process", "local (redis unavailable)")}


def _minutes_ago(minutes: int):  # type: ignore[no-untyped-def]
    from datetime import timedelta

    from django.utils import timezone

    return timezone.now() - timedelta(minutes=minutes)


def readyz(request: HttpRequest) -> JsonResponse:
    checks: dict[str, str] = {}
    healthy = True
    for name, check in (
        ("database", _check_database),
        ("channel_layer", _check_channel_layer),
        ("worker", _check_worker),
        ("rate_limits", _check_rate_limits),
    ):
        started = time.perf_counter()
        try:
            checks[name] = check()
        except Exception as error:  # a readiness probe reports, it does not crash
            checks[name] = f"error: {type(error).__name__}"
            healthy = False
        else:
            if checks[name] not in ("ok", "in-process", *DEGRADED_BUT_READY.get(name, ())):
                healthy = False
        checks[f"{name}_ms"] = f"{(time.perf_counter() - started) * 1000:.1f}"
    # Reported, never unready: without the direct socket writes the live stream is slower, not wrong.
    from realtime.daphne_socket import fast_path_status

    checks["live_fast_path"] = fast_path_status()
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", "checks": checks},
        status=200 if healthy else 503,
    )
