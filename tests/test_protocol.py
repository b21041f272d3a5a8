"""Bad input on the websockets and who may open which socket: clear errors, nothing changed, no crash."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import websockets
from conftest import CHOICE, OPEN, SCALE, Client, Server, facilitator, phone, projector, spec
from db import rows

from lab import live
from lab.app import routes
from lab.rooms import Room
from lab.settings import Settings

DOC = Path(__file__).parent.parent / "docs" / "api.md"


@pytest.fixture
def settings(settings: Settings, request: pytest.FixtureRequest) -> Settings:
    """A generous message rate, so tests can send fast; `@pytest.mark.rate(n)` sets another."""
    marker = request.node.get_closest_marker("rate")
    return replace(settings, messages_per_second=marker.args[0] if marker else 1000.0)


def snapshot_of_db(server: Server) -> list[Any]:
    return [rows(server.settings, f"SELECT * FROM {t} ORDER BY 1") for t in ("rooms", "questions", "answers")]


async def pushed_room(server: Server, clients: Callable[[], Client]) -> tuple[Room, Client, Client]:
    room: Room = await server.rooms.create("Kamer", [spec(**CHOICE), spec(**SCALE)])
    boss, _ = await facilitator(clients, room)
    voter, _ = await phone(clients, room)
    await boss.send({"type": "push", "question": room.questions[1].id})
    await voter.expect("state")
    return room, boss, voter


BAD_VOTES = [
    ("{not json", "bad_message"),
    ("[1, 2]", "bad_message"),
    ('"vote"', "bad_message"),
    ({"type": 7}, "bad_message"),
    ({"type": "dance"}, "bad_message"),
    ({"type": "vote", "round": 1, "question": "scale", "id": "good-vote-id", "value": [1, 1]}, "bad_message"),
    ({"type": "vote", "round": 1, "question": True, "id": "good-vote-id", "value": [1, 1]}, "bad_message"),
    ({"type": "vote", "round": 1, "id": "short", "value": [1, 1]}, "bad_message"),
    ({"type": "vote", "round": 1, "id": "bad id with spaces", "value": [1, 1]}, "bad_message"),
    ({"type": "vote", "round": 1, "id": "good-vote-id"}, "bad_message"),
    ({"type": "vote", "round": 1, "id": "good-vote-id", "question": 999999, "value": [1, 1]}, "unknown_question"),
    ({"type": "vote", "round": 1, "id": "good-vote-id", "value": [1]}, "invalid"),
    ({"type": "vote", "round": 1, "id": "good-vote-id", "value": [0, 6]}, "invalid"),
    ({"type": "vote", "round": 1, "id": "good-vote-id", "value": [True, 2]}, "invalid"),
    ({"type": "vote", "round": 1, "id": "good-vote-id", "value": "5"}, "invalid"),
    ({"type": "vote", "round": 1, "id": "good-vote-id", "value": {"a": 1}}, "invalid"),
    ({"type": "push", "question": None}, "not_allowed"),
    ({"type": "reset", "question": 1}, "not_allowed"),
    ({"type": "nickname", "nickname": 5}, "bad_message"),
    ({"type": "nickname", "nickname": "x" * 41}, "invalid"),
    ("x" * 9000, "too_large"),
    ('{"type": "nickname", "nickname": "a\\udc00b"}', "bad_message"),  # a lone surrogate: JSON, but not text
]


async def test_bad_messages_from_a_phone_get_errors_and_change_nothing(
    server: Server, clients: Callable[[], Client]
) -> None:
    room, _, voter = await pushed_room(server, clients)
    scale = room.questions[1].id
    before = snapshot_of_db(server)
    for message, code in BAD_VOTES:
        if isinstance(message, dict) and message.get("type") == "vote" and "question" not in message:
            message = {**message, "question": scale}
        await voter.send(message)
        error = await voter.expect("error")
        assert error["error"] == code, message
        assert error["message"]  # a sentence for people, in Dutch
        await voter.send({"type": "ping"})
        await voter.expect("pong")  # the connection carries on
    assert snapshot_of_db(server) == before


UNSTORABLE: dict[str, Callable[[int], str | bytes]] = {
    "escaped surrogate": lambda q: (
        f'{{"type": "vote", "round": 1, "id": "hostile-vote", "question": {q}, "value": "a \\ud800 b"}}'
    ),
    "encoded surrogate in a binary frame": lambda q: (
        b'{"type": "vote", "round": 1, "id": "hostile-vote", "question": %d, "value": "a \xed\xa0\x80 b"}' % q
    ),
    "nested too deeply": lambda q: "[" * 5000,
}


@pytest.mark.parametrize("kind", UNSTORABLE)
async def test_a_message_that_cannot_be_read_as_text_is_refused_alone(
    server: Server, clients: Callable[[], Client], kind: str
) -> None:
    """Votes are committed in groups: one that could not be written (a lone surrogate is valid JSON but not text)
    must be refused before it joins a group, so that other participants' votes in that group are stored."""
    room: Room = await server.rooms.create("Kamer", [spec(**OPEN)])
    question = room.questions[0].id
    boss, _ = await facilitator(clients, room)
    (hostile, _), (honest, _) = [await phone(clients, room) for _ in range(2)]
    await boss.send({"type": "push", "question": question})
    await hostile.expect("state")
    await honest.expect("state")
    assert hostile.ws is not None
    await asyncio.gather(
        hostile.ws.send(UNSTORABLE[kind](question)),
        honest.send({"type": "vote", "round": 1, "id": "honest-vote", "question": question, "value": "Goed"}),
    )
    error, ack = await asyncio.gather(hostile.expect("error"), honest.expect("ack"))
    assert error["error"] == "bad_message" and ack["value"] == "Goed"
    assert rows(server.settings, "SELECT vote_id, value FROM answers") == [("honest-vote", '"Goed"')]


