"""Websocket endpoints: phones, the projector and the facilitator console (protocol: docs/api.md).

Each socket is served in the one task the server gives it: it reads a message, calls the room through its port,
and puts the reply in the socket's bounded outbox, which writes it at once (lab.hub.Outbox; so do messages
published to the room). A socket that falls too far behind is closed and resyncs on reconnect. Bad input is
answered with an `error` message and changes nothing; the connection carries on. Reading or writing that fails
unexpectedly is logged and the socket closed with 1011, so nothing dies silently.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import re
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket, WebSocketState

from . import access, i18n
from .errors import (
    N_,
    BadMessage,
    CodeNeeded,
    Forbidden,
    LabError,
    NoParticipant,
    NotAllowed,
    NotFound,
    RateLimited,
    Removed,
    ServerError,
    TooLarge,
    TooManyConnections,
    Unavailable,
)  # fmt: skip
from .hub import Hub, Outbox, Write
from .rooms import Room, RoomPort
from .server import LeanWebSockets
from .settings import Settings
from .wire import dumps, loads

log = logging.getLogger(__name__)

VOTE_ID = re.compile(r"[A-Za-z0-9_-]{8,64}")
CLOSE_TOO_SLOW = 4408
CLOSE_FAILED = 1011  # the server failed (a task that should not end did)
CLOSE_TRY_AGAIN = 1013  # the link between lab's processes is broken: the client comes back in a moment


class RateLimit:
    """A token bucket: `rate` messages a second on average, bursts of `burst` (twice the rate unless given)."""

    __slots__ = ("burst", "clock", "rate", "stamp", "tokens")  # three per socket

    def __init__(self, rate: float, clock: Callable[[], float] = time.monotonic, burst: float | None = None) -> None:
        self.rate = rate
        self.burst = 2 * rate if burst is None else burst
        self.tokens = self.burst
        self.clock = clock
        self.stamp = clock()

    def allow(self) -> bool:
        now = self.clock()
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True


@dataclass(frozen=True)
class Who:
    participant: str | None
    lang: str
    grant: tuple[str | None, str | None]  # in a room for members only: lab.access.member_grant


class Connection:
    """One open socket: who it is, its outbox and its language."""

    __slots__ = ("_asks", "_upvotes", "lang", "outbox", "participant", "settings")

    def __init__(self, outbox: Outbox, who: Who, settings: Settings) -> None:
        self.outbox = outbox
        self.lang = who.lang
        self.participant = who.participant
        self.settings = settings
        # What a thumb does, with room to spare; more is refused before anything is written, so nobody can keep the
        # writer busy from a script: upvotes a few times a second, a question to a Q&A every few seconds. Each
        # bucket is made on first use: most phones never ask or upvote, and each bucket would stay for the socket's
        # whole life.
        self._upvotes: RateLimit | None = None
        self._asks: RateLimit | None = None

    def may_upvote(self) -> bool:
        if self._upvotes is None:
            self._upvotes = RateLimit(self.settings.upvotes_per_second)
        return self._upvotes.allow()

    def may_ask(self) -> bool:
        if self._asks is None:
            asks = self.settings.questions_per_minute / 60
            self._asks = RateLimit(asks, burst=max(3.0, 2 * asks))
        return self._asks.allow()

    def send(self, message: dict[str, Any]) -> None:
        self.outbox.put(dumps(message))

    def error(self, error: LabError, **extra: Any) -> None:
        self.send(_error_message(error, self.lang, **extra))


def _error_message(error: LabError, lang: str, **extra: Any) -> dict[str, Any]:
    text = i18n.translate(lang, error.msgid, error.params)
    return {"type": "error", "error": error.code, "message": text, **extra}


Handler = Callable[[RoomPort, dict[str, Any], Connection], Awaitable[dict[str, Any] | None]]


# -- handlers ----------------------------------------------------------------------------------------------------


async def _ping(room: RoomPort, message: dict[str, Any], conn: Connection) -> dict[str, Any]:
    return {"type": "pong"}


async def _vote(room: RoomPort, message: dict[str, Any], conn: Connection) -> dict[str, Any] | None:
    vote_id = message.get("id")
    if not isinstance(vote_id, str) or not VOTE_ID.fullmatch(vote_id):
        raise BadMessage(N_("This answer has no valid id."))
    if not _is_int(message.get("question")) or not _is_int(message.get("round")) or "value" not in message:
        raise BadMessage()
    question: int = message["question"]
    round_: int = message["round"]
    assert conn.participant is not None
    try:
        value, status = await room.vote(conn.participant, vote_id, question, round_, message["value"])
    except LabError as error:
        conn.error(error, id=vote_id)
        return None
    except Exception:  # unknown whether it is stored: the phone keeps it and may send it again at once
        log.exception("vote %s failed", vote_id)
        conn.error(ServerError(), id=vote_id)
        return None
    return {"type": "ack", "id": vote_id, "question": question, "round": round_, "value": value, "status": status}


async def _ask(room: RoomPort, message: dict[str, Any], conn: Connection) -> dict[str, Any] | None:
    key = message.get("id")
    if not isinstance(key, str) or not VOTE_ID.fullmatch(key):
        raise BadMessage(N_("This question has no valid id."))
    if not _is_int(message.get("question")):
        raise BadMessage()
    assert conn.participant is not None
    if not conn.may_ask():
        conn.error(RateLimited(), id=key)
        return None
    try:
        post = await room.ask_as(conn.participant, key, message["question"], message.get("text"), message.get("named"))
    except LabError as error:
        conn.error(error, id=key)
        return None
    return {"type": "asked", "id": key, "post": post}


async def _upvote(room: RoomPort, message: dict[str, Any], conn: Connection) -> dict[str, Any]:
    question, round_, item, up = (message.get(k) for k in ("question", "round", "item", "up"))
    if not _is_int(question) or not _is_int(round_):
        raise BadMessage()
    if not conn.may_upvote():
        raise RateLimited()
    assert conn.participant is not None
    await room.upvote(conn.participant, question, round_, item, up)  # type: ignore[arg-type]
    return {"type": "upvoted", "question": question, "round": round_, "item": item, "up": up}


async def _react(room: RoomPort, message: dict[str, Any], conn: Connection) -> None:
    assert conn.participant is not None
    room.react(conn.participant, message.get("reaction"))


async def _nickname(room: RoomPort, message: dict[str, Any], conn: Connection) -> None:
    assert conn.participant is not None
    await room.set_nickname(conn.participant, message.get("nickname"))


def _action(name: str) -> Handler:
    async def handle(room: RoomPort, message: dict[str, Any], conn: Connection) -> None:
        await room.act(name, message)

    return handle


HANDLERS: dict[str, dict[str, Handler]] = {
    "phone": {"ping": _ping, "vote": _vote, "nickname": _nickname, "react": _react, "ask": _ask, "upvote": _upvote},
    "projector": {"ping": _ping},
    "facilitator": {"ping": _ping, **{name: _action(name) for name in sorted(Room.ACTIONS)}},
}
"""Every client-to-server message type, by audience. docs/api.md must describe each (a test checks)."""

ALL_TYPES = {name for handlers in HANDLERS.values() for name in handlers}


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


# -- endpoints ---------------------------------------------------------------------------------------------------

SOCKET_PATH = re.compile(r"/ws/([rpf])/([^/]+)")
AUDIENCES = {"r": "phone", "p": "projector", "f": "facilitator"}


def is_socket(path: str) -> bool:
    """Whether `path` is a room's socket (`/ws/r|p|f/<code>`: a phone, the projector, the console)."""
    return SOCKET_PATH.fullmatch(path) is not None


