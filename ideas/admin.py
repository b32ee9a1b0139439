"""Django admin: the same domain operations as the API, so audit log and live stream follow."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from ideas import moderation_log, operations
from ideas.errors import DomainError
from ideas.models import (
    CaseSession,
    Forum,
    Group,
    HideReason,
    Idea,
    IdeaStatus,
    ModerationAction,
    Participant,
    Stage,
)


@admin.register(Forum)
class ForumAdmin(admin.ModelAdmin):
    list_display = ["title", "city", "starts_on", "ends_on", "is_public"]
    search_fields = ["title", "city"]
    filter_horizontal = ["organisers"]


def _stage_action(stage: Stage) -> Any:
    def move(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: Any) -> None:
        for session in queryset:
            try:
                operations.session_set_stage(session=session, actor=request.user, stage=stage.value)
            except DomainError as error:
                modeladmin.message_user(request, f"{session}: {error.message}", messages.ERROR)

    move.short_description = _("Move to stage: %(stage)s") % {"stage": stage.label}  # type: ignore[attr-defined]
    move.__name__ = f"move_to_{stage.value}"
    return move


@admin.register(CaseSession)
class CaseSessionAdmin(admin.ModelAdmin):
    list_display = ["title", "forum", "stage", "voting_method", "join_code", "created_at"]
    list_filter = ["stage", "voting_method", "forum"]
    search_fields = ["title", "question", "join_code"]
    filter_horizontal = ["moderators"]
    readonly_fields = ["stage", "stage_changed_at", "timer_ends_at"]
    actions = [_stage_action(stage) for stage in Stage]

    def save_model(self, request: HttpRequest, obj: CaseSession, form: Any, change: bool) -> None:
        if not change:
            super().save_model(request, obj, form, change)
            return
        fields = {
            name: form.cleaned_data[name]
            for name in form.changed_data
            if name not in ("moderators",)
        }
        try:
            operations.session_update(session=obj, actor=request.user, **fields)
        except DomainError as error:
            self.message_user(request, str(error.message), messages.ERROR)

    def has_delete_permission(self, request: HttpRequest, obj: CaseSession | None = None) -> bool:
        return False  # sessions are archived, never deleted


@admin.register(Participant)
class ParticipantAdmin(admin.ModelAdmin):
    list_display = ["display_name", "sector", "session", "created_at"]
    list_filter = ["sector"]
    search_fields = ["display_name"]
    readonly_fields = ["session", "token_hash", "created_at"]


def _hide(reason: HideReason) -> Any:
    def hide(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: Any) -> None:
        for idea in queryset.select_related("session"):
            try:
                operations.idea_moderate(
                    idea=idea, actor=request.user, status=IdeaStatus.HIDDEN, reason=reason.value
                )
            except DomainError as error:
                modeladmin.message_user(request, f"#{idea.pk}: {error.message}", messages.ERROR)

    hide.short_description = _("Hide: %(reason)s") % {"reason": reason.label}  # type: ignore[attr-defined]
    hide.__name__ = f"hide_{reason.value}"
    return hide


@admin.action(description=_("Approve (publish)"))
def approve(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: Any) -> None:
    for idea in queryset.select_related("session"):
        try:
            operations.idea_moderate(idea=idea, actor=request.user, status=IdeaStatus.PUBLISHED)
        except DomainError as error:
            modeladmin.message_user(request, f"#{idea.pk}: {error.message}", messages.ERROR)


@admin.register(Idea)
class IdeaAdmin(admin.ModelAdmin):
    list_display = ["id", "short_text", "session", "status", "hide_reason", "group", "created_at"]
    list_filter = ["status", "hide_reason", "session"]
    search_fields = ["text", "title"]
    actions = [approve, *[_hide(reason) for reason in HideReason]]
    readonly_fields = [
        "session",
        "author",
        "text",
        "title",
        "status",
        "hide_reason",
        "flags",
        "merged_into",
        "group",
    ]

    @admin.display(description=_("text"))
    def short_text(self, idea: Idea) -> str:
        return idea.text[:80]

    def save_model(self, request: HttpRequest, obj: Idea, form: Any, change: bool) -> None:
        # Through the operation, so an archived session refuses and the note is logged.
        try:
            operations.idea_moderate(
                idea=obj,
                actor=request.user,
                status=obj.status,
                reason=obj.hide_reason,
                note=obj.moderator_note,
            )
        except DomainError as error:
            self.message_user(request, f"#{obj.pk}: {error.message}", messages.ERROR)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # ideas are posted through the session, with screening

    def has_delete_permission(self, request: HttpRequest, obj: Idea | None = None) -> bool:
        return False  # hide with a reason instead: the record stays


@admin.register(Group)
class GroupAdmin(admin.ModelAdmin):
    list_display = ["title", "session", "origin", "order"]
    list_filter = ["origin"]

    # Through the operations, so an archived session refuses and the change is logged.
    def save_model(self, request: HttpRequest, obj: Group, form: Any, change: bool) -> None:
        try:
            if change:
                operations.group_update(
                    group=obj,
                    actor=request.user,
                    title=obj.title,
                    keywords=obj.keywords,
                    order=obj.order,
                )
            else:
                obj.pk = operations.group_create(
                    session=obj.session, actor=request.user, title=obj.title, keywords=obj.keywords
                ).pk
        except DomainError as error:
            self.message_user(request, str(error.message), messages.ERROR)

    def delete_model(self, request: HttpRequest, obj: Group) -> None:
        try:
            operations.group_delete(group=obj, actor=request.user)
        except DomainError as error:
            self.message_user(request, str(error.message), messages.ERROR)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for group in queryset:
            self.delete_model(request, group)


class ActionKindFilter(admin.SimpleListFilter):
    """Filter the log by what was done, named in words rather than by its code."""

    title = _("what was done")
    parameter_name = "action"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        codes = ModerationAction.objects.values_list("action", flat=True).distinct().order_by("action")
        return [(code, moderation_log.action_kind(code)) for code in codes]

    def queryset(self, request: HttpRequest, queryset: Any) -> Any:
        return queryset.filter(action=self.value()) if self.value() else queryset


@admin.register(ModerationAction)
class ModerationActionAdmin(admin.ModelAdmin):
    list_display = ["created_at", "session", "actor", "in_words", "idea", "group"]
    list_filter = [ActionKindFilter]

    @admin.display(description=_("what was done"))
    def in_words(self, action: ModerationAction) -> str:
        return moderation_log.action_text(action)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
