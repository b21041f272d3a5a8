"""One room served by several processes (lab.owners): three lab servers share one PostgreSQL database and one Redis,
both real and started by the tests. The process that first has the room owns it; the others serve its sockets and
pages as edges, forwarding to the owner. These run in one test process (three uvicorn servers on three ports);
tests/test_owners_crash.py kills an owner that is a process of its own."""

from __future__ import annotations

import asyncio
import dataclasses
import re
from collections.abc import AsyncIterator, Callable
from typing import Any

import db
import pytest
from conftest import CHOICE, Client, Server, spec
from services import PostgresServer, RedisServer

from lab.owners import Desk, RemoteRoom
from lab.rooms import Room
from lab.settings import Settings
from lab.tally import card_id

TIMEOUT = 15.0


@dataclasses.dataclass
class Cluster:
    servers: list[Server]
    url: str  # the shared database
    redis: RedisServer
    made: list[Client] = dataclasses.field(default_factory=list)

    def client(self, server: Server) -> Client:
        self.made.append(Client(server))
        return self.made[-1]


@pytest.fixture
async def cluster(
    postgres_server: PostgresServer, settings: Settings, request: pytest.FixtureRequest
) -> AsyncIterator[Cluster]:
    """Three lab servers on one database and one Redis."""
    url = await postgres_server.create_database_async()
    with RedisServer() as redis:
        shared = dataclasses.replace(settings, database_url=url, broker_url=redis.url)
        servers = [Server(shared) for _ in range(3)]
        for server in servers:
            await server.start()
        cluster = Cluster(servers, url, redis)
        try:
            yield cluster
        finally:
            await asyncio.gather(*(client.close() for client in cluster.made), return_exceptions=True)
            for server in servers:
                if server._task is not None and not server._task.done():
                    await server.stop()
    await postgres_server.drop_database_async(url)


async def phone_on(cluster: Cluster, server: Server, code: str) -> tuple[Client, dict[str, Any]]:
    client = cluster.client(server)
    page = await client.get(f"/r/{code}")
    assert page.status_code == 200 and f'"code": "{code}"' in page.text.replace("&#34;", '"')
    return client, await client.connect(f"/ws/r/{code}")


async def screen_on(cluster: Cluster, server: Server, path: str, key: str) -> tuple[Client, dict[str, Any]]:
    client = cluster.client(server)
    granted = await client.get(f"/{path}?key={key}")
    assert granted.status_code == 303
    return client, await client.connect(f"/ws/{path}")


async def pushed_with_phone(cluster: Cluster, owner: Server, edge: Server, **question: Any) -> tuple[Room, Client]:
    """A room made on `owner` with its question pushed, and a phone in it on `edge`."""
    room: Room = await owner.rooms.create("Kamer", [spec(**(question or CHOICE))])
    await room.push(room.questions[0].id)
    voter, _ = await phone_on(cluster, edge, room.code)
    return room, voter


