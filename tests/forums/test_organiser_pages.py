"""Organiser pages: forums, programme, sessions from templates, drafts, the public page; bad input changes nothing."""

from __future__ import annotations

import datetime
import zoneinfo

import pytest

from forums import operations
from forums.models import EventKind, Hall, ProgrammeEvent
from ideas import operations as session_operations
from ideas.errors import Conflict, Forbidden, InvalidInput, SessionArchived
from ideas.models import CaseSession, Forum, Stage, VotingMethod
from tests.forums.conftest import client_for

pytestmark = pytest.mark.django_db
SAMARA = zoneinfo.ZoneInfo("Europe/Samara")


def at(day: int, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(2026, 10, day, hour, minute, tzinfo=SAMARA)


def forum_post(**overrides):
    data = {
        "title": "Форум ТОС", "city": "Тольятти", "starts_on": "2026-10-01", "ends_on": "2026-10-02",
        "time_zone": "Europe/Samara", "description": "", "age_rating": "12+", "is_public": "on",
        "sectors-TOTAL_FORMS": "3", "sectors-INITIAL_FORMS": "0", "sectors-MIN_NUM_FORMS": "0", "sectors-MAX_NUM_FORMS": "20",
        "sectors-0-code": "tos", "sectors-0-label": "ТОС", "sectors-0-label_en": "Neighbourhood councils",
        "sectors-1-code": "ngo", "sectors-1-label": "НКО", "sectors-1-label_en": "",
        "sectors-2-code": "", "sectors-2-label": "", "sectors-2-label_en": "",
    }
    data.update(overrides)
    return data


def test_an_organiser_creates_a_forum_with_sectors_in_two_languages(staff):
    response = client_for(staff).post("/organise/forums/new", forum_post())
    assert response.status_code == 302
    forum = Forum.objects.get(title="Форум ТОС")
    assert forum.sectors == [{"code": "tos", "label": "ТОС", "label_en": "Neighbourhood councils"}, {"code": "ngo", "label": "НКО"}]
    assert forum.time_zone == "Europe/Samara" and forum.organisers.filter(pk=staff.pk).exists()


def test_a_forum_ending_before_it_starts_is_refused_in_the_users_language(staff):
    response = client_for(staff).post("/organise/forums/new", forum_post(ends_on="2026-09-30"))
    assert response.status_code == 400
    assert "Форум не может закончиться раньше, чем начнётся." in response.content.decode()
    english = client_for(staff, "en").post("/organise/forums/new", forum_post(ends_on="2026-09-30"))
    assert "The forum cannot end before it starts." in english.content.decode()
    assert not Forum.objects.filter(title="Форум ТОС").exists()


def test_a_bad_time_zone_and_duplicate_sector_codes_are_refused(staff):
    client = client_for(staff)
    assert client.post("/organise/forums/new", forum_post(time_zone="Mars/Olympus")).status_code == 400
    response = client.post("/organise/forums/new", forum_post(**{"sectors-1-code": "tos"}))
    assert response.status_code == 400 and "Коды сфер не должны повторяться." in response.content.decode()
    assert not Forum.objects.exists()


def test_an_organiser_of_one_forum_cannot_touch_another(forum, organiser, other_forum, other_organiser):
    client = client_for(other_organiser)
    for path in (f"/organise/forums/{forum.pk}/", f"/organise/forums/{forum.pk}/edit", f"/organise/forums/{forum.pk}/sessions/new"):
        response = client.get(path)
        assert response.status_code == 403 and "Изменять форум могут только его организаторы." in response.content.decode()
    assert client.post(f"/organise/forums/{forum.pk}/halls", {"name": "Чужой зал"}).status_code == 403
    assert client.post(f"/organise/forums/{forum.pk}/edit", forum_post(title="Захвачен")).status_code == 403
    assert not Hall.objects.filter(forum=forum).exists()
    forum.refresh_from_db()
    assert forum.title != "Захвачен"
    with pytest.raises(Forbidden):
        operations.event_create(forum=forum, actor=other_organiser, title="x", starts_at=at(1, 10), ends_at=at(1, 11))
    with pytest.raises(Forbidden):
        session_operations.session_create(actor=other_organiser, forum=forum, title="x", question="y")


def test_programme_dates_are_checked_and_an_overlap_is_a_warning(forum, organiser):
    hall = operations.hall_create(forum=forum, actor=organiser, name="Большой зал")
    with pytest.raises(InvalidInput) as error:
        operations.event_create(forum=forum, actor=organiser, title="Секция", hall=hall, starts_at=at(1, 12), ends_at=at(1, 11))
    assert "ends_at" in error.value.fields
    with pytest.raises(InvalidInput) as error:
        operations.event_create(forum=forum, actor=organiser, title="Секция", hall=hall, starts_at=at(3, 10), ends_at=at(3, 11))
    assert "starts_at" in error.value.fields
    assert not ProgrammeEvent.objects.exists()
    first = operations.event_create(forum=forum, actor=organiser, title="Секция ТОС", hall=hall, starts_at=at(1, 10), ends_at=at(1, 12))
    assert first.warnings == []
    second = operations.event_create(forum=forum, actor=organiser, title="Чемпионат «ПроЛог»", hall=hall, starts_at=at(1, 11), ends_at=at(1, 13))
    assert len(second.warnings) == 1 and "Секция ТОС" in second.warnings[0]
    assert ProgrammeEvent.objects.count() == 2  # a warning, not a refusal
    with pytest.raises(InvalidInput):
        operations.hall_create(forum=forum, actor=organiser, name="большой зал")


def test_the_event_form_reads_times_in_the_forums_zone_and_warns_about_overlaps(forum, organiser):
    hall = operations.hall_create(forum=forum, actor=organiser, name="Зал 1")
    client = client_for(organiser)
    post = {"title": "Открытие", "kind": "ceremony", "hall": hall.pk, "starts_at": "2026-10-01T10:00", "ends_at": "2026-10-01T11:00"}
    assert client.post(f"/organise/forums/{forum.pk}/events/new", post).status_code == 302
    event = ProgrammeEvent.objects.get()
    assert event.starts_at == at(1, 10) and event.kind == EventKind.CEREMONY
    response = client.post(f"/organise/forums/{forum.pk}/events/new", {**post, "title": "Пленарное"}, follow=True)
    assert "В том же зале в то же время идёт «Открытие»" in response.content.decode()
    bad = client.post(f"/organise/forums/{forum.pk}/events/new", {**post, "starts_at": "2026-10-05T10:00", "ends_at": "2026-10-05T11:00"})
    assert bad.status_code == 400 and "Событие выходит за дни форума" in bad.content.decode()
    assert ProgrammeEvent.objects.count() == 2


def test_a_session_from_a_template_is_a_draft_the_organiser_sees(forum, organiser):
    client = client_for(organiser)
    page = client.get(f"/organise/forums/{forum.pk}/sessions/new")
    text = page.content.decode()
    for title in ("Кейс-сессия власть–общество–бизнес", "Идеи и точки", "Согласен / не согласен как в Polis"):
        assert title in text
    response = client.post(
        f"/organise/forums/{forum.pk}/sessions/new",
        {"form": "template", "template": "ideas-and-dots", "question": "Каким будет Тольятти?", "title": "", "join_code": ""},
    )
    assert response.status_code == 302
    session = CaseSession.objects.get(forum=forum)
    assert session.stage == Stage.DRAFT and session.voting_method == VotingMethod.DOTS and not session.voting_during_ideation
    assert session.title == "Идеи и точки" and session.is_moderator(organiser)
    page = client.get(response["Location"]).content.decode()
    for link in (f"/s/{session.pk}/screen", f"/s/{session.pk}/moderate", f"/organise/sessions/{session.pk}/poster.pdf", "cards.pdf"):
        assert link in page
    assert "5 точек" in page  # the voting method in words
    # the draft: its screen opens for the organiser, for nobody else
    assert client.get(f"/s/{session.pk}/screen").status_code == 200
    assert client_for().get(f"/s/{session.pk}/screen").status_code == 404


def test_drafts_are_visible_to_the_forums_organisers_and_moderators_only(forum, organiser, other_organiser, outsider):
    from ideas import selectors

    draft = session_operations.session_create(actor=organiser, forum=forum, title="Черновик", question="?")
    co_organiser = other_organiser
    assert selectors.session_visible(draft, selectors.Viewer(organiser))
    assert not selectors.session_visible(draft, selectors.Viewer(outsider))
    assert not selectors.session_visible(draft, selectors.Viewer(co_organiser))
    forum.organisers.add(co_organiser)
    assert draft in selectors.sessions_visible_to(selectors.Viewer(co_organiser))
    assert selectors.join_code_visible(draft, selectors.Viewer(co_organiser))


def test_a_duplicate_join_code_is_refused_and_nothing_is_created(forum, organiser):
    session_operations.session_create(actor=organiser, forum=forum, title="Первая", question="?", join_code="SAMARA26")
    response = client_for(organiser).post(
        f"/organise/forums/{forum.pk}/sessions/new",
        {"form": "template", "template": "agree-disagree", "question": "Вопрос", "join_code": "samara-26"},
    )
    assert response.status_code == 400
    assert "Код входа «SAMARA26» уже занят другой сессией" in response.content.decode()
    assert CaseSession.objects.count() == 1
    with pytest.raises(Conflict):
        session_operations.session_create(actor=organiser, forum=forum, title="x", question="?", join_code="SAMARA26")
    with pytest.raises(InvalidInput):
        session_operations.session_create(actor=organiser, forum=forum, title="x", question="?", join_code="O0I1")


def test_a_session_is_duplicated_with_its_settings_and_a_new_code(forum, organiser):
    source = session_operations.session_create(
        actor=organiser, forum=forum, title="Исходная", question="Что изменить во дворах?", voting_method=VotingMethod.AGREE,
        show_author_names=True,
    )
    response = client_for(organiser).post(
        f"/organise/forums/{forum.pk}/sessions/new", {"form": "duplicate", "source": source.pk, "title": ""}
    )
    assert response.status_code == 302
    copy = CaseSession.objects.exclude(pk=source.pk).get()
    assert copy.question == source.question and copy.voting_method == VotingMethod.AGREE and copy.show_author_names
    assert copy.join_code != source.join_code and copy.stage == Stage.DRAFT and "(копия)" in copy.title


def test_an_archived_session_cannot_be_edited(forum, organiser):
    session = session_operations.session_create(actor=organiser, forum=forum, title="Итоги", question="?")
    CaseSession.objects.filter(pk=session.pk).update(stage=Stage.ARCHIVED)
    response = client_for(organiser).post(
        f"/organise/sessions/{session.pk}/edit",
        {"title": "Новое", "question": "?", "voting_method": "support", "dots_budget": 5, "dots_max_per_idea": 3},
    )
    assert response.status_code == 400
    assert "Сессия в архиве" in response.content.decode()
    session.refresh_from_db()
    assert session.title == "Итоги"
    with pytest.raises(SessionArchived):
        session_operations.session_update(session=session, actor=organiser, title="Новое")


def test_the_public_forum_page_shows_the_programme_by_day_and_hall_live_sessions_and_hides_drafts(forum, organiser, outsider):
    hall_a = operations.hall_create(forum=forum, actor=organiser, name="Зал А")
    hall_b = operations.hall_create(forum=forum, actor=organiser, name="Зал Б")
    live = session_operations.session_create(actor=organiser, forum=forum, title="Живая", question="?")
    session_operations.session_set_stage(session=live, actor=organiser, stage=Stage.IDEATION)
    draft = session_operations.session_create(actor=organiser, forum=forum, title="Черновая", question="?")
    operations.event_create(forum=forum, actor=organiser, title="Секция благоустройства", hall=hall_a, starts_at=at(1, 10), ends_at=at(1, 11))
    operations.event_create(forum=forum, actor=organiser, title="Кейс-сессия дня", hall=hall_b, session=live, starts_at=at(1, 10), ends_at=at(1, 12))
    operations.event_create(forum=forum, actor=organiser, title="Секретный черновик", hall=hall_b, session=draft, starts_at=at(2, 10), ends_at=at(2, 12))
    operations.event_create(forum=forum, actor=organiser, title="Награждение", starts_at=at(2, 17), ends_at=at(2, 18), kind="ceremony")
    text = client_for(outsider).get(f"/f/{forum.pk}/").content.decode()
    assert "Секция благоустройства" in text and "Кейс-сессия дня" in text and "Награждение" in text
    assert "Секретный черновик" not in text
    programme = text[text.index('id="programme-heading"'):]
    assert programme.index("Зал А") < programme.index("Зал Б")
    assert f'href="/s/{live.pk}/"' in text  # live now, with a link to join
    assert live.join_code not in text  # the code stays in the room
    organiser_view = client_for(organiser).get(f"/f/{forum.pk}/").content.decode()
    assert "Секретный черновик" in organiser_view
    forum.is_public = False
    forum.save()
    assert client_for(outsider).get(f"/f/{forum.pk}/").status_code == 404
