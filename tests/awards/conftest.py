"""A finalised contest (two nominations, four entries each) and the people around it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

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
    other = build_contest(prefix=f"{options.get('prefix', 'aw')}-other", per_nomination=1, jurors=1, finalise=False,
                          voters=0)
    return Finalised(
        contest=contest,
        organiser=users.get(username=built["organiser"]),
        jurors=[users.get(username=name) for name in built["jurors"]],
        entries=list(Entry.objects.filter(pk__in=built["entries"]).order_by("pk")),
        outsider=outsider,
        unassigned_juror=users.get(username=other["jurors"][0]),
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
