"""Shared factories and actors: a participant, a moderator and an outsider in every permission test."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

import factory
import pytest
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.test import override_settings
from rest_framework.test import APIClient

from ideas import operations
from ideas.models import ApiToken, CaseSession, Forum, Idea, Participant, Stage
from tests.tracked_files import (  # noqa: F401 - the tracked-files guard's hooks
    pytest_sessionfinish,
    pytest_sessionstart,
    pytest_terminal_summary,
)

User = get_user_model()


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("pw-for-tests-1")


class ForumFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Forum

    title = factory.Sequence(lambda n: f"Форум {n}")
    city = "Якутск"


class SessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CaseSession

    forum = factory.SubFactory(ForumFactory)
    title = factory.Sequence(lambda n: f"Сессия {n}")
    question = "Каким вы видите город будущего?"
    stage = Stage.IDEATION


class ParticipantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Participant

    session = factory.SubFactory(SessionFactory)
    display_name = factory.Sequence(lambda n: f"Участник {n}")
    sector = "society"

    @classmethod
    def _create(cls, model_class: Any, *args: Any, **kwargs: Any) -> Participant:
        participant = model_class(*args, **kwargs)
        participant.token = participant.issue_token()  # the raw token, for the tests' clients
        participant.save()
        return participant


class IdeaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Idea

    session = factory.SubFactory(SessionFactory)
    author = factory.LazyAttribute(lambda idea: ParticipantFactory(session=idea.session))
    text = factory.Sequence(lambda n: f"Идея номер {n}: больше скверов и тёплых остановок")


@pytest.fixture(autouse=True)
def _tasks_run_inline(settings: Any) -> None:
    """Background tasks run at commit, in the test's own transaction and thread."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True, scope="session")
def _fast_password_hashing() -> Iterator[None]:
    """Users made in the tests hash their passwords with MD5, as Django advises for test suites.

    PBKDF2 costs ~0.4 s a hash on this machine and nearly every test makes a moderator: minutes
    of each pass. The real hashers stay listed after it, so hashes written by the servers the
    tests start as processes (which keep the real settings) still verify here.
    """
    hashers = ["django.contrib.auth.hashers.MD5PasswordHasher", *django_settings.PASSWORD_HASHERS]
    with override_settings(PASSWORD_HASHERS=hashers):
        yield


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    """Throttle counters live in the cache (Redis in the second pass): each test starts clean."""
    cache.clear()


@pytest.fixture
def moderator(db: Any) -> Any:
    return UserFactory(username="moderator", is_staff=True)


@pytest.fixture
def outsider(db: Any) -> Any:
    """Signed in, but neither staff nor a moderator of the session."""
    return UserFactory(username="outsider")


@pytest.fixture
def session(db: Any, moderator: Any) -> CaseSession:
    created = SessionFactory()
    created.moderators.add(moderator)
    return created


@pytest.fixture
def make_participant(db: Any) -> Callable[..., Participant]:
    def make(session: CaseSession, sector: str = "society", **kwargs: Any) -> Participant:
        return ParticipantFactory(session=session, sector=sector, **kwargs)

    return make


@pytest.fixture
def participant(session: CaseSession, make_participant: Callable[..., Participant]) -> Participant:
    return make_participant(session)


@pytest.fixture
def post_idea() -> Callable[..., Idea]:
    """An idea posted through the domain operation (screening, events and all)."""

    def post(
        session: CaseSession, author: Participant, text: str = "Больше скверов у реки"
    ) -> Idea:
        return operations.idea_post(session=session, text=text, author=author)

    return post


def client_for(who: Any = None) -> APIClient:
    """An API client acting as a participant (token), a user (staff token) or nobody."""
    client = APIClient()
    if isinstance(who, Participant):
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {who.token}")
    elif who is not None:
        api_token = ApiToken(user=who)
        token = api_token.issue_token()
        api_token.save()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


@pytest.fixture
def api() -> Callable[[Any], APIClient]:
    return client_for


def uses_postgres() -> bool:
    return os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the browser tests last.

    Playwright's sync API keeps its own event loop running in the main thread for as long as the
    session-scoped browser lives; asyncio tests collected after it would find "a running loop" and fail.
    """
    items.sort(key=lambda item: "/tests/e2e/" in str(item.path).replace("\\", "/"))
