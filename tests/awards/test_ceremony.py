"""The ceremony: refused before the results are final, places from the last prize to the first,
nomination by nomination, the audience award on its own, nothing shown before it is revealed."""

from __future__ import annotations

from typing import Any

import pytest

from awards import operations, selectors
from awards.models import CeremonyState
from contests import events
from ideas.errors import Conflict, Forbidden, WrongStage
from tests.awards.conftest import page_client
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def _api(contest_id: int, action: str = "") -> str:
    return f"/api/v1/contests/{contest_id}/ceremony/" + (f"{action}/" if action else "")


def test_the_ceremony_is_refused_in_words_before_the_results_are_final(unfinalised):
    contest = unfinalised.contest
    with pytest.raises(WrongStage):
        operations.ceremony_start(contest=contest, actor=unfinalised.organiser)
    for action in ("start", "step", "back"):
        response = client_for(unfinalised.organiser).post(_api(contest.pk, action), HTTP_ACCEPT_LANGUAGE="ru")
        assert response.status_code == 409, response.content
        assert response.json()["code"] == "not_final"
        assert "Итоги ещё не окончательные" in response.json()["detail"]
    english = client_for(unfinalised.organiser).post(_api(contest.pk, "start"), HTTP_ACCEPT_LANGUAGE="en")
    assert "not final yet" in english.json()["detail"]
    assert not CeremonyState.objects.exists()
    assert client_for().get(_api(contest.pk)).json()["phase"] in ("not_final",)


def test_only_organisers_conduct(finalised):
    contest = finalised.contest
    for actor in (finalised.outsider, finalised.jurors[0], finalised.unassigned_juror):
        with pytest.raises(Forbidden):
            operations.ceremony_start(contest=contest, actor=actor)
    assert client_for().post(_api(contest.pk, "start")).status_code == 401
    assert client_for(finalised.jurors[1]).post(_api(contest.pk, "start")).status_code == 403


def _places(body: dict[str, Any]) -> list[tuple[int, str | None]]:
    return [(row["place"], row["winner"]["title"] if row["winner"] else None) for row in body["places"]]


def test_places_come_from_the_last_prize_to_the_first_then_the_next_nomination_then_the_audience(
    finalised, django_capture_on_commit_callbacks
):
    contest = finalised.contest
    api = client_for(finalised.organiser)
    seen: list[tuple[str, dict[str, Any]]] = []

    def sink(contest_id: int, kind: str, payload: dict[str, Any]) -> None:
        seen.append((kind, payload))

    events.register_sink(sink)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            _walk(api, contest, finalised)
    finally:
        events.unregister_sink(sink)
    ceremony_events = [payload for kind, payload in seen if kind == "contest.ceremony"]
    assert len(ceremony_events) == 11 and ceremony_events[-1]["audience"] is True
    assert [p["version"] for p in ceremony_events] == sorted(p["version"] for p in ceremony_events)


def _walk(api: Any, contest: Any, finalised: Any) -> None:
    """Start, step through both nominations (with one step back), the audience award, then past the end."""
    body = api.post(_api(contest.pk, "start")).json()
    assert body["phase"] == "nomination" and body["nomination"]["number"] == 1
    assert _places(body) == [(1, None), (2, None), (3, None)]  # three prizes, none out yet
    titles = [e.title for e in finalised.entries]
    body = api.post(_api(contest.pk, "step")).json()
    assert _places(body) == [(1, None), (2, None), (3, titles[2])]  # the third place first
    body = api.post(_api(contest.pk, "step")).json()
    assert _places(body) == [(1, None), (2, titles[1]), (3, titles[2])]
    body = api.post(_api(contest.pk, "step")).json()
    assert _places(body) == [(1, titles[0]), (2, titles[1]), (3, titles[2])]
    assert body["step"] == 4
    body = api.post(_api(contest.pk, "back")).json()  # a reveal pressed too early is taken back
    assert _places(body)[0] == (1, None)
    body = api.post(_api(contest.pk, "step")).json()
    body = api.post(_api(contest.pk, "step")).json()
    assert body["nomination"]["number"] == 2 and _places(body) == [(1, None), (2, None), (3, None)]
    for _ in range(3):
        body = api.post(_api(contest.pk, "step")).json()
    assert _places(body)[0] == (1, titles[4])
    body = api.post(_api(contest.pk, "step")).json()
    assert body["phase"] == "audience" and body["places"] == []
    # The hall voted for the last entry of each nomination: the audience award is theirs.
    awarded = {award["nomination"]: [w["title"] for w in award["winners"]] for award in body["audience_award"]}
    assert awarded == {"Лучшая практика ТОС": [titles[3]], "Лучшая практика НКО": [titles[7]]}
    assert body["step"] == body["steps"] == 9
    over = api.post(_api(contest.pk, "step"), HTTP_ACCEPT_LANGUAGE="ru")
    assert over.status_code == 409 and "церемония окончена" in over.json()["detail"]


def test_back_at_the_first_step_and_step_before_start_are_refused_in_words(finalised):
    contest, organiser = finalised.contest, finalised.organiser
    with pytest.raises(Conflict, match="Сначала начните церемонию"):
        operations.ceremony_step(contest=contest, actor=organiser)
    operations.ceremony_start(contest=contest, actor=organiser)
    response = client_for(organiser).post(_api(contest.pk, "back"), HTTP_ACCEPT_LANGUAGE="ru")
    assert response.status_code == 409 and "первый шаг" in response.json()["detail"]


