"""A room's owner killed mid-burst (lab.owners): three `lab serve` processes share one PostgreSQL database and one
Redis; phones on the two edges vote while the owner is killed with SIGKILL. Each phone behaves as socket.js does: a
vote not acknowledged is kept and sent again once the phone is back. No acknowledged vote may be lost, none is stored
twice, and the room goes on in another process."""

from __future__ import annotations

import asyncio
import json
import signal
from collections.abc import AsyncIterator

import db
import pytest
from conftest import Client
from services import PostgresServer, RedisServer
from test_cli import free_port
from test_deploy import Front, running, with_rooms
from websockets.exceptions import ConnectionClosed

PHONES = 120  # over two edges
CODE = "246810"
KEYS = ("sleutel-van-de-begeleider-0001", "sleutel-van-de-beamer-00000001")
DEADLINE = 60.0  # every phone has its acknowledgement by then, or the test fails


@pytest.fixture
async def database(postgres_server: PostgresServer) -> AsyncIterator[tuple[str, int]]:
    """A database with one room (a fixed code and keys), and its question's id."""
    url = await postgres_server.create_database_async()
    (room,) = await with_rooms(url, [(CODE, "Congres", KEYS)])
    yield url, room.questions[0].id
    await postgres_server.drop_database_async(url)


class Phone:
    """A participant who votes once, as socket.js does: on a lost connection, or an error for the vote, it reconnects
    after a pause and sends the same vote (its id) again, until it is acknowledged."""

    def __init__(self, client: Client, number: int, question: int) -> None:
        self.client = client
        self.vote = {"type": "vote", "id": f"stem-{number:05d}", "question": question, "round": 1,
                     "value": [number % 3]}  # fmt: skip
        self.acked = False
        self.sent = asyncio.Event()  # the vote went out (at least once)
        self.closes: list[int | None] = []

    async def open(self) -> None:
        assert (await self.client.get(f"/r/{CODE}")).status_code == 200
        await self.client.connect(f"/ws/r/{CODE}")

    async def answer(self) -> None:
        while not self.acked:
            try:
                ws = self.client.ws
                if ws is None or ws.close_code is not None:
                    await self.client.connect(f"/ws/r/{CODE}")
                    ws = self.client.ws
                    assert ws is not None
                await ws.send(json.dumps(self.vote))
                self.sent.set()
                while True:
                    message = json.loads(await ws.recv())
                    if message.get("id") == self.vote["id"]:
                        break
                if message["type"] == "ack":
                    assert message["status"] == "shown" and message["value"] == self.vote["value"]
                    self.acked = True
                else:  # not stored, or not known to be: the phone keeps the vote
                    assert message["type"] == "error" and message["error"] in ("unavailable", "server_error")
                    await ws.close()
                    await asyncio.sleep(0.2)
            except (ConnectionClosed, OSError, TimeoutError):
                self.closes.append(self.client.ws.close_code if self.client.ws is not None else None)
                await asyncio.sleep(0.2)  # socket.js's first pauses are of this order


async def test_killing_the_owner_mid_burst_loses_no_acknowledged_vote(
    database: tuple[str, int],
) -> None:
    url, question = database
    with RedisServer() as redis:
        ports = [free_port() for _ in range(3)]
        fronts = [Front(port) for port in ports]
        async with running(url, ports, LAB_BROKER_URL=redis.url) as processes:
            try:
                boss = fronts[0].client()  # the console opens the room first: the first process owns it
                assert (await boss.get(f"/f/{CODE}?key={KEYS[0]}")).status_code == 303
                await boss.connect(f"/ws/f/{CODE}")
                phones = [Phone(fronts[1 + n % 2].client(), n, question) for n in range(PHONES)]
                for start in range(0, PHONES, 20):
                    await asyncio.gather(*(phone.open() for phone in phones[start : start + 20]))
                await boss.send({"type": "push", "question": question})
                await boss.expect("state", lambda m: m["question"] is not None)
                waves = [phones[start : start + 20] for start in range(0, PHONES, 20)]
                for wave in waves[:3]:  # answered and acknowledged while the owner lives
                    await asyncio.wait_for(asyncio.gather(*(phone.answer() for phone in wave)), DEADLINE)
                burst = [asyncio.create_task(phone.answer()) for phone in waves[3]]  # on their way...
                await asyncio.wait_for(asyncio.gather(*(phone.sent.wait() for phone in waves[3])), DEADLINE)
                processes[0].send_signal(signal.SIGKILL)  # ... when the owner is killed
                acked_before = {phone.vote["id"] for phone in phones if phone.acked}
                await processes[0].wait()
                burst += [asyncio.create_task(phone.answer()) for wave in waves[4:] for phone in wave]
                await asyncio.wait_for(asyncio.gather(*burst), DEADLINE)
                assert 60 <= len(acked_before) < 80  # the kill came in the middle of the fourth wave
                assert any(1013 in phone.closes for phone in phones)  # told to try again, and they did

                stored = db.rows(url, "SELECT vote_id, value FROM answers ORDER BY vote_id")
                assert stored == [(phone.vote["id"], json.dumps(phone.vote["value"])) for phone in phones]
                assert acked_before <= {vote_id for vote_id, _ in stored}

                late = fronts[1].client()  # the room goes on: a console on an edge sees every vote
                assert (await late.get(f"/f/{CODE}?key={KEYS[0]}")).status_code == 303
                snapshot = await late.connect(f"/ws/f/{CODE}")
                assert snapshot["answers"] == PHONES
            finally:
                for front in fronts:
                    await front.close()
