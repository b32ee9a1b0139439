"""One hub per process (per event loop): the sockets of this process, grouped by session.

Why not a Channels group per session: a group send costs every socket a trip through
the channel layer (~250 µs of CPU each, measured), and the in-memory layer is
quadratic in group size. Here each process holds ONE bus subscription; a message
is decoded once, each audience variant is encoded once, and the same bytes are
written to every socket of this process that may read them.

Per connection there is a "latest state" slot: when a socket's send buffer backs
up (a phone on a bad network), it is paused; further tallies are merged into one
pending tally and other events wait in a short queue (overflow → a fresh
snapshot). One slow phone never delays the others and never grows without bound.

Per session, a ticker publishes one `tally` per tick (the lease makes that one
per tick across all processes) with the ideas whose votes changed, and `presence`
when the online count changed.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import close_old_connections

from ideas.vote_intake import per_loop  # one per-loop registry rule for the hub and the vote intake
from realtime import daphne_socket, events, tally_reader
from realtime.broadcast import envelope
from realtime.bus import Bus, make_bus
from realtime.daphne_socket import DaphneSocket

logger = logging.getLogger("veche.realtime")

# A paused socket is resumed below LOW bytes waiting; paused above HIGH.
SEND_BUFFER_HIGH = 256 * 1024
SEND_BUFFER_LOW = 32 * 1024
PENDING_EVENTS_MAX = 200
# A socket still above SEND_BUFFER_LOW this long after it was paused is dropped: a phone that
# stopped reading (asleep, out of range) must not hold a process's memory; it reconnects with
# `resume` and gets a snapshot.
SLOW_CLIENT_DROP_SECONDS = 30.0
# Fan-out yields to the loop every so many sockets, so vote intake stays responsive.
FAN_OUT_CHUNK = 200
SNAPSHOT_CONCURRENCY = 8
# Resyncs of connected clients (after a Redis outage: every client of the process at once) take
# turns two at a time: each snapshot is a thread's CPU, and eight of them kept the loop from
# its ticks for seconds (3,008 clients: tally gaps of 7–9 s, vote acks 8 s late; with two:
# 2–3 s, and the clients waiting keep receiving tallies meanwhile). Joins keep the wider gate:
# a reconnect storm wants its snapshots out fast.
RESYNC_CONCURRENCY = 2
# A session's tick lease outlives a tick (`Hub._tick_forever`): this many ticks, at least this long.
LEASE_TICKS = 4
LEASE_SECONDS = 1.0
# Personal parts of snapshots read in one batch at most (a room's joiners: `Hub._personal`).
PERSONAL_BATCH_MAX = 500
# After the bus lost messages (Redis away), a tally of every idea of each session follows the
# resync snapshots this many seconds later: it covers votes committed while the snapshots were
# read whose dirty marks never reached Redis (a process's publisher still in its breaker).
RECOVERY_TALLY_DELAYS = (1.0, 3.0)


# Tallies are computed on a thread of their own: in the shared pool they queued behind
# every pending vote, so under load the big screen fell seconds behind the votes it had
# already acknowledged (measured at 2,000 clients: p50 8.9 s at 240 votes/s; 0.7 s with this thread).
# That thread reads on a connection of its own, outside the pool (`realtime.tally_reader`).
TALLY_EXECUTOR = tally_reader.TALLY_EXECUTOR


def in_thread(
    function: Callable[..., Any], *, executor: ThreadPoolExecutor | None = None
) -> Callable[..., Awaitable[Any]]:
    """Database work off the loop, in the shared pool (not the single thread_sensitive thread).

    Connections are closed *inside* the call: Django keeps them context-local, and
    Channels' `database_sync_to_async` closes them outside the context the work ran
    in, so with the PostgreSQL pool every call would keep one connection checked out
    (measured: the pool ran dry after ~20 calls).
    """

    @functools.wraps(function)
    def run(*args: Any, **kwargs: Any) -> Any:
        close_old_connections()
        try:
            return function(*args, **kwargs)
        finally:
            close_old_connections()

    return sync_to_async(run, thread_sensitive=False, executor=executor)


class Prepared:
    """One audience variant of one message, encoded (and framed) once for every socket."""

    __slots__ = ("body", "kind", "seq", "_text", "_data", "_frame")

    def __init__(self, kind: str, seq: int, body: dict[str, Any]) -> None:
        self.kind = kind
        self.seq = seq
        self.body = body
        self._text: str | None = None
        self._data: bytes | None = None
        self._frame: bytes | None = None

    @property
    def text(self) -> str:
        if self._text is None:
            rest = json.dumps(self.body, ensure_ascii=False, separators=(",", ":"))
            head = f'{{"type":"{self.kind}","seq":{self.seq}'
            self._text = head + ("}" if rest == "{}" else "," + rest[1:])
        return self._text

    @property
    def data(self) -> bytes:
        if self._data is None:
            self._data = self.text.encode("utf-8")
        return self._data

    @property
    def frame(self) -> bytes:
        if self._frame is None:
            self._frame = daphne_socket.text_frame(self.data)
        return self._frame


def message_text(kind: str, seq: int, body: dict[str, Any]) -> str:
    return Prepared(kind, seq, body).text


class Connection:
    """One socket as the hub sees it: who reads, and how to write to it."""

    def __init__(
        self,
        *,
        session_id: int,
        role: str,
        participant_id: int | None,
        send_text: Callable[[str], Awaitable[None]],
        socket: DaphneSocket | None = None,
    ) -> None:
        self.session_id = session_id
        self.role = role  # "moderator" | "participant" | "viewer"
        self.participant_id = participant_id
        self.audience = (
            events.MOD
            if role == "moderator"
            else events.participant_audience(participant_id)
            if participant_id is not None
            else events.ALL
        )
        self._send_text = send_text
        self.socket = socket  # written directly under daphne (realtime.daphne_socket); else `send_text`
        self.closed = False
        self.syncing = True  # between join and the snapshot: events are buffered
        self.buffer: list[Prepared] = []
        self.snapshot_seq = -1
        self.sent_seq = 0  # seq of the last event written to this socket; replies carry it
        self.paused = False
        self.paused_since = 0.0
        self.pending: deque[tuple[int, str]] = deque()
        self.pending_tally: dict[str, Any] | None = None
        self.pending_tally_seq = 0
        self.needs_snapshot = False

    @property
    def is_moderator(self) -> bool:
        return self.role == "moderator"

    @property
    def counts_as_online(self) -> int:
        return int(self.participant_id is not None and not self.is_moderator)

    def pick(self, variants: dict[str, Prepared]) -> Prepared | None:
        if self.audience == events.ALL:
            return variants.get(events.ALL)
        return variants.get(self.audience) or variants.get(events.ALL)

    def backlog(self) -> int:
        """Bytes written to this socket but not yet taken by the kernel (0 if unknown)."""
        return self.socket.backlog() if self.socket is not None else 0

    def write_text(self, text: str, frame: bytes | None = None) -> Awaitable[None] | None:
        """Write now; returns an awaitable only on the plain ASGI path (tests, other servers)."""
        if self.closed:
            return None
        if self.socket is not None:
            self.socket.write(text, frame)
            return None
        return self._send_text(text)


class Room:
    """This process's connections to one session."""

    def __init__(self, session_id: int) -> None:
        self.session_id = session_id
        self.connections: set[Connection] = set()
        self.last_seq = 0
        self.online: int | None = None
        self.results_public: bool | None = None
        self.participants = 0  # participants' sockets in `connections` ("online now"), kept as they come and go
        # (moderator?, seq, hub generation) → a future of (JSON fragment of the shared snapshot part, results visible?)
        self.base_cache: dict[tuple[bool, int, int], asyncio.Future[tuple[str, bool]]] = {}
        # Joiners waiting for their personal part, read in batches (`Hub._personal`).
        self.personal_waiting: dict[int, list[asyncio.Future[dict[str, Any]]]] = {}
        self.personal_reader: asyncio.Task[None] | None = None

    def participants_online(self) -> int:
        """"Online now" counts people in the room: participants' sockets, not the screen or a console."""
        return self.participants

    def add(self, connection: Connection) -> None:
        if connection not in self.connections:
            self.connections.add(connection)
            self.participants += connection.counts_as_online

    def discard(self, connection: Connection) -> None:
        if connection in self.connections:
            self.connections.discard(connection)
            self.participants -= connection.counts_as_online


