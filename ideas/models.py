"""Veche's domain: forums, case sessions, participants, ideas, votes, groups.

Models hold fields, database constraints and small per-object methods. Every
state change others must see goes through `ideas.operations`.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

JOIN_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud in a hall
JOIN_CODE_LENGTH = 6
IDEA_TEXT_MAX = 1000
IDEA_TITLE_MAX = 120
DISPLAY_NAME_MAX = 60


def hash_token(token: str) -> str:
    """Tokens are stored as SHA-256: a leaked table gives nobody a session."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_join_code() -> str:
    return "".join(secrets.choice(JOIN_CODE_ALPHABET) for _ in range(JOIN_CODE_LENGTH))


def normalise_join_code(code: str) -> str:
    return "".join(ch for ch in str(code).upper() if ch.isalnum())


class AgeRating(models.TextChoices):
    ALL = "0+", "0+"
    SIX = "6+", "6+"
    TWELVE = "12+", "12+"
    SIXTEEN = "16+", "16+"
    ADULT = "18+", "18+"


def default_sectors() -> list[dict[str, str]]:
    return [{"code": code, "label": label} for code, label in settings.VECHE_DEFAULT_SECTORS]


SECTOR_CODE = re.compile(r"[a-z0-9_-]{1,32}")  # fits Participant.sector
SECTOR_LABEL_MAX = 80
SECTORS_MAX = 20
SECTOR_KEYS = {"code", "label", "label_en"}


def default_time_zone() -> str:
    return str(settings.TIME_ZONE)


def validate_time_zone(value: str) -> None:
    import zoneinfo

    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValidationError(
            _("“%(zone)s” is not a time zone (for example Asia/Yakutsk or Europe/Samara)."),
            code="invalid",
            params={"zone": value},
        ) from None


def validate_sectors(value: Any) -> list[dict[str, str]]:
    """A forum's sectors as every reader expects them, or ValidationError.

    Pages, the API, the live snapshot and the archive read `code` and `label` of every sector;
    one malformed entry stored once made all of them fail for everyone. So the shape is
    checked here, for every path that saves a forum (`Forum.clean` and `Forum.save`).
    Returns the sectors with their labels trimmed.
    """
    if not isinstance(value, list) or not value:
        raise ValidationError(_("Give at least one sector."), code="invalid")
    if len(value) > SECTORS_MAX:
        raise ValidationError(
            _("Give at most %(count)d sectors."), code="invalid", params={"count": SECTORS_MAX}
        )
    cleaned: list[dict[str, str]] = []
    for sector in value:
        # "label_en" (optional) is the English label the pages show to English readers.
        if not isinstance(sector, dict) or not {"code", "label"} <= set(sector) <= SECTOR_KEYS:
            raise ValidationError(
                _(
                    "Each sector is an object with a “code”, a “label” and optionally a “label_en”, nothing else."
                ),
                code="invalid",
            )
        code, label = sector["code"], sector["label"]
        if not isinstance(code, str) or not SECTOR_CODE.fullmatch(code):
            raise ValidationError(
                _("A sector code is 1 to 32 small Latin letters, digits, “-” or “_”."),
                code="invalid",
            )
        if not isinstance(label, str) or not label.strip() or len(label.strip()) > SECTOR_LABEL_MAX:
            raise ValidationError(
                _("A sector label is text of 1 to %(max)d characters."),
                code="invalid",
                params={"max": SECTOR_LABEL_MAX},
            )
        entry = {"code": code, "label": label.strip()}
        label_en = sector.get("label_en")
        if label_en is not None:
            if not isinstance(label_en, str) or len(label_en.strip()) > SECTOR_LABEL_MAX:
                raise ValidationError(
                    _("A sector label is text of 1 to %(max)d characters."),
                    code="invalid",
                    params={"max": SECTOR_LABEL_MAX},
                )
            if label_en.strip():
                entry["label_en"] = label_en.strip()
        cleaned.append(entry)
    codes = [sector["code"] for sector in cleaned]
    if len(set(codes)) != len(codes):
        raise ValidationError(_("Sector codes must be unique."), code="invalid")
    return cleaned