class Sockets:
    """Every room's socket as one plain ASGI app: what the router calls for `/ws/...`, and what lab.app calls straight,
    past Starlette's layers. It returns the socket's coroutine rather than awaiting it, so the socket's whole life
    keeps no frame of its own."""

    def __call__(self, scope: Scope, receive: Receive, send: Send) -> Coroutine[Any, Any, None]:
        match = SOCKET_PATH.fullmatch(scope["path"])
        assert match is not None, "routed here by its path"
        return _serve(scope, receive, send, AUDIENCES[match[1]], match[2])


SOCKETS = Sockets()


def _origin_ok(scope: Scope) -> bool:
    """Browsers always send Origin on a websocket upgrade; it must be this site, scheme included (no cross-site
    sockets, and no plain-http page steering an https server's room). Read from the scope's headers in one pass:
    Starlette's `headers.get` raises and catches a KeyError for a header that is absent, once per phone."""
    headers: dict[bytes, bytes] = dict(scope["headers"])
    origin = headers.get(b"origin")
    if origin is None:
        return True  # not a browser (a script or a test client): cookies are what protect the room
    parts = urlsplit(origin.decode("latin-1"))
    scheme = "https" if scope.get("scheme") in ("wss", "https") else "http"
    return parts.scheme == scheme and parts.netloc == headers.get(b"host", b"").decode("latin-1")


