"""The hub's Redis backend (LAB_BROKER_URL=redis://...): messages and presence shared by several lab processes.

- **Messages** go through Redis pub/sub, one channel per topic (`lab:<topic>`), subscribed while this process has a
  subscriber on the topic. A message published here comes back from Redis like any other, so every process sees
  every topic's messages in the same order.
- **Presence**: each process counts its own subscribers per topic in memory (joining and leaving cost no round trip)
  and writes those counts once a beat into a hash per topic (field: the process's name), beside a key that says it
  is alive and expires after three beats. `count()` never waits: this process's own count, exact, plus the others'
  as last read (at most a beat old); a process that died stops counting within three beats.
- **Losing Redis**: the listener notices at once (the connection closes); the hub is told (`lost`) and closes every
  local socket, whose clients show "reconnecting" and retry; new sockets are refused meanwhile ("try again"), and
  messages published meanwhile are dropped (every screen gets a fresh snapshot when it is back). The backend connects
  again with growing pauses and subscribes to its topics again; sockets are welcome again from then on.

redis-py's asyncio client (a well-kept library) speaks the protocol; what is here is only lab's use of it. Its own
retries are switched off: a lost connection must show at once, not after seconds of hidden retrying.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import secrets
from collections.abc import Awaitable, Callable

from redis.asyncio import Redis
from redis.asyncio.client import PubSub
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

from . import tasks
from .hub import Backend, Deliver, Hub, LocalPresence

log = logging.getLogger(__name__)

PREFIX = "lab:"
CONTROL = PREFIX + "control"  # always subscribed, so the listener has a connection even before the first topic
BEAT = 1.0  # seconds between presence writes and reads
PAUSES = (0.05, 0.1, 0.2, 0.5, 1.0, 2.0)  # between attempts to reach a lost Redis (the last one repeats)


class RedisBackend(LocalPresence, Backend):
    """Pub/sub and presence over Redis for every lab process that uses the same server (see the module docstring)."""

    def __init__(
        self,
        url: str,
        *,
        beat: float = BEAT,
        pause: Callable[[float], Awaitable[None]] = asyncio.sleep,
        name: str | None = None,
    ) -> None:
        super().__init__()
        self.url = url
        self.name = name or secrets.token_hex(6)  # this process, in presence hashes
        self._beat = beat
        self._pause = pause  # between reconnection attempts (a parameter, so tests need not wait)
        self._redis: Redis | None = None
        self._pubsub: PubSub | None = None
        self._deliver: Deliver | None = None
        self._lost: Callable[[], None] | None = None
        self._available = False
        self._topics: set[str] = set()  # subscribed here
        self._others: dict[str, int] = {}  # the other processes' subscribers per topic, as last read
        self._task: asyncio.Task[None] | None = None
        self.connected = asyncio.Event()  # set while connected (tests await it after Redis comes back)
        self._beaten = asyncio.Condition()  # notified after each presence write and read

    @property
    def available(self) -> bool:
        return self._available

    async def start(self, deliver: Deliver, lost: Callable[[], None] | None = None) -> None:
        self._deliver, self._lost = deliver, lost
        self._redis = Redis.from_url(self.url, retry=Retry(NoBackoff(), 0), health_check_interval=30)
        try:
            await self._connect()
        except (RedisError, OSError) as error:  # not there yet: run without it, and keep trying
            log.warning("cannot reach Redis at %s (%s); trying again", _shown(self.url), error)
        self._task = asyncio.create_task(self._run(), name="lab-redis-listener")

    async def stop(self) -> None:
        failure = await tasks.end(self._task)
        self._task = None
        if self._available and self._redis is not None:
            with contextlib.suppress(RedisError, OSError):  # leave the presence counts at once, not after 3 beats
                async with self._redis.pipeline(transaction=False) as pipe:
                    pipe.delete(PREFIX + "alive:" + self.name)
                    for topic in self._present:
                        pipe.hdel(PREFIX + "presence:" + topic, self.name)
                    await pipe.execute()
        self._available = False
        self.connected.clear()
        await self._close_pubsub()
        if self._redis is not None:
            with contextlib.suppress(RedisError, OSError):
                await self._redis.aclose()
            self._redis = None
        if failure is not None:
            raise failure

    async def _close_pubsub(self) -> None:
        pubsub, self._pubsub = self._pubsub, None
        if pubsub is not None:
            with contextlib.suppress(RedisError, OSError):
                await pubsub.aclose()  # type: ignore[no-untyped-call]

    async def publish(self, topic: str, message: str) -> None:
        if not self._available or self._redis is None:
            return  # dropped: every screen is closed meanwhile, and gets a fresh snapshot when it comes back
        await self._redis.publish(PREFIX + topic, message)

    async def subscribe(self, topic: str) -> None:
        self._topics.add(topic)
        if self._available and self._pubsub is not None:
            try:
                await self._pubsub.subscribe(PREFIX + topic)
            except (RedisError, OSError) as error:  # lost just now: the listener tells the hub; this socket waits
                raise Hub.unavailable() from error

    async def unsubscribe(self, topic: str) -> None:
        self._topics.discard(topic)
        self._others.pop(topic, None)
        if self._available and self._pubsub is not None:
            with contextlib.suppress(RedisError, OSError):  # lost: on reconnecting, only topics in use are subscribed
                await self._pubsub.unsubscribe(PREFIX + topic)

    def count(self, topic: str) -> int:
        return self._present[topic] + self._others.get(topic, 0)

    async def next_beat(self) -> None:
        """Returns after the next presence write and read (for tests, instead of waiting a while)."""
        async with self._beaten:
            await self._beaten.wait()

    # -- the listener ---------------------------------------------------------------------------------------------

    async def _connect(self) -> None:
        """Subscribe (again) to every topic and write this process's presence; available from then on."""
        assert self._redis is not None
        await self._close_pubsub()
        pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
        await pubsub.subscribe(CONTROL, *(PREFIX + topic for topic in self._topics))
        self._pubsub = pubsub
        await self._presence()
        self._available = True
        self.connected.set()

    async def _run(self) -> None:
        while True:
            if self._available:
                try:
                    await self._listen()
                except (RedisError, OSError) as error:
                    log.warning("lost Redis at %s (%s): screens reconnect once it is back", _shown(self.url), error)
                self._available = False
                self.connected.clear()
                if self._lost is not None:
                    self._lost()
            await self._reconnect()

    async def _reconnect(self) -> None:
        for attempt in range(1_000_000_000):  # until it is back or the hub stops (which cancels this task)
            await self._pause(PAUSES[min(attempt, len(PAUSES) - 1)])
            try:
                await self._connect()
            except (RedisError, OSError):
                continue
            log.warning("Redis at %s is back", _shown(self.url))
            return

    async def _listen(self) -> None:
        """Deliver messages as they come; write and read presence once a beat. Raises when Redis is lost."""
        assert self._pubsub is not None and self._deliver is not None
        loop = asyncio.get_running_loop()
        due = loop.time() + self._beat
        size = len(PREFIX)
        while True:
            message = await self._pubsub.get_message(
                ignore_subscribe_messages=True, timeout=max(0.0, due - loop.time())
            )
            if message is not None and message["type"] == "message":
                channel = message["channel"].decode()
                if channel != CONTROL:
                    self._deliver(channel[size:], message["data"].decode())
            if loop.time() >= due:
                await self._presence()
                due = loop.time() + self._beat

    async def _presence(self) -> None:
        """Write this process's counts and that it is alive; read the others' counts of the topics subscribed here
        (a process whose alive key has expired is not counted, and its fields are removed)."""
        assert self._redis is not None
        topics = sorted(self._topics)
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.set(PREFIX + "alive:" + self.name, "1", ex=max(1, math.ceil(3 * self._beat)))
            for topic in topics:
                if self._present[topic]:
                    pipe.hset(PREFIX + "presence:" + topic, self.name, self._present[topic])
                else:
                    pipe.hdel(PREFIX + "presence:" + topic, self.name)
            for topic in topics:
                pipe.hgetall(PREFIX + "presence:" + topic)
            replies = await pipe.execute()
        counts = dict(zip(topics, replies[-len(topics) :] if topics else [], strict=True))
        names = sorted({field.decode() for fields in counts.values() for field in fields} - {self.name})
        alive = (
            dict(zip(names, await self._redis.mget([PREFIX + "alive:" + n for n in names]), strict=True))
            if names
            else {}
        )
        others: dict[str, int] = {}
        dead: list[tuple[str, str]] = []
        for topic, fields in counts.items():
            for field, value in fields.items():
                process = field.decode()
                if process == self.name:
                    continue
                if alive.get(process) is None:
                    dead.append((topic, process))
                else:
                    others[topic] = others.get(topic, 0) + int(value)
        self._others = others
        if dead:
            async with self._redis.pipeline(transaction=False) as pipe:
                for topic, process in dead:
                    pipe.hdel(PREFIX + "presence:" + topic, process)
                await pipe.execute()
        async with self._beaten:
            self._beaten.notify_all()


def _shown(url: str) -> str:
    """A Redis URL as it may be logged: without its password."""
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{rest.rpartition('@')[2]}"
