"""The one writer: a task that owns the write connection and commits in small groups.

Everything that arrived within a few milliseconds goes into one transaction, so a burst of
thousands of votes costs tens of commits instead of thousands (and an fsync each). Votes in a group are stored
together by the store's `store_votes`; any other job runs inside its own savepoint, so one that fails is undone
alone and the rest of its group still commits. After the commit, each job's `on_commit` callback runs in the order
the jobs were queued, before anyone awaiting it resumes: in-memory state built from those callbacks follows the
database exactly. A failing callback is logged and never stops the writer or the other jobs. Joins (a participant
made sure of) are stored together in the same way as votes: at a congress thousands arrive within a minute, and a
savepoint and three statements each would keep the database thread busy.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from .. import collector
from ..errors import Unavailable
from .base import Outcome, Vote

log = logging.getLogger(__name__)

T = TypeVar("T")


class Db(Protocol):
    """One connection (or a pool, for reading) as lab's SQL code uses it, whichever database is behind it. SQL is
    written with `?` placeholders; rows come back as tuples."""

    @property
    def in_transaction(self) -> bool: ...

    async def begin(self) -> None:
        """Start a transaction that will write (SQLite takes its write lock at once)."""

    async def one(self, sql: str, params: Sequence[Any] = ()) -> Any:
        """The first row, or None."""

    async def all(self, sql: str, params: Sequence[Any] = ()) -> list[Any]: ...

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run a statement; returns how many rows it changed."""

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None: ...

    async def run(self, fn: Callable[..., Awaitable[T]], *args: Any) -> T:
        """`fn(db, *args)`, which awaits nothing but `db`. SQLite's connection does all of it in one turn of its
        thread (lab.store.sqlite); elsewhere it is simply awaited."""


MAX_GROUP = 2000
SHORT_GROUP = 64  # a group this small waits the commit window for more
# A group of joins alone waits this many commit windows (10 ms by default) for more: nobody waits for an
# acknowledgement, only for the snapshot, which follows the page by a few milliseconds more; and phones arrive in a
# storm, which is then stored in fewer, larger commits (3,000 phones joining: the database thread's CPU 60 to 83 µs
# a phone with one window, 43 to 47 with five).
ARRIVALS_WAIT = 5


@dataclass(slots=True)
class _Job:
    future: asyncio.Future[Any]
    vote: Vote | None = None
    join: tuple[str, int] | None = None  # (participant, room id)
    fn: Callable[[Db], Awaitable[Any]] | None = None
    on_commit: Callable[[Any], None] | None = None
    result: Any = None
    error: BaseException | None = None