EXPLAINED = (Removed, CodeNeeded, TooManyConnections, Unavailable)
"""Refusals a phone shows in words (the others it handles by itself: a new id, a reload, a reconnection)."""


async def _refuse(websocket: WebSocket, error: LabError, lang: str) -> None:
    """Accept, then close with the error's code (a browser never sees an HTTP refusal's status). A socket that is
    refused after accepting (the hub went away) closes too."""
    if websocket.client_state == WebSocketState.CONNECTING:
        await websocket.accept()
        if isinstance(error, EXPLAINED):
            await websocket.send_text(dumps(_error_message(error, lang)))
    if isinstance(error, Unavailable):  # the link between lab's processes: the client comes back in a moment
        close = CLOSE_TRY_AGAIN
    elif isinstance(error, CodeNeeded):
        close = Forbidden.close or CLOSE_FAILED
    else:
        close = error.close or CLOSE_FAILED
    await _shut(websocket, close)


async def _serve(scope: Scope, receive: Receive, send: Send, audience: str, code: str) -> None:
    websocket = WebSocket(scope, receive, send)  # for the handshake, the session and the close
    if not _origin_ok(scope):
        await websocket.close(Forbidden.close or CLOSE_FAILED)  # before accepting: the handshake fails with 403
        return
    state = websocket.app.state
    settings: Settings = state.settings
    session = websocket.session
    lang = i18n.current.get()  # chosen for this socket by the Language middleware
    try:
        room = await state.rooms.port(code)  # here, or owned by another process
    except Unavailable as error:  # which process owns the room cannot be known now
        await _refuse(websocket, error, lang)
        return
    if room is None:
        await _refuse(websocket, NotFound(), lang)
        return
    participant = None
    if audience == "phone":
        participant = access.participant_id(session, room)
        if participant is None:
            await _refuse(websocket, NoParticipant(), lang)
            return
    elif not access.has_role(session, room, "facilitator" if audience == "facilitator" else "projector"):
        await _refuse(websocket, Forbidden(), lang)
        return
    if not state.hub.available:
        await _refuse(websocket, state.hub.unavailable(), lang)
        return
    address = websocket.client.host if websocket.client else ""
    per_address: Counter[str] = state.connections
    per_participant: Counter[str] = state.participant_sockets
    if per_address[address] >= settings.connections_per_address or (
        participant is not None and per_participant[participant] >= settings.sockets_per_participant
    ):
        await _refuse(websocket, TooManyConnections(), lang)
        return
    per_address[address] += 1
    if participant is not None:
        per_participant[participant] += 1
    who = Who(participant, lang, access.member_grant(session, room) if participant is not None else (None, None))
    try:
        await _run(websocket, receive, send, room, audience, who, state.hub, settings)
    except Unavailable as error:  # the hub lost the other processes just now: come back in a moment
        await _refuse(websocket, error, lang)
    finally:
        _release(per_address, address)
        if participant is not None:
            _release(per_participant, participant)


