"""The hub's pieces on their own: the bounded outbox, the rate limit, presence, and the rules a remote backend relies
on (subscriptions reach the backend in order; a message the backend fails to take does not stop publishing). The
backend here is a recorder written for these tests: it carries messages within the process, as the in-memory one
does, but takes its time where a network would, so the orderings a remote backend meets can be forced."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

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
    outbox = Outbox(limit=3)
    for n in range(3):
        outbox.put(f"m{n}")
    assert await outbox.get() == "m0"
    outbox.put("m3")
    outbox.put("m4")  # the fourth waiting message: the reader is too slow
    assert outbox.overflowed and await outbox.get() is None
    outbox.put("later")
    assert await outbox.get() is None  # it stays closed: the socket reconnects and resyncs


class Socket:
    """A socket's write as uvicorn's is: it waits only while the connection cannot take more (`writable`)."""

    def __init__(self, fail: Exception | None = None) -> None:
        self.written: list[str] = []
        self.writable = asyncio.Event()
        self.writable.set()
        self.fail = fail
        self.ended = 0
        self.wrote = asyncio.Event()
        self.given_up = asyncio.Event()

    async def write(self, text: str) -> None:
        try:
            await self.writable.wait()
        except GeneratorExit:  # given up
            self.given_up.set()
            raise
        if self.fail is not None:
            raise self.fail
        self.written.append(text)
        self.wrote.set()

    async def until(self, count: int) -> None:
        while len(self.written) < count:
            self.wrote.clear()
            await asyncio.wait_for(self.wrote.wait(), TIMEOUT)

    def end(self) -> None:
        self.ended += 1

    def write_now(self, text: str) -> Coroutine[Any, Any, None] | None:
        """The server's own write (lab.server.LeanWebSockets.write_text): done at once when the connection can take
        the message, else the write that waits; a failure at once is raised at once."""
        if self.fail is not None and self.writable.is_set():
            raise self.fail
        if not self.writable.is_set():
            return self.write(text)
        self.written.append(text)
        return None


async def test_an_outbox_takes_a_write_done_at_once_and_one_that_waits_in_order() -> None:
    socket = Socket()
    outbox = Outbox(limit=3)
    outbox.put("snapshot")
    outbox.start(socket.write_now, socket.end)
    outbox.put("a")
    assert socket.written == ["snapshot", "a"]
    socket.writable.clear()
    outbox.put("b")
    outbox.put("c")
    assert socket.written == ["snapshot", "a"]  # "b" waits for the client, "c" behind it
    socket.writable.set()
    await socket.until(4)
    outbox.put("d")
    assert socket.written == ["snapshot", "a", "b", "c", "d"] and socket.ended == 0
    broken = Socket(fail=ValueError("a bug"))
    outbox = Outbox(limit=3)
    outbox.start(broken.write_now, broken.end)
    outbox.put("a")
    assert broken.ended == 1 and isinstance(outbox.failure, ValueError) and outbox.closed


async def test_a_started_outbox_writes_each_message_before_put_returns_and_what_waited_first() -> None:
    socket = Socket()
    outbox = Outbox(limit=3)
    outbox.put("early")
    outbox.begin("snapshot")  # what came before the snapshot is older than it
    outbox.put("after")
    outbox.start(socket.write, socket.end)
    assert socket.written == ["snapshot", "after"]
    outbox.put("results")
    assert socket.written == ["snapshot", "after", "results"]  # no task in between: written in put's own turn
    outbox.close()
    outbox.put("too late")
    assert socket.written == ["snapshot", "after", "results"] and socket.ended == 1


async def test_messages_wait_behind_a_write_the_client_is_slow_to_take_and_go_out_in_order() -> None:
    socket = Socket()
    outbox = Outbox(limit=3)
    outbox.start(socket.write, socket.end)
    socket.writable.clear()  # the client stops reading: its connection's buffer is full
    outbox.put("a")
    outbox.put("b")
    outbox.put("c")
    assert socket.written == []
    socket.writable.set()
    await socket.until(3)  # the write goes on when the client takes more, then the two behind it
    assert socket.written == ["a", "b", "c"] and socket.ended == 0
    outbox.put("d")
    assert socket.written == ["a", "b", "c", "d"]  # back to writing at once


async def test_a_client_that_stops_reading_overflows_its_outbox_and_its_stuck_write_is_given_up() -> None:
    socket = Socket()
    outbox = Outbox(limit=2)
    outbox.start(socket.write, socket.end)
    socket.writable.clear()
    for n in range(4):  # one stuck in the write, two waiting, and one too many
        outbox.put(f"m{n}")
    assert outbox.overflowed and socket.ended == 1
    await asyncio.wait_for(socket.given_up.wait(), TIMEOUT)  # the stuck write is given up
    socket.writable.set()
    outbox.put("m4")
    assert socket.written == [] and socket.ended == 1


async def test_a_write_that_fails_ends_the_outbox_and_only_an_unexplained_failure_is_kept() -> None:
    gone = Socket(fail=ConnectionResetError())  # the client went: uvicorn raises an OSError
    outbox = Outbox(limit=3)
    outbox.start(gone.write, gone.end)
    outbox.put("a")
    outbox.put("b")
    assert gone.ended == 1 and outbox.closed and outbox.failure is None
    broken = Socket(fail=ValueError("a bug"))
    outbox = Outbox(limit=3)
    outbox.put("a")
    outbox.start(broken.write, broken.end)
    assert broken.ended == 1 and isinstance(outbox.failure, ValueError)


async def test_an_outbox_ended_before_it_started_says_so_when_it_starts() -> None:
    """The hub can close a socket's outbox (a lost link, a room gone) or it can overflow while the socket is still
    being let in; the socket must still hear of it, or it would stay open and silent."""
    for end in (Outbox.close, lambda outbox: [outbox.put(f"m{n}") for n in range(4)]):
        socket = Socket()
        outbox = Outbox(limit=3)
        end(outbox)
        outbox.start(socket.write, socket.end)
        assert socket.ended == 1 and socket.written == []


async def test_what_counts_as_a_client_that_went_is_the_socket_s_to_say() -> None:
    socket = Socket(fail=RuntimeError("after sending 'websocket.close'"))  # the server closed it itself
    outbox = Outbox(limit=3)
    outbox.start(socket.write, socket.end, gone=(OSError, RuntimeError))
    outbox.put("a")
    assert socket.ended == 1 and outbox.failure is None


def test_the_rate_limit_allows_bursts_of_twice_the_rate_then_refills_with_time() -> None:
    now = [0.0]
    limit = RateLimit(5.0, clock=lambda: now[0])
    assert [limit.allow() for _ in range(11)] == [True] * 10 + [False]
    now[0] += 1.0
    assert [limit.allow() for _ in range(6)] == [True] * 5 + [False]
