"""The only place SQL runs.

One writer task owns the write connection and commits in small groups: everything that arrived within a few
milliseconds goes into one transaction, so a burst of thousands of votes costs tens of commits. Each job's
`on_commit` callback runs right after its group commits and before anyone awaiting it resumes, in the order the
jobs were queued, so in-memory state built from those callbacks always agrees with the database.
Reads use a second connection (WAL lets them run beside the writer). Migrations are numbered SQL files in
`lab/migrations/`, applied at start.
"""

from __future__ import annotations

import asyncio
import enum
import json
import logging
import sqlite3
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

from .questions import JSON
from .wire import dumps

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).parent / "migrations"
MAX_BATCH = 2000

T = TypeVar("T")
Conn = aiosqlite.Connection


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


# -- rows ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RoomRow:
    id: int
    code: str
    title: str
    deck: str | None
    facilitator_key: str
    projector_key: str
    current_question_id: int | None
    version: int
    created_at: str


@dataclass(frozen=True)
class QuestionRow:
    id: int
    room_id: int
    position: int
    type: str
    prompt: str
    settings: dict[str, JSON]
    status: str
    results_projector: bool
    results_phones: bool
    round: int


@dataclass(frozen=True)
class AnswerRow:
    question_id: int
    participant_id: str
    value: JSON
    hidden: bool
    answered_at: str
    nickname: str = ""


_ROOM = "id, code, title, deck, facilitator_key, projector_key, current_question_id, version, created_at"
_QUESTION = "id, room_id, position, type, prompt, settings, status, results_projector, results_phones, round"


def _room(row: Iterable[Any]) -> RoomRow:
    return RoomRow(*row)


def _question(row: Sequence[Any]) -> QuestionRow:
    return QuestionRow(*row[:5], json.loads(row[5]), row[6], bool(row[7]), bool(row[8]), row[9])  # type: ignore[call-arg]


# -- votes -----------------------------------------------------------------------------------------------------


class Outcome(enum.Enum):
    STORED = "stored"
    DUPLICATE = "duplicate"  # this vote id was accepted before: acknowledge again, change nothing
    LOCKED = "locked"  # the question forbids changing an answer, and there is one


@dataclass
class Vote:
    participant_id: str
    vote_id: str
    question_id: int
    value: JSON
    locked: bool  # the question forbids changing an answer
    on_commit: Callable[[Outcome], None] | None = None


@dataclass
class _Job:
    future: asyncio.Future[Any]
    vote: Vote | None = None
    fn: Callable[[Conn], Awaitable[Any]] | None = None
    on_commit: Callable[[Any], None] | None = None
    result: Any = None
    error: BaseException | None = None


