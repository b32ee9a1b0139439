"""Votes of one process, applied together (group commit): the live socket's and the REST API's.

Each vote alone cost a transaction and its round trips on a thread of its own; under a
hall's load those threads queued for the interpreter lock and for PostgreSQL, so vote
throughput stalled near 120 a second on this 2-core machine while the cores sat half idle.
Here the votes that arrive while a batch is being stored wait and go in the next
batch, on one thread: a quiet session stores each vote at once, a busy one stores
many per transaction (`operations.votes_apply`, the domain operation every vote goes through).

Two kinds of item arrive: a `VoteChange` whose voter is already known (the live socket
authenticated it at connect), and a raw request that still has to be turned into one
(the REST vote knows only a token). A raw request comes with its *preparer*, called once
per batch on the vote thread with all the raw requests of that preparer: it answers, per
request, a `VoteChange` to apply or a final result (an error), so a burst of REST votes
costs one token query, not one each. The intake itself knows nothing of HTTP.

`ideas` must not import the live stream; `realtime.intake` re-exports this module.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from asgiref.sync import sync_to_async
from django.db import close_old_connections

from ideas import operations
from ideas.errors import DomainError

logger = logging.getLogger("veche.votes")

# Bounded so one batch's transaction stays short and its locks brief.
BATCH_MAX = 200
VOTE_EXECUTOR = ThreadPoolExecutor(max_workers=1, thread_name_prefix="veche-votes")
# Group commit's delay (PostgreSQL's `commit_delay` idea): while votes keep coming (a batch
# ended less than BUSY_SECONDS ago) and batches stay small (the last one had fewer than
# GATHER_UNTIL votes), the next batch waits GATHER_SECONDS for more. A batch costs ~1.5 ms of
# CPU whatever its size plus ~0.06 ms a vote, so batches of one or two cost close to 1 ms a
# vote. A vote shows on screens at the next tally tick (every 250 ms) anyway, so 25 ms for
# company costs little latency: in the forum-day bench (8 halls, 300 votes/s) 10 → 25 ms took
# CPU per delivered update from 44.5–45.3 to 38.1–40.1 µs (issue 16). Batches that are big
# already (REST clients hammering) go at once: waiting there only capped throughput (1,038 →
# 712 votes/s in `bench/votes_http.py`). A quiet session's vote is stored at once.
GATHER_SECONDS = 0.025
GATHER_UNTIL = 16
BUSY_SECONDS = 0.1

Result = operations.VoteOutcome | DomainError | Exception
# Called on the vote thread with a batch's raw requests of one kind; one answer per request,
# in order: a VoteChange to apply, or the request's final result.
Preparer = Callable[[list[Any]], Sequence[Any]]

T = TypeVar("T")


def on_vote_thread(function: Callable[..., T]) -> Callable[..., Awaitable[T]]:
    """`function` on the vote thread, its database connection closed inside the call.

    Django keeps connections context-local; closing them outside the context the work ran in
    (as Channels' `database_sync_to_async` does) left every call's pooled connection checked out.
    """

    @functools.wraps(function)
    def run(*args: Any, **kwargs: Any) -> T:
        close_old_connections()
        try:
            return function(*args, **kwargs)
        finally:
            close_old_connections()

    return sync_to_async(run, thread_sensitive=False, executor=VOTE_EXECUTOR)


def apply_batch(items: Sequence[tuple[Any, Preparer | None]]) -> list[Any]:
    """Prepare the raw requests, then apply every change in one `votes_apply`; one result per item."""
    results: list[Any] = [None] * len(items)
    changes: dict[int, operations.VoteChange] = {}
    by_preparer: dict[Preparer, list[int]] = {}
    for index, (item, preparer) in enumerate(items):
        if preparer is None:
            changes[index] = item
        else:
            by_preparer.setdefault(preparer, []).append(index)
    for preparer, indexes in by_preparer.items():
        try:
            answers = list(preparer([items[i][0] for i in indexes]))
        except Exception as error:  # e.g. the database is away: those requests are told so
            logger.exception("votes: preparing %d requests failed", len(indexes))
            answers = [error] * len(indexes)
        for index, answer in zip(indexes, answers, strict=True):
            if isinstance(answer, operations.VoteChange):
                changes[index] = answer
            else:
                results[index] = answer
    if changes:
        order = sorted(changes)
        applied = operations.votes_apply([changes[i] for i in order])
        for index, result in zip(order, applied, strict=True):
            results[index] = result
    return results


class VoteIntake:
    def __init__(self) -> None:
        self._waiting: list[tuple[Any, Preparer | None, asyncio.Future[Any]]] = []
        self._wakeup = asyncio.Event()
        self._worker: asyncio.Task[None] | None = None
        self.batches = 0  # for tests and benchmarks
        self.stored = 0  # items answered (for tests and benchmarks)
        self._last_batch_ended = float("-inf")
        self._last_batch_size = 0

    async def submit(self, change: operations.VoteChange) -> Result:
        """Apply one change with whatever else is waiting; its own answer."""
        return await self._enqueue(change, None)

    async def submit_raw(self, request: Any, preparer: Preparer) -> Any:
        """A request the preparer turns into a change on the vote thread (see the module's docstring)."""
        return await self._enqueue(request, preparer)

    async def _enqueue(self, item: Any, preparer: Preparer | None) -> Any:
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._waiting.append((item, preparer, future))
        self._wakeup.set()
        if self._worker is None or self._worker.done():
            self._worker = asyncio.create_task(self._work_forever(), name="veche-vote-intake")
        return await asyncio.shield(future)

    async def _work_forever(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await self._wakeup.wait()
            self._wakeup.clear()
            while self._waiting:
                busy = loop.time() - self._last_batch_ended < BUSY_SECONDS
                if busy and len(self._waiting) < GATHER_UNTIL and self._last_batch_size < GATHER_UNTIL:
                    await asyncio.sleep(GATHER_SECONDS)
                batch, self._waiting = self._waiting[:BATCH_MAX], self._waiting[BATCH_MAX:]
                await self._store(batch)
                self._last_batch_ended = loop.time()
                self._last_batch_size = len(batch)

    async def _store(self, batch: list[tuple[Any, Preparer | None, asyncio.Future[Any]]]) -> None:
        results: list[Any]
        try:
            results = await on_vote_thread(apply_batch)([(item, preparer) for item, preparer, _ in batch])
        except Exception as error:  # the database is away: every vote of the batch is told so
            logger.exception("votes: a batch of %d votes failed", len(batch))
            results = [error] * len(batch)
        self.batches += 1
        self.stored += len(batch)
        for (_item, _preparer, future), result in zip(batch, results, strict=True):
            if not future.done():
                future.set_result(result)


def per_loop(registry: dict[int, T], make: Callable[[], T]) -> T:
    """The registry's object for the running event loop, made on first use.

    One per server process, one per test loop. Keyed by the loop's id, and checked against the
    loop itself, because a closed loop's id may be reused by the next one.
    """
    loop = asyncio.get_running_loop()
    found = registry.get(id(loop))
    if found is None or getattr(found, "_loop", None) is not loop:
        found = make()
        found._loop = loop  # type: ignore[attr-defined]
        registry[id(loop)] = found
    return found


_intakes: dict[int, VoteIntake] = {}


def current_intake() -> VoteIntake:
    """The intake of the running event loop (one per server process; one per test loop)."""
    return per_loop(_intakes, VoteIntake)
