"""What deploy/ ships, run for real: several `lab serve` processes sharing one PostgreSQL database behind nginx with
deploy/nginx.conf, which sends every request and socket of a room to the same process by the room's code."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import subprocess
import sys
from asyncio.subprocess import Process
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from types import SimpleNamespace

import db
import pytest
import websockets
from conftest import CHOICE, Client, facilitator, phone, spec
from services import NginxServer, PostgresServer, RedisServer
from test_cli import free_port

from lab.hub import Hub
from lab.rooms import Room, Rooms
from lab.settings import PROJECT_DIR
from lab.store import NewQuestion, open_store

SITE = PROJECT_DIR / "deploy" / "nginx.conf"
PROCESSES = 2
ROOMS = 12
TIMEOUT = 20.0


async def serve(database: str, port: int, **settings: str) -> asyncio.subprocess.Process:
    """`lab serve` on `port` with the shared database (and `settings`: LAB_... variables); returns once it listens
    (it printed its organiser page)."""
    env = {**os.environ, "LAB_ORGANISER_PASSWORD": "wachtwoord-voor-de-test", "LAB_WARM_REPORTS": "0", **settings}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "lab", "serve", "--host", "127.0.0.1", "--port", str(port), "--db", database,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT, env=env,
    )  # fmt: skip
    assert process.stdout is not None
    printed = ""
    while "Organiser page" not in printed:
        line = (await asyncio.wait_for(process.stdout.readline(), TIMEOUT)).decode()
        assert line, f"lab serve ended before it listened:\n{printed}"
        printed += line
    assert "Database: PostgreSQL 127.0.0.1:" in printed and "@" not in printed
    return process


async def with_rooms(url: str, rooms: Sequence[tuple[str, str, tuple[str, str]]]) -> list[Room]:
    """Rooms (code, title, facilitator and projector keys) of one choice question each, made in the database at `url`
    and loaded. Codes and keys are fixed, not drawn as the organiser page does, so that runs are alike."""
    store = open_store(url)
    await store.open()
    try:
        choice = spec(**CHOICE)
        question = NewQuestion(choice.type, choice.prompt, dict(choice.settings))
        for code, title, keys in rooms:
            assert await store.create_room(code, title, None, None, keys, [question])
        loaded = Rooms(store, Hub())
        return [room for code, _, _ in rooms if (room := await loaded.get(code)) is not None]
    finally:
        await store.close()


@contextlib.asynccontextmanager
async def running(database: str, ports: Sequence[int], **settings: str) -> AsyncIterator[list[Process]]:
    """`lab serve` on each port (`serve`); at the end, every one still running is stopped (SIGINT) and awaited."""
    processes: list[Process] = []
    try:
        for port in ports:
            processes.append(await serve(database, port, **settings))
        yield processes
    finally:
        for process in processes:
            if process.returncode is None:
                process.send_signal(signal.SIGINT)
        for process in processes:
            await asyncio.wait_for(process.wait(), TIMEOUT)


class Front:
    """Browser-like clients that reach lab through one port (nginx's, or a process's own); `close()` ends them all."""

    def __init__(self, port: int) -> None:
        self.site = SimpleNamespace(base=f"http://127.0.0.1:{port}", ws_base=f"ws://127.0.0.1:{port}")
        self.made: list[Client] = []

    def client(self) -> Client:
        self.made.append(Client(self.site))  # type: ignore[arg-type]
        return self.made[-1]

    async def close(self) -> None:
        for client in self.made:
            await client.close()


@pytest.fixture
async def shared(postgres_server: PostgresServer) -> AsyncIterator[tuple[str, list[Room]]]:
    """A database with ROOMS rooms in it, each with one question (nginx spreads them over the processes the same way
    in every run)."""
    url = await postgres_server.create_database_async()
    keys = [(f"facilitator-key-{n:04}", f"projector-key-{n:04}") for n in range(ROOMS)]
    yield url, await with_rooms(url, [(str(100_001 + n), f"Kamer {n}", keys[n]) for n in range(ROOMS)])


async def test_every_request_and_socket_of_a_room_reaches_the_process_that_holds_it(
    shared: tuple[str, list[Room]],
) -> None:
    url, rooms = shared
    ports = [free_port() for _ in range(PROCESSES)]
    async with running(url, ports):
        with NginxServer(SITE, ports) as nginx:
            front = Front(nginx.port)
            try:
                for room in rooms:  # a console and a phone each: they only meet if both reach the same process
                    question = room.questions[0].id
                    boss, _ = await facilitator(front.client, room)
                    voter, _ = await phone(front.client, room)
                    await boss.send({"type": "push", "question": question})
                    pushed = await voter.expect("state", lambda m: m["question"] is not None)
                    assert pushed["question"]["id"] == question
                    await voter.send({"type": "vote", "id": f"stem-{room.code}", "question": question, "round": 1,
                                      "value": [1]})  # fmt: skip
                    await voter.expect("ack")
                    counted = await boss.expect("results", lambda m: m["answers"] == 1)
                    assert counted["results"]["options"][1]["count"] == 1
                    typed = front.client()  # the home page's form: the code typed with a space, as people do
                    joined = await typed.get(f"/join?code={room.code[:3]}+{room.code[3:]}")
                    assert joined.status_code == 303 and joined.headers["location"] == f"/r/{room.code}"
            finally:
                await front.close()  # (sockets are logged once they close)
        served = nginx.upstreams()  # everything it served, now that it has stopped
        assert sum(path.startswith("/ws/") for path, _ in served) == 2 * ROOMS
        by_room = {room.code: {up for path, up in served if f"/{room.code}" in path} for room in rooms}
        assert all(len(upstreams) == 1 for upstreams in by_room.values()), by_room
        assert set().union(*by_room.values()) == {f"127.0.0.1:{port}" for port in ports}  # both hold rooms


async def test_behind_an_https_proxy_a_browsers_socket_is_taken(shared: tuple[str, list[Room]]) -> None:
    """nginx behind another proxy that serves https (deploy/compose.yaml behind Caddy) passes on the https it was
    told, and lab (LAB_HTTPS: it trusts nginx's headers) takes a browser's socket from that https page; told nothing,
    nginx says its own http, and the same socket is refused as coming from another site."""
    url, rooms = shared
    code = rooms[0].code
    ports = [free_port()]
    async with running(url, ports, LAB_HTTPS="1"):
        with NginxServer(SITE, ports) as nginx:
            front = Front(nginx.port)
            origin = {"Origin": "https://127.0.0.1"}  # (nginx passes on the host without its port: as on 443)
            try:
                proxied = front.client()
                assert (await proxied.get(f"/r/{code}")).status_code == 200
                snapshot = await proxied.connect(f"/ws/r/{code}", **origin, **{"X-Forwarded-Proto": "https"})
                assert snapshot["room"]["code"] == code
                direct = front.client()
                assert (await direct.get(f"/r/{code}")).status_code == 200
                with pytest.raises(websockets.InvalidStatus) as refused:
                    await direct.connect(f"/ws/r/{code}", **origin)
                assert refused.value.response.status_code == 403
            finally:
                await front.close()


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_systemd_reads_the_unit_without_a_complaint(tmp_path: Path) -> None:
    """deploy/lab@.service, with this checkout in place of /opt/lab, as systemd's own checker reads it: every key
    known, every value valid, the program there."""
    unit = (PROJECT_DIR / "deploy" / "lab@.service").read_text()
    assert "ExecStart=/opt/lab/.venv/bin/lab serve --host 127.0.0.1 --port %i\n" in unit
    here = unit.replace("/opt/lab", str(PROJECT_DIR)).replace("EnvironmentFile=/", "EnvironmentFile=-/")
    (tmp_path / "lab@8001.service").write_text(here)
    done = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", str(tmp_path / "lab@8001.service")],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert (done.returncode, done.stderr) == (0, "")


async def test_one_room_spread_over_every_process_behind_nginx(postgres_server: PostgresServer) -> None:
    """With Redis, docs/deploy.md's one-room setup: deploy/nginx.conf with `least_conn;` in place of the hash, so a
    room's phones are spread over every process; one owns the room, the others forward to it (lab.owners)."""
    url = await postgres_server.create_database_async()
    (room,) = await with_rooms(url, [("135790", "Congres", ("begeleider-sleutel-0001", "beamer-sleutel-00001"))])
    question = room.questions[0].id
    with RedisServer() as redis:
        ports = [free_port() for _ in range(PROCESSES + 1)]
        async with running(url, ports, LAB_BROKER_URL=redis.url):
            with NginxServer(SITE, ports, balance="least_conn;") as nginx:
                front = Front(nginx.port)
                try:
                    boss, _ = await facilitator(front.client, room)
                    voters = [(await phone(front.client, room))[0] for _ in range(12)]  # all open at once: spread
                    await boss.send({"type": "push", "question": question})
                    for n, voter in enumerate(voters):
                        await voter.expect("state", lambda m: m["question"] is not None)
                        await voter.send({"type": "vote", "id": f"stem-{n:08d}", "question": question, "round": 1,
                                          "value": [n % 3]})  # fmt: skip
                        assert (await voter.expect("ack"))["status"] == "shown"
                    counted = await boss.expect("results", lambda m: m["answers"] == 12)
                    assert [option["count"] for option in counted["results"]["options"]] == [4, 4, 4]
                finally:
                    await front.close()  # (sockets are logged once they close)
            served = nginx.upstreams()
            phones = {up for path, up in served if path == f"/ws/r/{room.code}"}
            assert len(phones) >= 2, served  # the room's phones were on more than one process
            assert db.rows(url, "SELECT count(*) FROM answers") == [(12,)]
    await postgres_server.drop_database_async(url)