async def test_a_vote_on_one_edge_reaches_the_projector_on_another_and_is_stored_by_the_owner(
    cluster: Cluster,
) -> None:
    owner, left, right = cluster.servers
    room: Room = await owner.rooms.create("Congres", [spec(**CHOICE)])
    question = room.questions[0].id
    voter, snapshot = await phone_on(cluster, left, room.code)
    assert snapshot["room"] == {"code": room.code, "title": "Congres", "lang": "nl"} and snapshot["question"] is None
    screen, _ = await screen_on(cluster, right, f"p/{room.code}", room.projector_key)
    boss, _ = await screen_on(cluster, owner, f"f/{room.code}", room.facilitator_key)
    assert isinstance(await left.rooms.remote(room.code), RemoteRoom)
    assert isinstance(await right.rooms.remote(room.code), RemoteRoom)
    assert await owner.rooms.get(room.code) is room and await left.rooms.get(room.code) is None

    await boss.send({"type": "push", "question": question})
    await boss.send({"type": "show_results", "question": question, "target": "projector", "show": True})
    pushed = await voter.expect("state", lambda m: m["question"] is not None)
    assert pushed["question"]["id"] == question
    await voter.send({"type": "vote", "id": "stem-op-links-1", "question": question, "round": 1, "value": [2]})
    ack = await voter.expect("ack")
    assert ack == {"type": "ack", "id": "stem-op-links-1", "question": question, "round": 1, "value": [2],
                   "status": "shown"}  # fmt: skip
    shown = await screen.expect("results", lambda m: m["answers"] == 1)
    assert [option["count"] for option in shown["results"]["options"]] == [0, 0, 1]
    assert db.rows(cluster.url, "SELECT vote_id, value FROM answers") == [("stem-op-links-1", "[2]")]
    counted = await screen.expect("results", lambda m: m["participants"] == 1)  # present on an edge: counted
    assert counted["answers"] == 1

    await boss.send({"type": "close", "question": question})
    await voter.expect("state", lambda m: m["question"]["status"] == "closed")
    await voter.send({"type": "vote", "id": "stem-op-links-2", "question": question, "round": 1, "value": [0]})
    refused = await voter.expect("error")  # the owner's refusal, in the phone's words, as from its own process
    assert refused == {"type": "error", "error": "closed", "id": "stem-op-links-2",
                       "message": "Deze vraag is gesloten."}  # fmt: skip
    assert db.rows(cluster.url, "SELECT count(*) FROM answers") == [(1,)]


async def test_the_pages_of_a_room_come_from_its_owner_through_any_process(cluster: Cluster) -> None:
    owner, edge, _ = cluster.servers
    room: Room = await owner.rooms.create("Ledenraadpleging", [spec(**CHOICE)])
    await room.push(room.questions[0].id)
    voter, _ = await phone_on(cluster, edge, room.code)
    await voter.send({"type": "vote", "id": "stem-export-1", "question": room.questions[0].id, "round": 1,
                      "value": [0]})  # fmt: skip
    await voter.expect("ack")
    boss = cluster.client(edge)  # the console, reached through the edge: its cookie is the owner's, valid in both
    assert (await boss.get(f"/f/{room.code}?key={room.facilitator_key}")).status_code == 303
    console = await boss.get(f"/f/{room.code}")
    assert console.status_code == 200 and "Ledenraadpleging" in console.text
    assert console.headers["content-security-policy"] == (await boss.get("/")).headers["content-security-policy"]
    exported = await boss.get(f"/f/{room.code}/export.csv")
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
    assert "Goed" in exported.text and "Hoe was de samenwerking?" in exported.text
    stranger = cluster.client(edge)
    assert (await stranger.get(f"/f/{room.code}/export.csv")).status_code == 403  # the owner's checks, unchanged
    missing = await stranger.get("/r/999999")
    assert missing.status_code == 404


async def test_a_participant_removed_by_the_owner_is_closed_on_the_edge(cluster: Cluster) -> None:
    owner, edge, _ = cluster.servers
    room, troll = await pushed_with_phone(cluster, owner, edge, type="open", prompt="Wat vindt u?")
    question = room.questions[0].id
    await troll.send({"type": "vote", "id": "trol-antwoord-1", "question": question, "round": 1, "value": "rommel"})
    await troll.expect("ack")
    participant = next(iter(room.current.tally.answers))  # type: ignore[union-attr]
    boss, _ = await screen_on(cluster, owner, f"f/{room.code}", room.facilitator_key)
    await boss.send({"type": "remove", "question": question, "card": card_id(question, participant)})
    told = await troll.expect("error")
    assert told["error"] == "removed"
    assert troll.ws is not None
    await asyncio.wait_for(troll.ws.wait_closed(), TIMEOUT)
    assert troll.ws.close_code == 4403
    again = cluster.client(edge)  # the same browser, on the edge again: refused there too, with the reason
    again.http.cookies = troll.http.cookies
    with pytest.raises(Exception):  # noqa: B017 (the close arrives instead of a snapshot)
        await again.connect(f"/ws/r/{room.code}")
    assert again.ws is not None and again.ws.close_code == 4403 and again.seen[0]["error"] == "removed"


