"""Public votes through the vote intake (`contests.vote_fast_path`): the same answers as the DRF view.

Every scenario runs twice on identical fresh contests: once through the DRF view (the test
client) and once through the ASGI application, whose fast path takes plain participant votes to
the group commit. Status, body (in the request's language) and the headers a client reads must
match, the fast run must really have gone through the intake (or, for what is not plain, through
Django), and the stored votes (with their burst flags) must be the same.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from django.contrib.auth import get_user_model
from django.db import IntegrityError
from django.test import override_settings
from rest_framework.test import APIClient

from contests import events, operations, regulations
from contests.models import Contest, Entry, PublicVote
from ideas.errors import Conflict
from ideas.models import ApiToken, CaseSession, Forum, Stage
from ideas.operations import participant_join
from ideas.vote_intake import current_intake

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
    """A contest in its defence with the `tos` nomination open, voters of its audience, entries."""

    def __init__(self, tag: str) -> None:
        users = get_user_model().objects
        self.organiser = users.create_user(f"org-{tag}", password="x")  # noqa: S106
        forum = Forum.objects.create(title="Форум", city="Тольятти")
        forum.organisers.add(self.organiser)
        self.session = CaseSession.objects.create(forum=forum, title="Зал", question="Голосуем", stage=Stage.VOTING)
        self.elsewhere = CaseSession.objects.create(forum=forum, title="Другой зал", question="?", stage=Stage.VOTING)
        document = regulations.example([("tos", "ТОС", "TOS"), ("nko", "НКО", "NGO")])
        self.contest = operations.contest_create(
            forum=forum, actor=self.organiser, title="Практики", regulations_document=document, audience_session=self.session
        )
        other = operations.contest_create(forum=forum, actor=self.organiser, title="Другой", regulations_document=document)
        operations.contest_set_stage(contest=self.contest, actor=self.organiser, stage="submissions")
        operations.contest_set_stage(contest=other, actor=self.organiser, stage="submissions")
        self.entries: dict[str, Entry] = {}
        for name, nomination, contest in (
            ("tos", "tos", self.contest), ("tos2", "tos", self.contest), ("nko", "nko", self.contest),
            ("pending", "tos", self.contest), ("other", "tos", other),
        ):
            entry = operations.entry_submit(contest=contest, actor=self.organiser, data=entry_data(name, nomination))
            status = "pending" if name == "pending" else "published"
            if entry.status != status:
                operations.entry_screen(entry=entry, actor=self.organiser, status=status)
            self.entries[name] = entry
        for stage in ("selection", "defence"):
            operations.contest_set_stage(contest=self.contest, actor=self.organiser, stage=stage)
        operations.public_vote_set_open(contest=self.contest, actor=self.organiser, nomination="tos", is_open=True)
        self.voter = participant_join(code=self.session.join_code, display_name="Зритель", sector=self.session.sector_codes[0])
        self.second_voter = participant_join(code=self.session.join_code, display_name="Соседка", sector=self.session.sector_codes[0])
        self.outsider = participant_join(code=self.elsewhere.join_code, display_name="Чужой", sector=self.elsewhere.sector_codes[0])
        api_token = ApiToken(user=self.organiser)
        self.staff_token = api_token.issue_token()
        api_token.save()

    def names(self) -> dict[int, str]:
        return {entry.pk: name for name, entry in self.entries.items()}


def entry_data(name: str, nomination: str) -> dict[str, Any]:
    return {
        "nomination": nomination, "title": f"Практика {name}", "team_kind": "tos", "settlement": "urban",
        "organisation": f"ТОС {name}", "territory": f"Район {name}", "problem": "Нет двора",
        "actions": "Построили двор", "results": "Двор есть", "contacts": "тел.",
    }


# A request: (contest id, JSON body or raw bytes, token, Accept-Language, X-Forwarded-For).
Request = tuple[int, Any, str, str, str]


def vote(world: World, entry: str | int | None = "tos", *, token: str = "", lang: str = "ru", body: Any = None,
         contest: int | None = None, address: str = "10.0.0.1") -> Request:
    if body is None:
        body = {"entry": world.entries[entry].pk if isinstance(entry, str) else entry}
    return (contest or world.contest.pk, body, token or world.voter.token, lang, address)


SCENARIOS: dict[str, Callable[[World], list[Request]]] = {
    "cast": lambda w: [vote(w)],
    "cast, in English, with other keys": lambda w: [vote(w, body={"entry": w.entries["tos"].pk, "note": "x"}, lang="en")],
    "second vote in the nomination": lambda w: [vote(w), vote(w, "tos2"), vote(w, "tos2", lang="en")],
    "two voters": lambda w: [vote(w), vote(w, token=w.second_voter.token)],
    "unknown token": lambda w: [vote(w, token="vp_not-a-token"), vote(w, token="vp_not-a-token", lang="en")],
    "participant of another session": lambda w: [vote(w, token=w.outsider.token), vote(w, token=w.outsider.token, lang="en")],
    "closed nomination": lambda w: [vote(w, "nko"), vote(w, "nko", lang="en")],
    "entry not admitted": lambda w: [vote(w, "pending"), vote(w, "pending", lang="en")],
    "entry of another contest": lambda w: [vote(w, "other"), vote(w, "other", lang="en")],
    "unknown entry": lambda w: [vote(w, 999_999_999), vote(w, 999_999_999, lang="en")],
    "unknown contest": lambda w: [vote(w, contest=999_999_999), vote(w, contest=999_999_999, lang="en")],
    # Not plain: Django's (DRF's) own answers, through the fast path's replay.
    "entry as text": lambda w: [vote(w, body={"entry": str(w.entries["tos"].pk)}, lang="en")],
    "entry zero": lambda w: [vote(w, 0)],
    "entry missing": lambda w: [vote(w, body={"value": 1}, lang="en")],
    "entry true": lambda w: [vote(w, body={"entry": True})],
    "not an object": lambda w: [vote(w, body=[1, 2])],
    "broken JSON": lambda w: [vote(w, body=b'{"entry": ')],
    "staff token": lambda w: [vote(w, token=w.staff_token, lang="en")],
}
PLAIN = {name for name in SCENARIOS if name not in {
    "entry as text", "entry zero", "entry missing", "entry true", "not an object", "broken JSON", "staff token",
}}


def _content(body: Any) -> bytes:
    return body if isinstance(body, bytes) else json.dumps(body).encode()


def through_drf(requests: list[Request]) -> list[tuple[int, Any, dict[str, str]]]:
    answers = []
    for contest, body, token, lang, address in requests:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_ACCEPT_LANGUAGE=lang, HTTP_X_FORWARDED_FOR=address)
        response = client.post(f"/api/v1/contests/{contest}/vote/", _content(body), content_type="application/json")
        answers.append((response.status_code, response.json(), {k.lower(): v for k, v in response.headers.items()}))
    return answers


async def _asgi(requests: list[Request], together: bool) -> list[tuple[int, Any, dict[str, str]]]:
    from backend.asgi import application

    transport = httpx.ASGITransport(app=application, client=("127.0.0.1", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:

        async def one(request: Request) -> tuple[int, Any, dict[str, str]]:
            contest, body, token, lang, address = request
            headers = {"Authorization": f"Bearer {token}", "Accept-Language": lang, "Content-Type": "application/json",
                       "X-Forwarded-For": address}
            response = await client.post(f"/api/v1/contests/{contest}/vote/", content=_content(body), headers=headers)
            return response.status_code, response.json(), {k.lower(): v for k, v in response.headers.items()}

        if together:
            return list(await asyncio.gather(*(one(request) for request in requests)))
        return [await one(request) for request in requests]


def through_asgi(requests: list[Request], together: bool = False) -> tuple[list[tuple[int, Any, dict[str, str]]], int]:
    """The requests through the ASGI application; also how many went through the intake."""

    async def go() -> tuple[list[tuple[int, Any, dict[str, str]]], int]:
        before = current_intake().stored
        answers = await _asgi(requests, together)
        return answers, current_intake().stored - before

    return asyncio.run(go())


def comparable(world: World, answer: tuple[int, Any, dict[str, str]]) -> tuple[Any, ...]:
    status, body, headers = answer
    if isinstance(body, dict) and "entry" in body:  # ids differ between the two worlds
        body = {**body, "entry": world.names().get(body["entry"], body["entry"])}
    compared = {name: headers.get(name) for name in HEADERS_COMPARED}
    if compared["content-security-policy"]:  # the same directives, in whatever order
        compared["content-security-policy"] = sorted(compared["content-security-policy"].split("; "))
    return status, body, compared


def stored(world: World) -> list[tuple[str, str, bool]]:
    names = world.names()
    return sorted(
        (str(voter), names[entry], flagged)
        for voter, entry, flagged in PublicVote.objects.filter(contest=world.contest).values_list(
            "participant__display_name", "entry_id", "flagged"
        )
    )


@override_settings(VECHE_TRUSTED_PROXIES=["127.0.0.1"])
@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_the_fast_path_answers_as_the_drf_view(name: str) -> None:
    drf_world, fast_world = World("drf"), World("fast")
    expected = [comparable(drf_world, a) for a in through_drf(SCENARIOS[name](drf_world))]
    answers, through_intake = through_asgi(SCENARIOS[name](fast_world))
    assert [comparable(fast_world, a) for a in answers] == expected
    assert through_intake == (len(answers) if name in PLAIN else 0)
    assert stored(fast_world) == stored(drf_world)


def test_every_refusal_is_in_the_voters_language() -> None:
    """Not only equal to DRF's: the Russian and English messages really differ (no fallback to one)."""
    world = World("lang")
    for scenario in ("closed nomination", "entry not admitted", "unknown token", "participant of another session"):
        (ru, _h1), (en, _h2) = [(a[1]["detail"], a[2]) for a in through_asgi(SCENARIOS[scenario](world))[0]]
        assert ru != en, scenario
        assert any("а" <= ch <= "я" for ch in ru.lower()), ru