def test_nothing_unrevealed_leaves_the_server(finalised):
    contest = finalised.contest
    operations.ceremony_start(contest=contest, actor=finalised.organiser)
    operations.ceremony_step(contest=contest, actor=finalised.organiser)  # the third place only
    first, second, third = (e.title for e in finalised.entries[:3])
    for url in (_api(contest.pk), f"/c/{contest.pk}/ceremony/", f"/c/{contest.pk}/ceremony/screen/",
                f"/c/{contest.pk}/ceremony/live/?view=screen", f"/c/{contest.pk}/ceremony/live/?view=phone"):
        text = page_client().get(url).content.decode()
        assert third in text, url
        assert first not in text and second not in text, url


def test_pages_follow_the_state_in_russian_and_english_with_plurals(finalised):
    contest = finalised.contest
    operations.ceremony_start(contest=contest, actor=finalised.organiser)
    phone = page_client().get(f"/c/{contest.pk}/ceremony/").content.decode()
    assert "Номинация 1 из 2" in phone and "Открыто 0 мест из 3" in phone
    operations.ceremony_step(contest=contest, actor=finalised.organiser)
    phone = page_client().get(f"/c/{contest.pk}/ceremony/live/?view=phone").content.decode()
    assert "Открыто 1 место из 3" in phone
    operations.ceremony_step(contest=contest, actor=finalised.organiser)
    assert "Открыто 2 места из 3" in page_client().get(f"/c/{contest.pk}/ceremony/").content.decode()
    english = page_client(language="en").get(f"/c/{contest.pk}/ceremony/").content.decode()
    assert "2 places of 3 revealed" in english and "Nomination 1 of 2" in english
    screen = page_client().get(f"/c/{contest.pk}/ceremony/screen/")
    assert screen.status_code == 200 and b"data-step-url" not in screen.content  # the public only watches
    own = page_client(finalised.organiser).get(f"/c/{contest.pk}/ceremony/screen/")
    assert b"data-step-url" in own.content


def test_the_control_page_steps_for_organisers_and_refuses_others(finalised):
    contest = finalised.contest
    url = f"/c/{contest.pk}/ceremony/control/"
    assert page_client().get(url).status_code == 302  # to sign in
    for user in (finalised.outsider, finalised.jurors[0], finalised.unassigned_juror):
        response = page_client(user).get(url)
        assert response.status_code == 403 and "Только организаторы" in response.content.decode()
        assert page_client(user).post(url, {"action": "step"}).status_code == 403
    organiser = page_client(finalised.organiser)
    assert "Церемония ещё не началась" in organiser.get(url).content.decode()
    organiser.post(url, {"action": "start"})
    response = organiser.post(url, {"action": "step"}, follow=True)
    assert "Шаг 2 из 9" in response.content.decode()
    response = organiser.post(url, {"action": "back"}, follow=True)
    response = organiser.post(url, {"action": "back"}, follow=True)
    assert "первый шаг" in response.content.decode()
    assert selectors.ceremony_view(contest).step == 1


def test_the_control_page_says_so_before_the_results_are_final(unfinalised):
    url = f"/c/{unfinalised.contest.pk}/ceremony/control/"
    response = page_client(unfinalised.organiser).post(url, {"action": "start"}, follow=True)
    assert "Итоги ещё не окончательные" in response.content.decode()
    assert not CeremonyState.objects.exists()


def test_polling_with_the_current_version_gets_a_small_answer(finalised):
    contest = finalised.contest
    state = operations.ceremony_start(contest=contest, actor=finalised.organiser)
    small = client_for().get(f"/api/v1/contests/{contest.pk}/ceremony/?since={state.version}")
    assert small.json() == {"version": state.version, "changed": False}
    operations.ceremony_step(contest=contest, actor=finalised.organiser)
    full = client_for().get(f"/api/v1/contests/{contest.pk}/ceremony/?since={state.version}").json()
    assert full["version"] == state.version + 1 and full["places"][-1]["revealed"] is True
    assert client_for().get(f"/api/v1/contests/{contest.pk}/ceremony/?since=abc").json()["phase"] == "nomination"


def test_the_audience_phone_page_links_the_ceremony_once_it_starts(finalised):
    """People in the hall find the ceremony from the session they joined, not from a URL on a slide."""
    from django.test import Client

    from ideas.operations import participant_join
    from tests.pages.conftest import phone_cookie

    contest = finalised.contest
    session = contest.audience_session
    joined = participant_join(code=session.join_code, display_name="Зритель", sector=session.sector_codes[0])
    voter = joined.participant
    voter.token = joined.token  # the raw token, as the join page puts it in the cookie
    phone = Client(HTTP_ACCEPT_LANGUAGE="ru")
    name, value = phone_cookie(voter)
    phone.cookies[name] = value
    link = f'href="/c/{contest.pk}/ceremony/"'
    assert link not in phone.get(f"/s/{session.pk}/").content.decode()
    operations.ceremony_start(contest=contest, actor=finalised.organiser)
    page = phone.get(f"/s/{session.pk}/").content.decode()
    assert link in page
    assert "Идёт церемония награждения: Конкурс лучших практик" in page
