"""Nobody without a password can slow a room down: slow and huge requests, half-open connections, password guessing,
frames over the size cap, many sockets on one cookie, a large export, a failing socket task. Each against a real
uvicorn on loopback, as `lab serve` configures it."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import logging
import re
import socket
import threading
import weakref
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Any, TypeVar

import pytest
import websockets
from argon2 import PasswordHasher
from conftest import CHOICE, PASSWORD, TIMEOUT, Client, Server, facilitator, phone, spec
from uvicorn.protocols.utils import ClientDisconnected
from uvicorn.server import ServerState
from websockets.frames import Close, Frame, Opcode
from websockets.streams import StreamReader

from lab import export, live, tasks
from lab.rooms import Room
from lab.server import QUEUED, TOO_LARGE, LeanWebSockets, _text_frame, config
from lab.settings import Settings

T = TypeVar("T")


HANDSHAKE = (  # a socket's handshake up to its version header (and any more headers a test adds)
    b"GET /ws/r/123456 HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
)


async def raw_connection(
    server: Server, source: str = "127.0.0.1"
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    return await asyncio.open_connection("127.0.0.1", server.port, local_addr=(source, 0))


async def finish(writer: asyncio.StreamWriter) -> None:
    writer.close()
    await writer.wait_closed()


async def closed_by_server(reader: asyncio.StreamReader) -> bytes:
    """Everything the server sends until it closes the connection (fails if it does not within TIMEOUT)."""
    return await asyncio.wait_for(reader.read(), TIMEOUT)


async def answered_while_blocked(
    server: Server,
    clients: Callable[[], Client],
    monkeypatch: pytest.MonkeyPatch,
    target: object,
    name: str,
    slow: Coroutine[Any, Any, T],
) -> T:
    """Make the blocking function `target.name` wait (in whatever thread calls it) while `slow` runs it, and show
    that a phone's ping is answered meanwhile: the event loop is free. Returns what `slow` returned."""
    entered, release = threading.Event(), threading.Event()
    original = getattr(target, name)

    def blocking(*args: Any, **kwargs: Any) -> Any:
        entered.set()
        release.wait(10)  # bounded: if it blocks the event loop, the test still ends (and fails)
        return original(*args, **kwargs)

    monkeypatch.setattr(target, name, blocking)
    pending = asyncio.create_task(slow)
    try:
        assert await asyncio.to_thread(entered.wait, 10)
        room: Room = await server.rooms.create("Kamer", [spec(**CHOICE)])
        voter, _ = await phone(clients, room)
        await voter.send({"type": "ping"})
        await voter.expect("pong")
        assert not pending.done(), "the room was held up until the slow request finished"
    finally:
        release.set()
    return await pending


