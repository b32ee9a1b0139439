"""REST votes through the vote intake (`ideas.api.vote_fast_path`): the same answers as the DRF view.

Every scenario runs twice on identical fresh data: once through the DRF view (the test client,
as before) and once through the ASGI application in front of Django, which takes plain
participant votes to the group commit. Status, body and the headers a client reads must match,
and the second run must really have gone through the intake.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from django.core.cache import cache
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from ideas.models import CaseSession, Idea, Stage, Vote, VotingMethod
from ideas.vote_intake import current_intake
from tests.conftest import IdeaFactory, ParticipantFactory, SessionFactory

pytestmark = pytest.mark.django_db(transaction=True)

HEADERS_COMPARED = (
    "content-type",
    "content-language",
    "content-security-policy",
    "x-frame-options",
    "x-content-type-options",
    "referrer-policy",
    "cross-origin-opener-policy",
    "www-authenticate",
    "allow",
    "vary",
)


class World:
    """A session open for voting, a participant, ideas; made afresh for each path."""

    def __init__(self, method: str = VotingMethod.AGREE, **session: Any) -> None:
        self.session: CaseSession = SessionFactory(stage=Stage.VOTING, voting_method=method, **session)
        self.voter = ParticipantFactory(session=self.session)
        self.idea: Idea = IdeaFactory(session=self.session)
        self.second: Idea = IdeaFactory(session=self.session)
        self.pending: Idea = IdeaFactory(session=self.session, status="pending")
        self.elsewhere: Idea = IdeaFactory()


# A request: (method, idea, body or None for no body, token, Accept-Language).
Request = tuple[str, int, dict[str, Any] | None, str, str]


def put(world: World, body: dict[str, Any], *, idea: int | None = None, lang: str = "ru", token: str = "") -> Request:
    return ("PUT", idea or world.idea.pk, body, token or world.voter.token, lang)


SCENARIOS: dict[str, Callable[[World], list[Request]]] = {
    "cast": lambda w: [put(w, {"value": 1, "request_id": "r-1"})],
    "change then resend": lambda w: [
        put(w, {"value": 1, "request_id": "a"}),
        put(w, {"value": -1, "request_id": "b"}),
        put(w, {"value": -1, "request_id": "a"}),
    ],
    "value out of range": lambda w: [put(w, {"value": 5})],
    "value as text": lambda w: [put(w, {"value": "1"}, lang="en")],
    "request id not text": lambda w: [put(w, {"value": 1, "request_id": 7})],
    "unknown token": lambda w: [put(w, {"value": 1}, token="vp_not-a-token")],
    "idea of another session": lambda w: [put(w, {"value": 1}, idea=w.elsewhere.pk)],
    "unknown idea": lambda w: [put(w, {"value": 1}, idea=999_999_999)],
    "pending idea": lambda w: [put(w, {"value": 1}, idea=w.pending.pk, lang="en")],
    "withdraw": lambda w: [
        put(w, {"value": 1}),
        ("DELETE", w.idea.pk, {"request_id": "w"}, w.voter.token, "ru"),
        ("DELETE", w.idea.pk, None, w.voter.token, "ru"),
    ],
}


def through_drf(requests: list[Request]) -> list[tuple[int, dict[str, Any], dict[str, str]]]:
    answers = []
    for method, idea, body, token, lang in requests:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_ACCEPT_LANGUAGE=lang)
        path = f"/api/v1/ideas/{idea}/vote/"
        if body is None:
            response = client.generic(method, path)
        else:
            response = client.generic(method, path, json.dumps(body), content_type="application/json")
        answers.append((response.status_code, response.json(), {k.lower(): v for k, v in response.headers.items()}))
    return answers


def through_asgi(requests: list[Request]) -> tuple[list[tuple[int, dict[str, Any], dict[str, str]]], int]:
    """The requests through the ASGI application; also how many went through the intake."""
    from backend.asgi import application

    async def go() -> tuple[list[tuple[int, dict[str, Any], dict[str, str]]], int]:
        answers = []
        before = current_intake().stored
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            for method, idea, body, token, lang in requests:
                headers = {"Authorization": f"Bearer {token}", "Accept-Language": lang}
                content = b""
                if body is not None:
                    headers["Content-Type"] = "application/json"
                    content = json.dumps(body).encode()
                response = await client.request(method, f"/api/v1/ideas/{idea}/vote/", content=content, headers=headers)
                answers.append((response.status_code, response.json(), {k.lower(): v for k, v in response.headers.items()}))
        return answers, current_intake().stored - before

    return asyncio.run(go())


def comparable(world: World, answer: tuple[int, dict[str, Any], dict[str, str]]) -> tuple[Any, ...]:
    status, body, headers = answer
    body = dict(body)
    if "idea" in body:  # ids differ between the two worlds
        body["idea"] = {world.idea.pk: "idea", world.second.pk: "second"}.get(body["idea"], body["idea"])
    compared = {name: headers.get(name) for name in HEADERS_COMPARED}
    if compared["content-security-policy"]:  # the same directives, in whatever order
        compared["content-security-policy"] = sorted(compared["content-security-policy"].split("; "))
    return status, body, compared


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_the_fast_path_answers_as_the_drf_view(name: str) -> None:
    drf_world, fast_world = World(), World()
    expected = [comparable(drf_world, a) for a in through_drf(SCENARIOS[name](drf_world))]
    cache.clear()
    answers, through_intake = through_asgi(SCENARIOS[name](fast_world))
    assert [comparable(fast_world, a) for a in answers] == expected
    assert through_intake == len(answers)
    stored = lambda w: sorted(Vote.objects.filter(participant=w.voter).values_list("value", flat=True))  # noqa: E731
    assert stored(fast_world) == stored(drf_world)


def test_over_budget_dots_are_refused_alike() -> None:
    def requests(world: World) -> list[Request]:
        return [put(world, {"value": 3}), put(world, {"value": 1}, idea=world.second.pk, lang="en")]

    options = {"dots_budget": 3, "dots_max_per_idea": 3}
    drf_world, fast_world = World(VotingMethod.DOTS, **options), World(VotingMethod.DOTS, **options)
    expected = [comparable(drf_world, a) for a in through_drf(requests(drf_world))]
    answers, _ = through_asgi(requests(fast_world))
    assert [comparable(fast_world, a) for a in answers] == expected
    assert expected[1][0] == 409 and expected[1][1]["code"] == "over_budget"


def test_the_vote_throttle_counts_fast_path_votes(monkeypatch: pytest.MonkeyPatch) -> None:
    rates = {**SimpleRateThrottle.THROTTLE_RATES, "participant_vote": "2/min"}
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", rates)
    world = World()
    answers, _ = through_asgi([put(world, {"value": v}) for v in (1, -1, 1)])
    assert [status for status, _body, _headers in answers] == [200, 200, 429]
    status, body, headers = answers[2]
    assert body["code"] == "throttled" and body["retry_after"] >= 1 and int(headers["retry-after"]) >= 1
    assert Vote.objects.get(participant=world.voter).value == -1


def test_requests_it_does_not_take_go_to_django_unchanged() -> None:
    """No token, a malformed body: Django and DRF answer (and nothing goes through the intake)."""
    world = World()

    async def go() -> tuple[list[httpx.Response], int]:
        from backend.asgi import application

        before = current_intake().stored
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            path = f"/api/v1/ideas/{world.idea.pk}/vote/"
            token = {"Authorization": f"Bearer {world.voter.token}", "Content-Type": "application/json"}
            responses = [
                await client.put(path, json={"value": 1}),
                await client.put(path, content=b'{"value": ', headers=token),
                await client.put(path, content=b'{"value": [1]}', headers=token),
                await client.put(path, content=b"[1]", headers=token),
            ]
        return responses, current_intake().stored - before

    responses, through_intake = asyncio.run(go())
    assert [r.status_code for r in responses] == [401, 400, 400, 400]
    assert all(r.json()["detail"] for r in responses)
    assert through_intake == 0
    assert not Vote.objects.filter(participant=world.voter).exists()


def test_concurrent_rest_voters_are_queued_and_stored_together() -> None:
    """Fifty voters at once (on SQLite too): every vote 200, stored once, in a few transactions."""
    session = SessionFactory(stage=Stage.VOTING, voting_method=VotingMethod.SUPPORT)
    idea = IdeaFactory(session=session)
    voters = [ParticipantFactory(session=session) for _ in range(50)]

    async def go() -> tuple[list[int], int]:
        from backend.asgi import application

        intake = current_intake()
        before = intake.batches
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            responses = await asyncio.gather(
                *(
                    client.put(
                        f"/api/v1/ideas/{idea.pk}/vote/",
                        json={"value": 1, "request_id": f"r{voter.pk}"},
                        headers={"Authorization": f"Bearer {voter.token}"},
                    )
                    for voter in voters
                )
            )
        return [r.status_code for r in responses], intake.batches - before

    statuses, batches = asyncio.run(go())
    assert statuses == [200] * 50
    assert Vote.objects.filter(idea=idea).count() == 50
    assert batches < 50  # stored together, not one transaction each


def test_one_batch_counts_each_voters_votes_in_order(monkeypatch: pytest.MonkeyPatch) -> None:
    """A batch reads and writes the throttle's windows once; each vote still counts, in order."""
    from ideas.api.throttles import VoteThrottle

    rates = {**SimpleRateThrottle.THROTTLE_RATES, "participant_vote": "2/min"}
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", rates)
    cache.clear()
    first = VoteThrottle().allow_many([7, 8, 7, 7, 8])
    assert [allowed for allowed, _wait in first] == [True, True, True, False, True]
    assert first[3][1] is not None and 0 < first[3][1] <= 60
    # The next batch sees what the first one stored.
    assert [allowed for allowed, _wait in VoteThrottle().allow_many([8, 9])] == [False, True]
