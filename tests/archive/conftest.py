"""An archived session built only through the domain operations, and helpers around it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from archive.models import SessionArchive
from archive.search import reset_vector_indexes
from ideas import operations
from ideas.models import CaseSession, HideReason, Idea, Participant, Stage


@dataclass
class Built:
    session: CaseSession
    archive: SessionArchive
    participants: list[Participant]
    ideas: dict[str, Idea]
    extra: dict[str, Any] = field(default_factory=dict)


@pytest.fixture(autouse=True)
def _fresh_vector_index() -> None:
    reset_vector_indexes()


@pytest.fixture(autouse=True)
def _lexical_encoder(monkeypatch: pytest.MonkeyPatch) -> None:
    """The semantic channel with the small lexical encoder: no model load in every test."""
    from ml import encoders

    monkeypatch.setenv(encoders.ENV_VARIABLE, "lexical")
    encoders.reset_encoder()
    yield
    encoders.reset_encoder()


def build_session(session: CaseSession, moderator: Any, make_participant: Any, *, method: str = "agree") -> Built:
    """Three sectors with enough voters, one sector of a single voter, a merge, a hidden idea, a group."""
    operations.session_update(session=session, actor=moderator, voting_method=method)
    sectors = ["government"] * 3 + ["society"] * 4 + ["business"] * 3 + ["expert"]
    people = [make_participant(session, sector=sector) for sector in sectors]
    texts = {
        "park": "Больше парков и скверов у реки",
        "stops": "Тёплые остановки на каждой улице",
        "lights": "Освещение во дворах и на набережной",
        "park_again": "Нужны новые парки у реки",
        "script": "<script>alert('x')</script> и велодорожки",
        "rude": "Сделать бесплатную парковку у мэрии",
    }
    ideas = {key: operations.idea_post(session=session, text=text, author=people[i]) for i, (key, text) in enumerate(texts.items())}
    for idea in ideas.values():
        idea.refresh_from_db()
        if idea.status != "published":  # screening may hold one back; a moderator approves it
            operations.idea_moderate(idea=idea, actor=moderator, status="published")
    group = operations.group_create(
        session=session, actor=moderator, title="Парки и набережные", keywords=["парк", "река"],
        idea_ids=[ideas["park"].pk, ideas["lights"].pk],
    )
    transport = operations.group_create(
        session=session, actor=moderator, title="Транспорт", keywords=["остановка"], idea_ids=[ideas["stops"].pk]
    )
    operations.session_set_stage(session=session, actor=moderator, stage=Stage.VOTING)
    positive = 1
    for index, person in enumerate(people):
        operations.vote_cast(participant=person, idea_id=ideas["park"].pk, value=positive)
        operations.vote_cast(participant=person, idea_id=ideas["stops"].pk, value=positive if index % 2 else (-1 if method == "agree" else positive))
        if index % 3 == 0:
            operations.vote_cast(participant=person, idea_id=ideas["park_again"].pk, value=positive)
        if index < 5:
            operations.vote_cast(participant=person, idea_id=ideas["rude"].pk, value=positive)
        if method == "agree" and index % 4 == 1:
            operations.vote_cast(participant=person, idea_id=ideas["lights"].pk, value=0)
    operations.idea_merge(duplicate=ideas["park_again"], target=ideas["park"], actor=moderator)
    operations.idea_moderate(idea=ideas["rude"], actor=moderator, status="hidden", reason=HideReason.OFF_TOPIC)
    operations.session_set_stage(session=session, actor=moderator, stage=Stage.RESULTS)
    operations.session_set_stage(session=session, actor=moderator, stage=Stage.ARCHIVED)
    session.refresh_from_db()
    for idea in ideas.values():
        idea.refresh_from_db()
    return Built(session=session, archive=session.archive, participants=people, ideas=ideas, extra={"group": group, "transport": transport})


@pytest.fixture
def built(session: CaseSession, moderator: Any, make_participant: Any) -> Built:
    return build_session(session, moderator, make_participant)
