"""The live bus: per-session sequence numbers, dirty tallies, presence, and fan-in of events.

Two implementations share one shape:

- `LocalBroker` (embedded default, one process, no Redis): a thread-safe in-process
  object. Sync code (a request thread after commit) and the event loop both use it.
- Redis (`REDIS_URL`): every process keeps ONE pattern subscription and hands each
  message to its own sockets (`RedisBus`); sync code publishes with `RedisPublisher`.

Wire format of a bus message: ``"<seq>\\n<envelope JSON>"``, where the envelope is
``{"k": kind, "v": [[audience, body], ...]}``. The sequence number is taken and the
message published in one Lua script, so the publish order equals the seq order in
every process (two publishers can never deliver 8 before 7).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from django.conf import settings

logger = logging.getLogger("veche.realtime")

# Called by a bus for every message: (session_id, seq, envelope JSON).
MessageHandler = Callable[[int, int, str], None]
# Called after the bus lost messages (Redis reconnected): every client must resync.
ResetHandler = Callable[[], None]

SEQ_TTL_SECONDS = 7 * 24 * 3600
PRESENCE_STALE_MS = 5000


@dataclass(frozen=True)
class LiveConfig:
    redis_url: str | None
    prefix: str


def live_config() -> LiveConfig:
    """Read the transport from CHANNEL_LAYERS, so tests and deployments switch it in one place."""
    layer = settings.CHANNEL_LAYERS.get("default", {})
    backend = str(layer.get("BACKEND", ""))
    config = layer.get("CONFIG", {}) or {}
    if backend.startswith("channels_redis"):
        host = (config.get("hosts") or ["redis://127.0.0.1:6379/0"])[0]
        if isinstance(host, dict):
            host = host.get("address", "redis://127.0.0.1:6379/0")
        if isinstance(host, list | tuple):
            host = f"redis://{host[0]}:{host[1]}/0"
        return LiveConfig(redis_url=str(host), prefix=str(config.get("prefix", "asgi")))
    return LiveConfig(redis_url=None, prefix="local")


@dataclass
class TickWork:
    """What one tick of a session must publish: the ideas whose votes changed, the new online count."""

    dirty: list[int]
    presence: int | None
    lease: str


class Bus(Protocol):
    hub_id: str

    async def start(self, on_message: MessageHandler, on_reset: ResetHandler) -> None: ...

    async def close(self) -> None: ...

    async def current_seq(self, session_id: int) -> int: ...

    async def tick(self, session_id: int, local_online: int, tick_ms: int) -> TickWork | None: ...

    async def tick_many(self, sessions: list[tuple[int, int]], lease_ms: int) -> list[TickWork | None]: ...

    async def publish(self, session_id: int, envelope: str, lease: str | None = None) -> int | None: ...

    async def publish_many(self, messages: list[tuple[int, str, str | None]]) -> list[int | None]: ...

    async def mark_dirty(self, session_id: int, idea_ids: list[int]) -> None: ...

    async def leave(self, session_id: int) -> None: ...


# --- embedded: one process, no Redis ---------------------------------------------------------


class LocalBroker:
    """The in-process stand-in for Redis: counters, dirty sets, leases, presence, subscribers."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seq: dict[int, int] = {}
        self._dirty: dict[int, set[int]] = {}
        self._lease_until: dict[int, float] = {}
        self._lease_holder: dict[int, str] = {}
        self._presence: dict[int, dict[str, int]] = {}
        self._presence_last: dict[int, int] = {}
        self._subscribers: dict[str, tuple[asyncio.AbstractEventLoop, MessageHandler]] = {}

    def subscribe(self, hub_id: str, loop: asyncio.AbstractEventLoop, handler: MessageHandler) -> None:
        with self._lock:
            self._subscribers[hub_id] = (loop, handler)

    def unsubscribe(self, hub_id: str) -> None:
        with self._lock:
            self._subscribers.pop(hub_id, None)
            for counts in self._presence.values():
                counts.pop(hub_id, None)
            for session_id in [s for s, holder in self._lease_holder.items() if holder == hub_id]:
                self._release(session_id, hub_id)

    def current_seq(self, session_id: int) -> int:
        with self._lock:
            return self._seq.get(session_id, 0)

    def publish(self, session_id: int, envelope: str) -> int:
        # Taking the number and queueing the delivery under one lock keeps delivery in seq order;
        # call_soon_threadsafe is FIFO per loop.
        with self._lock:
            seq = self._seq.get(session_id, 0) + 1
            self._seq[session_id] = seq
            dead = []
            for hub_id, (loop, handler) in self._subscribers.items():
                try:
                    loop.call_soon_threadsafe(handler, session_id, seq, envelope)
                except RuntimeError:  # that loop is closed (a finished test, a stopped server)
                    dead.append(hub_id)
            for hub_id in dead:
                del self._subscribers[hub_id]
        return seq

    def mark_dirty(self, session_id: int, idea_ids: list[int]) -> None:
        with self._lock:
            self._dirty.setdefault(session_id, set()).update(idea_ids)

    def tick(self, session_id: int, hub_id: str, local_online: int, tick_ms: int) -> TickWork | None:
        now = time.monotonic()
        with self._lock:
            self._presence.setdefault(session_id, {})[hub_id] = local_online
            # Sticky, as in Redis (TICK_MANY_LUA): the holder renews, others wait for it to run out.
            if self._lease_until.get(session_id, 0.0) > now and self._lease_holder.get(session_id) != hub_id:
                return None
            self._lease_until[session_id] = now + tick_ms / 1000
            self._lease_holder[session_id] = hub_id
            dirty = sorted(self._dirty.pop(session_id, set()))
            total = sum(self._presence[session_id].values())
            presence = None
            if self._presence_last.get(session_id) != total:
                self._presence_last[session_id] = total
                presence = total
        return TickWork(dirty=dirty, presence=presence, lease="local")

    def leave(self, session_id: int, hub_id: str) -> None:
        with self._lock:
            self._presence.get(session_id, {}).pop(hub_id, None)
            self._release(session_id, hub_id)

    def _release(self, session_id: int, hub_id: str) -> None:
        if self._lease_holder.get(session_id) == hub_id:
            del self._lease_holder[session_id]
            self._lease_until.pop(session_id, None)


