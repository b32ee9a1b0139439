"""The classes of bad input that schemathesis found answering 500: each now a 4xx with a message.

- ids in paths: letters, Unicode digits (`²`), numbers beyond 64 bits;
- integers in query strings (`?group=`, `?limit=`, `?offset=`, archive search, filters);
- ids in JSON bodies beyond 64 bits;
- JSON nested 1,000 deep;
- a forum's sectors in the wrong shape (stored, then every reader failed);
- a session start before 1920 (Yakutsk's local mean time made an invalid date-time);
- one vote change with an impossible idea id in a shared batch;
- REST votes from 20 threads at once on the embedded SQLite.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from archive.api import search_params
from ideas import operations
from ideas.api.parsers import MAX_JSON_DEPTH, loads_bounded, too_deep
from ideas.errors import InvalidInput, NotFound
from ideas.models import Forum, Group, Idea, Stage, Vote
from ideas.operations import VoteChange, VoteOutcome
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

HUGE = 10**30
DEEP = "[" * 1000 + "]" * 1000  # 2 KB


@pytest.fixture
def room(session, participant, moderator, post_idea):
    idea = post_idea(session, participant, "Тёплые остановки у каждой школы")
    other = post_idea(session, participant, "Велодорожки вдоль Лены")
    group = operations.group_create(session=session, actor=moderator, title="Транспорт", idea_ids=[idea.pk])
    session.stage = Stage.VOTING
    session.save(update_fields=["stage"])
    return {"session": session, "idea": idea, "other": other, "group": group}


# --- ids in paths ---------------------------------------------------------------------------------


BAD_PATH_IDS = ["abc", "%C2%B2", "%D9%A3", "1e3", "-1", "99999999999999999999999", str(2**64)]


@pytest.mark.parametrize(
    ("method", "template"),
    [
        ("get", "/api/v1/ideas/{}/"),
        ("patch", "/api/v1/ideas/{}/"),
        ("put", "/api/v1/ideas/{}/vote/"),
        ("post", "/api/v1/ideas/{}/merge/"),
        ("post", "/api/v1/ideas/{}/unmerge/"),
        ("get", "/api/v1/groups/{}/"),
        ("delete", "/api/v1/groups/{}/"),
        ("post", "/api/v1/groups/{}/merge/"),
        ("get", "/api/v1/sessions/{}/ideas/"),
        ("get", "/api/v1/forums/{}/"),
        ("get", "/api/v1/archive/{}/"),
        ("get", "/api/v1/archive/{}/ideas.csv"),
    ],
)
def test_an_id_that_is_no_64_bit_ascii_number_is_404(room, participant, moderator, method, template):
    for who in (participant, moderator):
        for bad in BAD_PATH_IDS:
            response = getattr(client_for(who), method)(template.format(bad), {"into": 1, "value": 1}, format="json")
            assert response.status_code == 404, (bad, response.content[:200])


# --- integers in query strings --------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "/api/v1/sessions/{session}/ideas/?group=%C2%B2",
        "/api/v1/sessions/{session}/ideas/?group=36893488147419103231",
        "/api/v1/sessions/{session}/ideas/?limit=36893488147419103231",
        "/api/v1/sessions/{session}/ideas/?offset=%C2%B2",
        "/api/v1/sessions/{session}/ideas/?offset=36893488147419103231",
        "/api/v1/sessions/?limit=36893488147419103231",
        "/api/v1/sessions/?limit=abc",
        "/api/v1/sessions/?forum=36893488147419103231",
        "/api/v1/sessions/?forum=%C2%B2",
        "/api/v1/forums/?offset=-1",
        "/api/v1/archive/?forum=-4.1567440227558056e%2B133",
        "/api/v1/archive/?limit=9937572219999999999999",
        "/api/v1/archive/search/?q=x&limit=36893488147419103231",
        "/api/v1/archive/search/?q=x&limit=%C2%B2",
        "/api/v1/archive/search/?q=x&archive=%C2%B2",
        "/api/v1/archive/search/?q=x&forum=13385834611668826229896498275942400",
        "/api/v1/sessions/{session}/similar/?text=x&exclude=36893488147419103231",
        "/api/v1/sessions/{session}/similar/?text=x&exclude=%C2%B2",
    ],
)
def test_a_query_integer_out_of_range_or_not_a_number_is_400_with_a_message(room, participant, query):
    response = client_for(participant).get(query.format(session=room["session"].pk))
    assert response.status_code == 400, response.content[:300]
    body = response.json()
    assert body["code"] == "invalid" and body["detail"] and body["fields"]


def test_the_query_integer_message_is_russian_by_default_and_english_on_request(room, participant):
    path = f"/api/v1/sessions/{room['session'].pk}/ideas/?limit=36893488147419103231"
    russian = client_for(participant).get(path)
    assert russian.json()["fields"]["limit"] == ["Укажите целое число не меньше 1."]
    english = client_for(participant).get(path, HTTP_ACCEPT_LANGUAGE="en")
    assert english.json()["fields"]["limit"] == ["Give a whole number, at least 1."]


def test_good_query_integers_still_work(room, participant):
    client = client_for(participant)
    base = f"/api/v1/sessions/{room['session'].pk}/ideas/"
    assert [i["id"] for i in client.get(f"{base}?group={room['group'].pk}").json()["results"]] == [room["idea"].pk]
    page = client.get(f"{base}?limit=1&offset=1").json()
    assert page["count"] == 2 and [i["id"] for i in page["results"]] == [room["other"].pk]
    assert len(client.get(f"{base}?limit=5000").json()["results"]) == 2  # capped, not refused
    assert search_params({"q": "x", "limit": "500", "forum": "3"}) == {"query": "x", "limit": 50, "forum_id": 3}
    with pytest.raises(InvalidInput):
        search_params({"q": "x", "archive": "٣"})  # an Arabic-Indic digit: not an id here


# --- ids in JSON bodies ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "template", "body"),
    [
        ("post", "/api/v1/ideas/{idea}/merge/", {"into": HUGE}),
        ("patch", "/api/v1/ideas/{idea}/", {"group": HUGE}),
        ("post", "/api/v1/groups/{group}/merge/", {"into": HUGE}),
        ("patch", "/api/v1/groups/{group}/", {"ideas": [HUGE]}),
        ("post", "/api/v1/sessions/{session}/groups/", {"title": "Ещё", "ideas": [-HUGE]}),
    ],
)
def test_an_id_beyond_64_bits_in_a_body_is_400_and_nothing_changes(room, moderator, method, template, body):
    path = template.format(idea=room["idea"].pk, group=room["group"].pk, session=room["session"].pk)
    before = (Group.objects.count(), list(Idea.objects.values_list("id", "group_id", "status", "merged_into_id")))
    response = getattr(client_for(moderator), method)(path, body, format="json")
    assert response.status_code == 400, response.content[:300]
    after = (Group.objects.count(), list(Idea.objects.values_list("id", "group_id", "status", "merged_into_id")))
    assert after == before


# --- JSON nested too deeply -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "method", "template"),
    [
        (None, "post", "/api/v1/join/"),
        (None, "post", "/api/v1/auth/token/"),
        ("participant", "put", "/api/v1/ideas/{idea}/vote/"),
        ("participant", "post", "/api/v1/sessions/{session}/ideas/"),
        ("moderator", "patch", "/api/v1/sessions/{session}/"),
        ("moderator", "post", "/api/v1/forums/"),
    ],
)
def test_json_nested_1000_deep_is_400_on_every_json_endpoint(room, participant, moderator, who, method, template):
    actor = {"participant": participant, "moderator": moderator, None: None}[who]
    path = template.format(idea=room["idea"].pk, session=room["session"].pk)
    for body in (DEEP, '{"code": ' + DEEP + "}"):
        response = client_for(actor).generic(method.upper(), path, body, content_type="application/json")
        assert response.status_code == 400, response.content[:300]
        assert response.json()["code"] == "parse_error"
    assert Vote.objects.count() == 0 and Idea.objects.count() == 2


def test_the_depth_limit_counts_brackets_outside_strings_only():
    shallow = '{"text": "' + "[" * 5000 + '"}'
    assert not too_deep(shallow) and loads_bounded(shallow)["text"] == "[" * 5000
    nested = "[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH
    assert not too_deep(nested) and too_deep("[" + nested + "]")
    assert not too_deep('["\\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["]')  # escaped quote stays in the string
    with pytest.raises(ValueError, match="nested too deeply|вложенность"):
        loads_bounded(DEEP)


# --- a forum's sectors ----------------------------------------------------------------------------

BAD_SECTORS = [
    [{"code": "x"}],
    [{"label": "Икс"}],
    [{"code": "x", "label": ""}],
    [{"code": "x", "label": "   "}],
    [{"code": "x", "label": 5}],
    [{"code": "X Y", "label": "Икс"}],
    [{"code": "x", "label": "Икс", "extra": 1}],
    [{"code": "x", "label": "Икс"}, {"code": "x", "label": "Игрек"}],
    [],
    ["x"],
    {"code": "x", "label": "Икс"},
    [{"code": f"s{n}", "label": "Сфера"} for n in range(21)],
]


@pytest.mark.parametrize("sectors", BAD_SECTORS)
def test_bad_sectors_are_refused_and_never_stored(room, moderator, api, sectors):
    forum = room["session"].forum
    stored = list(forum.sectors)
    response = client_for(moderator).patch(f"/api/v1/forums/{forum.pk}/", {"sectors": sectors}, format="json")
    assert response.status_code == 400, response.content[:300]
    assert "sectors" in response.json()["fields"]
    forum.refresh_from_db()
    assert forum.sectors == stored
    # Everyone's pages and lists still work.
    assert api(None).get("/api/v1/forums/").status_code == 200
    assert api(None).get(f"/join/{room['session'].join_code}").status_code == 200


def test_the_sectors_message_is_russian_by_default_and_english_on_request(room, moderator):
    path = f"/api/v1/forums/{room['session'].forum.pk}/"
    body = {"sectors": [{"code": "x", "label": "Икс"}, {"code": "x", "label": "Игрек"}]}
    russian = client_for(moderator).patch(path, body, format="json")
    assert russian.json()["fields"]["sectors"] == ["Коды сфер не должны повторяться."]
    english = client_for(moderator).patch(path, body, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert english.json()["fields"]["sectors"] == ["Sector codes must be unique."]


def test_good_sectors_are_stored_trimmed(room, moderator):
    forum = room["session"].forum
    sectors = [{"code": "city", "label": " Город "}, {"code": "ngo", "label": "НКО"}]
    response = client_for(moderator).patch(f"/api/v1/forums/{forum.pk}/", {"sectors": sectors}, format="json")
    assert response.status_code == 200, response.content[:300]
    forum.refresh_from_db()
    assert forum.sectors == [{"code": "city", "label": "Город"}, {"code": "ngo", "label": "НКО"}]
    assert room["session"].sector_codes == ["city", "ngo"]


@pytest.mark.parametrize("sectors", BAD_SECTORS)
def test_the_model_refuses_bad_sectors_on_every_save_path(room, sectors):
    forum = Forum(title="Форум", sectors=sectors)
    with pytest.raises(ValidationError):
        forum.full_clean()
    with pytest.raises(ValidationError):
        forum.save()
    assert not Forum.objects.filter(title="Форум").exists()


def test_sectors_stored_before_the_check_do_not_break_the_session(room, api, participant):
    """A row written by the old code (a queryset update bypasses save): readers fall back to the defaults."""
    session = room["session"]
    Forum.objects.filter(pk=session.forum_id).update(sectors=[{"code": "x"}])
    assert api(None).get("/api/v1/forums/").status_code == 200
    assert api(None).get(f"/join/{session.join_code}").status_code == 200
    assert client_for(participant).get(f"/api/v1/sessions/{session.pk}/").json()["sectors"][0]["code"] == "government"


# --- dates a session cannot have ------------------------------------------------------------------


@pytest.mark.parametrize("starts_at", ["0546-06-20T00:37:59Z", "1900-01-01T00:00:00Z", "2300-01-01T00:00:00Z"])
def test_a_session_start_outside_2000_to_2100_is_400(room, moderator, starts_at):
    response = client_for(moderator).patch(
        f"/api/v1/sessions/{room['session'].pk}/", {"starts_at": starts_at}, format="json"
    )
    assert response.status_code == 400 and "starts_at" in response.json()["fields"]


# --- one bad vote in a shared batch ---------------------------------------------------------------


def test_an_idea_id_beyond_64_bits_fails_only_its_own_change_in_a_batch(room, session, make_participant):
    voters = [make_participant(session) for _ in range(6)]
    changes = []
    for n, voter in enumerate(voters):
        changes.append(VoteChange(voter, room["idea"].pk, 1))
        if n % 2 == 0:
            changes.append(VoteChange(voter, HUGE, 1))  # a hostile sender between honest ones
            changes.append(VoteChange(voter, -HUGE, None, withdraw=True))
    results = operations.votes_apply(changes)
    honest = [r for c, r in zip(changes, results, strict=True) if c.idea_id == room["idea"].pk]
    hostile = [r for c, r in zip(changes, results, strict=True) if c.idea_id != room["idea"].pk]
    assert all(isinstance(r, VoteOutcome) and r.value == 1 for r in honest)
    assert all(isinstance(r, NotFound) for r in hostile) and len(hostile) == 6
    assert Vote.objects.filter(idea=room["idea"]).count() == 6


# --- the embedded SQLite under concurrent REST votes -------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_rest_voters_all_get_an_answer_not_a_500(
    session, make_participant, post_idea, monkeypatch
):
    """SQLite takes one writer at a time: the others must queue (IMMEDIATE, busy timeout), not fail."""
    from rest_framework.throttling import SimpleRateThrottle

    rates = {scope: "1000000/min" for scope in SimpleRateThrottle.THROTTLE_RATES}
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", rates)
    author = make_participant(session)
    ideas = [post_idea(session, author, f"Идея {n}: тёплые остановки и велодорожки") for n in range(4)]
    session.stage = Stage.VOTING
    session.save(update_fields=["stage"])
    voters = [make_participant(session) for _ in range(20)]
    statuses: list[int] = []
    failures: list[Any] = []
    start = threading.Barrier(len(voters))

    def vote(voter: Any) -> None:
        client = client_for(voter)
        try:
            start.wait()
            for round_ in range(6):
                for idea in ideas:
                    path = f"/api/v1/ideas/{idea.pk}/vote/"
                    response = client.put(path, {"value": 1}, format="json") if round_ % 2 == 0 else client.delete(path)
                    statuses.append(response.status_code)
        except Exception as error:  # a 500 raises in the test client
            failures.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=vote, args=(voter,)) for voter in voters]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert failures == []
    assert len(statuses) == 20 * 6 * 4 and set(statuses) == {200}
    assert Vote.objects.count() == 0  # every voter's last round withdrew
