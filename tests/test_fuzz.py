"""Property-based fuzzing: random and malformed websocket messages of every type and random JSON bodies for
every JSON endpoint. Never a 500, never a crashed connection handler, never a changed row after an error."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import page_data, spec
from db import Target, each
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient, WebSocketTestSession
from starlette.types import Receive, Scope, Send

from lab import live, wire
from lab.app import create_app
from lab.questions import TYPES
from lab.rooms import Room
from lab.settings import Settings

SETTINGS_KEYS = frozenset().union(*(kind.settings_keys for kind in TYPES.values()))
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

# Any code points, lone surrogates too (which `st.text` never makes): JSON escapes them, and Python reads them back.
code_points = st.lists(st.integers(0xD7F0, 0xE010) | st.integers(0, 0x10FFFF), max_size=8).map(
    lambda points: "".join(map(chr, points))
)
scalars = (
    st.none() | st.booleans() | st.integers(-(2**40), 2**40) | st.floats(allow_nan=False) | st.text(max_size=50)
    | code_points
)  # fmt: skip
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=8), inner, max_size=5),
    max_leaves=12,
)
fields = st.sampled_from(
    ["question", "round", "id", "value", "nickname", "target", "show", "card", "status", "position", "type"]
)


def message(kinds: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    """A message of one of these types, with random fields of random types (sometimes the right ones)."""
    return st.builds(
        lambda kind, extra: {**extra, "type": kind},
        st.sampled_from(kinds) | st.text(max_size=10),
        st.dictionaries(fields, values | st.sampled_from([1, 2, "abcdefgh12", [0], "projector", "hidden"]), max_size=6),
    )


class Lab:
    def __init__(self, client: TestClient, room: Room, settings: Settings) -> None:
        self.client = client
        self.room = room
        self.settings = settings

    def rows(self) -> list[Any]:
        tables = ("rooms", "questions", "answers", "participants")
        return each(self.settings, [f"SELECT * FROM {t} ORDER BY 1" for t in tables])


@pytest.fixture
def lab(tmp_path: Path, store_target: Target) -> Iterator[Lab]:
    database_url = store_target if isinstance(store_target, str) else ""
    app = create_app(
        Settings(
            db_path=tmp_path / "lab.db", database_url=database_url, organiser_password="x", messages_per_second=1e6
        )
    )

    async def asgi3(scope: Scope, receive: Receive, send: Send) -> None:
        # lab's application returns its coroutine rather than being one (lab.app.Lab), which TestClient would take
        # for ASGI 2, as uvicorn would if lab.server.config did not say otherwise
        await app(scope, receive, send)

    with TestClient(asgi3) as client:
        questions = [spec(type=k.name, prompt=k.examples.prompt, **k.examples.settings) for k in TYPES.values()]
        room: Room = client.portal.call(app.state.rooms.create, "Fuzz", questions)  # type: ignore[union-attr]
        assert client.get(f"/f/{room.code}?key={room.facilitator_key}", follow_redirects=False).status_code == 303
        assert client.get(f"/r/{room.code}").status_code == 200
        yield Lab(client, room, app.state.settings)


def is_ping(raw: str) -> bool:
    """Whether the server will take `raw` for a ping (and answer it with a pong of its own)."""
    if len(raw) > Settings().max_message_bytes:  # refused as too large before it is read
        return False
    try:
        message = wire.loads(raw)
    except ValueError:
        return False
    return isinstance(message, dict) and message.get("type") == "ping"


def answered(ws: WebSocketTestSession, raw: str) -> list[dict[str, Any]]:
    """Send one message, then a ping; return what came back before our pong (the socket must still work).

    A random message may be a ping itself: then two pongs come back, and stopping at the first would leave the
    next message's work unfinished while the rows are compared."""
    ws.send_text(raw)
    ws.send_text('{"type":"ping"}')
    pongs = 2 if is_ping(raw) else 1
    replies = []
    while pongs:
        reply = ws.receive_json()
        if reply["type"] == "pong":
            pongs -= 1
        else:
            replies.append(reply)
    return replies


def check(lab: Lab, ws: WebSocketTestSession, raw: str) -> None:
    before = lab.rows()
    replies = answered(ws, raw)
    kinds = {r["type"] for r in replies}
    assert kinds <= {"error", "ack", "state", "questions", "results", "details", "themes", "consultation",
                     "privacy_floor"}, replies  # fmt: skip
    errors = [r for r in replies if r["type"] == "error"]
    assert all(r["error"] != "server_error" for r in errors), errors
    if errors:
        assert lab.rows() == before, (raw, errors)


@SETTINGS
@given(st.lists(message(sorted(live.ALL_TYPES)), min_size=1, max_size=5))
def test_random_phone_messages(lab: Lab, messages: list[dict[str, Any]]) -> None:
    with lab.client.websocket_connect(f"/ws/r/{lab.room.code}") as ws:
        ws.receive_json()  # the snapshot
        for item in messages:
            check(lab, ws, json.dumps(item))


@SETTINGS
@given(st.lists(message(sorted(live.ALL_TYPES)), min_size=1, max_size=5))
def test_random_facilitator_messages(lab: Lab, messages: list[dict[str, Any]]) -> None:
    with lab.client.websocket_connect(f"/ws/f/{lab.room.code}") as ws:
        ws.receive_json()
        for item in messages:
            check(lab, ws, json.dumps(item))


@SETTINGS
@given(st.text(max_size=200) | st.binary(max_size=200).map(lambda b: b.decode("latin-1")))
def test_random_text_frames(lab: Lab, raw: str) -> None:
    with lab.client.websocket_connect(f"/ws/r/{lab.room.code}") as ws:
        ws.receive_json()
        check(lab, ws, raw)


@SETTINGS
@given(
    st.sampled_from(["POST questions", "PUT question", "POST move", "DELETE question"]),
    values
    | st.fixed_dictionaries(
        {"type": st.sampled_from(sorted(TYPES)), "prompt": values},
        optional={key: values for key in sorted(SETTINGS_KEYS | {"allow_change", "position"})},
    ),
    st.sampled_from(["1", "999999", "x", "-1", "1e3"]),
)
def test_random_json_bodies(lab: Lab, endpoint: str, body: Any, question: str) -> None:
    client = lab.client
    csrf = page_data(client.get(f"/f/{lab.room.code}").text)["csrf"]
    base = f"/api/rooms/{lab.room.code}/questions"
    method, target = endpoint.split()
    url = {"questions": base, "question": f"{base}/{question}", "move": f"{base}/{question}/move"}[target]
    if method == "DELETE":
        url = f"{base}/{question}x"  # never a real id: deleting is not what is fuzzed here
    before = lab.rows()
    response = client.request(method, url, content=json.dumps(body), headers={"X-CSRF-Token": csrf})
    assert response.status_code < 500, (url, body, response.text)
    payload = response.json()
    if response.status_code >= 400:
        assert set(payload) == {"error", "message"} and payload["message"]
        assert lab.rows() == before
