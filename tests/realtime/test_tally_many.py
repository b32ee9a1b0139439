"""One tick's tallies for several halls at once (`realtime.events.tally_variants_many`).

The tick reads every session of a process in three queries; each session must still get
exactly its own ideas, with the read rule applied per session (issue 16).
"""

from __future__ import annotations

from typing import Any

import pytest

from ideas import operations
from ideas.models import CaseSession, Idea, IdeaStatus, Stage
from realtime import events
from tests.conftest import SessionFactory

pytestmark = pytest.mark.django_db


def _session(*, live_results: bool) -> Any:
    return SessionFactory(stage=Stage.IDEATION, voting_method="support", live_results_visible=live_results)


def test_each_session_gets_its_own_ideas_and_its_own_read_rule(make_participant: Any, post_idea: Any) -> None:
    public, closed = _session(live_results=True), _session(live_results=False)
    tallies: dict[int, list[int]] = {}
    for hall in (public, closed):
        voters = [make_participant(hall) for _ in range(3)]
        ideas = [post_idea(hall, voters[0], text=f"Идея номер {n} для зала {hall.pk}") for n in range(2)]
        CaseSession.objects.filter(pk=hall.pk).update(stage=Stage.VOTING)
        for count, idea in zip((3, 1), ideas, strict=True):
            for voter in voters[:count]:
                operations.vote_cast(participant=voter, idea_id=idea.pk, value=1)
        tallies[hall.pk] = [idea.pk for idea in ideas]
    # A published idea of the public hall moved to the moderators' queue: moderators still see its count.
    queued = tallies[public.pk][1]
    Idea.objects.filter(pk=queued).update(status=IdeaStatus.PENDING)
    # An idea of another hall asked for under the wrong session is not shown there.
    asked = {public.pk: [*tallies[public.pk], tallies[closed.pk][0]], closed.pk: tallies[closed.pk], 10**9: [1]}

    found = events.tally_variants_many(asked)

    three, one = {"supporters": 3, "votes": 3, "score": 3}, {"supporters": 1, "votes": 1, "score": 1}
    first, second = tallies[public.pk]
    assert found[public.pk] == [
        [events.MOD, {"tallies": {str(first): three, str(second): one}}],
        [events.ALL, {"tallies": {str(first): three}}],
    ]
    first, second = tallies[closed.pk]
    assert found[closed.pk] == [[events.MOD, {"tallies": {str(first): three, str(second): one}}]]
    assert found[10**9] == []  # a session that does not exist gets nothing, and is not retried
    assert events.tally_variants(closed.pk, []) == []
