"""The only sync-side caller of the live bus: hands committed domain events to the stream.

`ideas.events` hands each committed event to `session_event` (registered in `realtime.apps`); here the event is
shaped (`realtime.events`) and published on the bus (Redis, or the in-process
broker in the embedded default). Vote changes are not published one by one: they
only mark ideas dirty, and each session's ticker publishes one `tally` per tick.

A lost Redis must never fail a vote: the database is the source of truth and
clients catch up by snapshot, so a failed send is logged and dropped.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import deque
from typing import Any

from realtime import bus, events

logger = logging.getLogger("veche.realtime")


def envelope(kind: str, variants: events.Variants) -> str:
    return json.dumps({"k": kind, "v": variants}, ensure_ascii=False, separators=(",", ":"))


def publish(session_id: int, kind: str, variants: events.Variants) -> int | None:
    """Publish an already-shaped event; returns its seq (None when nothing was sent)."""
    if not variants:
        return None
    config = bus.live_config()
    text = envelope(kind, variants)
    if config.redis_url:
        return bus.redis_publisher(config).publish(session_id, text)
    return bus.local_broker().publish(session_id, text)


def mark_votes(session_id: int, idea_ids: list[int]) -> None:
    mark_votes_many({session_id: idea_ids})


def mark_votes_many(dirty: dict[int, list[int]]) -> None:
    """Mark ideas of several sessions dirty: one Redis round trip for a whole vote batch."""
    dirty = {session_id: ids for session_id, ids in dirty.items() if ids}
    if not dirty:
        return
    config = bus.live_config()
    if config.redis_url:
        bus.redis_publisher(config).mark_dirty_many(dirty)
    else:
        for session_id, idea_ids in dirty.items():
            bus.local_broker().mark_dirty(session_id, idea_ids)


def _variants(kind: str, payload: dict[str, Any]) -> events.Variants:
    if kind == "idea.created":
        return events.idea_created_variants(int(payload["idea"]))
    if kind == "idea.updated":
        return events.idea_variants(int(payload["idea"]))
    if kind == "groups.updated":
        return events.groups_variants(int(payload["session"]))
    if kind in ("stage", "session.updated"):
        return events.session_variants(int(payload["session"]))
    if kind in ("suggestion.updated", "suggestion.progress"):
        extra = {key: value for key, value in payload.items() if key not in ("suggestion", "session")}
        return events.suggestion_variants(int(payload["suggestion"]), extra)
    # An event kind this module does not shape: relayed as it is, to moderators only
    # (never risk showing something to participants that nobody checked).
    return [[events.MOD, {key: value for key, value in payload.items() if key != "session"}]]


def _send(session_id: int, kind: str, payload: dict[str, Any]) -> None:
    if kind == "tally":
        mark_votes(session_id, [int(i) for i in payload.get("ideas", [])])
        return
    publish(session_id, kind, _variants(kind, {**payload, "session": session_id}))


def session_events(batch: list[tuple[int, str, dict[str, Any]]]) -> None:
    """Several committed events at once (`ideas.events.register_sink(..., many=)`): vote marks in one call."""
    marks = {session_id: [int(i) for i in payload.get("ideas", [])] for session_id, kind, payload in batch if kind == "tally"}
    if marks:
        try:
            mark_votes_many(marks)
        except Exception:  # as in `session_event`: the votes stand, the stream catches up
            logger.warning("vote marks of %d sessions not sent", len(marks), exc_info=True)
    for session_id, kind, payload in batch:
        if kind != "tally":
            session_event(session_id, kind, payload)


def session_event(session_id: int, kind: str, payload: dict[str, Any]) -> None:
    """Send one committed domain event of a session (the sink registered with `ideas.events`)."""
    try:
        _send(session_id, kind, payload)
    except Exception:  # Redis down or slow: the vote stands, the stream catches up later.
        logger.warning("live event %s for session %s not sent; kept for a retry", kind, session_id, exc_info=True)
        _remember(session_id, kind, payload)


# Events that could not be sent (Redis away) wait here; a thread of this process retries them
# until Redis answers again, rebuilding each from the database (events are upserts, so a
# late one is harmless). Bounded: beyond it, clients still catch up by snapshot.
# A thread, not the hub: the processes that serve REST have no sockets and so no hub, and
# their lost dirty marks left tallies stale until the idea's next vote (issue 10).
PENDING_MAX = 1000
RETRY_SECONDS = 0.5
_pending_lock = threading.Lock()
_pending: deque[tuple[int, str, dict[str, Any]]] = deque(maxlen=PENDING_MAX)
_retrier: threading.Thread | None = None


def _remember(session_id: int, kind: str, payload: dict[str, Any]) -> None:
    with _pending_lock:
        _start_retrier()
        if kind == "tally":
            for index, (other_session, other_kind, other_payload) in enumerate(_pending):
                if other_session == session_id and other_kind == "tally":
                    merged = sorted(set(other_payload["ideas"]) | set(payload.get("ideas", [])))
                    _pending[index] = (session_id, kind, {"ideas": merged})
                    return
        _pending.append((session_id, kind, payload))


def _start_retrier() -> None:
    """Called under the lock: one retry thread while anything waits (it ends when nothing does)."""
    global _retrier
    if _retrier is None or not _retrier.is_alive():
        _retrier = threading.Thread(target=_retry_until_empty, name="veche-live-retry", daemon=True)
        _retrier.start()


def _retry_until_empty() -> None:
    from django.db import close_old_connections

    while True:
        time.sleep(RETRY_SECONDS)
        try:
            retry_pending()
        except Exception:  # noqa: S110 - a retry that fails waits for the next round
            logger.debug("live: retrying pending events failed", exc_info=True)
        finally:
            close_old_connections()  # the events are rebuilt from the database on this thread
        with _pending_lock:
            if not _pending:
                global _retrier
                _retrier = None
                return


def has_pending() -> bool:
    return bool(_pending)


def retry_pending() -> int:
    """Send what waited; stop at the first failure (Redis still away). Returns how many went."""
    sent = 0
    while True:
        with _pending_lock:
            if not _pending:
                return sent
            item = _pending.popleft()
        try:
            _send(*item)
        except Exception:
            with _pending_lock:
                _pending.appendleft(item)
            return sent
        sent += 1
