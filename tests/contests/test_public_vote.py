"""The public vote: each voter's own order of entries, bursts flagged (kept), refusals in words, nothing written."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rest_framework.test import APIClient

from contests import operations
from contests.models import PublicVote
from contests.ordering import ballot_order
from tests.contests.conftest import World, join

# --- the order (pure) ----------------------------------------------------------------------------


@given(st.sets(st.integers(min_value=1, max_value=10**9), max_size=40), st.integers(1, 10**6), st.integers(1, 10**6))
def test_ballot_order_is_a_permutation_independent_of_input_order(ids: set[int], contest: int, participant: int) -> None:
    forward = ballot_order(sorted(ids), contest_id=contest, participant_id=participant)
    backward = ballot_order(sorted(ids, reverse=True), contest_id=contest, participant_id=participant)
    assert forward == backward
    assert sorted(forward) == sorted(ids)


def test_ballot_orders_differ_between_participants_and_keep_relative_places() -> None:
    ids = list(range(1, 13))
    orders = {tuple(ballot_order(ids, contest_id=7, participant_id=p)) for p in range(1, 51)}
    assert len(orders) > 45  # 12! orders: fifty voters nearly never share one
    firsts = {order[0] for order in orders}
    assert len(firsts) >= 8  # no entry is always on top
    # A newly admitted entry takes a place without reordering the others.
    before = ballot_order(ids, contest_id=7, participant_id=3)
    after = ballot_order([*ids, 99], contest_id=7, participant_id=3)
    assert [entry for entry in after if entry != 99] == before
    assert ballot_order(ids, contest_id=8, participant_id=3) != before  # another contest, another order


# --- over the API --------------------------------------------------------------------------------


@pytest.fixture
def voting(world: World) -> World:
    operations.jury_assign(contest=world.contest, actor=world.organiser)
    for stage in ("selection", "defence"):
        operations.contest_set_stage(contest=world.contest, actor=world.organiser, stage=stage)
    operations.public_vote_set_open(contest=world.contest, actor=world.organiser, nomination="tos", is_open=True)
    world.contest.refresh_from_db()
    return world


def voter_client(world: World, name: str = "Зритель", **headers: Any) -> APIClient:
    client = APIClient(**headers)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {join(world.session, name).token}")
    return client


def test_each_voter_sees_the_entries_in_their_own_stable_order(voting: World) -> None:
    base = f"/api/v1/contests/{voting.contest.pk}"
    tos = sorted(entry.pk for entry in voting.entries if entry.nomination == "tos")
    orders = []
    for n in range(8):
        client = voter_client(voting, f"v{n}")
        ballot = client.get(f"{base}/ballot/")
        assert ballot.status_code == 200
        nomination = next(item for item in ballot.json()["nominations"] if item["code"] == "tos")
        assert nomination["open"] is True and nomination["my_vote"] is None
        order = [entry["id"] for entry in nomination["entries"]]
        assert sorted(order) == tos
        assert all("contacts" not in entry for entry in nomination["entries"])
        assert client.get(f"{base}/ballot/").json() == ballot.json()  # stable on reload
        listed = [row["id"] for row in client.get(f"{base}/entries/").json() if row["nomination"] == "tos"]
        assert listed == order  # the entry list follows the same order
        orders.append(tuple(order))
        if n == 0:
            assert client.post(f"{base}/vote/", {"entry": order[-1]}, format="json").status_code == 201
            again = next(i for i in client.get(f"{base}/ballot/").json()["nominations"] if i["code"] == "tos")
            assert again["my_vote"] == order[-1]
    assert len(set(orders)) > 1
    closed = next(item for item in voter_client(voting).get(f"{base}/ballot/").json()["nominations"] if item["code"] == "nko")
    assert closed["open"] is False
    refused = APIClient().get(f"{base}/ballot/", HTTP_ACCEPT_LANGUAGE="ru")
    assert refused.status_code in (401, 403) and refused.json()["detail"]


@pytest.mark.parametrize(
    ("case", "status", "ru", "en"),
    [
        ("closed", 409, "закрыто", "closed"),
        ("second", 409, "уже проголосовали", "already voted"),
        ("unknown", 404, "нет такой заявки", "No such entry"),
        ("other_contest", 404, "нет такой заявки", "No such entry"),
        ("not_a_voter", 403, "сессии зала", "audience session"),
    ],
)
@pytest.mark.parametrize("language", ["ru", "en"])
def test_bad_votes_are_refused_in_words_and_write_nothing(
    voting: World, case: str, status: int, ru: str, en: str, language: str
) -> None:
    from contests import regulations

    base = f"/api/v1/contests/{voting.contest.pk}"
    client = voter_client(voting)
    entry = voting.entries[0].pk
    if case == "second":
        assert client.post(f"{base}/vote/", {"entry": entry}, format="json").status_code == 201
        entry = voting.entries[1].pk
    elif case == "closed":
        entry = next(e.pk for e in voting.entries if e.nomination == "nko")
    elif case == "unknown":
        entry = 10**12
    elif case == "other_contest":
        other = operations.contest_create(
            forum=voting.forum, actor=voting.organiser, title="Другой", regulations_document=regulations.example()
        )
        operations.contest_set_stage(contest=other, actor=voting.organiser, stage="submissions")
        from tests.contests.conftest import entry_data

        entry = operations.entry_submit(contest=other, actor=voting.outsider, data=entry_data(99)).pk
    elif case == "not_a_voter":
        from ideas.models import CaseSession, Stage

        hall = CaseSession.objects.create(forum=voting.forum, title="Другой зал", question="?", stage=Stage.VOTING)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {join(hall).token}")
    before = PublicVote.objects.count()
    response = client.post(f"{base}/vote/", {"entry": entry}, format="json", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == status, response.json()
    assert (ru if language == "ru" else en) in response.json()["detail"]
    assert PublicVote.objects.count() == before


def test_a_burst_through_one_join_code_is_kept_flagged_and_counted_for_the_organiser(voting: World, settings: Any) -> None:
    settings.VECHE_CONTEST_BURST_JOIN_CODE_VOTES = 5
    settings.VECHE_TRUSTED_PROXIES = ["127.0.0.1/32"]
    base = f"/api/v1/contests/{voting.contest.pk}"
    tos = [entry.pk for entry in voting.entries if entry.nomination == "tos"]
    for n in range(7):  # different addresses, one join code: the join-code rule alone flags them
        client = voter_client(voting, f"v{n}")
        response = client.post(
            f"{base}/vote/", {"entry": tos[n % len(tos)]}, format="json", HTTP_X_FORWARDED_FOR=f"10.1.0.{n + 1}"
        )
        assert response.status_code == 201
        assert "flagged" not in response.json()  # the voter is not told
    assert PublicVote.objects.filter(contest=voting.contest).count() == 7  # kept
    assert PublicVote.objects.filter(contest=voting.contest, flagged=True).count() == 7  # the whole burst marked
    assert len(set(PublicVote.objects.values_list("address_hash", flat=True))) == 7

    organiser = APIClient()
    organiser.force_authenticate(voting.organiser)
    summary = organiser.get(f"{base}/public-vote/")
    assert summary.status_code == 200
    tos_row = next(row for row in summary.json() if row["nomination"] == "tos")
    assert (tos_row["votes"], tos_row["flagged"], tos_row["open"]) == (7, 7, True)
    assert sum(item["votes"] for item in tos_row["entries"]) == 7
    for who in (voter_client(voting), APIClient()):
        assert who.get(f"{base}/public-vote/").status_code in (401, 403)


def test_votes_below_the_burst_limits_stay_unflagged(voting: World) -> None:
    base = f"/api/v1/contests/{voting.contest.pk}"
    for n in range(3):
        assert voter_client(voting, f"v{n}").post(f"{base}/vote/", {"entry": voting.entries[0].pk}, format="json").status_code == 201
    assert not PublicVote.objects.filter(flagged=True).exists()
