"""Contest events for the live stream, delivered after the transaction commits.

The same rule as `ideas.events`: operations call these inside their transaction, sinks
receive `(contest_id, kind, payload)` only once it commits. The live stream registers its
sink (`realtime.contest_stream.contest_event`, in `realtime.apps`): it forwards every kind,
including those other apps emit through `emit`, to the socket of the contest's audience
session. Payloads carry ids and counts, never a score before the results.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

from django.db import transaction

logger = logging.getLogger("veche.events")

ContestSink = Callable[[int, str, dict[str, Any]], None]
_sinks: list[ContestSink] = []


def register_sink(sink: ContestSink) -> None:
    if sink not in _sinks:
        _sinks.append(sink)


def unregister_sink(sink: ContestSink) -> None:
    if sink in _sinks:
        _sinks.remove(sink)


def _deliver(contest_id: int, kind: str, payload: dict[str, Any]) -> None:
    for sink in list(_sinks):
        try:
            sink(contest_id, kind, payload)
        except Exception:  # one broken listener must not undo a committed change
            logger.exception("contest sink %r failed on %s for contest %s", sink, kind, contest_id)


def _on_commit(contest_id: int, kind: str, payload: dict[str, Any]) -> None:
    transaction.on_commit(lambda: _deliver(contest_id, kind, payload))


def emit(contest_id: int, kind: str, payload: dict[str, Any]) -> None:
    """Any contest event (`contest.<what>`) after commit: for apps built on contests (awards)."""
    if not kind.startswith("contest."):
        raise ValueError(f"contest event kinds start with 'contest.': {kind}")
    _on_commit(contest_id, kind, payload)


def contest_updated(contest_id: int) -> None:
    """Regulations, entries or open nominations changed → `contest.updated`."""
    _on_commit(contest_id, "contest.updated", {})


def contest_stage(contest_id: int, previous: str, stage: str) -> None:
    """The stage changed (`finalised`: results are final) → `contest.stage`."""
    _on_commit(contest_id, "contest.stage", {"from": previous, "to": stage})


def progress_changed(contest_id: int, entry_ids: Iterable[int]) -> None:
    """Sheets submitted, jurors assigned or recused → `contest.progress` (counts only, never scores)."""
    _on_commit(contest_id, "contest.progress", {"entries": sorted(set(entry_ids))})


def public_vote(contest_id: int, nomination: str, *, session_id: int | None = None) -> None:
    """A public vote was cast → `contest.tally` (the screen shows counts only if the regulations say so).

    `session`, the audience session, spares the stream a lookup per vote."""
    payload: dict[str, Any] = {"nomination": nomination}
    if session_id is not None:
        payload["session"] = session_id
    _on_commit(contest_id, "contest.tally", payload)
