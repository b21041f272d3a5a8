"""The PostgreSQL store (LAB_DATABASE_URL=postgresql://...): the same contract and SQL as SQLite's (lab.store.sql),
for several lab processes that share one database.

What is PostgreSQL's own: asyncpg (one connection for the writer, a small pool for reading), migrations applied by
the first process that starts (the others wait on an advisory lock), answers numbered in commit order by a sequence
that every process shares, and whole groups of votes, joins and members passed as arrays (`unnest`), so a burst
still costs a few statements per group. The writer's connection is made anew when it was lost (a restarted
server): the group that met the loss fails and nobody is acknowledged for it; the next group commits again.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import re
import socket
import ssl
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import asyncpg

from ..settings import shown
from .base import StoreError
from .sql import MEMBER_COLUMNS, RECEIPTS_KEPT, SqlStore
from .writer import Db

log = logging.getLogger(__name__)
T = TypeVar("T")

MIGRATIONS = Path(__file__).parent / "migrations" / "postgres"
MIGRATION_LOCK = 0x1AB  # the advisory lock lab's processes take while one of them migrates
CONNECT_TIMEOUT = 10.0
STARTUP_WAIT = 30.0  # seconds `open` waits for a server it cannot reach yet or that is still starting up
READERS = 4  # connections in the readers' pool

_PLACEHOLDER = re.compile(r"\?(\d*)")


@functools.lru_cache(maxsize=1024)
def placeholders(sql: str) -> str:
    """lab's SQL with SQLite's placeholders (`?`, or `?N` numbered) written as PostgreSQL's (`$N`).

    lab's statements hold no `?` inside string literals and use no jsonb `?` operators, so every `?` is a parameter.
    """
    counter = 0

    def number(match: re.Match[str]) -> str:
        nonlocal counter
        if match.group(1):
            return f"${match.group(1)}"
        counter += 1
        return f"${counter}"

    return _PLACEHOLDER.sub(number, sql)


def _changed(status: str) -> int:
    """How many rows a command's status ("UPDATE 3", "INSERT 0 1", "DELETE 0") says it changed."""
    last = status.rpartition(" ")[2]
    return int(last) if last.isdigit() else 0


