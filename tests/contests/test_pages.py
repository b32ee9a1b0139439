"""The contest pages through Django's test client: who may open what, what each page shows and
never shows, and refusals in words (Russian by default, English on request), nothing written."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.signing import get_cookie_signer
from django.test import Client

from contests import operations
from contests.models import ContestStage, JurorAssignment, Score, ScoreChange
from pages import access
from tests.contests.conftest import World, join

pytestmark = pytest.mark.django_db


def client(user: Any = None, language: str = "ru") -> Client:
    browser = Client(HTTP_ACCEPT_LANGUAGE=language)
    if user is not None:
        browser.force_login(user)
    return browser


def text(response: Any) -> str:
    return str(response.content.decode())


@pytest.fixture
def selection(world: World) -> World:
    """Jurors assigned, the selection under way."""
    operations.jury_assign(contest=world.contest, actor=world.organiser)
    operations.contest_set_stage(contest=world.contest, actor=world.organiser, stage="selection")
    world.contest.refresh_from_db()
    return world


def assignment(world: World, index: int = 0) -> JurorAssignment:
    found = (
        JurorAssignment.objects.filter(juror=world.jurors[index], recused=False)
        .order_by("entry_id")
        .first()
    )
    assert found is not None
    return found


def all_scores(world: World, value: int = 7) -> dict[str, str]:
    return {f"score_{code}": str(value) for code in world.contest.criterion_codes()}


def sheet_url(world: World, entry_id: int) -> str:
    return f"/c/{world.contest.pk}/jury/{entry_id}/"


# --- who may open what ---------------------------------------------------------------------------


def test_a_draft_contest_is_no_contest_to_outsiders(world: World) -> None:
    operations_contest = world.contest
    operations_contest.stage = ContestStage.DRAFT
    operations_contest.regulations_version = 0
    operations_contest.save(update_fields=["stage", "regulations_version"])
    for user in (None, world.outsider):
        for path in ("", "jury/", "organise/", "results/", "screen/"):
            response = client(user).get(f"/c/{world.contest.pk}/{path}")
            assert response.status_code in (404, 302), (user, path)
            if response.status_code == 302:
                assert "/accounts/login/" in response["Location"]
    assert client(world.organiser).get(f"/c/{world.contest.pk}/").status_code == 200


def test_jury_pages_refuse_everyone_but_jurors(selection: World) -> None:
    world = selection
    url = f"/c/{world.contest.pk}/jury/"
    assert client().get(url).status_code == 302  # anonymous: sign in first
    joined = join(world.session)
    phone = client()
    name = access.cookie_name(joined.participant.session_id)
    phone.cookies[name] = get_cookie_signer(salt=name + access.COOKIE_SALT).sign(joined.token)
    assert phone.get(url).status_code == 302  # a joined participant has no account
    refused = client(world.outsider).get(url)
    assert refused.status_code == 403
    assert "Только члены жюри конкурса" in text(refused)
    refused = client(world.organiser).get(url)  # organisers see progress, not the jurors' pages
    assert refused.status_code == 403
    page = client(world.juror_user(0)).get(url)
    assert page.status_code == 200
    mine = set(
        JurorAssignment.objects.filter(juror=world.jurors[0]).values_list("entry__title", flat=True)
    )
    for entry in world.entries:
        assert (entry.title in text(page)) == (entry.title in mine)


def test_a_juror_cannot_open_an_entry_not_assigned_to_them(selection: World) -> None:
    world = selection
    mine = set(
        JurorAssignment.objects.filter(juror=world.jurors[0]).values_list("entry_id", flat=True)
    )
    other = next(entry for entry in world.entries if entry.pk not in mine)
    browser = client(world.juror_user(0))
    assert browser.get(sheet_url(world, other.pk)).status_code == 404
    response = browser.post(sheet_url(world, other.pk), {**all_scores(world), "action": "submit"})
    assert response.status_code == 404
    assert not Score.objects.filter(
        assignment__entry=other, assignment__juror=world.jurors[0]
    ).exists()


def test_a_recused_juror_sees_the_mark_and_cannot_score(selection: World) -> None:
    world = selection
    sheet = assignment(world, 1)
    operations.conflict_declare(
        contest=world.contest, entry=sheet.entry, actor=world.juror_user(1), reason="Консультировал"
    )
    browser = client(world.juror_user(1))
    listing = text(browser.get(f"/c/{world.contest.pk}/jury/"))
    assert "Отвод: конфликт интересов" in listing
    page = browser.get(sheet_url(world, sheet.entry_id))
    assert page.status_code == 200
    assert "конфликта интересов" in text(page) and 'name="score_impact"' not in text(page)
    refused = browser.post(
        sheet_url(world, sheet.entry_id), {**all_scores(world), "action": "submit"}
    )
    assert refused.status_code == 403
    assert "отвод" in text(refused).lower()
    assert not Score.objects.filter(assignment=sheet).exists()


def test_the_organiser_page_is_for_organisers_only(selection: World) -> None:
    world = selection
    url = f"/c/{world.contest.pk}/organise/"
    assert client().get(url).status_code == 302
    for user in (world.outsider, world.juror_user(0)):
        refused = client(user).get(url)
        assert refused.status_code == 403
        assert "Только организаторы конкурса" in text(refused)
    for action, data in (
        ("stage", {"stage": "defence"}),
        ("vote", {"nomination": "tos", "open": "1"}),
        ("finalise", {}),
    ):
        assert client(world.juror_user(0)).post(f"{url}{action}", data).status_code == 403
    world.contest.refresh_from_db()
    assert world.contest.stage == ContestStage.SELECTION


def test_results_follow_the_read_rule(selection: World) -> None:
    world = selection
    url = f"/c/{world.contest.pk}/results/"
    for user in (None, world.outsider, world.juror_user(0), world.organiser):
        refused = client(user).get(url)
        assert refused.status_code == 403
        assert "Итоги ещё не опубликованы" in text(refused)
    operations.contest_set_stage(contest=world.contest, actor=world.organiser, stage="defence")
    operations.contest_set_stage(contest=world.contest, actor=world.organiser, stage="results")
    assert client(world.juror_user(0)).get(url).status_code == 200
    assert client(world.organiser).get(url).status_code == 200
    assert client().get(url).status_code == 403
    assert client(world.outsider).get(url).status_code == 403


# --- the public page and the screen ----------------------------------------------------------------


def test_the_public_page_shows_regulations_history_and_entries_never_contacts(
    selection: World,
) -> None:
    world = selection
    document = dict(world.contest.regulations)
    document["min_jurors"] = 3
    operations.regulations_update(
        contest=world.contest,
        actor=world.organiser,
        regulations_document=document,
        reason="Больше экспертов на работу",
    )
    page = text(client().get(f"/c/{world.contest.pk}/"))
    assert "Измеримые результаты: уровень 7 из 10" in page  # a level's description
    assert "Больше экспертов на работу" in page and "Версия 2" in page
    assert "Практика 1" in page and "председатель ТОС" not in page
    assert "Медиана" in page or "медиана" in page
    english = text(client(language="en").get(f"/c/{world.contest.pk}/"))
    assert (
        "Measurable results: level 7 of 10" in english and "History of the regulations" in english
    )


def test_the_screen_shows_progress_counts_never_scores(selection: World) -> None:
    world = selection
    sheet = assignment(world, 0)
    operations.score_save(
        contest=world.contest,
        entry=sheet.entry,
        actor=world.juror_user(0),
        scores={"relevance": 9, "impact": 8, "replicability": 6},
        submit=True,
    )
    for url in (f"/c/{world.contest.pk}/screen/", f"/c/{world.contest.pk}/screen/live"):
        response = client().get(url)
        assert response.status_code == 200
        body = text(response)
        assert "оценил 1 из 2" in body and "оценили 0 из 2" in body
        assert 'data-progress="1/2"' in body
    english = text(client(language="en").get(f"/c/{world.contest.pk}/screen/live"))
    assert "scored by 1 of 2" in english


# --- the juror's sheet -----------------------------------------------------------------------------


def test_a_juror_saves_a_draft_submits_and_changes_with_a_reason(selection: World) -> None:
    world = selection
    sheet = assignment(world, 0)
    browser = client(world.juror_user(0))
    url = sheet_url(world, sheet.entry_id)
    page = text(browser.get(url))
    assert "Актуальность проблемы: уровень 0 из 10" in page and "Сохранить черновик" in page

    draft = browser.post(url, {"score_relevance": "6", "action": "save"})
    assert draft.status_code == 302
    assert dict(Score.objects.filter(assignment=sheet).values_list("criterion", "value")) == {
        "relevance": 6
    }

    incomplete = browser.post(url, {"score_relevance": "6", "action": "submit"})
    assert incomplete.status_code == 400
    assert "Поставьте балл по этому критерию" in text(incomplete)
    # The refused form keeps what was chosen, and each score is described by its level's sentence.
    assert 'id="id_score_relevance_6" aria-describedby="level-relevance-6" checked' in text(
        incomplete
    )
    assert (
        'id="level-relevance-6"><strong>6</strong> — Актуальность проблемы: уровень 6 из 10'
        in text(incomplete)
    )
    sheet.refresh_from_db()
    assert sheet.submitted_at is None

    out_of_range = browser.post(
        url, {**all_scores(world), "score_impact": "11", "action": "submit"}
    )
    assert out_of_range.status_code == 400
    assert "целое число от 0 до 10" in text(out_of_range)

    submitted = browser.post(url, {**all_scores(world, 7), "action": "submit"})
    assert submitted.status_code == 302 and submitted["Location"].endswith(
        f"/c/{world.contest.pk}/jury/"
    )
    sheet.refresh_from_db()
    assert sheet.submitted_at is not None

    no_reason = browser.post(url, {**all_scores(world, 7), "score_impact": "9", "action": "save"})
    assert no_reason.status_code == 400
    assert "напишите, почему" in text(no_reason)
    assert Score.objects.get(assignment=sheet, criterion="impact").value == 7

    changed = browser.post(
        url, {**all_scores(world, 7), "score_impact": "9", "reason": "Пересмотрел после защиты"}
    )
    assert changed.status_code == 302
    change = ScoreChange.objects.get(assignment=sheet)
    assert (change.criterion, change.old_value, change.new_value, change.reason) == (
        "impact",
        7,
        9,
        "Пересмотрел после защиты",
    )


def test_scoring_closed_at_the_defence_end_is_refused_in_words(selection: World) -> None:
    world = selection
    for stage in ("defence", "results"):
        operations.contest_set_stage(contest=world.contest, actor=world.organiser, stage=stage)
    sheet = assignment(world, 0)
    response = client(world.juror_user(0)).post(
        sheet_url(world, sheet.entry_id), {**all_scores(world), "action": "submit"}
    )
    assert response.status_code == 409
    assert "На этом этапе конкурса оценивание закрыто" in text(response)
    english = client(world.juror_user(0), "en").post(
        sheet_url(world, sheet.entry_id), {**all_scores(world), "action": "submit"}
    )
    assert "Scoring is closed at this stage of the contest." in text(english)
    assert not Score.objects.filter(assignment=sheet).exists()


# --- the organiser's page --------------------------------------------------------------------------


def _score_all(world: World, spread: bool) -> None:
    for sheet in JurorAssignment.objects.filter(
        entry__contest=world.contest, recused=False
    ).select_related("juror__user"):
        high = sheet.juror_id == world.jurors[0].pk and spread
        value = 10 if high else 3 if spread else 6
        operations.score_save(
            contest=world.contest,
            entry=sheet.entry,
            actor=sheet.juror.user,
            scores=dict.fromkeys(world.contest.criterion_codes(), value),
            submit=True,
        )


def test_the_organiser_sees_progress_switches_stages_and_finalises_after_discussion(
    selection: World,
) -> None:
    world = selection
    browser = client(world.organiser)
    url = f"/c/{world.contest.pk}/organise/"
    page = text(browser.get(url))
    assert "оценили 0 из 2" in page and "Проголосовали" not in page
    _score_all(world, spread=True)
    page = text(browser.get(url))
    assert "оценили 2 из 2" in page
    closed = browser.post(f"{url}vote", {"nomination": "tos", "open": "1"})
    assert (
        closed.status_code == 409
        and "Зрительское голосование открывается во время очной защиты" in text(closed)
    )
    assert browser.post(f"{url}stage", {"stage": "defence"}).status_code == 302
    assert browser.post(f"{url}vote", {"nomination": "tos", "open": "1"}).status_code == 302
    world.contest.refresh_from_db()
    assert world.contest.open_votes == ["tos"]
    assert browser.post(f"{url}stage", {"stage": "results"}).status_code == 302
    page = text(browser.get(url))
    assert "Жюри обсудило" in page
    blocked = browser.post(f"{url}finalise", {})
    assert blocked.status_code == 409
    assert "обсудите их до утверждения итогов" in text(blocked)
    world.contest.refresh_from_db()
    assert world.contest.stage == ContestStage.RESULTS
    disputed = world.contest.entries.filter(assignments__juror=world.jurors[0]).values_list(
        "id", flat=True
    )
    done = browser.post(f"{url}finalise", {f"discussed_{pk}": "on" for pk in disputed})
    assert done.status_code == 302
    world.contest.refresh_from_db()
    assert world.contest.stage == ContestStage.FINALISED
    results = client().get(f"/c/{world.contest.pk}/results/")
    assert results.status_code == 200
    body = text(results)
    assert "SHA-256" in body and "J1" in body and "Что, если" in body
    assert "медиана" in body.lower()


def test_a_wrong_stage_name_is_refused_in_words(selection: World) -> None:
    world = selection
    response = client(world.organiser).post(
        f"/c/{world.contest.pk}/organise/stage", {"stage": "награждение"}
    )
    assert response.status_code == 400
    assert "Неизвестный этап" in text(response)


def test_the_public_forum_page_links_a_published_contest_only(world: World) -> None:
    page = text(client().get(f"/f/{world.forum.pk}/"))
    assert f'href="/c/{world.contest.pk}/"' in page
    world.contest.stage = ContestStage.DRAFT
    world.contest.regulations_version = 0
    world.contest.save(update_fields=["stage", "regulations_version"])
    assert f'href="/c/{world.contest.pk}/"' not in text(client().get(f"/f/{world.forum.pk}/"))


@pytest.mark.parametrize("shown", [True, False])
def test_the_screen_shows_public_tallies_only_if_the_regulations_say_so(
    selection: World, shown: bool
) -> None:
    world = selection
    document = dict(world.contest.regulations, show_public_tallies=shown)
    if shown:  # the example regulations keep the tallies off the screen
        operations.regulations_update(
            contest=world.contest,
            actor=world.organiser,
            regulations_document=document,
            reason="Показывать голоса",
        )
    operations.contest_set_stage(contest=world.contest, actor=world.organiser, stage="defence")
    operations.public_vote_set_open(
        contest=world.contest, actor=world.organiser, nomination="tos", is_open=True
    )
    voter = join(world.session).participant
    operations.public_vote_cast(contest=world.contest, participant=voter, entry=world.entries[0])
    body = text(client().get(f"/c/{world.contest.pk}/screen/live"))
    assert ("1 голос" in body) == shown
    assert (
        world.session.join_code in body
    )  # the hall joins the vote with the audience session's code
    english = text(client(language="en").get(f"/c/{world.contest.pk}/screen/live"))
    assert ("1 vote" in english) == shown


def test_ids_out_of_any_range_are_no_contest(world: World) -> None:
    huge = "9" * 30
    for path in (f"/c/{huge}/", f"/c/{huge}/screen/live", f"/c/{world.contest.pk}/jury/{huge}/"):
        assert client(world.juror_user(0)).get(path).status_code == 404, path
