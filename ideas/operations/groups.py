"""Groups of similar ideas made by moderators (or applied from a suggestion)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from ideas import events
from ideas.errors import (
    InvalidInput,
    WrongStage,
)
from ideas.models import (
    CaseSession,
    Group,
    Idea,
)
from ideas.operations._shared import _ensure_moderator, _ensure_not_archived, _locked_session, _log
from ideas.text import clean_text

# --- groups ----------------------------------------------------------------------------------


def _ensure_grouping(session: CaseSession) -> None:
    _ensure_not_archived(session)
    if not session.current_stage.allows_grouping():
        raise WrongStage(_("Ideas can be grouped during ideation, voting and results."))


def _clean_keywords(keywords: Any) -> list[str]:
    if keywords in (None, ""):
        return []
    if (
        not isinstance(keywords, list)
        or not all(isinstance(k, str) for k in keywords)
        or len(keywords) > 20
    ):
        message = _("Keywords must be a list of at most 20 words.")
        raise InvalidInput(message, fields={"keywords": [message]})
    return [clean_text(k, field="keywords", max_length=60) for k in keywords]


def group_create(
    *,
    session: CaseSession,
    actor: Any,
    title: Any,
    keywords: Any = None,
    origin: str = Group.Origin.MANUAL,
    idea_ids: list[int] | None = None,
) -> Group:
    _ensure_moderator(session, actor)
    title = clean_text(title, field="title", max_length=200)
    keywords = _clean_keywords(keywords)
    with transaction.atomic():
        session = _locked_session(session.pk)
        _ensure_grouping(session)
        order = (Group.objects.filter(session=session).aggregate(m=Max("order"))["m"] or 0) + 1
        group = Group.objects.create(
            session=session, title=title, keywords=keywords, origin=origin, order=order
        )
        if idea_ids:
            _move_ideas(session, idea_ids, group, manual=origin == Group.Origin.MANUAL)
        _log(
            session,
            actor=actor,
            action="group.create",
            group=group,
            data={"title": title, "ideas": idea_ids or []},
        )
        events.groups_updated(session.pk)
    return group


def group_update(
    *, group: Group, actor: Any, title: Any = None, keywords: Any = None, order: Any = None
) -> Group:
    """Rename, re-key or reorder a group; a renamed suggestion becomes the moderator's own."""
    _ensure_moderator(group.session, actor)
    with transaction.atomic():
        session = _locked_session(group.session_id)
        _ensure_grouping(session)
        group = Group.objects.select_for_update().get(pk=group.pk)
        changed: dict[str, Any] = {}
        if title is not None:
            group.title = clean_text(title, field="title", max_length=200)
            group.origin = Group.Origin.MANUAL
            changed["title"] = group.title
        if keywords is not None:
            group.keywords = _clean_keywords(keywords)
            changed["keywords"] = group.keywords
        if order is not None:
            if isinstance(order, bool) or not isinstance(order, int) or order < 0:
                message = _("The order must be a whole number, 0 or more.")
                raise InvalidInput(message, fields={"order": [message]})
            group.order = order
            changed["order"] = order
        group.save()
        _log(session, actor=actor, action="group.update", group=group, data=changed)
        events.groups_updated(session.pk)
    return group


def group_delete(*, group: Group, actor: Any) -> None:
    """Delete a group; its ideas stay, ungrouped."""
    _ensure_moderator(group.session, actor)
    with transaction.atomic():
        session = _locked_session(group.session_id)
        _ensure_grouping(session)
        Idea.objects.filter(group=group).update(group=None, group_set_manually=True)
        _log(
            session,
            actor=actor,
            action="group.delete",
            data={"group": group.pk, "title": group.title},
        )
        group.delete()
        events.groups_updated(session.pk)


def group_merge(*, group: Group, into: Group, actor: Any) -> Group:
    """Merge one group into another: the ideas move, the emptied group goes."""
    _ensure_moderator(group.session, actor)
    if group.pk == into.pk or group.session_id != into.session_id:
        message = _("Choose another group of the same session.")
        raise InvalidInput(message, fields={"into": [message]})
    with transaction.atomic():
        session = _locked_session(group.session_id)
        _ensure_grouping(session)
        moved = list(Idea.objects.filter(group=group).values_list("pk", flat=True))
        Idea.objects.filter(pk__in=moved).update(group=into, group_set_manually=True)
        into.origin = Group.Origin.MANUAL
        into.keywords = list(dict.fromkeys([*into.keywords, *group.keywords]))[:20]
        into.save(update_fields=["origin", "keywords"])
        _log(
            session,
            actor=actor,
            action="group.merge",
            group=into,
            data={"merged": group.pk, "ideas": moved},
        )
        group.delete()
        events.groups_updated(session.pk)
    return into


def _move_ideas(
    session: CaseSession, idea_ids: list[int], group: Group | None, *, manual: bool
) -> list[int]:
    if not isinstance(idea_ids, list) or not all(
        isinstance(i, int) and not isinstance(i, bool) for i in idea_ids
    ):
        message = _("Give the ideas as a list of ids.")
        raise InvalidInput(message, fields={"ideas": [message]})
    found = set(Idea.objects.filter(session=session, pk__in=idea_ids).values_list("pk", flat=True))
    missing = sorted(set(idea_ids) - found)
    if missing:
        message = _("These ideas are not in this session: %(ids)s") % {
            "ids": ", ".join(map(str, missing))
        }
        raise InvalidInput(message, fields={"ideas": [message]})
    Idea.objects.filter(pk__in=found).update(group=group, group_set_manually=manual)
    return sorted(found)


def idea_set_group(
    *, session: CaseSession, actor: Any, idea_ids: list[int], group: Group | None
) -> list[int]:
    """Move ideas into a group (or out of every group with None), by hand."""
    _ensure_moderator(session, actor)
    if group is not None and group.session_id != session.pk:
        message = _("Choose a group of this session.")
        raise InvalidInput(message, fields={"group": [message]})
    with transaction.atomic():
        session = _locked_session(session.pk)
        _ensure_grouping(session)
        moved = _move_ideas(session, idea_ids, group, manual=True)
        _log(session, actor=actor, action="idea.group", group=group, data={"ideas": moved})
        events.groups_updated(session.pk)
    return moved
