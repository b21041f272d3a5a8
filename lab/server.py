"""How lab runs on uvicorn: one configuration for `lab serve` and the tests, and guards on every HTTP connection.

uvicorn bounds keep-alive time but not how long a client may take to send its request, how large the request
line and headers may grow, or how many unfinished connections one address may hold. Without those bounds one
machine on the venue wifi could hold every file descriptor (1,100 half-open connections under a 1,024 open-files
limit made every honest request fail) or hundreds of megabytes (20 unfinished 20 MiB headers took 490 MB). The
`GuardedHttp` protocol adds the three, for every connection, before the request reaches the application:
- a connection must send each request (headers and body) within `header_timeout_s`, or it is closed;
- request line plus headers over `max_header_bytes` get `431` and the connection is closed, read no further;
- an address may hold at most `pending_per_address` connections in the middle of sending a request; further ones
  are closed at once. (Once a request is in, or a websocket's headers, the application limits it: websockets per
  address and per participant, message rates, body sizes.)
"""

from __future__ import annotations

import asyncio
import functools
import resource
import socket
from collections import Counter
from collections.abc import Callable, Coroutine, Sequence
from typing import Any

import uvicorn
from starlette.applications import Starlette
from uvicorn._types import ASGI3Application, ASGIReceiveEvent
from uvicorn.protocols.http.flow_control import FlowControl
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol, RequestResponseCycle
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.datastructures import Headers
from websockets.exceptions import InvalidHeader
from websockets.frames import Frame, Opcode
from websockets.http11 import MAX_NUM_HEADERS, Request
from websockets.protocol import Protocol, State

from .settings import Settings

TOO_LARGE = (
    b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-type: text/plain; charset=utf-8\r\n"
    b"content-length: 32\r\nconnection: close\r\n\r\nRequest headers are too large.\r\n"
)


class Limits:
    """The guards' settings and their one piece of shared state: unfinished connections per address."""

    def __init__(self, settings: Settings) -> None:
        self.timeout = settings.header_timeout_s
        self.max_bytes = settings.max_header_bytes
        self.per_address = settings.pending_per_address
        self.pending: Counter[str] = Counter()


def _addresses(transport: asyncio.BaseTransport) -> tuple[tuple[str, int] | None, tuple[str, int] | None, bool]:
    """A connection's own (host, port), its client's, and whether it is TLS, from what asyncio read as it accepted the
    connection (uvicorn asks the socket again: a system call each, 3% of a join storm)."""

    def address(info: object) -> tuple[str, int] | None:  # (an IPv6 address comes with two more fields)
        return (str(info[0]), int(info[1])) if isinstance(info, tuple) and len(info) >= 2 else None

    sockname, peername = transport.get_extra_info("sockname"), transport.get_extra_info("peername")
    return address(sockname), address(peername), bool(transport.get_extra_info("sslcontext"))


