"""What lab's HTTP protocol (lab/server.py) hands the connection: each response's head leaves with its body, in one
write, whatever the response (a page, HEAD, an empty body, a stream, "100 Continue" first, the next request on a
kept-alive connection)."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator
from typing import Any

from conftest import TIMEOUT
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.server import ServerState

from lab.server import config
from lab.settings import Settings

PAGE = b"<!doctype html><title>Kamer</title>"


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """A page, an empty answer (`/leeg`), a stream of two parts (`/stroom`) and, for a POST, its body echoed."""
    if scope["type"] == "lifespan":
        return
    body = PAGE
    if scope["method"] == "POST":
        body = (await receive())["body"]
    if scope["path"] == "/stroom":
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
        await send({"type": "http.response.body", "body": b"een", "more_body": True})
        await send({"type": "http.response.body", "body": b"twee", "more_body": False})
        return
    status, body = (304, b"") if scope["path"] == "/leeg" else (200, body)
    headers = [(b"content-type", b"text/html"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body})


class Recorder(asyncio.Transport):
    """A real connection's transport that notes every write the protocol makes."""

    def __init__(self, transport: asyncio.Transport) -> None:
        super().__init__()
        self.transport = transport
        self.writes: list[bytes] = []

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.writes.append(bytes(data))
        self.transport.write(data)

    def close(self) -> None:
        self.transport.close()

    def abort(self) -> None:
        self.transport.abort()

    def is_closing(self) -> bool:
        return self.transport.is_closing()

    def pause_reading(self) -> None:
        self.transport.pause_reading()

    def resume_reading(self) -> None:
        self.transport.resume_reading()

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return self.transport.get_extra_info(name, default)


@contextlib.asynccontextmanager
async def connection(
    settings: Settings, application: Any = app
) -> AsyncIterator[tuple[HttpToolsProtocol, Recorder, socket.socket]]:
    """lab's HTTP protocol serving `application` on one end of a socket pair, and the client's end; the test hands
    the protocol what the client sends with `data_received`, as the event loop would."""
    uvicorn_config = config(application, settings)
    uvicorn_config.load()
    protocol = uvicorn_config.http_protocol_class(config=uvicorn_config, server_state=ServerState(), app_state={})  # type: ignore[call-arg]
    assert isinstance(protocol, HttpToolsProtocol)
    ours, theirs = socket.socketpair()
    transport, _ = await asyncio.get_running_loop().connect_accepted_socket(asyncio.Protocol, ours)
    recorder = Recorder(transport)
    protocol.connection_made(recorder)
    theirs.setblocking(False)
    try:
        yield protocol, recorder, theirs
    finally:
        protocol.connection_lost(None)
        transport.abort()
        theirs.close()


async def answer(client: socket.socket, ending: bytes) -> bytes:
    """What the server sends the client, up to and including `ending`."""
    received = b""
    while not received.endswith(ending):
        more = await asyncio.wait_for(asyncio.get_running_loop().sock_recv(client, 1 << 16), TIMEOUT)
        assert more, f"closed after {received!r}"
        received += more
    return received


