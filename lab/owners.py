"""One room, several processes (LAB_BROKER_URL): which process owns each room, and how the others serve it.

- **One owner per room.** The process that owns a room holds it in memory (`Room`): it checks, commits and
  aggregates every answer, runs its countdowns, and publishes what screens show. Ownership is a lease in Redis,
  `lab:owner:<code>` = the process's name, taken with `SET NX` and an expiry of three beats, and renewed every beat
  (`lab.redis_hub.Leases`). A process that cannot renew it for two beats gives the room up by itself, a beat before
  another may take it, so two processes never act for one room at once. One that stops gives its rooms up at once.
- **Edges.** Any other process serves the room's sockets as an edge: a `RemoteRoom` forwards what a socket asks (to
  enter, a vote, an action) to the owner and awaits its answer, so "acknowledged means stored" holds unchanged: the
  owner answers after its commit. What the owner publishes reaches the edge's sockets through the hub. Requests for
  the room's pages and files are forwarded whole (`ToOwner`), so every page is the owner's.
- **Calls** travel on the hub: to the owner on the room's `calls` topic, answers (and messages for one participant)
  on the asking process's own topic. Calls made in one turn of the event loop travel as one message.
- **A new owner.** Every beat an edge reads who owns the rooms it serves. When the owner changed or is gone (it died,
  and its lease ran out), the edge closes the room's sockets ("try again"): phones reconnect, the first process
  asked for the room takes it over, loads it from the store and serves the current state. A vote the old owner did
  not acknowledge is sent again by the phone, and stored once (its id).

The order of what a socket receives: the owner builds a snapshot and publishes it (as the answer to `enter`) in one
step, in the same queue as the room's messages, and Redis delivers one process's messages in that order. What an
edge's socket received before its snapshot is therefore older than the snapshot, and is dropped (`Outbox.begin`).
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import logging
import re
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any

from starlette.responses import PlainTextResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from . import errors, i18n
from .errors import LabError, ServerError, Unavailable
from .hub import Hub
from .questions import JSON
from .rooms import Room, Watcher, Watchers, topic, unwatched
from .store import RoomRow
from .wire import dumps, loads

if TYPE_CHECKING:
    from .rooms import Rooms

log = logging.getLogger(__name__)

# A vote, an action: the owner answers within milliseconds, or seconds when it is overloaded (then waiting is better
# than the phone sending it again). An owner that died is noticed by its lease within seconds, and a lost Redis at
# once: both fail the calls waiting. This is the backstop for an answer lost otherwise.
CALL_TIMEOUT = 60.0
REQUEST_TIMEOUT = 120.0  # a page or a file (a report takes seconds)
MOST_BODY = 16 * 1024 * 1024  # a request body forwarded to the owner (the owner's own limits are lower)


class Exchange:
    """This process's calls to the owners of rooms it serves as an edge, and its answers to the calls for rooms it
    owns: one hub message per destination and turn of the event loop."""

    def __init__(self, hub: Hub, name: str, timeout: float = CALL_TIMEOUT) -> None:
        self.hub = hub
        self.name = name
        self.app: ASGIApp | None = None  # the application, for requests forwarded here (set by lab.app)
        self._timeout = timeout
        self._numbers = itertools.count(1)
        self._pending: dict[int, tuple[asyncio.Future[JSON], int]] = {}  # call -> (its answer, the room's id)
        self._outgoing: dict[str, list[JSON]] = {}  # topic -> items to send at the end of this turn
        self._flushing = False
        self._edges: dict[int, RemoteRoom] = {}  # room id -> the room served here as an edge
        self._desks: dict[int, Desk] = {}  # room id -> the room owned here
        self._stop: Callable[[], Awaitable[None]] | None = None

    async def start(self) -> None:
        self._stop = await self.hub.listen(f"process:{self.name}", self._received, self._lost)

    async def stop(self) -> None:
        for desk in list(self._desks.values()):
            await desk.close()
        if self._stop is not None:
            await self._stop()
        self._fail(lambda room_id: True)

    # -- as an edge -------------------------------------------------------------------------------------------------

    def edge(self, row: RoomRow) -> RemoteRoom:
        room = RemoteRoom(row, self)
        self._edges[room.id] = room
        return room

    def drop_edge(self, room: RemoteRoom) -> None:
        """The room has another owner (or none): its calls still waiting fail, and its sockets close."""
        room.moved = True
        if self._edges.get(room.id) is room:
            del self._edges[room.id]
        self._fail(lambda room_id: room_id == room.id)
        for audience in ("phone", "projector", "facilitator"):
            self.hub.close(room.topic(audience))

    async def call(self, room: RemoteRoom, method: str, *args: JSON, within: float | None = None) -> JSON:
        """Ask the room's owner; its answer, or the error it raised. Unavailable when it does not answer in time."""
        if room.moved or not self.hub.available:  # (what is sent while Redis is away is lost)
            raise Hub.unavailable()
        number = next(self._numbers)
        answer: asyncio.Future[JSON] = asyncio.get_running_loop().create_future()
        self._pending[number] = (answer, room.id)
        self._queue(topic(room.id, "calls"), ["call", number, method, list(args)])
        try:
            async with asyncio.timeout(within or self._timeout):
                return await answer
        except TimeoutError:
            raise Hub.unavailable() from None
        finally:
            self._pending.pop(number, None)

    def send(self, room: RemoteRoom, method: str, *args: JSON) -> None:
        """Tell the room's owner something that needs no answer."""
        if not room.moved:
            self._queue(topic(room.id, "calls"), ["send", method, list(args)])

    def _received(self, message: str) -> None:
        """Answers to this process's calls, and messages for one participant's sockets here."""
        for item in loads(message)["items"]:
            match item:
                case ["answer", int(number), bool(ok), value]:
                    pending = self._pending.get(number)
                    if pending is not None and not pending[0].done():
                        if ok:
                            pending[0].set_result(value)
                        else:
                            pending[0].set_exception(error_of(value))
                case ["tell", int(room_id), str(participant), dict(told)]:
                    if (room := self._edges.get(room_id)) is not None:
                        room.tell(participant, told)
                case ["kick", int(room_id), str(participant)]:
                    if (room := self._edges.get(room_id)) is not None:
                        room.kick(participant)

    def _lost(self) -> None:
        """The hub lost Redis: answers sent meanwhile are gone, so every call waiting fails now."""
        self._fail(lambda room_id: True)

    def _fail(self, which: Callable[[int], bool]) -> None:
        for answer, room_id in list(self._pending.values()):
            if which(room_id) and not answer.done():
                answer.set_exception(Hub.unavailable())

    # -- as an owner ------------------------------------------------------------------------------------------------

    async def serve(self, room: Room) -> None:
        desk = Desk(room, self)
        self._desks[room.id] = desk
        await desk.open()

    async def unserve(self, room: Room) -> None:
        desk = self._desks.pop(room.id, None)
        if desk is not None:
            await desk.close()

    def departed(self, process: str) -> None:
        """Another process went without saying so (killed, or cut off): the rooms owned here forget its sockets."""
        for desk in self._desks.values():
            desk.forget(process)

    def answer(self, process: str, item: JSON, at_once: bool = False) -> None:
        """Send an item to a process. `at_once`: into the hub's queue now, behind whatever the room published before
        (a snapshot must not overtake the room's messages, nor they it)."""
        where = f"process:{process}"
        if at_once:
            self._flush_one(where)
            self.hub.publish(where, dumps({"from": self.name, "items": [item]}))
        else:
            self._queue(where, item)

    # -- batching ---------------------------------------------------------------------------------------------------

    def _queue(self, where: str, item: JSON) -> None:
        self._outgoing.setdefault(where, []).append(item)
        if not self._flushing:
            self._flushing = True
            asyncio.get_running_loop().call_soon(self._flush)

    def _flush(self) -> None:
        self._flushing = False
        for where in list(self._outgoing):
            self._flush_one(where)

    def _flush_one(self, where: str) -> None:
        items = self._outgoing.pop(where, None)
        if items:
            self.hub.publish(where, dumps({"from": self.name, "items": items}))


