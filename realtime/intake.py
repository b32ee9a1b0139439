"""WebSocket votes of one process, applied together (group commit).

Each vote alone cost a transaction and its round trips on a thread of its own; under a
hall's load those threads queued for the interpreter lock and for PostgreSQL, so vote
throughput stalled near 120 a second on this 2-core machine while the cores sat half idle.
Here the votes that arrive while a batch is being stored wait and go in the next
batch, on one thread: a quiet session stores each vote at once, a busy one stores
many per transaction (`operations.votes_apply`, the domain operation REST also calls).
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor

from ideas import operations
from ideas.errors import DomainError
from realtime.hub import in_thread, per_loop

logger = logging.getLogger("veche.realtime")

# Bounded so one batch's transaction stays short and its locks brief.
BATCH_MAX = 200
VOTE_EXECUTOR = ThreadPoolExecutor(max_workers=1, thread_name_prefix="veche-votes")

Result = operations.VoteOutcome | DomainError | Exception


class VoteIntake:
    def __init__(self) -> None:
        self._waiting: list[tuple[operations.VoteChange, asyncio.Future[Result]]] = []
        self._wakeup = asyncio.Event()
        self._worker: asyncio.Task[None] | None = None
        self.batches = 0  # for tests and benchmarks

    async def submit(self, change: operations.VoteChange) -> Result:
        future: asyncio.Future[Result] = asyncio.get_running_loop().create_future()
        self._waiting.append((change, future))
        self._wakeup.set()
        if self._worker is None or self._worker.done():
            self._worker = asyncio.create_task(self._work_forever(), name="veche-vote-intake")
        return await asyncio.shield(future)

    async def _work_forever(self) -> None:
        while True:
            await self._wakeup.wait()
            self._wakeup.clear()
            while self._waiting:
                batch, self._waiting = self._waiting[:BATCH_MAX], self._waiting[BATCH_MAX:]
                await self._store(batch)

    async def _store(
        self, batch: list[tuple[operations.VoteChange, asyncio.Future[Result]]]
    ) -> None:
        results: list[Result]
        try:
            results = list(
                await in_thread(operations.votes_apply, executor=VOTE_EXECUTOR)(
                    [change for change, _ in batch]
                )
            )
        except Exception as error:  # the database is away: every vote of the batch is told so
            logger.exception("live: a batch of %d votes failed", len(batch))
            results = [error] * len(batch)
        self.batches += 1
        for (_change, future), result in zip(batch, results, strict=True):
            if not future.done():
                future.set_result(result)


_intakes: dict[int, VoteIntake] = {}


def current_intake() -> VoteIntake:
    """The intake of the running event loop (one per daphne process; one per test loop)."""
    return per_loop(_intakes, VoteIntake)
