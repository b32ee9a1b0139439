"""Who is looking at a page: the participant kept by this browser, or a moderator.

The participant's token lives in an HttpOnly, signed cookie per session, so a
phone that comes back (or reloads) stays joined, and page scripts never read it
from storage that other scripts could reach. The raw token is also handed to
the page's own live script, because browsers cannot put headers on a WebSocket.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from ideas import selectors
from ideas.api.authentication import principal_for_token
from ideas.models import CaseSession, Participant

COOKIE_SALT = "veche.pages.participant"
COOKIE_MAX_AGE = 60 * 60 * 24 * 30  # a forum lasts days; a month covers coming back after it


def cookie_name(session_id: int) -> str:
    return f"veche_p{session_id}"


def remember_participant(response: HttpResponse, request: HttpRequest, *, session_id: int, token: str) -> None:
    response.set_signed_cookie(
        cookie_name(session_id),
        token,
        salt=COOKIE_SALT,
        max_age=COOKIE_MAX_AGE,
        httponly=True,
        samesite="Lax",
        secure=request.is_secure() or bool(getattr(settings, "SESSION_COOKIE_SECURE", False)),
    )


def participant_token(request: HttpRequest, session_id: int) -> str | None:
    token = request.get_signed_cookie(cookie_name(session_id), default=None, salt=COOKIE_SALT)
    return token or None


def current_participant(request: HttpRequest, session: CaseSession) -> Participant | None:
    """The participant this browser joined `session` as, or None (a stale cookie counts as none)."""
    token = participant_token(request, session.pk)
    if not token:
        return None
    found = principal_for_token(token)
    if found is None:
        return None
    participant = found[1]
    if participant is None or participant.session_id != session.pk:
        return None
    return participant


def moderator_refusal(request: HttpRequest, session: CaseSession) -> HttpResponse | None:
    """None for a moderator; otherwise anonymous visitors go to the staff login, others get 403."""
    if session.is_moderator(request.user):
        return None
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    raise PermissionDenied


def viewer(request: HttpRequest, session: CaseSession, participant: Participant | None = None) -> selectors.Viewer:
    """The page's reader for the read rule: the signed-in user and this browser's participant."""
    if participant is None:
        participant = current_participant(request, session)
    return selectors.Viewer(request.user, participant)


def may_watch(request: HttpRequest, session: CaseSession) -> bool:
    """The big screen is read-only: whoever may read the session (ideas.selectors)."""
    return selectors.session_visible(session, viewer(request, session))