_broker = LocalBroker()


def local_broker() -> LocalBroker:
    return _broker


class LocalBus:
    def __init__(self) -> None:
        self.hub_id = uuid.uuid4().hex[:12]
        self._broker = local_broker()

    async def start(self, on_message: MessageHandler, on_reset: ResetHandler) -> None:
        self._broker.subscribe(self.hub_id, asyncio.get_running_loop(), on_message)

    async def close(self) -> None:
        self._broker.unsubscribe(self.hub_id)

    async def current_seq(self, session_id: int) -> int:
        return self._broker.current_seq(session_id)

    async def tick(self, session_id: int, local_online: int, tick_ms: int) -> TickWork | None:
        return self._broker.tick(session_id, self.hub_id, local_online, tick_ms)

    async def tick_many(self, sessions: list[tuple[int, int]], lease_ms: int) -> list[TickWork | None]:
        return [self._broker.tick(session_id, self.hub_id, online, lease_ms) for session_id, online in sessions]

    async def publish(self, session_id: int, envelope: str, lease: str | None = None) -> int | None:
        return self._broker.publish(session_id, envelope)

    async def publish_many(self, messages: list[tuple[int, str, str | None]]) -> list[int | None]:
        return [self._broker.publish(session_id, envelope) for session_id, envelope, _lease in messages]

    async def mark_dirty(self, session_id: int, idea_ids: list[int]) -> None:
        self._broker.mark_dirty(session_id, idea_ids)

    async def leave(self, session_id: int) -> None:
        self._broker.leave(session_id, self.hub_id)


# --- Redis: several processes ----------------------------------------------------------------

# A session's sequence must never go back, even when Redis restarts without its data (the
# counter is gone): a missing counter starts from Redis's clock in milliseconds, which is
# above any number an earlier counter reached unless it took more than one per millisecond.
# Clients and the hub skip events at or below the seq they hold, so a counter restarting
# at 1 silenced every socket until it climbed back (issue 10: stale tallies after an outage).
SEQ_SEED_LUA = """
local function seeded_seq(key, ttl)
  if redis.call('EXISTS', key) == 0 then
    local now = redis.call('TIME')
    redis.call('SET', key, tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000), 'EX', ttl)
  end
end
"""

