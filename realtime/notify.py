"""What the domain operations tell the live stream.

The operations call these functions inside their transaction; nothing leaves
before the transaction commits (Zulip's `send_event_on_commit` rule), so a
rolled-back change is never shown. `realtime.broadcast` does the sending; the
messages clients receive are listed in docs/realtime.md.

Names and signatures are a contract with `ideas.operations`, `ml/` and `archive/`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction


def _on_commit(session_id: int, kind: str, payload: dict[str, Any]) -> None:
    from realtime import broadcast

    transaction.on_commit(lambda: broadcast.session_event(session_id, kind, payload))


def idea_created(idea_id: int, session_id: int) -> None:
    """An idea was posted → `idea.created` (to those who may see it)."""
    _on_commit(session_id, "idea.created", {"idea": idea_id})


def idea_updated(idea_id: int, session_id: int) -> None:
    """An idea changed (moderated, merged, unmerged) → `idea.updated`."""
    _on_commit(session_id, "idea.updated", {"idea": idea_id})


def votes_changed(session_id: int, idea_ids: Iterable[int]) -> None:
    """Votes on these ideas changed → marked dirty; the session's next `tally` carries them."""
    _on_commit(session_id, "tally", {"ideas": sorted(set(idea_ids))})


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
