"""The city's archive: frozen session outcomes, their corrections, and the search index.

`SessionArchive.snapshot` is the record: canonical JSON whose SHA-256 is stored
beside it and re-checked by `manage.py verify_archive`. Everything else here
(`ArchivedIdea`, `ArchivedVote`) is derived from the same moment, for search
and for the vote-level export; the snapshot commits to the votes through
`votes_sha256`, so they cannot drift unnoticed either.

Rows are written once. Corrections are `ArchiveAddendum` rows linked to the
archive, each hashed together with the archive's hash and the previous
addendum's, so an addendum cannot be edited or dropped silently. The archive row
keeps the chain's length and last hash (`addenda_count`, `addenda_sha256`): the
only fields that ever move, forward, when a correction is added, so dropping the
newest addendum breaks the chain too.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.utils.translation import gettext_lazy as _


class ArchiveImmutable(Exception):
    """Raised when code tries to change or delete a written archive row."""


class WriteOnceModel(models.Model):
    """Refuses `save()` of an existing row and `delete()`: the archive is append-only.

    Queryset `update()`/`delete()` bypass this on purpose (migrations, the tamper
    test); `verify_archive` is what catches changes made behind the ORM's back.
    """

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ArchiveImmutable(f"{type(self).__name__} #{self.pk} is archived and cannot change")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise ArchiveImmutable(f"{type(self).__name__} #{self.pk} is archived and cannot be deleted")


class SessionArchive(WriteOnceModel):
    session = models.OneToOneField(
        "ideas.CaseSession", on_delete=models.PROTECT, related_name="archive", verbose_name=_("session")
    )
    # Copied out of the snapshot so the list can filter without parsing JSON.
    forum = models.ForeignKey(
        "ideas.Forum", on_delete=models.PROTECT, null=True, blank=True, related_name="archives",
        verbose_name=_("forum"),
    )
    title = models.CharField(_("title"), max_length=200)
    question = models.CharField(_("question"), max_length=500)
    # The forum's title as it was when the session closed (the forum itself may be renamed later).
    forum_title = models.CharField(_("forum title"), max_length=200, blank=True)
    city = models.CharField(_("city"), max_length=120, blank=True)
    held_on = models.DateField(_("held on"), db_index=True)
    # Case-folded copies for the list filters: SQLite's LIKE folds ASCII only, so
    # `icontains` would miss «якутск» for «Якутск».
    city_folded = models.CharField(max_length=120, blank=True, editable=False)
    text_folded = models.TextField(blank=True, editable=False)
    ideas_count = models.PositiveIntegerField(_("ideas"), default=0)
    participants_count = models.PositiveIntegerField(_("participants"), default=0)
    snapshot = models.TextField(_("snapshot (canonical JSON)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    votes_sha256 = models.CharField(_("SHA-256 of the votes export"), max_length=64)
    # The head of the addendum chain, moved by `archive_add_addendum` only.
    addenda_count = models.PositiveIntegerField(_("addenda"), default=0, editable=False)
    addenda_sha256 = models.CharField(_("SHA-256 of the last addendum"), max_length=64, blank=True, editable=False)
    archived_at = models.DateTimeField(_("archived at"), db_index=True)
    archived_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("archived by"),
    )

    class Meta:
        ordering = ["-archived_at", "-id"]
        verbose_name = _("session archive")
        verbose_name_plural = _("session archives")

    def __str__(self) -> str:
        return f"{self.title} ({self.archived_at:%Y-%m-%d})"


class ArchiveAddendum(WriteOnceModel):
    """A correction published next to the frozen record; the record itself never changes."""

    archive = models.ForeignKey(SessionArchive, on_delete=models.PROTECT, related_name="addenda")
    text = models.TextField(_("text"), max_length=5000)
    created_at = models.DateTimeField(_("created at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # sha256 over the canonical JSON of {archive hash, previous addendum hash, text, time}.
    previous_sha256 = models.CharField(max_length=64, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("archive addendum")
        verbose_name_plural = _("archive addenda")

    def __str__(self) -> str:
        return self.text[:60]


class ArchivedIdea(WriteOnceModel):
    """One published idea of an archived session, as the search index sees it."""

    archive = models.ForeignKey(SessionArchive, on_delete=models.PROTECT, related_name="ideas")
    idea_id = models.BigIntegerField()  # the live idea's id, as the snapshot names it
    title = models.CharField(max_length=120, blank=True)
    text = models.TextField()
    sector = models.CharField(max_length=32, blank=True)
    group_title = models.CharField(max_length=200, blank=True)
    score = models.IntegerField(default=0)
    votes = models.PositiveIntegerField(default=0)
    # SQLite fallback: normalised terms, space-delimited on both ends (archive.text).
    lemmas = models.TextField(blank=True)
    # PostgreSQL: russian || english tsvector, filled at freeze time; a GIN index is
    # created by migration 0002 on PostgreSQL only.
    search_vector = SearchVectorField(null=True, blank=True)
    embedding = models.BinaryField(null=True, blank=True)  # float32, L2-normalised, as in ideas.Idea
    embedding_model = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["archive_id", "-score", "idea_id"]
        constraints = [models.UniqueConstraint(fields=["archive", "idea_id"], name="archived_idea_once")]
        indexes = [models.Index(fields=["embedding_model", "id"], name="archived_idea_model_idx")]

    def __str__(self) -> str:
        return self.text[:60]


class ArchivedVote(WriteOnceModel):
    """One final vote on a published idea, under a pseudonymous voter number (Polis export)."""

    archive = models.ForeignKey(SessionArchive, on_delete=models.PROTECT, related_name="votes")
    idea_id = models.BigIntegerField()
    voter = models.PositiveIntegerField()  # 0..n-1 within the archive; never a participant id
    value = models.SmallIntegerField()
    voted_at = models.DateTimeField()

    class Meta:
        ordering = ["archive_id", "voted_at", "id"]
        constraints = [models.UniqueConstraint(fields=["archive", "idea_id", "voter"], name="archived_vote_once")]

    def __str__(self) -> str:
        return f"{self.voter}→{self.idea_id}: {self.value}"
