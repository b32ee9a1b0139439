"""A forum's people and programme: invitations, jurors, halls and events.

Organisers are `Forum.organisers` and session moderators `CaseSession.moderators` (both in
`ideas.models`); this app adds the contest jurors, the invitations that hand out all three
roles, and the programme. Every change goes through `forums.operations`.
"""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ideas.models import CaseSession, Forum

INVITATION_TOKEN_PREFIX = "vi_"  # noqa: S105 - a prefix, not a secret


def hash_invitation_token(token: str) -> str:
    """Only the hash is stored: a leaked table gives nobody an account."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_invitation_token() -> str:
    return INVITATION_TOKEN_PREFIX + secrets.token_urlsafe(24)


class Role(models.TextChoices):
    ORGANISER = "organiser", _("Forum organiser")
    MODERATOR = "moderator", _("Session moderator")
    JUROR = "juror", _("Contest juror")


class Juror(models.Model):
    """A contest juror of a forum (the contests use it: jurors score entries on their phones)."""

    forum = models.ForeignKey(Forum, on_delete=models.CASCADE, related_name="jurors")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="juror_of")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("juror")
        verbose_name_plural = _("jurors")
        constraints = [models.UniqueConstraint(fields=["forum", "user"], name="juror_once_per_forum")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.forum}"


class Invitation(models.Model):
    """A link that makes its holder an organiser, a moderator or a juror; expiring and single-use."""

    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    forum = models.ForeignKey(
        Forum, on_delete=models.CASCADE, related_name="invitations", null=True, blank=True
    )
    session = models.ForeignKey(
        CaseSession, on_delete=models.CASCADE, related_name="invitations", null=True, blank=True
    )
    email = models.EmailField(_("e-mail"), blank=True)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        constraints = [
            # A moderator is invited to a session; organisers and jurors to a forum (staff may
            # invite an organiser to no forum yet: one who may create forums).
            models.CheckConstraint(
                condition=(Q(role="moderator") & Q(session__isnull=False))
                | (Q(role="juror") & Q(forum__isnull=False) & Q(session__isnull=True))
                | (Q(role="organiser") & Q(session__isnull=True)),
                name="invitation_role_fits_target",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()} → {self.email or '(link)'}"

    @property
    def is_used(self) -> bool:
        return self.accepted_at is not None

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()

    @property
    def target_title(self) -> str:
        if self.session is not None:
            return self.session.title
        if self.forum is not None:
            return self.forum.title
        return ""


class Hall(models.Model):
    """A venue of the forum: a hall, a room, a stage."""

    forum = models.ForeignKey(Forum, on_delete=models.CASCADE, related_name="halls")
    name = models.CharField(_("name"), max_length=120)
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("hall")
        verbose_name_plural = _("halls")
        constraints = [models.UniqueConstraint(fields=["forum", "name"], name="hall_name_once_per_forum")]

    def __str__(self) -> str:
        return self.name


class EventKind(models.TextChoices):
    CASE_SESSION = "case_session", _("Case session")
    SECTION = "section", _("Section")
    CONTEST = "contest", _("Contest")
    CEREMONY = "ceremony", _("Ceremony")
    ITEM = "item", _("Programme item")


class ProgrammeEvent(models.Model):
    forum = models.ForeignKey(Forum, on_delete=models.CASCADE, related_name="events")
    hall = models.ForeignKey(
        Hall, on_delete=models.SET_NULL, null=True, blank=True, related_name="events"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=EventKind.choices, default=EventKind.ITEM)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    session = models.OneToOneField(
        CaseSession,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="programme_event",
        verbose_name=_("case session"),
    )

    class Meta:
        ordering = ["starts_at", "hall__order", "id"]
        verbose_name = _("programme event")
        verbose_name_plural = _("programme events")
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="event_ends_after_start"),
            models.CheckConstraint(
                condition=Q(kind__in=[kind.value for kind in EventKind]), name="event_kind_known"
            ),
        ]
        indexes = [models.Index(fields=["forum", "starts_at"])]

    def __str__(self) -> str:
        return self.title
