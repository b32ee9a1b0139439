"""The admin keeps working for staff; the organiser pages are where forums are prepared."""

from __future__ import annotations

from django.contrib import admin

from forums.models import Hall, Invitation, Juror, ProgrammeEvent


@admin.register(Hall)
class HallAdmin(admin.ModelAdmin):
    list_display = ["name", "forum", "order"]
    list_filter = ["forum"]


@admin.register(ProgrammeEvent)
class ProgrammeEventAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "forum", "hall", "starts_at", "ends_at", "session"]
    list_filter = ["forum", "kind"]
    raw_id_fields = ["session"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    # No token here: only its hash is stored, and a new link is made on the organiser pages.
    list_display = ["role", "forum", "session", "email", "created_at", "expires_at", "accepted_at"]
    list_filter = ["role"]
    readonly_fields = ["token_hash", "created_by", "created_at", "accepted_at", "accepted_by"]


@admin.register(Juror)
class JurorAdmin(admin.ModelAdmin):
    list_display = ["user", "forum", "created_at"]
