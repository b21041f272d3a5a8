"""The hub over Redis (LAB_BROKER_URL): several processes' hubs share messages and presence through a real
redis-server that the tests start; a lost Redis closes every socket, which comes back once Redis is there again."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections.abc import AsyncIterator, Callable

import pytest
from conftest import CHOICE, Client, Server, spec
from redis.asyncio import Redis
from services import Forwarder, RedisServer
from websockets.exceptions import ConnectionClosed

from lab.errors import Unavailable
from lab.hub import Hub, Outbox
from lab.redis_hub import RedisBackend
from lab.settings import Settings

TIMEOUT = 10.0
BEAT = 0.05  # presence is written and read this often in these tests


async def instant(_seconds: float) -> None:
    """Reconnection attempts without pauses: the tests await the outcome, not a clock."""
    await asyncio.sleep(0)


@pytest.fixture
def redis_server() -> AsyncIterator[RedisServer]:
    with RedisServer() as server:
        yield server


async def hub_on(redis: RedisServer | str, name: str, gone_after: float = 0.0) -> Hub:
    """A hub on Redis (the server's, or at a URL); by default a process found without its alive key is departed at
    once."""
    url = redis if isinstance(redis, str) else redis.url
    hub = Hub(16, RedisBackend(url, beat=BEAT, pause=instant, name=name, gone_after=gone_after))
    await hub.start()
    return hub


def backend(hub: Hub) -> RedisBackend:
    assert isinstance(hub.backend, RedisBackend)
    return hub.backend


async def beat(hub: Hub) -> None:
    """Await the next presence beat of `hub` (fails after TIMEOUT: a listener that stopped beating fails the test
    at once, not when the suite's timeout ends it)."""
    await asyncio.wait_for(backend(hub).next_beat(), TIMEOUT)


async def until(hub: Hub, condition: Callable[[], bool]) -> None:
    """Await presence beats of `hub` until `condition` holds (fails after TIMEOUT)."""

    async def beats() -> None:
        while not condition():
            await backend(hub).next_beat()

    await asyncio.wait_for(beats(), TIMEOUT)


async def test_a_message_published_in_one_process_reaches_the_subscribers_of_both(
    redis_server: RedisServer,
) -> None:
    one, two = await hub_on(redis_server, "one"), await hub_on(redis_server, "two")
    try:
        async with one.subscribe("ABC:projector") as here, two.subscribe("ABC:projector") as there:
            one.publish("ABC:projector", '{"type":"results"}')
            one.publish("ABC:projector", '{"type":"question"}')
            for outbox in (here, there):  # in the order published, in both processes
                assert await asyncio.wait_for(outbox.get(), TIMEOUT) == '{"type":"results"}'
                assert await asyncio.wait_for(outbox.get(), TIMEOUT) == '{"type":"question"}'
            async with two.subscribe("XYZ:projector") as other:  # another topic hears nothing of it
                one.publish("ABC:projector", "3")
                assert await asyncio.wait_for(there.get(), TIMEOUT) == "3"
                assert other.get_nowait() is None
    finally:
        await one.stop()
        await two.stop()


async def test_presence_counts_the_phones_of_every_process_and_forgets_a_process_that_died(
    redis_server: RedisServer,
) -> None:
    one, two = await hub_on(redis_server, "one"), await hub_on(redis_server, "two")
    patient = await hub_on(redis_server, "patient", gone_after=60.0)  # takes a minute to call a process departed
    departed: list[str] = []
    backend(one).departed = departed.append
    backend(patient).departed = departed.append
    try:
        async with (
            one.subscribe("ABC:phone"), one.subscribe("ABC:phone"), one.subscribe("ABC:phone"),
            two.subscribe("ABC:phone"), two.subscribe("ABC:phone"),
        ):  # fmt: skip
            await until(one, lambda: one.count("ABC:phone") == 5)
            await until(two, lambda: two.count("ABC:phone") == 5)
            assert one.count("XYZ:phone") == 0
            # process two dies without a word (its task ends, nothing is removed): its phones stop counting once
            # its alive key has expired (three beats)
            task = backend(two)._task
            assert task is not None
            async with patient.subscribe("ABC:phone"):
                await until(patient, lambda: patient.count("ABC:phone") == 6)
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
                await until(one, lambda: one.count("ABC:phone") == 4)
                assert departed == ["two"]  # said once, in the same beat (the rooms it owns forget two's sockets)
                await until(patient, lambda: patient.count("ABC:phone") == 4)  # not counted, but not yet departed
                await beat(one)
                assert departed == ["two"]
        await until(one, lambda: one.count("ABC:phone") == 0)
    finally:
        await one.stop()
        await patient.stop()
        backend(two)._task = None
        await two.stop()


async def test_a_process_taken_for_gone_while_it_lived_closes_its_sockets(redis_server: RedisServer) -> None:
    """Its alive key ran out (its loop stalled for three beats, say): the others forgot its sockets, so at its next
    beat it closes them all, and their clients come back to be known afresh."""
    one = await hub_on(redis_server, "one")
    try:
        async with one.subscribe("ABC:phone") as outbox:
            await beat(one)
            client = Redis.from_url(redis_server.url)
            try:
                assert await client.delete("lab:alive:one") == 1  # as if it had expired
            finally:
                await client.aclose()
            await beat(one)
            assert outbox.closed and await asyncio.wait_for(outbox.get(), TIMEOUT) is None
            assert backend(one).available  # Redis itself is there: new sockets are let in
        async with one.subscribe("ABC:phone") as again:
            await beat(one)
            assert not again.closed
    finally:
        await one.stop()


async def test_a_process_that_stops_leaves_the_count_at_once(redis_server: RedisServer) -> None:
    one, two = await hub_on(redis_server, "one"), await hub_on(redis_server, "two")
    try:
        async with one.subscribe("ABC:phone"), two.subscribe("ABC:phone"), two.subscribe("ABC:phone"):
            await until(one, lambda: one.count("ABC:phone") == 3)
            await two.stop()  # its fields are removed as it stops, not three beats later
            await beat(one)
            await beat(one)  # a whole beat after the stop
            assert one.count("ABC:phone") == 1
    finally:
        await one.stop()


async def test_losing_redis_closes_every_subscription_and_refuses_new_ones_until_it_is_back(
    redis_server: RedisServer,
) -> None:
    hub = await hub_on(redis_server, "one")
    try:
        async with hub.subscribe("ABC:phone") as outbox:
            redis_server.kill()
            assert await asyncio.wait_for(outbox.get(), TIMEOUT) is None  # closed: its socket ends
            assert outbox.closed and not hub.available
            with pytest.raises(Exception, match="connection between the servers is broken"):
                async with hub.subscribe("ABC:phone"):
                    pass
        redis_server.start()  # the same port again
        await asyncio.wait_for(backend(hub).connected.wait(), TIMEOUT)
        async with hub.subscribe("ABC:phone") as outbox:
            hub.publish("ABC:phone", "weer")
            assert await asyncio.wait_for(outbox.get(), TIMEOUT) == "weer"
    finally:
        await hub.stop()


@contextlib.asynccontextmanager
async def held(redis: RedisServer) -> AsyncIterator[tuple[Hub, Forwarder]]:
    """A hub whose Redis is reached through a forwarder that holds the first SUBSCRIBE to "ABC:held" (and what
    follows it on that connection) on its way to Redis, until released."""
    async with Forwarder(redis.port, hold=b"lab:ABC:held") as forwarder:
        hub = await hub_on(f"redis://127.0.0.1:{forwarder.port}/0", "one")
        try:
            assert hub.available
            yield hub, forwarder
        finally:
            await hub.stop()


def entering(hub: Hub, stack: contextlib.AsyncExitStack) -> asyncio.Task[Outbox]:
    """A socket's subscription to "ABC:held" under way (left when `stack` closes)."""
    return asyncio.create_task(stack.enter_async_context(hub.subscribe("ABC:held")))


async def test_a_subscription_is_in_place_in_redis_before_the_socket_is_served(redis_server: RedisServer) -> None:
    """redis-py sends SUBSCRIBE without awaiting its reply: a message published by another process just after the
    subscription was made could reach Redis before the SUBSCRIBE did, and be lost to a phone that was just shown its
    snapshot. The subscription is made once Redis has confirmed it."""
    async with held(redis_server) as (hub, forwarder), contextlib.AsyncExitStack() as stack:
        subscribing = entering(hub, stack)
        await asyncio.wait_for(forwarder.held.wait(), TIMEOUT)
        # Redis has not seen the SUBSCRIBE: the socket is not served yet (a moment's grace to show it would have been)
        done, _ = await asyncio.wait({subscribing}, timeout=0.3)
        assert not done
        forwarder.release()
        outbox = await asyncio.wait_for(subscribing, TIMEOUT)
        publisher = Redis.from_url(redis_server.url)
        try:
            assert await publisher.publish("lab:ABC:held", "meteen") == 1
        finally:
            await publisher.aclose()
        assert await asyncio.wait_for(outbox.get(), TIMEOUT) == "meteen"


async def test_sockets_waiting_for_a_subscription_when_redis_is_lost_are_told_to_try_again(
    redis_server: RedisServer,
) -> None:
    """The first socket of a topic waits for Redis's confirmation, the second for its turn; Redis is lost: both are
    told to try again (the second was not among the sockets closed at the loss), and the topic is not kept."""
    async with held(redis_server) as (hub, forwarder), contextlib.AsyncExitStack() as stack:
        first = entering(hub, stack)
        await asyncio.wait_for(forwarder.held.wait(), TIMEOUT)
        second = entering(hub, stack)
        forwarder.cut()
        for subscribing in (first, second):
            with pytest.raises(Unavailable, match="connection between the servers is broken"):
                await asyncio.wait_for(subscribing, TIMEOUT)
        assert not hub._topics and "ABC:held" not in backend(hub)._topics


async def test_a_listener_whose_subscription_meets_a_lost_redis_stays_and_hears_once_redis_is_back(
    redis_server: RedisServer,
) -> None:
    """A process's own subscription (the calls to a room it owns: lab.owners) is not a socket that can try again:
    it is kept, told that it missed what came meanwhile, and subscribed again once Redis is back."""
    async with held(redis_server) as (hub, forwarder):
        heard: asyncio.Queue[str] = asyncio.Queue()
        missed = asyncio.Event()
        listening = asyncio.create_task(hub.listen("ABC:held", heard.put_nowait, missed.set))
        await asyncio.wait_for(forwarder.held.wait(), TIMEOUT)
        forwarder.release()  # for the connections made from now on (the held bytes go nowhere: cut)
        forwarder.cut()
        stop = await asyncio.wait_for(listening, TIMEOUT)
        assert missed.is_set()
        await asyncio.wait_for(backend(hub).connected.wait(), TIMEOUT)
        hub.publish("ABC:held", "terug")
        assert await asyncio.wait_for(heard.get(), TIMEOUT) == "terug"
        await stop()


async def test_a_topic_wanted_while_the_backend_connects_is_subscribed_before_it_is_available(
    redis_server: RedisServer,
) -> None:
    """lab.owners listens also while Redis is away. A topic wanted while the backend (re)connects, here while it
    writes its presence (its last step), is subscribed in Redis before the backend says it is available."""
    got: asyncio.Queue[tuple[str, str]] = asyncio.Queue()
    redis = RedisBackend(redis_server.url, beat=BEAT, pause=instant, name="one")
    write_presence = redis._presence

    async def presence() -> None:
        if not redis.available and "ABC:late" not in redis._topics:
            await redis.subscribe("ABC:late")  # not available yet: noted, to be subscribed
        await write_presence()

    redis._presence = presence  # type: ignore[method-assign]
    await redis.start(lambda topic, message: got.put_nowait((topic, message)))
    publisher = Redis.from_url(redis_server.url)
    try:
        assert redis.available
        assert await publisher.publish("lab:ABC:late", "ook") == 1
        assert await asyncio.wait_for(got.get(), TIMEOUT) == ("ABC:late", "ook")
    finally:
        await publisher.aclose()
        await redis.stop()


async def test_a_subscription_that_redis_confirms_too_late_is_told_to_try_again(redis_server: RedisServer) -> None:
    """Redis is there but does not confirm in time: the socket is told to try again, the topic is not kept, and the
    late confirmation, when it comes, is not taken for the next subscription's."""
    async with held(redis_server) as (hub, forwarder), contextlib.AsyncExitStack() as stack:
        backend(hub)._confirm_within = 0.1
        with pytest.raises(Unavailable, match="connection between the servers is broken"):
            await asyncio.wait_for(entering(hub, stack), TIMEOUT)
        assert not hub._topics and "ABC:held" not in backend(hub)._topics and hub.available  # slow, not lost
        backend(hub)._confirm_within = TIMEOUT
        again = entering(hub, stack)
        forwarder.release()  # the late SUBSCRIBE's reply, its UNSUBSCRIBE's, then the new SUBSCRIBE's
        outbox = await asyncio.wait_for(again, TIMEOUT)
        assert not backend(hub)._confirming
        hub.publish("ABC:held", "nu wel")
        assert await asyncio.wait_for(outbox.get(), TIMEOUT) == "nu wel"


async def test_a_socket_that_meets_redis_lost_before_the_listener_noticed_is_told_to_try_again(
    redis_server: RedisServer,
) -> None:
    hub = await hub_on(redis_server, "one")
    listener = backend(hub)._task
    assert listener is not None
    listener.cancel()  # the listener has not noticed yet (it would, a moment later)
    await asyncio.gather(listener, return_exceptions=True)
    try:
        redis_server.kill()
        pubsub = backend(hub)._pubsub
        assert pubsub is not None and pubsub.connection is not None
        await pubsub.connection.disconnect()  # as the failed read would leave it: the next command connects anew
        with pytest.raises(Unavailable, match="connection between the servers is broken"):
            async with hub.subscribe("ABC:phone"):
                pass
    finally:
        backend(hub)._task = None
        await hub.stop()


@pytest.fixture
def settings(settings: Settings, redis_server: RedisServer) -> Settings:
    """The test server's settings (conftest's), with the broker: this module's `server` shares through Redis."""
    return dataclasses.replace(settings, broker_url=redis_server.url)


async def test_a_phone_reconnects_to_its_room_once_redis_is_back(server: Server, redis_server: RedisServer) -> None:
    room = await server.rooms.create("Kamer", [spec(**CHOICE)])
    await room.push(room.questions[0].id)
    phone = Client(server)
    try:
        await phone.get(f"/r/{room.code}")
        snapshot = await phone.connect(f"/ws/r/{room.code}")
        assert snapshot["question"]["id"] == room.questions[0].id
        hub = server.app.state.hub
        redis_server.kill()
        assert phone.ws is not None
        await asyncio.wait_for(phone.ws.wait_closed(), TIMEOUT)
        assert phone.ws.close_code == 1013  # try again: the client shows that it reconnects
        refused = Client(server)
        try:  # while Redis is away: refused with a sentence and "try again"
            await refused.get(f"/r/{room.code}")
            with pytest.raises(ConnectionClosed):  # the close arrives instead of a snapshot
                await refused.connect(f"/ws/r/{room.code}")
            assert refused.ws is not None and refused.ws.close_code == 1013
            assert [m["type"] for m in refused.seen] == ["error"]
            assert refused.seen[0]["message"].startswith("De verbinding tussen de servers is verbroken.")
        finally:
            await refused.close()
        redis_server.start()
        await asyncio.wait_for(backend(hub).connected.wait(), TIMEOUT)
        again = await phone.connect(f"/ws/r/{room.code}")  # the same phone, its cookie: its room as it is now
        assert again["question"]["id"] == room.questions[0].id
        await phone.send({"type": "vote", "id": "after-redis-1", "question": room.questions[0].id, "round": 1,
                          "value": [0]})  # fmt: skip
        ack = await phone.expect("ack")
        assert ack == {"type": "ack", "id": "after-redis-1", "question": room.questions[0].id, "round": 1,
                       "value": [0], "status": "shown"}  # fmt: skip
    finally:
        await phone.close()