def guarded_http(limits: Limits) -> type[HttpToolsProtocol]:
    """uvicorn's httptools protocol with lab's guards (see the module docstring), for one server."""

    class GuardedHttp(HttpToolsProtocol):
        _address: str | None = None  # set while this connection counts as unfinished
        _timer: asyncio.TimerHandle | None = None
        _header_bytes = 0
        _headers_done = False
        _refused = False

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            # uvicorn's own, with the addresses as asyncio read them (`_addresses`)
            self.connections.add(self)
            self.transport = transport
            self.flow = FlowControl(transport)
            self.server, self.client, tls = _addresses(transport)
            self.scheme = "https" if tls else "http"
            self._begin()

        def connection_lost(self, exc: Exception | None) -> None:
            self._settle()
            super().connection_lost(exc)
            self.cycle = None  # type: ignore[assignment]  # (it refers back to this protocol: see `_let_go`)

        def data_received(self, data: bytes) -> None:
            if self._refused:
                return
            counting = not self._headers_done
            if counting:
                self._header_bytes += len(data)
            super().data_received(data)
            if counting and not self._headers_done and self._header_bytes > limits.max_bytes:
                self._refuse(TOO_LARGE)

        def on_message_begin(self) -> None:
            super().on_message_begin()
            self._headers_done = False
            if self._address is None:  # the next request on a kept-alive connection counts again
                self._begin()

        def on_headers_complete(self) -> None:
            self._headers_done = True
            size = len(self.url) + sum(len(name) + len(value) + 4 for name, value in self.headers)
            if size > limits.max_bytes:
                self._refuse(TOO_LARGE)
                return
            if self.parser.should_upgrade() and self._should_upgrade():
                self._settle()  # a websocket: from here the application limits it
            super().on_headers_complete()

        def _start_asgi_task(self, cycle: RequestResponseCycle, app: ASGI3Application) -> None:
            """Each request's response leaves in one write (`OneWrite`), whether it is answered at once or waited
            behind another on this connection."""
            out = OneWrite(self.transport, self.on_response_complete)
            cycle.transport, cycle.on_response = out, out.done
            super()._start_asgi_task(cycle, app)

        def on_body(self, body: bytes) -> None:
            if not self._refused:
                super().on_body(body)

        def on_message_complete(self) -> None:
            if self._refused:
                return
            self._settle()  # the whole request is in: the application has it now
            self._header_bytes = 0
            super().on_message_complete()

        def handle_websocket_upgrade(self) -> None:
            """The socket's protocol takes over with the request as parsed here (uvicorn writes it out again for the
            socket's protocol to parse a second time)."""
            if self._refused:
                return
            self.connections.discard(self)
            protocol = self.ws_protocol_class(  # type: ignore[call-arg, misc]
                config=self.config, server_state=self.server_state, app_state=self.app_state
            )
            assert isinstance(protocol, LeanWebSockets)  # (`config` pairs the two)
            protocol.connection_made(self.transport)
            protocol.upgrade(self.scope["method"], self.url, self.headers)
            self.transport.set_protocol(protocol)
            self.parser = None  # type: ignore[assignment]  # (it refers back to this protocol: see `_let_go`)
            self.cycle = None  # type: ignore[assignment]  # (an earlier request's, on a kept-alive connection)

        def send_400_response(self, msg: str) -> None:
            if not self._refused:
                super().send_400_response(msg)

        def _begin(self) -> None:
            """A request starts (or the connection opens): it counts as unfinished until its body is in."""
            address = self.client[0] if self.client else ""
            if limits.pending[address] >= limits.per_address:
                self._refused = True
                self.transport.abort()
                return
            limits.pending[address] += 1
            self._address = address
            if self._timer is None:
                self._timer = self.loop.call_later(limits.timeout, self._too_slow)

        def _too_slow(self) -> None:
            self._timer = None
            self._refuse()

        def _settle(self) -> None:
            """The request is in (or the connection is gone): it no longer counts as unfinished."""
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            if self._address is not None:
                limits.pending[self._address] -= 1
                if limits.pending[self._address] <= 0:
                    del limits.pending[self._address]
                self._address = None

        def _refuse(self, answer: bytes = b"") -> None:
            """Answer (if anything) and close; nothing more of this connection is read or handed on."""
            self._refused = True
            self._settle()
            if not self.transport.is_closing():
                if answer:
                    self.transport.write(answer)
                self.transport.close()

    # `_let_go`: uvicorn's HTTP protocol and its parser refer to each other, and so do the protocol and its last
    # request's cycle. Left so, every connection (a phone's page and its socket's handshake: two per phone) stays in
    # memory until the garbage collector finds it, with some twenty objects (232,000 objects at a join storm of
    # 10,000 phones). Both references are dropped once the connection is done, and reference counting frees the
    # protocol at once.
    return GuardedHttp


def _nothing() -> None:
    pass


class OneWrite(asyncio.Transport):
    """One HTTP response's way to its connection: the head leaves together with the start of the body.

    uvicorn writes a response's status line and headers with one `transport.write` and its body with another: two
    system calls, and two packets on a phone's network, for a page that fits in one (one write instead: 2 to 14% less
    of the server's CPU when phones fetch a page and its files). This holds the response's first write (unless it is
    a "100 Continue", which must go ahead of the body it asks for) and sends it with the next one; the response's end
    (`done`, uvicorn's callback: a HEAD request or a 304 writes no body) or a close sends whatever is still held,
    unless the connection is closing already (the client left). uvicorn's response cycle uses `write`, `close` and
    `is_closing` of its transport. A response whose body comes a while after its start (a stream that waits for
    events) would keep its head until then; lab has none: every response's start and body are sent one after the
    other.
    """

    __slots__ = ("_head", "_then", "_transport", "_waiting")

    def __init__(self, transport: asyncio.Transport, then: Callable[[], None]) -> None:
        super().__init__()
        self._transport = transport
        self._then = then  # the protocol's own callback for a finished response
        self._head: bytes | None = None
        self._waiting = True  # for the head

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if self._head is not None:
            data, self._head = self._head + data, None
        elif self._waiting and bytes(data[:13]) != b"HTTP/1.1 100 ":
            self._waiting = False
            self._head = bytes(data)
            return
        self._transport.write(data)

    def flush(self) -> None:
        head, self._head = self._head, None
        if head is not None and not self._transport.is_closing():  # (uvloop raises on a write after the close)
            self._transport.write(head)

    def done(self) -> None:
        self.flush()
        then, self._then = self._then, _nothing  # (the protocol's: kept, it would hold the protocol in a loop)
        then()

    def close(self) -> None:
        self.flush()
        self._transport.close()

    def is_closing(self) -> bool:
        return self._transport.is_closing()

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return self._transport.get_extra_info(name, default)


