"""Sessions: stage, settings and the countdown; archiving freezes the outcome through `events.session_archiving`."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ideas import events
from ideas.errors import (
    Conflict,
    InvalidInput,
    WrongStage,
)
from ideas.models import (
    CaseSession,
    Stage,
    Vote,
)
from ideas.operations._shared import _ensure_moderator, _ensure_not_archived, _locked_session, _log

# --- sessions ----------------------------------------------------------------------


def session_set_stage(*, session: CaseSession, actor: Any, stage: str) -> CaseSession:
    """Move the session to `stage`: forward one step, back any number, never out of archived."""
    _ensure_moderator(session, actor)
    try:
        target = Stage(stage)
    except ValueError:
        message = _("Unknown stage “%(stage)s”.") % {"stage": stage}
        raise InvalidInput(message, fields={"stage": [message]}) from None
    with transaction.atomic():
        session = _locked_session(session.pk)
        current = session.current_stage
        if current == Stage.ARCHIVED:
            _ensure_not_archived(session)
        if not current.may_move_to(target):
            raise WrongStage(
                _("A session in stage “%(current)s” cannot move to “%(target)s”.")
                % {"current": current.label, "target": target.label}
            )
        previous = session.stage
        session.stage = target
        session.stage_changed_at = timezone.now()
        session.save(update_fields=["stage", "stage_changed_at", "updated_at"])
        _log(
            session,
            actor=actor,
            action="session.stage",
            data={"from": previous, "to": target.value},
        )
        if target == Stage.ARCHIVED:
            # The archive freezes the outcome here, inside this transaction (a failed
            # freeze rolls the stage back); `ideas` does not import it.
            events.session_archiving.send(sender=CaseSession, session=session, actor=actor)
        events.stage_changed(session.pk)
    return session


def session_update(*, session: CaseSession, actor: Any, **fields: Any) -> CaseSession:
    """Change a session's settings (title, question, method, flags…), never once archived."""
    _ensure_moderator(session, actor)
    editable = {
        "title",
        "question",
        "description",
        "voting_method",
        "dots_budget",
        "dots_max_per_idea",
        "voting_during_ideation",
        "live_results_visible",
        "premoderation",
        "is_public",
        "show_author_names",
        "starts_at",
        "forum",
    }
    unknown = set(fields) - editable
    if unknown:
        raise InvalidInput(
            _("These fields cannot be changed: %(fields)s") % {"fields": ", ".join(sorted(unknown))}
        )
    with transaction.atomic():
        session = _locked_session(session.pk)
        _ensure_not_archived(session)
        if "voting_method" in fields and fields["voting_method"] != session.voting_method:
            if Vote.objects.filter(idea__session=session).exists():
                raise Conflict(_("The voting method cannot change once votes have been cast."))
        for name, value in fields.items():
            setattr(session, name, value)
        if session.dots_max_per_idea > session.dots_budget:
            message = _("Dots per idea cannot exceed the dots per participant.")
            raise InvalidInput(message, fields={"dots_max_per_idea": [message]})
        session.save()
        _log(session, actor=actor, action="session.update", data={"fields": sorted(fields)})
        events.session_updated(session.pk)
    return session


def session_set_timer(*, session: CaseSession, actor: Any, seconds: int | None) -> CaseSession:
    """Start (or clear, with None) the countdown shown on the big screen."""
    _ensure_moderator(session, actor)
    if seconds is not None and (not isinstance(seconds, int) or not 0 < seconds <= 24 * 3600):
        message = _("The timer must be between 1 second and 24 hours.")
        raise InvalidInput(message, fields={"seconds": [message]})
    with transaction.atomic():
        session = _locked_session(session.pk)
        _ensure_not_archived(session)
        session.timer_ends_at = timezone.now() + timedelta(seconds=seconds) if seconds else None
        session.save(update_fields=["timer_ends_at", "updated_at"])
        _log(session, actor=actor, action="session.timer", data={"seconds": seconds})
        events.session_updated(session.pk)
    return session