@dataclass
class Database:
    """The database: a writer with group commit, a reader, and the named reads and writes lab needs."""

    path: Path
    commit_window: float = 0.002
    _writer: Conn | None = None
    _reader: Conn | None = None
    _queue: asyncio.Queue[_Job | None] = field(default_factory=asyncio.Queue)
    _task: asyncio.Task[None] | None = None

    # -- life ----------------------------------------------------------------------------------------------------

    async def open(self) -> None:
        """Connect, apply migrations, start the writer."""
        self._writer = await self._connect()
        await self._migrate(self._writer)
        self._reader = await self._connect()
        self._task = asyncio.create_task(self._run_writer(), name="lab-db-writer")

    async def close(self) -> None:
        """Finish queued writes, then close both connections."""
        if self._task is not None:
            await self._queue.put(None)
            await self._task
            self._task = None
        for conn in (self._reader, self._writer):
            if conn is not None:
                await conn.close()
        self._reader = self._writer = None

    async def _connect(self) -> Conn:
        conn = await aiosqlite.connect(self.path, isolation_level=None)
        await conn.execute("PRAGMA journal_mode = WAL")
        await conn.execute("PRAGMA synchronous = FULL")  # an acknowledged vote survives a power cut too
        await conn.execute("PRAGMA foreign_keys = ON")
        await conn.execute("PRAGMA busy_timeout = 5000")
        await conn.execute("PRAGMA secure_delete = ON")  # deleted rooms leave no readable trace in the file
        return conn

    async def _migrate(self, conn: Conn) -> None:
        (version,) = await (await conn.execute("PRAGMA user_version")).fetchone() or (0,)
        for path in sorted(MIGRATIONS.glob("*.sql")):
            number = int(path.name.split("_")[0])
            if number > version:
                log.info("applying migration %s", path.name)
                await conn.executescript(f"BEGIN;\n{path.read_text()}\nPRAGMA user_version = {number};\nCOMMIT;")

    @property
    def reader(self) -> Conn:
        assert self._reader is not None, "database is not open"
        return self._reader

    # -- the writer ----------------------------------------------------------------------------------------------

    async def write(self, fn: Callable[[Conn], Awaitable[T]], on_commit: Callable[[T], None] | None = None) -> T:
        """Run `fn` inside the next group's transaction; return its result once committed."""
        job = _Job(asyncio.get_running_loop().create_future(), fn=fn, on_commit=on_commit)
        await self._queue.put(job)
        result: T = await job.future
        return result

    async def vote(self, vote: Vote) -> Outcome:
        """Store a vote (or recognise it as a resend). Returns once committed."""
        job = _Job(asyncio.get_running_loop().create_future(), vote=vote)
        await self._queue.put(job)
        outcome: Outcome = await job.future
        return outcome

    async def _run_writer(self) -> None:
        stopping = False
        while not stopping:
            first = await self._queue.get()
            if first is None:
                break
            batch = [first]
            stopping = self._drain(batch)
            if not stopping and len(batch) < 64 and self.commit_window > 0:
                await asyncio.sleep(self.commit_window)
                stopping = self._drain(batch)
            try:
                await self._commit(batch)
            except Exception as error:  # e.g. ROLLBACK failed too: fail this group, keep the writer alive
                log.exception("writer failed on a group of %d jobs", len(batch))
                for job in batch:
                    _settle(job.future, error=error)

    def _drain(self, batch: list[_Job]) -> bool:
        """Move queued jobs into `batch`; True when the stop marker was among them."""
        while len(batch) < MAX_BATCH:
            try:
                job = self._queue.get_nowait()
            except asyncio.QueueEmpty:
                return False
            if job is None:
                return True
            batch.append(job)
        return False

    async def _commit(self, batch: list[_Job]) -> None:
        conn = self._writer
        assert conn is not None
        try:
            await conn.execute("BEGIN IMMEDIATE")
            index = 0
            while index < len(batch):
                end = index
                while end < len(batch) and batch[end].vote is not None:
                    end += 1
                if end > index:
                    await self._store_votes(conn, batch[index:end])
                    index = end
                else:
                    await self._run_job(conn, batch[index])
                    index += 1
            await conn.execute("COMMIT")
        except Exception as error:  # the whole group failed (disk full, I/O error): nobody is acknowledged
            log.exception("commit of %d jobs failed", len(batch))
            if conn.in_transaction:
                await conn.execute("ROLLBACK")
            for job in batch:
                _settle(job.future, error=error)
            return
        for job in batch:
            if job.error is not None:
                _settle(job.future, error=job.error)
                continue
            # Committed: memory must follow even when whoever waited has gone (its socket closed meanwhile).
            callback = job.vote.on_commit if job.vote is not None else job.on_commit
            if callback is not None:
                try:
                    callback(job.result)
                except Exception:  # a broken callback must not stop the writer or other jobs
                    log.exception("on_commit callback failed")
            _settle(job.future, job.result)

    async def _run_job(self, conn: Conn, job: _Job) -> None:
        assert job.fn is not None
        await conn.execute("SAVEPOINT job")
        try:
            job.result = await job.fn(conn)
        except Exception as error:
            await conn.execute("ROLLBACK TO job")
            job.error = error
        await conn.execute("RELEASE job")

    async def _store_votes(self, conn: Conn, jobs: list[_Job]) -> None:
        """Store a group of votes in four statements, whatever its size.

        Each statement takes the whole group as one JSON parameter (`json_each`) instead of one execution per
        vote, so a group of thousands costs the database thread four round trips."""
        votes = [job.vote for job in jobs if job.vote is not None]
        seen = await _existing(
            conn,
            "SELECT participant_id, vote_id FROM receipts JOIN json_each(?) AS j"
            " ON participant_id = j.value ->> 0 AND vote_id = j.value ->> 1",
            [(v.participant_id, v.vote_id) for v in votes],
        )
        answered = await _existing(
            conn,
            "SELECT participant_id, question_id FROM answers JOIN json_each(?) AS j"
            " ON participant_id = j.value ->> 0 AND question_id = j.value ->> 1",
            [(v.participant_id, v.question_id) for v in votes if v.locked],
        )
        stamp = now()
        stored: list[tuple[str, int, str, str]] = []
        for job, vote in zip(jobs, votes, strict=True):
            pair = (vote.participant_id, vote.question_id)
            if (vote.participant_id, vote.vote_id) in seen:
                job.result = Outcome.DUPLICATE
            elif vote.locked and pair in answered:
                job.result = Outcome.LOCKED
            else:
                job.result = Outcome.STORED
                seen.add((vote.participant_id, vote.vote_id))
                answered.add(pair)
                stored.append((vote.participant_id, vote.question_id, vote.vote_id, dumps(vote.value)))
        if not stored:
            return
        # A question deleted or a participant purged while its votes were queued must not fail the whole group:
        # such votes are skipped here, and the domain ignores them in its on_commit.
        group = (
            "SELECT j.value ->> 0 AS p, j.value ->> 1 AS q, j.value ->> 2 AS vote, j.value ->> 3 AS value"
            " FROM json_each(?) AS j WHERE EXISTS (SELECT 1 FROM questions WHERE id = j.value ->> 1)"
            " AND EXISTS (SELECT 1 FROM participants WHERE id = j.value ->> 0)"
        )
        await conn.execute(
            f"INSERT INTO receipts (participant_id, question_id, vote_id) SELECT p, q, vote FROM ({group})"
            " WHERE true ON CONFLICT DO NOTHING",
            (dumps(stored),),
        )
        # A group may hold two votes of one participant for one question (a changed answer): every one gets its
        # receipt, and only the last becomes the answer (one row per key, so the upsert never meets a row twice).
        last = {(row[0], row[1]): row for row in stored}
        await conn.execute(
            "INSERT INTO answers (question_id, participant_id, value, vote_id, answered_at)"
            f" SELECT q, p, value, vote, ? FROM ({group}) WHERE true"
            " ON CONFLICT (question_id, participant_id) DO UPDATE"
            " SET value = excluded.value, vote_id = excluded.vote_id, answered_at = excluded.answered_at",
            (stamp, dumps(list(last.values()))),
        )

    # -- reads ---------------------------------------------------------------------------------------------------

    async def get_meta(self, key: str) -> str | None:
        row = await (await self.reader.execute("SELECT value FROM meta WHERE key = ?", (key,))).fetchone()
        return None if row is None else str(row[0])

    async def room_by_code(self, code: str) -> RoomRow | None:
        cursor = await self.reader.execute(f"SELECT {_ROOM} FROM rooms WHERE code = ?", (code,))
        row = await cursor.fetchone()
        return None if row is None else _room(row)

    async def latest_room_for_deck(self, deck: str) -> RoomRow | None:
        cursor = await self.reader.execute(
            f"SELECT {_ROOM} FROM rooms WHERE deck = ? ORDER BY id DESC LIMIT 1", (deck,)
        )
        row = await cursor.fetchone()
        return None if row is None else _room(row)

    async def rooms(self) -> list[RoomRow]:
        cursor = await self.reader.execute(f"SELECT {_ROOM} FROM rooms ORDER BY id DESC")
        return [_room(row) for row in await cursor.fetchall()]

    async def questions(self, room_id: int) -> list[QuestionRow]:
        cursor = await self.reader.execute(
            f"SELECT {_QUESTION} FROM questions WHERE room_id = ? ORDER BY position, id", (room_id,)
        )
        return [_question(row) for row in await cursor.fetchall()]

    async def answers(self, room_id: int) -> list[AnswerRow]:
        """Every answer in a room, oldest first, with the participant's nickname."""
        cursor = await self.reader.execute(
            "SELECT a.question_id, a.participant_id, a.value, a.hidden, a.answered_at, p.nickname"
            " FROM answers a JOIN questions q ON q.id = a.question_id JOIN participants p ON p.id = a.participant_id"
            " WHERE q.room_id = ? ORDER BY a.answered_at, a.id",
            (room_id,),
        )
        return [AnswerRow(q, p, json.loads(v), bool(h), at, nick) for q, p, v, h, at, nick in await cursor.fetchall()]

    async def rooms_created_before(self, stamp: str) -> list[str]:
        cursor = await self.reader.execute("SELECT code FROM rooms WHERE created_at < ?", (stamp,))
        return [str(row[0]) for row in await cursor.fetchall()]

    async def nickname(self, participant_id: str) -> str | None:
        """The participant's nickname; None when the participant is unknown."""
        cursor = await self.reader.execute("SELECT nickname FROM participants WHERE id = ?", (participant_id,))
        row = await cursor.fetchone()
        return None if row is None else str(row[0])

    # -- named writes (each runs inside the writer's transaction) -------------------------------------------------

    async def set_meta_once(self, key: str, value: str) -> str:
        """Store `value` under `key` unless something is stored already; return what is stored."""

        async def run(conn: Conn) -> str:
            await conn.execute("INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)", (key, value))
            row = await (await conn.execute("SELECT value FROM meta WHERE key = ?", (key,))).fetchone()
            assert row is not None
            return str(row[0])

        return await self.write(run)

    async def create_room(
        self, code: str, title: str, deck: str | None, keys: tuple[str, str], questions: Sequence[tuple[str, str, JSON]]
    ) -> RoomRow | None:
        """A new room with its questions (type, prompt, settings); None when the code is taken."""

        async def run(conn: Conn) -> RoomRow | None:
            try:
                cursor = await conn.execute(
                    "INSERT INTO rooms (code, title, deck, facilitator_key, projector_key, created_at)"
                    f" VALUES (?, ?, ?, ?, ?, ?) RETURNING {_ROOM}",
                    (code, title, deck, *keys, now()),
                )
            except sqlite3.IntegrityError:
                return None
            row = await cursor.fetchone()
            assert row is not None
            room = _room(row)
            await conn.executemany(
                "INSERT INTO questions (room_id, position, type, prompt, settings) VALUES (?, ?, ?, ?, ?)",
                [(room.id, pos, kind, prompt, dumps(s)) for pos, (kind, prompt, s) in enumerate(questions)],
            )
            return room

        return await self.write(run)

    async def change_room(
        self, room_id: int, change: Callable[[Conn], Awaitable[T]], on_commit: Callable[[tuple[int, T]], None]
    ) -> tuple[int, T]:
        """Run a change to a room and bump its version in the same transaction; returns (version, result)."""

        async def run(conn: Conn) -> tuple[int, T]:
            result = await change(conn)
            cursor = await conn.execute(
                "UPDATE rooms SET version = version + 1 WHERE id = ? RETURNING version", (room_id,)
            )
            row = await cursor.fetchone()
            if row is None:
                raise LookupError(f"room {room_id} is gone")
            return int(row[0]), result

        return await self.write(run, on_commit)

    async def ensure_participant(self, participant_id: str, room_id: int) -> None:
        async def run(conn: Conn) -> None:
            await conn.execute(
                "INSERT OR IGNORE INTO participants (id, room_id, joined_at) VALUES (?, ?, ?)",
                (participant_id, room_id, now()),
            )

        await self.write(run)

    async def delete_room(self, room_id: int) -> None:
        """Delete a room with everything in it, then fold the write-ahead log into the file and empty it, so
        no copy of the deleted pages is left behind (secure_delete zeroes them in the file itself)."""

        async def run(conn: Conn) -> None:
            await conn.execute("DELETE FROM rooms WHERE id = ?", (room_id,))

        await self.write(run)
        await self.reader.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    async def set_nickname(self, participant_id: str, nickname: str) -> None:
        async def run(conn: Conn) -> None:
            await conn.execute("UPDATE participants SET nickname = ? WHERE id = ?", (nickname, participant_id))

        await self.write(run)


