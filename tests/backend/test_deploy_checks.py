"""`manage.py check --deploy` catches what Django's stock checks catch, and the public dev key.

Before, the security, CSRF and clickjacking middleware were installed as subclasses and
security.W001–W003 were silenced, which also switched off every check that first asks whether
the stock SecurityMiddleware is installed (HSTS, SSL redirect, nosniff, referrer policy...).
"""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.utils.module_loading import import_string

PRODUCTION = {
    "DEBUG": False,
    "SECRET_KEY": "a-long-random-production-secret-" + "k7" * 20,
    "ALLOWED_HOSTS": ["veche.example.org"],
    "SECURE_SSL_REDIRECT": True,
    "SESSION_COOKIE_SECURE": True,
    "CSRF_COOKIE_SECURE": True,
    "SECURE_HSTS_SECONDS": 31536000,
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
    "SECURE_HSTS_PRELOAD": True,
}


def _deploy_check_ids(settings: Any, **overrides: Any) -> set[str]:
    for name, value in {**PRODUCTION, **overrides}.items():
        setattr(settings, name, value)
    try:
        call_command("check", "--deploy", "--fail-level", "WARNING", verbosity=0)
    except SystemCheckError as error:
        text = str(error)
        return {word.strip("():") for word in text.split() if word.startswith("(") and "." in word}
    return set()


def test_production_settings_pass(settings: Any) -> None:
    assert _deploy_check_ids(settings) == set()


def test_nothing_is_silenced(settings: Any) -> None:
    assert settings.SILENCED_SYSTEM_CHECKS == []


def test_the_public_development_key_is_refused_when_debug_is_off(settings: Any) -> None:
    assert "veche.E002" in _deploy_check_ids(settings, SECRET_KEY=settings.DEVELOPMENT_SECRET_KEY)
    # As a fallback key it would still sign what a visitor sends back.
    assert "veche.E002" in _deploy_check_ids(
        settings, SECRET_KEY_FALLBACKS=[settings.DEVELOPMENT_SECRET_KEY]
    )


def test_the_development_key_is_fine_while_debugging(settings: Any) -> None:
    ids = _deploy_check_ids(settings, SECRET_KEY=settings.DEVELOPMENT_SECRET_KEY, DEBUG=True)
    assert "veche.E002" not in ids


@pytest.mark.parametrize(
    ("removed", "expected"),
    [
        ("django.middleware.security.SecurityMiddleware", "security.W001"),
        ("django.middleware.clickjacking.XFrameOptionsMiddleware", "security.W002"),
        ("django.middleware.csrf.CsrfViewMiddleware", "security.W003"),
    ],
)
def test_missing_protective_middleware_is_reported(
    settings: Any, removed: str, expected: str
) -> None:
    middleware = [path for path in settings.MIDDLEWARE if path != removed]
    assert expected in _deploy_check_ids(settings, MIDDLEWARE=middleware)


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"SECURE_HSTS_SECONDS": 0}, "security.W004"),  # hidden before: needs the stock path
        ({"SECURE_SSL_REDIRECT": False}, "security.W008"),  # hidden before
        ({"SECURE_CONTENT_TYPE_NOSNIFF": False}, "security.W006"),  # hidden before
        ({"SECURE_REFERRER_POLICY": None}, "security.W022"),  # hidden before
        ({"CSRF_COOKIE_SECURE": False}, "security.W016"),  # hidden before
        ({"X_FRAME_OPTIONS": "SAMEORIGIN"}, "security.W019"),
    ],
)
def test_stock_checks_that_depend_on_the_middleware_see_it(
    settings: Any, overrides: dict[str, Any], expected: str
) -> None:
    assert expected in _deploy_check_ids(settings, **overrides)


def test_the_middleware_chain_stays_sync_only(settings: Any) -> None:
    """Why the subclasses existed: one thread hop per request under ASGI (backend/middleware.py)."""
    from django.core.handlers.asgi import ASGIHandler

    async_capable = [
        path for path in settings.MIDDLEWARE if getattr(import_string(path), "async_capable", False)
    ]
    assert async_capable == []
    handler = ASGIHandler()  # loads the chain as daphne would
    assert handler._middleware_chain is not None