def _release(counter: Counter[str], key: str) -> None:
    counter[key] -= 1
    if counter[key] <= 0:
        del counter[key]


async def _run(
    websocket: WebSocket,
    receive: Receive,
    send: Send,
    room: RoomPort,
    audience: str,
    who: Who,
    hub: Hub,
    settings: Settings,
) -> None:
    """Let a socket into its room and serve it until it or its room goes away. Its messages are read in this task
    (the server's own for the socket) and written as they come (lab.hub.Outbox): no other task per socket. Once
    accepted, both go through the server's own `receive` and `send`, not Starlette's checks around them (the
    busiest calls a socket makes)."""
    topic = room.topic(audience)
    outbox = await hub.enter(topic)  # (rather than `async with hub.subscribe`: see Hub.enter)
    try:
        try:  # subscribed first: nothing published after the snapshot is missed
            snapshot = await room.enter(audience, who.participant, *who.grant)
        except LabError as error:  # removed, no member code, the room deleted or its owner out of reach
            await _refuse(websocket, error, who.lang)
            return
        await websocket.accept()
        conn = Connection(outbox, who, settings)
        outbox.begin(dumps(snapshot))
        del snapshot
        socket = _Socket(conn)
        outbox.start(_writer(send), socket.stop, GONE)
        room.participants_changed()
        if who.participant is not None:
            room.watch(who.participant, socket)
        try:
            await socket.read(receive, room, HANDLERS[audience], settings)
        finally:
            ended_by_server = outbox.closed and outbox.failure is None  # the hub closed it (the room went, a lost link)
            outbox.close()  # nothing more is written: the close frame is the last
            if who.participant is not None:
                room.unwatch(who.participant, socket)
        if outbox.failure is not None:
            log.error("writing to a socket failed; closing the socket", exc_info=outbox.failure)
        if socket.removed:
            with contextlib.suppress(Exception):  # told why, then closed: the phone does not come back
                await asyncio.wait_for(websocket.send_text(dumps(_error_message(Removed(), who.lang))), 1.0)
            await _shut(websocket, Removed.close or CLOSE_FAILED)
        elif socket.failed or outbox.failure is not None:
            await _shut(websocket, CLOSE_FAILED)
        elif outbox.overflowed:
            await _shut(websocket, CLOSE_TOO_SLOW)
        elif room.deleted:
            await _shut(websocket, NotFound.close or CLOSE_FAILED)
        elif room.moved or not hub.available or ended_by_server:  # to the room's owner, once Redis is back, or anew
            await _shut(websocket, CLOSE_TRY_AGAIN)
    finally:
        await hub.leave(topic, outbox)
    if not room.deleted and not room.moved:
        room.participants_changed()


GONE = (OSError, RuntimeError)
"""What the server's `send` raises once the client has gone: uvicorn's ClientDisconnected (an OSError), or, after it
closed the connection itself (a keepalive ping not answered, a frame it could not parse), a RuntimeError for any
message after its close (ASGI's rule)."""


def _writer(send: Send) -> Write:
    """How a socket's outbox writes: with the server's own write when it has one (lab.server.LeanWebSockets, whose
    `send` this is), else through the ASGI `send`."""
    protocol = getattr(send, "__self__", None)
    if isinstance(protocol, LeanWebSockets):
        return protocol.write_text
    return functools.partial(_write, send)


def _write(send: Send, text: str) -> Coroutine[Any, Any, None]:
    """A message to the socket, as the ASGI server takes it (the one frame between the outbox and uvicorn)."""
    return send({"type": "websocket.send", "text": text})  # type: ignore[return-value]


