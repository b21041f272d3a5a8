"""Websocket endpoints: phones, the projector and the facilitator console (protocol: docs/api.md).

Each socket has one reader (this coroutine: parse, call the domain, queue the reply) and one sender task that
drains the socket's bounded outbox. A socket that falls too far behind is closed and resyncs on reconnect.
Bad input is answered with an `error` message and changes nothing; the connection carries on.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from starlette.websockets import WebSocket, WebSocketDisconnect

from . import access, i18n
from .hub import Hub, Outbox
from .questions.base import N_
from .rooms import Room, RoomError
from .settings import Settings
from .wire import dumps, loads

log = logging.getLogger(__name__)

VOTE_ID = re.compile(r"[A-Za-z0-9_-]{8,64}")
CLOSE_NO_GRANT, CLOSE_NO_ROOM, CLOSE_NO_PARTICIPANT, CLOSE_TOO_SLOW, CLOSE_TOO_MANY = 4403, 4404, 4400, 4408, 4429


class BadMessage(RoomError):
    def __init__(self, msgid: str = N_("This message was not understood."), code: str = "bad_message") -> None:
        super().__init__(code, msgid)


def _field(message: dict[str, Any], name: str, kind: type) -> Any:
    """A field of the expected type (a bool is not taken for a number)."""
    value = message.get(name)
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise BadMessage()
    return value


def _question_id(message: dict[str, Any]) -> int:
    value: int = _field(message, "question", int)
    return value


class RateLimit:
    """A token bucket: `rate` messages a second on average, bursts of twice that."""

    def __init__(self, rate: float) -> None:
        self.rate = rate
        self.tokens = 2 * rate
        self.stamp = time.monotonic()

    def allow(self) -> bool:
        now = time.monotonic()
        self.tokens = min(2 * self.rate, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True


Handler = Callable[[Room, dict[str, Any], "Connection"], Awaitable[dict[str, Any] | None]]


def _error_message(error: RoomError, lang: str, **extra: Any) -> dict[str, Any]:
    text = i18n.translate(lang, error.msgid, error.params)
    return {"type": "error", "error": error.code, "message": text, **extra}


class Connection:
    """One open socket: who it is, its outbox and its language."""

    @dataclass(frozen=True)
    class Who:
        participant: str | None
        nickname: str
        lang: str

    def __init__(self, websocket: WebSocket, outbox: Outbox, lang: str, participant: str | None) -> None:
        self.websocket = websocket
        self.outbox = outbox
        self.lang = lang
        self.participant = participant

    def send(self, message: dict[str, Any]) -> None:
        self.outbox.put(dumps(message))

    def error(self, error: RoomError, **extra: Any) -> None:
        self.send(_error_message(error, self.lang, **extra))


# -- handlers ----------------------------------------------------------------------------------------------------


async def _ping(room: Room, message: dict[str, Any], conn: Connection) -> dict[str, Any]:
    return {"type": "pong"}


async def _vote(room: Room, message: dict[str, Any], conn: Connection) -> dict[str, Any]:
    vote_id = message.get("id")
    if not isinstance(vote_id, str) or not VOTE_ID.fullmatch(vote_id):
        raise BadMessage("This answer has no valid id.")
    if "value" not in message:
        raise BadMessage()
    assert conn.participant is not None
    question = _question_id(message)
    try:
        value = await room.vote(conn.participant, vote_id, question, message["value"])
    except RoomError as error:
        conn.error(error, id=vote_id)
        return {}
    return {"type": "ack", "id": vote_id, "question": question, "value": value}


async def _nickname(room: Room, message: dict[str, Any], conn: Connection) -> dict[str, Any] | None:
    assert conn.participant is not None
    await room.set_nickname(conn.participant, message.get("nickname"))
    return None


async def _push(room: Room, message: dict[str, Any], conn: Connection) -> None:
    question = message.get("question")
    if question is not None and (not isinstance(question, int) or isinstance(question, bool)):
        raise BadMessage()
    await room.push(question)


async def _next(room: Room, message: dict[str, Any], conn: Connection) -> None:
    await room.step(+1)


async def _prev(room: Room, message: dict[str, Any], conn: Connection) -> None:
    await room.step(-1)


async def _open(room: Room, message: dict[str, Any], conn: Connection) -> None:
    await room.set_status(_question_id(message), "open")


async def _close(room: Room, message: dict[str, Any], conn: Connection) -> None:
    await room.set_status(_question_id(message), "closed")


async def _show_results(room: Room, message: dict[str, Any], conn: Connection) -> None:
    target = _field(message, "target", str)
    await room.show_results(_question_id(message), target, _field(message, "show", bool))


async def _reset(room: Room, message: dict[str, Any], conn: Connection) -> None:
    await room.reset(_question_id(message))


async def _hide_card(room: Room, message: dict[str, Any], conn: Connection) -> None:
    await room.hide_card(_question_id(message), _field(message, "card", str), _field(message, "hidden", bool))


HANDLERS: dict[str, dict[str, Handler]] = {
    "phone": {"ping": _ping, "vote": _vote, "nickname": _nickname},
    "projector": {"ping": _ping},
    "facilitator": {
        "ping": _ping,
        "push": _push,
        "next": _next,
        "prev": _prev,
        "open": _open,
        "close": _close,
        "show_results": _show_results,
        "reset": _reset,
        "hide_card": _hide_card,
    },
}
"""Every client-to-server message type, by audience. docs/api.md must describe each (a test checks)."""

ALL_TYPES = {name for handlers in HANDLERS.values() for name in handlers}


# -- endpoints ---------------------------------------------------------------------------------------------------


def _origin_ok(websocket: WebSocket) -> bool:
    """Browsers always send Origin on a websocket upgrade; it must be this site (no cross-site sockets)."""
    origin = websocket.headers.get("origin")
    if origin is None:
        return True  # not a browser (a script or a test client): cookies are what protect the room
    return urlsplit(origin).netloc == websocket.headers.get("host", "")


async def phone_socket(websocket: WebSocket) -> None:
    await _serve(websocket, "phone")


async def projector_socket(websocket: WebSocket) -> None:
    await _serve(websocket, "projector")


async def facilitator_socket(websocket: WebSocket) -> None:
    await _serve(websocket, "facilitator")


async def _serve(websocket: WebSocket, audience: str) -> None:
    if not _origin_ok(websocket):
        await websocket.close(CLOSE_NO_GRANT)  # before accepting: the handshake fails with 403
        return
    state = websocket.app.state
    room: Room | None = await state.rooms.get(websocket.path_params["code"])
    session = websocket.session
    participant = None
    if room is None:
        refusal = CLOSE_NO_ROOM
    elif audience == "phone":
        participant = access.participant_id(session, room)
        refusal = CLOSE_NO_PARTICIPANT if participant is None else 0
    else:
        role: access.Role = "facilitator" if audience == "facilitator" else "projector"
        refusal = 0 if access.has_role(session, room, role) else CLOSE_NO_GRANT
    if room is None or refusal:
        await websocket.accept()  # then close with a code the page can act on (a browser never sees a 403)
        await websocket.close(refusal)
        return
    lang = i18n.choose(websocket.headers.get("accept-language", ""), session.get("lang"))
    address = websocket.client.host if websocket.client else ""
    connections: Counter[str] = state.connections
    if connections[address] >= state.settings.connections_per_address:
        await websocket.accept()
        error = RoomError("too_many_connections", "Too many connections from your network. Try again in a moment.")
        await websocket.send_text(dumps(_error_message(error, lang)))
        await websocket.close(CLOSE_TOO_MANY)
        return
    connections[address] += 1
    try:
        if participant is not None:
            await room.join(participant)
        nickname = (await state.db.nickname(participant) or "") if participant else ""
        await websocket.accept()
        await _run(websocket, room, audience, Connection.Who(participant, nickname, lang), state.hub, state.settings)
    finally:
        connections[address] -= 1
        if not connections[address]:
            del connections[address]


async def _run(
    websocket: WebSocket, room: Room, audience: str, who: Connection.Who, hub: Hub, settings: Settings
) -> None:
    """Serve an accepted socket until it or its room goes away: one reader task, one sender task."""
    async with hub.subscribe(room.topic(audience)) as outbox:
        conn = Connection(websocket, outbox, who.lang, who.participant)
        conn.send(room.snapshot(audience, who.participant, who.nickname))
        room.schedule_results()  # the participant count changed
        reader = asyncio.create_task(_read_loop(room, conn, HANDLERS[audience], settings))
        sender = asyncio.create_task(_send_loop(websocket, outbox))
        outbox.on_overflow = sender.cancel  # a sender stuck on a client that stopped reading
        try:
            await asyncio.wait((reader, sender), return_when=asyncio.FIRST_COMPLETED)
        finally:
            reader.cancel()
            sender.cancel()
        if outbox.overflowed:
            await _shut(websocket, CLOSE_TOO_SLOW)
        elif room.deleted:
            await _shut(websocket, CLOSE_NO_ROOM)
    if not room.deleted:
        room.schedule_results()


async def _shut(websocket: WebSocket, code: int) -> None:
    """Close a socket from the server's side: one that fell too far behind (it reconnects and gets a fresh
    snapshot), or one whose room was deleted. A stuck client's send buffer may be full, so the close frame may
    never go out: give up after a moment; the server drops the connection when this handler returns."""
    with contextlib.suppress(Exception):
        await asyncio.wait_for(websocket.close(code), 2.0)


async def _send_loop(websocket: WebSocket, outbox: Outbox) -> None:
    with contextlib.suppress(WebSocketDisconnect, RuntimeError, OSError):  # the reader notices a disconnect too
        while (message := await outbox.get()) is not None:
            await websocket.send_text(message)


async def _read_loop(room: Room, conn: Connection, handlers: dict[str, Handler], settings: Settings) -> None:
    limit = RateLimit(settings.messages_per_second)
    websocket = conn.websocket
    while True:
        try:
            received = await websocket.receive()
        except (WebSocketDisconnect, RuntimeError):
            return
        if received["type"] == "websocket.disconnect":
            return
        raw = received.get("text") or received.get("bytes") or ""
        try:
            if len(raw) > settings.max_message_bytes:
                raise BadMessage("This message is too large.", "too_large")
            if not limit.allow():
                raise BadMessage("Too many messages at once. Wait a moment and try again.", "rate_limited")
            reply = await _handle(room, conn, handlers, raw)
        except RoomError as error:
            conn.error(error)
            continue
        except Exception:  # never let one message take the connection down
            log.exception("message handler failed")
            conn.error(RoomError("server_error", "Something went wrong. Please try again."))
            continue
        if reply:
            conn.send(reply)


async def _handle(
    room: Room, conn: Connection, handlers: dict[str, Handler], raw: str | bytes
) -> dict[str, Any] | None:
    try:
        message = loads(raw)
    except ValueError:  # not JSON, not UTF-8, or not text (lab.wire)
        raise BadMessage() from None
    if not isinstance(message, dict) or not isinstance(message.get("type"), str):
        raise BadMessage()
    kind = message["type"]
    handler = handlers.get(kind)
    if handler is None:
        if kind in ALL_TYPES:
            raise BadMessage("You may not do that here.", "not_allowed")
        raise BadMessage()
    return await handler(room, message, conn)