class _Inbox:
    """The queue of events uvicorn's socket protocol hands the application, with what the protocol uses of an
    asyncio.Queue (`put_nowait`, `get`, `empty`) for its one reader: a list and a future while it waits, instead of
    three deques and an Event (3 KB a socket)."""

    __slots__ = ("_items", "_loop", "_waiter")

    def __init__(self) -> None:
        self._items: list[ASGIReceiveEvent] = []
        self._loop = asyncio.get_running_loop()
        self._waiter: asyncio.Future[None] | None = None

    def put_nowait(self, item: ASGIReceiveEvent) -> None:
        self._items.append(item)
        waiter, self._waiter = self._waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    async def get(self) -> ASGIReceiveEvent:
        while not self._items:
            self._waiter = self._loop.create_future()
            await self._waiter
        return self._items.pop(0)

    def empty(self) -> bool:
        return not self._items

    def qsize(self) -> int:
        return len(self._items)


class _Flag:
    """asyncio.Event as uvicorn's socket protocol uses it for `writable` (`set`, `clear`, `wait`), without a deque:
    the connection is nearly always writable, and then `wait` returns at once."""

    __slots__ = ("_loop", "_set", "_waiters")

    def __init__(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._set = True
        self._waiters: list[asyncio.Future[None]] = []

    def is_set(self) -> bool:
        return self._set

    def set(self) -> None:
        self._set = True
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

    def clear(self) -> None:
        self._set = False

    async def wait(self) -> bool:
        if self._set:
            return True
        waiter = self._loop.create_future()
        self._waiters.append(waiter)
        try:
            await waiter
        finally:
            if waiter in self._waiters:
                self._waiters.remove(waiter)
        return True


QUEUED = 8  # messages a socket may have waiting unread before the server stops reading from it


class LeanWebSockets(WebSocketsSansIOProtocol):
    """uvicorn's sans-I/O websocket protocol, lighter for a socket that stays open for an hour: its event queue and
    its `writable` flag are the small ones above, and once the handshake is answered it lets go of the request and
    the response (their headers, 4 KB a socket; the application's scope keeps its own copy of the request's). At
    10,000 phones that is 70 MB less, and fewer objects for the garbage collector to walk."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.queue = _Inbox()  # type: ignore[assignment]
        self.writable = _Flag()  # type: ignore[assignment]

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvicorn's own, with the addresses as asyncio read them (`_addresses`); the handshake comes next
        self.connections.add(self)
        self.transport = transport  # type: ignore[assignment]
        self.server, self.client, tls = _addresses(transport)
        self.scheme = "wss" if tls else "ws"

    def upgrade(self, method: str, target: bytes, headers: Sequence[tuple[bytes, bytes]]) -> None:
        """The handshake, from a request that the HTTP protocol has parsed (names in lower case): checked as websockets
        checks a request it parses itself (at most MAX_NUM_HEADERS headers, which the socket's scope keeps for its
        whole life; no body; values without surrounding spaces), then websockets answers it, and this protocol's
        parser starts at the first frame."""
        if len(headers) > MAX_NUM_HEADERS:
            self._refuse(431, "Too many request headers.\n")
            return
        try:
            request = Request(target.decode("ascii"), Headers(), method)
            for name, value in headers:
                if name == b"transfer-encoding" or (name == b"content-length" and value != b"0"):
                    raise ValueError("a handshake has no body")
                request.headers[name.decode("ascii")] = value.strip(b" \t").decode("latin-1")
        except (ValueError, InvalidHeader):
            self._refuse(400, "This is no valid websocket handshake.\n")
            return
        self.conn.parser = Protocol.parse(self.conn)  # frames only: the request is in
        next(self.conn.parser)
        self.handle_connect(request)

    def _refuse(self, status: int, text: str) -> None:
        """Answer a handshake that cannot be taken, and close."""
        self.handshake_complete = self.close_sent = True
        self.conn.send_response(self.conn.reject(status, text))
        self.transport.write(b"".join(self.conn.data_to_send()))
        self.transport.close()

    def handle_connect(self, event: Request) -> None:
        super().handle_connect(event)
        del self.request  # read into the scope; only a refused handshake's answer is written from here

    def send_receive_event_to_app(self) -> None:
        """uvicorn's, except when it stops reading: uvicorn stops after every message and starts again as the
        application takes it (two calls into the event loop per message); here reading stops once QUEUED messages
        wait unread, and starts again when half of them are taken."""
        paused, self.read_paused = self.read_paused, True  # (so uvicorn's own method leaves reading as it is)
        try:
            super().send_receive_event_to_app()
        finally:
            self.read_paused = paused
        if not paused and not self.close_sent and self.queue.qsize() > QUEUED:  # (after its close, read the reply)
            self.read_paused = True
            self.transport.pause_reading()

    async def receive(self) -> ASGIReceiveEvent:
        message = await self.queue.get()
        if self.read_paused and self.queue.qsize() <= QUEUED // 2:
            self.read_paused = False
            self.transport.resume_reading()
        return message

    def start_keepalive(self) -> None:
        """(Called once the handshake's answer is written: the response is not needed again.)"""
        del self.response
        super().start_keepalive()

    def write_text(self, text: str) -> Coroutine[Any, Any, None] | None:
        """Write a text message at once when the socket can take it (returns None), else the ASGI send that waits
        until it can, or fails as the server's `send` fails (for the caller to drive: lab.hub.Outbox). As websockets'
        own `broadcast` does, without a coroutine per message; and the frame of a message the hub puts into every
        socket's outbox, one socket after another, is made once (`_text_frame`), where `send` encodes and frames it
        again for each socket."""
        conn = self.conn  # (frames websockets holds go out first, by `send`; its debug log shows every frame)
        if (
            self.writable.is_set()
            and self.handshake_complete
            and self.initial_response is None
            and not (self.close_sent or self.disconnected)
            and conn.state is State.OPEN
            and not (conn.writes or conn.expect_continuation_frame or conn.extensions or conn.debug)
        ):
            self.transport.write(_text_frame(text))
            return None
        return self.send({"type": "websocket.send", "text": text})


@functools.lru_cache(maxsize=1)
def _text_frame(text: str) -> bytes:
    """A text message's frame as a server sends it (unmasked, whole, no extension), made by websockets; the last one
    is kept, for the next socket of the same message."""
    return Frame(Opcode.TEXT, text.encode()).serialize(mask=False)


def config(app: Starlette, settings: Settings, **options: Any) -> uvicorn.Config:
    """uvicorn as lab runs it: websockets' sans-I/O protocol (made leaner: `LeanWebSockets`) without
    permessage-deflate (the least CPU and memory per socket in our measurements; compression costs more than it saves
    for messages this small), 64 KiB frames at most, the guarded HTTP protocol, and no `server` header (an answer
    need not name the software that gave it, and a phone's first visit has two dozen answers). ASGI 3 said outright:
    lab's application is a plain function that returns a coroutine (lab.app.Lab), which uvicorn would take for ASGI
    2."""
    return uvicorn.Config(
        app, interface="asgi3", http=guarded_http(Limits(settings)), ws=LeanWebSockets, ws_per_message_deflate=False,
        ws_max_size=64 * 1024, log_level="warning", proxy_headers=settings.https, lifespan="on", server_header=False,
        **options,
    )  # fmt: skip


class CannotListen(Exception):
    """The address and port cannot be used; the message is one sentence for the person starting lab."""


def bind(host: str, port: int) -> socket.socket:
    """A socket bound to `host:port`, ready for uvicorn, or CannotListen saying why not."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as error:
        sock.close()
        where = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        if error.errno == 98:  # EADDRINUSE
            raise CannotListen(
                f"port {port} is in use on {host} (is lab running already?). Stop that program, or choose another "
                "port with --port."
            ) from None
        raise CannotListen(f"cannot listen on {where}: {error.strerror}.") from None
    sock.set_inheritable(True)
    return sock


def raise_open_files_limit() -> int:
    """Allow this process as many open files as the system lets it (the soft limit up to the hard one): every
    phone is a socket, and a common default of 1,024 would turn phones away long before the processor is busy.
    Returns the limit now in force."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]
