"""Participants: joining a session by its code, no sign-up."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from ideas.errors import (
    InvalidInput,
    NotFound,
    WrongStage,
)
from ideas.models import (
    DISPLAY_NAME_MAX,
    CaseSession,
    Participant,
    Stage,
    normalise_join_code,
)
from ideas.text import clean_text

# --- participants --------------------------------------------------------------------


@dataclass(frozen=True)
class Joined:
    participant: Participant
    token: str


def participant_join(*, code: Any, display_name: Any, sector: Any) -> Joined:
    """Join a session by its code: no sign-up, a secret token comes back once."""
    if not isinstance(code, str) or not normalise_join_code(code):
        message = _("Enter the session's join code.")
        raise InvalidInput(message, fields={"code": [message]})
    name = clean_text(display_name, field="display_name", max_length=DISPLAY_NAME_MAX)
    session = (
        CaseSession.objects.select_related("forum")
        .filter(join_code=normalise_join_code(code))
        .first()
    )
    if session is None:
        raise NotFound(
            _("No session has this join code. Check the code on the screen."), code="unknown_code"
        )
    if session.stage in (Stage.DRAFT, Stage.ARCHIVED):
        raise WrongStage(_("This session is not open for joining."))
    if not isinstance(sector, str) or sector not in session.sector_codes:
        message = _("Choose one of the sectors: %(sectors)s.") % {
            "sectors": ", ".join(session.sector_codes)
        }
        raise InvalidInput(message, fields={"sector": [message]})
    participant = Participant(session=session, display_name=name, sector=sector)
    token = participant.issue_token()
    participant.save()
    return Joined(participant=participant, token=token)


