"""The SQLite store: one file, write-ahead log, one writer with group commit (lab.store.writer), one reader.

lab's SQL is shared with PostgreSQL's store (lab.store.sql); here is what is SQLite's own: the file and its lock,
the pragmas, the migrations (`PRAGMA user_version`), emptying the write-ahead log after a room is deleted, and the
statements that take a whole group of votes or joins as one JSON parameter (`json_each`), so the database thread
hands the GIL back a few times per group, not per vote.

A running `lab serve` holds an exclusive lock on `<file>.lock` beside the database, so a second server or a
`lab purge` on the same file is refused with a sentence that says what to do, instead of changing rows behind the
running server's back.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
import sqlite3
import time
from collections.abc import Awaitable, Callable, Coroutine, Iterable, Sequence
from pathlib import Path
from typing import IO, Any, TypeVar, cast

import aiosqlite

from ..wire import dumps
from .base import StoreError
from .sql import MEMBER_COLUMNS, RECEIPTS_KEPT, SqlStore
from .writer import Db

log = logging.getLogger(__name__)
T = TypeVar("T")

MIGRATIONS = Path(__file__).parent / "migrations"
MAX_STRAY_AWAITS = 16  # a group whose writes await anything but the connection this often is given up whole
CHECKPOINT_TRIES = 40  # about 20 s in all, with pauses growing from 10 ms to 1 s


class SqliteDb:
    """An aiosqlite connection as lab's SQL code uses it (lab.store.writer.Db).

    Every call is one turn of the connection's own thread: the statement is handed over, the event loop is woken with
    its result. A hand-over costs about a hundred microseconds of CPU on both sides (two thread switches, the GIL
    passed back and forth), more than most of lab's statements themselves, so each method does its whole work in one
    turn (`all` is not three: execute, fetch, close), and `run` does a writer's whole group, from BEGIN to COMMIT, in
    one. They go through aiosqlite's `_execute`, the method its own public calls are built on (pyproject.toml keeps
    aiosqlite within 0.22, and tests/test_store.py counts the turns)."""

    __slots__ = ("conn",)

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self.conn = conn

    @property
    def in_transaction(self) -> bool:
        return self.conn.in_transaction

    async def begin(self) -> None:
        await self.run(_ThreadDb.begin)

    async def one(self, sql: str, params: Sequence[Any] = ()) -> Any:
        return await self.run(_ThreadDb.one, sql, params)

    async def all(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        return await self.run(_ThreadDb.all, sql, params)

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        return await self.run(_ThreadDb.execute, sql, params)

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        await self.run(_ThreadDb.executemany, sql, rows)

    async def run(self, fn: Callable[..., Awaitable[T]], *args: Any) -> T:
        """`fn(db, *args)` with all its statements in one turn of the connection's thread (see `_drive`)."""
        return await self.conn._execute(_drive, self.conn, fn, args)  # type: ignore[no-untyped-call,no-any-return]


def _drive(conn: aiosqlite.Connection, fn: Callable[..., Awaitable[T]], args: tuple[Any, ...]) -> T:
    """Run the coroutine `fn(db, *args)` to its end here, in the connection's thread, where `db` does each statement
    at once. lab's SQL awaits nothing but its connection, so the coroutine never waits for the event loop. A write
    that awaits anything else fails alone, as any failing write does (its savepoint undone, the rest of its group
    committed): an asyncio call that needs the running loop raises at once here; one that would only yield to the
    loop gets a RuntimeError thrown in where it waits, naming the coroutines down to it."""
    coroutine = cast(Coroutine[Any, Any, T], fn(_ThreadDb(conn._conn), *args))
    error: BaseException | None = None
    for _ in range(MAX_STRAY_AWAITS):
        try:
            if error is None:
                coroutine.send(None)
            else:
                coroutine.throw(error)
        except StopIteration as done:
            return done.value  # type: ignore[no-any-return]
        chain: list[str] = []
        waiting: Any = coroutine
        while hasattr(waiting, "cr_code"):
            chain.append(waiting.__qualname__)
            waiting = waiting.cr_await
        error = RuntimeError(f"a write awaited something other than its database connection: {' > '.join(chain)}")
    coroutine.close()  # it went on awaiting: give up on the whole group
    if conn._conn.in_transaction:
        conn._conn.execute("ROLLBACK")
    raise RuntimeError("a group of writes kept awaiting something other than its database connection")