class RemoteRoom:
    """A room another process owns, as this process's sockets reach it (`lab.rooms.RoomPort`)."""

    def __init__(self, row: RoomRow, exchange: Exchange) -> None:
        self.id = row.id
        self.code = row.code
        self.deleted = False
        self.moved = False
        self._exchange = exchange
        self._phones: Watchers = {}  # participant -> their sockets here
        self._pages: dict[str, tuple[float, asyncio.Future[bytes | None]]] = {}  # language -> (when asked, the page)

    def topic(self, audience: str) -> str:
        return topic(self.id, audience)

    async def enter(
        self, audience: str, participant: str | None, typed: str | None = None, home: str | None = None
    ) -> dict[str, JSON]:
        snapshot = await self._exchange.call(self, "enter", audience, participant, typed, home)
        assert isinstance(snapshot, dict)
        return snapshot

    def participants_changed(self) -> None:
        """Nothing to forward: the owner learns the counts of other processes' phones from the hub's presence, and
        its screens follow when they change (`Rooms.counted`)."""

    async def vote(self, participant: str, vote_id: str, question: int, round_: int, value: object) -> tuple[JSON, str]:
        answer = await self._exchange.call(self, "vote", participant, vote_id, question, round_, value)
        assert isinstance(answer, list)
        return answer[0], str(answer[1])

    def react(self, participant: str, reaction: object) -> None:
        self._exchange.send(self, "react", participant, reaction)

    def watch(self, participant: str, watcher: Watcher) -> None:
        self._phones.setdefault(participant, set()).add(watcher)

    def unwatch(self, participant: str, watcher: Watcher) -> None:
        unwatched(self._phones, participant, watcher)
        self._exchange.send(self, "leave", participant)  # entered at the owner, which told this socket since

    def tell(self, participant: str, message: dict[str, JSON]) -> None:
        for watcher in list(self._phones.get(participant, ())):
            watcher.tell(message)

    def kick(self, participant: str) -> None:
        for watcher in list(self._phones.get(participant, ())):
            watcher.kick()

    async def act(self, action: str, params: Mapping[str, Any]) -> None:
        await self._exchange.call(self, "act", action, dict(params))

    async def set_nickname(self, participant: str, nickname: object) -> str:
        return str(await self._exchange.call(self, "set_nickname", participant, nickname))

    async def ask_as(self, participant: str, key: str, question: int, text: object, named: object) -> dict[str, JSON]:
        post = await self._exchange.call(self, "ask_as", participant, key, question, text, named)
        assert isinstance(post, dict)
        return post

    async def upvote(self, participant: str, question: int, round_: int, item: object, up: object) -> bool:
        return bool(await self._exchange.call(self, "upvote", participant, question, round_, item, up))

    async def kept_page(self, lang: str) -> bytes | None:
        """The phone's page as the owner keeps it for this language (lab.pages), for this edge to put each phone's
        own values in; asked for once every PAGE_KEPT seconds, however many phones arrive. None: the owner serves
        this room's phones a page of their own (a room for members), or cannot be reached now."""
        kept = self._pages.get(lang)
        now = time.monotonic()
        if kept is None or now - kept[0] > PAGE_KEPT:
            kept = self._pages[lang] = (now, asyncio.ensure_future(self._kept_page(lang)))
        page = await asyncio.shield(kept[1])
        if page is None and self._pages.get(lang) is kept:
            del self._pages[lang]  # asked again by the next phone
        return page

    async def _kept_page(self, lang: str) -> bytes | None:
        request: dict[str, JSON] = {
            "http_version": "1.1", "method": "GET", "scheme": "http", "path": f"/r/{self.code}", "query_string": "",
            "headers": [["accept-language", lang], [KEPT_PAGE, "1"]], "client": None, "server": None, "body": "",
        }  # fmt: skip
        try:
            status, _, content = await self.forward(request)
        except LabError:
            return None
        return base64.b64decode(str(content)) if status == 200 else None

    async def forward(self, request: dict[str, JSON]) -> list[JSON]:
        """A request for one of the room's pages, answered by the owner: [status, headers, body in base64]."""
        response = await self._exchange.call(self, "request", request, within=REQUEST_TIMEOUT)
        assert isinstance(response, list)
        return response


