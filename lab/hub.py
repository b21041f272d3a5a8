"""Publish/subscribe per topic (a room's audience), with a bounded outbox per socket.

The hub has two halves. The **backend** carries published messages to every process that has subscribers, and
keeps presence (how many phones a room has, over all processes): `MemoryBackend` does both within this process;
`lab.redis_hub.RedisBackend` through Redis, for several processes. A backend that loses its link to the others
tells the hub, which closes every local subscription (clients reconnect) and refuses new ones until it is back.
The **local fan-out** stays in each process whatever the backend: every subscriber has a bounded outbox, and a
message (serialised once by the publisher) is put as the same text into every local outbox. A subscriber that
falls `limit` messages behind is marked overflowed and its socket closed; the client reconnects and gets a fresh
snapshot. Nothing here blocks the publisher.

As in encode/broadcaster, `subscribe` is an async context manager that always cleans up, and the backend's
listener is one task whose failure `stop()` re-raises; unlike broadcaster, outboxes are bounded.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from abc import ABC, abstractmethod
from collections import Counter, deque
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from contextlib import asynccontextmanager
from typing import Any, ClassVar, Protocol

from . import tasks
from .errors import N_, Unavailable

log = logging.getLogger(__name__)

Deliver = Callable[[str, str], None]
OUTGOING = 10_000  # messages waiting for a remote backend before the oldest are dropped (screens resync anyway)


Write = Callable[[str], Coroutine[Any, Any, None] | None]
"""A socket's write: None when the message is written, or a coroutine that writes it once the client can take it."""


class Outbox:
    """What one socket still has to send: direct replies and published messages, in order, bounded.

    Once `start`ed with the socket's write, a message is written the moment it is put, in the caller's own turn of
    the event loop: the socket's write (websockets' sans-I/O protocol under uvicorn) completes without waiting
    whenever the connection can take more, so the usual send is one function call, not a task woken per socket
    and per message (at 10,000 phones, a push or an acknowledgement each were a task switch). Only a write that
    must wait (the client reads slowly) goes on when the client has taken enough, and messages put meanwhile queue
    behind it; `limit` of them and the socket is given up. Before `start` (and in tests) messages queue and `get`
    takes them.
    """

    # One per socket, so kept small: slots, a list, and a future only while a reader waits (an Event weighs more).
    __slots__ = ("_ended", "_gone", "_items", "_loop", "_waiter", "_write", "_writing", "closed", "failure",
                 "limit", "overflowed")  # fmt: skip

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.overflowed = False
        self.closed = False
        self.failure: BaseException | None = None  # what a write raised that a gone client does not explain
        self._items: list[str] = []  # a few at most, mostly none: a list weighs a tenth of an empty deque
        self._loop = asyncio.get_running_loop()
        self._waiter: asyncio.Future[None] | None = None
        self._write: Write | None = None
        self._ended: Callable[[], object] | None = None
        self._gone: tuple[type[BaseException], ...] = (OSError,)
        self._writing: Coroutine[Any, Any, None] | None = None  # a write that waits for the client

    def put(self, message: str) -> None:
        if self.overflowed or self.closed:
            return
        if self._write is not None and self._writing is None and not self._items:
            self._send(message)
        elif len(self._items) >= self.limit:
            self._overflow()
        else:
            self._items.append(message)
            self._wake()

    def begin(self, snapshot: str) -> None:
        """Put a socket's snapshot first. Whatever was published since the subscription began and came before it is
        older than the snapshot (a room's messages and the snapshot leave its owner in one order), and is dropped."""
        if not self.overflowed:
            self._items.clear()
        self.put(snapshot)

    def start(
        self, write: Write, ended: Callable[[], object], gone: tuple[type[BaseException], ...] = (OSError,)
    ) -> None:
        """Write what is waiting, and every message from now on, with `write`; call `ended()` once when the socket
        can take no more: the outbox overflowed or was closed (also before it started), or a write failed. A write
        that raises one of `gone` means the client went; anything else is kept in `failure`."""
        self._write, self._ended, self._gone = write, ended, gone
        if self.overflowed or self.closed:
            self._end()
        else:
            self._drain()

    def close(self) -> None:
        """No more messages: a reader gets None, a started outbox ends (what is still queued is dropped: the client
        resyncs from its next snapshot)."""
        self.closed = True
        self._give_up()
        self._wake()
        self._end()

    def _send(self, message: str) -> None:
        assert self._write is not None
        try:
            writing = self._write(message)
        except Exception as error:
            self._fail(error)
            return
        if writing is not None:
            self._go_on(writing)

    def _go_on(self, writing: Coroutine[Any, Any, None]) -> bool:
        """Run a write as far as it goes now: to its end (True), unless the client reads slowly. Then it goes on by
        itself when the future it waits for is done, as a task would drive it, without being one."""
        try:
            waiting = writing.send(None)
        except StopIteration:
            self._writing = None
            return True
        except (Exception, asyncio.CancelledError) as error:  # cancelled: what the write waited for was (not ours)
            self._writing = None
            self._fail(error)
            return False
        self._writing = writing
        if isinstance(waiting, asyncio.Future):
            waiting._asyncio_future_blocking = False  # taken, as a task takes it (asyncio's protocol for `await`)
            waiting.add_done_callback(self._resume)
        else:  # a bare yield: the next turn of the loop
            self._loop.call_soon(self._resume, None)
        return False

    def _resume(self, _: object) -> None:
        writing = self._writing
        if writing is not None and self._go_on(writing):  # else given up meanwhile
            self._drain()

    def _give_up(self) -> None:
        """Stop a write that waits for a client that stopped reading."""
        writing, self._writing = self._writing, None
        if writing is not None:
            writing.close()

    def _drain(self) -> None:
        while self._items and self._writing is None and not (self.overflowed or self.closed or self.failure):
            self._send(self._items.pop(0))

    def _overflow(self) -> None:
        self.overflowed = True
        self._items.clear()
        self._give_up()
        self._wake()
        self._end()

    def _fail(self, error: BaseException) -> None:
        if not isinstance(error, self._gone):
            self.failure = error
        self.closed = True
        self._end()

    def _end(self) -> None:
        ended, self._ended = self._ended, None
        if ended is not None:
            ended()

    def _wake(self) -> None:
        waiter, self._waiter = self._waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def get_nowait(self) -> str | None:
        """The next message if one is waiting (else None)."""
        return self._items.pop(0) if self._items and not self.overflowed else None

    async def get(self) -> str | None:
        """The next message; None once the outbox overflowed or was closed (an outbox not `start`ed)."""
        while not self._items:
            if self.overflowed or self.closed:
                return None
            self._waiter = self._loop.create_future()
            await self._waiter
        if self.overflowed:
            return None
        return self._items.pop(0)


