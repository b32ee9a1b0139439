""""Supported across all sectors" means a majority of every published sector's voters.

Votes go through `operations.vote_cast`; the list is read from the results document, the
big screen and the archive, which all take it from `ideas.tallies.session_results`.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from ideas import operations
from ideas.models import CaseSession, Idea, Stage, VotingMethod
from ideas.tallies import session_results

pytestmark = pytest.mark.django_db

BUSINESS, SOCIETY = 6, 12


def voting_session(session: CaseSession, method: str) -> CaseSession:
    session.voting_method = method
    session.dots_budget = 10
    session.save()
    return session


def screen_consensus(session: CaseSession) -> str:
    """The big screen's "supported by every sector" list, read in its voting mode."""
    session.stage = Stage.VOTING
    session.save(update_fields=["stage"])
    screen = Client().get(f"/s/{session.pk}/screen/live").content.decode()
    assert "consensus-heading" in screen
    return screen.split("consensus-heading")[-1]


def sectors_voting(session: CaseSession, make_participant: Any, post_idea: Any, support: dict[str, int]) -> Idea:
    """6 business and 12 society voters; `support[sector]` of them support the idea, all vote."""
    author = make_participant(session, sector="society")
    idea = post_idea(session, author, "Тёплые остановки с табло")
    elsewhere = post_idea(session, author, "Велодорожки вдоль реки")
    value = 1
    for sector, count in (("business", BUSINESS), ("society", SOCIETY)):
        for index in range(count):
            voter = make_participant(session, sector=sector)
            # Everyone votes in the session, so everyone counts as a voter of the sector.
            target = idea if index < support[sector] else elsewhere
            operations.vote_cast(participant=voter, idea_id=target.pk, value=value)
    return idea


@pytest.mark.parametrize("method", [VotingMethod.SUPPORT, VotingMethod.DOTS])
def test_one_supporter_per_sector_is_not_every_sector(session, make_participant, post_idea, method):
    """The issue's counter-example: 1 of 6 business and 1 of 12 society voters."""
    voting_session(session, method)
    idea = sectors_voting(session, make_participant, post_idea, {"business": 1, "society": 1})
    results = session_results(session)
    assert set(results["turnout"]["by_sector"]) == {"business", "society"}
    assert idea.pk not in results["consensus_ideas"]
    assert "Тёплые остановки" not in screen_consensus(session)


@pytest.mark.parametrize("method", [VotingMethod.SUPPORT, VotingMethod.DOTS])
def test_half_of_a_sector_is_not_a_majority(session, make_participant, post_idea, method):
    voting_session(session, method)
    idea = sectors_voting(session, make_participant, post_idea, {"business": 3, "society": 12})
    assert idea.pk not in session_results(session)["consensus_ideas"]


@pytest.mark.parametrize("method", [VotingMethod.SUPPORT, VotingMethod.DOTS])
def test_a_majority_of_every_sector_is_supported_everywhere(session, make_participant, post_idea, method):
    voting_session(session, method)
    idea = sectors_voting(session, make_participant, post_idea, {"business": 4, "society": 7})
    assert idea.pk in session_results(session)["consensus_ideas"]
    assert "Тёплые остановки" in screen_consensus(session)


def _agree_session(session, make_participant, post_idea, votes: dict[str, list[int]], extra: dict[str, int]) -> Idea:
    """Agree voting: `votes[sector]` are the values on the idea; `extra[sector]` more voters vote elsewhere."""
    voting_session(session, VotingMethod.AGREE)
    author = make_participant(session, sector="government")
    idea = post_idea(session, author, "Тёплые остановки с табло")
    elsewhere = post_idea(session, author, "Велодорожки вдоль реки")
    for sector in ("business", "society"):
        for value in votes[sector]:
            operations.vote_cast(participant=make_participant(session, sector=sector), idea_id=idea.pk, value=value)
        for _ in range(extra.get(sector, 0)):
            operations.vote_cast(participant=make_participant(session, sector=sector), idea_id=elsewhere.pk, value=1)
    return idea


def test_agree_needs_a_majority_of_each_sectors_votes(session, make_participant, post_idea):
    idea = _agree_session(session, make_participant, post_idea, {"business": [1, 1, 1], "society": [1, -1, -1]}, {})
    assert idea.pk not in session_results(session)["consensus_ideas"]


def test_agree_one_voter_does_not_speak_for_a_sector(session, make_participant, post_idea):
    # Society has 4 voters in the session, but only one answered on this idea.
    idea = _agree_session(session, make_participant, post_idea, {"business": [1, 1, 1], "society": [1]}, {"society": 3})
    assert idea.pk not in session_results(session)["consensus_ideas"]


def test_agree_a_majority_of_every_sector_is_supported_everywhere(session, make_participant, post_idea):
    idea = _agree_session(session, make_participant, post_idea, {"business": [1, 1, 1], "society": [1, 1, 0]}, {})
    assert idea.pk in session_results(session)["consensus_ideas"]