class _Told:
    """A participant's sockets on one edge, as the owner's room reaches them (`lab.rooms.Watcher`)."""

    __slots__ = ("count", "edge", "exchange", "participant", "room_id")

    def __init__(self, exchange: Exchange, edge: str, room_id: int, participant: str) -> None:
        self.exchange = exchange
        self.edge = edge
        self.room_id = room_id
        self.participant = participant
        self.count = 0

    def tell(self, message: dict[str, JSON]) -> None:
        self.exchange.answer(self.edge, ["tell", self.room_id, self.participant, message])

    def kick(self) -> None:
        self.exchange.answer(self.edge, ["kick", self.room_id, self.participant])


class Desk:
    """The owner's side of a room's calls: carries each out on the `Room`, and answers the process that asked."""

    def __init__(self, room: Room, exchange: Exchange) -> None:
        self.room = room
        self._exchange = exchange
        self._stop: Callable[[], Awaitable[None]] | None = None
        self._told: dict[tuple[str, str], _Told] = {}  # (edge, participant) -> its sockets there
        self._forgotten: Counter[str] = Counter()  # edge -> how often it was forgotten (an enter spans a forget)
        self._tasks: set[asyncio.Task[None]] = set()

    async def open(self) -> None:
        self._stop = await self._exchange.hub.listen(topic(self.room.id, "calls"), self._received)
        self._exchange.hub.backend.follow(self.room.topic("phone"))  # the phones on edges count too

    async def close(self) -> None:
        self._exchange.hub.backend.unfollow(self.room.topic("phone"))
        if self._stop is not None:
            await self._stop()
            self._stop = None
        for told in self._told.values():
            self.room.unwatch(told.participant, told)
        self._told.clear()

    def _received(self, message: str) -> None:
        batch = loads(message)
        edge = batch["from"]
        for item in batch["items"]:
            match item:
                case ["call", int(number), str(method), list(args)]:
                    task = asyncio.create_task(self._answer(edge, number, method, args))
                    self._tasks.add(task)
                    task.add_done_callback(self._tasks.discard)
                case ["send", "react", [str(participant), reaction]]:
                    self.room.react(participant, reaction)
                case ["send", "leave", [str(participant)]]:
                    self._leave(edge, participant)

    async def _answer(self, edge: str, number: int, method: str, args: list[JSON]) -> None:
        room = self.room
        at_once = False
        try:
            match method, args:
                case "enter", [str(audience), participant, typed, home]:
                    forgotten = self._forgotten[edge]
                    value: JSON = await room.enter(audience, participant, typed, home)
                    if isinstance(participant, str) and self._forgotten[edge] == forgotten:  # not forgotten meanwhile
                        self._enter(edge, participant)
                    at_once = True  # behind the room's messages before it, ahead of those after it
                case "vote", [str(participant), str(vote_id), int(question), int(round_), value]:
                    value = list(await room.vote(participant, vote_id, question, round_, value))
                case "act", [str(action), dict(params)]:
                    value = await room.act(action, params)  # type: ignore[func-returns-value]
                case "set_nickname", [str(participant), nickname]:
                    value = await room.set_nickname(participant, nickname)
                case "ask_as", [str(participant), str(key), int(question), text, named]:
                    value = await room.ask_as(participant, key, question, text, named)
                case "upvote", [str(participant), int(question), int(round_), item, up]:
                    value = await room.upvote(participant, question, round_, item, up)
                case "request", [dict(request)]:
                    value = await self._request(request)
                case _:
                    raise errors.BadMessage()
        except LabError as error:
            self._exchange.answer(edge, ["answer", number, False, error_json(error)])
            return
        except Exception:  # as in a socket of this process: logged, and the phone keeps its vote to send again
            log.exception("call %s for room %s failed", method, room.code)
            self._exchange.answer(edge, ["answer", number, False, error_json(ServerError())])
            return
        self._exchange.answer(edge, ["answer", number, True, value], at_once)

    def _enter(self, edge: str, participant: str) -> None:
        told = self._told.get((edge, participant))
        if told is None:
            told = self._told[edge, participant] = _Told(self._exchange, edge, self.room.id, participant)
            self.room.watch(participant, told)
        told.count += 1

    def forget(self, edge: str) -> None:
        """An edge went without its phones leaving one by one: whatever the room still has to tell them goes nowhere."""
        self._forgotten[edge] += 1
        for key in [key for key in self._told if key[0] == edge]:
            self.room.unwatch(key[1], self._told.pop(key))

    def _leave(self, edge: str, participant: str) -> None:
        told = self._told.get((edge, participant))
        if told is not None:
            told.count -= 1
            if told.count <= 0:
                del self._told[edge, participant]
                self.room.unwatch(participant, told)

    async def _request(self, request: dict[str, Any]) -> list[JSON]:
        """Run a request forwarded by an edge through this process's application, as if it had come here."""
        app = self._exchange.app
        assert app is not None
        scope_type = "http"  # (an ASGI scope, not one of lab's messages)
        scope: Scope = {
            "type": scope_type,
            "asgi": {"version": "3.0", "spec_version": "2.3"},
            "http_version": request["http_version"],
            "method": request["method"],
            "scheme": request["scheme"],
            "path": request["path"],
            "raw_path": request["path"].encode(),
            "query_string": request["query_string"].encode("latin-1"),
            "root_path": "",
            "headers": [(k.encode("latin-1"), v.encode("latin-1")) for k, v in request["headers"]],
            "client": tuple(request["client"]) if request["client"] else None,
            "server": tuple(request["server"]) if request["server"] else None,
            "state": {},
            FORWARDED: True,
        }
        body = base64.b64decode(request["body"])
        sent = False
        ended = asyncio.Event()

        async def receive() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            await ended.wait()  # a response that listens for the client going away: it stays until the end
            return {"type": "http.disconnect"}

        status = 500
        headers: list[JSON] = []
        chunks: list[bytes] = []

        async def send(message: Message) -> None:
            nonlocal status, headers
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [[k.decode("latin-1"), v.decode("latin-1")] for k, v in message.get("headers", [])]
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    ended.set()

        await app(scope, receive, send)
        return [status, headers, base64.b64encode(b"".join(chunks)).decode()]