async def test_a_response_s_head_and_body_leave_in_one_write(settings: Settings) -> None:
    async with connection(settings) as (protocol, out, client):
        protocol.data_received(b"GET /kamer HTTP/1.1\r\nHost: lab\r\n\r\n")
        page = await answer(client, PAGE)
        assert page.startswith(b"HTTP/1.1 200 OK\r\n") and b"content-length: 35\r\n" in page
        assert out.writes == [page]

        # the next request on the same connection, HEAD: the head alone, once its (empty) response is done
        protocol.data_received(b"HEAD /kamer HTTP/1.1\r\nHost: lab\r\n\r\n")
        head = await answer(client, b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 200 OK\r\n") and b"content-length: 35\r\n" in head
        assert out.writes == [page, head]

        protocol.data_received(b"GET /leeg HTTP/1.1\r\nHost: lab\r\n\r\n")
        empty = await answer(client, b"\r\n\r\n")
        assert empty.startswith(b"HTTP/1.1 304 Not Modified\r\n")
        assert out.writes == [page, head, empty]

        # a stream: the head with its first part; the rest as it comes
        protocol.data_received(b"GET /stroom HTTP/1.1\r\nHost: lab\r\n\r\n")
        stream = await answer(client, b"0\r\n\r\n")
        assert stream.startswith(b"HTTP/1.1 200 OK\r\n") and stream.endswith(
            b"\r\n\r\n3\r\neen\r\n4\r\ntwee\r\n0\r\n\r\n"
        )
        assert out.writes[3:] == [stream.removesuffix(b"4\r\ntwee\r\n0\r\n\r\n"), b"4\r\ntwee\r\n0\r\n\r\n"]


async def test_100_continue_goes_ahead_of_the_response_that_follows_in_one_write(settings: Settings) -> None:
    async with connection(settings) as (protocol, out, client):
        protocol.data_received(
            b"POST /kamer HTTP/1.1\r\nHost: lab\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n"
        )
        assert await answer(client, b"\r\n\r\n") == b"HTTP/1.1 100 Continue\r\n\r\n"  # asked for the body
        protocol.data_received(b"hallo")
        response = await answer(client, b"hallo")
        assert response.startswith(b"HTTP/1.1 200 OK\r\n") and b"content-length: 5\r\n" in response
        assert out.writes == [b"HTTP/1.1 100 Continue\r\n\r\n", response]


async def test_requests_sent_together_are_answered_in_order_each_in_one_write(settings: Settings) -> None:
    async with connection(settings) as (protocol, out, client):
        protocol.data_received(b"GET /een HTTP/1.1\r\nHost: lab\r\n\r\nGET /leeg HTTP/1.1\r\nHost: lab\r\n\r\n")
        both = await answer(client, b"\r\n\r\n")  # (the page's body ends otherwise)
        assert b"HTTP/1.1 304 Not Modified\r\n" in both
        assert len(out.writes) == 2 and b"".join(out.writes) == both
        assert out.writes[0].startswith(b"HTTP/1.1 200 OK\r\n") and out.writes[0].endswith(PAGE)
        assert out.writes[1].startswith(b"HTTP/1.1 304 Not Modified\r\n")


async def test_the_last_answer_of_a_connection_that_closes_leaves_in_one_write_before_the_close(
    settings: Settings,
) -> None:
    async with connection(settings) as (protocol, out, client):
        protocol.data_received(b"HEAD /kamer HTTP/1.1\r\nHost: lab\r\nConnection: close\r\n\r\n")
        head = await answer(client, b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 200 OK\r\n") and b"connection: close\r\n" in head
        assert await asyncio.wait_for(asyncio.get_running_loop().sock_recv(client, 1), TIMEOUT) == b""  # closed
        assert out.writes == [head]


async def test_a_response_that_fails_after_its_start_sends_its_head_and_closes_unless_the_client_left(
    settings: Settings,
) -> None:
    """As uvicorn does without lab's write: the head that was sent, then the close; and to a client that has gone,
    nothing (uvloop raises on a write after the close)."""
    go = asyncio.Event()

    async def failing(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"5")]})
            await go.wait()
            raise RuntimeError("kapot")

    async with connection(settings, failing) as (protocol, out, client):
        protocol.data_received(b"GET /kamer HTTP/1.1\r\nHost: lab\r\n\r\n")
        go.set()
        head = await answer(client, b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 200 OK\r\n") and out.writes == [head]
        assert await asyncio.wait_for(asyncio.get_running_loop().sock_recv(client, 1), TIMEOUT) == b""
    go.clear()
    async with connection(settings, failing) as (protocol, out, client):
        protocol.data_received(b"GET /kamer HTTP/1.1\r\nHost: lab\r\n\r\n")
        out.transport.close()  # the client went away before the response was done
        go.set()
        await asyncio.wait_for(asyncio.gather(*protocol.tasks), TIMEOUT)  # (the application's failure is logged)
        assert out.writes == []
