"""The library of practices: a contest entry whose team agreed to publish it, as a public card.

- `Practice`: one per entry. It records the consent (who, when, how: the team itself, or an
  organiser recording the team's written consent with a note), the withdrawal if any, and the
  facts the team does not edit: the nomination, the year, the contest and the prizes (from the
  finalised contest's archive).
- `PracticeVersion`: what the card says, written once. Publishing copies the entry into
  version 1; every update by the team adds the next version and keeps the earlier ones. A
  version also carries what search needs (the same fields as `archive.ArchivedIdea`:
  `lemmas` on SQLite, `search_vector` on PostgreSQL, `embedding`), so `archive.search` serves
  both, and its in-memory vector index, which only grows, stays correct: rows never change.

Every change goes through `library.operations`; the one read rule is `library.selectors`.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from contests.models import ENTRY_TEXT_MAX, Entry


class ConsentKind(models.TextChoices):
    TEAM = "team", _("Given by the team")
    WRITTEN = "written", _("Written consent recorded by an organiser")


class Practice(models.Model):
    entry = models.OneToOneField(Entry, on_delete=models.PROTECT, related_name="library_practice")
    current_version = models.OneToOneField(
        "PracticeVersion", on_delete=models.PROTECT, null=True, blank=True, related_name="current_of"
    )
    # Consent: who recorded it, when, how, and the organiser's note on the written consent.
    consent_kind = models.CharField(_("consent"), max_length=16, choices=ConsentKind.choices)
    consent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    consent_at = models.DateTimeField(_("consent given"))
    consent_note = models.CharField(_("note on the consent"), max_length=500, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    withdrawal_reason = models.CharField(_("reason for withdrawal"), max_length=500, blank=True)
    # Facts of the contest, copied at consent: the team does not edit them.
    contest_title = models.CharField(_("contest"), max_length=200)
    forum_title = models.CharField(_("forum"), max_length=200)
    nomination = models.CharField(_("nomination"), max_length=32)
    nomination_title = models.CharField(_("nomination"), max_length=200)
    nomination_title_en = models.CharField(max_length=200, blank=True)
    year = models.PositiveSmallIntegerField(_("year"))
    # From the finalised contest's archive: [{"kind": "place", "place": 1} | {"kind": "audience"}].
    prizes = models.JSONField(_("prizes"), default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-year", "-id"]
        verbose_name = _("practice")
        verbose_name_plural = _("practices")
        constraints = [
            models.CheckConstraint(
                condition=Q(consent_kind__in=[kind.value for kind in ConsentKind]), name="practice_consent_known"
            ),
            # An organiser records the team's written consent only with a note saying what it is.
            models.CheckConstraint(
                condition=Q(consent_kind=ConsentKind.TEAM) | ~Q(consent_note=""), name="practice_written_consent_noted"
            ),
        ]
        indexes = [models.Index(fields=["nomination"]), models.Index(fields=["year"])]

    def __str__(self) -> str:
        return f"practice of entry {self.entry_id}"

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None


class PracticeVersion(models.Model):
    """What the card says at one moment; never changed once written (an update adds a version)."""

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    title = models.CharField(_("title"), max_length=200)
    organisation = models.CharField(_("organisation"), max_length=200)
    territory = models.CharField(_("territory"), max_length=200)
    problem = models.TextField(_("problem"), max_length=ENTRY_TEXT_MAX)
    actions = models.TextField(_("what was done"), max_length=ENTRY_TEXT_MAX)
    resources = models.TextField(_("resources"), max_length=ENTRY_TEXT_MAX, blank=True)
    results = models.TextField(_("results"), max_length=ENTRY_TEXT_MAX)
    # The contacts the team chose to show (the entry's own contacts stay with the organisers).
    contacts = models.CharField(_("public contacts"), max_length=500, blank=True)
    # The entry's photos at this version, served by the library itself: [{"id", "width", "height"}].
    photos = models.JSONField(_("photos"), default=list, blank=True)
    note = models.CharField(_("what changed"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Search (as in archive.ArchivedIdea): SQLite terms, PostgreSQL tsvector (GIN index by
    # migration 0002, PostgreSQL only), and the embedding of the whole card.
    lemmas = models.TextField(blank=True)
    search_vector = SearchVectorField(null=True, blank=True)
    embedding = models.BinaryField(null=True, blank=True)  # float32, L2-normalised
    embedding_model = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["practice", "number"]
        verbose_name = _("practice version")
        verbose_name_plural = _("practice versions")
        constraints = [
            models.UniqueConstraint(fields=["practice", "number"], name="practice_version_once"),
            models.CheckConstraint(condition=Q(number__gte=1), name="practice_version_from_one"),
        ]
        indexes = [models.Index(fields=["embedding_model", "id"], name="practice_version_model_idx")]

    def __str__(self) -> str:
        return f"{self.title} v{self.number}"

    def search_text(self) -> str:
        """What search reads and the encoder embeds: the card's words, title first."""
        return "\n".join(
            part for part in (self.title, self.problem, self.actions, self.resources, self.results, self.territory) if part
        )
