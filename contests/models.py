"""Contests of best practices and championships: regulations, entries, jury, scores, public vote.

Models hold fields and database constraints; every change goes through `contests.operations`,
every read rule is in `contests.selectors`, and the results are computed by the pure
`contests.scoring.compute_results`.

Public voters are `ideas.Participant`s of the contest's *audience session* (a CaseSession the
contest links to): they join exactly as for a case session (code or QR, no sign-up, a token),
so the join flow, its rate limits, token authentication and the live socket are reused as they
are, and a forum's hall can vote on ideas and on contest entries with one join.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from contests.photos import PHOTOS_MAX
from contests.scoring import SCORE_MAX, SCORE_MIN
from ideas.models import CaseSession, Forum, Participant


class ContestStage(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMISSIONS = "submissions", _("Submissions")
    SELECTION = "selection", _("Selection (remote)")
    DEFENCE = "defence", _("Defence (in person)")
    RESULTS = "results", _("Results")
    FINALISED = "finalised", _("Finalised")

    @classmethod
    def order(cls) -> list[ContestStage]:
        return [cls.DRAFT, cls.SUBMISSIONS, cls.SELECTION, cls.DEFENCE, cls.RESULTS, cls.FINALISED]

    def allows_scoring(self) -> bool:
        return self in (ContestStage.SELECTION, ContestStage.DEFENCE)

    def allows_submission(self) -> bool:
        return self == ContestStage.SUBMISSIONS

    def allows_public_vote(self) -> bool:
        return self == ContestStage.DEFENCE


class Contest(models.Model):
    forum = models.ForeignKey(Forum, on_delete=models.PROTECT, related_name="contests")
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    stage = models.CharField(_("stage"), max_length=16, choices=ContestStage.choices, default=ContestStage.DRAFT)
    organisers = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="organised_contests", blank=True)
    # The current regulations (validated by contests.regulations.validate); frozen once published.
    regulations = models.JSONField(_("regulations"))
    regulations_version = models.PositiveIntegerField(default=0)  # 0: a draft, never published
    audience_session = models.ForeignKey(
        CaseSession, on_delete=models.SET_NULL, null=True, blank=True, related_name="contests",
        verbose_name=_("audience session (public vote)"),
    )
    # Nominations whose public vote is open now (codes); the organiser opens and closes them.
    open_votes = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finalised_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("contest")
        verbose_name_plural = _("contests")
        constraints = [
            models.CheckConstraint(
                condition=Q(stage__in=[stage.value for stage in ContestStage]), name="contest_stage_known"
            ),
            # Past the draft the regulations are published: there is a version 1 at least.
            models.CheckConstraint(
                condition=Q(stage=ContestStage.DRAFT) | Q(regulations_version__gte=1),
                name="contest_published_past_draft",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def current_stage(self) -> ContestStage:
        return ContestStage(self.stage)

    @property
    def frozen(self) -> bool:
        return self.regulations_version >= 1

    def nomination_codes(self) -> list[str]:
        return [item["code"] for item in self.regulations.get("nominations", [])]

    def criterion_codes(self) -> list[str]:
        return [item["code"] for item in self.regulations.get("criteria", [])]


class RegulationsVersion(models.Model):
    """Every published version of the regulations, whole, with the reason for the change."""

    contest = models.ForeignKey(Contest, on_delete=models.CASCADE, related_name="regulation_versions")
    version = models.PositiveIntegerField()
    regulations = models.JSONField()
    reason = models.CharField(_("reason"), max_length=1000, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["contest", "version"]
        constraints = [
            models.UniqueConstraint(fields=["contest", "version"], name="regulations_version_once"),
            # Version 1 is the publication; every later one is an amendment with a written reason.
            models.CheckConstraint(condition=Q(version=1) | ~Q(reason=""), name="regulations_amendment_has_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.contest_id} v{self.version}"


class ContestJuror(models.Model):
    """A juror of one contest: a user with a pseudonym («Ж1») for published results."""

    contest = models.ForeignKey(Contest, on_delete=models.CASCADE, related_name="jurors")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="contest_jurors")
    pseudonym = models.CharField(max_length=16)
    # Where the juror works and lives: a conflict with an entry of the same is detected automatically.
    organisation = models.CharField(_("organisation"), max_length=200, blank=True)
    territory = models.CharField(_("territory"), max_length=200, blank=True)
    # The forum's juror this one was chosen from (invited by link to the forum: forums.Juror), if any.
    forum_juror = models.ForeignKey(
        "forums.Juror", on_delete=models.SET_NULL, null=True, blank=True, related_name="contest_jurors"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["contest", "id"]
        constraints = [
            models.UniqueConstraint(fields=["contest", "user"], name="contest_juror_once"),
            models.UniqueConstraint(fields=["contest", "pseudonym"], name="contest_juror_pseudonym_once"),
        ]

    def __str__(self) -> str:
        return f"{self.pseudonym} ({self.user})"


class TeamKind(models.TextChoices):
    TOS = "tos", _("ТОС (territorial self-government)")
    NKO = "nko", _("НКО (non-profit)")
    SCHOOL = "school", _("School")
    INITIATIVE = "initiative", _("Initiative group")


class Settlement(models.TextChoices):
    URBAN = "urban", _("Urban")
    RURAL = "rural", _("Rural")


class EntryStatus(models.TextChoices):
    PUBLISHED = "published", _("Admitted")
    PENDING = "pending", _("Waiting for screening")
    REJECTED = "rejected", _("Not admitted")


ENTRY_TEXT_MAX = 5000


class Entry(models.Model):
    contest = models.ForeignKey(Contest, on_delete=models.CASCADE, related_name="entries")
    nomination = models.CharField(_("nomination"), max_length=32)
    title = models.CharField(_("title"), max_length=200)
    team_kind = models.CharField(_("team"), max_length=16, choices=TeamKind.choices)
    settlement = models.CharField(_("settlement"), max_length=8, choices=Settlement.choices)
    organisation = models.CharField(_("organisation"), max_length=200)
    territory = models.CharField(_("territory"), max_length=200)
    problem = models.TextField(_("problem"), max_length=ENTRY_TEXT_MAX)
    actions = models.TextField(_("what was done"), max_length=ENTRY_TEXT_MAX)
    resources = models.TextField(_("resources"), max_length=ENTRY_TEXT_MAX, blank=True)
    results = models.TextField(_("results"), max_length=ENTRY_TEXT_MAX)
    contacts = models.CharField(_("contacts"), max_length=500)  # the organisers' eyes only
    status = models.CharField(_("status"), max_length=16, choices=EntryStatus.choices, default=EntryStatus.PENDING)
    flags = models.JSONField(_("automatic flags"), default=list, blank=True)
    screening_note = models.CharField(_("screening note"), max_length=500, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The ideas' encoder's unit vector of the entry's text (contests.duplicates), with its model's name.
    embedding = models.BinaryField(null=True, blank=True, editable=False)
    embedding_model = models.CharField(max_length=64, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["contest", "nomination", "id"]
        verbose_name = _("entry")
        verbose_name_plural = _("entries")
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=[status.value for status in EntryStatus]), name="entry_status_known"
            ),
            models.CheckConstraint(
                condition=Q(team_kind__in=[kind.value for kind in TeamKind]), name="entry_team_kind_known"
            ),
            models.CheckConstraint(
                condition=Q(settlement__in=[kind.value for kind in Settlement]), name="entry_settlement_known"
            ),
        ]

    def __str__(self) -> str:
        return self.title


def entry_photo_path(photo: EntryPhoto, filename: str) -> str:
    """Where a photo's file lives under MEDIA_ROOT: a random name, never the uploader's."""
    return f"contests/{photo.entry.contest_id}/entries/{photo.entry_id}/{uuid.uuid4().hex}.jpg"


class EntryPhoto(models.Model):
    """One of an entry's photos (at most PHOTOS_MAX): re-encoded JPEG, no EXIF (contests.photos)."""

    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="photos")
    # 0 … PHOTOS_MAX-1, unique per entry: the database itself refuses a sixth photo.
    position = models.PositiveSmallIntegerField()
    image = models.FileField(upload_to=entry_photo_path, max_length=200)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    size = models.PositiveIntegerField()  # bytes of the stored JPEG
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["entry", "position"]
        verbose_name = _("entry photo")
        verbose_name_plural = _("entry photos")
        constraints = [
            models.UniqueConstraint(fields=["entry", "position"], name="entry_photo_position_once"),
            models.CheckConstraint(condition=Q(position__lt=PHOTOS_MAX), name="entry_photo_at_most_five"),
        ]

    def __str__(self) -> str:
        return f"photo {self.position + 1} of entry {self.entry_id}"


