"""The link from an audience session's phone page to its contests' public vote.

Loaded by pages/templates/pages/phone.html (one line): the phone page knows nothing of contests,
this tag finds the contests whose public vote is open in a nomination now and whose audience
this session is. Contests in a draft or a private forum are never named (contests.selectors).
"""

from __future__ import annotations

from typing import Any

from django import template

from contests import selectors
from contests.models import Contest

register = template.Library()


@register.inclusion_tag("contests/_vote_link.html")
def public_vote_links(session: Any) -> dict[str, Any]:
    contests = [
        contest
        for contest in Contest.objects.filter(audience_session_id=getattr(session, "pk", None))
        .select_related("forum")
        .order_by("id")
        if contest.current_stage.allows_public_vote()
        and contest.open_votes
        and selectors.contest_public(contest)
    ]
    return {"contests": contests}
