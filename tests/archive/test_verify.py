"""`manage.py verify_archive`: a clean archive passes; any tampering is reported with a non-zero exit.

Every tamper goes behind the ORM's back (`queryset.update()` / `.delete()`, no model
logic runs), as a person with database access would, and must be reported with the
archive and the field it touched.
"""

from __future__ import annotations

import datetime
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from archive.models import ArchiveAddendum, ArchivedIdea, ArchivedVote, SessionArchive
from archive.services import archive_add_addendum, archive_verify, canonical_json

pytestmark = pytest.mark.django_db


def verify() -> str:
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


# --- every field the public reads --------------------------------------------------------------


def reported(archive: SessionArchive) -> set[str]:
    """The fields `archive_verify` reports for this archive (and it names no other archive)."""
    checked, mismatches = archive_verify()
    assert checked == SessionArchive.objects.count()
    assert {m.archive_id for m in mismatches} <= {archive.pk}
    return {m.what for m in mismatches}


def test_untouched_archive_reports_nothing(built, moderator):
    archive_add_addendum(archive=built.archive, actor=moderator, text="Поправка")
    archive_add_addendum(archive=built.archive, actor=moderator, text="Ещё одна")
    assert reported(built.archive) == set()


ARCHIVE_COLUMNS = {
    "title": "Подменённый заголовок",
    "question": "Подменённый вопрос?",
    "city": "Мирный",
    "forum_title": "Подменённый форум",
    "held_on": datetime.date(1999, 1, 1),
    "ideas_count": 99,
    "participants_count": 1000,
    "archived_at": datetime.datetime(2001, 1, 1, tzinfo=datetime.UTC),
    "city_folded": "мирный",
    "text_folded": "подмена",
    "votes_sha256": "0" * 64,
}


@pytest.mark.parametrize("field", sorted(ARCHIVE_COLUMNS))
def test_each_archive_column_is_checked(built, field):
    SessionArchive.objects.filter(pk=built.archive.pk).update(**{field: ARCHIVE_COLUMNS[field]})
    assert field in reported(built.archive)
    out = StringIO()
    with pytest.raises(CommandError, match="1 of 1 archives"):
        call_command("verify_archive", stdout=out, stderr=out)
    assert f"archive #{built.archive.pk}: {field}:" in out.getvalue()


def test_archive_moved_to_another_forum_is_reported(built):
    from tests.conftest import ForumFactory

    SessionArchive.objects.filter(pk=built.archive.pk).update(forum=ForumFactory(is_public=True))
    assert "forum_id" in reported(built.archive)


def top_search_row(built) -> ArchivedIdea:
    return ArchivedIdea.objects.filter(archive=built.archive, idea_id=built.ideas["park"].pk).get()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("votes", 500),
        ("score", 500),
        ("sector", "business"),
        ("group_title", "Подменённая группа"),
        ("title", "Подмена"),
        ("text", "Подменённый текст идеи"),
    ],
)
def test_each_search_row_field_is_checked(built, field, value):
    row = top_search_row(built)
    assert getattr(row, field) != value
    ArchivedIdea.objects.filter(pk=row.pk).update(**{field: value})
    checked, mismatches = archive_verify()
    found = [m for m in mismatches if m.what == f"search.{field}"]
    assert [m.archive_id for m in found] == [built.archive.pk]
    assert f"idea #{row.idea_id}" in found[0].detail
    assert repr(value) in found[0].detail


def test_dropped_search_row_is_reported(built):
    row = top_search_row(built)
    ArchivedIdea.objects.filter(pk=row.pk).delete()
    assert reported(built.archive) == {"search rows"}


@pytest.mark.parametrize("which", ["newest", "oldest", "every"])
def test_deleted_addendum_is_reported(built, moderator, which):
    added = [archive_add_addendum(archive=built.archive, actor=moderator, text=f"Поправка {n}") for n in range(3)]
    doomed = {"newest": added[-1:], "oldest": added[:1], "every": added}[which]
    ArchiveAddendum.objects.filter(pk__in=[a.pk for a in doomed]).delete()
    assert "addenda" in reported(built.archive)


def test_edited_addendum_time_is_reported(built, moderator):
    addendum = archive_add_addendum(archive=built.archive, actor=moderator, text="Поправка")
    ArchiveAddendum.objects.filter(pk=addendum.pk).update(created_at=addendum.created_at - datetime.timedelta(days=1))
    assert reported(built.archive) == {f"addendum #{addendum.pk}"}


def test_addenda_head_follows_the_chain(built, moderator):
    first = archive_add_addendum(archive=built.archive, actor=moderator, text="Первая")
    second = archive_add_addendum(archive=built.archive, actor=moderator, text="Вторая")
    built.archive.refresh_from_db()
    assert (built.archive.addenda_count, built.archive.addenda_sha256) == (2, second.sha256)
    assert second.previous_sha256 == first.sha256


def test_renaming_the_forum_later_leaves_the_record_alone(built, api):
    """The list and the API show the forum's title as it was; the live forum may be renamed."""
    original = built.archive.forum.title
    type(built.archive.forum).objects.filter(pk=built.archive.forum_id).update(title="Новое имя форума")
    row = api(None).get("/api/v1/archive/").json()["results"][0]
    assert row["forum_title"] == original
    assert reported(built.archive) == set()
