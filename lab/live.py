"""Websocket endpoints: phones, the projector and the facilitator console (protocol: docs/api.md).

Each socket has one reader (this coroutine: parse, call the domain, queue the reply) and one sender task that
drains the socket's bounded outbox. A socket that falls too far behind is closed and resyncs on reconnect.
Bad input is answered with an `error` message and changes nothing; the connection carries on.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from . import access, i18n
from .hub import Outbox
from .rooms import Room, RoomError
from .settings import Settings

log = logging.getLogger(__name__)

VOTE_ID = re.compile(r"[A-Za-z0-9_-]{8,64}")
CLOSE_NO_GRANT, CLOSE_NO_ROOM, CLOSE_NO_PARTICIPANT, CLOSE_TOO_SLOW = 4403, 4404, 4400, 4408


class BadMessage(RoomError):
    def __init__(self, msgid: str = "This message was not understood.", code: str = "bad_message") -> None:
        super().__init__(code, msgid)


def _dumps(message: dict[str, Any]) -> str:
    return json.dumps(message, ensure_ascii=False, separators=(",", ":"))


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


class Connection:
    """One open socket: who it is, its outbox and its language."""

    def __init__(self, websocket: WebSocket, outbox: Outbox, lang: str, participant: str | None) -> None:
        self.websocket = websocket
        self.outbox = outbox
        self.lang = lang
        self.participant = participant

    def send(self, message: dict[str, Any]) -> None:
        self.outbox.put(_dumps(message))

    def error(self, error: RoomError, **extra: Any) -> None:
        text = i18n.translate(self.lang, error.msgid, error.params)
        self.send({"type": "error", "error": error.code, "message": text, **extra})


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
    participant = None
    refusal = None
    session = websocket.session
    if room is None:
        refusal = CLOSE_NO_ROOM
    elif audience == "phone":
        participant = access.participant_id(session, room)
        if participant is None:
            refusal = CLOSE_NO_PARTICIPANT
    elif not access.has_role(session, room, "facilitator" if audience == "facilitator" else "projector"):
        refusal = CLOSE_NO_GRANT
    if room is None or refusal is not None:
        await websocket.accept()  # then close with a code the page can act on (a browser never sees a 403)
        await websocket.close(refusal)
        return
    if participant is not None:
        await room.join(participant)
    lang = i18n.choose(websocket.headers.get("accept-language", ""), session.get("lang"))
    nickname = (await state.db.nickname(participant) or "") if participant else ""
    await websocket.accept()
    async with state.hub.subscribe(room.topic(audience)) as outbox:
        conn = Connection(websocket, outbox, lang, participant)
        conn.send(room.snapshot(audience, participant, nickname))
        room.schedule_results()  # the participant count changed
        sender = asyncio.create_task(_send_loop(websocket, outbox))
        try:
            await _read_loop(room, conn, HANDLERS[audience], state.settings)
        finally:
            sender.cancel()
    room.schedule_results()


async def _send_loop(websocket: WebSocket, outbox: Outbox) -> None:
    try:
        while (message := await outbox.get()) is not None:
            await websocket.send_text(message)
        if outbox.overflowed and websocket.application_state == WebSocketState.CONNECTED:
            await websocket.close(CLOSE_TOO_SLOW)  # too far behind: it reconnects and gets a snapshot
    except (WebSocketDisconnect, RuntimeError, OSError):
        pass  # the reader notices the disconnect too


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
        message = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
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