class ConflictSource(models.TextChoices):
    DECLARED = "declared", _("Declared by the juror")
    ORGANISATION = "organisation", _("Same organisation")
    TERRITORY = "territory", _("Same territory")


class ConflictDeclaration(models.Model):
    """A conflict of interest between a juror and an entry: the juror is recused from it."""

    juror = models.ForeignKey(ContestJuror, on_delete=models.CASCADE, related_name="conflicts")
    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="conflicts")
    source = models.CharField(max_length=16, choices=ConflictSource.choices)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["juror", "entry"], name="conflict_once"),
            models.CheckConstraint(
                condition=Q(source__in=[source.value for source in ConflictSource]), name="conflict_source_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.juror_id}×{self.entry_id}: {self.source}"


class JurorAssignment(models.Model):
    """A juror's task to score one entry: a score sheet, draft until submitted."""

    juror = models.ForeignKey(ContestJuror, on_delete=models.CASCADE, related_name="assignments")
    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="assignments")
    recused = models.BooleanField(default=False)
    submitted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["entry", "juror"]
        constraints = [
            models.UniqueConstraint(fields=["juror", "entry"], name="assignment_once"),
            # A recused juror never has a submitted sheet: their score is missing, not a zero.
            models.CheckConstraint(
                condition=Q(recused=False) | Q(submitted_at__isnull=True), name="assignment_recused_not_submitted"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.juror_id}→{self.entry_id}"


class Score(models.Model):
    assignment = models.ForeignKey(JurorAssignment, on_delete=models.CASCADE, related_name="scores")
    criterion = models.CharField(max_length=32)
    value = models.SmallIntegerField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["assignment", "criterion"], name="score_once_per_criterion"),
            models.CheckConstraint(
                condition=Q(value__gte=SCORE_MIN) & Q(value__lte=SCORE_MAX), name="score_in_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.assignment_id}:{self.criterion}={self.value}"


class ScoreChange(models.Model):
    """A change to a submitted score sheet: old and new values, the reason, when."""

    assignment = models.ForeignKey(JurorAssignment, on_delete=models.CASCADE, related_name="changes")
    criterion = models.CharField(max_length=32)
    old_value = models.SmallIntegerField(null=True)
    new_value = models.SmallIntegerField()
    reason = models.CharField(max_length=500)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.assignment_id}:{self.criterion} {self.old_value}→{self.new_value}"


