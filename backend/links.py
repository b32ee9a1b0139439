"""Addresses that leave the building: QR codes, join links, posters, archive links.

Phones in the hall must reach them, so they use `VECHE_PUBLIC_URL` when it is set and the
address the page was opened on otherwise. A big screen opened on the laptop itself
(127.0.0.1, localhost) would draw a QR no phone can reach: `unreachable_from_phones` says
so, and the console tells the moderator in words.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest

LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", "testserver"}


def public_base() -> str:
    return str(getattr(settings, "VECHE_PUBLIC_URL", "") or "").rstrip("/")


def absolute(request: HttpRequest | None, path: str) -> str:
    """`path` (starting with /) on the public address, or on the request's own."""
    base = public_base()
    if base:
        return base + path
    if request is None:
        return path
    return request.build_absolute_uri(path)


def is_loopback_host(host: str) -> bool:
    """127.0.0.1, ::1, localhost (with or without a port)."""
    name = (urlsplit("//" + host).hostname or "").lower()
    if name in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def unreachable_from_phones(request: HttpRequest) -> bool:
    """True when links would point at this machine's loopback address and no public one is set."""
    if public_base():
        return False
    return is_loopback_host(request.get_host())


def base(request: HttpRequest | None) -> str:
    """The public address without a trailing slash (`https://veche.example.ru`)."""
    return absolute(request, "/").rstrip("/")
