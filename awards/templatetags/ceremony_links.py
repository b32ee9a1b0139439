"""The link from an audience session's phone page to an award ceremony under way.

Loaded by pages/templates/pages/phone.html (one line), as the public vote's link is: the phone
page knows nothing of awards; this tag names the ceremonies started for contests whose audience
this session is, and only of contests the public may see (`contests.selectors.contest_public`).
"""

from __future__ import annotations

from typing import Any

from django import template

from awards.models import CeremonyState
from contests import selectors as contest_selectors

register = template.Library()


@register.inclusion_tag("awards/_ceremony_link.html")
def ceremony_links(session: Any) -> dict[str, Any]:
    ceremonies = (
        CeremonyState.objects.filter(contest__audience_session_id=getattr(session, "pk", None))
        .select_related("contest__forum")
        .order_by("contest_id")
    )
    contests = [state.contest for state in ceremonies if contest_selectors.contest_public(state.contest)]
    return {"contests": contests}