async def test_the_owner_forgets_the_phones_of_an_edge_that_died_without_a_word(cluster: Cluster) -> None:
    """An edge that is killed never says that its phones left: the owner notices once the edge's alive key in Redis
    has expired, and its room stops keeping a way to reach those phones (it would grow with every edge that died)."""
    owner, edge, other = cluster.servers
    room, _ = await pushed_with_phone(cluster, owner, edge)
    await phone_on(cluster, other, room.code)
    assert len(room._phones) == 2  # a participant on each edge, reachable through it

    async def beats_until(done: Callable[[], bool]) -> None:
        while not done():
            await asyncio.wait_for(owner.app.state.hub.backend.next_beat(), TIMEOUT)

    await asyncio.wait_for(beats_until(lambda: room.participants() == 2), TIMEOUT)  # the owner has seen both edges
    owner.app.state.hub.backend.gone_after = 0.0  # (a minute by default: a process under load may miss beats)
    listener = edge.app.state.hub.backend._task  # the edge dies: its beats stop, nothing is removed
    listener.cancel()
    await asyncio.gather(listener, return_exceptions=True)
    edge.app.state.hub.backend._task = None
    # three beats of the edge's alive key, then one of the owner's
    await asyncio.wait_for(beats_until(lambda: len(room._phones) == 1), TIMEOUT)
    assert len(room._phones) == 1  # the phone on the living edge is still reachable


