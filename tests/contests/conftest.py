"""A contest in the Тольятти forum: an organiser, four jurors, an audience session, admitted entries."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth import get_user_model

from contests import operations, regulations
from contests.models import Contest, ContestJuror, Entry
from ideas.models import CaseSession, Forum, Stage
from ideas.operations import participant_join


def entry_data(n: int, nomination: str = "tos", **extra: Any) -> dict[str, Any]:
    return {
        "nomination": nomination, "title": f"Практика {n}", "team_kind": "tos", "settlement": "urban",
        "organisation": f"ТОС №{n}", "territory": f"Район {n}", "problem": "Нет двора для детей",
        "actions": "Построили площадку всем миром", "resources": "Субботники", "results": "Двор для 200 детей",
        "contacts": "председатель ТОС", **extra,
    }


@dataclass
class World:
    forum: Forum
    contest: Contest
    organiser: Any
    jurors: list[ContestJuror]
    entries: list[Entry]
    session: CaseSession
    outsider: Any

    def juror_user(self, index: int) -> Any:
        return self.jurors[index].user


@pytest.fixture
def world(db: Any) -> World:
    users = get_user_model().objects
    organiser = users.create_user("org", password="x")  # noqa: S106
    outsider = users.create_user("outsider", password="x")  # noqa: S106
    forum = Forum.objects.create(title="Форум СОНКО и ТОС", city="Тольятти")
    forum.organisers.add(organiser)
    session = CaseSession.objects.create(forum=forum, title="Зал", question="Голосуем", stage=Stage.VOTING)
    document = regulations.example([("tos", "ТОС", "TOS"), ("nko", "НКО", "NGO")])
    contest = operations.contest_create(
        forum=forum, actor=organiser, title="Лучшие практики", regulations_document=document, audience_session=session
    )
    jurors = [
        operations.juror_add(contest=contest, actor=organiser, user=users.create_user(f"juror{i}", password="x"),  # noqa: S106
                             organisation=f"Фонд {i}", territory=f"Город {i}")
        for i in range(4)
    ]
    operations.contest_set_stage(contest=contest, actor=organiser, stage="submissions")
    entries = [
        operations.entry_submit(contest=contest, actor=outsider, data=entry_data(n, "tos" if n < 4 else "nko"))
        for n in range(6)
    ]
    contest.refresh_from_db()
    return World(forum, contest, organiser, jurors, entries, session, outsider)


def join(session: CaseSession, name: str = "Зритель") -> Any:
    return participant_join(code=session.join_code, display_name=name, sector=session.sector_codes[0])
