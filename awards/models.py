"""The award ceremony's state and the papers issued after a contest is finalised.

Models hold fields and database constraints; every change goes through `awards.operations`,
every read rule is in `awards.selectors`. What a paper says (places, titles, the ranking) is
read from the contest's frozen archive (`contests.ContestArchive`), never from live tables,
so a paper and its verification page agree with the record the hash covers.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from contests.models import Contest, Entry


class CeremonyState(models.Model):
    """Where the ceremony stands: which nomination is on the screen and how much of it is out.

    Places are revealed nomination by nomination, from the last prize to the first;
    `revealed` counts the prizes of the current nomination shown so far. The audience award
    (when the regulations declare it separately) comes last, on its own. `version` grows with
    every step so the screens and phones that poll know when to redraw.
    """

    contest = models.OneToOneField(Contest, on_delete=models.CASCADE, related_name="ceremony")
    nomination_index = models.PositiveSmallIntegerField(default=0)
    revealed = models.PositiveSmallIntegerField(default=0)
    audience_revealed = models.BooleanField(default=False)
    version = models.PositiveIntegerField(default=1)
    started_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("ceremony")
        verbose_name_plural = _("ceremonies")

    def __str__(self) -> str:
        return f"ceremony of contest {self.contest_id}: {self.nomination_index}/{self.revealed}"


class DocumentKind(models.TextChoices):
    DIPLOMA = "diploma", _("Diploma")
    CERTIFICATE = "certificate", _("Participant certificate")


class Document(models.Model):
    """An issued paper: its number (printed with a QR code) and the archive hash it was issued against."""

    number = models.CharField(_("number"), max_length=32, unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=DocumentKind.choices)
    contest = models.ForeignKey(Contest, on_delete=models.PROTECT, related_name="documents")
    entry = models.ForeignKey(Entry, on_delete=models.PROTECT, related_name="documents")
    nomination = models.CharField(_("nomination"), max_length=32)
    place = models.PositiveSmallIntegerField(_("place"), null=True, blank=True)
    archive_sha256 = models.CharField(_("archive SHA-256 at issue"), max_length=64)
    issued_at = models.DateTimeField(_("issued at"))

    class Meta:
        ordering = ["contest", "nomination", "kind", "place", "entry"]
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        constraints = [
            models.UniqueConstraint(fields=["entry", "kind"], name="document_once_per_entry_and_kind"),
            models.CheckConstraint(
                condition=Q(kind__in=[kind.value for kind in DocumentKind]), name="document_kind_known"
            ),
            # A diploma names a place; a participant certificate never does.
            models.CheckConstraint(
                condition=(Q(kind=DocumentKind.DIPLOMA) & Q(place__gte=1))
                | (Q(kind=DocumentKind.CERTIFICATE) & Q(place__isnull=True)),
                name="document_place_only_on_diplomas",
            ),
        ]

    def __str__(self) -> str:
        return self.number
