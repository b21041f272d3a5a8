"""PostgreSQL's own store behaviour, on a real server the tests start (whichever store the rest of the suite runs
on): processes that start together migrate once, the writer connects again after its connection was lost, and a
database that cannot be used is one sentence that never shows the password."""

from __future__ import annotations

import asyncio
import logging
import socket
from typing import Any

import asyncpg
import pytest
from conftest import CHOICE, spec
from db import rows
from services import Forwarder, PostgresServer, free_port

from lab.hub import Hub
from lab.rooms import Rooms
from lab.store import Outcome, StoreError, Vote, open_store
from lab.store.postgres import MIGRATIONS, PostgresStore
from lab.wire import dumps

TIMEOUT = 10.0


@pytest.fixture
async def database(postgres_server: PostgresServer) -> str:
    return await postgres_server.create_database_async()


async def test_processes_that_start_together_migrate_once(database: str) -> None:
    stores = [open_store(database) for _ in range(3)]
    await asyncio.gather(*(store.open() for store in stores))  # one migrates, the others wait for its lock
    try:
        migrations = sorted(int(path.name.split("_")[0]) for path in MIGRATIONS.glob("*.sql"))
        assert rows(database, "SELECT version FROM lab_schema ORDER BY version") == [(n,) for n in migrations]
        room = await Rooms(stores[0], Hub()).create("Kamer", [spec(**CHOICE)])
        assert [r.code for r in await stores[2].rooms()] == [room.code]  # one database for all three
    finally:
        await asyncio.gather(*(store.close() for store in stores))


async def test_the_writer_connects_again_when_its_connection_was_lost(database: str) -> None:
    store = open_store(database, 0.001)
    assert isinstance(store, PostgresStore)
    await store.open()
    try:
        room = await Rooms(store, Hub()).create("Kamer", [spec(**CHOICE)])
        await room.push(room.questions[0].id)
        await store.join("anna", room.id)
        question = room.questions[0].id
        writer = store._conn.conn  # type: ignore[union-attr]
        lost = asyncio.Event()
        writer.add_termination_listener(lambda _conn: lost.set())
        admin = await asyncpg.connect(database, timeout=TIMEOUT)
        try:  # the server ends the writer's session, as a restart of PostgreSQL would
            await admin.execute("SELECT pg_terminate_backend($1)", writer.get_server_pid())
        finally:
            await admin.close()
        await asyncio.wait_for(lost.wait(), TIMEOUT)
        value = [1]
        outcome = await store.vote(Vote("anna", "v1", question, 1, value, dumps(value), False, 1))
        assert outcome == Outcome.STORED
        assert store._conn.conn is not writer  # type: ignore[union-attr]
        assert rows(database, "SELECT participant_id, value FROM answers") == [("anna", "[1]")]
        assert [a.value for a in (await store.load_room(room.id)).answers] == [[1]]  # the readers' pool recovers
    finally:
        await store.close()


async def test_a_database_that_cannot_be_used_is_one_sentence_without_the_password() -> None:
    url = f"postgresql://lab:geheim-wachtwoord@127.0.0.1:{free_port()}/lab"  # nothing listens there
    store = PostgresStore(url, startup_wait=0.3)
    with pytest.raises(StoreError) as caught:
        await store.open()
    message = str(caught.value)
    assert message.startswith(f"cannot use PostgreSQL 127.0.0.1:{url.split(':')[3].split('/')[0]}/lab: ")
    assert "geheim" not in message
    assert "\n" not in message


TWO_ADDRESSES = "database.lab.test"  # a name for 127.0.0.2 and 127.0.0.1, as `localhost` can be for ::1 and 127.0.0.1
NOT_YET = "later.lab.test"  # a name the name service cannot answer for until the server is there (a boot)
NOWHERE = "nowhere.lab.test"  # a name that does not exist


@pytest.fixture
async def names(monkeypatch: pytest.MonkeyPatch) -> dict[str, bool]:
    """The test's loop resolves the names above as described (`names["answering"]`: the name service answers for
    NOT_YET); other names as always."""
    loop = asyncio.get_running_loop()
    resolve = loop.getaddrinfo
    state = {"answering": False}

    async def resolver(name: object, port: object, *args: Any, **options: Any) -> Any:
        if name == TWO_ADDRESSES:
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port)) for a in ("127.0.0.2", "127.0.0.1")]
        if name == NOT_YET and state["answering"]:
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]
        if name == NOT_YET:
            raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")
        if name == NOWHERE:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return await resolve(name, port, *args, **options)  # type: ignore[arg-type]

    monkeypatch.setattr(loop, "getaddrinfo", resolver)
    return state


async def test_a_name_that_does_not_exist_fails_at_once(names: dict[str, bool]) -> None:
    store = PostgresStore(f"postgresql://lab@{NOWHERE}:5432/lab", startup_wait=60.0)
    with pytest.raises(StoreError, match=f"^cannot use PostgreSQL {NOWHERE}:5432/lab: .*Name or service not known"):
        await asyncio.wait_for(store.open(), TIMEOUT)  # not after the minute it would wait for a server


@pytest.mark.parametrize("host", ["127.0.0.1", TWO_ADDRESSES, NOT_YET])
async def test_a_server_that_starts_while_lab_starts_is_waited_for(
    postgres_server: PostgresServer, host: str, names: dict[str, bool]
) -> None:
    """As a compose file starts lab and PostgreSQL together: connections are refused at first (nothing listens on
    the port yet), then the port leads to the server, and `open` goes on without failing. Also for a name with two
    addresses, where each refusal comes in one plain OSError, and a name the name service cannot answer for yet."""
    database = await postgres_server.create_database_async()
    port = free_port()
    store = PostgresStore(
        database.replace(f"127.0.0.1:{postgres_server.port}/", f"{host}:{port}/"), startup_wait=TIMEOUT
    )
    waiting = asyncio.Event()

    class Seen(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if record.getMessage().startswith(f"waiting for PostgreSQL {host}:"):
                waiting.set()

    seen = Seen()
    logging.getLogger("lab.store.postgres").addHandler(seen)
    opening = asyncio.create_task(store.open())
    try:
        await asyncio.wait_for(waiting.wait(), TIMEOUT)
        assert not opening.done()
        names["answering"] = True
        async with Forwarder(postgres_server.port, listen=port):  # the server "starts" on that port
            await asyncio.wait_for(opening, TIMEOUT)
            room = await Rooms(store, Hub()).create("Kamer", [spec(**CHOICE)])
            assert rows(database, "SELECT code FROM rooms") == [(room.code,)]
            await store.close()
    finally:
        logging.getLogger("lab.store.postgres").removeHandler(seen)
        if not opening.done():
            opening.cancel()
