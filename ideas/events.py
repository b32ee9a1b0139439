"""Domain events: what the operations tell whoever listens, after the transaction commits.

`ideas` knows nothing of the live stream, the archive or the pages (layering goes one
way). Operations call the functions below inside their transaction; each event is
handed to the registered sinks only once the transaction commits (Zulip's
`send_event_on_commit` rule), so a rolled-back change is never shown. The live stream
registers itself as a sink when its app loads (`realtime.apps`); with no sink
registered, events go nowhere.

The archive freezes a session's outcome inside the transaction that archives it: it
listens to the `session_archiving` signal, sent before commit, so a freeze that fails
rolls the stage change back with it.

The messages clients receive for these events are listed in docs/realtime.md.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django.db import transaction
from django.dispatch import Signal

logger = logging.getLogger("veche.events")

EventSink = Callable[[int, str, dict[str, Any]], None]
# Optional: a sink may also take several events at once (`register_sink(sink, many=...)`),
# e.g. the vote changes of a batch across sessions in one call (one Redis round trip, issue 16).
ManySink = Callable[[list[tuple[int, str, dict[str, Any]]]], None]
_sinks: list[EventSink] = []
_many: dict[EventSink, ManySink] = {}

# Sent inside the archiving transaction with `session` and `actor`; receivers may raise
# a DomainError to refuse, which rolls the archiving back.
session_archiving = Signal()


def register_sink(sink: EventSink, *, many: ManySink | None = None) -> None:
    """Receive every committed event as `sink(session_id, kind, payload)` (idempotent).

    With `many`, events committed together are handed over together as `many([(session_id,
    kind, payload), ...])` where an operation emits them as a batch.
    """
    if sink not in _sinks:
        _sinks.append(sink)
    if many is not None:
        _many[sink] = many


def unregister_sink(sink: EventSink) -> None:
    if sink in _sinks:
        _sinks.remove(sink)
    _many.pop(sink, None)


def _deliver(session_id: int, kind: str, payload: dict[str, Any]) -> None:
    for sink in list(_sinks):
        try:
            sink(session_id, kind, payload)
        except Exception:  # one broken listener must not undo a committed change or starve the others
            logger.exception("event sink %r failed on %s for session %s", sink, kind, session_id)


def _deliver_many(batch: list[tuple[int, str, dict[str, Any]]]) -> None:
    for sink in list(_sinks):
        many = _many.get(sink)
        try:
            if many is not None:
                many(batch)
            else:
                for session_id, kind, payload in batch:
                    sink(session_id, kind, payload)
        except Exception:  # as in `_deliver`
            logger.exception("event sink %r failed on a batch of %d events", sink, len(batch))


def _on_commit(session_id: int, kind: str, payload: dict[str, Any]) -> None:
    transaction.on_commit(lambda: _deliver(session_id, kind, payload))


def idea_created(idea_id: int, session_id: int) -> None:
    """An idea was posted → `idea.created` (to those who may see it)."""
    _on_commit(session_id, "idea.created", {"idea": idea_id})


def idea_updated(idea_id: int, session_id: int) -> None:
    """An idea changed (moderated, merged, unmerged) → `idea.updated`."""
    _on_commit(session_id, "idea.updated", {"idea": idea_id})


def votes_changed(session_id: int, idea_ids: Iterable[int]) -> None:
    """Votes on these ideas changed → marked dirty; the session's next `tally` carries them."""
    _on_commit(session_id, "tally", {"ideas": sorted(set(idea_ids))})


def votes_changed_many(changed: Mapping[int, Iterable[int]]) -> None:
    """`votes_changed` of several sessions (one batch of votes), handed to the sinks together."""
    batch = [(session_id, "tally", {"ideas": sorted(set(ids))}) for session_id, ids in changed.items()]
    if batch:
        transaction.on_commit(lambda: _deliver_many(batch))


def groups_updated(session_id: int) -> None:
    """Groups or their members changed → `groups.updated` (the whole list)."""
    _on_commit(session_id, "groups.updated", {})


def stage_changed(session_id: int) -> None:
    """The stage changed → `stage`."""
    _on_commit(session_id, "stage", {})


def session_updated(session_id: int) -> None:
    """Settings, flags or the timer changed → `session.updated`."""
    _on_commit(session_id, "session.updated", {})


def suggestion_updated(session_id: int, suggestion_id: int, status: str = "") -> None:
    """A group suggestion changed state (running, done, failed, applied) → `suggestion.updated`, moderators only."""
    _on_commit(session_id, "suggestion.updated", {"suggestion": suggestion_id, "status": status})


def suggestion_progress(session_id: int, suggestion_id: int, done: int, total: int) -> None:
    """The grouping pipeline advanced → `suggestion.progress`, moderators only.

    Called from a background task, usually outside any transaction: then it is sent at once.
    """
    _on_commit(session_id, "suggestion.progress", {"suggestion": suggestion_id, "done": done, "total": total})
