"""library.operations: consent (who, when, how), versions kept, who may publish, update, withdraw."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.utils import translation

from contests import operations as contest_operations
from contests.models import ContestStage, EntryStatus, JurorAssignment
from contests.selectors import results_for
from ideas.errors import Conflict, Forbidden, InvalidInput
from library import operations
from library.models import ConsentKind, Practice, PracticeVersion
from tests.library.conftest import Shelf

pytestmark = pytest.mark.django_db


def nothing_written() -> bool:
    return not Practice.objects.exists() and not PracticeVersion.objects.exists()


# --- refusals first ------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["anonymous", "stranger", "other_team"])
def test_only_the_team_or_an_organiser_may_publish(bare_shelf: Shelf, who: str) -> None:
    actor = AnonymousUser() if who == "anonymous" else getattr(bare_shelf, who)
    with translation.override("ru"), pytest.raises(Forbidden) as refused:
        operations.practice_publish(entry=bare_shelf.entries["Каток всем двором"], actor=actor)
    assert refused.value.status_code == 403
    assert "команда" in str(refused.value.message) or "команда" in str(refused.value.message).lower()
    assert nothing_written()


def test_an_organiser_must_describe_the_written_consent(bare_shelf: Shelf) -> None:
    with translation.override("ru"), pytest.raises(InvalidInput) as refused:
        operations.practice_publish(entry=bare_shelf.entries["Каток всем двором"], actor=bare_shelf.organiser)
    assert "письменное согласие" in str(refused.value.message)
    assert refused.value.fields == {"note": [refused.value.message]}
    assert nothing_written()


def test_an_entry_not_admitted_cannot_go_into_the_library(bare_shelf: Shelf) -> None:
    entry = contest_operations.entry_screen(
        entry=bare_shelf.entries["Тайный проект"], actor=bare_shelf.organiser, status=EntryStatus.REJECTED,
        note="Не по теме конкурса",
    )
    with translation.override("en"), pytest.raises(Conflict) as refused:
        operations.practice_publish(entry=entry, actor=bare_shelf.other_team)
    assert str(refused.value.message) == "Only an entry admitted to the contest can go into the library."
    assert nothing_written()


def test_publishing_twice_is_refused(shelf: Shelf) -> None:
    with pytest.raises(Conflict) as refused:
        operations.practice_publish(entry=shelf.entries["Каток всем двором"], actor=shelf.team)
    assert refused.value.code == "already_published"
    assert shelf.practice("Каток всем двором").versions.count() == 1


@pytest.mark.parametrize("who", ["stranger", "other_team"])
def test_only_the_team_or_an_organiser_may_update_or_withdraw(shelf: Shelf, who: str) -> None:
    practice = shelf.practice("Каток всем двором")
    with pytest.raises(Forbidden):
        operations.practice_update(practice=practice, actor=getattr(shelf, who), data={"results": "Другое"})
    with pytest.raises(Forbidden):
        operations.practice_withdraw(practice=practice, actor=getattr(shelf, who))
    practice.refresh_from_db()
    assert practice.versions.count() == 1 and practice.withdrawn_at is None


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Send the fields to change."),
        ({"sponsor": "x"}, "Unknown fields: sponsor"),
        ({"results": "   "}, None),
        ({"results": "За сезон приходят более 400 человек, прошли турниры двора."}, "Nothing changed: the card already says this."),
    ],
)
def test_bad_updates_are_refused_and_write_nothing(shelf: Shelf, data: dict[str, Any], message: str | None) -> None:
    practice = shelf.practice("Каток всем двором")
    with translation.override("en"), pytest.raises(InvalidInput) as refused:
        operations.practice_update(practice=practice, actor=shelf.team, data=data)
    if message:
        assert str(refused.value.message) == message
    assert practice.versions.count() == 1


# --- consent and versions -----------------------------------------------------------------------


def test_the_team_publishes_with_consent_recorded_and_the_entry_copied(bare_shelf: Shelf) -> None:
    entry = bare_shelf.entries["Каток всем двором"]
    practice = operations.practice_publish(entry=entry, actor=bare_shelf.team, public_contacts="katok@example.ru")
    practice.refresh_from_db()
    assert practice.consent_kind == ConsentKind.TEAM
    assert practice.consent_by == bare_shelf.team and practice.consent_at is not None
    version = practice.current_version
    assert version is not None and version.number == 1
    for name in ("title", "organisation", "territory", "problem", "actions", "resources", "results"):
        assert getattr(version, name) == getattr(entry, name)
    # The entry's own contacts stay with the organisers: only what the team chose is public.
    assert version.contacts == "katok@example.ru" and "жюри" not in version.contacts
    assert (practice.nomination, practice.nomination_title, practice.year) == ("tos", "Лучшая практика ТОС", 2026)
    assert version.embedding is not None and version.embedding_model.startswith("use-")


def test_an_organiser_records_the_teams_written_consent(bare_shelf: Shelf) -> None:
    practice = operations.practice_publish(
        entry=bare_shelf.entries["Двор без границ"], actor=bare_shelf.organiser,
        note="Письмо председателя ТОС от 12 сентября",
    )
    practice.refresh_from_db()
    assert practice.consent_kind == ConsentKind.WRITTEN
    assert practice.consent_by == bare_shelf.organiser
    assert practice.consent_note == "Письмо председателя ТОС от 12 сентября"


def test_an_update_is_a_new_version_and_the_earlier_one_is_kept(shelf: Shelf) -> None:
    practice = shelf.practice("Каток всем двором")
    first = practice.current_version
    assert first is not None
    before = {name: getattr(first, name) for name in operations.CARD_FIELDS}
    second = operations.practice_update(
        practice=practice, actor=shelf.team, data={"results": "Три зимы подряд, 1 200 человек"}, note="Итоги сезона",
    )
    third = operations.practice_update(
        practice=practice, actor=shelf.organiser, data={"title": "Каток всем двором — третья зима"},
    )
    practice.refresh_from_db()
    assert [v.number for v in practice.versions.order_by("number")] == [1, 2, 3]
    assert practice.current_version == third
    first.refresh_from_db()
    assert {name: getattr(first, name) for name in operations.CARD_FIELDS} == before  # never rewritten
    assert second.results == "Три зимы подряд, 1 200 человек" and second.note == "Итоги сезона"
    assert third.results == second.results and third.title == "Каток всем двором — третья зима"


def test_withdrawn_then_published_again_keeps_its_versions(shelf: Shelf) -> None:
    practice = shelf.practice("Серебряный университет")
    assert practice.withdrawn_at is not None
    with pytest.raises(Conflict):
        operations.practice_update(practice=practice, actor=shelf.team, data={"results": "Новые итоги"})
    with pytest.raises(Conflict):
        operations.practice_withdraw(practice=practice, actor=shelf.team)
    again = operations.practice_publish(entry=shelf.entries["Серебряный университет"], actor=shelf.team)
    assert again.pk == practice.pk and again.withdrawn_at is None
    assert again.versions.count() == 1


def test_a_concurrent_update_on_a_stale_card_is_refused(shelf: Shelf) -> None:
    stale = shelf.practice("Двор без границ")
    operations.practice_update(practice=shelf.practice("Двор без границ"), actor=shelf.team, data={"results": "Один"})
    with pytest.raises(Conflict) as refused:
        operations.practice_update(practice=stale, actor=shelf.team, data={"results": "Другой"})
    assert refused.value.code == "stale"
    assert stale.versions.count() == 2


# --- prizes from the finalised contest ----------------------------------------------------------


def test_prizes_come_from_the_finalised_archive(shelf: Shelf, django_capture_on_commit_callbacks: Any) -> None:
    contest = shelf.contests["a"]
    organiser = shelf.organiser
    users = get_user_model().objects
    jurors = [
        contest_operations.juror_add(contest=contest, actor=organiser, user=users.create_user(f"juror{i}"),
                                     organisation=f"Фонд {i}", territory=f"Город {i}")
        for i in range(3)
    ]
    contest_operations.jury_assign(contest=contest, actor=organiser)
    contest_operations.contest_set_stage(contest=contest, actor=organiser, stage="selection")
    # «Каток» scores best in its nomination, «Двор без границ» second.
    best = {shelf.entries["Каток всем двором"].pk: 9, shelf.entries["Двор без границ"].pk: 6}
    for juror in jurors:
        for assignment in JurorAssignment.objects.filter(juror=juror, recused=False).select_related("entry"):
            value = best.get(assignment.entry_id, 3)
            contest_operations.score_save(
                contest=contest, entry=assignment.entry, actor=juror.user,
                scores={code: value for code in contest.criterion_codes()}, submit=True,
            )
    for stage in ("defence", "results"):
        contest_operations.contest_set_stage(contest=contest, actor=organiser, stage=stage)
    assert shelf.practice("Каток всем двором").prizes == []  # published before the results
    with django_capture_on_commit_callbacks(execute=True):
        contest_operations.contest_finalise(contest=contest, actor=organiser, discussed=results_for(contest).disputed)
    contest.refresh_from_db()
    assert contest.stage == ContestStage.FINALISED
    assert shelf.practice("Каток всем двором").prizes == [{"kind": "place", "place": 1}]
    assert shelf.practice("Двор без границ").prizes == [{"kind": "place", "place": 2}]
    # A practice published after the results takes its prize at once.
    assert operations.prizes_of(shelf.entries["Тайный проект"]) == [{"kind": "place", "place": 3}]
