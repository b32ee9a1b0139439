"""Which audience participant a phone is, for the public-vote page (contests/views.py).

A participant joins the contest's audience session through the ordinary join flow of the
pages (`pages.views.join`), which keeps their token in the signed, HttpOnly cookie
`veche_p<session id>`. The contests may not import the pages (the import contract in
pyproject.toml), so the cookie's name and salt are repeated here; tests/contests/test_vote_page.py
checks that they stay equal to `pages.access`.
"""

from __future__ import annotations

from django.http import HttpRequest

from ideas.api.authentication import principal_for_token
from ideas.models import CaseSession, Participant

PARTICIPANT_COOKIE_SALT = "veche.pages.participant"  # = pages.access.COOKIE_SALT


def participant_cookie_name(session_id: int) -> str:
    return f"veche_p{session_id}"  # = pages.access.cookie_name


def participant_of(request: HttpRequest, session: CaseSession | None) -> Participant | None:
    """The participant this browser joined `session` as, or None (a stale or forged cookie counts as none)."""
    if session is None:
        return None
    token = request.get_signed_cookie(
        participant_cookie_name(session.pk), default=None, salt=PARTICIPANT_COOKIE_SALT
    )
    if not token:
        return None
    found = principal_for_token(token)
    if found is None or found[1] is None or found[1].session_id != session.pk:
        return None
    return found[1]
