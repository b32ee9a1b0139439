"""Every contest change through `contests.operations`: what it writes, and what it refuses (nothing written)."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from django.utils import translation

from contests import operations, selectors
from contests.models import (
    ConflictDeclaration,
    ContestArchive,
    ContestStage,
    JurorAssignment,
    PublicVote,
    RegulationsVersion,
    Score,
    ScoreChange,
)
from ideas.errors import Conflict, DomainError, Forbidden, InvalidInput, WrongStage
from tests.contests.conftest import World, entry_data, join

ALL = {"relevance": 7, "impact": 8, "replicability": 6}


def to_selection(world: World) -> None:
    operations.jury_assign(contest=world.contest, actor=world.organiser)
    operations.contest_set_stage(contest=world.contest, actor=world.organiser, stage="selection")
    world.contest.refresh_from_db()


def assigned(world: World, juror_index: int) -> list[Any]:
    return [a.entry for a in JurorAssignment.objects.filter(juror=world.jurors[juror_index], recused=False)]


def test_assignment_plan_is_balanced_and_deterministic() -> None:
    entries, jurors = list(range(100, 137)), list(range(1, 8))
    plan = operations.assignment_plan(entries, jurors, set(), {}, 3)
    assert plan == operations.assignment_plan(entries, jurors, set(), {}, 3)
    loads = [sum(j in chosen for chosen in plan.values()) for j in jurors]
    assert all(len(set(chosen)) == 3 for chosen in plan.values()) and len(plan) == 37
    assert max(loads) - min(loads) <= 1
    conflicts = {(1, 100), (2, 100), (3, 101)}
    plan = operations.assignment_plan(entries, jurors, conflicts, {}, 3)
    assert not any((j, e) in conflicts for e, chosen in plan.items() for j in chosen)
    loads = [sum(j in chosen for chosen in plan.values()) for j in jurors]
    assert max(loads) - min(loads) <= 1


def test_publishing_freezes_the_regulations_and_amendments_need_a_reason(world: World) -> None:
    contest = world.contest
    assert contest.regulations_version == 1
    changed = copy.deepcopy(contest.regulations)
    changed["min_jurors"] = 3
    with pytest.raises(InvalidInput) as refused:
        operations.regulations_update(contest=contest, actor=world.organiser, regulations_document=changed)
    assert refused.value.fields.keys() == {"reason"}
    contest.refresh_from_db()
    assert contest.regulations["min_jurors"] == 2 and RegulationsVersion.objects.filter(contest=contest).count() == 1
    operations.regulations_update(
        contest=contest, actor=world.organiser, regulations_document=changed, reason="Жюри расширено"
    )
    versions = list(RegulationsVersion.objects.filter(contest=contest).values_list("version", "reason"))
    assert versions == [(1, ""), (2, "Жюри расширено")]
    with pytest.raises(Forbidden):
        operations.regulations_update(contest=contest, actor=world.outsider, regulations_document=changed, reason="x")


def test_bad_regulations_are_refused_in_russian(world: World) -> None:
    broken = copy.deepcopy(world.contest.regulations)
    broken["criteria"][0]["levels"] = broken["criteria"][0]["levels"][:5]
    with translation.override("ru"), pytest.raises(InvalidInput) as refused:
        operations.regulations_update(contest=world.contest, actor=world.organiser, regulations_document=broken, reason="x")
    assert "0 до 10" in str(refused.value.message)


def test_conflicts_are_detected_and_assignment_respects_them(world: World) -> None:
    juror = world.jurors[0]
    # An entry from the juror's own organisation: detected at submission.
    entry = operations.entry_submit(
        contest=world.contest, actor=world.outsider, data=entry_data(9, organisation="фонд 0")
    )
    assert ConflictDeclaration.objects.filter(juror=juror, entry=entry, source="organisation").exists()
    result = operations.jury_assign(contest=world.contest, actor=world.organiser)
    assert result["short"] == []
    assert not JurorAssignment.objects.filter(juror=juror, entry=entry).exists()
    counts = [JurorAssignment.objects.filter(entry=e).count() for e in world.contest.entries.all()]
    assert set(counts) == {2}
    loads = [JurorAssignment.objects.filter(juror=j).count() for j in world.jurors]
    assert max(loads) - min(loads) <= 1
    # Re-running adds nothing.
    assert operations.jury_assign(contest=world.contest, actor=world.organiser)["added"] == 0


def test_scoring_rules_and_refusals(world: World) -> None:
    with pytest.raises(WrongStage):  # before the selection
        operations.jury_assign(contest=world.contest, actor=world.organiser) and operations.score_save(
            contest=world.contest, entry=assigned(world, 0)[0], actor=world.juror_user(0), scores=ALL
        )
    to_selection(world)
    mine, user = assigned(world, 0), world.juror_user(0)
    not_mine = next(e for e in world.entries if e not in mine)
    for scores, error in (({"impact": 11}, InvalidInput), ({"impact": -1}, InvalidInput),
                          ({"impact": 5.5}, InvalidInput), ({"nope": 5}, InvalidInput)):
        with pytest.raises(error):
            operations.score_save(contest=world.contest, entry=mine[0], actor=user, scores=scores)
    with pytest.raises(Forbidden):
        operations.score_save(contest=world.contest, entry=not_mine, actor=user, scores=ALL)
    with pytest.raises(InvalidInput):  # submitting an incomplete sheet
        operations.score_save(contest=world.contest, entry=mine[0], actor=user, scores={"impact": 5}, submit=True)
    assert not Score.objects.exists()
    operations.score_save(contest=world.contest, entry=mine[0], actor=user, scores={"impact": 5})
    operations.score_save(contest=world.contest, entry=mine[0], actor=user, scores=ALL, submit=True)
    with pytest.raises(InvalidInput):  # a change after submission needs a reason
        operations.score_save(contest=world.contest, entry=mine[0], actor=user, scores={"impact": 9})
    operations.score_save(contest=world.contest, entry=mine[0], actor=user, scores={"impact": 9}, reason="после защиты")
    assert list(ScoreChange.objects.values_list("criterion", "old_value", "new_value")) == [("impact", 8, 9)]
    # A declared conflict recuses: the sheet stops counting, scoring is refused.
    operations.conflict_declare(contest=world.contest, entry=mine[1], actor=user, reason="Мой сосед")
    with pytest.raises(Forbidden):
        operations.score_save(contest=world.contest, entry=mine[1], actor=user, scores=ALL)
    # After the stage closes, nothing more.
    operations.contest_set_stage(contest=world.contest, actor=world.organiser, stage="defence")
    operations.contest_set_stage(contest=world.contest, actor=world.organiser, stage="results")
    with pytest.raises(WrongStage):
        operations.score_save(contest=world.contest, entry=mine[0], actor=user, scores={"impact": 1}, reason="x")


def test_public_vote_once_per_nomination_only_when_open(world: World) -> None:
    to_selection(world)
    viewer = join(world.session).participant
    entry = world.entries[0]
    with pytest.raises(WrongStage):
        operations.public_vote_set_open(contest=world.contest, actor=world.organiser, nomination="tos", is_open=True)
    operations.contest_set_stage(contest=world.contest, actor=world.organiser, stage="defence")
    with pytest.raises(WrongStage):  # the nomination is closed
        operations.public_vote_cast(contest=world.contest, participant=viewer, entry=entry)
    operations.public_vote_set_open(contest=world.contest, actor=world.organiser, nomination="tos", is_open=True)
    operations.public_vote_cast(contest=world.contest, participant=viewer, entry=entry)
    with pytest.raises(Conflict) as second:
        operations.public_vote_cast(contest=world.contest, participant=viewer, entry=world.entries[1])
    assert second.value.code == "already_voted"
    with pytest.raises(WrongStage):  # "nko" never opened
        operations.public_vote_cast(contest=world.contest, participant=viewer, entry=world.entries[5])
    with pytest.raises(Forbidden):
        operations.public_vote_cast(contest=world.contest, participant=None, entry=entry)
    assert PublicVote.objects.count() == 1


def test_a_burst_from_one_address_is_kept_but_flagged(world: World) -> None:
    to_selection(world)
    operations.contest_set_stage(contest=world.contest, actor=world.organiser, stage="defence")
    operations.public_vote_set_open(contest=world.contest, actor=world.organiser, nomination="tos", is_open=True)
    for n in range(operations.BURST_ADDRESS_VOTES):
        operations.public_vote_cast(
            contest=world.contest, participant=join(world.session, f"v{n}").participant, entry=world.entries[0],
            address="10.0.0.1",
        )
    operations.public_vote_cast(
        contest=world.contest, participant=join(world.session, "other").participant, entry=world.entries[0],
        address="10.0.0.2",
    )
    assert PublicVote.objects.count() == operations.BURST_ADDRESS_VOTES + 1
    assert PublicVote.objects.filter(flagged=True).count() == operations.BURST_ADDRESS_VOTES


def score_everything(world: World, values: dict[int, int] | None = None) -> None:
    for index, juror in enumerate(world.jurors):
        for entry in assigned(world, index):
            value = (values or {}).get(index, 7)
            operations.score_save(
                contest=world.contest, entry=entry, actor=juror.user,
                scores=dict.fromkeys(ALL, value), submit=True,
            )


def test_finalise_requires_discussing_disputes_and_freezes_into_the_archive(world: World) -> None:
    from archive.services import canonical_json, sha256_text

    to_selection(world)
    score_everything(world, {0: 1, 1: 9, 2: 5, 3: 5})
    for stage in ("defence", "results"):
        operations.contest_set_stage(contest=world.contest, actor=world.organiser, stage=stage)
    results = selectors.results_for(world.contest)
    assert results.disputed  # juror 0 gives 1, juror 1 gives 9 where they share entries
    with pytest.raises(Conflict) as refused:
        operations.contest_finalise(contest=world.contest, actor=world.organiser)
    assert refused.value.code == "disputed" and not ContestArchive.objects.exists()
    with pytest.raises(Forbidden):
        operations.contest_finalise(contest=world.contest, actor=world.juror_user(0), discussed=results.disputed)
    archive = operations.contest_finalise(contest=world.contest, actor=world.organiser, discussed=results.disputed)
    world.contest.refresh_from_db()
    assert world.contest.stage == ContestStage.FINALISED
    assert archive.sha256 == sha256_text(archive.snapshot)
    assert operations.archive_verify(archive) == []
    document = selectors.results_document(
        world.contest, results, finalised_at=archive.archived_at, discussed=sorted(results.disputed)
    )
    assert canonical_json(document) == archive.snapshot  # the same results, recomputed, give the same bytes
    assert '"by_juror":{"J' in archive.snapshot  # pseudonyms, never user ids
    with pytest.raises(DomainError):
        operations.regulations_update(
            contest=world.contest, actor=world.organiser, regulations_document=world.contest.regulations, reason="x"
        )
