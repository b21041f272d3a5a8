"""lab's rows, read and written by the tests in whichever store they run on: a SQLite file (the default) or a
PostgreSQL database (`--store=postgres`, or LAB_TEST_STORE=postgres).

SQL is written as for SQLite, with `?` placeholders; for PostgreSQL they become `$N`. Rows come back as plain tuples
in both, so `rows(...) == [(1, "x")]` reads the same (PostgreSQL's booleans are True and False, which equal 1 and 0).
PostgreSQL is reached with asyncpg on an event loop of its own in a thread of its own: the helpers can be called from
inside a test's running loop, and give up after TIMEOUT seconds instead of hanging.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from services import run_async

from lab.settings import Settings, is_postgres
from lab.store import Store, open_store
from lab.store.postgres import placeholders

STORES = ("sqlite", "postgres")
TIMEOUT = 30.0

Target = str | Path
"""Where a store keeps its data: a postgresql:// URL, or the path of a SQLite file."""

_chosen = "sqlite"


def choose(store: str | None) -> str:
    """Sets the store the tests run on: `store` (the --store option) if given, else LAB_TEST_STORE, else SQLite."""
    global _chosen
    chosen = (store or os.environ.get("LAB_TEST_STORE") or "sqlite").strip().lower()
    if chosen not in STORES:
        raise ValueError(f"the store to test must be one of {', '.join(STORES)}, not {chosen!r}")
    _chosen = chosen
    return chosen


def chosen() -> str:
    """ "sqlite" or "postgres": the store this test run uses."""
    return _chosen


def on_postgres() -> bool:
    return _chosen == "postgres"


def target(where: Settings | Target) -> Target:
    """The database that settings name (their `database`), or `where` itself."""
    return where.database if isinstance(where, Settings) else where


def is_sqlite(where: Settings | Target) -> bool:
    return not is_postgres(target(where))


def make_store(where: Settings | Target, commit_window: float = 0.002, *, lock: bool = True) -> Store:
    """A store (not yet opened) on this database, of the kind its target names."""
    return open_store(target(where), commit_window, lock=lock)


Query = tuple[str, Sequence[Any]]
"""SQL and its parameters."""


def rows(where: Settings | Target, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    """Every row the query returns."""
    return _read(where, [(sql, params)])[0]


def each(where: Settings | Target, queries: Sequence[str]) -> list[list[tuple[Any, ...]]]:
    """Every row of each query, read over one connection (on PostgreSQL a connection costs more than a query)."""
    return _read(where, [(sql, ()) for sql in queries])


def _read(where: Settings | Target, queries: Sequence[Query]) -> list[list[tuple[Any, ...]]]:
    place = target(where)
    if is_postgres(place):
        return run_async(lambda: _postgres_read(str(place), queries), TIMEOUT)
    with contextlib.closing(sqlite3.connect(place, timeout=TIMEOUT)) as conn:
        return [conn.execute(sql, params).fetchall() for sql, params in queries]


def one(where: Settings | Target, sql: str, params: Sequence[Any] = ()) -> tuple[Any, ...] | None:
    """The query's first row, or None."""
    found = rows(where, sql, params)
    return found[0] if found else None


def execute(where: Settings | Target, sql: str, params: Sequence[Any] = ()) -> None:
    """Runs one statement and commits it."""
    place = target(where)
    if is_postgres(place):
        run_async(lambda: _postgres_execute(str(place), sql, params), TIMEOUT)
        return
    with contextlib.closing(sqlite3.connect(place, timeout=TIMEOUT)) as conn, conn:
        conn.execute(sql, params)


def tables(where: Settings | Target) -> list[str]:
    """The names of the database's tables (its own: not SQLite's or PostgreSQL's catalogue), sorted."""
    if is_sqlite(where):
        sql = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    else:
        sql = "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
    return sorted(name for (name,) in rows(where, sql))


def everything(where: Settings | Target, leave_out: Sequence[str] = ()) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (but those left out), each table's rows in a fixed order (sorted by their repr: the
    same rows in any order compare equal)."""
    names = [name for name in tables(where) if name not in leave_out]
    found = each(where, [f'SELECT * FROM "{name}"' for name in names])
    return {name: sorted(table, key=repr) for name, table in zip(names, found, strict=True)}


async def _postgres_read(url: str, queries: Sequence[Query]) -> list[list[tuple[Any, ...]]]:
    import asyncpg  # only the tests on PostgreSQL need it

    conn = await asyncpg.connect(url, timeout=TIMEOUT)
    try:
        return [[tuple(record) for record in await conn.fetch(placeholders(sql), *params)] for sql, params in queries]
    finally:
        await conn.close()


async def _postgres_execute(url: str, sql: str, params: Sequence[Any]) -> None:
    import asyncpg

    conn = await asyncpg.connect(url, timeout=TIMEOUT)
    try:
        await conn.execute(placeholders(sql), *params)
    finally:
        await conn.close()
