"""`manage.py verify_archive`: a clean archive passes; any tampering is reported with a non-zero exit."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from archive.models import ArchiveAddendum, ArchivedIdea, ArchivedVote, SessionArchive
from archive.services import archive_add_addendum, canonical_json

pytestmark = pytest.mark.django_db


def verify() -> str:
    from io import StringIO

    out = StringIO()
    call_command("verify_archive", stdout=out, stderr=out)
    return out.getvalue()


def test_clean_archive_verifies(built, moderator):
    archive_add_addendum(archive=built.archive, actor=moderator, text="Уточнение: сессия шла 2 часа")
    assert "1 archives checked, all hashes match" in verify()


def test_tampered_snapshot_fails(built):
    document = json.loads(built.archive.snapshot)
    document["ideas"][0]["tally"]["score"] += 100
    SessionArchive.objects.filter(pk=built.archive.pk).update(snapshot=canonical_json(document))
    with pytest.raises(CommandError, match="1 of 1 archives"):
        verify()


def test_tampered_snapshot_and_hash_together_still_fail_on_votes(built):
    """Re-hashing an edited snapshot does not help: the vote rows no longer agree with it."""
    from archive.services import sha256_text

    document = json.loads(built.archive.snapshot)
    document["votes"]["sha256"] = "0" * 64
    text = canonical_json(document)
    SessionArchive.objects.filter(pk=built.archive.pk).update(snapshot=text, sha256=sha256_text(text))
    with pytest.raises(CommandError):
        verify()


def test_whitespace_only_change_fails(built):
    SessionArchive.objects.filter(pk=built.archive.pk).update(snapshot=built.archive.snapshot + " ")
    with pytest.raises(CommandError):
        verify()


def test_tampered_vote_fails(built):
    vote = ArchivedVote.objects.filter(archive=built.archive).first()
    ArchivedVote.objects.filter(pk=vote.pk).update(value=-vote.value if vote.value else 1)
    with pytest.raises(CommandError):
        verify()


def test_tampered_search_row_fails(built):
    ArchivedIdea.objects.filter(archive=built.archive).update(text="подменённый текст")
    with pytest.raises(CommandError):
        verify()


def test_tampered_or_dropped_addendum_fails(built, moderator):
    first = archive_add_addendum(archive=built.archive, actor=moderator, text="Первая поправка")
    archive_add_addendum(archive=built.archive, actor=moderator, text="Вторая поправка")
    ArchiveAddendum.objects.filter(pk=first.pk).update(text="Переписанная поправка")
    with pytest.raises(CommandError):
        verify()


def test_addendum_needs_a_moderator(built, outsider):
    from ideas.errors import Forbidden

    with pytest.raises(Forbidden):
        archive_add_addendum(archive=built.archive, actor=outsider, text="Не мне решать")