class _ThreadDb:
    """A sqlite3 connection as lab's SQL code uses it (lab.store.writer.Db), inside the connection's own thread:
    every statement runs at once (see `_drive`)."""

    __slots__ = ("conn",)

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    @property
    def in_transaction(self) -> bool:
        return self.conn.in_transaction

    async def begin(self) -> None:
        self.conn.execute("BEGIN IMMEDIATE")  # the write lock at once, not at the first write

    async def one(self, sql: str, params: Sequence[Any] = ()) -> Any:
        return self.conn.execute(sql, params).fetchone()

    async def all(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        return self.conn.execute(sql, params).fetchall()

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        return self.conn.execute(sql, params).rowcount

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        self.conn.executemany(sql, rows)

    async def run(self, fn: Callable[..., Awaitable[T]], *args: Any) -> T:
        return await fn(self, *args)


class SqliteStore(SqlStore):
    """lab's data in one SQLite file (see lab.store.base for the contract)."""

    def __init__(
        self,
        path: Path,
        commit_window: float = 0.002,
        *,
        lock: bool = True,
        clock: Callable[[], float] = time.time,
        pause: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        super().__init__(commit_window, clock)
        self.path = Path(path)
        self._lock = lock
        self._pause = pause  # between checkpoint attempts (a parameter, so tests need not wait)
        self._lock_file: IO[str] | None = None
        self._connections: list[aiosqlite.Connection] = []

    # -- life ----------------------------------------------------------------------------------------------------

    async def _connect(self) -> tuple[Db, Db]:
        try:
            if self._lock:
                self._lock_file = _hold_lock(self.path)
            writer = await self._open_connection()
            await _migrate(writer)
            reader = await self._open_connection()
        except (sqlite3.Error, OSError) as error:
            raise StoreError(_explain(self.path, error)) from error
        return SqliteDb(writer), SqliteDb(reader)

    async def _open_connection(self) -> aiosqlite.Connection:
        conn = await aiosqlite.connect(self.path, isolation_level=None)
        self._connections.append(conn)
        await conn.execute("PRAGMA journal_mode = WAL")
        await conn.execute("PRAGMA synchronous = FULL")  # an acknowledged vote survives a power cut too
        await conn.execute("PRAGMA foreign_keys = ON")
        await conn.execute("PRAGMA busy_timeout = 5000")
        await conn.execute("PRAGMA secure_delete = ON")  # deleted rooms leave no readable trace in the file
        return conn

    async def _disconnect(self) -> None:
        for conn in reversed(self._connections):
            with contextlib.suppress(Exception):
                await conn.close()
        self._connections.clear()
        self._reader = self._conn = None
        if self._lock_file is not None:
            _release_lock(self._lock_file)
            self._lock_file = None

    async def _erase(self) -> None:
        """Fold the write-ahead log into the file and empty it, so that no copy of deleted pages stays readable in
        the `-wal` file (secure_delete zeroes them in the file itself). A reader in the middle of a read keeps the
        log busy: try again, with growing pauses, until the log is empty."""
        for attempt in range(CHECKPOINT_TRIES):
            if await asyncio.to_thread(_checkpoint_once, self.path):
                return
            await self._pause(min(1.0, 0.01 * 2**attempt))
        log.error(
            "the write-ahead log of %s stayed busy; deleted data may remain in it until the next start", self.path
        )

    # -- a whole group in one statement: one JSON parameter -----------------------------------------------------------

    async def _join_rows(self, conn: Db, joins: list[tuple[str, int]], joined_at: str) -> list[tuple[bool, str]]:
        keys = dumps(joins)
        await conn.execute(_STORE_JOINS, (keys, joined_at))
        return await conn.all(_JOINED, (keys,))

    async def _vote_context(self, conn: Db, keys: list[list[Any]]) -> list[Sequence[Any]]:
        return await conn.all(_VOTE_CONTEXT, (dumps(keys),))

    async def _insert_receipts(self, conn: Db, receipts: list[list[Any]]) -> None:
        await conn.execute(_STORE_RECEIPTS, (dumps(receipts),))

    async def _upsert_answers(self, conn: Db, answers: list[list[Any]]) -> None:
        await conn.execute(_STORE_ANSWERS, (dumps(answers),))

    async def _prune_receipts(self, conn: Db, changed: list[tuple[str, int, int]]) -> None:
        await conn.execute(_PRUNE_RECEIPTS, (dumps(changed), RECEIPTS_KEPT - 1))

    async def _ref_taken(self, conn: Db, room_id: int, refs: list[str]) -> str | None:
        row = await conn.one(
            "SELECT ref FROM members WHERE room_id = ? AND ref IN (SELECT value FROM json_each(?)) LIMIT 1",
            (room_id, dumps(refs)),
        )
        return None if row is None else str(row[0])

    async def _insert_members(self, conn: Db, room_id: int, given: list[list[Any]], created_ms: int) -> list[Any]:
        return await conn.all(
            "INSERT INTO members (room_id, code, ref, group_name, weight, participant_id, created_ms)"
            " SELECT ?, j.value ->> 0, j.value ->> 1, j.value ->> 2, j.value ->> 3, j.value ->> 4, ?"
            f" FROM json_each(?) AS j WHERE true ON CONFLICT DO NOTHING RETURNING {MEMBER_COLUMNS}",
            (room_id, created_ms, dumps(given)),
        )


async def _migrate(conn: aiosqlite.Connection) -> None:
    async with conn.execute("PRAGMA user_version") as cursor:
        (version,) = await cursor.fetchone() or (0,)
    for path in sorted(MIGRATIONS.glob("*.sql")):
        number = int(path.name.split("_")[0])
        if number > version:
            log.info("applying migration %s", path.name)
            await conn.executescript(f"BEGIN;\n{path.read_text()}\nPRAGMA user_version = {number};\nCOMMIT;")


_STORE_JOINS = (
    "INSERT INTO participants (id, room_id, joined_at)"
    " SELECT j.value ->> 0, j.value ->> 1, ?2 FROM json_each(?1) AS j"
    " WHERE EXISTS (SELECT 1 FROM rooms WHERE id = j.value ->> 1) ON CONFLICT DO NOTHING"
)
_JOINED = (
    "SELECT EXISTS (SELECT 1 FROM rooms WHERE id = j.value ->> 1), p.nickname FROM json_each(?) AS j"
    " LEFT JOIN participants AS p ON p.id = j.value ->> 0 ORDER BY j.key"
)
# One row per vote, in the group's order: the question's current round and status, whether the participant exists,
# the receipt of this vote id, and the participant's present answer in the vote's round.
_VOTE_CONTEXT = (
    "SELECT j.key, q.round, q.status, p.id IS NOT NULL, r.question_id, r.round, a.vote_id, a.value, a.status"
    " FROM json_each(?) AS j"
    " LEFT JOIN questions q ON q.id = j.value ->> 2"
    " LEFT JOIN participants p ON p.id = j.value ->> 0 AND NOT p.removed"
    " LEFT JOIN receipts r ON r.participant_id = j.value ->> 0 AND r.vote_id = j.value ->> 1"
    " LEFT JOIN answers a ON a.question_id = j.value ->> 2 AND a.round = j.value ->> 3"
    " AND a.participant_id = j.value ->> 0"
    " ORDER BY j.key"
)
_STORE_RECEIPTS = (
    "INSERT INTO receipts (participant_id, vote_id, question_id, round)"
    " SELECT j.value ->> 0, j.value ->> 1, j.value ->> 2, j.value ->> 3 FROM json_each(?) AS j"
    " WHERE true ON CONFLICT DO NOTHING"
)
_STORE_ANSWERS = (
    "INSERT INTO answers (question_id, round, participant_id, value, vote_id, status, group_name, weight, channel,"
    " received_ms, seq)"
    " SELECT j.value ->> 0, j.value ->> 1, j.value ->> 2, j.value ->> 3, j.value ->> 4, j.value ->> 5,"
    " j.value ->> 6, j.value ->> 7, j.value ->> 8, j.value ->> 9, j.value ->> 10 FROM json_each(?) AS j WHERE true"
    " ON CONFLICT (question_id, round, participant_id) DO UPDATE SET value = excluded.value,"
    " vote_id = excluded.vote_id, status = excluded.status, group_name = excluded.group_name,"
    " weight = excluded.weight, channel = excluded.channel, received_ms = excluded.received_ms, seq = excluded.seq"
)
# Keeps the newest RECEIPTS_KEPT receipts of each changed (participant, question, round): the second parameter is
# the offset of the oldest one kept.
_PRUNE_RECEIPTS = (
    "DELETE FROM receipts WHERE rowid IN (SELECT r.rowid FROM json_each(?) AS j JOIN receipts r"
    " ON r.participant_id = j.value ->> 0 AND r.question_id = j.value ->> 1 AND r.round = j.value ->> 2"
    " WHERE r.rowid < (SELECT k.rowid FROM receipts k WHERE k.participant_id = r.participant_id"
    " AND k.question_id = r.question_id AND k.round = r.round ORDER BY k.rowid DESC LIMIT 1 OFFSET ?))"
)


def _checkpoint_once(path: Path) -> bool:
    """One `wal_checkpoint(TRUNCATE)` on a connection of its own; True when the log is empty afterwards. It does not
    wait for busy readers (no busy timeout): waiting, it would hold the write lock and stall every room's votes."""
    conn = sqlite3.connect(path, timeout=0)
    try:
        busy, _, _ = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    finally:
        conn.close()
    wal = Path(f"{path}-wal")
    return not busy and (not wal.exists() or wal.stat().st_size == 0)


def _hold_lock(path: Path) -> IO[str]:
    """Take the exclusive lock on `<path>.lock` (held until the process ends or the store closes)."""
    lock_path = path.with_name(path.name + ".lock")
    handle = open(lock_path, "a+")  # noqa: SIM115 (held open for the life of the store)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        owner = handle.read().strip()
        handle.close()
        raise StoreInUse(path, owner) from None
    handle.seek(0)
    handle.truncate()
    handle.write(f"{os.getpid()}\n")
    handle.flush()
    return handle


def _release_lock(handle: IO[str]) -> None:
    """Unlock by closing. The file stays: removing it would let a process that opened it just before lock a file
    that no longer has a name, beside another that locks a new one."""
    handle.close()


class StoreInUse(StoreError):
    """Another lab process (a running server) holds the database."""

    def __init__(self, path: Path, owner: str) -> None:
        process = f" (process {owner})" if owner.isdigit() else ""
        super().__init__(f"{path} is in use by a running lab server{process}.")


def _explain(path: Path, error: BaseException) -> str:
    """One sentence for the person starting lab."""
    if isinstance(error, StoreError):
        return str(error)
    text = str(error)
    if isinstance(error, sqlite3.DatabaseError) and ("not a database" in text or "malformed" in text):
        return f"{path} is not a lab database, or it is damaged ({text}). Restore a backup or use another --db file."
    if "readonly" in text or "read-only" in text or isinstance(error, PermissionError):
        return f"cannot write {path} ({text}). Use a folder you may write to, on a disk that is not read-only."
    if isinstance(error, OSError) and error.strerror:
        return f"cannot use {path}: {error.strerror}."
    return f"cannot use {path}: {text}."