def _settle(future: asyncio.Future[Any], result: Any = None, error: BaseException | None = None) -> None:
    """Resolve a job's future, unless whoever awaited it was cancelled."""
    if future.done():
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)


# -- changes passed to Database.change_room -----------------------------------------------------------------------


async def _existing(conn: Conn, select: str, pairs: list[tuple[Any, Any]]) -> set[tuple[Any, Any]]:
    """Which of `pairs` exist: `select` joins the table to `json_each(?)` of the pairs, in one statement."""
    if not pairs:
        return set()
    cursor = await conn.execute(select, (dumps(pairs),))
    return {(a, b) for a, b in await cursor.fetchall()}


def add_question(room_id: int, kind: str, prompt: str, settings: JSON) -> Callable[[Conn], Awaitable[QuestionRow]]:
    async def run(conn: Conn) -> QuestionRow:
        cursor = await conn.execute(
            "INSERT INTO questions (room_id, position, type, prompt, settings)"
            " VALUES (?, (SELECT coalesce(max(position) + 1, 0) FROM questions WHERE room_id = ?), ?, ?, ?)"
            f" RETURNING {_QUESTION}",
            (room_id, room_id, kind, prompt, dumps(settings)),
        )
        row = await cursor.fetchone()
        assert row is not None
        return _question(row)

    return run


