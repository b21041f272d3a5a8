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

- **Owners of rooms** (`Leases`, for lab.owners): a key per room names the process that owns it, for three beats
  unless it renews them.

redis-py's asyncio client (a well-kept library) speaks the protocol; what is here is only lab's use of it. Its own
retries are switched off: a lost connection must show at once, not after seconds of hidden retrying.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import secrets
import time
from collections import deque
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
GONE_AFTER = 60.0  # seconds without its alive key before a process is taken for departed (not merely slow)
OWNER = PREFIX + "owner:"
PAUSES = (0.05, 0.1, 0.2, 0.5, 1.0, 2.0)  # between attempts to reach a lost Redis (the last one repeats)
CONFIRM_WITHIN = 5.0  # seconds for Redis to confirm a subscription, or the socket is told to try again


class RedisBackend(LocalPresence, Backend):
    """Pub/sub and presence over Redis for every lab process that uses the same server (see the module docstring)."""

    def __init__(
        self,
        url: str,
        *,
        beat: float = BEAT,
        pause: Callable[[float], Awaitable[None]] = asyncio.sleep,
        name: str | None = None,
        gone_after: float = GONE_AFTER,
        confirm_within: float = CONFIRM_WITHIN,
    ) -> None:
        super().__init__()
        self.url = url
        # A process whose alive key has been gone this long is `departed`. Its key runs out after three beats, which
        # a process under heavy load can miss and live on; forgetting its sockets then would cut its phones off.
        self.gone_after = gone_after
        self.name = name or secrets.token_hex(6)  # this process, in presence hashes
        self._beat = beat
        self._pause = pause  # between reconnection attempts (a parameter, so tests need not wait)
        self._confirm_within = confirm_within
        self._redis: Redis | None = None
        self._pubsub: PubSub | None = None
        self._deliver: Deliver | None = None
        self._lost: Callable[[], None] | None = None
        self._available = False
        self._topics: set[str] = set()  # subscribed here
        # channel -> the subscriptions waiting for Redis's confirmation, oldest first (each reply confirms the oldest:
        # a subscription that gave up waiting still takes its own reply when it comes late, not the next one's)
        self._confirming: dict[str, deque[asyncio.Future[None]]] = {}
        self._followed: set[str] = set()  # counted here, not subscribed (Backend.follow)
        self._known: dict[str, float | None] = {}  # other processes seen in presence -> since when without a key
        self._beaten_at: float | None = None  # this process's last beat since it last (re)connected
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
        except (RedisError, OSError, TimeoutError) as error:  # not there yet: run without it, and keep trying
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
        self._refuse()
        pubsub, self._pubsub = self._pubsub, None
        if pubsub is not None:
            with contextlib.suppress(RedisError, OSError):
                await pubsub.aclose()  # type: ignore[no-untyped-call]

    async def publish(self, topic: str, message: str) -> None:
        if not self._available or self._redis is None:
            return  # dropped: every screen is closed meanwhile, and gets a fresh snapshot when it comes back
        await self._redis.publish(PREFIX + topic, message)

    async def publish_many(self, messages: list[tuple[str, str]]) -> None:
        if not self._available or self._redis is None:
            return
        async with self._redis.pipeline(transaction=False) as pipe:
            for topic, message in messages:
                pipe.publish(PREFIX + topic, message)
            await pipe.execute()

    async def subscribe(self, topic: str) -> None:
        """Returns once Redis has confirmed the subscription (redis-py only sends it): from then on every message
        published on the topic reaches this process, also one published by another process a moment later.
        Unavailable when Redis is lost meanwhile or does not confirm within `confirm_within`; the topic stays
        subscribed (again, once Redis is back) until `unsubscribe`."""
        self._topics.add(topic)
        if self._available and self._pubsub is not None:
            try:
                await self._subscribed(self._pubsub, [PREFIX + topic], listening=True)
            except (RedisError, OSError, TimeoutError) as error:
                raise Hub.unavailable() from error

    async def unsubscribe(self, topic: str) -> None:
        self._topics.discard(topic)
        if topic not in self._followed:
            self._others.pop(topic, None)
        if self._available and self._pubsub is not None:
            with contextlib.suppress(RedisError, OSError):  # lost: on reconnecting, only topics in use are subscribed
                await self._pubsub.unsubscribe(PREFIX + topic)

    def count(self, topic: str) -> int:
        return self._present[topic] + self._others.get(topic, 0)

    def follow(self, topic: str) -> None:
        self._followed.add(topic)

    def unfollow(self, topic: str) -> None:
        self._followed.discard(topic)
        if topic not in self._topics:
            self._others.pop(topic, None)

    async def next_beat(self) -> None:
        """Returns after the next presence write and read (for tests, instead of waiting a while)."""
        async with self._beaten:
            await self._beaten.wait()

    # -- the listener ---------------------------------------------------------------------------------------------

    async def _connect(self) -> None:
        """Subscribe (again) to every topic and write this process's presence; available from then on."""
        assert self._redis is not None
        await self._close_pubsub()
        pubsub = self._redis.pubsub()
        try:
            await self._subscribed(pubsub, [CONTROL], listening=False)
            self._beaten_at = None  # (its key may have run out while Redis was away: every socket closed then already)
            await self._presence()
            wanted: set[str] = set()
            while True:  # every topic wanted, also those wanted or dropped meanwhile (lab.owners listens while away)
                missing, gone = self._topics - wanted, wanted - self._topics
                if not (missing or gone):
                    break  # (and no wait from here until available: nothing can change in between)
                wanted = (wanted | missing) - gone
                if missing:
                    await self._subscribed(pubsub, [PREFIX + topic for topic in missing], listening=False)
                if gone:
                    await pubsub.unsubscribe(*(PREFIX + topic for topic in gone))
        except BaseException:
            self._refuse()
            with contextlib.suppress(RedisError, OSError):  # (else its connection stays, and Redis keeps sending)
                await pubsub.aclose()  # type: ignore[no-untyped-call]
            raise
        self._pubsub = pubsub
        self._available = True
        self.connected.set()

    async def _subscribed(self, pubsub: PubSub, channels: list[str], *, listening: bool) -> None:
        """Subscribe to `channels` and return once Redis has confirmed each; the listener reads the confirmations, or
        this does when it is not `listening` yet. Raises redis-py's ConnectionError or the builtin one (both taken
        for a lost Redis) when Redis is lost meanwhile, TimeoutError when it does not confirm in `confirm_within`."""
        loop = asyncio.get_running_loop()
        confirmed = [loop.create_future() for _ in channels]
        for channel, future in zip(channels, confirmed, strict=True):
            self._confirming.setdefault(channel, deque()).append(future)
        sent = False
        try:
            async with asyncio.timeout(self._confirm_within):
                await pubsub.subscribe(*channels)
                sent = True
                while not listening and not all(future.done() for future in confirmed):
                    await self._receive(pubsub, None)
                await asyncio.gather(*confirmed)
        finally:
            for channel, future in zip(channels, confirmed, strict=True):
                waiting = self._confirming.get(channel)
                if not sent and waiting is not None and future in waiting:  # no reply comes for it
                    waiting.remove(future)
                    if not waiting:
                        del self._confirming[channel]
                if not future.done():  # given up: its reply, if it comes, is still its own (and no failure unread)
                    future.cancel()
                elif not future.cancelled():
                    future.exception()

    async def _receive(self, pubsub: PubSub, wait: float | None) -> None:
        """Read one message from Redis (waiting at most `wait` seconds, or until one comes when None): deliver a
        published one, mark the oldest waiting subscription of its channel confirmed."""
        message = await pubsub.get_message(timeout=wait)
        if message is None:
            return
        kind = message["type"]
        if kind == "message":
            channel = message["channel"].decode()
            if channel != CONTROL:
                assert self._deliver is not None
                self._deliver(channel[len(PREFIX) :], message["data"].decode())
        elif kind == "subscribe":
            channel = message["channel"].decode()
            waiting = self._confirming.get(channel)
            if waiting:
                future = waiting.popleft()
                if not waiting:
                    del self._confirming[channel]
                if not future.done():
                    future.set_result(None)

    def _refuse(self) -> None:
        """The connection that the confirmations would come on is gone: every subscription waiting for one fails."""
        for waiting in self._confirming.values():
            for future in waiting:
                if not future.done():
                    future.set_exception(ConnectionError("lost Redis"))  # (the builtin one: an OSError)
        self._confirming.clear()

    async def _run(self) -> None:
        while True:
            if self._available:
                try:
                    await self._listen()
                except (RedisError, OSError) as error:
                    log.warning("lost Redis at %s (%s): screens reconnect once it is back", _shown(self.url), error)
                finally:
                    self._refuse()
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
            except (RedisError, OSError, TimeoutError):
                continue
            log.warning("Redis at %s is back", _shown(self.url))
            return

    async def _listen(self) -> None:
        """Deliver messages as they come; write and read presence once a beat. Raises when Redis is lost."""
        assert self._pubsub is not None
        loop = asyncio.get_running_loop()
        due = loop.time() + self._beat
        while True:
            await self._receive(self._pubsub, max(0.0, due - loop.time()))
            if loop.time() >= due:
                await self._presence()
                due = loop.time() + self._beat

    async def _presence(self) -> None:
        """Write this process's counts and that it is alive; read the others' counts of the topics subscribed here
        (a process whose alive key has expired is not counted, and its fields are removed). A process seen here whose
        alive key has been gone for `gone_after` is `departed`; this process, after a stall as long, acts as
        departed."""
        assert self._redis is not None
        topics = sorted(self._topics | self._followed)
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.set(PREFIX + "alive:" + self.name, "1", ex=max(1, math.ceil(3 * self._beat)), get=True)
            for topic in topics:
                if self._present[topic]:
                    pipe.hset(PREFIX + "presence:" + topic, self.name, self._present[topic])
                else:
                    pipe.hdel(PREFIX + "presence:" + topic, self.name)
            for topic in topics:
                pipe.hgetall(PREFIX + "presence:" + topic)
            replies = await pipe.execute()
        now = asyncio.get_running_loop().time()
        if replies[0] is None and self._beaten_at is not None and now - self._beaten_at >= self.gone_after:
            # This process stalled so long that the others took it for departed, and the rooms they own forgot its
            # sockets. So it acts as departed: every socket closes, and its client comes back and is known afresh.
            log.warning(
                "this process was taken for gone (no beat for %.0f s): its sockets reconnect", now - self._beaten_at
            )
            if self._lost is not None:
                self._lost()
        self._beaten_at = now
        counts = dict(zip(topics, replies[-len(topics) :] if topics else [], strict=True))
        present = {field.decode() for fields in counts.values() for field in fields} - {self.name}
        # the processes seen before count too: another process may have removed a dead one's fields first
        names = sorted(present | self._known.keys())
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
        changed = {t for t in others.keys() | self._others.keys() if others.get(t) != self._others.get(t)}
        self._others = others
        for topic in sorted(changed):
            self.counted(topic)
        if dead:
            async with self._redis.pipeline(transaction=False) as pipe:
                for topic, process in dead:
                    pipe.hdel(PREFIX + "presence:" + topic, process)
                await pipe.execute()
        for name in names:
            missing_since = None if alive.get(name) is not None else (self._known.get(name) or now)
            if missing_since is not None and now - missing_since >= self.gone_after:
                del self._known[name]
                self.departed(name)
            else:
                self._known[name] = missing_since
        async with self._beaten:
            self._beaten.notify_all()