class Backend(ABC):
    """Carries messages between the processes that share rooms, and counts who is present."""

    synchronous: ClassVar[bool] = False
    """True when publishing delivers locally before `publish` returns (in-memory): the hub then skips its queue."""

    counted: Callable[[str], None] = staticmethod(lambda topic: None)
    """Called with a topic whose count of members in other processes changed (set by the rooms: lab.owners)."""

    departed: Callable[[str], None] = staticmethod(lambda process: None)
    """Called with the name of another process found gone without saying so (killed, or cut off from the others): set
    by the rooms, whose owned rooms then forget the sockets that process held (lab.owners)."""

    @property
    def available(self) -> bool:
        """Whether messages reach the other processes now (a remote backend that lost its server: no)."""
        return True

    @abstractmethod
    async def start(self, deliver: Deliver, lost: Callable[[], None] | None = None) -> None:
        """Connect; from now on call `deliver(topic, message)` for each message published on a subscribed topic,
        and `lost()` when the link to the other processes breaks (the backend connects again by itself)."""

    @abstractmethod
    async def stop(self) -> None:
        """Disconnect; re-raise whatever made the listener fail."""

    @abstractmethod
    async def publish(self, topic: str, message: str) -> None: ...

    async def publish_many(self, messages: list[tuple[str, str]]) -> None:
        """Publish several (topic, message) pairs in this order (a remote backend sends them in one round trip)."""
        for topic, message in messages:
            await self.publish(topic, message)

    @abstractmethod
    async def subscribe(self, topic: str) -> None:
        """Receive the topic's messages from now on: every message published after this returns is delivered. Raises
        Unavailable when the link to the others is lost meanwhile (or does not answer); the topic is still wanted
        then, and subscribed again when the link is back, until `unsubscribe`."""

    @abstractmethod
    async def unsubscribe(self, topic: str) -> None: ...

    @abstractmethod
    async def join(self, topic: str, member: str) -> None:
        """Presence: `member` is on `topic` (a phone in a room)."""

    @abstractmethod
    async def leave(self, topic: str, member: str) -> None: ...

    @abstractmethod
    def count(self, topic: str) -> int:
        """How many members are present on `topic`, over all processes (as last known: never waits)."""

    def follow(self, topic: str) -> None:  # noqa: B027 (optional: a backend of one process counts everyone already)
        """Count the members on `topic` in other processes too, without subscribing to it (a room's owner counts the
        phones its edges hold: lab.owners)."""

    def unfollow(self, topic: str) -> None:  # noqa: B027
        """Stop counting `topic` for `follow`."""