@pytest.mark.settings(header_timeout_s=0.5)
async def test_a_connection_that_never_finishes_its_headers_is_closed(server: Server) -> None:
    reader, writer = await raw_connection(server)
    writer.write(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: a")  # and then nothing more, ever
    await writer.drain()
    assert await closed_by_server(reader) == b""
    await finish(writer)


@pytest.mark.settings(max_header_bytes=4096)
async def test_oversized_headers_get_431_and_are_not_read_further(server: Server) -> None:
    reader, writer = await raw_connection(server)
    writer.write(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + b"a" * 100_000 + b"\r\n\r\n")
    answer = await closed_by_server(reader)
    assert answer.startswith(b"HTTP/1.1 431 ")
    await finish(writer)
    reader, writer = await raw_connection(server)  # a normal request still works
    writer.write(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
    assert (await closed_by_server(reader)).startswith(b"HTTP/1.1 200 ")
    await finish(writer)


@pytest.mark.settings(pending_per_address=3)
async def test_half_open_connections_per_address_are_capped(server: Server) -> None:
    held = [await raw_connection(server) for _ in range(3)]
    for _, writer in held:  # each has sent a byte but not its headers: they count as unfinished
        writer.write(b"G")
        await writer.drain()
    reader, writer = await raw_connection(server)
    writer.write(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
    assert await closed_by_server(reader) == b""  # the fourth from this address is closed unanswered
    await finish(writer)
    other_reader, other_writer = await raw_connection(server, source="127.0.0.2")  # another address is served
    other_writer.write(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
    assert (await closed_by_server(other_reader)).startswith(b"HTTP/1.1 200 ")
    await finish(other_writer)
    for _, held_writer in held:
        await finish(held_writer)
    assert await asyncio.wait_for(_served_again(server), TIMEOUT)


async def _served_again(server: Server) -> bool:
    """Once the held connections are gone, the address is served again (the server hears of the closes at once)."""
    while True:
        reader, writer = await raw_connection(server)
        writer.write(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        answer = await closed_by_server(reader)
        await finish(writer)
        if answer.startswith(b"HTTP/1.1 200 "):
            return True


async def test_the_password_check_never_holds_up_the_room(
    server: Server, clients: Callable[[], Client], monkeypatch: pytest.MonkeyPatch
) -> None:
    guesser = clients()
    form = {"csrf": await _csrf(guesser), "password": "raden"}
    login = guesser.http.post("/organiser/login", data=form)
    assert (
        await answered_while_blocked(server, clients, monkeypatch, PasswordHasher, "verify", login)
    ).status_code == 401


async def _csrf(client: Client) -> str:
    """The organiser form's CSRF token (a hidden field)."""
    page = (await client.get("/organiser")).text
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found is not None
    return found[1]


@pytest.mark.settings(login_attempts=3)
async def test_wrong_passwords_are_throttled_per_address(server: Server, clients: Callable[[], Client]) -> None:
    now = [1000.0]
    server.app.state.login_guard._failures._clock = lambda: now[0]
    guesser = clients()
    csrf = await _csrf(guesser)
    statuses = [
        (await guesser.http.post("/organiser/login", data={"csrf": csrf, "password": f"gok{n}"})).status_code
        for n in range(3)
    ]
    refused = await guesser.http.post("/organiser/login", data={"csrf": csrf, "password": PASSWORD})
    assert statuses == [401, 401, 401] and refused.status_code == 429  # not even checked: no work for a guesser
    assert "Te vaak een verkeerd wachtwoord" in refused.text
    now[0] += 61  # a minute later
    right = await guesser.http.post("/organiser/login", data={"csrf": csrf, "password": PASSWORD})
    assert right.status_code == 303


async def test_a_large_export_is_written_off_the_event_loop(
    server: Server, clients: Callable[[], Client], monkeypatch: pytest.MonkeyPatch
) -> None:
    room: Room = await server.rooms.create("Groot", [spec(**CHOICE)])
    boss, _ = await facilitator(clients, room)
    download = boss.get(f"/f/{room.code}/export.xlsx")
    assert (await answered_while_blocked(server, clients, monkeypatch, export, "to_xlsx", download)).status_code == 200


@pytest.mark.settings(messages_per_second=5.0, max_message_bytes=100)
async def test_oversized_frames_count_against_the_rate_limit(server: Server, clients: Callable[[], Client]) -> None:
    room: Room = await server.rooms.create("Kamer", [spec(**CHOICE)])
    voter, _ = await phone(clients, room)
    assert voter.ws is not None
    for _ in range(30):
        await voter.ws.send("x" * 200)
    errors = [json.loads(await asyncio.wait_for(voter.ws.recv(), TIMEOUT))["error"] for _ in range(30)]
    assert errors.count("too_large") <= 11 and errors.count("rate_limited") >= 19  # a burst of twice the rate, then no


@pytest.mark.settings(sockets_per_participant=2)
async def test_one_participant_cannot_hold_every_socket_of_its_address(
    server: Server, clients: Callable[[], Client]
) -> None:
    room: Room = await server.rooms.create("Kamer", [spec(**CHOICE)])
    voter, _ = await phone(clients, room)
    cookie = f"lab={voter.http.cookies['lab']}"
    second = await websockets.connect(f"{server.ws_base}/ws/r/{room.code}", additional_headers={"Cookie": cookie})
    async with websockets.connect(f"{server.ws_base}/ws/r/{room.code}", additional_headers={"Cookie": cookie}) as ws:
        message = json.loads(await asyncio.wait_for(ws.recv(), TIMEOUT))
        assert message["error"] == "too_many_connections"
        await asyncio.wait_for(ws.wait_closed(), TIMEOUT)
        assert ws.close_code == 4429
    _, snapshot = await phone(clients, room)  # another participant on the same address is served
    assert snapshot["type"] == "snapshot"
    await second.close()


async def test_a_socket_whose_writing_fails_is_logged_and_closed_with_1011(
    server: Server, clients: Callable[[], Client], monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(text: str) -> None:
        raise ValueError("writing broke")  # not a client that went (an OSError): a fault of the server's

    monkeypatch.setattr(live, "_writer", lambda send: broken)
    room: Room = await server.rooms.create("Kamer", [spec(**CHOICE)])
    voter = clients()
    await voter.get(f"/r/{room.code}")
    cookie = f"lab={voter.http.cookies['lab']}"
    with caplog.at_level(logging.ERROR, logger="lab.live"):
        async with websockets.connect(
            f"{server.ws_base}/ws/r/{room.code}", additional_headers={"Cookie": cookie}
        ) as ws:
            await asyncio.wait_for(ws.wait_closed(), TIMEOUT)
            assert ws.close_code == 1011
    assert any("writing to a socket failed" in r.message and r.exc_info for r in caplog.records)


async def test_a_reply_that_fails_because_the_client_just_closed_ends_its_socket_cleanly(
    server: Server, clients: Callable[[], Client]
) -> None:
    """A ping and a close frame in one write: the server reads both before it answers, so writing the pong fails
    (the client went) in the socket's own task. The socket ends as for any client that went; its task must not be
    left cancelled (a cancellation would be felt at its next wait: leaving the room, unsubscribing)."""
    room: Room = await server.rooms.create("Kamer", [spec(**CHOICE)])
    member, _ = await phone(clients, room)
    assert member.ws is not None
    ping = Frame(Opcode.TEXT, b'{"type":"ping"}').serialize(mask=True, extensions=[])
    close = Frame(Opcode.CLOSE, Close(1000, "").serialize()).serialize(mask=True, extensions=[])
    running = set(server._server.server_state.tasks)  # the socket's task among them
    member.ws.transport.write(ping + close)
    await asyncio.wait_for(asyncio.gather(*running, return_exceptions=True), TIMEOUT)
    assert [t for t in running if t.cancelled()] == []
    assert room.participants() == 0 and server.app.state.participant_sockets == {}


async def test_a_socket_at_a_path_that_is_no_room_socket_is_refused_by_the_router(
    server: Server, clients: Callable[[], Client]
) -> None:
    """Only `/ws/r|p|f/<code>` goes straight to lab.live (lab.app.Lab); any other socket path is Starlette's router's,
    which refuses it in the handshake."""
    room: Room = await server.rooms.create("Kamer", [spec(**CHOICE)])
    for path in (f"/ws/x/{room.code}", f"/ws/r/{room.code}/meer", "/ws/r/", f"/r/{room.code}"):
        with pytest.raises(websockets.InvalidStatus) as refused:
            await websockets.connect(server.ws_base + path)
        assert refused.value.response.status_code == 403, path


async def test_a_socket_from_a_page_with_another_scheme_is_refused(
    server: Server, clients: Callable[[], Client]
) -> None:
    room: Room = await server.rooms.create("Kamer", [spec(**CHOICE)])
    boss, _ = await facilitator(clients, room)
    with pytest.raises(websockets.InvalidStatus) as refused:
        await boss.connect(f"/ws/f/{room.code}", Origin=server.base.replace("http://", "https://"))
    assert refused.value.response.status_code == 403


async def test_a_deck_name_that_is_no_file_name_is_refused_clearly(
    server: Server, clients: Callable[[], Client]
) -> None:
    organiser = clients()
    csrf = await _csrf(organiser)
    await organiser.http.post("/organiser/login", data={"csrf": csrf, "password": PASSWORD})
    for deck in ("a" * 300 + ".toml", "../../etc/passwd", "prestatieafspraken.toml\x00"):
        response = await organiser.http.post("/organiser/rooms", data={"csrf": csrf, "deck": deck, "title": "x"})
        assert response.status_code == 400 and "Die vragenlijst bestaat niet." in response.text


async def test_a_failing_background_task_is_logged_and_started_again(caplog: pytest.LogCaptureFixture) -> None:
    runs: list[int] = []
    done = asyncio.Event()

    async def flaky() -> None:
        runs.append(len(runs))
        if len(runs) < 3:
            raise OSError("disk busy")
        done.set()

    pauses: list[float] = []

    async def pause(seconds: float) -> None:
        pauses.append(seconds)

    with caplog.at_level(logging.ERROR, logger="lab.tasks"):
        task = tasks.start("flaky", flaky, first_pause=0.5, pause=pause)
        await asyncio.wait_for(done.wait(), TIMEOUT)
        await task
    assert runs == [0, 1, 2] and pauses == [0.5, 1.0]
    assert [r.message.split(";")[0] for r in caplog.records] == ["background task flaky failed"] * 2


@pytest.mark.settings(header_timeout_s=0.5)
async def test_a_request_whose_body_never_comes_is_closed(server: Server, caplog: pytest.LogCaptureFixture) -> None:
    """Headers in, body promised, never sent: the form handler would wait for ever, and one address could open as
    many as it liked."""
    reader, writer = await raw_connection(server)
    writer.write(
        b"POST /organiser/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        b"Content-Length: 100\r\n\r\npassword="
    )
    await writer.drain()
    with caplog.at_level(logging.WARNING):
        assert await closed_by_server(reader) == b""
        await finish(writer)
        await server.stop()  # the handler that waited for the body has finished by now
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []


@pytest.mark.settings(pending_per_address=2)
async def test_kept_alive_connections_count_again_for_their_next_request(server: Server) -> None:
    kept = []
    for _ in range(2):
        reader, writer = await raw_connection(server)
        writer.write(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")  # kept alive after the answer
        assert (await asyncio.wait_for(reader.readuntil(b'{"ok":true}'), TIMEOUT)).startswith(b"HTTP/1.1 200 ")
        writer.write(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: a")  # the next request, never finished
        await writer.drain()
        kept.append((reader, writer))
    reader, writer = await raw_connection(server)
    writer.write(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
    assert await closed_by_server(reader) == b""  # two unfinished requests from this address: no third
    await finish(writer)
    for _, held in kept:
        await finish(held)


@pytest.mark.settings(max_header_bytes=4096)
async def test_an_oversized_websocket_upgrade_gets_431_and_nothing_else(
    server: Server, caplog: pytest.LogCaptureFixture
) -> None:
    reader, writer = await raw_connection(server)
    writer.write(HANDSHAKE + b"Sec-WebSocket-Version: 13\r\nX-Big: " + b"a" * 6000 + b"\r\n\r\n")
    with caplog.at_level(logging.WARNING):
        answer = await closed_by_server(reader)
    await finish(writer)
    assert answer == TOO_LARGE  # one answer, no "400" after it
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []


@pytest.mark.settings(login_attempts=3)
async def test_guesses_sent_at_once_from_one_address_are_checked_no_more_than_the_limit(
    server: Server, clients: Callable[[], Client], monkeypatch: pytest.MonkeyPatch
) -> None:
    checked = []
    original = PasswordHasher.verify

    def counting(self: PasswordHasher, hashed: str, password: str) -> bool:
        checked.append(password)
        return original(self, hashed, password)

    monkeypatch.setattr(PasswordHasher, "verify", counting)
    guesser = clients()
    csrf = await _csrf(guesser)
    answers = await asyncio.gather(
        *(guesser.http.post("/organiser/login", data={"csrf": csrf, "password": f"gok{n}"}) for n in range(8))
    )
    assert sorted(a.status_code for a in answers) == [401] * 3 + [429] * 5
    assert len(checked) == 3


async def test_a_phone_s_connections_are_freed_as_they_end_without_the_garbage_collector(
    server: Server, clients: Callable[[], Client]
) -> None:
    """The HTTP protocol of a page's connection and of a socket's handshake is freed when it is done, by reference
    counting: at a join storm the collector has the phones' sockets to walk, not their finished requests too."""
    assert server._server is not None
    http = server._server.config.http_protocol_class
    room: Room = await server.rooms.create("Kamer", [spec(**CHOICE)])
    gc.collect()
    gc.disable()
    try:
        voter, snapshot = await phone(clients, room)  # its page on one connection, its socket's handshake on another
        assert snapshot["type"] == "snapshot"
        alive = [o for o in gc.get_objects() if isinstance(o, http)]  # (unreachable ones too, until collected)
        assert len(alive) == 1  # the page's connection, kept open for the next request; the handshake's is gone
        freed = asyncio.Event()
        weakref.finalize(alive[0], freed.set)
        del alive
        await voter.http.aclose()  # the page's connection ends
        await asyncio.wait_for(freed.wait(), TIMEOUT)
    finally:
        gc.enable()
    assert voter.ws is not None
    await voter.ws.close()


async def test_a_handshake_with_a_body_is_refused_with_400(server: Server) -> None:
    reader, writer = await raw_connection(server)
    writer.write(HANDSHAKE + b"Sec-WebSocket-Version: 13\r\nContent-Length: 5\r\n\r\nhello")
    answer = await closed_by_server(reader)
    await finish(writer)
    assert answer.startswith(b"HTTP/1.1 400 Bad Request\r\n")
    assert answer.endswith(b"\r\n\r\nThis is no valid websocket handshake.\n")


async def test_a_handshake_with_more_headers_than_websockets_takes_gets_431(server: Server) -> None:
    """A socket's scope keeps its request's headers for the socket's life: the handshake has at most as many as
    websockets allows (128), however short they are."""
    reader, writer = await raw_connection(server)
    writer.write(HANDSHAKE + b"Sec-WebSocket-Version: 13\r\n" + b"".join(b"x%d:\r\n" % n for n in range(200)) + b"\r\n")
    answer = await closed_by_server(reader)
    await finish(writer)
    assert answer.startswith(b"HTTP/1.1 431 Request Header Fields Too Large\r\n")
    assert answer.endswith(b"\r\n\r\nToo many request headers.\n")


async def test_a_handshake_header_with_spaces_after_its_value_is_read_without_them(
    server: Server, clients: Callable[[], Client]
) -> None:
    room: Room = await server.rooms.create("Kamer", [spec(**CHOICE)])
    voter, _ = await phone(clients, room)
    reader, writer = await raw_connection(server)
    writer.write(
        HANDSHAKE.replace(b"123456", room.code.encode())
        + b"Sec-WebSocket-Version: 13 \t\r\nCookie: lab="
        + voter.http.cookies["lab"].encode()
        + b"\r\n\r\n"
    )
    answer = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), TIMEOUT)
    await finish(writer)
    assert answer.startswith(b"HTTP/1.1 101 Switching Protocols\r\n")
    assert voter.ws is not None
    await voter.ws.close()


async def test_a_socket_is_read_on_until_its_messages_pile_up(settings: Settings) -> None:
    """A phone sends a message at a time, and reading its socket goes on without a pause; one that sends faster than
    the room takes its messages is no longer read once QUEUED wait, until half of them are taken."""
    taken: list[dict[str, Any]] = []
    accepted, go, all_taken, end = asyncio.Event(), asyncio.Event(), asyncio.Event(), asyncio.Event()

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "websocket":
            return
        assert (await receive())["type"] == "websocket.connect"
        await send({"type": "websocket.accept"})
        accepted.set()
        await go.wait()
        while len(taken) < QUEUED + 1:
            taken.append(await receive())
        all_taken.set()
        await end.wait()

    async with _socket(app, settings) as (protocol, transport, _):
        try:
            await asyncio.wait_for(accepted.wait(), TIMEOUT)
            for n in range(QUEUED):  # (as the event loop hands them over, one read at a time)
                protocol.data_received(_ping(n))
                assert transport.is_reading()
            protocol.data_received(_ping(QUEUED))
            assert not transport.is_reading() and protocol.queue.qsize() == QUEUED + 1
            go.set()
            await asyncio.wait_for(all_taken.wait(), TIMEOUT)
            assert transport.is_reading()
            assert [json.loads(m["text"])["n"] for m in taken] == list(range(QUEUED + 1))
        finally:
            end.set()


async def test_a_socket_closed_by_the_server_is_read_on_for_the_client_s_reply(settings: Settings) -> None:
    """Once the server has sent its close, it reads on whatever waits unread, so that the client's close reply
    gets through (else the connection is cut when the close times out)."""
    closed = asyncio.Event()

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "websocket":
            return
        assert (await receive())["type"] == "websocket.connect"
        await send({"type": "websocket.accept"})
        for n in range(QUEUED + 1):
            protocol.data_received(_ping(n))  # more than QUEUED wait unread
        assert not transport.is_reading()
        await send({"type": "websocket.close", "code": 1000})
        closed.set()

    async with _socket(app, settings) as (protocol, transport, _):
        await asyncio.wait_for(closed.wait(), TIMEOUT)
        assert transport.is_reading()
        protocol.data_received(_ping(QUEUED + 1))  # sent by the client before it saw the close
        assert transport.is_reading()


async def test_a_socket_writes_a_message_at_once_and_waits_only_for_a_client_that_reads_slowly(
    settings: Settings,
) -> None:
    """`write_text`, the outbox's write: the frame goes out before it returns, made once for the same message to
    several sockets; once the connection can take no more (the client reads slowly: uvicorn's flow control says so),
    it is the ASGI send that waits, until the client has read; after a close, from the client or from the server,
    the send that fails."""
    accepted, end = asyncio.Event(), asyncio.Event()

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "websocket":
            assert (await receive())["type"] == "websocket.connect"
            await send({"type": "websocket.accept"})
            accepted.set()
            await end.wait()

    message = json.dumps({"type": "results", "tekst": "één € " + "x" * 70_000}, ensure_ascii=False)
    async with (
        _socket(app, settings) as (protocol, transport, client),
        _socket(app, settings) as (other, _, other_client),
    ):
        try:
            await asyncio.wait_for(accepted.wait(), TIMEOUT)
            transport.get_extra_info("socket").setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
            client.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            transport.set_write_buffer_limits(high=1024)
            _text_frame.cache_clear()
            assert protocol.write_text(message) is None and other.write_text(message) is None
            assert _text_frame.cache_info().hits == 1  # framed once for both
            assert not protocol.writable.is_set()  # most of it waits in the server's buffer: the client is slow
            waiting = protocol.write_text("later")
            assert waiting is not None
            sending = asyncio.ensure_future(waiting)
            assert await _texts(client, 2) == [message, "later"]  # as the client reads, the server writes on
            assert sending.done() and sending.exception() is None
            assert await _texts(other_client, 1) == [message]
            protocol.data_received(Frame(Opcode.CLOSE, Close(1000, "").serialize()).serialize(mask=True))
            after_client_close = protocol.write_text("too late")  # (uvicorn answered the close: not OPEN any more)
            assert after_client_close is not None
            with pytest.raises(ClientDisconnected):
                await after_client_close
            await other.send({"type": "websocket.close", "code": 1000})
            after_own_close = other.write_text("too late")
            assert after_own_close is not None
            with pytest.raises(RuntimeError, match=re.escape("after sending 'websocket.close'")):
                await after_own_close
        finally:
            end.set()


async def test_a_room_s_sockets_are_written_with_the_server_s_own_write(
    server: Server, clients: Callable[[], Client], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The room's sockets reach lab.live with uvicorn's own `send` (no layer wraps it), so their outboxes write with
    `LeanWebSockets.write_text`; a layer that wrapped `send` would silently bring back a coroutine per message."""
    written: list[str] = []
    write_text = LeanWebSockets.write_text

    def spy(self: LeanWebSockets, text: str) -> Coroutine[Any, Any, None] | None:
        written.append(json.loads(text)["type"])
        return write_text(self, text)

    monkeypatch.setattr(LeanWebSockets, "write_text", spy)
    room: Room = await server.rooms.create("Kamer", [spec(**CHOICE)])
    _, snapshot = await phone(clients, room)
    assert snapshot["type"] == "snapshot" and written[:1] == ["snapshot"]


async def _texts(client: socket.socket, count: int) -> list[str]:
    """The first `count` text messages the server wrote to `client` (past its handshake answer), as a client's
    websockets reads them."""
    reader = StreamReader()
    received = b""
    while b"\r\n\r\n" not in received:
        received += await asyncio.wait_for(asyncio.get_running_loop().sock_recv(client, 1 << 20), TIMEOUT)
    reader.feed_data(received.split(b"\r\n\r\n", 1)[1])
    texts: list[str] = []
    while len(texts) < count:
        parsing = Frame.parse(reader.read_exact, mask=False)
        try:
            while True:
                next(parsing)  # more bytes needed
                reader.feed_data(await asyncio.wait_for(asyncio.get_running_loop().sock_recv(client, 1 << 20), TIMEOUT))
        except StopIteration as parsed:
            frame: Frame = parsed.value
            assert frame.opcode is Opcode.TEXT and frame.fin
            texts.append(frame.data.decode())
    return texts


@contextlib.asynccontextmanager
async def _socket(
    app: Any, settings: Settings
) -> AsyncIterator[tuple[LeanWebSockets, asyncio.Transport, socket.socket]]:
    """lab's socket protocol serving `app` on one end of a socket pair, past its handshake (the application's task
    started), and the client's end; the test hands the protocol what the client sends with `data_received`, as the
    event loop would."""
    uvicorn_config = config(app, settings)
    uvicorn_config.load()
    protocol = LeanWebSockets(config=uvicorn_config, server_state=ServerState(), app_state={})
    ours, theirs = socket.socketpair()
    transport, _ = await asyncio.get_running_loop().connect_accepted_socket(lambda: protocol, ours)
    try:
        protocol.upgrade("GET", b"/ws/r/123456", _HEADERS)
        theirs.setblocking(False)
        yield protocol, transport, theirs
    finally:
        transport.abort()
        theirs.close()


_HEADERS = [(b"host", b"lab"), (b"upgrade", b"websocket"), (b"connection", b"Upgrade"),
            (b"sec-websocket-key", b"dGhlIHNhbXBsZSBub25jZQ=="), (b"sec-websocket-version", b"13")]  # fmt: skip


def _ping(n: int) -> bytes:
    """A client's text frame (masked, as clients send them) with a ping numbered `n`."""
    return Frame(Opcode.TEXT, json.dumps({"type": "ping", "n": n}).encode()).serialize(mask=True, extensions=[])
