"""Django test clients for the pages: a joined phone, a moderator's browser, an outsider's."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.signing import get_cookie_signer
from django.test import Client

from ideas.models import Participant
from pages import access


def phone_cookie(participant: Participant) -> tuple[str, str]:
    """The cookie the join page would have set for this participant."""
    name = access.cookie_name(participant.session_id)
    return name, get_cookie_signer(salt=name + access.COOKIE_SALT).sign(participant.token)


@pytest.fixture
def phone_client() -> Callable[[Participant], Client]:
    def make(participant: Participant, **kwargs: Any) -> Client:
        client = Client(HTTP_ACCEPT_LANGUAGE="ru", **kwargs)
        name, value = phone_cookie(participant)
        client.cookies[name] = value
        return client

    return make


@pytest.fixture
def user_client() -> Callable[[Any], Client]:
    def make(user: Any = None, **kwargs: Any) -> Client:
        client = Client(HTTP_ACCEPT_LANGUAGE="ru", **kwargs)
        if user is not None:
            client.force_login(user)
        return client

    return make
