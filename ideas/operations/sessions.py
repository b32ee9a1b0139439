"""Sessions: stage, settings and the countdown; archiving freezes the outcome through `events.session_archiving`."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ideas import events
from ideas.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    WrongStage,
)
from ideas.models import (
    JOIN_CODE_ALPHABET,
    MAX_DOTS_PER_IDEA,
    CaseSession,
    Forum,
    Stage,
    Vote,
    VotingMethod,
    new_join_code,
    normalise_join_code,
)
from ideas.operations._shared import _ensure_moderator, _ensure_not_archived, _locked_session, _log
from ideas.text import clean_text

# --- sessions ----------------------------------------------------------------------

# Settings a new session takes from its caller (a template, a form) or copies from another one.
SESSION_SETTINGS = (
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
)


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
    editable = {*SESSION_SETTINGS, "forum"}
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




JOIN_CODE_MIN = 4


def _may_prepare_in(forum: Forum | None, actor: Any) -> bool:
    """Staff anywhere; a forum's organisers in that forum."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return False
    if actor.is_staff or actor.is_superuser:
        return True
    return forum is not None and forum.organisers.filter(pk=actor.pk).exists()


def _checked_join_code(code: Any) -> str:
    """A join code a person can read aloud and type, not taken by another session."""
    cleaned = normalise_join_code(code or "")
    if not JOIN_CODE_MIN <= len(cleaned) <= 12 or any(ch not in JOIN_CODE_ALPHABET for ch in cleaned):
        message = _(
            "A join code is 4 to 12 Latin capital letters and digits, without 0, O, 1 and I."
        )
        raise InvalidInput(message, fields={"join_code": [message]})
    if CaseSession.objects.filter(join_code=cleaned).exists():
        message = _("The join code “%(code)s” is taken by another session. Choose another.") % {
            "code": cleaned
        }
        raise Conflict(message, code="join_code_taken", fields={"join_code": [message]})
    return cleaned


def session_create(
    *,
    actor: Any,
    forum: Forum | None,
    join_code: str | None = None,
    moderators: Iterable[Any] = (),
    **fields: Any,
) -> CaseSession:
    """A new draft session; its creator moderates it. Staff anywhere, organisers in their forum."""
    if not _may_prepare_in(forum, actor):
        raise Forbidden(_("Only the forum's organisers may add sessions to it."))
    unknown = set(fields) - set(SESSION_SETTINGS)
    if unknown:
        raise InvalidInput(
            _("These fields cannot be set: %(fields)s") % {"fields": ", ".join(sorted(unknown))}
        )
    title = clean_text(fields.pop("title", ""), field="title", max_length=200)
    question = clean_text(fields.pop("question", ""), field="question", max_length=500)
    method = fields.get("voting_method", VotingMethod.SUPPORT)
    if method not in VotingMethod.values:
        message = _("Unknown voting method “%(method)s”.") % {"method": method}
        raise InvalidInput(message, fields={"voting_method": [message]})
    with transaction.atomic():
        session = CaseSession(forum=forum, title=title, question=question, created_by=actor, **fields)
        if join_code:
            session.join_code = _checked_join_code(join_code)
        else:
            while CaseSession.objects.filter(join_code=session.join_code).exists():
                session.join_code = new_join_code()
        _check_dots(session)
        session.stage = Stage.DRAFT
        session.save()
        session.moderators.add(actor, *moderators)
        _log(session, actor=actor, action="session.create", data={"forum": forum.pk if forum else None})
    return session


def _check_dots(session: CaseSession) -> None:
    if not 1 <= session.dots_budget <= 100:
        message = _("Dots per participant: from 1 to 100.")
        raise InvalidInput(message, fields={"dots_budget": [message]})
    if not 1 <= session.dots_max_per_idea <= MAX_DOTS_PER_IDEA:
        message = _("Dots per idea: from 1 to %(max)d.") % {"max": MAX_DOTS_PER_IDEA}
        raise InvalidInput(message, fields={"dots_max_per_idea": [message]})
    if session.dots_max_per_idea > session.dots_budget:
        message = _("Dots per idea cannot exceed the dots per participant.")
        raise InvalidInput(message, fields={"dots_max_per_idea": [message]})


def session_duplicate(
    *, actor: Any, source: CaseSession, forum: Forum | None = None, title: str | None = None
) -> CaseSession:
    """A fresh draft with `source`'s question and settings (no ideas, no votes, a new code)."""
    if not (source.is_moderator(actor) or _may_prepare_in(source.forum, actor)):
        raise Forbidden(_("Only the session's moderators may do this."))
    target_forum = source.forum if forum is None else forum
    copied = {name: getattr(source, name) for name in SESSION_SETTINGS}
    copied["title"] = title or _("%(title)s (copy)") % {"title": source.title}
    copied["title"] = copied["title"][:200]
    return session_create(actor=actor, forum=target_forum, **copied)