async def test_bad_facilitator_messages_get_errors_and_change_nothing(
    server: Server, clients: Callable[[], Client]
) -> None:
    room, boss, _ = await pushed_room(server, clients)
    before = snapshot_of_db(server)
    bad = [
        ({"type": "push", "question": "1"}, "bad_message"),
        ({"type": "push", "question": 999999}, "unknown_question"),
        ({"type": "open"}, "bad_message"),
        ({"type": "close", "question": 999999}, "unknown_question"),
        ({"type": "show_results", "question": room.questions[0].id, "target": "wall", "show": True}, "bad_message"),
        ({"type": "show_results", "question": room.questions[0].id, "target": "phones", "show": "yes"}, "bad_message"),
        ({"type": "moderate", "question": room.questions[0].id, "card": "abc", "status": "hidden"}, "unknown_card"),
        ({"type": "moderate", "question": room.questions[0].id, "card": "abc", "status": "gone"}, "bad_message"),
        ({"type": "hide_card", "question": room.questions[0].id, "card": "abc", "hidden": True}, "bad_message"),
        ({"type": "language", "lang": "fr"}, "bad_message"),
        ({"type": "language", "lang": None}, "bad_message"),
        ({"type": "vote", "round": 1, "id": "facilitator-vote", "question": 1, "value": [0]}, "not_allowed"),
    ]
    for message, code in bad:
        await boss.send(message)
        assert (await boss.expect("error"))["error"] == code, message
    await boss.send({"type": "push", "question": room.questions[1].id})  # the same again: a no-op but valid
    await boss.expect("state")
    after = snapshot_of_db(server)
    assert after[1:] == before[1:]


async def test_no_more_questions_past_the_end(server: Server, clients: Callable[[], Client]) -> None:
    room, boss, _ = await pushed_room(server, clients)
    await boss.send({"type": "next"})
    assert (await boss.expect("error"))["error"] == "no_more"
    await boss.send({"type": "prev"})
    state = await boss.expect("state")
    assert state["question"]["id"] == room.questions[0].id


async def test_sockets_refuse_who_lacks_the_grant(server: Server, clients: Callable[[], Client]) -> None:
    room: Room = await server.rooms.create("Kamer", [spec(**CHOICE)])
    stranger = clients()
    for path, code in [
        (f"/ws/f/{room.code}", 4403),
        (f"/ws/p/{room.code}", 4403),
        (f"/ws/r/{room.code}", 4400),  # never opened the room's page
        ("/ws/r/000000", 4404),
    ]:
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await stranger.connect(path)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == code, path
    # a projector grant does not open the console
    viewer, _ = await projector(clients, room)
    with pytest.raises(websockets.ConnectionClosed) as closed:
        await viewer.connect(f"/ws/f/{room.code}")
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4403


async def test_a_socket_from_another_site_is_refused(server: Server, clients: Callable[[], Client]) -> None:
    room: Room = await server.rooms.create("Kamer", [spec(**CHOICE)])
    boss, _ = await facilitator(clients, room)
    with pytest.raises(websockets.InvalidStatus) as refused:
        await boss.connect(f"/ws/f/{room.code}", Origin="http://evil.example")
    assert refused.value.response.status_code == 403
    snapshot = await boss.connect(f"/ws/f/{room.code}", Origin=server.base)
    assert snapshot["type"] == "snapshot"


@pytest.mark.rate(10.0)
async def test_too_many_messages_are_refused_and_the_phone_carries_on(
    server: Server, clients: Callable[[], Client]
) -> None:
    _, _, voter = await pushed_room(server, clients)
    for _ in range(40):
        await voter.send({"type": "ping"})
    replies = [json.loads(await voter.ws.recv()) for _ in range(40)]  # type: ignore[union-attr]
    kinds = {m["type"] if m["type"] == "pong" else m["error"] for m in replies}
    assert kinds == {"pong", "rate_limited"}


def test_every_message_type_and_route_is_documented() -> None:
    doc = DOC.read_text()
    documented = set(re.findall(r"^\| `([a-z_]+)` \|", doc, re.M))
    assert documented >= live.ALL_TYPES, live.ALL_TYPES - documented
    lab = Path(live.__file__).parent
    sent = set()
    for module in lab.glob("*.py"):
        sent |= set(re.findall(r'"type": "([a-z_]+)"', module.read_text()))
    assert {"snapshot", "state", "results", "ack", "error"} <= sent  # the scan finds what the server sends
    assert sent <= documented, sent - documented
    for route in routes():
        path = re.sub(r"\{(\w+)\}", r"{\1}", route.path)
        assert f"`{path}" in doc or route.name == "static", f"{route.path} is not in docs/api.md"
