"""Read rules for forums, their programme and the people's roles, built on `ideas.selectors`.

Who may see a session (drafts included) is `ideas.selectors`' rule; this module adds
who prepares a forum (its organisers, staff), who may create forums, and which programme
events a reader sees (an event tied to a session shows only when the session is visible).
"""

from __future__ import annotations

import datetime
import zoneinfo
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from forums.models import Hall, Invitation, ProgrammeEvent
from ideas import selectors
from ideas.models import CaseSession, Forum, Stage
from ideas.selectors import Viewer, forum_visible, forums_organised_by  # noqa: F401 - re-exported

LIVE_STAGES = (Stage.IDEATION, Stage.VOTING, Stage.RESULTS)


def may_create_forums(viewer: Viewer) -> bool:
    """Staff; anyone staff invited as an organiser (the `ideas.add_forum` permission); organisers."""
    if not viewer.is_signed_in:
        return False
    user = viewer.user
    return bool(
        viewer.is_staff
        or user.has_perm("ideas.add_forum")
        or Forum.objects.filter(organisers=user).exists()
    )


def may_organise(forum: Forum, viewer: Viewer) -> bool:
    return viewer.organises(forum)


def sessions_prepared_by(viewer: Viewer) -> QuerySet[CaseSession]:
    """The sessions on a person's desk: those they moderate and those of forums they organise."""
    if not viewer.is_signed_in:
        return CaseSession.objects.none()
    if viewer.is_staff:
        return CaseSession.objects.select_related("forum")
    from django.db.models import Q

    return (
        CaseSession.objects.select_related("forum")
        .filter(Q(moderators=viewer.user) | Q(forum__organisers=viewer.user))
        .distinct()
    )


def invitations_of(forum: Forum) -> QuerySet[Invitation]:
    from django.db.models import Q

    return Invitation.objects.filter(Q(forum=forum) | Q(session__forum=forum)).select_related("session")


def forum_zone(forum: Forum) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(forum.time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo(str(timezone.get_default_timezone_name()))


def forum_days(forum: Forum) -> list[datetime.date]:
    if forum.starts_on is None:
        return []
    last = forum.ends_on or forum.starts_on
    return [forum.starts_on + datetime.timedelta(days=n) for n in range((last - forum.starts_on).days + 1)]


def events_visible_to(forum: Forum, viewer: Viewer) -> list[ProgrammeEvent]:
    """The forum's events; an event tied to a session this viewer may not read is left out."""
    events = list(
        ProgrammeEvent.objects.filter(forum=forum).select_related("hall", "session", "session__forum")
    )
    return [
        event
        for event in events
        if event.session is None or selectors.session_visible(event.session, viewer)
    ]


@dataclass
class Day:
    date: datetime.date
    halls: list[tuple[Hall | None, list[ProgrammeEvent]]] = field(default_factory=list)

    @property
    def count(self) -> int:
        return sum(len(events) for _, events in self.halls)


def programme(forum: Forum, viewer: Viewer) -> list[Day]:
    """The programme by day (in the forum's zone) and hall, halls in their order."""
    zone = forum_zone(forum)
    halls = list(Hall.objects.filter(forum=forum))
    by_day: dict[datetime.date, dict[int | None, list[ProgrammeEvent]]] = {}
    for day in forum_days(forum):
        by_day[day] = {}
    for event in events_visible_to(forum, viewer):
        day = timezone.localtime(event.starts_at, zone).date()
        by_day.setdefault(day, {}).setdefault(event.hall_id, []).append(event)
    order: list[Hall | None] = [*halls, None]
    days = []
    for date in sorted(by_day):
        found = by_day[date]
        days.append(
            Day(date=date, halls=[(hall, found[hall.pk if hall else None]) for hall in order if found.get(hall.pk if hall else None)])
        )
    return days


def live_now(forum: Forum, viewer: Viewer, *, now: datetime.datetime | None = None) -> list[ProgrammeEvent]:
    """Events happening now: under way by the clock, or a case session open in the room."""
    now = now or timezone.now()
    live = []
    for event in events_visible_to(forum, viewer):
        session = event.session
        if session is not None and session.stage in LIVE_STAGES:
            live.append(event)
        elif session is None and event.starts_at <= now < event.ends_at:
            live.append(event)
    return live


def overlapping(event: ProgrammeEvent) -> QuerySet[ProgrammeEvent]:
    """Other events in the same hall whose times cross this one's."""
    if event.hall_id is None:
        return ProgrammeEvent.objects.none()
    return ProgrammeEvent.objects.filter(
        hall_id=event.hall_id, starts_at__lt=event.ends_at, ends_at__gt=event.starts_at
    ).exclude(pk=event.pk)


def archive_id(session: CaseSession) -> Any:
    """The archive record's id of an archived session, or None."""
    record = getattr(session, "archive", None)
    return getattr(record, "pk", None)