FORWARDED = "lab.forwarded"  # in the scope of a request an edge forwarded: served here, never forwarded again
KEPT_PAGE = "lab-kept-page"  # a header of an edge's own request for the phone's page as kept (RemoteRoom.kept_page)
PAGE_KEPT = 5.0  # seconds an edge keeps it: a change of the room's title reaches new phones on edges within this
ROOM_PATH = re.compile(r"/(?:r|p|f|api/rooms)/(\d{6,12})(?:/|$)")


class ToOwner:
    """Requests for a room another process owns go to that process (LAB_BROKER_URL): the page a phone loads, the
    console and its files, the API. Everything else is served here."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    def __call__(self, scope: Scope, receive: Receive, send: Send) -> Awaitable[None]:
        """(The next layer's own coroutine for what stays here: no frame of this one for a socket's whole life.)"""
        match = ROOM_PATH.match(scope["path"]) if scope["type"] == "http" and FORWARDED not in scope else None
        rooms: Rooms | None = scope["app"].state.rooms if match else None
        if match is None or rooms is None or not rooms.shared:
            return self.app(scope, receive, send)
        return self._forward(rooms, match[1], scope, receive, send)

    async def _forward(self, rooms: Rooms, code: str, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            room = await rooms.remote(code)
        except LabError as error:  # who owns the room cannot be known now
            await _error(scope, error)(scope, receive, send)
            return
        if room is None or (scope["method"] == "GET" and scope["path"] == f"/r/{code}" and not scope["query_string"]):
            await self.app(scope, receive, send)  # owned here (or no such room); or the phone's page (lab.pages)
            return
        try:
            body = await _body(receive)
        except LabError as error:
            await _error(scope, error)(scope, receive, send)
            return
        await (await from_owner(room, scope, body))(scope, receive, send)


async def from_owner(room: RemoteRoom, scope: Scope, body: bytes) -> Response:
    """The owner's response to a request for one of its room's pages (or a plain page that says why there is none)."""
    request: dict[str, JSON] = {
        "http_version": scope.get("http_version", "1.1"),
        "method": scope["method"],
        "scheme": scope.get("scheme", "http"),
        "path": scope["path"],
        "query_string": scope.get("query_string", b"").decode("latin-1"),
        "headers": [[k.decode("latin-1"), v.decode("latin-1")] for k, v in scope["headers"]],
        "client": list(scope["client"]) if scope.get("client") else None,
        "server": list(scope["server"]) if scope.get("server") else None,
        "body": base64.b64encode(body).decode(),
    }
    try:
        status, headers, content = await room.forward(request)
    except LabError as error:  # the owner is out of reach
        return _error(scope, error)
    assert isinstance(status, int) and isinstance(headers, list) and isinstance(content, str)
    response = Response(base64.b64decode(content), status)
    response.raw_headers = [(str(k).encode("latin-1"), str(v).encode("latin-1")) for k, v in headers]
    return response


async def _body(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ServerError()
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MOST_BODY:
            raise errors.TooLarge()
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def _error(scope: Scope, error: LabError) -> Response:
    """A forwarded request that could not be answered: a plain page that says why, in the browser's language (in the
    owner's absence there is no page to draw it in)."""
    accept = dict(scope["headers"]).get(b"accept-language", b"").decode("latin-1")
    text = i18n.translate(i18n.choose(accept, None), error.msgid, error.params)
    status = 503 if isinstance(error, Unavailable) else error.status
    return PlainTextResponse(text, status, headers={"Retry-After": "2"})


def error_json(error: LabError) -> dict[str, JSON]:
    return {"error": type(error).__name__, "msgid": error.msgid, "params": error.params}


def error_of(value: JSON) -> LabError:
    """The error an owner raised, raised again here."""
    if isinstance(value, dict):
        kind = _error_classes().get(str(value.get("error")))
        msgid, params = value.get("msgid"), value.get("params")
        if kind is not None and isinstance(msgid, str) and isinstance(params, dict):
            return kind(msgid, **params)
    return ServerError()


def _error_classes() -> dict[str, type[LabError]]:
    found: dict[str, type[LabError]] = {}
    todo: list[type[LabError]] = [LabError]
    while todo:
        kind = todo.pop()
        found[kind.__name__] = kind
        todo.extend(kind.__subclasses__())
    return found