# KEYS: seq, channel, lease. ARGV: envelope, lease token ("" = no lease needed), seq ttl.
PUBLISH_LUA = SEQ_SEED_LUA + """
if ARGV[2] ~= '' and redis.call('GET', KEYS[3]) ~= ARGV[2] then
  return -1
end
seeded_seq(KEYS[1], ARGV[3])
local seq = redis.call('INCR', KEYS[1])
redis.call('EXPIRE', KEYS[1], ARGV[3])
redis.call('PUBLISH', KEYS[2], seq .. '\\n' .. ARGV[1])
return seq
"""

# KEYS: seq. ARGV: seq ttl. The current seq (seeded when missing, so a snapshot never goes back either).
CURRENT_SEQ_LUA = SEQ_SEED_LUA + """
seeded_seq(KEYS[1], ARGV[1])
return tonumber(redis.call('GET', KEYS[1]))
"""

# KEYS: lease, dirty, online hash, last published presence.
# ARGV: lease token, tick ms, hub id, local online count, stale ms.
# Everyone reports its own online count; only the holder of the tick lease takes the
# dirty ideas and the presence total, so a session gets at most one tally per tick
# across all processes. Publishing checks the lease again (PUBLISH_LUA), so a tally
# computed too slowly is never published after a newer one.
TICK_LUA = """
local now = redis.call('TIME')
local now_ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
redis.call('HSET', KEYS[3], ARGV[3], ARGV[4] .. ':' .. now_ms)
redis.call('PEXPIRE', KEYS[3], 3600000)
if not redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return false
end
local dirty = redis.call('SMEMBERS', KEYS[2])
if #dirty > 0 then redis.call('DEL', KEYS[2]) end
local total = 0
local entries = redis.call('HGETALL', KEYS[3])
for i = 1, #entries, 2 do
  local value = entries[i + 1]
  local sep = string.find(value, ':', 1, true)
  local count = tonumber(string.sub(value, 1, sep - 1))
  local seen = tonumber(string.sub(value, sep + 1))
  if now_ms - seen > tonumber(ARGV[5]) then
    redis.call('HDEL', KEYS[3], entries[i])
  else
    total = total + count
  end
end
local presence = -1
if redis.call('GET', KEYS[4]) ~= tostring(total) then
  redis.call('SET', KEYS[4], total, 'EX', 3600)
  presence = total
end
return {presence, dirty}
"""


# Every session of one process in one script call (one round trip a tick, not one a session: the
# per-session calls were ~12 % of a socket process's busy time at 8 sessions, most of it redis-py).
# KEYS: 4 per session, as TICK_LUA. ARGV: lease ms, hub id, stale ms, then per session: lease token, local online.
# Returns per session {presence, dirty} as TICK_LUA, or {-2, {}} when another process holds the lease.
#
# The lease is sticky: the process holding a session's lease renews it on each of its ticks, and
# another process takes the session only when the lease has run out (its holder died or stalled
# for `lease ms`). One process ticks all its sessions in turn, so the time from taking the lease
# to publishing covers every session's tally read: with a lease of 0.8 tick that was too short
# under load, every publish was refused and tallies stopped altogether. A process's own ticks
# never overlap (one ticker), so a renewed lease cannot let its older tally follow a newer one.
TICK_MANY_LUA = """
local now = redis.call('TIME')
local now_ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
local out = {}
local n = #KEYS / 4
for s = 0, n - 1 do
  local lease, dirty_key, online, last = KEYS[4*s+1], KEYS[4*s+2], KEYS[4*s+3], KEYS[4*s+4]
  local token, local_online = ARGV[4+2*s], ARGV[5+2*s]
  redis.call('HSET', online, ARGV[2], local_online .. ':' .. now_ms)
  redis.call('PEXPIRE', online, 3600000)
  local holder = redis.call('GET', lease)
  local taken
  if holder and string.sub(holder, 1, #ARGV[2] + 1) == ARGV[2] .. ':' then
    taken = redis.call('SET', lease, token, 'PX', ARGV[1])
  else
    taken = redis.call('SET', lease, token, 'NX', 'PX', ARGV[1])
  end
  if not taken then
    out[s+1] = {-2, {}}
  else
    local dirty = redis.call('SMEMBERS', dirty_key)
    if #dirty > 0 then redis.call('DEL', dirty_key) end
    local total = 0
    local entries = redis.call('HGETALL', online)
    for i = 1, #entries, 2 do
      local value = entries[i + 1]
      local sep = string.find(value, ':', 1, true)
      local count = tonumber(string.sub(value, 1, sep - 1))
      local seen = tonumber(string.sub(value, sep + 1))
      if now_ms - seen > tonumber(ARGV[3]) then
        redis.call('HDEL', online, entries[i])
      else
        total = total + count
      end
    end
    local presence = -1
    if redis.call('GET', last) ~= tostring(total) then
      redis.call('SET', last, total, 'EX', 3600)
      presence = total
    end
    out[s+1] = {presence, dirty}
  end
end
return out
"""