class PostgresDb:
    """An asyncpg connection or pool as lab's SQL code uses it (lab.store.writer.Db)."""

    __slots__ = ("_reconnect", "conn")

    def __init__(self, conn: asyncpg.Connection | asyncpg.Pool, reconnect: Callable[[], Any] | None = None) -> None:
        self.conn = conn
        self._reconnect = reconnect  # the writer's: makes its connection anew when it was lost

    @property
    def in_transaction(self) -> bool:
        return isinstance(self.conn, asyncpg.Connection) and not self.conn.is_closed() and self.conn.is_in_transaction()

    async def begin(self) -> None:
        if self._reconnect is not None and isinstance(self.conn, asyncpg.Connection) and self.conn.is_closed():
            log.warning("the connection to PostgreSQL was lost: connecting again")
            self.conn = await self._reconnect()
        await self.conn.execute("BEGIN")

    async def one(self, sql: str, params: Sequence[Any] = ()) -> Any:
        row = await self.conn.fetchrow(placeholders(sql), *params)
        return None if row is None else tuple(row)

    async def all(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        return [tuple(row) for row in await self.conn.fetch(placeholders(sql), *params)]

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        return _changed(await self.conn.execute(placeholders(sql), *params))

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        await self.conn.executemany(placeholders(sql), rows)

    async def run(self, fn: Callable[..., Awaitable[T]], *args: Any) -> T:
        return await fn(self, *args)

    async def close(self) -> None:
        await self.conn.close()


def _lasting(error: BaseException) -> bool:
    """Whether a failure to connect stays whatever the wait: a name that does not exist (not a name service that does
    not answer yet), a certificate refused."""
    if isinstance(error, socket.gaierror):
        return error.errno != socket.EAI_AGAIN
    return isinstance(error, ssl.SSLError)


class PostgresStore(SqlStore):
    """lab's data in a PostgreSQL database (see lab.store.base for the contract)."""

    def __init__(
        self,
        url: str,
        commit_window: float = 0.002,
        *,
        clock: Callable[[], float] = time.time,
        startup_wait: float = STARTUP_WAIT,
    ) -> None:
        super().__init__(commit_window, clock)
        self.url = url
        self.startup_wait = startup_wait
        self._dbs: list[PostgresDb] = []

    async def _connect(self) -> tuple[Db, Db]:
        try:
            conn = await self._first_connection()
            writer = PostgresDb(conn, reconnect=self._new_connection)
            self._dbs.append(writer)
            await _migrate(conn)
            pool = await asyncpg.create_pool(self.url, min_size=1, max_size=READERS, timeout=CONNECT_TIMEOUT)
            reader = PostgresDb(pool)
            self._dbs.append(reader)
        except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
            raise StoreError(f"cannot use {shown(self.url)}: {error}.") from error
        return writer, reader

    async def _first_connection(self) -> asyncpg.Connection:
        """The writer's connection. A server that cannot be reached yet (it refuses connections, does not answer, the
        network or the name service is not up yet) or is still starting up is waited for, up to `startup_wait`
        seconds (and the last attempt's CONNECT_TIMEOUT): a compose file, or a server's start after a reboot, starts
        lab and PostgreSQL at the same time. What waiting does not mend (a wrong password, a name that does not exist,
        a certificate refused) fails at once."""
        loop = asyncio.get_running_loop()
        until = loop.time() + self.startup_wait
        pause = 0.1
        while True:
            try:
                return await self._new_connection()
            except (OSError, asyncpg.CannotConnectNowError) as error:
                # (a name with several addresses, `localhost` as ::1 and 127.0.0.1, fails with a plain OSError that
                # lists each refusal)
                if _lasting(error) or loop.time() + pause > until:
                    raise
                if pause == 0.1:
                    log.warning("waiting for %s to accept connections (%s)", shown(self.url), error)
                await asyncio.sleep(pause)
                pause = min(2 * pause, 1.0)

    async def _new_connection(self) -> asyncpg.Connection:
        return await asyncpg.connect(self.url, timeout=CONNECT_TIMEOUT)

    async def _disconnect(self) -> None:
        for db in reversed(self._dbs):
            try:
                await asyncio.wait_for(db.close(), CONNECT_TIMEOUT)
            except Exception:  # a connection already lost: nothing to close politely
                log.debug("closing a PostgreSQL connection failed", exc_info=True)
        self._dbs.clear()
        self._reader = self._conn = None

    async def _erase(self) -> None:
        """VACUUM the tables a room's rows were in, so the space of the deleted rows is taken back and reused.
        PostgreSQL does not overwrite it at once, and its write-ahead log and backups keep their copies for a
        while: docs/deploy.md says how to keep those safe."""
        await self._read.execute(f"VACUUM {', '.join(_ROOM_TABLES)}")

    # -- a whole group in one statement: arrays --------------------------------------------------------------------

    async def _join_rows(self, conn: Db, joins: list[tuple[str, int]], joined_at: str) -> list[tuple[bool, str]]:
        columns = _columns(joins, 2)
        await conn.execute(_STORE_JOINS, (*columns, joined_at))
        return await conn.all(_JOINED, columns)

    async def _vote_context(self, conn: Db, keys: list[list[Any]]) -> list[Sequence[Any]]:
        return await conn.all(_VOTE_CONTEXT, _columns(keys, 4))

    async def _insert_receipts(self, conn: Db, receipts: list[list[Any]]) -> None:
        await conn.execute(_STORE_RECEIPTS, _columns(receipts, 4))

    async def _upsert_answers(self, conn: Db, answers: list[list[Any]]) -> None:
        await conn.execute(_STORE_ANSWERS, _columns(answers, 10))  # not `seq`: the shared sequence numbers them

    async def _prune_receipts(self, conn: Db, changed: list[tuple[str, int, int]]) -> None:
        await conn.execute(_PRUNE_RECEIPTS, (*_columns(changed, 3), RECEIPTS_KEPT - 1))

    async def _ref_taken(self, conn: Db, room_id: int, refs: list[str]) -> str | None:
        row = await conn.one(
            "SELECT ref FROM members WHERE room_id = $1 AND ref = ANY($2::text[]) LIMIT 1", (room_id, refs)
        )
        return None if row is None else str(row[0])

    async def _insert_members(self, conn: Db, room_id: int, given: list[list[Any]], created_ms: int) -> list[Any]:
        return await conn.all(
            "INSERT INTO members (room_id, code, ref, group_name, weight, participant_id, created_ms)"
            " SELECT $1, j.code, j.ref, j.g, j.w, j.p, $2"
            " FROM unnest($3::text[], $4::text[], $5::text[], $6::float8[], $7::text[]) AS j(code, ref, g, w, p)"
            f" ON CONFLICT DO NOTHING RETURNING {MEMBER_COLUMNS}",
            (room_id, created_ms, *_columns(given, 5)),
        )


def _columns(rows: Sequence[Sequence[Any]], width: int) -> tuple[list[Any], ...]:
    """Rows as `width` columns (the first `width` of each row), one array parameter each."""
    return tuple([row[i] for row in rows] for i in range(width))


async def _migrate(conn: asyncpg.Connection) -> None:
    async with conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock($1)", MIGRATION_LOCK)  # processes starting together wait
        await conn.execute("CREATE TABLE IF NOT EXISTS lab_schema (version integer NOT NULL)")
        version = await conn.fetchval("SELECT coalesce(max(version), 0) FROM lab_schema")
        for path in sorted(MIGRATIONS.glob("*.sql")):
            number = int(path.name.split("_")[0])
            if number > version:
                log.info("applying migration postgres/%s", path.name)
                await conn.execute(path.read_text())
                await conn.execute("INSERT INTO lab_schema (version) VALUES ($1)", number)


_ROOM_TABLES = (
    "rooms", "questions", "rounds", "participants", "answers", "receipts", "images", "posts", "upvotes", "themes",
    "members", "hands", "ballots",
)  # fmt: skip

_STORE_JOINS = (
    "INSERT INTO participants (id, room_id, joined_at) SELECT j.p, j.r, $3"
    " FROM unnest($1::text[], $2::bigint[]) AS j(p, r) WHERE EXISTS (SELECT 1 FROM rooms WHERE id = j.r)"
    " ON CONFLICT DO NOTHING"
)
_JOINED = (
    "SELECT EXISTS (SELECT 1 FROM rooms WHERE id = j.r), p.nickname"
    " FROM unnest($1::text[], $2::bigint[]) WITH ORDINALITY AS j(p, r, n)"
    " LEFT JOIN participants AS p ON p.id = j.p ORDER BY j.n"
)
_VOTE_CONTEXT = (
    "SELECT j.n, q.round, q.status, p.id IS NOT NULL, r.question_id, r.round, a.vote_id, a.value, a.status"
    " FROM unnest($1::text[], $2::text[], $3::bigint[], $4::integer[]) WITH ORDINALITY"
    " AS j(participant, vote_id, question, round, n)"
    " LEFT JOIN questions q ON q.id = j.question"
    " LEFT JOIN participants p ON p.id = j.participant AND NOT p.removed"
    " LEFT JOIN receipts r ON r.participant_id = j.participant AND r.vote_id = j.vote_id"
    " LEFT JOIN answers a ON a.question_id = j.question AND a.round = j.round AND a.participant_id = j.participant"
    " ORDER BY j.n"
)
_STORE_RECEIPTS = (
    "INSERT INTO receipts (participant_id, vote_id, question_id, round) SELECT j.p, j.v, j.q, j.r"
    " FROM unnest($1::text[], $2::text[], $3::bigint[], $4::integer[]) WITH ORDINALITY AS j(p, v, q, r, n)"
    " ORDER BY j.n ON CONFLICT DO NOTHING"
)
# The sequence numbers the rows after they are sorted (PostgreSQL evaluates volatile functions of the select list
# after ORDER BY), so answers keep the group's order.
_STORE_ANSWERS = (
    "INSERT INTO answers (question_id, round, participant_id, value, vote_id, status, group_name, weight, channel,"
    " received_ms, seq)"
    " SELECT j.q, j.r, j.p, j.v, j.i, j.s, j.g, j.w, j.c, j.t, nextval('answers_seq')"
    " FROM unnest($1::bigint[], $2::integer[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],"
    " $8::float8[], $9::text[], $10::bigint[]) WITH ORDINALITY AS j(q, r, p, v, i, s, g, w, c, t, n) ORDER BY j.n"
    " ON CONFLICT (question_id, round, participant_id) DO UPDATE SET value = excluded.value,"
    " vote_id = excluded.vote_id, status = excluded.status, group_name = excluded.group_name,"
    " weight = excluded.weight, channel = excluded.channel, received_ms = excluded.received_ms, seq = excluded.seq"
)
_PRUNE_RECEIPTS = (
    "DELETE FROM receipts WHERE id IN (SELECT r.id FROM unnest($1::text[], $2::bigint[], $3::integer[]) AS j(p, q, n)"
    " JOIN receipts r ON r.participant_id = j.p AND r.question_id = j.q AND r.round = j.n"
    " WHERE r.id < (SELECT k.id FROM receipts k WHERE k.participant_id = r.participant_id"
    " AND k.question_id = r.question_id AND k.round = r.round ORDER BY k.id DESC LIMIT 1 OFFSET $4))"
)