@override_settings(VECHE_TRUSTED_PROXIES=["127.0.0.1"], VECHE_CONTEST_BURST_ADDRESS_VOTES=3)
def test_bursts_are_flagged_as_through_the_drf_view() -> None:
    """Five voters from one address: from the third on a burst, and the earlier ones marked too."""

    def requests(world: World) -> list[Request]:
        voters = [participant_join(code=world.session.join_code, display_name=f"v{i}", sector=world.session.sector_codes[0])
                  for i in range(5)]
        others = [vote(world, token=v.token, address="10.9.9.9") for v in voters]
        return [vote(world, address="10.1.1.1"), *others]

    drf_world, fast_world = World("drf"), World("fast")
    through_drf(requests(drf_world))
    through_asgi(requests(fast_world))
    assert stored(fast_world) == stored(drf_world)
    assert [flagged for voter, _entry, flagged in stored(fast_world) if voter.startswith("v")] == [True] * 5
    assert [flagged for voter, _entry, flagged in stored(fast_world) if voter == "Зритель"] == [False]


@override_settings(VECHE_CONTEST_BURST_ADDRESS_VOTES=1000)
def test_a_hall_voting_at_once_goes_in_few_transactions_once_each_with_tallies_after_commit() -> None:
    """Sixty voters, each tapping twice at the same moment: 60 stored, 60 refused as second votes,
    in fewer batches than votes; `contest.tally` leaves after commit and counts what is stored."""
    world = World("hall")
    voters = [participant_join(code=world.session.join_code, display_name=f"v{i}", sector=world.session.sector_codes[0])
              for i in range(60)]
    seen: list[tuple[int, str, dict[str, Any], int]] = []

    def sink(contest_id: int, kind: str, payload: dict[str, Any]) -> None:
        if kind == "contest.tally":  # what is committed when the event leaves
            seen.append((contest_id, kind, payload, PublicVote.objects.filter(contest_id=contest_id).count()))

    events.register_sink(sink)
    try:
        requests = [vote(world, "tos" if i % 2 else "tos2", token=v.token) for i, v in enumerate(voters) for _tap in range(2)]

        async def go() -> tuple[list[tuple[int, Any, dict[str, str]]], int, int]:
            intake = current_intake()
            batches, stored_before = intake.batches, intake.stored
            answers = await _asgi(requests, together=True)
            return answers, intake.batches - batches, intake.stored - stored_before

        answers, batches, through_intake = asyncio.run(go())
    finally:
        events.unregister_sink(sink)
    statuses = sorted(status for status, _body, _headers in answers)
    assert statuses == [201] * 60 + [409] * 60
    refusals = [body for status, body, _headers in answers if status == 409]
    assert all(body == refusals[0] and body["code"] == "already_voted" for body in refusals)
    assert PublicVote.objects.filter(contest=world.contest).count() == 60
    assert through_intake == 120 and batches < 120
    assert seen and all(payload == {"nomination": "tos", "session": world.session.pk} for _c, _k, payload, _n in seen)
    assert seen[-1][3] == 60  # the last tally event came after the last commit
    assert Contest.objects.get(pk=world.contest.pk).stage == "defence"