class LocalPresence:
    """This process's members per topic, counted in memory (a remote backend shares the counts in its own way)."""

    def __init__(self) -> None:
        self._present: Counter[str] = Counter()

    async def join(self, topic: str, member: str) -> None:
        self._present[topic] += 1

    async def leave(self, topic: str, member: str) -> None:
        self._present[topic] -= 1
        if self._present[topic] <= 0:
            del self._present[topic]


class MemoryBackend(LocalPresence, Backend):
    """One process: messages go straight to this process's subscribers; presence is a counter."""

    synchronous = True

    def __init__(self) -> None:
        super().__init__()
        self._deliver: Deliver | None = None

    async def start(self, deliver: Deliver, lost: Callable[[], None] | None = None) -> None:
        self._deliver = deliver

    async def stop(self) -> None:
        self._deliver = None

    async def publish(self, topic: str, message: str) -> None:
        if self._deliver is not None:
            self._deliver(topic, message)

    async def subscribe(self, topic: str) -> None:
        pass

    async def unsubscribe(self, topic: str) -> None:
        pass

    def count(self, topic: str) -> int:
        return self._present[topic]


def _member(outbox: Outbox) -> str:
    """A socket's name in the topic's presence (Backend.join)."""
    return f"{id(outbox):x}"


class Hub:
    """Topics, their local subscribers, and the backend that links processes; one per app."""

    def __init__(self, limit: int = 256, backend: Backend | None = None) -> None:
        self.limit = limit
        self.backend = backend or MemoryBackend()
        self._topics: dict[str, set[Subscriber]] = {}
        self._outgoing: deque[tuple[str, str]] = deque(maxlen=OUTGOING)
        self._queued = asyncio.Event()
        self._publisher: asyncio.Task[None] | None = None
        self._turns: dict[str, tuple[asyncio.Lock, int]] = {}  # topic -> its lock, and how many hold or await it

    async def start(self) -> None:
        await self.backend.start(self._deliver, self._lost)
        if not self.backend.synchronous:
            self._publisher = asyncio.create_task(self._publish_queued(), name="lab-hub-publisher")

    async def stop(self) -> None:
        """Stop publishing and disconnect; raises what made the publisher or the backend's listener fail."""
        failure = await tasks.end(self._publisher)
        self._publisher = None
        await self.backend.stop()
        if failure is not None:
            raise failure

    def publish(self, topic: str, message: str) -> None:
        """Send `message` to every subscriber of `topic` in every process. Never blocks."""
        if self.backend.synchronous:
            self._deliver(topic, message)
        else:
            self._outgoing.append((topic, message))
            self._queued.set()

    async def _publish_queued(self) -> None:
        """Hand queued messages to the backend in order, all that are waiting at once; messages it fails to take are
        logged and skipped (every client resyncs from its next snapshot), so one failure never stops publishing."""
        while True:
            while not self._outgoing:
                self._queued.clear()
                await self._queued.wait()
            waiting = list(self._outgoing)
            self._outgoing.clear()
            try:
                await self.backend.publish_many(waiting)
            except Exception:
                log.exception("publishing %d messages on %s failed", len(waiting), waiting[0][0])

    def _deliver(self, topic: str, message: str) -> None:
        for outbox in self._topics.get(topic, ()):
            outbox.put(message)

    def _lost(self) -> None:
        """The backend lost the other processes: every local socket closes (its client shows that it reconnects,
        and gets a fresh snapshot once the backend is back)."""
        for outboxes in list(self._topics.values()):
            for outbox in outboxes:
                outbox.close()

    def close(self, topic: str) -> None:
        """End every local subscription to a topic (their sockets close)."""
        for outbox in self._topics.get(topic, ()):
            outbox.close()

    @property
    def available(self) -> bool:
        """Whether sockets can be served now (False while a remote backend has lost the other processes)."""
        return self.backend.available

    @staticmethod
    def unavailable() -> Unavailable:
        return Unavailable(N_("The connection between the servers is broken. Try again in a moment."))

    def count(self, topic: str) -> int:
        """Subscribers present on a topic over all processes."""
        return self.backend.count(topic)

    async def enter(self, topic: str) -> Outbox:
        """A socket's subscription to `topic`: its outbox, and its presence on the topic, until `leave`. (`subscribe`
        is the same pair as a context manager. A socket calls the two itself: a context manager and its generator
        would be three more objects for every phone's whole stay, each walked by the garbage collector.)"""
        if not self.backend.available:
            raise self.unavailable()
        outbox = Outbox(self.limit)
        try:
            await self._add(topic, outbox)
            if not self.backend.available:  # lost while it waited its turn (the others were closed without it)
                raise self.unavailable()
            await self.backend.join(topic, _member(outbox))
        except BaseException:
            outbox.close()
            await self._remove(topic, outbox)
            raise
        return outbox

    async def leave(self, topic: str, outbox: Outbox) -> None:
        """End what `enter` began: nothing more is written to the outbox, and the socket is no longer present."""
        outbox.close()
        try:
            await self.backend.leave(topic, _member(outbox))
        finally:
            await self._remove(topic, outbox)

    @asynccontextmanager
    async def subscribe(self, topic: str) -> AsyncIterator[Outbox]:
        """`enter` and `leave` around a block."""
        outbox = await self.enter(topic)
        try:
            yield outbox
        finally:
            await self.leave(topic, outbox)

    async def listen(
        self, topic: str, receive: Callable[[str], None], lost: Callable[[], None] = lambda: None
    ) -> Callable[[], Awaitable[None]]:
        """Call `receive(message)` for every message on `topic` in this process, and `lost()` whenever the backend
        loses the other processes (messages published meanwhile are gone), until the returned function is awaited.
        Not a socket: it is not counted as present, and it stays subscribed through a lost backend (lab.owners)."""
        listener = _Listener(receive, lost)
        await self._add(topic, listener, stay=True)
        return functools.partial(self._remove, topic, listener)

    async def _add(self, topic: str, subscriber: Subscriber, stay: bool = False) -> None:
        """Add a subscriber; the backend is asked only for a topic's first. When the backend fails it, a socket's
        subscription fails too (Unavailable), and one that `stay`s is kept and told that it missed messages."""
        subscribers = self._topics.get(topic)
        if subscribers:  # a first subscriber's turn is over (and a topic on its way out has an empty set)
            subscribers.add(subscriber)
            return
        async with self._turn(topic):
            subscribers = self._topics.setdefault(topic, set())
            if not subscribers:
                missed = False
                try:
                    await self.backend.subscribe(topic)
                except BaseException as error:
                    if not (stay and isinstance(error, Unavailable)):
                        del self._topics[topic]  # (also when cancelled: else it stays subscribed with nobody)
                        await self.backend.unsubscribe(topic)
                        raise
                    missed = True
                if stay and (missed or not self.backend.available):
                    subscriber.close()  # what was published meanwhile is gone; subscribed again once it is back
            subscribers.add(subscriber)

    async def _remove(self, topic: str, subscriber: Subscriber) -> None:
        subscribers = self._topics.get(topic)
        if subscribers is None or subscriber not in subscribers:
            return
        subscribers.discard(subscriber)
        if subscribers:
            return
        async with self._turn(topic):
            if topic in self._topics and not self._topics[topic]:  # (no one came meanwhile)
                del self._topics[topic]
                await self.backend.unsubscribe(topic)

    @asynccontextmanager
    async def _turn(self, topic: str) -> AsyncIterator[None]:
        """One topic's first subscription and last unsubscription at a time, in order; other topics do not wait."""
        lock, waiting = self._turns.get(topic, (None, 0))
        lock = lock or asyncio.Lock()
        self._turns[topic] = (lock, waiting + 1)
        try:
            async with lock:
                yield
        finally:
            lock, waiting = self._turns[topic]
            if waiting == 1:
                del self._turns[topic]
            else:
                self._turns[topic] = (lock, waiting - 1)


class Subscriber(Protocol):
    """What the hub delivers a topic's messages to: a socket's `Outbox`, or a `_Listener`."""

    def put(self, message: str) -> None: ...

    def close(self) -> None: ...


class _Listener:
    """A process's own subscription (`Hub.listen`)."""

    __slots__ = ("close", "put")

    def __init__(self, receive: Callable[[str], None], lost: Callable[[], None]) -> None:
        self.put = receive
        self.close = lost
