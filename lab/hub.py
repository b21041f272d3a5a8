"""Publish/subscribe per topic (a room's audience), with a bounded outbox per socket.

The hub has two halves. The **backend** carries published messages to every process that has subscribers, and
keeps presence (how many phones a room has, over all processes): `MemoryBackend` does both within this process;
a Redis backend would implement the same five calls. The **local fan-out** stays in each process whatever the
backend: every subscriber has a bounded outbox, and a message (serialised once by the publisher) is put as the
same text into every local outbox. A subscriber that falls `limit` messages behind is marked overflowed and its
socket closed; the client reconnects and gets a fresh snapshot. Nothing here blocks the publisher.

As in encode/broadcaster, `subscribe` is an async context manager that always cleans up, and the backend's
listener is one task whose failure `stop()` re-raises; unlike broadcaster, outboxes are bounded.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from abc import ABC, abstractmethod
from collections import Counter, deque
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import ClassVar

log = logging.getLogger(__name__)

Deliver = Callable[[str, str], None]
OUTGOING = 10_000  # messages waiting for a remote backend before the oldest are dropped (screens resync anyway)


class Outbox:
    """What one socket still has to send: direct replies and published messages, in order, bounded."""

    # One per socket, so kept small: slots, a list, and a future only while the sender waits (an Event weighs more).
    __slots__ = ("_items", "_loop", "_waiter", "closed", "limit", "on_overflow", "overflowed")

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.on_overflow: Callable[[], object] | None = None  # the socket's owner stops its sender with this
        self.overflowed = False
        self.closed = False
        self._items: list[str] = []  # a few at most, mostly none: a list weighs a tenth of an empty deque
        self._loop = asyncio.get_running_loop()
        self._waiter: asyncio.Future[None] | None = None

    def put(self, message: str) -> None:
        if self.overflowed or self.closed:
            return
        if len(self._items) >= self.limit:
            self.overflowed = True
            self._items.clear()
            if self.on_overflow is not None:
                self.on_overflow()
        else:
            self._items.append(message)
        self._wake()

    def close(self) -> None:
        """Wake the sender so it can stop."""
        self.closed = True
        self._wake()

    def _wake(self) -> None:
        waiter, self._waiter = self._waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def get_nowait(self) -> str | None:
        """The next message if one is waiting (else None)."""
        return self._items.pop(0) if self._items and not self.overflowed else None

    async def get(self) -> str | None:
        """The next message; None once the outbox overflowed or was closed."""
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

    @abstractmethod
    async def start(self, deliver: Deliver) -> None:
        """Connect; from now on call `deliver(topic, message)` for each message published on a subscribed topic."""

    @abstractmethod
    async def stop(self) -> None:
        """Disconnect; re-raise whatever made the listener fail."""

    @abstractmethod
    async def publish(self, topic: str, message: str) -> None: ...

    @abstractmethod
    async def subscribe(self, topic: str) -> None: ...

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


class MemoryBackend(Backend):
    """One process: messages go straight to this process's subscribers; presence is a counter."""

    synchronous = True

    def __init__(self) -> None:
        self._deliver: Deliver | None = None
        self._present: Counter[str] = Counter()

    async def start(self, deliver: Deliver) -> None:
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

    async def join(self, topic: str, member: str) -> None:
        self._present[topic] += 1

    async def leave(self, topic: str, member: str) -> None:
        self._present[topic] -= 1
        if self._present[topic] <= 0:
            del self._present[topic]

    def count(self, topic: str) -> int:
        return self._present[topic]


class Hub:
    """Topics, their local subscribers, and the backend that links processes; one per app."""

    def __init__(self, limit: int = 256, backend: Backend | None = None) -> None:
        self.limit = limit
        self.backend = backend or MemoryBackend()
        self._topics: dict[str, set[Outbox]] = {}
        self._outgoing: deque[tuple[str, str]] = deque(maxlen=OUTGOING)
        self._queued = asyncio.Event()
        self._publisher: asyncio.Task[None] | None = None
        self._subscribing = asyncio.Lock()  # the backend hears of a topic's first and last subscriber in order

    async def start(self) -> None:
        await self.backend.start(self._deliver)
        if not self.backend.synchronous:
            self._publisher = asyncio.create_task(self._publish_queued(), name="lab-hub-publisher")

    async def stop(self) -> None:
        """Stop publishing and disconnect; raises what made the publisher or the backend's listener fail."""
        failure: BaseException | None = None
        if self._publisher is not None:
            if self._publisher.done() and not self._publisher.cancelled():
                failure = self._publisher.exception()
            self._publisher.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._publisher
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
        """Hand queued messages to the backend in order; a message it fails to take is logged and skipped (every
        client resyncs from its next snapshot), so one failure never stops publishing."""
        while True:
            while not self._outgoing:
                self._queued.clear()
                await self._queued.wait()
            topic, message = self._outgoing.popleft()
            try:
                await self.backend.publish(topic, message)
            except Exception:
                log.exception("publishing on %s failed", topic)

    def _deliver(self, topic: str, message: str) -> None:
        for outbox in self._topics.get(topic, ()):
            outbox.put(message)

    def close(self, topic: str) -> None:
        """End every local subscription to a topic (their sockets close)."""
        for outbox in self._topics.get(topic, ()):
            outbox.close()

    def count(self, topic: str) -> int:
        """Subscribers present on a topic over all processes."""
        return self.backend.count(topic)

    @asynccontextmanager
    async def subscribe(self, topic: str) -> AsyncIterator[Outbox]:
        outbox = Outbox(self.limit)
        member = f"{id(outbox):x}"
        joined = False
        try:
            async with self._subscribing:
                subscribers = self._topics.setdefault(topic, set())
                if not subscribers:
                    await self.backend.subscribe(topic)
                subscribers.add(outbox)
            await self.backend.join(topic, member)
            joined = True
            yield outbox
        finally:
            outbox.close()
            if joined:
                await self.backend.leave(topic, member)
            async with self._subscribing:
                subscribers = self._topics.get(topic, set())
                if outbox in subscribers:
                    subscribers.discard(outbox)
                    if not subscribers:
                        del self._topics[topic]
                        await self.backend.unsubscribe(topic)