# Several messages in one call, each as PUBLISH_LUA (in order, each with its own seq and lease check).
# KEYS: 3 per message (seq, channel, lease). ARGV: seq ttl, then per message: envelope, lease token.
PUBLISH_MANY_LUA = SEQ_SEED_LUA + """
local out = {}
for m = 0, #KEYS / 3 - 1 do
  local seq_key, channel, lease = KEYS[3*m+1], KEYS[3*m+2], KEYS[3*m+3]
  local envelope, token = ARGV[2+2*m], ARGV[3+2*m]
  if token ~= '' and redis.call('GET', lease) ~= token then
    out[m+1] = -1
  else
    seeded_seq(seq_key, ARGV[1])
    local seq = redis.call('INCR', seq_key)
    redis.call('EXPIRE', seq_key, ARGV[1])
    redis.call('PUBLISH', channel, seq .. '\\n' .. envelope)
    out[m+1] = seq
  end
end
return out
"""


def _no_retry(*, aio: bool) -> Any:
    """No retries inside redis-py: each caller here has its own (the next tick, the breaker, the reader).

    redis-py 6+ retries three times with up to 10 s of backoff by default; a vote's publish
    after commit would then wait seconds for a Redis that is away.
    """
    from redis.backoff import NoBackoff

    if aio:
        from redis.asyncio.retry import Retry as AsyncRetry

        return AsyncRetry(NoBackoff(), 0)
    from redis.retry import Retry

    return Retry(NoBackoff(), 0)


class RedisKeys:
    def __init__(self, prefix: str) -> None:
        self.prefix = prefix

    def seq(self, session_id: int) -> str:
        return f"{self.prefix}:live:{session_id}:seq"

    def dirty(self, session_id: int) -> str:
        return f"{self.prefix}:live:{session_id}:dirty"

    def lease(self, session_id: int) -> str:
        return f"{self.prefix}:live:{session_id}:lease"

    def online(self, session_id: int) -> str:
        return f"{self.prefix}:live:{session_id}:online"

    def presence(self, session_id: int) -> str:
        return f"{self.prefix}:live:{session_id}:presence"

    def channel(self, session_id: int) -> str:
        return f"{self.prefix}:livech:{session_id}"

    def channel_pattern(self) -> str:
        return f"{self.prefix}:livech:*"

    def session_of_channel(self, channel: str) -> int:
        return int(channel.rsplit(":", 1)[1])