class Hub:
    def __init__(self, bus: Bus | None = None, *, tick_seconds: float | None = None) -> None:
        self.bus: Bus = bus if bus is not None else make_bus()
        self.tick_seconds = float(
            tick_seconds if tick_seconds is not None else getattr(settings, "VECHE_TALLY_TICK_SECONDS", 0.25)
        )
        self.rooms: dict[int, Room] = {}
        self.slow: set[Connection] = set()
        self._queue: asyncio.Queue[tuple[int, int, str]] = asyncio.Queue()
        self._tasks: list[asyncio.Task[None]] = []
        self._ticker: asyncio.Task[None] | None = None  # one for every session of this process
        self._started: asyncio.Future[None] | None = None
        self._snapshots = asyncio.Semaphore(SNAPSHOT_CONCURRENCY)
        self._resyncs = asyncio.Semaphore(RESYNC_CONCURRENCY)
        # Bumped whenever the bus may have lost messages: a snapshot part built before then is not reused.
        self.generation = 0
        self.resets = 0  # for tests: how often the bus reported lost messages
        self.delivered = 0  # messages written to sockets (for benchmarks and tests)
        self.dropped = 0  # slow clients dropped
        self.slow_drop_seconds = float(getattr(settings, "VECHE_SLOW_CLIENT_DROP_SECONDS", SLOW_CLIENT_DROP_SECONDS))

    # --- lifecycle

    async def ensure_started(self) -> None:
        if self._started is None:
            self._started = asyncio.get_running_loop().create_future()
            try:
                await self.bus.start(self._on_bus_message, self._on_bus_reset)
                self._tasks.append(asyncio.create_task(self._dispatch_forever(), name="veche-live-dispatch"))
                self._tasks.append(asyncio.create_task(self._drain_forever(), name="veche-live-drain"))
                self._started.set_result(None)
            except BaseException as error:
                self._started.set_exception(error)
                self._started = None
                raise
        else:
            await asyncio.shield(self._started)

    async def close(self) -> None:
        if self._ticker is not None:
            self._ticker.cancel()
        for task in self._tasks + ([self._ticker] if self._ticker is not None else []):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks.clear()
        await self.bus.close()
        with contextlib.suppress(Exception):
            await tally_reader.close()

    # --- connections

    async def join(self, connection: Connection) -> None:
        """Register (events buffer from now on), then send the snapshot."""
        await self.ensure_started()
        room = self.rooms.get(connection.session_id)
        if room is None:
            room = self.rooms[connection.session_id] = Room(connection.session_id)
        room.add(connection)
        if self._ticker is None or self._ticker.done():
            self._ticker = asyncio.create_task(self._tick_forever(), name="veche-live-tick")
        await self.send_snapshot(connection)

    async def leave(self, connection: Connection) -> None:
        connection.closed = True
        self.slow.discard(connection)
        room = self.rooms.get(connection.session_id)
        if room is None:
            return
        room.discard(connection)
        if not room.connections:
            del self.rooms[connection.session_id]
            with contextlib.suppress(Exception):
                await self.bus.leave(room.session_id)

    def room_seq(self, session_id: int) -> int:
        room = self.rooms.get(session_id)
        return room.last_seq if room is not None else 0

    async def current_seq(self, session_id: int) -> int:
        try:
            return await self.bus.current_seq(session_id)
        except Exception:  # Redis away: what this process has seen is the best we know
            return self.room_seq(session_id)

    # --- snapshots

    async def _base(self, room: Room, moderator: bool, seq: int, *, reuse: bool = True) -> tuple[str, bool]:
        """The shared part of a snapshot, built once for every joiner at the same seq.

        Keyed by the seq and the hub's generation: votes change tallies without a new seq
        (they mark ideas dirty until the next tick), so a part built before the bus lost
        messages must never be handed out after it (issue 10: after an outage the seq
        matched an old one and every client was resynced to a stale snapshot).
        """
        key = (moderator, seq, self.generation)
        future = room.base_cache.get(key) if reuse else None
        if future is None:
            # Only the newest seq is worth keeping; concurrent joiners share one build.
            for old in [k for k in room.base_cache if k[0] == moderator]:
                del room.base_cache[old]
            future = asyncio.get_running_loop().create_future()
            if reuse:
                room.base_cache[key] = future
            try:
                base = await in_thread(events.snapshot_base)(room.session_id, moderator=moderator)
                if base is None:
                    raise LookupError(room.session_id)
                fragment = json.dumps(base, ensure_ascii=False, separators=(",", ":"))[1:-1]
                future.set_result((fragment, bool(base["session"]["results_visible"])))
            except BaseException as error:
                room.base_cache.pop(key, None)
                future.set_exception(error)
                future.exception()  # retrieved: joiners who share it get it raised
                raise
        return await asyncio.shield(future)

    async def send_snapshot(self, connection: Connection) -> None:
        room = self.rooms.get(connection.session_id)
        if room is None or connection.closed:
            return
        async with self._snapshots:
            # Events buffer only from here: a client waiting for its turn in a resync (thousands
            # after a Redis outage, 8–11 s at 3,000 clients) keeps receiving tallies meanwhile,
            # including the recovery tallies of every idea, instead of going deaf until its snapshot.
            # A new connection is made syncing, so it buffers from its first event on.
            connection.syncing = True
            connection.buffer = []
            if connection.closed:
                return
            try:
                seq, from_bus = await self.bus.current_seq(room.session_id), True
            except Exception:  # Redis away: what this process has seen is the best we know
                seq, from_bus = room.last_seq, False
            # Without the bus the seq says nothing about freshness: read the database anew.
            fragment, results_visible = await self._base(room, connection.is_moderator, seq, reuse=from_bus)
            if not connection.is_moderator:
                room.results_public = results_visible
        personal = ""
        if connection.participant_id is not None and not connection.is_moderator:
            # Outside the snapshot gate: the room's batch reads many clients' parts in one go.
            own = await self._personal(room, connection.participant_id)
            personal = "," + json.dumps(own, ensure_ascii=False, separators=(",", ":"))[1:-1]
        online = room.online if room.online is not None else room.participants_online()
        text = f'{{"type":"snapshot","seq":{seq},{fragment},"online":{online}{personal}}}'
        connection.snapshot_seq = seq
        connection.sent_seq = seq
        connection.paused = False
        connection.pending.clear()
        connection.pending_tally = None
        connection.needs_snapshot = False
        room.last_seq = max(room.last_seq, seq)
        result = connection.write_text(text)
        if result is not None:
            await result
        buffered, connection.buffer = connection.buffer, []
        connection.syncing = False
        for prepared in buffered:
            result = self._deliver(connection, prepared)
            if result is not None:
                await result

    async def _personal(self, room: Room, participant_id: int) -> dict[str, Any]:
        """This participant's part of a snapshot, read together with the others waiting in the room.

        While one batch is read, the joiners that arrive wait for the next: a reconnect storm of a
        room's 800 phones costs a few batches of three queries, not 2,400 queries and 800 thread
        hops (which made reconnecting the slowest part of `--kill-one`).
        """
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        room.personal_waiting[participant_id] = [*room.personal_waiting.get(participant_id, []), future]
        if room.personal_reader is None or room.personal_reader.done():
            room.personal_reader = asyncio.create_task(self._read_personals(room))
        return await future

    async def _read_personals(self, room: Room) -> None:
        while room.personal_waiting:
            waiting = room.personal_waiting
            room.personal_waiting = {}
            ids = sorted(waiting)
            try:
                for start in range(0, len(ids), PERSONAL_BATCH_MAX):
                    chunk = ids[start : start + PERSONAL_BATCH_MAX]
                    parts = await in_thread(events.snapshot_personals)(room.session_id, chunk)
                    for participant_id in chunk:
                        for future in waiting.pop(participant_id):
                            if future.done():
                                continue
                            if participant_id in parts:
                                future.set_result(parts[participant_id])
                            else:
                                future.set_exception(LookupError(participant_id))
            except BaseException as error:
                for futures in waiting.values():
                    for future in futures:
                        if not future.done():
                            future.set_exception(error if isinstance(error, Exception) else RuntimeError(error))
                if not isinstance(error, Exception):
                    raise

    def resync(self, connections: list[Connection]) -> None:
        for connection in connections:
            if not connection.closed:
                asyncio.create_task(self._safe_snapshot(connection))

    async def _safe_snapshot(self, connection: Connection) -> None:
        try:
            async with self._resyncs:
                await self.send_snapshot(connection)
        except Exception:
            logger.warning("live: snapshot for a client of session %s failed", connection.session_id, exc_info=True)

    # --- events from the bus

    def _on_bus_message(self, session_id: int, seq: int, text: str) -> None:
        self._queue.put_nowait((session_id, seq, text))

    def _on_bus_reset(self) -> None:
        """Messages may have been lost (Redis was away): every client gets a fresh snapshot.

        Then, twice, a tally of every idea of each session (see RECOVERY_TALLY_DELAYS).
        """
        self.generation += 1
        self.resets += 1
        for room in list(self.rooms.values()):
            room.base_cache.clear()
            self.resync(list(room.connections))
        task = asyncio.create_task(self._recovery_tallies(), name="veche-live-recovery")
        self._tasks.append(task)
        task.add_done_callback(lambda done: self._tasks.remove(done) if done in self._tasks else None)

    async def _recovery_tallies(self) -> None:
        waited = 0.0
        for delay in RECOVERY_TALLY_DELAYS:
            await asyncio.sleep(delay - waited)
            waited = delay
            for session_id in list(self.rooms):
                try:
                    ideas = await in_thread(events.session_idea_ids)(session_id)
                    await self.bus.mark_dirty(session_id, ideas)
                except Exception:  # away again: the next reset starts over
                    logger.debug("live: recovery tally of session %s not marked", session_id, exc_info=True)

    async def _dispatch_forever(self) -> None:
        while True:
            session_id, seq, text = await self._queue.get()
            try:
                await self._dispatch(session_id, seq, text)
            except Exception:
                logger.exception("live: could not dispatch message %s of session %s", seq, session_id)

    async def _dispatch(self, session_id: int, seq: int, text: str) -> None:
        room = self.rooms.get(session_id)
        if room is None:
            return
        room.last_seq = max(room.last_seq, seq)
        message = json.loads(text)
        kind = message["k"]
        variants = {audience: Prepared(kind, seq, body) for audience, body in message["v"]}
        if kind == "presence":
            room.online = int(message["v"][0][1]["online"])
        sent = 0
        for connection in list(room.connections):
            prepared = connection.pick(variants)
            if prepared is None:
                continue
            result = self._deliver(connection, prepared)
            if result is not None:
                await result
            sent += 1
            if sent % FAN_OUT_CHUNK == 0:
                await asyncio.sleep(0)
        if kind in ("stage", "session.updated"):
            # Results became visible (or hidden) to participants: their view must be rebuilt.
            visible = bool(message["v"][0][1]["session"]["results_visible"])
            if room.results_public is not None and visible != room.results_public:
                room.results_public = visible
                self.resync([c for c in room.connections if not c.is_moderator])

    def _deliver(self, connection: Connection, prepared: Prepared) -> Awaitable[None] | None:
        if connection.closed:
            return None
        if connection.syncing:
            connection.buffer.append(prepared)
            return None
        if prepared.seq <= connection.snapshot_seq:
            return None  # already in the snapshot this client holds
        if connection.paused:
            self._hold(connection, prepared)
            return None
        result = connection.write_text(prepared.text, prepared.frame)
        connection.sent_seq = prepared.seq
        self.delivered += 1
        if connection.backlog() > SEND_BUFFER_HIGH:
            connection.paused = True
            connection.paused_since = asyncio.get_running_loop().time()
            self.slow.add(connection)
        return result

    def _hold(self, connection: Connection, prepared: Prepared) -> None:
        """The latest-state slot of a paused socket: tallies merge, other events queue (bounded)."""
        if connection.needs_snapshot:
            return
        if prepared.kind == "tally":
            merged = connection.pending_tally if connection.pending_tally is not None else {}
            merged.update(prepared.body.get("tallies", {}))
            connection.pending_tally = merged
            connection.pending_tally_seq = prepared.seq
            return
        if len(connection.pending) >= PENDING_EVENTS_MAX:
            connection.pending.clear()
            connection.pending_tally = None
            connection.needs_snapshot = True
            return
        connection.pending.append((prepared.seq, prepared.text))

    def _drop(self, connection: Connection) -> None:
        logger.info("live: dropped a client of session %s that stopped reading", connection.session_id)
        self.slow.discard(connection)
        connection.closed = True
        connection.pending.clear()
        connection.pending_tally = None
        if connection.socket is not None:
            connection.socket.drop()  # daphne sees the connection lost; the consumer leaves the hub
        self.dropped += 1

    async def _drain_forever(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(0.05)
            for connection in list(self.slow):
                if connection.closed:
                    self.slow.discard(connection)
                    continue
                if connection.backlog() > SEND_BUFFER_LOW:
                    if loop.time() - connection.paused_since > self.slow_drop_seconds:
                        self._drop(connection)
                    continue
                self.slow.discard(connection)
                connection.paused = False
                if connection.needs_snapshot:
                    self.resync([connection])
                    continue
                while connection.pending:
                    seq, text = connection.pending.popleft()
                    connection.write_text(text)
                    connection.sent_seq = seq
                if connection.pending_tally:
                    # Tallies are absolute, so the merged one is sent last with the newest seq.
                    seq = max(connection.pending_tally_seq, connection.sent_seq)
                    connection.write_text(message_text("tally", seq, {"tallies": connection.pending_tally}))
                    connection.sent_seq = seq
                    connection.pending_tally = None

    # --- the ticker: every session of this process, one tick at a time

    async def _tick_forever(self) -> None:
        loop = asyncio.get_running_loop()
        tick = self.tick_seconds
        # The process holding a session's lease keeps it from tick to tick (`bus.TICK_MANY_LUA`);
        # another takes over when it has not ticked for this long (a process killed mid-run:
        # tallies resume within LEASE_SECONDS).
        lease_ms = max(1, int(max(LEASE_TICKS * tick, LEASE_SECONDS) * 1000))
        deadline = loop.time()
        while self.rooms:
            deadline += tick
            delay = deadline - loop.time()
            if delay < 0:  # we fell behind (a slow query): skip, don't burst
                deadline = loop.time()
                delay = 0
            await asyncio.sleep(delay)
            try:
                await self._tick(lease_ms)
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.debug("live: tick failed", exc_info=True)

    async def _tick(self, lease_ms: int) -> None:
        """One tick of every session: one bus call, one tally read, one publish call for them all.

        Per session that was three Redis round trips and a thread hop a tick in every process
        (8 sessions × 4 ticks × 2 processes: 192 round trips a second, ~12 % of a socket
        process's busy time, most of it in redis-py). Sessions keep their own leases, so
        across processes each still gets at most one tally a tick.
        """
        rooms = [room for room in self.rooms.values() if room.connections]
        if not rooms:
            return
        works = await self.bus.tick_many([(room.session_id, room.participants_online()) for room in rooms], lease_ms)
        dirty = {room.session_id: work.dirty for room, work in zip(rooms, works, strict=True) if work and work.dirty}
        tallies: dict[int, events.Variants] = {}
        if dirty:
            # On the reserved connection: a tick never waits for the request pool (issue 16).
            try:
                tallies = await tally_reader.read(events.tally_variants_many, dirty)
            except Exception:  # every session's ideas are marked dirty again below
                logger.debug("live: tally read failed; ideas stay dirty", exc_info=True)
        messages: list[tuple[int, str, str | None]] = []
        for room, work in zip(rooms, works, strict=True):
            if work is None:
                continue
            variants = tallies.get(room.session_id)
            if variants:
                messages.append((room.session_id, envelope("tally", variants), work.lease))
            elif room.session_id in dirty and room.session_id not in tallies:
                await self.bus.mark_dirty(room.session_id, dirty[room.session_id])  # its read failed
            if work.presence is not None:
                messages.append((room.session_id, envelope("presence", [[events.ALL, {"online": work.presence}]]), None))
        if not messages:
            return
        seqs = await self.bus.publish_many(messages)
        for (session_id, _text, lease), seq in zip(messages, seqs, strict=True):
            if lease is not None and seq is None:  # the tick took longer than its lease: the next recomputes
                await self.bus.mark_dirty(session_id, dirty[session_id])


_hubs: dict[int, Hub] = {}


def current_hub() -> Hub:
    """The hub of the running event loop (one per daphne process; one per test loop)."""
    return per_loop(_hubs, Hub)


async def close_current_hub() -> None:
    loop = asyncio.get_running_loop()
    hub = _hubs.pop(id(loop), None)
    if hub is not None:
        await hub.close()
