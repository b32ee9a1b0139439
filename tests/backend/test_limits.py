"""Rate limits an outsider cannot dodge, and a venue cannot trip over.

- X-Forwarded-For is read only from configured proxies (VECHE_TRUSTED_PROXIES), right to left;
- wrong join codes are limited per address, a valid code always joins (REST and the page alike);
- the admin's sign-in is limited per address and username, like the REST token sign-in.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest
from django.test import Client

from backend.middleware import client_address, parse_networks
from ideas.models import Participant
from tests.conftest import UserFactory

pytestmark = pytest.mark.django_db

WRONG_GUESS_LIMIT = 120  # the default VECHE_THROTTLE_JOIN_GUESS, per minute


def _join(client: Any, code: str, **extra: Any) -> Any:
    return client.post(
        "/api/v1/join/",
        {"code": code, "display_name": "Айаал", "sector": "society"},
        content_type="application/json",
        **extra,
    )


# --- whose address: X-Forwarded-For only from trusted proxies ------------------------------------


@pytest.mark.parametrize(
    ("peer", "forwarded", "trusted", "client"),
    [
        # No trusted proxies: the header is ignored whatever it says.
        ("203.0.113.7", "198.51.100.1", "", "203.0.113.7"),
        # A peer that is not a trusted proxy: its header is the client's own invention.
        ("203.0.113.7", "198.51.100.1", "10.0.0.0/8", "203.0.113.7"),
        # Caddy (trusted) appended the address it saw; whatever the client wrote sits to its left.
        ("10.0.0.2", "6.6.6.6, 198.51.100.1", "10.0.0.0/8", "198.51.100.1"),
        # Two trusted hops (a CDN address, then Caddy): the right-most untrusted one is the client.
        ("10.0.0.2", "6.6.6.6, 198.51.100.1, 192.0.2.10", "10.0.0.0/8,192.0.2.10", "198.51.100.1"),
        # Every hop trusted: the left-most one.
        ("10.0.0.2", "10.1.1.1", "10.0.0.0/8", "10.1.1.1"),
        # Garbage in the chain: the last hop a trusted proxy vouched for.
        ("10.0.0.2", "198.51.100.1, not-an-address", "10.0.0.0/8", "10.0.0.2"),
        # IPv6, and an address written with its port.
        ("::1", "2001:db8::5", "::1", "2001:db8::5"),
        ("10.0.0.2", "198.51.100.1:51234", "10.0.0.0/8", "198.51.100.1"),
        ("10.0.0.2", "", "10.0.0.0/8", "10.0.0.2"),
    ],
)
def test_client_address(peer: str, forwarded: str, trusted: str, client: str) -> None:
    assert client_address(peer, forwarded, parse_networks(trusted.split(","))) == client


def test_a_thousand_wrong_codes_with_forged_forwarded_for_are_refused(client: Client) -> None:
    """The attack that used to work: a fresh X-Forwarded-For on every guess, never a 429."""
    statuses = [
        _join(
            client, f"WRONG{index:04d}", HTTP_X_FORWARDED_FOR=f"10.{index // 250}.{index % 250}.1"
        ).status_code
        for index in range(1000)
    ]
    assert statuses[:WRONG_GUESS_LIMIT] == [404] * WRONG_GUESS_LIMIT
    assert statuses[WRONG_GUESS_LIMIT:] == [429] * (1000 - WRONG_GUESS_LIMIT)


def test_the_join_page_reads_the_same_address(client: Client) -> None:
    statuses = [
        client.get(f"/join/WRONG{index:04d}", HTTP_X_FORWARDED_FOR=f"10.9.{index}.1").status_code
        for index in range(WRONG_GUESS_LIMIT + 2)
    ]
    assert statuses[-3:] == [404, 429, 429]


def test_behind_a_trusted_proxy_each_client_has_its_own_count(
    settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rest_framework.throttling import SimpleRateThrottle

    monkeypatch.setattr(
        SimpleRateThrottle,
        "THROTTLE_RATES",
        {**SimpleRateThrottle.THROTTLE_RATES, "join_guess": "3/min"},
    )
    settings.VECHE_TRUSTED_PROXIES = ["10.0.0.0/8"]
    proxy = Client(REMOTE_ADDR="10.0.0.2")  # a new client loads the middleware with the setting
    guesser = [
        _join(proxy, f"WRONG{i}", HTTP_X_FORWARDED_FOR=f"7.7.7.{i}, 198.51.100.1").status_code
        for i in range(5)
    ]
    assert guesser == [404, 404, 404, 429, 429]  # the forged left part changes nothing
    # Someone else behind the same proxy is not this guesser.
    assert _join(proxy, "WRONGX", HTTP_X_FORWARDED_FOR="198.51.100.2").status_code == 404


# --- a venue's typos never lock out the right code ----------------------------------------------


def test_after_a_halls_worth_of_wrong_codes_the_right_code_still_joins(
    client: Client, session: Any
) -> None:
    wrong = [
        _join(client, f"TYPO{index:03d}").status_code for index in range(WRONG_GUESS_LIMIT + 5)
    ]
    assert wrong[-6:] == [404, 429, 429, 429, 429, 429]
    assert wrong[-1] == 429 and _join(client, "TYPO999").json()["code"] == "throttled"
    for _ in range(3):
        assert _join(client, session.join_code).status_code == 201
    assert Participant.objects.filter(session=session).count() == 3


def test_the_join_page_too_lets_the_right_code_in_after_many_wrong_ones(
    client: Client, session: Any
) -> None:
    for index in range(WRONG_GUESS_LIMIT + 1):
        client.get(f"/join/TYPO{index:03d}")
    assert client.get("/join/TYPO999").status_code == 429
    assert client.get(f"/join/{session.join_code}").status_code == 200
    joined = client.post(
        f"/join/{session.join_code}", {"display_name": "Туйаара", "sector": "society"}
    )
    assert joined.status_code == 302
    assert joined["Location"] == f"/s/{session.pk}/"


def test_wrong_codes_across_addresses_raise_one_alarm(
    settings: Any, client: Client, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ideas.api import throttles

    monkeypatch.setattr(throttles, "_window_clock", lambda: 1_000_000.0)  # one minute's window
    settings.VECHE_JOIN_GUESS_ALARM = 30
    with caplog.at_level(logging.WARNING, logger="veche.limits"):
        for index in range(70):
            client.get(f"/join/GUESS{index:03d}", REMOTE_ADDR=f"198.51.100.{index}")
    alarms = [
        r for r in caplog.records if r.levelno == logging.ERROR and "guessing" in r.getMessage()
    ]
    assert len(alarms) == 1  # once per window, at the 30th


def test_a_join_from_an_address_past_its_limit_is_reported(
    client: Client, session: Any, caplog: pytest.LogCaptureFixture
) -> None:
    for index in range(WRONG_GUESS_LIMIT):
        _join(client, f"TYPO{index:03d}")
    with caplog.at_level(logging.WARNING, logger="veche.limits"):
        assert _join(client, session.join_code).status_code == 201
    assert any(f"joined session {session.pk}" in r.getMessage() for r in caplog.records)


# --- staff sign-in -------------------------------------------------------------------------------

LOGIN_LIMIT = 20  # the default VECHE_THROTTLE_LOGIN, per minute


@pytest.mark.parametrize(
    ("language", "message"),
    [("en", "Too many sign-in attempts"), ("ru", "Слишком много попыток входа")],
)
def test_the_admin_login_is_limited_per_address_and_username(
    client: Client, language: str, message: str
) -> None:
    UserFactory(username="admin-limited", password="pw-for-tests-1", is_staff=True)
    statuses = [
        client.post(
            "/admin/login/",
            {"username": "admin-limited", "password": f"wrong-{index}"},
            HTTP_X_FORWARDED_FOR=f"10.8.0.{index}",  # forged: changes nothing
            HTTP_ACCEPT_LANGUAGE=language,
        ).status_code
        for index in range(LOGIN_LIMIT + 2)
    ]
    assert statuses == [200] * LOGIN_LIMIT + [429, 429]  # 200: the form again, "wrong password"
    # Past the limit even the right password waits: that is what stops guessing it.
    refused = client.post(
        "/admin/login/",
        {"username": "admin-limited", "password": "pw-for-tests-1"},
        HTTP_ACCEPT_LANGUAGE=language,
    )
    assert refused.status_code == 429
    assert message in refused.content.decode()
    assert int(refused["Retry-After"]) >= 1
    assert "_auth_user_id" not in client.session
    # Another address is not locked out of the same account.
    other = Client(REMOTE_ADDR="198.51.100.20")
    signed_in = other.post(
        "/admin/login/", {"username": "admin-limited", "password": "pw-for-tests-1"}
    )
    assert signed_in.status_code == 302
    # Reading the login page is never counted.
    assert client.get("/admin/login/").status_code == 200


def test_the_rest_token_login_ignores_forged_forwarded_for(client: Client) -> None:
    UserFactory(username="token-limited", password="pw-for-tests-1", is_staff=True)
    statuses = [
        client.post(
            "/api/v1/auth/token/",
            {"username": "token-limited", "password": "wrong"},
            content_type="application/json",
            HTTP_X_FORWARDED_FOR=f"10.7.0.{index}",
        ).status_code
        for index in range(LOGIN_LIMIT + 1)
    ]
    assert statuses == [401] * LOGIN_LIMIT + [429]