class PublicVote(models.Model):
    contest = models.ForeignKey(Contest, on_delete=models.CASCADE, related_name="public_votes")
    nomination = models.CharField(max_length=32)
    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="public_votes")
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="contest_votes")
    address_hash = models.CharField(max_length=64, blank=True)  # SHA-256 of the address, for bursts
    # The code the voter joined with (the audience session's, as it was): a leaked code shows as a burst.
    join_code = models.CharField(max_length=12, blank=True)
    # Part of a burst (many votes from one address or join code in a minute): kept, but marked.
    flagged = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            # One vote per participant per nomination, whatever races the requests run.
            models.UniqueConstraint(fields=["contest", "nomination", "participant"], name="public_vote_once"),
        ]
        indexes = [
            models.Index(fields=["contest", "address_hash", "created_at"]),
            models.Index(fields=["contest", "join_code", "created_at"], name="public_vote_join_code_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.participant_id}→{self.entry_id}"


class ContestArchive(models.Model):
    """The finalised results, frozen: canonical JSON and its SHA-256 (like a session's archive)."""

    contest = models.OneToOneField(Contest, on_delete=models.PROTECT, related_name="archive")
    snapshot = models.TextField()
    sha256 = models.CharField(max_length=64)
    archived_at = models.DateTimeField()
    archived_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    def __str__(self) -> str:
        return f"archive of contest {self.contest_id}"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None:
            raise ValueError("a contest archive is written once")
        super().save(*args, **kwargs)
