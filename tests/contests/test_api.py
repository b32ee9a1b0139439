"""The contest API's permission table: organiser, juror (assigned, unassigned, recused), participant, anonymous."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from contests import operations
from contests.models import JurorAssignment, Score
from tests.contests.conftest import World, join

ALL = {"relevance": 7, "impact": 8, "replicability": 6}


def client_for(world: World, who: str, entry_id: int) -> APIClient:
    client = APIClient()
    if who == "organiser":
        client.force_authenticate(world.organiser)
    elif who in ("assigned", "unassigned", "recused"):
        client.force_authenticate(world.roles[who])
    elif who == "participant":
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {join(world.session).token}")
    return client


@pytest.fixture
def table(world: World) -> World:
    operations.jury_assign(contest=world.contest, actor=world.organiser)
    operations.contest_set_stage(contest=world.contest, actor=world.organiser, stage="selection")
    entry = world.entries[0]
    on_entry = [a.juror for a in JurorAssignment.objects.filter(entry=entry)]
    off_entry = next(j for j in world.jurors if j not in on_entry)
    # one assigned juror declares a conflict: recused; the other stays assigned
    operations.conflict_declare(contest=world.contest, entry=entry, actor=on_entry[1].user, reason="сосед")
    world.roles = {"assigned": on_entry[0].user, "recused": on_entry[1].user, "unassigned": off_entry.user}
    world.entry = entry
    return world


# who → (sees the entry in the list, sheet GET, sheet PUT, progress, results before results stage)
EXPECTED = {
    "organiser": (True, 403, 403, 200, 403),
    "assigned": (True, 200, 200, 200, 403),
    "recused": (True, 200, 403, 200, 403),
    "unassigned": (False, 404, 404, 200, 403),
    "participant": (True, 401, 401, 200, 403),  # a participant's token is not a juror's
    "anonymous": (True, 401, 401, 200, 403),
}


@pytest.mark.parametrize("who", list(EXPECTED))
def test_permission_table(table: World, who: str) -> None:
    world = table
    sees, sheet_get, sheet_put, progress, results = EXPECTED[who]
    client = client_for(world, who, world.entry.pk)
    base = f"/api/v1/contests/{world.contest.pk}"
    listed = client.get(f"{base}/entries/")
    assert listed.status_code == 200
    ids = {row["id"] for row in listed.json()}
    assert (world.entry.pk in ids) is sees
    if who != "organiser":
        assert all("contacts" not in row for row in listed.json())
    if who in ("unassigned",):
        assert ids and world.entry.pk not in ids  # only their own assigned entries
    expected_get = sheet_get
    expected_put = sheet_put
    if who == "participant":
        expected_get = expected_put = 403
    assert client.get(f"{base}/entries/{world.entry.pk}/sheet/").status_code == expected_get
    response = client.put(f"{base}/entries/{world.entry.pk}/sheet/", {"scores": ALL, "submit": True}, format="json")
    assert response.status_code == expected_put, response.json()
    if expected_put != 200:
        assert Score.objects.count() == 0  # nothing written
        assert response.json()["detail"]
    rows = client.get(f"{base}/progress/")
    assert rows.status_code == progress
    assert all(set(row) == {"entry", "nomination", "title", "scored", "of"} for row in rows.json())
    assert client.get(f"{base}/results/").status_code == results


def test_jurors_are_blind_until_they_submit(table: World) -> None:
    world = table
    second = next(
        a.juror.user for a in JurorAssignment.objects.filter(entry=world.entries[1], recused=False)
    )
    others = [a.juror.user for a in JurorAssignment.objects.filter(entry=world.entries[1], recused=False) if a.juror.user != second]
    first_client, second_client = APIClient(), APIClient()
    first_client.force_authenticate(others[0])
    second_client.force_authenticate(second)
    url = f"/api/v1/contests/{world.contest.pk}/entries/{world.entries[1].pk}/sheet/"
    assert first_client.put(url, {"scores": ALL, "submit": True}, format="json").status_code == 200
    draft = second_client.put(url, {"scores": {"impact": 2}}, format="json").json()
    assert draft["others"] is None and draft["scores"] == {"impact": 2}
    done = second_client.put(url, {"scores": {"relevance": 2, "replicability": 3}, "submit": True}, format="json").json()
    assert list(done["others"].values()) == [ALL]
    assert all(key.startswith("J") for key in done["others"])
    progress = {row["entry"]: row for row in APIClient().get(f"/api/v1/contests/{world.contest.pk}/progress/").json()}
    assert (progress[world.entries[1].pk]["scored"], progress[world.entries[1].pk]["of"]) == (2, 2)


def test_errors_are_translated_4xx(table: World) -> None:
    client = APIClient()
    client.force_authenticate(table.roles["assigned"])
    url = f"/api/v1/contests/{table.contest.pk}/entries/{table.entry.pk}/sheet/"
    response = client.put(url, {"scores": {"impact": 11}}, format="json", HTTP_ACCEPT_LANGUAGE="ru")
    assert response.status_code == 400
    assert "от 0 до 10" in response.json()["detail"]
    organiser = APIClient()
    organiser.force_authenticate(table.organiser)
    refused = organiser.post(
        f"/api/v1/contests/{table.contest.pk}/regulations/", {"regulations": table.contest.regulations | {"min_jurors": 3}},
        format="json", HTTP_ACCEPT_LANGUAGE="ru",
    )
    assert refused.status_code == 400 and "причину" in refused.json()["detail"]
    history = APIClient().get(f"/api/v1/contests/{table.contest.pk}/").json()["history"]
    assert [row["version"] for row in history] == [1]


def test_public_vote_over_the_api(table: World) -> None:
    world = table
    organiser = APIClient()
    organiser.force_authenticate(world.organiser)
    base = f"/api/v1/contests/{world.contest.pk}"
    assert organiser.post(f"{base}/stage/", {"stage": "defence"}, format="json").status_code == 200
    assert organiser.post(f"{base}/public-vote/", {"nomination": "tos", "open": True}, format="json").status_code == 200
    voter = APIClient()
    voter.credentials(HTTP_AUTHORIZATION=f"Bearer {join(world.session).token}")
    assert voter.post(f"{base}/vote/", {"entry": world.entry.pk}, format="json").status_code == 201
    again = voter.post(f"{base}/vote/", {"entry": world.entries[1].pk}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "already_voted"
    assert APIClient().post(f"{base}/vote/", {"entry": world.entry.pk}, format="json").status_code == 403


def test_draft_contest_is_hidden_from_the_public(world: Any) -> None:
    from contests import regulations as regs

    draft = operations.contest_create(
        forum=world.forum, actor=world.organiser, title="Черновик", regulations_document=regs.example()
    )
    assert APIClient().get(f"/api/v1/contests/{draft.pk}/").status_code == 404
    assert draft.pk not in {row["id"] for row in APIClient().get("/api/v1/contests/").json()}
    organiser = APIClient()
    organiser.force_authenticate(world.organiser)
    assert organiser.get(f"/api/v1/contests/{draft.pk}/").status_code == 200
