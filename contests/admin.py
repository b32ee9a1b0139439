"""Django admin for contests: read-only, for staff to look things up.

Every change of a contest goes through `contests.operations` (regulations frozen and versioned
with a reason, jury assignment and recusals, the public vote's one-vote rule, events after
commit, the audit of score changes); the admin's add, change and delete forms would bypass all
of it. So every model here is view-only: organisers use the contest pages and the API.

The jurors' scores (`Score`, `ScoreChange`) are not registered at all: before the results stage
nobody, staff included, may read a score (contests.selectors), and the admin has no stage rule.
Contacts and the embedding of an entry, and the hashed address of a public vote, are not shown.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from contests.models import (
    ConflictDeclaration,
    Contest,
    ContestArchive,
    ContestJuror,
    Entry,
    EntryPhoto,
    JurorAssignment,
    PublicVote,
    RegulationsVersion,
)


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """View-only: no add, no change, no delete (changes go through `contests.operations`)."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Contest)
class ContestAdmin(ReadOnlyAdmin):
    list_display = [
        "title",
        "forum",
        "stage",
        "regulations_version",
        "audience_session",
        "created_at",
        "finalised_at",
    ]
    list_filter = ["stage", "forum"]
    search_fields = ["title", "description", "forum__title"]
    exclude = ["organisers"]


@admin.register(RegulationsVersion)
class RegulationsVersionAdmin(ReadOnlyAdmin):
    list_display = ["contest", "version", "reason", "created_by", "created_at"]
    list_filter = ["contest"]
    search_fields = ["contest__title", "reason"]


@admin.register(ContestJuror)
class ContestJurorAdmin(ReadOnlyAdmin):
    list_display = ["pseudonym", "user", "contest", "organisation", "territory", "created_at"]
    list_filter = ["contest"]
    search_fields = ["pseudonym", "user__username", "organisation", "territory", "contest__title"]


@admin.register(Entry)
class EntryAdmin(ReadOnlyAdmin):
    list_display = [
        "title",
        "contest",
        "nomination",
        "organisation",
        "territory",
        "status",
        "created_at",
    ]
    list_filter = ["status", "nomination", "team_kind", "settlement", "contest"]
    search_fields = ["title", "organisation", "territory", "contest__title"]
    exclude = ["contacts", "embedding", "embedding_model"]


@admin.register(EntryPhoto)
class EntryPhotoAdmin(ReadOnlyAdmin):
    list_display = ["entry", "position", "width", "height", "size", "created_at"]
    search_fields = ["entry__title", "sha256"]


@admin.register(ConflictDeclaration)
class ConflictDeclarationAdmin(ReadOnlyAdmin):
    list_display = ["juror", "entry", "source", "reason", "created_at"]
    list_filter = ["source", "juror__contest"]
    search_fields = ["juror__pseudonym", "entry__title", "reason"]


@admin.register(JurorAssignment)
class JurorAssignmentAdmin(ReadOnlyAdmin):
    """Who scores what and whether the sheet is submitted; never the scores (see the module)."""

    list_display = ["juror", "entry", "recused", "submitted_at", "created_at"]
    list_filter = ["recused", "juror__contest"]
    search_fields = ["juror__pseudonym", "entry__title"]


@admin.register(PublicVote)
class PublicVoteAdmin(ReadOnlyAdmin):
    list_display = ["contest", "nomination", "entry", "participant", "flagged", "created_at"]
    list_filter = ["flagged", "nomination", "contest"]
    search_fields = ["entry__title", "join_code"]
    exclude = ["address_hash"]


@admin.register(ContestArchive)
class ContestArchiveAdmin(ReadOnlyAdmin):
    list_display = ["contest", "sha256", "archived_at", "archived_by"]
    search_fields = ["contest__title", "sha256"]
