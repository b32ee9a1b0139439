"""The per-tick tally query reads on a database connection of its own, outside the request pool.

Under REST load every sync request thread holds one of the pool's connections
(`DATABASE_POOL_MAX`, 20 by default) for as long as it runs. With 64 requests in flight
the tally query waited in the pool's queue like any request, its tick's lease ran out
before it could publish, the ideas were marked dirty again, and the next tick waited
again: listeners went 57.6 s without a tally (issue 16). A reserved connection makes the
tick independent of whatever else the process is doing with the database.

The connection lives in `TALLY_EXECUTOR`'s single thread and is made on first use from the
default database's settings without the pool (one extra connection per process). The
work is handed to that thread with `run_in_executor`, which does not copy the caller's
context, so Django's connection handler (context-local) keeps this thread's own
connection from one tick to the next.
"""

from __future__ import annotations

import asyncio
import copy
import functools
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.utils import load_backend

T = TypeVar("T")

# One thread: ticks of every session of the process read one after another, never in
# the shared pool behind pending votes (that made screens fall seconds behind).
TALLY_EXECUTOR = ThreadPoolExecutor(max_workers=1, thread_name_prefix="veche-tally")

_local = threading.local()


def _reserved_connection() -> BaseDatabaseWrapper:
    """This thread's own connection wrapper, installed as its `default` (made once)."""
    wrapper: BaseDatabaseWrapper | None = getattr(_local, "wrapper", None)
    if wrapper is None:
        settings_dict = copy.deepcopy(connections.settings[DEFAULT_DB_ALIAS])
        settings_dict["OPTIONS"] = {k: v for k, v in settings_dict.get("OPTIONS", {}).items() if k != "pool"}
        settings_dict["CONN_MAX_AGE"] = None  # kept open between ticks
        settings_dict["CONN_HEALTH_CHECKS"] = True  # a connection PostgreSQL dropped is replaced
        wrapper = load_backend(settings_dict["ENGINE"]).DatabaseWrapper(settings_dict, DEFAULT_DB_ALIAS)
        connections[DEFAULT_DB_ALIAS] = wrapper
        _local.wrapper = wrapper
    return wrapper


def _read(function: Callable[..., T], *args: Any) -> T:
    wrapper = _reserved_connection()
    wrapper.close_if_unusable_or_obsolete()
    try:
        return function(*args)
    except Exception:
        wrapper.close()  # the next tick connects afresh
        raise


async def read(function: Callable[..., T], *args: Any) -> T:
    """Run a read-only database function on the tally thread's reserved connection."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(TALLY_EXECUTOR, functools.partial(_read, function, *args))


def _close() -> None:
    wrapper: BaseDatabaseWrapper | None = getattr(_local, "wrapper", None)
    if wrapper is not None:
        wrapper.close()


async def close() -> None:
    """Close the reserved connection (a hub that stops; the test database can then be dropped).

    The next tick, if any, opens it again.
    """
    await asyncio.get_running_loop().run_in_executor(TALLY_EXECUTOR, _close)
