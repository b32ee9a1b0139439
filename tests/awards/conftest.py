"""A finalised contest (two nominations, four entries each) and the people around it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from contests import operations, regulations
from contests.models import Contest, Entry
from tests.awards.builders import build_contest


@dataclass
class Finalised:
    contest: Contest
    organiser: Any
    jurors: list[Any]
    entries: list[Entry]
    outsider: Any
    unassigned_juror: Any


def _world(**options: Any) -> Finalised:
    built = build_contest(**options)
    users = get_user_model().objects
    contest = Contest.objects.select_related("forum").get(pk=built["contest"])
    outsider = users.create_user(f"{options.get('prefix', 'aw')}-outsider", password="x")  # noqa: S106
    # A juror of another contest: signed in, a juror, but not of this one.
    elsewhere = operations.contest_create(
        forum=contest.forum, actor=users.get(username=built["organiser"]), title="Другой конкурс",
        regulations_document=regulations.example(),
    )
    stranger = users.create_user(f"{options.get('prefix', 'aw')}-stranger", password="x")  # noqa: S106
    operations.juror_add(contest=elsewhere, actor=users.get(username=built["organiser"]), user=stranger)
    return Finalised(
        contest=contest,
        organiser=users.get(username=built["organiser"]),
        jurors=[users.get(username=name) for name in built["jurors"]],
        entries=list(Entry.objects.filter(pk__in=built["entries"]).order_by("pk")),
        outsider=outsider,
        unassigned_juror=stranger,
    )


@pytest.fixture
def finalised(db: Any) -> Finalised:
    return _world()


@pytest.fixture
def unfinalised(db: Any) -> Finalised:
    return _world(prefix="un", finalise=False)


def page_client(user: Any = None, language: str = "ru") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    if user is not None:
        client.force_login(user)
    return client
