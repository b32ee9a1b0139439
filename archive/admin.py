"""Admin: archives are read-only; a correction is a new addendum, never an edit."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from archive import services
from archive.models import ArchiveAddendum, SessionArchive
from ideas.errors import DomainError


class AddendumInline(admin.TabularInline):
    model = ArchiveAddendum
    extra = 0
    fields = ["created_at", "text", "sha256"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(SessionArchive)
class SessionArchiveAdmin(admin.ModelAdmin):
    list_display = ["title", "city", "held_on", "archived_at", "ideas_count", "sha256"]
    list_filter = ["forum", "city"]
    search_fields = ["title", "question"]
    inlines = [AddendumInline]
    readonly_fields = [
        "session", "forum", "title", "question", "city", "held_on", "ideas_count", "participants_count",
        "archived_at", "archived_by", "sha256", "votes_sha256", "snapshot",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # archives are made by moving a session to `archived`

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ArchiveAddendum)
class ArchiveAddendumAdmin(admin.ModelAdmin):
    list_display = ["archive", "created_at", "short_text", "sha256"]
    fields = ["archive", "text"]

    @admin.display(description=_("text"))
    def short_text(self, addendum: ArchiveAddendum) -> str:
        return addendum.text[:80]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return ["archive", "text", "created_at", "previous_sha256", "sha256"] if obj else []

    def get_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return ["archive", "text", "created_at", "previous_sha256", "sha256"] if obj else ["archive", "text"]

    def save_model(self, request: HttpRequest, obj: ArchiveAddendum, form: Any, change: bool) -> None:
        # Through the service, so the addendum is hashed into the archive's chain.
        try:
            saved = services.archive_add_addendum(archive=obj.archive, actor=request.user, text=obj.text)
        except DomainError as error:
            self.message_user(request, str(error.message), messages.ERROR)
            return
        # The admin logs and links the object it was given: point it at the saved row.
        obj.pk, obj.sha256, obj.created_at = saved.pk, saved.sha256, saved.created_at
        obj._state.adding = False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
