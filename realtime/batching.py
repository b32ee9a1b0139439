"""Many sockets' database reads as one: the calls that arrive while a batch is read form the next.

A reconnect storm (a socket process dies; its 1,500 phones come back to the others within a
second) made every connect read its token, its session and its personal snapshot part on its
own: about five queries and three thread hops each, six at a time in the shared pool. With
PostgreSQL on the same busy cores each query waited its turn, and the survivor connected
~60 phones a second (profiled with py-spy: two thirds of its threads' time in those queries).
Batched, a storm costs a few queries per batch whatever its size; a lone connect is read at
once, as before.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

from realtime.hub import in_thread

T = TypeVar("T")
R = TypeVar("R")


class Batcher(Generic[T, R]):
    """`await batcher.call(item)`; `read_many(items)` answers every waiting item in one call (in the shared pool).

    `read_many` returns one answer per item, in order; an answer that is an Exception is raised
    to that item's caller only.
    """

    def __init__(self, read_many: Callable[[list[T]], Sequence[R | Exception]], *, most: int = 500) -> None:
        self._read_many = in_thread(read_many)
        self.most = most
        self._state: dict[int, tuple[asyncio.AbstractEventLoop, list[tuple[T, asyncio.Future[R]]], list[Any]]] = {}

    def _of(self, loop: asyncio.AbstractEventLoop) -> tuple[list[tuple[T, asyncio.Future[R]]], list[Any]]:
        found = self._state.get(id(loop))
        if found is None or found[0] is not loop:  # a new loop (tests run several) starts afresh
            found = self._state[id(loop)] = (loop, [], [None])
        return found[1], found[2]

    async def call(self, item: T) -> R:
        loop = asyncio.get_running_loop()
        waiting, reader = self._of(loop)
        future: asyncio.Future[R] = loop.create_future()
        waiting.append((item, future))
        if reader[0] is None or reader[0].done():
            reader[0] = loop.create_task(self._read(waiting))
        return await future

    async def _read(self, waiting: list[tuple[T, asyncio.Future[R]]]) -> None:
        while waiting:
            batch = waiting[: self.most]
            del waiting[: self.most]
            try:
                answers = await self._read_many([item for item, _future in batch])
            except Exception as error:
                answers = [error] * len(batch)
            for (_item, future), answer in zip(batch, answers, strict=True):
                if future.done():  # its caller went away (the socket closed)
                    continue
                if isinstance(answer, Exception):
                    future.set_exception(answer)
                else:
                    future.set_result(answer)
