"""Limits and slow clients: a phone that stops reading is cut off without slowing the others; caps per address;
cookies that survive a restart and carry the right flags."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import socket
from collections.abc import Callable
from dataclasses import replace

import pytest
import websockets
from conftest import TIMEOUT, Client, Server, facilitator, phone, spec

from lab.rooms import Room
from lab.settings import Settings

BIG = {"type": "choice", "prompt": "P" * 300, "options": [f"{n:02d}" + "o" * 118 for n in range(12)]}


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Messages as fast as the tests send them (the marker's settings are applied already)."""
    return replace(settings, messages_per_second=1000.0)


async def stuck_phone(server: Server, room: Room, cookie: str) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """A phone that opens its socket and then never reads again, with the smallest receive buffer it can have."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1024)
    sock.connect(("127.0.0.1", server.port))
    sock.setblocking(False)
    reader, writer = await asyncio.open_connection(sock=sock)
    key = base64.b64encode(os.urandom(16)).decode()
    writer.write(
        f"GET /ws/r/{room.code} HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\nUpgrade: websocket\r\n"
        f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
        f"Cookie: {cookie}\r\n\r\n".encode()
    )
    await writer.drain()
    assert (await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), TIMEOUT)).startswith(b"HTTP/1.1 101")
    return reader, writer


@pytest.mark.settings(send_queue=16)
async def test_a_phone_that_stops_reading_is_cut_off_and_the_others_carry_on(
    server: Server, clients: Callable[[], Client]
) -> None:
    room: Room = await server.rooms.create("Traag", [spec(**BIG), spec(**{**BIG, "prompt": "Q" * 300})])
    first, second = (q.id for q in room.questions)
    boss, _ = await facilitator(clients, room)
    healthy, _ = await phone(clients, room)
    slow = clients()
    await slow.get(f"/r/{room.code}")
    _, writer = await stuck_phone(server, room, f"lab={slow.http.cookies['lab']}")
    await boss.expect("results", lambda m: m["participants"] == 2)

    pushes = 0
    while room.participants() == 2:  # each push sends every phone a 2 KB state message
        assert pushes < 5000, "the stuck phone was never cut off"
        question = first if pushes % 2 == 0 else second
        await boss.send({"type": "push", "question": question})
        await boss.expect("state", lambda m, q=question: m["question"]["id"] == q)
        await healthy.expect("state", lambda m, q=question: m["question"]["id"] == q, timeout=2)  # never held up
        pushes += 1
    assert room.participants() == 1
    results = await boss.expect("results", lambda m: m["participants"] == 1)
    assert results["participants"] == 1
    writer.close()
    # it comes back like any phone that lost its connection: a fresh snapshot with the current state
    snapshot = await slow.connect(f"/ws/r/{room.code}")
    assert snapshot["question"]["id"] == room.current_id
    print(f"stuck phone cut off after {pushes} pushes of 2 KB")


@pytest.mark.settings(connections_per_address=3)
async def test_connections_per_address_are_capped_with_a_clear_error(
    server: Server, clients: Callable[[], Client]
) -> None:
    room: Room = await server.rooms.create("Vol", [spec(**BIG)])
    phones = [await phone(clients, room) for _ in range(3)]
    extra = clients()
    await extra.get(f"/r/{room.code}")
    cookie = f"lab={extra.http.cookies['lab']}"
    async with websockets.connect(f"{server.ws_base}/ws/r/{room.code}", additional_headers={"Cookie": cookie}) as ws:
        error = json.loads(await asyncio.wait_for(ws.recv(), TIMEOUT))
        assert error == {
            "type": "error", "error": "too_many_connections",
            "message": "Te veel verbindingen vanaf uw netwerk. Probeer het zo opnieuw.",
        }  # fmt: skip
        await asyncio.wait_for(ws.wait_closed(), TIMEOUT)
        assert ws.close_code == 4429
    await phones[0][0].ws.close()  # type: ignore[union-attr]
    snapshot = await extra.connect(f"/ws/r/{room.code}")  # once one leaves, the next one gets in
    assert snapshot["type"] == "snapshot"


async def test_grants_and_participants_survive_a_restart(server: Server, clients: Callable[[], Client]) -> None:
    room: Room = await server.rooms.create("Blijvend", [spec(**BIG)])
    boss, _ = await facilitator(clients, room)
    await server.stop()
    await server.start()
    assert (await boss.get(f"/f/{room.code}")).status_code == 200  # the signing secret is kept in the database
    again, _ = await facilitator(clients, await server.rooms.get(room.code))
    assert again.http.cookies["lab"]


@pytest.mark.settings(https=True)
async def test_cookies_are_secure_behind_https(server: Server, clients: Callable[[], Client]) -> None:
    room: Room = await server.rooms.create("Https", [])
    cookie = (await clients().get(f"/r/{room.code}")).headers["set-cookie"].lower()
    assert "secure" in cookie and "httponly" in cookie and "samesite=lax" in cookie
