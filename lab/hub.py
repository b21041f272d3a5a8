"""Publish/subscribe per topic (a room's audience), in memory.

Every subscriber has a bounded outbox. A message is serialised once by the publisher and the same text is put in
every outbox. A subscriber that falls `limit` messages behind is marked overflowed and its socket is closed; the
client reconnects and gets a fresh snapshot. Nothing here blocks. A Redis backend would keep this interface:
`publish`, `subscribe` (an async context manager that always cleans up) and `count`.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager


class Outbox:
    """What one socket still has to send: direct replies and published messages, in order, bounded."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.on_overflow: Callable[[], object] | None = None  # the socket's owner stops its sender with this
        self.overflowed = False
        self.closed = False
        self._items: deque[str] = deque()
        self._wakeup = asyncio.Event()

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
        self._wakeup.set()

    def close(self) -> None:
        """Wake the sender so it can stop."""
        self.closed = True
        self._wakeup.set()

    async def get(self) -> str | None:
        """The next message; None once the outbox overflowed or was closed."""
        while not self._items:
            if self.overflowed or self.closed:
                return None
            self._wakeup.clear()
            await self._wakeup.wait()
        if self.overflowed:
            return None
        return self._items.popleft()


class Hub:
    """Topics and their subscribers; one per app."""

    def __init__(self, limit: int = 256) -> None:
        self.limit = limit
        self._topics: dict[str, set[Outbox]] = {}

    def publish(self, topic: str, message: str) -> None:
        for outbox in self._topics.get(topic, ()):
            outbox.put(message)

    def close(self, topic: str) -> None:
        """End every subscription to a topic (its sockets close)."""
        for outbox in self._topics.get(topic, ()):
            outbox.close()

    def count(self, topic: str) -> int:
        return len(self._topics.get(topic, ()))

    @asynccontextmanager
    async def subscribe(self, topic: str) -> AsyncIterator[Outbox]:
        outbox = Outbox(self.limit)
        self._topics.setdefault(topic, set()).add(outbox)
        try:
            yield outbox
        finally:
            subscribers = self._topics.get(topic)
            if subscribers is not None:
                subscribers.discard(outbox)
                if not subscribers:
                    del self._topics[topic]
            outbox.close()
