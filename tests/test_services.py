"""The test harness itself: a PostgreSQL server of the tests' own starts, makes and drops databases, keeps a row,
and is gone (process and directory) once stopped; the row helpers read both stores alike."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import db
import pytest
from services import PostgresServer, ServiceError, postgres_bindir, run_async


def postgres_installed() -> bool:
    try:
        postgres_bindir()
    except ServiceError:
        return False
    return True


needs_postgres = pytest.mark.skipif(
    not postgres_installed() and not os.environ.get("CI"),
    reason="PostgreSQL is not installed (scripts/install-services)",
)


@needs_postgres
async def test_a_postgres_server_starts_keeps_a_row_and_is_gone_once_stopped() -> None:
    server = PostgresServer()
    await asyncio.to_thread(server.start)
    process, directory = server.process, server.directory
    assert process is not None and directory is not None and directory.is_dir()
    try:
        url = server.create_database()
        assert url.startswith(f"postgresql://lab@127.0.0.1:{server.port}/")
        # called from inside this test's running event loop, as the tests do
        db.execute(url, "CREATE TABLE rooms (id integer PRIMARY KEY, code text, removed boolean)")
        db.execute(url, "INSERT INTO rooms (id, code, removed) VALUES (?, ?, ?)", (1, "123456", False))
        found = db.rows(url, "SELECT id, code, removed FROM rooms WHERE code = ?2 AND id = ?1", (1, "123456"))
        assert found == [(1, "123456", 0)] and isinstance(found[0], tuple)
        assert db.one(url, "SELECT count(*) FROM rooms WHERE id = ?", (2,)) == (0,)
        assert db.tables(url) == ["rooms"]
        assert db.everything(url) == {"rooms": [(1, "123456", False)]}
        other = server.create_database()
        assert other != url and db.tables(other) == []  # each database starts empty
        server.drop_database(other)
        server.drop_database(url)
        assert db.rows(server.url(), "SELECT datname FROM pg_database WHERE datname LIKE 'lab_%'") == []
    finally:
        await asyncio.to_thread(server.stop)
    assert process.returncode is not None  # it ended, and was waited for
    with pytest.raises(ProcessLookupError):
        os.kill(process.pid, 0)
    assert not directory.exists()
    server.stop()  # a second stop does nothing


@needs_postgres
def test_a_database_being_used_is_dropped_all_the_same(postgres_server: PostgresServer) -> None:
    url = postgres_server.create_database()

    async def hold() -> None:
        import asyncpg

        conn = await asyncpg.connect(url)
        try:
            await asyncio.to_thread(postgres_server.drop_database, url)
            with pytest.raises((asyncpg.exceptions.AdminShutdownError, asyncpg.InterfaceError)):  # it was closed
                await conn.fetch("SELECT 1")
        finally:
            await conn.close()

    run_async(hold, 30)
    name = url.rsplit("/", 1)[1]
    assert db.rows(postgres_server.url(), "SELECT 1 FROM pg_database WHERE datname = ?", (name,)) == []


def test_the_row_helpers_read_and_write_a_sqlite_file(tmp_path: Path) -> None:
    path = tmp_path / "lab.db"
    db.execute(path, "CREATE TABLE rooms (id INTEGER PRIMARY KEY, code TEXT)")
    db.execute(path, "INSERT INTO rooms (code) VALUES (?)", ("123456",))
    assert db.rows(path, "SELECT id, code FROM rooms") == [(1, "123456")]
    assert db.one(path, "SELECT code FROM rooms WHERE id = ?", (2,)) is None
    assert db.tables(path) == ["rooms"]


def test_a_coroutine_that_takes_too_long_is_given_up() -> None:
    with pytest.raises(TimeoutError):
        run_async(lambda: asyncio.Event().wait(), 0.1)
