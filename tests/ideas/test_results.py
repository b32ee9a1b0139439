"""Results and consensus arithmetic, checked by hand."""

from __future__ import annotations

import pytest

from ideas import operations
from ideas.models import VotingMethod
from ideas.tallies import Tally, consensus_score

pytestmark = pytest.mark.django_db


def test_consensus_by_hand_agree():
    # Sector A: 3 agree of 3 votes → (3+1)/(3+2) = 0.8; sector B: 1 agree of 4 → 2/6 = 1/3.
    a = Tally()
    a.add(1, 3)
    b = Tally()
    b.add(1, 1)
    b.add(-1, 3)
    score = consensus_score(
        method=VotingMethod.AGREE, by_sector={"a": a, "b": b}, sector_voters={"a": 3, "b": 4}
    )
    assert score == pytest.approx(0.8 * (2 / 6), abs=1e-6)


def test_small_sectors_are_left_out_of_consensus():
    a = Tally()
    a.add(1, 3)
    tiny = Tally()
    tiny.add(-1, 2)  # two voters only: left out
    score = consensus_score(
        method=VotingMethod.AGREE,
        by_sector={"a": a, "tiny": tiny},
        sector_voters={"a": 3, "tiny": 2},
    )
    assert score == pytest.approx(0.8)
    assert (
        consensus_score(
            method=VotingMethod.AGREE, by_sector={"tiny": tiny}, sector_voters={"tiny": 2}
        )
        is None
    )


def test_support_counts_every_active_voter_of_the_sector():
    # Sector with 5 active voters, 2 supported the idea: (2+1)/(5+2) = 3/7.
    supported = Tally()
    supported.add(1, 2)
    score = consensus_score(
        method=VotingMethod.SUPPORT, by_sector={"s": supported}, sector_voters={"s": 5}
    )
    assert score == pytest.approx(3 / 7, abs=1e-6)


def test_loved_by_one_sector_scores_below_liked_by_all():
    def tally(agree, disagree):
        t = Tally()
        t.add(1, agree)
        t.add(-1, disagree)
        return t

    voters = {"business": 6, "society": 6}
    polarising = consensus_score(
        method=VotingMethod.AGREE,
        by_sector={"business": tally(6, 0), "society": tally(0, 6)},
        sector_voters=voters,
    )
    bridging = consensus_score(
        method=VotingMethod.AGREE,
        by_sector={"business": tally(4, 2), "society": tally(4, 2)},
        sector_voters=voters,
    )
    assert bridging > polarising


def test_results_document(api, session, make_participant, post_idea, moderator):
    session.voting_method = VotingMethod.AGREE
    session.save()
    author = make_participant(session)
    bridging = post_idea(session, author, "Тёплые остановки")
    polarising = post_idea(session, author, "Закрыть центр для машин")
    business = [make_participant(session, sector="business") for _ in range(3)]
    society = [make_participant(session, sector="society") for _ in range(3)]
    lone_expert = make_participant(session, sector="expert")
    for voter in business + society:
        operations.vote_cast(participant=voter, idea_id=bridging.pk, value=1)
    for voter in business:
        operations.vote_cast(participant=voter, idea_id=polarising.pk, value=-1)
    for voter in society:
        operations.vote_cast(participant=voter, idea_id=polarising.pk, value=1)
    operations.vote_cast(participant=lone_expert, idea_id=polarising.pk, value=0)
    group = operations.group_create(
        session=session, actor=moderator, title="Город", idea_ids=[bridging.pk, polarising.pk]
    )

    body = api(None).get(f"/api/v1/sessions/{session.pk}/results/").json()
    rows = {row["id"]: row for row in body["ideas"]}
    assert rows[bridging.pk]["agree"] == 6
    assert rows[bridging.pk]["score"] == 6
    assert rows[polarising.pk] | {} == rows[polarising.pk]
    assert (
        rows[polarising.pk]["agree"],
        rows[polarising.pk]["disagree"],
        rows[polarising.pk]["pass"],
    ) == (3, 3, 1)
    assert rows[polarising.pk]["score"] == 0
    # The expert sector has one voter: it never appears in a breakdown.
    assert set(rows[polarising.pk]["by_sector"]) == {"business", "society"}
    assert rows[polarising.pk]["by_sector"]["business"]["disagree"] == 3
    # Hand-checked: bridging (4/5)·(4/5) = 0.64; polarising (1/5)·(4/5) = 0.16.
    assert rows[bridging.pk]["consensus"] == pytest.approx(0.64)
    assert rows[polarising.pk]["consensus"] == pytest.approx(0.16)
    assert body["consensus_ideas"] == [bridging.pk]
    assert [row["id"] for row in body["ideas"]] == [bridging.pk, polarising.pk]
    assert body["groups"][0]["id"] == group.pk
    assert body["groups"][0]["score"] == 6
    assert body["groups"][0]["supporters"] == 6
    turnout = body["turnout"]
    assert turnout["participants"] == 8
    assert turnout["voters"] == 7
    assert set(turnout["by_sector"]) == {"business", "society"}


def test_dots_results(session, make_participant, post_idea):
    from ideas.tallies import session_results

    session.voting_method = VotingMethod.DOTS
    session.save()
    author = make_participant(session)
    idea = post_idea(session, author, "Идея")
    for dots in (3, 2, 1):
        operations.vote_cast(participant=make_participant(session), idea_id=idea.pk, value=dots)
    row = session_results(session)["ideas"][0]
    assert (row["dots"], row["supporters"], row["score"]) == (6, 3, 6)
