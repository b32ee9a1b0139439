"""What the moderator chose for the big screen beyond the stage: the join invitation shown
full-screen, and how far the results reveal has gone.

It is presentation, not the session's record, so it lives in the cache (Redis when
configured: every daphne process reads the same) rather than in a model; losing it only
puts the screen back on its stage's default. A change is announced with the domain's
`session.updated` event, so every screen re-renders its fragment at once.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.cache import cache

from ideas import events

REVEAL_STEPS = ("top", "sectors", "consensus")
_TTL = 60 * 60 * 24 * 7  # a forum lasts days


@dataclass(frozen=True)
class ScreenState:
    join: bool = False  # the full-screen join invitation, whatever the stage
    reveal: int = 0  # index into REVEAL_STEPS during results


def _key(session_id: int) -> str:
    return f"veche:screen:{session_id}"


def screen_state(session_id: int) -> ScreenState:
    stored = cache.get(_key(session_id)) or {}
    return ScreenState(join=bool(stored.get("join", False)), reveal=int(stored.get("reveal", 0)))


def _save(session_id: int, state: ScreenState) -> None:
    cache.set(_key(session_id), {"join": state.join, "reveal": state.reveal}, _TTL)
    events.session_updated(session_id)


def set_join(session_id: int, shown: bool) -> ScreenState:
    state = ScreenState(join=shown, reveal=screen_state(session_id).reveal)
    _save(session_id, state)
    return state


def set_reveal(session_id: int, step: int) -> ScreenState:
    step = max(0, min(len(REVEAL_STEPS) - 1, step))
    state = ScreenState(join=screen_state(session_id).join, reveal=step)
    _save(session_id, state)
    return state