def update_question(question_id: int, kind: str, prompt: str, settings: JSON) -> Callable[[Conn], Awaitable[None]]:
    """Replace a question's type, text and settings (the domain deletes answers that no longer fit)."""

    async def run(conn: Conn) -> None:
        await conn.execute(
            "UPDATE questions SET type = ?, prompt = ?, settings = ? WHERE id = ?",
            (kind, prompt, dumps(settings), question_id),
        )

    return run


def delete_answers(question_id: int) -> Callable[[Conn], Awaitable[None]]:
    """Delete a question's answers and start its next round (receipts stay, so old resends stay ignored)."""

    async def run(conn: Conn) -> None:
        await conn.execute("DELETE FROM answers WHERE question_id = ?", (question_id,))
        await conn.execute("UPDATE questions SET round = round + 1 WHERE id = ?", (question_id,))

    return run


def delete_question(question_id: int) -> Callable[[Conn], Awaitable[None]]:
    async def run(conn: Conn) -> None:
        await conn.execute("DELETE FROM questions WHERE id = ?", (question_id,))

    return run


def set_positions(order: Sequence[int]) -> Callable[[Conn], Awaitable[None]]:
    """Number the given question ids 0, 1, 2, ... in this order."""

    async def run(conn: Conn) -> None:
        await conn.executemany(
            "UPDATE questions SET position = ? WHERE id = ?", [(pos, qid) for pos, qid in enumerate(order)]
        )

    return run


def set_current(room_id: int, question_id: int | None) -> Callable[[Conn], Awaitable[None]]:
    async def run(conn: Conn) -> None:
        await conn.execute("UPDATE rooms SET current_question_id = ? WHERE id = ?", (question_id, room_id))

    return run


def set_question_state(
    question_id: int, *, status: str | None = None, projector: bool | None = None, phones: bool | None = None
) -> Callable[[Conn], Awaitable[None]]:
    """Change a question's status and results flags; None leaves a field as it is."""

    async def run(conn: Conn) -> None:
        await conn.execute(
            "UPDATE questions SET status = coalesce(?, status),"
            " results_projector = coalesce(?, results_projector), results_phones = coalesce(?, results_phones)"
            " WHERE id = ?",
            (status, projector, phones, question_id),
        )

    return run


def set_hidden(question_id: int, participant_id: str, hidden: bool) -> Callable[[Conn], Awaitable[None]]:
    async def run(conn: Conn) -> None:
        await conn.execute(
            "UPDATE answers SET hidden = ? WHERE question_id = ? AND participant_id = ?",
            (hidden, question_id, participant_id),
        )

    return run
