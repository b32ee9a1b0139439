"""The middleware stack, made sync-only on purpose.

Under ASGI, Django runs each async-capable `MiddlewareMixin` middleware's hooks
through its own `sync_to_async` hop, and WhiteNoise (sync-only) forces the chain
to switch back and forth: about twenty thread hops per request, measured at
~7 ms of CPU per vote. A chain that is sync from end to end is entered once per
request instead (`bench/votes_http.py` shows the difference). Real async work
(the live stream) runs in Channels consumers, not in this chain.
"""

from __future__ import annotations

from django.contrib.auth.middleware import AuthenticationMiddleware as _Authentication
from django.contrib.messages.middleware import MessageMiddleware as _Message
from django.contrib.sessions.middleware import SessionMiddleware as _Session
from django.middleware.clickjacking import XFrameOptionsMiddleware as _XFrameOptions
from django.middleware.common import CommonMiddleware as _Common
from django.middleware.csrf import CsrfViewMiddleware as _Csrf
from django.middleware.locale import LocaleMiddleware as _Locale
from django.middleware.security import SecurityMiddleware as _Security
from django_htmx.middleware import HtmxMiddleware as _Htmx


class SecurityMiddleware(_Security):
    async_capable = False


class SessionMiddleware(_Session):
    async_capable = False


class LocaleMiddleware(_Locale):
    async_capable = False


class CommonMiddleware(_Common):
    async_capable = False


class CsrfViewMiddleware(_Csrf):
    async_capable = False


class AuthenticationMiddleware(_Authentication):
    async_capable = False


class MessageMiddleware(_Message):
    async_capable = False


class XFrameOptionsMiddleware(_XFrameOptions):
    async_capable = False


class HtmxMiddleware(_Htmx):
    async_capable = False


# Django's deploy checks look for the stock dotted paths (security.W001–W003), which these
# subclasses replace; they are silenced in settings and this check takes their place.
REQUIRED = {
    "security": (SecurityMiddleware, "backend.middleware.SecurityMiddleware"),
    "csrf": (CsrfViewMiddleware, "backend.middleware.CsrfViewMiddleware"),
    "clickjacking": (XFrameOptionsMiddleware, "backend.middleware.XFrameOptionsMiddleware"),
}


def check_protective_middleware(app_configs: object = None, **kwargs: object) -> list[object]:
    from django.conf import settings
    from django.core.checks import Error
    from django.utils.module_loading import import_string

    installed = [import_string(path) for path in settings.MIDDLEWARE]
    errors: list[object] = []
    for name, (base, path) in REQUIRED.items():
        if not any(issubclass(cls, base.__mro__[1]) for cls in installed):
            errors.append(
                Error(
                    f"The {name} middleware is missing: add {path} to MIDDLEWARE.", id="veche.E001"
                )
            )
    return errors