def test_a_vote_another_process_stored_first_is_refused_alone() -> None:
    """The race the pre-check cannot see (a double tap's other request, in another process, commits
    between the check and the insert): the batch's insert fails on the unique constraint, nothing
    of it stays, and vote by vote only that vote is refused; the rest of the batch is stored."""
    world = World("race")
    entry = Entry.objects.get(pk=world.entries["tos"].pk)
    casts = [
        operations.PublicVoteCast(world.contest.pk, voter.participant, entry, "10.0.0.1", "en")
        for voter in (world.voter, world.second_voter)
    ]
    operations.public_vote_cast(contest=world.contest.pk, participant=world.voter.participant, entry=entry)  # "another process"
    contest = Contest.objects.select_related("audience_session").get(pk=world.contest.pk)
    pending = [(index, cast, contest) for index, cast in enumerate(casts)]
    with pytest.raises(IntegrityError):
        operations._store_public_votes(pending, one_by_one=False)
    assert PublicVote.objects.filter(participant=world.second_voter.participant).count() == 0
    results, _bursts = operations._store_public_votes(pending, one_by_one=True)
    assert isinstance(results[0], Conflict) and str(results[0]) == "You have already voted in this nomination."
    assert isinstance(results[1], PublicVote)
    assert sorted(PublicVote.objects.filter(contest=world.contest).values_list("participant__display_name", flat=True)) == [
        "Зритель", "Соседка",
    ]
