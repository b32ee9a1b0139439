"""The tally tick never waits for the request pool (issue 16).

REST threads that outnumbered `DATABASE_POOL_MAX` held every pooled connection; the per-tick
tally query queued behind them and listeners went a minute without a tally. The tally thread
now reads on a connection of its own (`realtime.tally_reader`).
"""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connections

from ideas.models import Vote
from realtime import broadcast, tally_reader
from tests.realtime.conftest import run_sync

pytestmark = pytest.mark.django_db(transaction=True)


class PoolHeld:
    """Every free connection of the pool checked out by threads that wait, as busy REST threads do."""

    def __init__(self, pool: Any) -> None:
        self.pool = pool
        self.release = threading.Event()
        self.reported = threading.Semaphore(0)
        self.held = 0
        self._count = threading.Lock()
        self.threads = [threading.Thread(target=self._hold, daemon=True) for _ in range(pool.max_size)]

    def _hold(self) -> None:
        from psycopg_pool import PoolTimeout

        try:
            taken = self.pool.getconn(timeout=1.0)
        except PoolTimeout:  # the others (and the test's own connections) took them all
            self.reported.release()
            return
        try:
            with self._count:
                self.held += 1
            self.reported.release()
            self.release.wait(30)
        finally:
            self.pool.putconn(taken)

    def __enter__(self) -> PoolHeld:
        for thread in self.threads:
            thread.start()
        for _ in self.threads:
            assert self.reported.acquire(timeout=10)
        return self

    def __exit__(self, *exc: object) -> None:
        self.release.set()
        for thread in self.threads:
            thread.join(10)


def pool_of_default():
    wrapper = connections["default"]
    if wrapper.vendor != "postgresql" or not wrapper.settings_dict.get("OPTIONS", {}).get("pool"):
        pytest.skip("only PostgreSQL has a connection pool to exhaust (the embedded SQLite has none)")
    return wrapper.pool


async def test_the_tick_publishes_while_every_pooled_connection_is_held(connect, session, participant, post_idea):
    from psycopg_pool import PoolTimeout

    pool = pool_of_default()
    idea = await run_sync(post_idea)(session, participant)
    screen = await connect(session.pk)
    await screen.until("snapshot")
    # Stored without its event, so the tally below can only come from the tick that runs
    # while the pool is held.
    await run_sync(Vote.objects.create)(participant=participant, idea=idea, value=1)

    with PoolHeld(pool) as holders:
        assert holders.held > 0
        with pytest.raises(PoolTimeout):  # nothing left in the pool for anyone else
            pool.getconn(timeout=0.2)
        await run_sync(broadcast.mark_votes)(session.pk, [idea.pk])
        # Well under the pool's 10 s timeout: before, the tick waited in the pool's queue.
        tally = await screen.until(
            "tally", lambda m: m["tallies"].get(str(idea.pk), {}).get("supporters") == 1, timeout=3
        )
    assert tally["tallies"][str(idea.pk)] == {"supporters": 1, "votes": 1, "score": 1}


async def test_the_reserved_connection_is_not_a_pooled_one():
    """Works on every database: the tally thread's `default` is a wrapper of its own, without a pool."""

    def describe() -> tuple[int, bool]:
        wrapper = connections["default"]
        return id(wrapper), bool(wrapper.settings_dict.get("OPTIONS", {}).get("pool"))

    first_id, pooled = await tally_reader.read(describe)
    second_id, _ = await tally_reader.read(describe)
    assert not pooled
    assert first_id == second_id  # kept from one tick to the next
    assert first_id != id(connections["default"])
    await tally_reader.close()
