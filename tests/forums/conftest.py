"""Actors for the forum tests: staff, an organiser of one forum, an organiser of another, an outsider."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.test import Client

from ideas.models import Forum
from tests.conftest import UserFactory


@pytest.fixture
def forum(db: Any) -> Forum:
    return Forum.objects.create(
        title="Тольятти: форум ТОС и НКО", city="Тольятти",
        starts_on=datetime.date(2026, 10, 1), ends_on=datetime.date(2026, 10, 2), time_zone="Europe/Samara",
    )


@pytest.fixture
def other_forum(db: Any) -> Forum:
    return Forum.objects.create(title="Якутск 4.0.0 Старт", city="Якутск", time_zone="Asia/Yakutsk")


@pytest.fixture
def organiser(forum: Forum) -> Any:
    user = UserFactory(username="organiser")
    forum.organisers.add(user)
    return user


@pytest.fixture
def other_organiser(other_forum: Forum) -> Any:
    user = UserFactory(username="other-organiser")
    other_forum.organisers.add(user)
    return user


@pytest.fixture
def outsider(db: Any) -> Any:
    return UserFactory(username="outsider")


@pytest.fixture
def staff(db: Any) -> Any:
    return UserFactory(username="staff", is_staff=True, is_superuser=True)


def client_for(user: Any = None, language: str = "ru") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    if user is not None:
        client.force_login(user)
    return client
