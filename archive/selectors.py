"""Read-side of the archive: who may see which archive (shared by the API, the pages, search).

Archive-level rules built on the one read rule (`ideas.selectors`): an archive is as
readable as its session: anyone reads the archive of a public session (public, in a
public forum or none); a private session's archive is for its moderators (staff: all).
Participants' tokens do not open archives: the archive is the city's public record.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from archive.models import ArchivedIdea, SessionArchive
from ideas import selectors


def archive_viewer(user: Any) -> selectors.Viewer:
    """The archive's reader: a user (staff, a moderator, or anyone), never a participant."""
    return user if isinstance(user, selectors.Viewer) else selectors.Viewer(user)


def archives_visible_to(user: Any) -> QuerySet[SessionArchive]:
    """Archives of the sessions this reader may read (`ideas.selectors.sessions_visible_to`)."""
    viewer = archive_viewer(user)
    archives = SessionArchive.objects.select_related("forum")
    if viewer.is_staff:
        return archives
    sessions = selectors.sessions_visible_to(selectors.Viewer(viewer.user))
    return archives.filter(session__in=sessions.values("pk"))


def archived_ideas_visible_to(user: Any) -> QuerySet[ArchivedIdea]:
    """What archive search may return to this reader: ideas of the archives they may read."""
    return ArchivedIdea.objects.filter(archive__in=archives_visible_to(user).values("pk"))
