"""The middleware stack, made sync-only on purpose, and the client address behind the proxy.

Under ASGI, Django runs each async-capable `MiddlewareMixin` middleware's hooks
through its own `sync_to_async` hop, and WhiteNoise (sync-only) forces the chain
to switch back and forth: about twenty thread hops per request, measured at
~7 ms of CPU per vote. A chain that is sync from end to end is entered once per
request instead (`bench/votes_http.py` shows the difference). Real async work
(the live stream) runs in Channels consumers, not in this chain.

Django's security, CSRF and clickjacking middleware stay in MIDDLEWARE under their
stock dotted paths, so that `manage.py check --deploy` inspects them as it would any
project (security.W001–W024 look for those exact paths); `make_stock_middleware_sync_only`
marks those three classes sync-only once, at start-up. The others are subclasses here.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from typing import Any

from csp.middleware import CSPMiddleware as _CSP
from django.contrib.auth.middleware import AuthenticationMiddleware as _Authentication
from django.contrib.messages.middleware import MessageMiddleware as _Message
from django.contrib.sessions.middleware import SessionMiddleware as _Session
from django.http import HttpRequest, HttpResponse
from django.middleware.clickjacking import XFrameOptionsMiddleware
from django.middleware.common import CommonMiddleware as _Common
from django.middleware.csrf import CsrfViewMiddleware
from django.middleware.locale import LocaleMiddleware as _Locale
from django.middleware.security import SecurityMiddleware
from django_htmx.middleware import HtmxMiddleware as _Htmx

# Kept in MIDDLEWARE under Django's own paths (see the module's docstring).
STOCK_CHECKED = (SecurityMiddleware, CsrfViewMiddleware, XFrameOptionsMiddleware)


def make_stock_middleware_sync_only() -> None:
    """Called from `BackendConfig.ready()`, before any handler loads the chain."""
    for cls in STOCK_CHECKED:
        cls.async_capable = False


class SessionMiddleware(_Session):
    async_capable = False


class LocaleMiddleware(_Locale):
    async_capable = False


class CommonMiddleware(_Common):
    async_capable = False


class AuthenticationMiddleware(_Authentication):
    async_capable = False


class MessageMiddleware(_Message):
    async_capable = False


class HtmxMiddleware(_Htmx):
    async_capable = False


class CSPMiddleware(_CSP):
    """django-csp's Content-Security-Policy header (policy in settings.CONTENT_SECURITY_POLICY)."""

    async_capable = False


# --- the client's address ----------------------------------------------------------------------

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(entries: list[str]) -> tuple[Network, ...]:
    """`VECHE_TRUSTED_PROXIES` entries: addresses or CIDR blocks (a bad entry fails at start-up)."""
    return tuple(
        ipaddress.ip_network(entry.strip(), strict=False) for entry in entries if entry.strip()
    )


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    text = text.strip()
    if text.startswith("[") and "]" in text:  # "[::1]:443"
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # "203.0.113.7:51234"
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def client_address(
    remote_addr: str, forwarded_for: str | None, trusted: tuple[Network, ...]
) -> str:
    """The address of whoever reached the first trusted proxy.

    `X-Forwarded-For` is believed only as far as it was written by trusted proxies: walking
    from the right (the hop nearest to us), every address a trusted proxy vouches for is
    skipped, and the first one that is not trusted is the client. Anything a client wrote
    itself sits further left and is never read. Without trusted proxies, the header is ignored.
    """
    peer = _address(remote_addr)
    if peer is None or not forwarded_for or not _trusted(peer, trusted):
        return remote_addr
    hop = peer
    for entry in reversed(forwarded_for.split(",")):
        candidate = _address(entry)
        if candidate is None:  # garbage in the chain: the last trusted hop is all we know
            return str(hop)
        hop = candidate
        if not _trusted(hop, trusted):
            return str(hop)
    return str(hop)  # every hop trusted: the left-most one is the client


def _trusted(address: Any, trusted: tuple[Network, ...]) -> bool:
    return any(address.version == network.version and address in network for network in trusted)


class ClientAddressMiddleware:
    """Sets REMOTE_ADDR to the client's real address, once, for every limit that reads it.

    DRF's throttles (with NUM_PROXIES = 0), the join-code limiter and the admin login limiter
    all read REMOTE_ADDR, so a forged `X-Forwarded-For` buys nothing anywhere.
    """

    sync_capable = True
    async_capable = False

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        from django.conf import settings

        self.get_response = get_response
        self.trusted = parse_networks(list(getattr(settings, "VECHE_TRUSTED_PROXIES", [])))

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self.trusted:
            request.META["REMOTE_ADDR"] = client_address(
                request.META.get("REMOTE_ADDR", ""),
                request.META.get("HTTP_X_FORWARDED_FOR"),
                self.trusted,
            )
        return self.get_response(request)