class RedisBus:
    """One process's side of Redis: one pattern subscription, a small command client."""

    def __init__(self, url: str, prefix: str) -> None:
        import redis.asyncio as aioredis

        self.hub_id = uuid.uuid4().hex[:12]
        self.keys = RedisKeys(prefix)
        self._url = url
        self._client = aioredis.Redis.from_url(
            url, socket_timeout=1.0, socket_connect_timeout=1.0, health_check_interval=5, retry=_no_retry(aio=True)
        )
        self._publish = self._client.register_script(PUBLISH_LUA)
        self._tick = self._client.register_script(TICK_LUA)
        self._tick_many = self._client.register_script(TICK_MANY_LUA)
        self._publish_many = self._client.register_script(PUBLISH_MANY_LUA)
        self._current_seq = self._client.register_script(CURRENT_SEQ_LUA)
        self._reader: asyncio.Task[None] | None = None
        self._subscribed = asyncio.Event()
        self._tokens = itertools.count()

    async def start(self, on_message: MessageHandler, on_reset: ResetHandler) -> None:
        self._reader = asyncio.create_task(self._read_forever(on_message, on_reset), name="veche-live-redis")
        # Wait (briefly) until subscribed, so a snapshot's seq never precedes our subscription.
        # If Redis is down we go on without: snapshots come from the database, and the
        # reader resyncs every client once Redis is back.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._subscribed.wait(), timeout=2.0)

    async def _read_forever(self, on_message: MessageHandler, on_reset: ResetHandler) -> None:
        """The process's one subscription; every time it is (re)made after the first, clients resync.

        redis-py's own retries are off on this connection: left on, it reconnects and
        re-subscribes by itself, and nothing tells the hub that messages were lost in
        between (issue 10: clients kept stale tallies). Any subscription confirmation
        after the first is treated as a reconnection as well, whoever made it.
        """
        import redis.asyncio as aioredis

        delay = 0.05
        first = True
        while True:
            connection = aioredis.Redis.from_url(
                self._url, socket_connect_timeout=1.0, health_check_interval=2, retry=_no_retry(aio=True)
            )
            pubsub = connection.pubsub()
            try:
                await pubsub.psubscribe(self.keys.channel_pattern())
                # The subscription is confirmed once its reply is read.
                while True:
                    reply = await pubsub.get_message(ignore_subscribe_messages=False, timeout=1.0)
                    if reply and reply.get("type") == "psubscribe":
                        break
                self._subscribed.set()
                delay = 0.05
                if not first:
                    logger.warning("live bus: Redis is back, resyncing every client")
                    on_reset()
                first = False
                while True:
                    message = await pubsub.get_message(ignore_subscribe_messages=False, timeout=2.0)
                    if message is None:
                        # Idle: make sure the connection is alive (a silent outage looks idle).
                        await pubsub.ping()
                        continue
                    kind = message.get("type")
                    if kind == "psubscribe":  # subscribed again behind our back: messages were lost
                        logger.warning("live bus: the subscription was renewed, resyncing every client")
                        on_reset()
                        continue
                    if kind != "pmessage":
                        continue
                    channel = message["channel"].decode()
                    data = message["data"].decode("utf-8")
                    seq_text, _, envelope = data.partition("\n")
                    on_message(self.keys.session_of_channel(channel), int(seq_text), envelope)
            except asyncio.CancelledError:
                raise
            except Exception:
                self._subscribed.clear()
                if not first:
                    logger.warning("live bus: lost Redis; retrying in %.2fs", delay, exc_info=True)
                first = False
                await asyncio.sleep(delay)
                delay = min(delay * 2, 1.0)
            finally:
                with contextlib.suppress(Exception):
                    await pubsub.aclose()
                with contextlib.suppress(Exception):
                    await connection.aclose()

    async def close(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._reader
        with contextlib.suppress(Exception):
            await self._client.aclose()

    async def current_seq(self, session_id: int) -> int:
        return int(await self._current_seq(keys=[self.keys.seq(session_id)], args=[SEQ_TTL_SECONDS]))

    async def tick(self, session_id: int, local_online: int, tick_ms: int) -> TickWork | None:
        token = f"{self.hub_id}:{next(self._tokens)}"
        keys = self.keys
        result = await self._tick(
            keys=[keys.lease(session_id), keys.dirty(session_id), keys.online(session_id), keys.presence(session_id)],
            args=[token, tick_ms, self.hub_id, local_online, PRESENCE_STALE_MS],
        )
        if not result:
            return None
        presence, dirty = result
        presence = int(presence)
        return TickWork(
            dirty=sorted(int(i) for i in dirty), presence=None if presence < 0 else presence, lease=token
        )

    async def tick_many(self, sessions: list[tuple[int, int]], lease_ms: int) -> list[TickWork | None]:
        if not sessions:
            return []
        keys = self.keys
        names: list[str] = []
        args: list[Any] = [lease_ms, self.hub_id, PRESENCE_STALE_MS]
        tokens = []
        for session_id, online in sessions:
            names += [keys.lease(session_id), keys.dirty(session_id), keys.online(session_id), keys.presence(session_id)]
            token = f"{self.hub_id}:{next(self._tokens)}"
            tokens.append(token)
            args += [token, online]
        results = await self._tick_many(keys=names, args=args)
        works: list[TickWork | None] = []
        for (presence, dirty), token in zip(results, tokens, strict=True):
            presence = int(presence)
            if presence == -2:
                works.append(None)
                continue
            works.append(
                TickWork(dirty=sorted(int(i) for i in dirty), presence=None if presence < 0 else presence, lease=token)
            )
        return works

    async def publish_many(self, messages: list[tuple[int, str, str | None]]) -> list[int | None]:
        if not messages:
            return []
        keys = self.keys
        names: list[str] = []
        args: list[Any] = [SEQ_TTL_SECONDS]
        for session_id, envelope, lease in messages:
            names += [keys.seq(session_id), keys.channel(session_id), keys.lease(session_id)]
            args += [envelope, lease or ""]
        seqs = await self._publish_many(keys=names, args=args)
        return [None if int(seq) < 0 else int(seq) for seq in seqs]

    async def publish(self, session_id: int, envelope: str, lease: str | None = None) -> int | None:
        keys = self.keys
        seq = int(
            await self._publish(
                keys=[keys.seq(session_id), keys.channel(session_id), keys.lease(session_id)],
                args=[envelope, lease or "", SEQ_TTL_SECONDS],
            )
        )
        return None if seq < 0 else seq

    async def mark_dirty(self, session_id: int, idea_ids: list[int]) -> None:
        if idea_ids:
            key = self.keys.dirty(session_id)
            async with self._client.pipeline(transaction=False) as pipe:
                pipe.sadd(key, *idea_ids)
                pipe.expire(key, 3600)
                await pipe.execute()

    async def leave(self, session_id: int) -> None:
        await self._client.hdel(self.keys.online(session_id), self.hub_id)


class BusUnavailable(ConnectionError):
    pass


class RedisPublisher:
    """Sync side: request threads publish events and mark dirty tallies after commit.

    Short timeouts and a breaker: when Redis is away, a vote pays at most one short
    timeout per second, then the stream is skipped (clients resync when it is back).
    """

    BREAK_SECONDS = 1.0

    def __init__(self, url: str, prefix: str) -> None:
        import redis

        self.keys = RedisKeys(prefix)
        self._client = redis.Redis.from_url(
            url, socket_timeout=0.5, socket_connect_timeout=0.5, retry=_no_retry(aio=False)
        )
        self._publish = self._client.register_script(PUBLISH_LUA)
        self._down_until = 0.0

    def _available(self) -> bool:
        return time.monotonic() >= self._down_until

    def _broke(self) -> None:
        self._down_until = time.monotonic() + self.BREAK_SECONDS

    def publish(self, session_id: int, envelope: str) -> int | None:
        if not self._available():
            raise BusUnavailable("Redis failed less than a second ago")
        keys = self.keys
        try:
            return int(
                self._publish(
                    keys=[keys.seq(session_id), keys.channel(session_id), keys.lease(session_id)],
                    args=[envelope, "", SEQ_TTL_SECONDS],
                )
            )
        except Exception:
            self._broke()
            raise

    def mark_dirty(self, session_id: int, idea_ids: list[int]) -> None:
        self.mark_dirty_many({session_id: idea_ids})

    def mark_dirty_many(self, dirty: dict[int, list[int]]) -> None:
        """Every session's dirty ideas in one pipeline (one round trip for a batch of votes)."""
        if not self._available():
            raise BusUnavailable("Redis failed less than a second ago")
        try:
            with self._client.pipeline(transaction=False) as pipe:
                for session_id, idea_ids in dirty.items():
                    key = self.keys.dirty(session_id)
                    pipe.sadd(key, *idea_ids)
                    pipe.expire(key, 3600)
                pipe.execute()
        except Exception:
            self._broke()
            raise


_publishers: dict[tuple[str, str], RedisPublisher] = {}
_publishers_lock = threading.Lock()


def redis_publisher(config: LiveConfig) -> RedisPublisher:
    assert config.redis_url is not None
    key = (config.redis_url, config.prefix)
    with _publishers_lock:
        publisher = _publishers.get(key)
        if publisher is None:
            publisher = _publishers[key] = RedisPublisher(config.redis_url, config.prefix)
    return publisher


def make_bus(config: LiveConfig | None = None) -> Bus:
    config = config or live_config()
    if config.redis_url:
        return RedisBus(config.redis_url, config.prefix)
    return LocalBus()
