"""The hub's pieces on their own: the bounded outbox, the rate limit, presence, and the rules a remote backend relies
on (subscriptions reach the backend in order; a message the backend fails to take does not stop publishing). The
backend here is a recorder written for these tests: it carries messages within the process, as the in-memory one
does, but takes its time where a network would, so the orderings a remote backend meets can be forced."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from lab.hub import Backend, Deliver, Hub, MemoryBackend, Outbox
from lab.live import RateLimit

TIMEOUT = 5.0


class SlowBackend(Backend):
    """Records subscriptions; `unsubscribe` waits until the test lets it finish; `publish` fails when told to."""

    def __init__(self) -> None:
        self.subscribed: set[str] = set()
        self.unsubscribing = asyncio.Event()
        self.finish_unsubscribe = asyncio.Event()
        self.failing: set[str] = set()
        self.failed = asyncio.Event()
        self.deliver: Deliver | None = None
        self.present: dict[str, int] = {}

    async def start(self, deliver: Deliver, lost: Callable[[], None] | None = None) -> None:
        self.deliver = deliver

    async def stop(self) -> None:
        self.deliver = None

    async def publish(self, topic: str, message: str) -> None:
        if message in self.failing:
            self.failed.set()
            raise ConnectionError("broker unreachable")
        if self.deliver is not None and topic in self.subscribed:
            self.deliver(topic, message)

    async def subscribe(self, topic: str) -> None:
        self.subscribed.add(topic)

    async def unsubscribe(self, topic: str) -> None:
        self.unsubscribing.set()
        await self.finish_unsubscribe.wait()
        self.subscribed.discard(topic)

    async def join(self, topic: str, member: str) -> None:
        self.present[topic] = self.present.get(topic, 0) + 1

    async def leave(self, topic: str, member: str) -> None:
        self.present[topic] -= 1

    def count(self, topic: str) -> int:
        return self.present.get(topic, 0)


async def test_a_subscriber_arriving_while_the_last_one_leaves_stays_subscribed() -> None:
    backend = SlowBackend()
    hub = Hub(backend=backend)
    await hub.start()
    first = hub.subscribe("room:1:phone")
    await first.__aenter__()
    leaving = asyncio.create_task(first.__aexit__(None, None, None))
    await asyncio.wait_for(backend.unsubscribing.wait(), TIMEOUT)  # the backend is still dropping the topic
    second = hub.subscribe("room:1:phone")
    arriving = asyncio.create_task(second.__aenter__())
    backend.finish_unsubscribe.set()
    await leaving
    outbox = await asyncio.wait_for(arriving, TIMEOUT)
    assert backend.subscribed == {"room:1:phone"} and hub.count("room:1:phone") == 1
    hub.publish("room:1:phone", "hallo")
    assert await asyncio.wait_for(outbox.get(), TIMEOUT) == "hallo"
    await second.__aexit__(None, None, None)
    await hub.stop()


async def test_messages_the_backend_fails_to_take_do_not_stop_the_next() -> None:
    backend = SlowBackend()
    backend.failing.add("lost")
    hub = Hub(backend=backend)
    await hub.start()
    async with hub.subscribe("room:1:projector") as outbox:
        hub.publish("room:1:projector", "lost")
        await asyncio.wait_for(backend.failed.wait(), TIMEOUT)  # (what waited with it is lost too: one round trip)
        hub.publish("room:1:projector", "kept")
        assert await asyncio.wait_for(outbox.get(), TIMEOUT) == "kept"
        backend.finish_unsubscribe.set()
    await hub.stop()


async def test_the_memory_backend_delivers_at_once_and_counts_who_is_present() -> None:
    hub = Hub(backend=MemoryBackend())
    await hub.start()
    async with hub.subscribe("t") as one, hub.subscribe("t") as two:
        assert hub.count("t") == 2
        hub.publish("t", "x")
        assert (one.get_nowait(), two.get_nowait()) == ("x", "x")  # before publish returned
    assert hub.count("t") == 0
    await hub.stop()


async def test_an_outbox_that_overflows_drops_everything_and_says_so() -> None:
    overflowed = []
    outbox = Outbox(limit=3)
    outbox.on_overflow = lambda: overflowed.append(True)
    for n in range(3):
        outbox.put(f"m{n}")
    assert await outbox.get() == "m0"
    outbox.put("m3")
    outbox.put("m4")  # the fourth waiting message: the reader is too slow
    assert overflowed == [True] and await outbox.get() is None
    outbox.put("later")
    assert await outbox.get() is None  # it stays closed: the socket reconnects and resyncs


def test_the_rate_limit_allows_bursts_of_twice_the_rate_then_refills_with_time() -> None:
    now = [0.0]
    limit = RateLimit(5.0, clock=lambda: now[0])
    assert [limit.allow() for _ in range(11)] == [True] * 10 + [False]
    now[0] += 1.0
    assert [limit.allow() for _ in range(6)] == [True] * 5 + [False]
