"""Read-side of the archive: who may see which archive (shared by the API and the pages)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from archive.models import SessionArchive


def archives_visible_to(user: Any) -> QuerySet[SessionArchive]:
    """Everyone sees archives of public sessions in public forums (or none); staff see all."""
    archives = SessionArchive.objects.select_related("forum")
    if user is not None and getattr(user, "is_authenticated", False) and (user.is_staff or user.is_superuser):
        return archives
    return archives.filter(session__is_public=True).filter(Q(forum__isnull=True) | Q(forum__is_public=True))
