"""Checks and helpers shared by every operation: archived sessions, moderators, the action log, locks."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from ideas.errors import (
    Forbidden,
    SessionArchived,
)
from ideas.models import (
    CaseSession,
    Group,
    Idea,
    ModerationAction,
    Stage,
)


def _ensure_not_archived(session: CaseSession) -> None:
    if session.stage == Stage.ARCHIVED:
        raise SessionArchived(
            _(
                "This session is archived: its outcome is frozen and cannot change. Add an addendum instead."
            )
        )


def _ensure_moderator(session: CaseSession, actor: Any) -> None:
    if not session.is_moderator(actor):
        raise Forbidden(_("Only the session's moderators may do this."))


def _log(
    session: CaseSession,
    *,
    actor: Any,
    action: str,
    idea: Idea | None = None,
    group: Group | None = None,
    reason: str = "",
    data: dict[str, Any] | None = None,
) -> ModerationAction:
    return ModerationAction.objects.create(
        session=session,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        idea=idea,
        group=group,
        reason=reason,
        data=data or {},
    )


def _locked_session(session_id: int) -> CaseSession:
    return CaseSession.objects.select_for_update().get(pk=session_id)


