"""Template tags other apps' pages use: the public-address warning and the session's organiser links."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse

from backend import links

register = template.Library()


@register.inclusion_tag("forums/_public_address_warning.html", takes_context=True)
def public_address_warning(context: Any, session: Any = None) -> dict[str, Any]:
    """Says in words when the QR would send phones to this machine's loopback address."""
    request = context.get("request")
    if request is None or not links.unreachable_from_phones(request):
        return {"show": False}
    path = reverse("pages:join", kwargs={"code": session.join_code}) if session is not None else "/"
    return {"show": True, "address": links.absolute(request, path)}
