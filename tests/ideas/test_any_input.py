"""Whatever a client sends to a write endpoint: never a 500, always a message, nothing half-written.

Hypothesis throws arbitrary JSON (and bodies that are not JSON at all) at every endpoint that
changes state, as the actor who may call it. A refused request must leave every table as it was.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ideas import operations
from ideas.models import CaseSession, Forum, Group, Idea, ModerationAction, Participant, Stage, Vote

pytestmark = pytest.mark.django_db

KEYS = [
    "value", "request_id", "text", "stage", "status", "reason", "note", "target", "title", "keywords",
    "idea_ids", "ideas", "idea", "group", "code", "display_name", "sector", "seconds", "voting_method",
    "dots_budget", "dots_per_idea", "question", "forum", "city", "live_results", "pre_moderation",
]
SCALARS = (
    st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=40)
    | st.sampled_from(["voting", "ideation", "archived", "hidden", "published", "support", "dots", "1", "-1"])
)
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3), max_leaves=8)
JSON_BODIES = st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=6), VALUES, max_size=5).map(json.dumps) | VALUES.map(json.dumps)
RAW_BODIES = st.sampled_from(["", "{", "NaN", '{"value": NaN}', '{"value": 1e999}', "[]", "null", '"x"', "\x00", '{"text": "\\ud800"}'])
BODIES = JSON_BODIES | RAW_BODIES

PARTICIPANT_ENDPOINTS = [
    ("put", "/api/v1/ideas/{idea}/vote/"),
    ("delete", "/api/v1/ideas/{idea}/vote/"),
    ("post", "/api/v1/sessions/{session}/ideas/"),
    ("post", "/api/v1/join/"),
]
MODERATOR_ENDPOINTS = [
    ("post", "/api/v1/sessions/{session}/stage/"),
    ("post", "/api/v1/sessions/{session}/timer/"),
    ("patch", "/api/v1/sessions/{session}/"),
    ("post", "/api/v1/sessions/"),
    ("post", "/api/v1/forums/"),
    ("patch", "/api/v1/ideas/{idea}/"),
    ("post", "/api/v1/ideas/{idea}/merge/"),
    ("post", "/api/v1/sessions/{session}/groups/"),
    ("patch", "/api/v1/groups/{group}/"),
    ("post", "/api/v1/groups/{group}/merge/"),
    ("post", "/api/v1/sessions/{session}/groups/suggestion/apply/"),
]
TABLES = (Forum, CaseSession, Participant, Idea, Vote, Group, ModerationAction)
# Every code each endpoint may answer to any body in the room below (a session in voting with
# two ideas and a group, no votes, no group suggestion): its success, then each refusal and why.
EXPECTED_CODES = {
    ("put", "/api/v1/ideas/{idea}/vote/"): {200, 400},  # stored; a bad value or request id
    ("delete", "/api/v1/ideas/{idea}/vote/"): {200, 400},  # withdrawn (or nothing to withdraw); not JSON
    ("post", "/api/v1/sessions/{session}/ideas/"): {400, 409},  # a bad text; a good one while voting
    ("post", "/api/v1/join/"): {201, 400, 404, 429},  # joined; bad shape; no such code; too many wrong codes
    ("post", "/api/v1/sessions/{session}/stage/"): {200, 400, 409},  # moved; no such stage; a refused move
    ("post", "/api/v1/sessions/{session}/timer/"): {200, 400},
    ("patch", "/api/v1/sessions/{session}/"): {200, 400},  # no votes yet, so even the method may change
    ("post", "/api/v1/sessions/"): {201, 400},
    ("post", "/api/v1/forums/"): {201, 400},
    ("patch", "/api/v1/ideas/{idea}/"): {200, 400},
    ("post", "/api/v1/ideas/{idea}/merge/"): {200, 400},  # merged; no such target, or itself
    ("post", "/api/v1/sessions/{session}/groups/"): {201, 400},
    ("patch", "/api/v1/groups/{group}/"): {200, 400},
    ("post", "/api/v1/groups/{group}/merge/"): {200, 400},
    ("post", "/api/v1/sessions/{session}/groups/suggestion/apply/"): {404},  # none was requested
    ("get", "/api/v1/sessions/{session}/similar/"): {200, 400},
}


@pytest.fixture
def room(session, participant, moderator, post_idea, monkeypatch):
    """A session in voting with two ideas and a group, and no rate limits in the way."""
    from rest_framework.throttling import SimpleRateThrottle

    rates = {scope: "1000000/min" for scope in SimpleRateThrottle.THROTTLE_RATES}
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", rates)
    first = post_idea(session, participant, "Тёплые остановки у каждой школы")
    post_idea(session, participant, "Велодорожки вдоль Лены")
    group = operations.group_create(session=session, actor=moderator, title="Транспорт", idea_ids=[first.pk])
    session.stage = Stage.VOTING
    session.save(update_fields=["stage"])
    return {"session": session.pk, "idea": first.pk, "group": group.pk}


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in TABLES}


def send(client: Any, method: str, path: str, body: str) -> Any:
    return client.generic(method.upper(), path, body, content_type="application/json")


def check(response: Any, before: dict[str, int], endpoint: tuple[str, str]) -> None:
    assert response.status_code in EXPECTED_CODES[endpoint], (endpoint, response.status_code, response.content[:500])
    if response.status_code >= 400:
        assert response["Content-Type"].startswith("application/json")
        detail = str(response.json().get("detail", "")).strip()
        assert len(detail.split()) >= 2 and any(c.isalpha() for c in detail), response.content[:500]  # words, not a code
        assert counts() == before, "a refused request changed the database"


FUZZ = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@FUZZ
@given(endpoint=st.sampled_from(PARTICIPANT_ENDPOINTS), body=BODIES)
def test_any_body_from_a_participant(api, room, participant, endpoint, body):
    method, path = endpoint
    before = counts()
    check(send(api(participant), method, path.format(**room), body), before, endpoint)


@FUZZ
@given(endpoint=st.sampled_from(MODERATOR_ENDPOINTS), body=BODIES)
def test_any_body_from_a_moderator(api, room, moderator, endpoint, body):
    method, path = endpoint
    before = counts()
    check(send(api(moderator), method, path.format(**room), body), before, endpoint)


@FUZZ
@given(text=st.text(max_size=300), k=st.text(max_size=6))
def test_any_query_to_similar_ideas(api, room, participant, text, k):
    response = api(participant).get(f"/api/v1/sessions/{room['session']}/similar/", {"text": text, "k": k})
    check(response, counts(), ("get", "/api/v1/sessions/{session}/similar/"))
