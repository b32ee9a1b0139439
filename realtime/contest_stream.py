"""Contest events on the live stream: the sink of `contests.events`, registered in `realtime.apps`.

Every committed `contest.*` event goes to the socket of the contest's *audience session*
(`/ws/sessions/{audience_session}/`): the hall that votes on entries already holds that socket,
and the contest's screen subscribes to it too, so no second connection and no second stream
of sequence numbers. Events are shaped here, published through `realtime.broadcast.publish`
(the only caller of the bus), and each carries `contest` (its id) so a page that shows several
contests of one session tells them apart.

Kinds, and what each body holds (never a score before the results: counts only):
- `contest.updated` — the stage and the nominations open to the public vote;
- `contest.stage` — `from`, `to` (`finalised`: the results are frozen);
- `contest.progress` — per admitted entry, how many active jurors submitted (`scored` of `of`);
- `contest.tally` — per nomination, `voters` so far and, only when the regulations show public
  tallies, `tallies` {entry: votes}. Coalesced like the ideas' tallies: a vote marks its
  nomination dirty and one message per nomination leaves per tick, read from the database, so
  the last message always equals the stored counts; one more *settling* message follows a
  quiet second later (another process's late commit cannot leave a screen one vote behind);
- any other `contest.<what>` (the awards' `contest.ceremony`, …) — relayed with its payload:
  those who emit through `contests.events.emit` answer for what it holds.
Audience: everyone on the socket once the contest is public (out of draft, in a public forum);
before that only the session's moderators.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from django.conf import settings
from django.db import close_old_connections
from django.db.models import Count

from contests import selectors
from contests.models import Contest, EntryStatus, PublicVote
from realtime import broadcast, events

logger = logging.getLogger("veche.realtime")

SETTLE_SECONDS = 1.0  # the settling tally, once the votes of a nomination stop


def _audience(contest: Contest) -> str:
    return events.ALL if selectors.contest_public(contest) else events.MOD


def _contest(contest_id: int) -> Contest | None:
    return Contest.objects.select_related("forum").filter(pk=contest_id).first()


def progress_body(contest: Contest, entry_ids: list[int] | None = None) -> dict[str, Any]:
    entries = contest.entries.filter(status=EntryStatus.PUBLISHED)
    if entry_ids is not None:
        entries = entries.filter(pk__in=entry_ids)
    rows = selectors.progress(contest, entries)
    return {
        "contest": contest.pk,
        "progress": [{"entry": row["entry"], "nomination": row["nomination"], "scored": row["scored"], "of": row["of"]} for row in rows],
    }


def tally_body(contest: Contest, nomination: str) -> dict[str, Any]:
    """The stored counts of one nomination's public vote (per entry only if the regulations show them)."""
    counts = dict(
        PublicVote.objects.filter(contest=contest, nomination=nomination)
        .values_list("entry_id")
        .annotate(votes=Count("id"))
        .values_list("entry_id", "votes")
    )
    body: dict[str, Any] = {"contest": contest.pk, "nomination": nomination, "voters": sum(counts.values())}
    if contest.regulations.get("show_public_tallies", False):
        body["tallies"] = {str(entry): votes for entry, votes in sorted(counts.items())}
    return body


def event_body(contest: Contest, kind: str, payload: dict[str, Any]) -> dict[str, Any]:
    if kind == "contest.updated":
        return {"contest": contest.pk, "stage": contest.stage, "open_votes": list(contest.open_votes)}
    if kind == "contest.stage":
        return {"contest": contest.pk, "from": str(payload.get("from", "")), "to": str(payload.get("to", contest.stage))}
    if kind == "contest.progress":
        return progress_body(contest, [int(entry) for entry in payload.get("entries", [])])
    return {**payload, "contest": contest.pk}


def _send(contest_id: int, kind: str, payload: dict[str, Any]) -> None:
    if kind == "contest.tally" and payload.get("session"):  # a vote: no lookup, the tick reads the counts
        _coalescer.mark((int(payload["session"]), contest_id, str(payload.get("nomination", ""))))
        return
    contest = _contest(contest_id)
    if contest is None or contest.audience_session_id is None:
        return  # no socket carries this contest
    if kind == "contest.tally":
        _coalescer.mark((contest.audience_session_id, contest_id, str(payload.get("nomination", ""))))
        return
    broadcast.publish(contest.audience_session_id, kind, [[_audience(contest), event_body(contest, kind, payload)]])


def contest_event(contest_id: int, kind: str, payload: dict[str, Any]) -> None:
    """The sink registered with `contests.events`: one committed contest event onto the stream."""
    try:
        _send(contest_id, kind, payload)
    except Exception:  # Redis away: the change stands; pages catch up over REST after a snapshot
        logger.warning("live contest event %s for contest %s not sent", kind, contest_id, exc_info=True)


def publish_tally(session_id: int, contest_id: int, nomination: str) -> None:
    contest = _contest(contest_id)
    if contest is None or contest.audience_session_id != session_id:
        return
    broadcast.publish(session_id, "contest.tally", [[_audience(contest), tally_body(contest, nomination)]])


TallyKey = tuple[int, int, str]  # audience session, contest, nomination


class TallyCoalescer:
    """At most one `contest.tally` per nomination per tick, from one thread of this process.

    A thread rather than the hub's ticker: the votes arrive over REST, in processes that may
    hold no socket at all (the same reason `broadcast` retries on a thread).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._due: dict[TallyKey, tuple[float, bool]] = {}  # key → (when, settling)
        self._thread: threading.Thread | None = None

    def mark(self, key: TallyKey) -> None:
        tick = float(getattr(settings, "VECHE_TALLY_TICK_SECONDS", 0.25))
        with self._lock:
            current = self._due.get(key)
            if current is None or current[1]:  # new, or only a settling one was waiting
                self._due[key] = (time.monotonic() + tick, False)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="veche-contest-tally", daemon=True)
                self._thread.start()

    def _take_due(self) -> tuple[list[tuple[TallyKey, bool]], float | None]:
        now = time.monotonic()
        with self._lock:
            due = [(key, settling) for key, (when, settling) in self._due.items() if when <= now]
            for key, _settling in due:
                del self._due[key]
            following = min((when for when, _ in self._due.values()), default=None)
            if not due and following is None:
                self._thread = None
            return due, following

    def _run(self) -> None:
        while True:
            due, following = self._take_due()
            if not due and following is None:
                return
            for key, settling in due:
                try:
                    publish_tally(*key)
                except Exception:
                    logger.warning("live contest tally %s not sent", key, exc_info=True)
                finally:
                    close_old_connections()
                if not settling:
                    with self._lock:
                        self._due.setdefault(key, (time.monotonic() + SETTLE_SECONDS, True))
            if not due and following is not None:
                time.sleep(max(0.0, following - time.monotonic()))

    def idle(self) -> bool:
        with self._lock:
            return not self._due


_coalescer = TallyCoalescer()


def tallies_idle() -> bool:
    """Nothing waits to be published (tests and benches wait for it)."""
    return _coalescer.idle()
