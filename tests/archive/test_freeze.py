"""Archiving: the snapshot's content, its canonical form, and a recount of every tally."""

from __future__ import annotations

import hashlib
import json
from collections import Counter, defaultdict

import pytest

from archive.models import ArchivedIdea, ArchivedVote, SessionArchive
from archive.services import canonical_json
from ideas.models import IdeaStatus, ModerationAction, Stage, Vote

pytestmark = pytest.mark.django_db


def test_archiving_needs_the_results_stage(session, moderator):
    from ideas import operations
    from ideas.errors import WrongStage

    with pytest.raises(WrongStage):
        operations.session_set_stage(session=session, actor=moderator, stage=Stage.ARCHIVED)
    assert not SessionArchive.objects.exists()


def test_snapshot_is_canonical_and_hashed(built):
    archive = built.archive
    assert archive.sha256 == hashlib.sha256(archive.snapshot.encode("utf-8")).hexdigest()
    document = json.loads(archive.snapshot)
    assert canonical_json(document) == archive.snapshot
    assert ": " not in archive.snapshot[:200] and "\n" not in archive.snapshot
    # No bare floats anywhere: every non-integer is a fixed six-decimal string.
    assert not any(isinstance(v, float) for v in _walk(document))
    assert document["format"] == "veche.archive/1"
    assert document["session"]["question"] == built.session.question
    assert document["forum"]["city"] == "Якутск"


def _walk(value):
    if isinstance(value, dict):
        for item in value.values():
            yield from _walk(item)
    elif isinstance(value, list):
        for item in value:
            yield from _walk(item)
    else:
        yield value


def test_round_trip_every_tally_matches_a_recount(built):
    """Re-read the stored snapshot and recount each idea's votes from the Vote rows."""
    document = json.loads(SessionArchive.objects.get(pk=built.archive.pk).snapshot)
    published = {i.pk for i in built.ideas.values() if i.status == IdeaStatus.PUBLISHED}
    assert {idea["id"] for idea in document["ideas"]} == published
    sectors = {p.pk: p.sector for p in built.participants}
    recount: dict[int, Counter] = defaultdict(Counter)
    by_sector: dict[int, dict[str, Counter]] = defaultdict(lambda: defaultdict(Counter))
    voters_by_sector: dict[str, set[int]] = defaultdict(set)
    for vote in Vote.objects.filter(idea__session=built.session):
        kind = "agree" if vote.value > 0 else "pass" if vote.value == 0 else "disagree"
        recount[vote.idea_id][kind] += 1
        by_sector[vote.idea_id][sectors[vote.participant_id]][kind] += 1
        voters_by_sector[sectors[vote.participant_id]].add(vote.participant_id)
    shown_sectors = {s for s, voters in voters_by_sector.items() if len(voters) >= 3}
    assert shown_sectors == {"government", "society", "business"}  # the lone expert stays hidden
    for idea in document["ideas"]:
        counts = recount[idea["id"]]
        tally = idea["tally"]
        assert (tally["agree"], tally["pass"], tally["disagree"]) == (counts["agree"], counts["pass"], counts["disagree"])
        assert tally["votes"] == sum(counts.values())
        assert tally["score"] == counts["agree"] - counts["disagree"]
        assert set(idea["by_sector"]) == shown_sectors
        for sector, block in idea["by_sector"].items():
            assert block["agree"] == by_sector[idea["id"]][sector]["agree"]
            assert block["disagree"] == by_sector[idea["id"]][sector]["disagree"]
        # Consensus recomputed by its definition: over sectors with at least three votes
        # on the idea (agree method), the product of (agree+1)/(votes+2).
        expected, counted = 1.0, 0
        for sector in voters_by_sector:
            block = by_sector[idea["id"]][sector]
            if sum(block.values()) >= 3:
                expected *= (block["agree"] + 1) / (sum(block.values()) + 2)
                counted += 1
        assert idea["consensus"] == (f"{round(expected, 6):.6f}" if counted else None)
    assert document["turnout"]["participants"] == len(built.participants)
    assert document["turnout"]["votes"] == Vote.objects.filter(idea__session=built.session).count()
    archived_votes = ArchivedVote.objects.filter(archive=built.archive)
    assert archived_votes.count() == Vote.objects.filter(idea__session=built.session, idea__status="published").count()
    assert document["votes"]["count"] == archived_votes.count()


def test_snapshot_content_groups_merges_moderation_timeline(built):
    document = json.loads(built.archive.snapshot)
    park, again, rude = built.ideas["park"], built.ideas["park_again"], built.ideas["rude"]
    group = next(g for g in document["groups"] if g["title"] == "Парки и набережные")
    assert group["keywords"] == ["парк", "река"]
    assert sorted(group["ideas"]) == sorted([park.pk, built.ideas["lights"].pk])
    [merge] = [m for m in document["merges"] if m["action"] == "merge"]
    record = ModerationAction.objects.get(action="idea.merge")
    assert merge["idea"] == again.pk and merge["into"] == park.pk
    assert merge["moved_votes"] == len(record.data["moved_votes"])
    assert merge["dropped_votes"] == len(record.data["dropped_votes"])
    assert merge["moved_votes"] + merge["dropped_votes"] == 4
    [merged] = document["merged_ideas"]
    assert merged["text"] == again.text and merged["into"] == park.pk
    assert next(i for i in document["ideas"] if i["id"] == park.pk)["merged_duplicates"] == [again.pk]
    moderation = document["moderation"]
    assert moderation["hidden_by_reason"] == {"off_topic": 1}
    assert moderation["ideas_by_status"]["hidden"] == 1
    assert rude.text not in built.archive.snapshot  # hidden texts are not published
    stages = [entry["to"] for entry in document["timeline"]]
    assert stages[-3:] == ["voting", "results", "archived"]
    assert document["top_ideas"][0] == park.pk
    assert [i["id"] for i in document["ideas"]][: len(document["top_ideas"])] == document["top_ideas"]
    by_id = {i["id"]: i for i in document["ideas"]}
    assert by_id[park.pk]["sector"] == "government"
    assert by_id[park.pk]["group"] == group["id"]


def test_search_rows_written(built):
    rows = ArchivedIdea.objects.filter(archive=built.archive)
    assert rows.count() == built.archive.ideas_count == 4


def test_archive_rows_refuse_save_and_delete(built):
    from archive.models import ArchiveImmutable

    archive = SessionArchive.objects.get(pk=built.archive.pk)
    archive.title = "changed"
    with pytest.raises(ArchiveImmutable):
        archive.save()
    with pytest.raises(ArchiveImmutable):
        archive.delete()
    assert SessionArchive.objects.get(pk=archive.pk).title == built.session.title