async def test_a_phone_entering_through_an_edge_as_the_owner_forgets_that_edge_is_not_kept(
    cluster: Cluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The owner forgot an edge (taken for dead) while a phone's entry through it was still being carried out: the
    entry, once done, must not leave the room a way to reach that phone through the forgotten edge, which nothing
    would ever remove."""
    owner, edge, _ = cluster.servers
    room, _ = await pushed_with_phone(cluster, owner, edge)
    entering, go_on = asyncio.Event(), asyncio.Event()
    enter = room.enter

    async def held(*args: Any) -> Any:
        entering.set()
        await go_on.wait()
        return await enter(*args)

    monkeypatch.setattr(room, "enter", held)
    second = asyncio.create_task(phone_on(cluster, edge, room.code))
    await asyncio.wait_for(entering.wait(), TIMEOUT)
    owner.app.state.hub.backend.departed(edge.app.state.hub.backend.name)  # as the owner's beat would say
    assert room._phones == {}  # the first phone, reached through that edge, is forgotten
    go_on.set()
    await asyncio.wait_for(second, TIMEOUT)  # (the edge lives on here: it gets its snapshot)
    assert room._phones == {}


async def test_when_the_owner_stops_another_process_takes_the_room_over_from_the_store(cluster: Cluster) -> None:
    owner, edge, other = cluster.servers
    room, voter = await pushed_with_phone(cluster, owner, edge)
    question = room.questions[0].id
    await voter.send({"type": "vote", "id": "voor-de-stop-1", "question": question, "round": 1, "value": [1]})
    await voter.expect("ack")
    await owner.stop()  # gives its rooms up at once: the edge notices within a beat
    assert voter.ws is not None
    await asyncio.wait_for(voter.ws.wait_closed(), TIMEOUT)
    assert voter.ws.close_code == 1013  # try again: the phone reconnects
    again = await voter.connect(f"/ws/r/{room.code}")  # the first process asked takes the room over
    assert again["question"]["id"] == question and again["answer"] == [1] and again["answers"] == 1
    taken = await edge.rooms.get(room.code)
    assert isinstance(taken, Room) and taken is not room
    assert isinstance(await other.rooms.remote(room.code), RemoteRoom)
    await voter.send({"type": "vote", "id": "na-de-stop-1", "question": question, "round": 1, "value": [2]})
    assert (await voter.expect("ack"))["value"] == [2]
    assert db.rows(cluster.url, "SELECT vote_id, value FROM answers") == [("na-de-stop-1", "[2]")]


async def test_losing_redis_closes_the_edges_sockets_and_the_room_comes_back_with_it(cluster: Cluster) -> None:
    owner, edge, _ = cluster.servers
    room, voter = await pushed_with_phone(cluster, owner, edge)
    question = room.questions[0].id
    screen, _ = await screen_on(cluster, edge, f"p/{room.code}", room.projector_key)
    cluster.redis.kill()
    for client in (voter, screen):  # both screens show that they reconnect
        assert client.ws is not None
        await asyncio.wait_for(client.ws.wait_closed(), TIMEOUT)
        assert client.ws.close_code == 1013
    refused = cluster.client(edge)  # meanwhile: which process owns the room cannot be known, so: try again
    refused.http.cookies = voter.http.cookies
    with pytest.raises(Exception):  # noqa: B017 (the close arrives instead of a snapshot)
        await refused.connect(f"/ws/r/{room.code}")
    assert refused.ws is not None and refused.ws.close_code == 1013 and refused.seen[0]["error"] == "unavailable"
    page = await refused.get(f"/p/{room.code}")
    assert page.status_code == 503 and page.headers["retry-after"] == "2"
    assert page.text == "De verbinding tussen de servers is verbroken. Probeer het zo meteen opnieuw."
    cluster.redis.start()  # the same port, and empty: the room's lease is gone with it
    await asyncio.wait_for(edge.app.state.hub.backend.connected.wait(), TIMEOUT)
    beats = (server.app.state.leases.next_beat() for server in (owner, edge))  # a beat of each with Redis back:
    await asyncio.wait_for(asyncio.gather(*beats), TIMEOUT)  # the owner let the room go, the edge saw it go
    await voter.connect(f"/ws/r/{room.code}")  # the edge takes the room over
    await voter.send({"type": "vote", "id": "na-redis-00001", "question": question, "round": 1, "value": [0]})
    assert (await voter.expect("ack"))["status"] == "shown"
    assert db.rows(cluster.url, "SELECT vote_id FROM answers") == [("na-redis-00001",)]


async def test_an_edge_serves_the_phones_page_itself_and_asks_the_owner_once(
    cluster: Cluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    owner, edge, _ = cluster.servers
    asked: list[str] = []
    request = Desk._request

    async def counted(desk: Desk, described: dict[str, Any]) -> list[Any]:
        asked.append(described["path"])
        return await request(desk, described)

    monkeypatch.setattr(Desk, "_request", counted)
    room: Room = await owner.rooms.create("Congres", [spec(**CHOICE)])
    await room.push(room.questions[0].id)
    pages = []
    for _ in range(5):  # five phones arrive at the edge: the owner is asked for the page once
        voter, _ = await phone_on(cluster, edge, room.code)
        pages.append((await voter.get(f"/r/{room.code}")).text)
        await voter.send({"type": "vote", "id": f"stem-{len(pages):08d}", "question": room.questions[0].id,
                          "round": 1, "value": [0]})  # fmt: skip
        assert (await voter.expect("ack"))["status"] == "shown"
    assert asked == [f"/r/{room.code}"]
    own = [re.findall(r'"who": "([0-9a-f]{16})"', page.replace("&#34;", '"')) for page in pages]
    assert all(len(keys) == 1 for keys in own) and len({keys[0] for keys in own}) == 5  # each phone its own
    assert all("Congres" in page and "labWho" not in page and "labCsrf" not in page for page in pages)
    english = cluster.client(edge)
    english.http.headers["accept-language"] = "en"
    assert 'lang="en"' in (await english.get(f"/r/{room.code}")).text  # its own language's page
    assert asked == [f"/r/{room.code}"] * 2

    members: Room = await owner.rooms.create("Ledenraadpleging", [spec(**CHOICE)], access="codes")
    stranger = cluster.client(edge)  # a room for members: the owner's own page (it asks for the code)
    page = await stranger.get(f"/r/{members.code}")
    assert page.status_code == 200 and 'name="member_code"' in page.text
    assert asked[2:] == [f"/r/{members.code}"] * 2  # (asked for the kept page, then the whole request)
    assert db.rows(cluster.url, "SELECT count(*) FROM answers") == [(5,)]