class Forum(models.Model):
    title = models.CharField(_("title"), max_length=200)
    city = models.CharField(_("city"), max_length=120, blank=True)
    starts_on = models.DateField(_("starts on"), null=True, blank=True)
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    description = models.TextField(_("description"), blank=True)
    organisers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="organised_forums", blank=True, verbose_name=_("organisers")
    )
    age_rating = models.CharField(
        _("age rating"), max_length=4, choices=AgeRating.choices, default=AgeRating.ALL
    )
    sectors = models.JSONField(_("sectors"), default=default_sectors)
    is_public = models.BooleanField(_("public"), default=True)
    # The programme's times are entered and shown in the forum's own zone (Якутск: UTC+9, Тольятти: UTC+4).
    time_zone = models.CharField(
        _("time zone"), max_length=64, default=default_time_zone, validators=[validate_time_zone]
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_on", "-id"]
        verbose_name = _("forum")
        verbose_name_plural = _("forums")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True)
                | Q(starts_on__isnull=True)
                | Q(ends_on__gte=models.F("starts_on")),
                name="forum_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args: Any, **kwargs: Any) -> None:
        # The last line of defence: whatever path saves a forum, malformed sectors never land.
        self.sectors = validate_sectors(self.sectors)
        super().save(*args, **kwargs)

    def clean(self) -> None:
        super().clean()
        try:
            self.sectors = validate_sectors(self.sectors)
        except ValidationError as error:
            raise ValidationError({"sectors": error.messages}) from error


class Stage(models.TextChoices):
    """The session's stage; each stage answers what it allows (adhocracy4 phases)."""

    DRAFT = "draft", _("Draft")
    IDEATION = "ideation", _("Ideation")
    VOTING = "voting", _("Voting")
    RESULTS = "results", _("Results")
    ARCHIVED = "archived", _("Archived")

    @classmethod
    def order(cls) -> list[Stage]:
        return [cls.DRAFT, cls.IDEATION, cls.VOTING, cls.RESULTS, cls.ARCHIVED]

    def allows_posting(self) -> bool:
        return self == Stage.IDEATION

    def allows_voting(self, *, voting_during_ideation: bool) -> bool:
        return self == Stage.VOTING or (self == Stage.IDEATION and voting_during_ideation)

    def allows_grouping(self) -> bool:
        return self in (Stage.IDEATION, Stage.VOTING, Stage.RESULTS)

    def allows_moderation(self) -> bool:
        return self in (Stage.DRAFT, Stage.IDEATION, Stage.VOTING, Stage.RESULTS)

    def may_move_to(self, target: Stage) -> bool:
        """Forward one step at a time; back to any earlier stage; never out of archived."""
        if self == Stage.ARCHIVED or target == self:
            return False
        order = Stage.order()
        here, there = order.index(self), order.index(target)
        if there == here + 1:
            return True
        return there < here


class VotingMethod(models.TextChoices):
    SUPPORT = "support", _("Support")
    AGREE = "agree", _("Agree / pass / disagree")
    DOTS = "dots", _("Dots")


MAX_DOTS_PER_IDEA = 10  # the database refuses anything above, whatever the session says


