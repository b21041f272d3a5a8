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
async def connection(settings: Settings) -> AsyncIterator[tuple[asyncio.Protocol, Recorder, socket.socket]]:
    """lab's HTTP protocol serving `app` on one end of a socket pair, and the client's end; the test hands the
    protocol what the client sends with `data_received`, as the event loop would."""
    uvicorn_config = config(app, settings)  # type: ignore[arg-type]
    uvicorn_config.load()
    protocol = uvicorn_config.http_protocol_class(config=uvicorn_config, server_state=ServerState(), app_state={})  # type: ignore[call-arg]
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
        received += await asyncio.wait_for(asyncio.get_running_loop().sock_recv(client, 1 << 16), TIMEOUT)
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