class _Socket:
    """A socket once it is let in: it reads in the task it was opened in, and is what the room reaches its
    participant with (`tell`, `kick`). `stop` ends the reading from outside (the participant removed, the outbox
    overflowed or closed), by cancelling that task once and taking the cancellation back when reading ends. One per
    socket, so small."""

    __slots__ = ("conn", "failed", "reading", "removed", "stopped", "task")

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.task = asyncio.current_task()
        self.reading = False
        self.stopped = False
        self.removed = False
        self.failed = False

    def tell(self, message: dict[str, Any]) -> None:
        self.conn.send(message)

    def kick(self) -> None:
        """The facilitator removed this participant from the room: stop reading, then say why and close."""
        self.removed = True
        self.stop()

    def stop(self) -> None:
        if self.stopped:
            return
        self.stopped = True
        # From another task (the room, a publisher), the reading is cancelled. From this socket's own task (a reply
        # it wrote failed), the loop sees `stopped` before it reads again: cancelling the running task would be
        # felt at its next wait, after the reading, wherever that is.
        if self.reading and self.task is not None and self.task is not asyncio.current_task():
            self.task.cancel()

    def _took_back(self) -> bool:
        """Whether the cancellation that ended the reading was `stop`'s alone (then it is taken back); if something
        else cancelled the task too, theirs goes on."""
        return self.stopped and self.task is not None and self.task.uncancel() == 0

    async def read(self, receive: Receive, room: RoomPort, handlers: dict[str, Handler], settings: Settings) -> None:
        """Serve the client's messages until it goes or `stop` is called."""
        limit = RateLimit(settings.messages_per_second)
        conn = self.conn
        self.reading = True
        try:
            while not self.stopped:
                received = await receive()
                if received["type"] != "websocket.receive":  # websocket.disconnect: the client went
                    return
                raw = received.get("text") or received.get("bytes") or ""
                del received  # (not kept alive while the message waits for its commit: see `_handler`)
                try:
                    if not limit.allow():  # every frame counts, the oversized and the unreadable too
                        raise RateLimited()
                    if len(raw) > settings.max_message_bytes:
                        raise TooLarge(N_("This message is too large."))
                    handler, message = _handler(handlers, raw)
                    reply = await handler(room, message, conn)
                except LabError as error:
                    conn.error(error)
                    continue
                except Exception:  # never let one message take the connection down
                    log.exception("message handler failed")
                    conn.error(ServerError())
                    continue
                if reply:
                    conn.send(reply)
        except asyncio.CancelledError:
            if not self._took_back():
                raise
        except Exception:
            log.exception("reading a socket failed; closing the socket")
            self.failed = True
        finally:
            self.reading = False


async def _shut(websocket: WebSocket, code: int) -> None:
    """Close a socket from the server's side: one that fell too far behind (it reconnects and gets a fresh
    snapshot), one whose room was deleted, or one whose task failed. A stuck client's send buffer may be full, so
    the close frame may never go out: give up after a moment; the server drops the connection when the handler
    returns."""
    with contextlib.suppress(Exception):
        await asyncio.wait_for(websocket.close(code), 2.0)


def _handler(handlers: dict[str, Handler], raw: str | bytes) -> tuple[Handler, dict[str, Any]]:
    """The message a client sent, and the handler for its type. (A plain function, and the read loop awaits the
    handler itself: at a vote burst thousands of votes wait for their commit at once, and every object each keeps
    alive meanwhile, a coroutine around the handler or the server's event, is walked by every young collection.)"""
    try:
        message = loads(raw)
    except ValueError:  # not JSON, not UTF-8, or not text (lab.wire)
        raise BadMessage() from None
    if not isinstance(message, dict) or not isinstance(message.get("type"), str):
        raise BadMessage()
    kind = message["type"]
    handler = handlers.get(kind)
    if handler is None:
        raise NotAllowed() if kind in ALL_TYPES else BadMessage()
    return handler, message
