"""The SQLite store: one file, write-ahead log, one writer with group commit (lab.store.writer), one reader.

All of lab's SQL for SQLite is here. A running `lab serve` holds an exclusive lock on `<file>.lock` beside the
database, so a second server or a `lab purge` on the same file is refused with a sentence that says what to do,
instead of changing rows behind the running server's back.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import fcntl
import logging
import os
import sqlite3
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, TypeVar

import aiosqlite

from ..anonymity import Sealed
from ..consultation import Consultation
from ..details import Details
from ..errors import (
    N_,
    Closed,
    Conflict,
    Invalid,
    NoMore,
    NotFound,
    Removed,
    RoundPassed,
    StillOpen,
    Unavailable,
    UnknownCard,
    UnknownQuestion,
)  # fmt: skip
from ..media import StoredImage
from ..members import Member, NewMember
from ..records import HIDDEN, Answer, Post, Upvote
from ..wire import dumps, loads
from .base import (
    AddQuestion,
    BallotEntry,
    ChangePost,
    DeleteQuestion,
    EditQuestion,
    ExportRow,
    Moderate,
    MoveQuestion,
    NewPost,
    NewQuestion,
    NewRound,
    Outcome,
    Push,
    QuestionRow,
    RemoveParticipant,
    RoomChange,
    RoomData,
    RoomOp,
    RoomRow,
    RoundRow,
    SetLanguage,
    SetStatus,
    SetTimer,
    ShowResults,
    Step,
    Store,
    StoreError,
    TimeUp,
    Vote,
)  # fmt: skip
from .writer import Conn, Writer

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).parent / "migrations"
RECEIPTS_KEPT = 16  # per participant, question and round: a phone only ever resends its latest vote
CHECKPOINT_TRIES = 40  # about 20 s in all, with pauses growing from 10 ms to 1 s
T = TypeVar("T")

_ROOM = (
    "id, code, title, deck, serve_deck, facilitator_key, projector_key, current_question_id, version, created_at, lang,"
    " current_since_ms, details, access, consultation, privacy_floor, anonymity, sealed"
)
_QUESTION = (
    "id, room_id, position, type, prompt, settings, status, results_projector, results_phones, round, closes_ms,"
    " shown_ms, compare, by_group"
)
_ANSWER = "question_id, round, participant_id, value, status, group_name, weight, channel, received_ms"
_POST = "id, question_id, round, participant_id, text, nickname, status, answered, pinned, sent_ms"


def _room(row: Sequence[Any]) -> RoomRow:
    return dataclasses.replace(
        RoomRow(*row[:-6]),
        details=Details.from_json(row[-6]),
        access=row[-5],
        consultation=Consultation.from_json(row[-4]),
        privacy_floor=row[-3],
        anonymity=row[-2],
        sealed=Sealed.from_json(row[-1]),
    )


_MEMBER = "id, code, ref, group_name, weight, participant_id, withdrawn, proxy_of"


def _member(row: Sequence[Any]) -> Member:
    member_id, code, ref, group, weight, participant, withdrawn, proxy_of = row
    return Member(member_id, code, ref, group, weight, participant, bool(withdrawn), proxy_of)


def _question(row: Sequence[Any]) -> QuestionRow:
    return QuestionRow(
        *row[:5],
        loads(row[5]),
        row[6],
        bool(row[7]),
        bool(row[8]),
        *row[9:12],
        bool(row[12]),  # type: ignore[call-arg]
        bool(row[13]),
    )


def _answer(row: Sequence[Any]) -> Answer:
    return Answer(row[0], row[1], row[2], loads(row[3]), *row[4:9])


def _post(row: Sequence[Any]) -> Post:
    return Post(row[0], row[1], row[2], row[3], row[4], row[5], row[6], bool(row[7]), bool(row[8]), row[9])


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class SqliteStore(Store):
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
        self.path = Path(path)
        self._window = commit_window
        self._lock = lock
        self._clock = clock
        self._pause = pause  # between checkpoint attempts (a parameter, so tests need not wait)
        self._lock_file: IO[str] | None = None
        self._conn: Conn | None = None
        self._reader: Conn | None = None
        self._writer: Writer | None = None
        self._seq = 0

    # -- life ----------------------------------------------------------------------------------------------------

    async def open(self) -> None:
        try:
            if self._lock:
                self._lock_file = _hold_lock(self.path)
            self._conn = await self._connect()
            await self._migrate(self._conn)
            self._reader = await self._connect()
            row = await _one(self._conn, "SELECT coalesce(max(seq), 0) FROM answers")
            self._seq = int(row[0]) if row else 0
        except (sqlite3.Error, OSError) as error:
            await self._disconnect()
            raise StoreError(_explain(self.path, error)) from error
        except BaseException:
            await self._disconnect()
            raise
        self._writer = Writer(self._conn, self._store_votes, self._store_joins, self._window)

    async def close(self) -> None:
        if self._writer is not None:
            await self._writer.close()
        await self._disconnect()

    async def _disconnect(self) -> None:
        for conn in (self._reader, self._conn):
            if conn is not None:
                with contextlib.suppress(Exception):
                    await conn.close()
        self._reader = self._conn = None
        if self._lock_file is not None:
            _release_lock(self._lock_file)
            self._lock_file = None

    async def _connect(self) -> Conn:
        conn = await aiosqlite.connect(self.path, isolation_level=None)
        try:
            await conn.execute("PRAGMA journal_mode = WAL")
            await conn.execute("PRAGMA synchronous = FULL")  # an acknowledged vote survives a power cut too
            await conn.execute("PRAGMA foreign_keys = ON")
            await conn.execute("PRAGMA busy_timeout = 5000")
            await conn.execute("PRAGMA secure_delete = ON")  # deleted rooms leave no readable trace in the file
        except BaseException:
            await conn.close()
            raise
        return conn

    async def _migrate(self, conn: Conn) -> None:
        (version,) = await _one(conn, "PRAGMA user_version") or (0,)
        for path in sorted(MIGRATIONS.glob("*.sql")):
            number = int(path.name.split("_")[0])
            if number > version:
                log.info("applying migration %s", path.name)
                await conn.executescript(f"BEGIN;\n{path.read_text()}\nPRAGMA user_version = {number};\nCOMMIT;")

    @property
    def _read(self) -> Conn:
        if self._reader is None:
            raise Unavailable()
        return self._reader

    def _write(self) -> Writer:
        if self._writer is None:
            raise Unavailable()
        return self._writer

    def _ms(self) -> int:
        return int(self._clock() * 1000)

    # -- meta ------------------------------------------------------------------------------------------------------

    async def get_meta(self, key: str) -> str | None:
        row = await _one(self._read, "SELECT value FROM meta WHERE key = ?", (key,))
        return None if row is None else str(row[0])

    async def set_meta_once(self, key: str, value: str) -> str:
        async def run(conn: Conn) -> str:
            await conn.execute("INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)", (key, value))
            row = await _one(conn, "SELECT value FROM meta WHERE key = ?", (key,))
            assert row is not None
            return str(row[0])

        return await self._write().write(run)

    # -- rooms -----------------------------------------------------------------------------------------------------

    async def create_room(
        self, code: str, title: str, deck: str | None, serve_deck: str | None, keys: tuple[str, str],
        questions: Sequence[NewQuestion], lang: str = "nl", details: Details | None = None, access: str = "open",
    ) -> RoomRow | None:  # fmt: skip
        async def run(conn: Conn) -> RoomRow | None:
            try:
                row = await _one(
                    conn,
                    "INSERT INTO rooms (code, title, deck, serve_deck, facilitator_key, projector_key, created_at,"
                    " lang, details, access)"
                    f" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING {_ROOM}",
                    (code, title, deck, serve_deck, *keys, now_iso(), lang, (details or Details()).to_json(), access),
                )
            except sqlite3.IntegrityError:
                return None
            assert row is not None
            room = _room(row)
            for question in questions:
                await self._insert_question(conn, room.id, question)
            return room

        return await self._write().write(run)

    async def room_by_code(self, code: str) -> RoomRow | None:
        row = await _one(self._read, f"SELECT {_ROOM} FROM rooms WHERE code = ?", (code,))
        return None if row is None else _room(row)

    async def room_for_served_deck(self, serve_deck: str, file: str) -> RoomRow | None:
        async def run(conn: Conn) -> RoomRow | None:
            row = await _one(conn, f"SELECT {_ROOM} FROM rooms WHERE serve_deck = ?", (serve_deck,))
            unclaimed = await _one(conn, "DELETE FROM meta WHERE key = 'serve_deck_unclaimed' RETURNING 1")
            if row is None and unclaimed is not None:  # the first start after migration 002
                row = await _one(
                    conn,
                    "UPDATE rooms SET serve_deck = ? WHERE id = (SELECT max(id) FROM rooms WHERE deck = ?"
                    f" AND serve_deck IS NULL) RETURNING {_ROOM}",
                    (serve_deck, file),
                )
            return None if row is None else _room(row)

        return await self._write().write(run)

    async def rooms(self) -> list[RoomRow]:
        return [_room(row) for row in await _all(self._read, f"SELECT {_ROOM} FROM rooms ORDER BY id DESC")]

    async def rooms_created_before(self, stamp: str) -> list[str]:
        return [str(row[0]) for row in await _all(self._read, "SELECT code FROM rooms WHERE created_at < ?", (stamp,))]

    async def add_image(self, room_id: int, image: StoredImage) -> None:
        async def run(conn: Conn) -> None:
            if await _one(conn, "SELECT 1 FROM rooms WHERE id = ?", (room_id,)) is None:
                raise NotFound()
            await conn.execute(
                "INSERT OR IGNORE INTO images (room_id, name, mime, width, height, data, created_ms)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (room_id, image.name, image.mime, image.width, image.height, image.data, self._ms()),
            )

        await self._write().write(run)

    async def image(self, room_id: int, name: str) -> tuple[str, bytes] | None:
        row = await _one(self._read, "SELECT mime, data FROM images WHERE room_id = ? AND name = ?", (room_id, name))
        return None if row is None else (str(row[0]), bytes(row[1]))

    async def rooms_with_timers(self) -> list[str]:
        rows = await _all(
            self._read,
            "SELECT DISTINCT code FROM rooms JOIN questions ON questions.room_id = rooms.id"
            " WHERE questions.closes_ms IS NOT NULL",
        )
        return [str(row[0]) for row in rows]

    async def load_room(self, room_id: int) -> RoomData:
        conn = self._read
        row = await _one(conn, f"SELECT {_ROOM} FROM rooms WHERE id = ?", (room_id,))
        if row is None:
            raise NotFound()
        questions = [_question(r) for r in await _all(conn, _QUESTIONS_OF_ROOM, (room_id,))]
        rounds = [
            RoundRow(q, n, kind, loads(settings), started)
            for q, n, kind, settings, started in await _all(
                conn,
                "SELECT r.question_id, r.number, r.type, r.settings, r.started_ms FROM rounds r"
                " JOIN questions q ON q.id = r.question_id WHERE q.room_id = ? ORDER BY r.question_id, r.number",
                (room_id,),
            )
        ]
        answers = [
            _answer(r)
            for r in await _all(
                conn,
                f"SELECT {', '.join('a.' + c for c in _ANSWER.split(', '))} FROM answers a"
                " JOIN questions q ON q.id = a.question_id WHERE q.room_id = ? ORDER BY a.seq",
                (room_id,),
            )
        ]
        removed = await _all(conn, "SELECT id FROM participants WHERE room_id = ? AND removed", (room_id,))
        posts = await _all(
            conn,
            f"SELECT {', '.join('s.' + c for c in _POST.split(', '))} FROM posts s"
            " JOIN questions q ON q.id = s.question_id WHERE q.room_id = ? ORDER BY s.id",
            (room_id,),
        )
        upvotes = await _all(
            conn,
            "SELECT u.question_id, u.round, u.item, u.participant_id FROM upvotes u"
            " JOIN questions q ON q.id = u.question_id WHERE q.room_id = ?",
            (room_id,),
        )
        named = await _all(
            conn, "SELECT id, nickname FROM participants WHERE room_id = ? AND nickname != ''", (room_id,)
        )
        themes = await _all(
            conn,
            "SELECT t.question_id, t.round, t.groups FROM themes t JOIN questions q ON q.id = t.question_id"
            " WHERE q.room_id = ?",
            (room_id,),
        )
        members = await _all(conn, f"SELECT {_MEMBER} FROM members WHERE room_id = ? ORDER BY id", (room_id,))
        hands = await _all(
            conn,
            "SELECT h.question_id, h.round, h.counts FROM hands h JOIN questions q ON q.id = h.question_id"
            " WHERE q.room_id = ?",
            (room_id,),
        )
        ballots = await _all(
            conn,
            "SELECT ballot, teller, answers, entered_ms FROM ballots WHERE room_id = ? ORDER BY entered_ms",
            (room_id,),
        )
        return RoomData(
            _room(row), questions, rounds, answers, tuple(r[0] for r in removed),
            tuple(_post(r) for r in posts), tuple(Upvote(*r) for r in upvotes), tuple((r[0], r[1]) for r in named),
            tuple((r[0], r[1], r[2]) for r in themes), tuple(_member(r) for r in members),
            tuple((r[0], r[1], loads(r[2])) for r in hands), tuple(BallotEntry(*r) for r in ballots),
        )  # fmt: skip

    async def export_rows(self, room_id: int) -> list[ExportRow]:
        rows = await _all(
            self._read,
            f"SELECT {', '.join('a.' + c for c in _ANSWER.split(', '))}, p.nickname FROM answers a"
            " JOIN questions q ON q.id = a.question_id JOIN participants p ON p.id = a.participant_id"
            " WHERE q.room_id = ? ORDER BY q.position, q.id, a.round, a.seq",
            (room_id,),
        )
        return [ExportRow(_answer(row), row[9]) for row in rows]

    async def delete_room(self, room_id: int, on_commit: Callable[[None], None] | None = None) -> None:
        async def run(conn: Conn) -> None:
            await conn.execute("DELETE FROM rooms WHERE id = ?", (room_id,))

        await self._write().write(run, on_commit)
        await self._checkpoint()

    async def _checkpoint(self) -> None:
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

    # -- room operations -------------------------------------------------------------------------------------------

    async def change_room(self, room_id: int, op: RoomOp, on_commit: Callable[[RoomChange], None]) -> RoomChange:
        async def run(conn: Conn) -> RoomChange:
            extra = await self._apply(conn, room_id, op)
            row = await _one(
                conn,
                "UPDATE rooms SET version = version + 1 WHERE id = ?"
                " RETURNING version, current_question_id, lang, current_since_ms",
                (room_id,),
            )
            if row is None:
                raise NotFound()
            questions = tuple(_question(r) for r in await _all(conn, _QUESTIONS_OF_ROOM, (room_id,)))
            return RoomChange(row[0], row[1], questions, lang=row[2], current_since_ms=row[3], **extra)

        return await self._write().write(run, on_commit)

    async def _apply(self, conn: Conn, room: int, op: RoomOp) -> dict[str, Any]:
        """Carry out `op` inside the transaction; returns RoomChange's extra fields."""
        match op:
            case Push(question):
                await self._push(conn, room, question)
            case SetLanguage(lang):
                await conn.execute("UPDATE rooms SET lang = ? WHERE id = ?", (lang, room))
            case Step(delta):
                order = await self._order(conn, room)
                if not order:
                    raise UnknownQuestion(N_("This room has no questions yet."))
                row = await _one(conn, "SELECT current_question_id FROM rooms WHERE id = ?", (room,))
                current = row[0] if row else None
                index = order.index(current) + delta if current in order else (0 if delta > 0 else len(order) - 1)
                if not 0 <= index < len(order):
                    raise NoMore()
                await self._push(conn, room, order[index])
            case SetStatus(question, status):  # opening or closing by hand ends a countdown
                await self._question_state(conn, room, question)
                await conn.execute("UPDATE questions SET status = ?, closes_ms = NULL WHERE id = ?", (status, question))
            case SetTimer(question, closes_ms):
                await self._question_state(conn, room, question)
                if closes_ms is None:
                    await conn.execute("UPDATE questions SET closes_ms = NULL WHERE id = ?", (question,))
                else:
                    await conn.execute(
                        "UPDATE questions SET status = 'open', closes_ms = ? WHERE id = ?", (closes_ms, question)
                    )
            case TimeUp(question, closes_ms):  # nothing if the countdown was stopped or started anew meanwhile
                await conn.execute(
                    "UPDATE questions SET status = 'closed', closes_ms = NULL WHERE id = ? AND room_id = ?"
                    " AND closes_ms = ?",
                    (question, room, closes_ms),
                )
            case ShowResults(question, target, show):
                await self._question_state(conn, room, question)
                column = {
                    "projector": "results_projector",
                    "phones": "results_phones",
                    "compare": "compare",
                    "groups": "by_group",
                }[target]
                await conn.execute(f"UPDATE questions SET {column} = ? WHERE id = ?", (show, question))
            case NewRound(question):
                await self._question_state(conn, room, question)
                await self._new_round(conn, question)
            case Moderate(question, participant, status, value):
                row = await _one(
                    conn,
                    f"UPDATE answers SET status = ? WHERE question_id = ? AND participant_id = ? AND value = ?"
                    " AND round = (SELECT round FROM questions WHERE id = ? AND room_id = ?)"
                    f" RETURNING {_ANSWER}",
                    (status, question, participant, value, question, room),
                )
                if row is None:
                    raise UnknownCard()
                return {"moderated": _answer(row)}
            case RemoveParticipant(participant):
                found = await _one(
                    conn,
                    "UPDATE participants SET removed = 1 WHERE id = ? AND room_id = ? RETURNING id",
                    (participant, room),
                )
                if found is None:
                    raise UnknownCard()
                rows = await _all(
                    conn,
                    f"UPDATE answers SET status = 'hidden' WHERE participant_id = ? AND question_id IN"
                    f" (SELECT id FROM questions WHERE room_id = ?) RETURNING {_ANSWER}",
                    (participant, room),
                )
                posts = await _all(
                    conn,
                    f"UPDATE posts SET status = 'hidden' WHERE participant_id = ? AND status != 'hidden' AND"
                    f" question_id IN (SELECT id FROM questions WHERE room_id = ?) RETURNING {_POST}",
                    (participant, room),
                )
                return {"removed": (participant, tuple(_answer(r) for r in rows)), "posts": _posts(posts)}
            case ChangePost(question, post, field, value):
                where = " WHERE question_id = ? AND round = (SELECT round FROM questions WHERE id = ? AND room_id = ?)"
                found = await _one(
                    conn,
                    f"UPDATE posts SET {field} = ?{where} AND id = ? RETURNING {_POST}",
                    (value, question, question, room, post),
                )
                if found is None:
                    raise UnknownCard()
                others = []
                if field == "pinned" and value:  # one post at a time on the projector
                    others = await _all(
                        conn,
                        f"UPDATE posts SET pinned = 0{where} AND pinned AND id != ? RETURNING {_POST}",
                        (question, question, room, post),
                    )
                return {"posts": _posts([found, *others])}
            case AddQuestion(new):
                return {"added": await self._insert_question(conn, room, new)}
            case EditQuestion(question, new, fits):
                await self._edit(conn, room, question, new, fits)
            case DeleteQuestion(question):
                cursor = await conn.execute("DELETE FROM questions WHERE id = ? AND room_id = ?", (question, room))
                if cursor.rowcount == 0:
                    raise UnknownQuestion()
                await self._number(conn, await self._order(conn, room))
            case MoveQuestion(question, position):
                order = await self._order(conn, room)
                if question not in order:
                    raise UnknownQuestion()
                if not 0 <= position < len(order):
                    raise Invalid(N_("There is no such position."))
                order.remove(question)
                order.insert(position, question)
                await self._number(conn, order)
        return {}

    async def _order(self, conn: Conn, room: int) -> list[int]:
        rows = await _all(conn, "SELECT id FROM questions WHERE room_id = ? ORDER BY position, id", (room,))
        return [row[0] for row in rows]

    async def _number(self, conn: Conn, order: list[int]) -> None:
        await conn.executemany("UPDATE questions SET position = ? WHERE id = ?", [(p, q) for p, q in enumerate(order)])

    async def _question_state(self, conn: Conn, room: int, question: int) -> tuple[str, str, str, int]:
        """(status, type, settings, round) of a question of this room; UnknownQuestion when there is none."""
        row = await _one(
            conn, "SELECT status, type, settings, round FROM questions WHERE id = ? AND room_id = ?", (question, room)
        )
        if row is None:
            raise UnknownQuestion()
        return row[0], row[1], row[2], row[3]

    async def _push(self, conn: Conn, room: int, question: int | None) -> None:
        if question is not None:
            status = (await self._question_state(conn, room, question))[0]
            if status == "hidden":
                await conn.execute("UPDATE questions SET status = 'open' WHERE id = ?", (question,))
        row = await _one(conn, "SELECT current_question_id, current_since_ms FROM rooms WHERE id = ?", (room,))
        current, since = (row[0], row[1]) if row else (None, None)
        if question == current:
            return  # pushed again: its turn on the screen goes on
        now = self._ms()
        if current is not None and since is not None:  # the run-sheet: the question leaving adds its turn
            await conn.execute(
                "UPDATE questions SET shown_ms = shown_ms + ? WHERE id = ?", (max(0, now - since), current)
            )
        await conn.execute(
            "UPDATE rooms SET current_question_id = ?, current_since_ms = ? WHERE id = ?",
            (question, None if question is None else now, room),
        )

    async def _new_round(self, conn: Conn, question: int) -> None:
        row = await _one(
            conn,
            "UPDATE questions SET round = round + 1, closes_ms = NULL WHERE id = ? RETURNING round, type, settings",
            (question,),
        )
        assert row is not None
        await conn.execute(
            "INSERT INTO rounds (question_id, number, type, settings, started_ms) VALUES (?, ?, ?, ?, ?)",
            (question, row[0], row[1], row[2], self._ms()),
        )
        # Votes for an earlier round are refused by their round now: their receipts are not needed any more.
        await conn.execute("DELETE FROM receipts WHERE question_id = ? AND round < ?", (question, row[0]))

    async def _insert_question(self, conn: Conn, room: int, new: NewQuestion) -> int:
        settings = dumps(dict(new.settings))
        row = await _one(
            conn,
            "INSERT INTO questions (room_id, position, type, prompt, settings, round)"
            " VALUES (?, (SELECT coalesce(max(position) + 1, 0) FROM questions WHERE room_id = ?), ?, ?, ?, 1)"
            " RETURNING id",
            (room, room, new.type, new.prompt, settings),
        )
        assert row is not None
        await conn.execute(
            "INSERT INTO rounds (question_id, number, type, settings, started_ms) VALUES (?, 1, ?, ?, ?)",
            (row[0], new.type, settings, self._ms()),
        )
        return int(row[0])

    async def _edit(
        self, conn: Conn, room: int, question: int, new: NewQuestion, fits: Callable[[str, dict[str, Any]], bool]
    ) -> None:
        status, kind, settings, round_ = await self._question_state(conn, room, question)
        if status == "open":
            raise StillOpen()
        text = dumps(dict(new.settings))
        await conn.execute(
            "UPDATE questions SET type = ?, prompt = ?, settings = ? WHERE id = ?",
            (new.type, new.prompt, text, question),
        )
        unused = status == "hidden" and not await _one(  # never opened, and no paper or hands counted for it:
            conn,  # nobody can hold an answer to it
            "SELECT 1 FROM answers WHERE question_id = ?1 AND round = ?2"
            " UNION ALL SELECT 1 FROM hands WHERE question_id = ?1 AND round = ?2 LIMIT 1",
            (question, round_),
        )
        if unused or fits(kind, loads(settings)):
            await conn.execute(
                "UPDATE rounds SET type = ?, settings = ? WHERE question_id = ? AND number = ?",
                (new.type, text, question, round_),
            )
        else:  # answers (given or still on a phone) would change meaning: a new round starts
            await self._new_round(conn, question)

    # -- participants ----------------------------------------------------------------------------------------------

    async def join(self, participant: str, room_id: int) -> str:
        return await self._write().join(participant, room_id)

    async def _store_joins(self, conn: Conn, joins: list[tuple[str, int]]) -> list[str | BaseException]:
        """Make sure every participant of a group of joins exists, in two statements whatever the group's size (one
        JSON parameter, as votes are stored); their nicknames, or NotFound where the room was deleted meanwhile (the
        socket is refused as for an unknown room)."""
        keys = dumps(joins)
        await conn.execute(
            "INSERT OR IGNORE INTO participants (id, room_id, joined_at)"
            " SELECT j.value ->> 0, j.value ->> 1, ? FROM json_each(?) AS j"
            " WHERE EXISTS (SELECT 1 FROM rooms WHERE id = j.value ->> 1)",
            (now_iso(), keys),
        )
        rows = await _all(
            conn,
            "SELECT EXISTS (SELECT 1 FROM rooms WHERE id = j.value ->> 1), p.nickname FROM json_each(?) AS j"
            " LEFT JOIN participants AS p ON p.id = j.value ->> 0 ORDER BY j.key",
            (keys,),
        )
        return [(nickname or "") if room else NotFound() for room, nickname in rows]

    async def nickname(self, participant: str) -> str | None:
        row = await _one(self._read, "SELECT nickname FROM participants WHERE id = ?", (participant,))
        return None if row is None else str(row[0])

    async def set_nickname(self, participant: str, nickname: str) -> None:
        async def run(conn: Conn) -> None:
            await conn.execute("UPDATE participants SET nickname = ? WHERE id = ?", (nickname, participant))

        await self._write().write(run)

    # -- the report ------------------------------------------------------------------------------------------------

    async def set_details(self, room_id: int, details: Details) -> None:
        async def run(conn: Conn) -> None:
            await conn.execute("UPDATE rooms SET details = ? WHERE id = ?", (details.to_json(), room_id))

        await self._write().write(run)

    async def set_consultation(self, room_id: int, consultation: Consultation) -> None:
        async def run(conn: Conn) -> None:
            await conn.execute("UPDATE rooms SET consultation = ? WHERE id = ?", (consultation.to_json(), room_id))

        await self._write().write(run)

    async def set_hands(self, question: int, round_: int, counts: str | None) -> None:
        async def run(conn: Conn) -> None:
            if counts is None:
                await conn.execute("DELETE FROM hands WHERE question_id = ? AND round = ?", (question, round_))
            else:
                await conn.execute(
                    "INSERT INTO hands (question_id, round, counts) VALUES (?, ?, ?)"
                    " ON CONFLICT (question_id, round) DO UPDATE SET counts = excluded.counts",
                    (question, round_, counts),
                )

        await self._write().write(run)

    async def enter_ballot(self, room_id: int, entry: BallotEntry) -> None:
        async def run(conn: Conn) -> None:
            await conn.execute(
                "INSERT INTO ballots (room_id, ballot, teller, answers, entered_ms) VALUES (?, ?, ?, ?, ?)"
                " ON CONFLICT (room_id, ballot, teller) DO UPDATE SET answers = excluded.answers,"
                " entered_ms = excluded.entered_ms",
                (room_id, entry.ballot, entry.teller, entry.answers, entry.entered_ms),
            )

        await self._write().write(run)

    async def store_answers(self, room_id: int, answers: Sequence[Answer], on_commit: Callable[[None], None]) -> None:
        async def run(conn: Conn) -> None:
            joined = now_iso()
            await conn.executemany(
                "INSERT OR IGNORE INTO participants (id, room_id, joined_at) VALUES (?, ?, ?)",
                [(p, room_id, joined) for p in dict.fromkeys(a.participant for a in answers)],
            )
            rows = []
            for a in answers:
                self._seq += 1
                rows.append([a.question, a.round, a.participant, dumps(a.value), f"{a.channel}:{self._seq}", a.status,
                             a.group, a.weight, a.channel, a.received_ms, self._seq])  # fmt: skip
            await conn.execute(_STORE_ANSWERS, (dumps(rows),))

        await self._write().write(run, on_commit)

    async def set_themes(self, question: int, round_: int, groups: str | None) -> None:
        async def run(conn: Conn) -> None:
            if groups is None:
                await conn.execute("DELETE FROM themes WHERE question_id = ? AND round = ?", (question, round_))
            else:
                await conn.execute(
                    "INSERT INTO themes (question_id, round, groups) VALUES (?, ?, ?)"
                    " ON CONFLICT (question_id, round) DO UPDATE SET groups = excluded.groups",
                    (question, round_, groups),
                )

        await self._write().write(run)

    async def joined(self, room_id: int) -> int:
        row = await _one(self._read, "SELECT count(*) FROM participants WHERE room_id = ?", (room_id,))
        return int(row[0]) if row else 0

    # -- member codes ------------------------------------------------------------------------------------------------

    async def add_members(
        self, room_id: int, members: Sequence[tuple[str, NewMember, str]], on_commit: Callable[[list[Member]], None]
    ) -> list[Member]:
        async def run(conn: Conn) -> list[Member]:
            refs = [member.ref for _code, member, _participant in members]
            taken = await _one(
                conn,
                "SELECT ref FROM members WHERE room_id = ? AND ref IN (SELECT value FROM json_each(?)) LIMIT 1",
                (room_id, dumps(refs)),
            )
            if taken is not None:
                raise Invalid(N_("%(id)s has a code already."), id=taken[0])
            given = [[code, m.ref, m.group, m.weight, participant] for code, m, participant in members]
            try:  # one statement for the whole list (20,000 members: one, not 20,000)
                rows = await _all(
                    conn,
                    "INSERT INTO members (room_id, code, ref, group_name, weight, participant_id, created_ms)"
                    " SELECT ?, j.value ->> 0, j.value ->> 1, j.value ->> 2, j.value ->> 3, j.value ->> 4, ?"
                    f" FROM json_each(?) AS j RETURNING {_MEMBER}",
                    (room_id, int(time.time() * 1000), dumps(given)),
                )
            except sqlite3.IntegrityError:  # a code drawn twice: astronomically rare, and the caller draws anew
                raise Conflict(N_("Please try again.")) from None
            return sorted((_member(row) for row in rows), key=lambda m: m.id)  # RETURNING's order is not the list's

        return await self._write().write(run, on_commit)

    async def withdraw_member(self, room_id: int, member_id: int, on_commit: Callable[[Member], None]) -> Member:
        async def run(conn: Conn) -> Member:
            row = await _one(
                conn,
                f"UPDATE members SET withdrawn = 1 WHERE room_id = ? AND id = ? RETURNING {_MEMBER}",
                (room_id, member_id),
            )
            if row is None:
                raise NotFound(N_("There is no such member."))
            return _member(row)

        return await self._write().write(run, on_commit)

    async def reissue_member(
        self, room_id: int, member_id: int, code: str, on_commit: Callable[[Member], None]
    ) -> Member:
        async def run(conn: Conn) -> Member:
            row = await _one(conn, "SELECT code FROM members WHERE room_id = ? AND id = ?", (room_id, member_id))
            if row is None:
                raise NotFound(N_("There is no such member."))
            try:
                found = await _one(
                    conn,
                    f"UPDATE members SET code = ?, withdrawn = 0 WHERE room_id = ? AND id = ? RETURNING {_MEMBER}",
                    (code, room_id, member_id),
                )
            except sqlite3.IntegrityError:  # drawn by another process meanwhile: the caller draws anew
                raise Conflict(N_("Please try again.")) from None
            await conn.execute(
                "UPDATE ballots SET ballot = ? WHERE room_id = ? AND ballot = ?", (code, room_id, row[0])
            )
            assert found is not None
            return _member(found)

        return await self._write().write(run, on_commit)

    async def set_privacy_floor(self, room_id: int, floor: int) -> None:
        async def run(conn: Conn) -> None:
            await conn.execute("UPDATE rooms SET privacy_floor = ? WHERE id = ?", (floor, room_id))

        await self._write().write(run)

    async def set_proxy(self, room_id: int, holder: int, giver: int | None) -> None:
        async def run(conn: Conn) -> None:
            await conn.execute("UPDATE members SET proxy_of = ? WHERE room_id = ? AND id = ?", (giver, room_id, holder))

        await self._write().write(run)

    async def set_access(self, room_id: int, access: str) -> None:
        async def run(conn: Conn) -> None:
            await conn.execute("UPDATE rooms SET access = ? WHERE id = ?", (access, room_id))

        await self._write().write(run)

    async def set_anonymity(self, room_id: int, mode: str) -> None:
        async def run(conn: Conn) -> None:
            await conn.execute("UPDATE rooms SET anonymity = ? WHERE id = ?", (mode, room_id))

        await self._write().write(run)

    async def seal(
        self, room_id: int, sealed: Sealed, participants: Mapping[int, str], ballots: Mapping[str, str]
    ) -> None:
        async def run(conn: Conn) -> None:
            await conn.execute("UPDATE rooms SET sealed = ? WHERE id = ?", (sealed.to_json(), room_id))
            await conn.executemany(
                "UPDATE members SET participant_id = ? WHERE room_id = ? AND id = ?",
                [(participant, room_id, member) for member, participant in participants.items()],
            )
            await conn.executemany(
                "UPDATE ballots SET ballot = ? WHERE room_id = ? AND ballot = ?",
                [(new, room_id, old) for old, new in ballots.items()],
            )

        await self._write().write(run)

    # -- Q&A posts and upvotes ---------------------------------------------------------------------------------------

    async def add_post(self, new: NewPost, on_commit: Callable[[Post], None]) -> tuple[Post, bool]:
        async def run(conn: Conn) -> tuple[Post, bool]:
            row = await _one(
                conn, f"SELECT {_POST} FROM posts WHERE participant_id = ? AND post_key = ?", (new.participant, new.key)
            )
            if row is not None:
                return _post(row), False
            await _check_round(conn, new.question, new.round, new.participant)
            (sent,) = await _one(
                conn,
                "SELECT count(*) FROM posts WHERE question_id = ? AND round = ? AND participant_id = ?",
                (new.question, new.round, new.participant),
            )
            if sent >= new.most:
                raise Invalid(N_("You have sent %(n)d questions: that is the most one person can send."), n=new.most)
            row = await _one(
                conn,
                "INSERT INTO posts (question_id, round, participant_id, post_key, text, nickname, status, sent_ms)"
                f" VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING {_POST}",
                (new.question, new.round, new.participant, new.key, new.text, new.nickname, new.status, new.sent_ms),
            )
            return _post(row), True

        def committed(result: tuple[Post, bool]) -> None:
            if result[1]:
                on_commit(result[0])

        return await self._write().write(run, committed)

    async def upvote(self, upvote: Upvote, up: bool, on_commit: Callable[[Upvote], None]) -> bool:
        async def run(conn: Conn) -> bool:
            await _check_round(conn, upvote.question, upvote.round, upvote.participant)
            sql = (
                "INSERT OR IGNORE INTO upvotes (question_id, round, item, participant_id) VALUES (?, ?, ?, ?)"
                if up
                else "DELETE FROM upvotes WHERE question_id = ? AND round = ? AND item = ? AND participant_id = ?"
            )
            cursor = await conn.execute(sql, (upvote.question, upvote.round, upvote.item, upvote.participant))
            return cursor.rowcount == 1

        def committed(changed: bool) -> None:
            if changed:
                on_commit(upvote)

        return await self._write().write(run, committed)

    # -- votes -----------------------------------------------------------------------------------------------------

    async def vote(self, vote: Vote) -> Outcome:
        return await self._write().vote(vote)

    async def _store_votes(self, conn: Conn, votes: list[Vote]) -> None:
        """Decide every vote of a group against what is committed, then store the group in two statements (three
        when someone changed an answer), whatever its size: each statement takes the whole group as one JSON
        parameter (`json_each`), so the database thread hands the GIL back a few times per group, not per vote."""
        keys = dumps([[v.participant, v.vote_id, v.question, v.round] for v in votes])
        context = await _all(conn, _VOTE_CONTEXT, (keys,))
        present: dict[tuple[str, int, int], tuple[str, str, str]] = {}  # (p, q, round) -> (vote id, value, status)
        known: dict[tuple[str, str], tuple[int, int]] = {}  # (p, vote id) -> (q, round)
        for vote, (_, _, _, _, receipt_q, receipt_round, vote_id, value, status) in zip(votes, context, strict=True):
            if receipt_q is not None:
                known[(vote.participant, vote.vote_id)] = (receipt_q, receipt_round)
            if vote_id is not None:
                present[(vote.participant, vote.question, vote.round)] = (vote_id, value, status)
        receipts: list[list[Any]] = []
        answers: dict[tuple[str, int, int], list[Any]] = {}
        changed: set[tuple[str, int, int]] = set()
        for vote, (_, current_round, question_status, has_participant, *_rest) in zip(votes, context, strict=True):
            key = (vote.participant, vote.question, vote.round)
            seen = known.get((vote.participant, vote.vote_id))
            if current_round is None or not has_participant:
                vote.outcome = Outcome.GONE
            elif seen is not None:
                now = present.get(key) if seen == (vote.question, vote.round) else None
                if now is None or now[0] != vote.vote_id:
                    vote.outcome = Outcome.GONE if seen == (vote.question, vote.round) else Outcome.REUSED
                elif now[1] != vote.text:
                    vote.outcome = Outcome.REUSED
                else:
                    vote.outcome, vote.status = Outcome.DUPLICATE, now[2]
            elif vote.round != current_round:
                vote.outcome = Outcome.PASSED
            elif question_status != "open":
                vote.outcome = Outcome.CLOSED
            elif vote.locked and key in present:
                vote.outcome = Outcome.LOCKED
            else:
                vote.outcome = Outcome.STORED
                before = present.get(key)
                if before is not None:
                    changed.add(key)
                    if before[2] == HIDDEN:  # a moderation decision sticks when the participant changes the answer
                        vote.status = HIDDEN
                present[key] = (vote.vote_id, vote.text, vote.status)
                known[(vote.participant, vote.vote_id)] = (vote.question, vote.round)
                self._seq += 1
                receipts.append([vote.participant, vote.vote_id, vote.question, vote.round])
                answers[key] = [vote.question, vote.round, vote.participant, vote.text, vote.vote_id, vote.status,
                                vote.group, vote.weight, vote.channel, vote.received_ms, self._seq]  # fmt: skip
        if receipts:
            await conn.execute(_STORE_RECEIPTS, (dumps(receipts),))
            # A group may hold two votes of one participant for one question (a changed answer): only the last
            # becomes the answer (one row per key, so the upsert never meets a row twice).
            await conn.execute(_STORE_ANSWERS, (dumps(list(answers.values())),))
        if changed:
            await conn.execute(_PRUNE_RECEIPTS, (dumps(sorted(changed)), RECEIPTS_KEPT - 1))


_QUESTIONS_OF_ROOM = f"SELECT {_QUESTION} FROM questions WHERE room_id = ? ORDER BY position, id"

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


def _posts(rows: Iterable[Sequence[Any]]) -> tuple[Post, ...]:
    return tuple(_post(r) for r in rows)


async def _check_round(conn: Conn, question: int, round_: int, participant: str) -> None:
    """A participant's post or upvote meets a question's round as committed: refused when the participant was
    removed, the round is over, or the question is closed."""
    row = await _one(
        conn,
        "SELECT q.round, q.status, p.removed FROM questions q LEFT JOIN participants p ON p.id = ? WHERE q.id = ?",
        (participant, question),
    )
    if row is None:
        raise UnknownQuestion()
    if row[2] is None or row[2]:
        raise Removed()
    if row[0] != round_:
        raise RoundPassed()
    if row[1] == "closed":
        raise Closed()


async def _one(conn: Conn, sql: str, params: Sequence[Any] = ()) -> Any:
    async with conn.execute(sql, params) as cursor:
        return await cursor.fetchone()


async def _all(conn: Conn, sql: str, params: Sequence[Any] = ()) -> list[Any]:
    async with conn.execute(sql, params) as cursor:
        return list(await cursor.fetchall())


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