class CaseSession(models.Model):
    forum = models.ForeignKey(
        Forum, on_delete=models.PROTECT, related_name="sessions", null=True, blank=True
    )
    title = models.CharField(_("title"), max_length=200)
    question = models.CharField(_("question"), max_length=500)
    description = models.TextField(_("description"), blank=True)
    stage = models.CharField(_("stage"), max_length=16, choices=Stage.choices, default=Stage.DRAFT)
    voting_method = models.CharField(
        _("voting method"),
        max_length=16,
        choices=VotingMethod.choices,
        default=VotingMethod.SUPPORT,
    )
    dots_budget = models.PositiveSmallIntegerField(_("dots per participant"), default=5)
    dots_max_per_idea = models.PositiveSmallIntegerField(_("dots per idea at most"), default=3)
    join_code = models.CharField(_("join code"), max_length=12, unique=True, default=new_join_code)
    moderators = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="moderated_sessions", blank=True, verbose_name=_("moderators")
    )
    voting_during_ideation = models.BooleanField(_("voting open during ideation"), default=True)
    live_results_visible = models.BooleanField(
        _("results visible to participants live"), default=True
    )
    premoderation = models.BooleanField(_("pre-moderation"), default=False)
    is_public = models.BooleanField(_("public (big screen and archive)"), default=True)
    # Names stay in the room unless the session says otherwise: by default others see
    # an idea's sector, not its author's name (ideas.selectors.author_name_visible).
    show_author_names = models.BooleanField(
        _("show authors' names to everyone"),
        default=False,
        help_text=_(
            "Off: participants and the public see each idea's sector; its author and "
            "moderators see the name."
        ),
    )
    starts_at = models.DateTimeField(_("starts at"), null=True, blank=True)
    timer_ends_at = models.DateTimeField(_("timer ends at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    stage_changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("case session")
        verbose_name_plural = _("case sessions")
        constraints = [
            models.CheckConstraint(
                condition=Q(stage__in=[s.value for s in Stage]), name="session_stage_known"
            ),
            models.CheckConstraint(
                condition=Q(voting_method__in=[m.value for m in VotingMethod]),
                name="session_voting_method_known",
            ),
            models.CheckConstraint(
                condition=Q(dots_max_per_idea__gte=1)
                & Q(dots_max_per_idea__lte=MAX_DOTS_PER_IDEA)
                & Q(dots_budget__gte=1)
                & Q(dots_budget__lte=100),
                name="session_dots_in_range",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        # The session's page on the organiser pages: the admin's "View on site" leads there,
        # and from there to the console, the big screen and the QR poster.
        return f"/organise/sessions/{self.pk}/"

    @property
    def current_stage(self) -> Stage:
        return Stage(self.stage)

    @property
    def sectors(self) -> list[dict[str, str]]:
        if self.forum is not None and self.forum.sectors:
            try:
                return validate_sectors(self.forum.sectors)
            except ValidationError:
                # Stored before sectors were checked on save: the defaults keep the session usable.
                pass
        return default_sectors()

    @property
    def sector_codes(self) -> list[str]:
        return [sector["code"] for sector in self.sectors]

    def voting_open(self) -> bool:
        return self.current_stage.allows_voting(voting_during_ideation=self.voting_during_ideation)

    def is_moderator(self, user: Any) -> bool:
        """Staff and superusers moderate everything; others only sessions they are named on."""
        if user is None or not getattr(user, "is_authenticated", False):
            return False
        if user.is_superuser or user.is_staff:
            return True
        return self.moderators.filter(pk=user.pk).exists()


class Participant(models.Model):
    session = models.ForeignKey(CaseSession, on_delete=models.CASCADE, related_name="participants")
    display_name = models.CharField(_("display name"), max_length=DISPLAY_NAME_MAX)
    sector = models.CharField(_("sector"), max_length=32)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    TOKEN_PREFIX = "vp_"  # noqa: S105 - a prefix, not a secret

    class Meta:
        ordering = ["id"]
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        indexes = [models.Index(fields=["session", "sector"])]

    def __str__(self) -> str:
        return f"{self.display_name} ({self.sector})"

    def issue_token(self) -> str:
        """Set a fresh token and return it; only its hash is kept."""
        token = self.TOKEN_PREFIX + secrets.token_urlsafe(32)
        self.token_hash = hash_token(token)
        return token


class ApiToken(models.Model):
    """A staff member's API token (`POST /api/v1/auth/token/`), stored hashed."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    TOKEN_PREFIX = "vs_"  # noqa: S105 - a prefix, not a secret

    class Meta:
        verbose_name = _("staff API token")
        verbose_name_plural = _("staff API tokens")

    def __str__(self) -> str:
        return f"token of {self.user}"

    def issue_token(self) -> str:
        token = self.TOKEN_PREFIX + secrets.token_urlsafe(32)
        self.token_hash = hash_token(token)
        return token


class Group(models.Model):
    class Origin(models.TextChoices):
        SUGGESTED = "suggested", _("Suggested")
        MANUAL = "manual", _("Manual")

    session = models.ForeignKey(CaseSession, on_delete=models.CASCADE, related_name="groups")
    title = models.CharField(_("title"), max_length=200)
    keywords = models.JSONField(_("keywords"), default=list, blank=True)
    origin = models.CharField(max_length=16, choices=Origin.choices, default=Origin.MANUAL)
    order = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("group")
        verbose_name_plural = _("groups")

    def __str__(self) -> str:
        return self.title


class IdeaStatus(models.TextChoices):
    PUBLISHED = "published", _("Published")
    PENDING = "pending", _("Pending moderation")
    HIDDEN = "hidden", _("Hidden")
    MERGED = "merged", _("Merged")


class HideReason(models.TextChoices):
    OBSCENITY = "obscenity", _("Obscenity")
    INSULT = "insult", _("Insult")
    LINK = "link", _("Links or contacts")
    OFF_TOPIC = "off_topic", _("Off topic")
    DUPLICATE = "duplicate", _("Duplicate")
    OTHER = "other", _("Other")


# Human-readable labels of the codes `ml.screening.screen` puts in `Idea.flags`.
FLAG_LABELS = {
    "link": _("Link or handle"),
    "email": _("E-mail address"),
    "phone": _("Phone number"),
    "obscenity": _("Obscenity"),
    "insult": _("Insult"),
}


class Idea(models.Model):
    session = models.ForeignKey(CaseSession, on_delete=models.CASCADE, related_name="ideas")
    author = models.ForeignKey(
        Participant, on_delete=models.SET_NULL, null=True, blank=True, related_name="ideas"
    )
    author_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    title = models.CharField(_("title"), max_length=IDEA_TITLE_MAX, blank=True)
    text = models.TextField(_("text"), max_length=IDEA_TEXT_MAX)
    status = models.CharField(
        _("status"), max_length=16, choices=IdeaStatus.choices, default=IdeaStatus.PUBLISHED
    )
    hide_reason = models.CharField(
        _("hide reason"), max_length=16, choices=HideReason.choices, blank=True
    )
    moderator_note = models.CharField(_("moderator's note"), max_length=500, blank=True)
    # What automatic screening found when the idea was posted (links, obscenity…).
    flags = models.JSONField(_("automatic flags"), default=list, blank=True)
    merged_into = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="merged_duplicates"
    )
    group = models.ForeignKey(
        Group, on_delete=models.SET_NULL, null=True, blank=True, related_name="ideas"
    )
    # True once a moderator placed the idea by hand: suggestions never move it again.
    group_set_manually = models.BooleanField(default=False)
    embedding = models.BinaryField(null=True, blank=True, editable=False)  # float32, L2-normalised
    embedding_model = models.CharField(max_length=200, blank=True, editable=False)
    embedding_dim = models.PositiveIntegerField(null=True, blank=True, editable=False)
    # The grouping encoder's vector (multilingual-e5-small by default; float32, L2-normalised),
    # made in the background after the fast one and named by the model that made it, so group
    # suggestions never re-encode a session after a restart and never mix two models' vectors.
    grouping_embedding = models.BinaryField(null=True, blank=True, editable=False)
    grouping_embedding_model = models.CharField(max_length=200, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("idea")
        verbose_name_plural = _("ideas")
        indexes = [models.Index(fields=["session", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=[s.value for s in IdeaStatus]), name="idea_status_known"
            ),
            models.CheckConstraint(
                condition=(Q(status=IdeaStatus.MERGED) & Q(merged_into__isnull=False))
                | (~Q(status=IdeaStatus.MERGED) & Q(merged_into__isnull=True)),
                name="idea_merged_iff_target",
            ),
            models.CheckConstraint(
                condition=~Q(merged_into=models.F("id")), name="idea_not_merged_into_itself"
            ),
        ]

    def __str__(self) -> str:
        return self.text[:60]

    @property
    def flag_labels(self) -> list[str]:
        """The automatic flags as words a moderator reads (unknown codes as they are)."""
        return [str(FLAG_LABELS.get(code, code)) for code in self.flags or []]

    @property
    def is_visible_to_everyone(self) -> bool:
        return self.status == IdeaStatus.PUBLISHED


class Vote(models.Model):
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="votes")
    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="votes")
    value = models.SmallIntegerField(_("value"))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("vote")
        verbose_name_plural = _("votes")
        constraints = [
            # The database refuses a second vote by the same participant on an idea.
            models.UniqueConstraint(fields=["participant", "idea"], name="vote_once_per_idea"),
            models.CheckConstraint(
                condition=Q(value__gte=-1) & Q(value__lte=MAX_DOTS_PER_IDEA),
                name="vote_value_in_range",
            ),
        ]
        indexes = [models.Index(fields=["idea", "value"])]

    def __str__(self) -> str:
        return f"{self.participant_id}→{self.idea_id}: {self.value}"


class VoteRequest(models.Model):
    """A client's `request_id` for a vote, so a resent vote is applied once."""

    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="+")
    request_id = models.CharField(max_length=64)
    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="+")
    value = models.SmallIntegerField(null=True)  # None: a withdrawal
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["participant", "request_id"], name="vote_request_once")
        ]

    def __str__(self) -> str:
        return f"{self.participant_id}:{self.request_id}"


class ModerationAction(models.Model):
    """The audit log: who did what to which idea or group (or session), why, when."""

    session = models.ForeignKey(CaseSession, on_delete=models.CASCADE, related_name="actions")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    action = models.CharField(max_length=40)
    idea = models.ForeignKey(
        Idea, on_delete=models.SET_NULL, null=True, blank=True, related_name="actions"
    )
    group = models.ForeignKey(
        Group, on_delete=models.SET_NULL, null=True, blank=True, related_name="actions"
    )
    reason = models.CharField(max_length=500, blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("moderation action")
        verbose_name_plural = _("moderation actions")

    def __str__(self) -> str:
        return f"{self.action} by {self.actor_id} at {self.created_at:%Y-%m-%d %H:%M}"


class GroupSuggestion(models.Model):
    """One run of the grouping pipeline over a session's visible ideas."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")
        APPLIED = "applied", _("Applied")

    session = models.ForeignKey(CaseSession, on_delete=models.CASCADE, related_name="suggestions")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    result = models.JSONField(default=dict, blank=True)
    error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"suggestion {self.pk} for session {self.session_id}: {self.status}"