class Writer:
    """Queues writes and commits them in groups on `conn` (see the module docstring)."""

    def __init__(
        self,
        conn: Db,
        store_votes: Callable[[Db, list[Vote]], Awaitable[None]],
        store_joins: Callable[[Db, list[tuple[str, int]]], Awaitable[list[str | BaseException]]],
        commit_window: float,
    ) -> None:
        self._conn = conn
        self._store_votes = store_votes
        self._store_joins = store_joins  # a result per join: the nickname, or the error its participant gets
        self._window = commit_window
        self._loop = asyncio.get_running_loop()  # asked once: each call costs a system call on Python 3.11
        self._queue: asyncio.Queue[_Job | None] = asyncio.Queue()
        self._closed = False
        self._task = asyncio.create_task(self._run(), name="lab-store-writer")
        self._task.add_done_callback(self._ended)

    async def write(self, fn: Callable[[Db], Awaitable[T]], on_commit: Callable[[T], None] | None = None) -> T:
        """Run `fn` inside the next group's transaction (in a savepoint); return its result once committed."""
        result: T = await self._submit(_Job(self._loop.create_future(), fn=fn, on_commit=on_commit))
        return result

    def vote(self, vote: Vote) -> asyncio.Future[Outcome]:
        """Store a vote with the next group: the future has its outcome once committed. (Votes and joins come by
        the thousand at once, so they hand back the job's own future, not a coroutine that awaits it: each coroutine
        in the chain is an object more per waiting phone, for the garbage collector too.)"""
        return self._submit(_Job(self._loop.create_future(), vote=vote))

    def join(self, participant: str, room_id: int) -> asyncio.Future[str]:
        """Make sure a participant exists, with the next group: the future has their nickname once committed."""
        return self._submit(_Job(self._loop.create_future(), join=(participant, room_id)))

    def _submit(self, job: _Job) -> asyncio.Future[Any]:
        if self._closed:
            raise Unavailable()
        self._queue.put_nowait(job)
        return job.future

    async def close(self) -> None:
        """Commit what is queued, then stop; writes after this raise Unavailable."""
        if self._closed:
            return
        self._closed = True
        self._queue.put_nowait(None)
        await self._task

    def _ended(self, task: asyncio.Task[None]) -> None:
        """The writer stopped (closed, or cancelled with the loop): nothing queued may wait for it forever."""
        self._closed = True
        collector.bursts.settled()
        if not task.cancelled() and task.exception() is not None:
            log.error("the database writer stopped", exc_info=task.exception())
        while not self._queue.empty():
            job = self._queue.get_nowait()
            if job is not None:
                _settle(job.future, error=Unavailable())

    async def _run(self) -> None:
        stopping = False
        while not stopping:
            first = await self._queue.get()
            if first is None:
                break
            group = [first]
            stopping = self._drain(group)
            if not stopping and len(group) < SHORT_GROUP and self._window > 0:
                arrivals = all(job.join is not None for job in group)
                await asyncio.sleep(self._window * (ARRIVALS_WAIT if arrivals else 1))
                stopping = self._drain(group)
            if len(group) >= collector.BURST or collector.bursts.holding:  # (a smaller group starts no burst)
                collector.bursts.waiting(sum(job.vote is not None for job in group))
            try:
                await self._commit(group)
            except Exception as error:  # e.g. ROLLBACK failed too: fail this group, keep the writer alive
                log.exception("writer failed on a group of %d jobs", len(group))
                for job in group:
                    _settle(job.future, error=error)
            if self._queue.empty():
                collector.bursts.settled()

    def _drain(self, group: list[_Job]) -> bool:
        """Move queued jobs into `group`; True when the stop marker was among them."""
        while len(group) < MAX_GROUP:
            try:
                job = self._queue.get_nowait()
            except asyncio.QueueEmpty:
                return False
            if job is None:
                return True
            group.append(job)
        return False

    async def _commit(self, group: list[_Job]) -> None:
        try:
            await self._conn.run(self._transaction, group)
        except Exception as error:  # the whole group failed (disk full, I/O error): nobody is acknowledged
            log.exception("commit of %d jobs failed", len(group))
            for job in group:
                if job.vote is not None:
                    job.vote.outcome = None
                _settle(job.future, error=error)
            return
        for job in group:
            if job.error is not None:
                _settle(job.future, error=job.error)
                continue
            # Committed: memory must follow even when whoever waited has gone (its socket closed meanwhile).
            try:
                if job.vote is not None:
                    job.result = job.vote.outcome
                    if job.vote.on_commit is not None:
                        job.vote.on_commit(job.vote)
                elif job.on_commit is not None:
                    job.on_commit(job.result)
            except Exception:
                log.exception("on_commit callback failed")
            _settle(job.future, job.result)

    async def _transaction(self, conn: Db, group: list[_Job]) -> None:
        """A group's statements from BEGIN to COMMIT, rolled back when one fails. On SQLite this runs in the
        database's own thread: it may touch the group's jobs and votes and the store's own counters, which nothing on
        the event loop reads until `run` returns, and nothing of the event loop's (futures, callbacks, the reading
        connection), which waits for `_commit`. A writer cancelled meanwhile (the loop ending) leaves the group to
        commit there: its callers are told Unavailable, and a resent vote is a duplicate."""
        try:
            if conn.in_transaction:  # a ROLLBACK that failed before: never build on a half-done group
                await conn.execute("ROLLBACK")
            await conn.begin()
            index = 0
            while index < len(group):
                kind = _kind(group[index])
                end = index + 1
                while kind and end < len(group) and _kind(group[end]) == kind:
                    end += 1
                run = group[index:end]
                if kind == "vote":  # a run of votes: stored together
                    await self._store_votes(conn, [job.vote for job in run])  # type: ignore[misc]
                elif kind == "join":  # a run of joins: the same
                    results = await self._store_joins(conn, [job.join for job in run])  # type: ignore[misc]
                    for job, result in zip(run, results, strict=True):
                        if isinstance(result, BaseException):
                            job.error = result
                        else:
                            job.result = result
                else:
                    await _run_job(conn, group[index])
                index = end
            await conn.execute("COMMIT")
        except Exception:
            if conn.in_transaction:
                await conn.execute("ROLLBACK")
            raise


async def _run_job(conn: Db, job: _Job) -> None:
    """A job of its own, in a savepoint: when it fails, it alone is undone and gets the error."""
    assert job.fn is not None
    await conn.execute("SAVEPOINT job")
    try:
        job.result = await job.fn(conn)
    except Exception as error:
        await conn.execute("ROLLBACK TO job")
        job.error = error
    await conn.execute("RELEASE job")


def _kind(job: _Job) -> str:
    """What a job is, for storing runs of the same together: "vote", "join", or "" (a job of its own)."""
    return "vote" if job.vote is not None else "join" if job.join is not None else ""


def _settle(future: asyncio.Future[Any], result: Any = None, error: BaseException | None = None) -> None:
    """Resolve a job's future, unless whoever awaited it was cancelled."""
    if future.done():
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)