def _shown(url: str) -> str:
    """A Redis URL as it may be logged: without its password."""
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{rest.rpartition('@')[2]}"


# Renew or give up a lease only while this process still holds it (another may have taken it after it expired).
RENEW = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end return 0"
RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0"


class Leases:
    """Which process owns which room (lab.owners), agreed through Redis: a key per room, `lab:owner:<code>`, holds
    its owner's name and runs out after three beats unless renewed."""

    def __init__(
        self,
        url: str,
        name: str,
        lost: Callable[[str], None],
        moved: Callable[[str], None],
        *,
        beat: float = BEAT,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.name = name
        self._url = url
        self._lost = lost  # a room this process owned is no longer its own
        self._moved = moved  # a room served here as an edge has another owner, or none
        self._beat = beat
        self._clock = clock
        self._redis: Redis | None = None
        self._held: dict[str, float] = {}  # code -> when its lease was last renewed
        self._watched: dict[str, str] = {}  # code -> its owner, as last read
        self._task: asyncio.Task[None] | None = None
        self._beaten = asyncio.Condition()  # notified after each beat (tests await it instead of a clock)

    async def start(self) -> None:
        self._redis = Redis.from_url(
            self._url, retry=Retry(NoBackoff(), 0), socket_timeout=self._beat, socket_connect_timeout=self._beat
        )
        self._task = asyncio.create_task(self._run(), name="lab-leases")

    async def stop(self) -> None:
        """Give up every room held here at once (its edges notice within a beat), and disconnect."""
        await tasks.stop(self._task)
        for code in list(self._held):
            await self.release(code)
        if self._redis is not None:
            await self._redis.aclose()

    @property
    def ttl_ms(self) -> int:
        return max(1, round(3 * self._beat * 1000))

    async def claim(self, code: str) -> str:
        """The owner of the room: this process if nobody else holds it (it holds it from now on). Raises Unavailable
        when Redis cannot be reached: then nobody can tell who owns it."""
        assert self._redis is not None
        key = OWNER + code
        try:
            for _ in range(3):  # the lease may run out between the two commands
                if await self._redis.set(key, self.name, nx=True, px=self.ttl_ms):
                    self._held[code] = self._clock()
                    return self.name
                owner = await self._redis.get(key)
                if owner is not None:
                    return owner.decode() if isinstance(owner, bytes) else str(owner)
        except (RedisError, OSError) as error:
            raise Hub.unavailable() from error
        raise Hub.unavailable()

    async def release(self, code: str) -> None:
        """Give a room up (it was deleted, or this process stops)."""
        if self._held.pop(code, None) is not None and self._redis is not None:
            with contextlib.suppress(RedisError, OSError):  # unreachable: the lease runs out by itself
                await self._redis.eval(RELEASE, 1, OWNER + code, self.name)

    def watch(self, code: str, owner: str) -> None:
        """Follow who owns a room this process serves as an edge (`moved(code)` once that changes)."""
        self._watched[code] = owner

    async def next_beat(self) -> None:
        async with self._beaten:
            await self._beaten.wait()

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self._beat)
            try:
                await self.beat()
            except Exception:  # one failed beat must not end the renewals
                log.exception("renewing the rooms' leases failed")

    async def beat(self) -> None:
        """Renew the leases held here; give up those another process took, or that could not be renewed for two
        beats; tell which rooms served here as an edge have another owner now."""
        assert self._redis is not None
        now = self._clock()
        held, watched = list(self._held), list(self._watched)
        try:
            async with self._redis.pipeline(transaction=False) as pipe:
                for code in held:
                    pipe.eval(RENEW, 1, OWNER + code, self.name, self.ttl_ms)
                if watched:
                    pipe.mget([OWNER + code for code in watched])
                replies = await pipe.execute() if held or watched else []
        except (RedisError, OSError):
            for code in held:
                if code in self._held and now - self._held[code] >= 2 * self._beat:
                    log.warning("gave room %s up: its lease could not be renewed", code)
                    del self._held[code]
                    self._lost(code)
            return
        for code, renewed in zip(held, replies, strict=False):
            if code not in self._held:
                continue  # released meanwhile
            if renewed:
                self._held[code] = now
            else:
                log.warning("room %s has another owner now", code)
                del self._held[code]
                self._lost(code)
        owners = replies[len(held)] if watched else []
        for code, owner in zip(watched, owners, strict=True):
            known = self._watched.get(code)
            if known is not None and (owner is None or owner.decode() != known):
                del self._watched[code]
                self._moved(code)
        async with self._beaten:
            self._beaten.notify_all()
