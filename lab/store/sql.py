"""lab's SQL, shared by its two stores: SQLite (lab.store.sqlite) and PostgreSQL (lab.store.postgres).

Both speak the SQL written here: `?` placeholders (PostgreSQL's store numbers them), RETURNING, ON CONFLICT, `true`
and `false`. What each does its own way is behind a few hooks: connecting and migrating, and storing a whole group
of votes, joins or members in one statement each (SQLite takes the group as one JSON parameter, PostgreSQL as
arrays), so a burst costs a few statements per group, not per vote.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from abc import abstractmethod
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

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
    TimeUp,
    Vote,
)  # fmt: skip
from .writer import Db, Writer

log = logging.getLogger(__name__)

RECEIPTS_KEPT = 16  # per participant, question and round: a phone only ever resends its latest vote

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


MEMBER_COLUMNS = "id, code, ref, group_name, weight, participant_id, withdrawn, proxy_of"


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


class SqlStore(Store):
    """What lab's stores share: every operation of lab.store.base in SQL that SQLite and PostgreSQL both speak,
    through a `Db` (lab.store.writer). A subclass connects, migrates, and stores the groups of votes, joins and
    members in the few statements each that its database does best (`_vote_context` and the other bulk hooks)."""

    def __init__(self, commit_window: float, clock: Callable[[], float]) -> None:
        self._window = commit_window
        self._clock = clock
        self._conn: Db | None = None  # the writer's
        self._reader: Db | None = None
        self._writer: Writer | None = None
        self._seq = 0  # the last answer's place in commit order (SQLite; PostgreSQL numbers them itself)

    # -- life ----------------------------------------------------------------------------------------------------

    async def open(self) -> None:
        try:
            self._conn, self._reader = await self._connect()
            row = await self._conn.one("SELECT coalesce(max(seq), 0) FROM answers")
            self._seq = int(row[0]) if row else 0
        except BaseException:
            await self._disconnect()
            raise
        self._writer = Writer(self._conn, self._store_votes, self._store_joins, self._window)

    async def close(self) -> None:
        if self._writer is not None:
            await self._writer.close()
        await self._disconnect()

    @abstractmethod
    async def _connect(self) -> tuple[Db, Db]:
        """Connect and migrate: (the writer's connection, the readers'). Raises StoreError with a sentence for the
        person starting lab when the database cannot be used."""

    @abstractmethod
    async def _disconnect(self) -> None:
        """Close whatever `_connect` opened (also after it failed half-way)."""

    @abstractmethod
    async def _erase(self) -> None:
        """After a room was deleted: make sure no copy of its rows stays readable where the database keeps them."""

    @property
    def _read(self) -> Db:
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
        row = await self._read.one("SELECT value FROM meta WHERE key = ?", (key,))
        return None if row is None else str(row[0])

    async def set_meta_once(self, key: str, value: str) -> str:
        async def run(conn: Db) -> str:
            await conn.execute("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT DO NOTHING", (key, value))
            row = await conn.one("SELECT value FROM meta WHERE key = ?", (key,))
            assert row is not None
            return str(row[0])

        return await self._write().write(run)

    # -- rooms -----------------------------------------------------------------------------------------------------

    async def create_room(
        self, code: str, title: str, deck: str | None, serve_deck: str | None, keys: tuple[str, str],
        questions: Sequence[NewQuestion], lang: str = "nl", details: Details | None = None, access: str = "open",
    ) -> RoomRow | None:  # fmt: skip
        async def run(conn: Db) -> RoomRow | None:
            row = await conn.one(
                "INSERT INTO rooms (code, title, deck, serve_deck, facilitator_key, projector_key, created_at,"
                " lang, details, access)"
                f" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING {_ROOM}",
                (code, title, deck, serve_deck, *keys, now_iso(), lang, (details or Details()).to_json(), access),
            )
            if row is None:  # the code, or the deck's room, is taken
                return None
            room = _room(row)
            for question in questions:
                await self._insert_question(conn, room.id, question)
            return room

        return await self._write().write(run)

    async def room_by_code(self, code: str) -> RoomRow | None:
        row = await self._read.one(f"SELECT {_ROOM} FROM rooms WHERE code = ?", (code,))
        return None if row is None else _room(row)

    async def room_for_served_deck(self, serve_deck: str, file: str) -> RoomRow | None:
        async def run(conn: Db) -> RoomRow | None:
            row = await conn.one(f"SELECT {_ROOM} FROM rooms WHERE serve_deck = ?", (serve_deck,))
            unclaimed = await conn.one("DELETE FROM meta WHERE key = 'serve_deck_unclaimed' RETURNING 1")
            if row is None and unclaimed is not None:  # the first start after migration 002
                row = await conn.one(
                    "UPDATE rooms SET serve_deck = ? WHERE id = (SELECT max(id) FROM rooms WHERE deck = ?"
                    f" AND serve_deck IS NULL) RETURNING {_ROOM}",
                    (serve_deck, file),
                )
            return None if row is None else _room(row)

        return await self._write().write(run)

    async def rooms(self) -> list[RoomRow]:
        return [_room(row) for row in await self._read.all(f"SELECT {_ROOM} FROM rooms ORDER BY id DESC")]

    async def rooms_created_before(self, stamp: str) -> list[str]:
        return [str(row[0]) for row in await self._read.all("SELECT code FROM rooms WHERE created_at < ?", (stamp,))]

    async def add_image(self, room_id: int, image: StoredImage) -> None:
        async def run(conn: Db) -> None:
            if await conn.one("SELECT 1 FROM rooms WHERE id = ?", (room_id,)) is None:
                raise NotFound()
            await conn.execute(
                "INSERT INTO images (room_id, name, mime, width, height, data, created_ms)"
                " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (room_id, image.name, image.mime, image.width, image.height, image.data, self._ms()),
            )

        await self._write().write(run)

    async def image(self, room_id: int, name: str) -> tuple[str, bytes] | None:
        row = await self._read.one("SELECT mime, data FROM images WHERE room_id = ? AND name = ?", (room_id, name))
        return None if row is None else (str(row[0]), bytes(row[1]))

    async def rooms_with_timers(self) -> list[str]:
        rows = await self._read.all(
            "SELECT DISTINCT code FROM rooms JOIN questions ON questions.room_id = rooms.id"
            " WHERE questions.closes_ms IS NOT NULL",
        )
        return [str(row[0]) for row in rows]

    async def load_room(self, room_id: int) -> RoomData:
        conn = self._read
        row = await conn.one(f"SELECT {_ROOM} FROM rooms WHERE id = ?", (room_id,))
        if row is None:
            raise NotFound()
        questions = [_question(r) for r in await conn.all(_QUESTIONS_OF_ROOM, (room_id,))]
        rounds = [
            RoundRow(q, n, kind, loads(settings), started)
            for q, n, kind, settings, started in await conn.all(
                "SELECT r.question_id, r.number, r.type, r.settings, r.started_ms FROM rounds r"
                " JOIN questions q ON q.id = r.question_id WHERE q.room_id = ? ORDER BY r.question_id, r.number",
                (room_id,),
            )
        ]
        answers = [
            _answer(r)
            for r in await conn.all(
                f"SELECT {', '.join('a.' + c for c in _ANSWER.split(', '))} FROM answers a"
                " JOIN questions q ON q.id = a.question_id WHERE q.room_id = ? ORDER BY a.seq",
                (room_id,),
            )
        ]
        removed = await conn.all("SELECT id FROM participants WHERE room_id = ? AND removed", (room_id,))
        posts = await conn.all(
            f"SELECT {', '.join('s.' + c for c in _POST.split(', '))} FROM posts s"
            " JOIN questions q ON q.id = s.question_id WHERE q.room_id = ? ORDER BY s.id",
            (room_id,),
        )
        upvotes = await conn.all(
            "SELECT u.question_id, u.round, u.item, u.participant_id FROM upvotes u"
            " JOIN questions q ON q.id = u.question_id WHERE q.room_id = ?",
            (room_id,),
        )
        named = await conn.all("SELECT id, nickname FROM participants WHERE room_id = ? AND nickname != ''", (room_id,))
        themes = await conn.all(
            "SELECT t.question_id, t.round, t.groups FROM themes t JOIN questions q ON q.id = t.question_id"
            " WHERE q.room_id = ?",
            (room_id,),
        )
        members = await conn.all(f"SELECT {MEMBER_COLUMNS} FROM members WHERE room_id = ? ORDER BY id", (room_id,))
        hands = await conn.all(
            "SELECT h.question_id, h.round, h.counts FROM hands h JOIN questions q ON q.id = h.question_id"
            " WHERE q.room_id = ?",
            (room_id,),
        )
        ballots = await conn.all(
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
        rows = await self._read.all(
            f"SELECT {', '.join('a.' + c for c in _ANSWER.split(', '))}, p.nickname FROM answers a"
            " JOIN questions q ON q.id = a.question_id JOIN participants p ON p.id = a.participant_id"
            " WHERE q.room_id = ? ORDER BY q.position, q.id, a.round, a.seq",
            (room_id,),
        )
        return [ExportRow(_answer(row), row[9]) for row in rows]

    async def delete_room(self, room_id: int, on_commit: Callable[[None], None] | None = None) -> None:
        async def run(conn: Db) -> None:
            await conn.execute("DELETE FROM rooms WHERE id = ?", (room_id,))

        await self._write().write(run, on_commit)
        await self._erase()

    # -- room operations -------------------------------------------------------------------------------------------

    async def change_room(self, room_id: int, op: RoomOp, on_commit: Callable[[RoomChange], None]) -> RoomChange:
        async def run(conn: Db) -> RoomChange:
            extra = await self._apply(conn, room_id, op)
            row = await conn.one(
                "UPDATE rooms SET version = version + 1 WHERE id = ?"
                " RETURNING version, current_question_id, lang, current_since_ms",
                (room_id,),
            )
            if row is None:
                raise NotFound()
            questions = tuple(_question(r) for r in await conn.all(_QUESTIONS_OF_ROOM, (room_id,)))
            return RoomChange(row[0], row[1], questions, lang=row[2], current_since_ms=row[3], **extra)

        return await self._write().write(run, on_commit)

    async def _apply(self, conn: Db, room: int, op: RoomOp) -> dict[str, Any]:
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
                row = await conn.one("SELECT current_question_id FROM rooms WHERE id = ?", (room,))
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
                row = await conn.one(
                    f"UPDATE answers SET status = ? WHERE question_id = ? AND participant_id = ? AND value = ?"
                    " AND round = (SELECT round FROM questions WHERE id = ? AND room_id = ?)"
                    f" RETURNING {_ANSWER}",
                    (status, question, participant, value, question, room),
                )
                if row is None:
                    raise UnknownCard()
                return {"moderated": _answer(row)}
            case RemoveParticipant(participant):
                found = await conn.one(
                    "UPDATE participants SET removed = true WHERE id = ? AND room_id = ? RETURNING id",
                    (participant, room),
                )
                if found is None:
                    raise UnknownCard()
                rows = await conn.all(
                    f"UPDATE answers SET status = 'hidden' WHERE participant_id = ? AND question_id IN"
                    f" (SELECT id FROM questions WHERE room_id = ?) RETURNING {_ANSWER}",
                    (participant, room),
                )
                posts = await conn.all(
                    f"UPDATE posts SET status = 'hidden' WHERE participant_id = ? AND status != 'hidden' AND"
                    f" question_id IN (SELECT id FROM questions WHERE room_id = ?) RETURNING {_POST}",
                    (participant, room),
                )
                return {"removed": (participant, tuple(_answer(r) for r in rows)), "posts": _posts(posts)}
            case ChangePost(question, post, field, value):
                where = " WHERE question_id = ? AND round = (SELECT round FROM questions WHERE id = ? AND room_id = ?)"
                found = await conn.one(
                    f"UPDATE posts SET {field} = ?{where} AND id = ? RETURNING {_POST}",
                    (value, question, question, room, post),
                )
                if found is None:
                    raise UnknownCard()
                others = []
                if field == "pinned" and value:  # one post at a time on the projector
                    others = await conn.all(
                        f"UPDATE posts SET pinned = false{where} AND pinned AND id != ? RETURNING {_POST}",
                        (question, question, room, post),
                    )
                return {"posts": _posts([found, *others])}
            case AddQuestion(new):
                return {"added": await self._insert_question(conn, room, new)}
            case EditQuestion(question, new, fits):
                await self._edit(conn, room, question, new, fits)
            case DeleteQuestion(question):
                if not await conn.execute("DELETE FROM questions WHERE id = ? AND room_id = ?", (question, room)):
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

    async def _order(self, conn: Db, room: int) -> list[int]:
        rows = await conn.all("SELECT id FROM questions WHERE room_id = ? ORDER BY position, id", (room,))
        return [row[0] for row in rows]

    async def _number(self, conn: Db, order: list[int]) -> None:
        await conn.executemany("UPDATE questions SET position = ? WHERE id = ?", [(p, q) for p, q in enumerate(order)])

    async def _question_state(self, conn: Db, room: int, question: int) -> tuple[str, str, str, int]:
        """(status, type, settings, round) of a question of this room; UnknownQuestion when there is none."""
        row = await conn.one(
            "SELECT status, type, settings, round FROM questions WHERE id = ? AND room_id = ?", (question, room)
        )
        if row is None:
            raise UnknownQuestion()
        return row[0], row[1], row[2], row[3]

    async def _push(self, conn: Db, room: int, question: int | None) -> None:
        if question is not None:
            status = (await self._question_state(conn, room, question))[0]
            if status == "hidden":
                await conn.execute("UPDATE questions SET status = 'open' WHERE id = ?", (question,))
        row = await conn.one("SELECT current_question_id, current_since_ms FROM rooms WHERE id = ?", (room,))
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

    async def _new_round(self, conn: Db, question: int) -> None:
        row = await conn.one(
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

    async def _insert_question(self, conn: Db, room: int, new: NewQuestion) -> int:
        settings = dumps(dict(new.settings))
        row = await conn.one(
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
        self, conn: Db, room: int, question: int, new: NewQuestion, fits: Callable[[str, dict[str, Any]], bool]
    ) -> None:
        status, kind, settings, round_ = await self._question_state(conn, room, question)
        if status == "open":
            raise StillOpen()
        text = dumps(dict(new.settings))
        await conn.execute(
            "UPDATE questions SET type = ?, prompt = ?, settings = ? WHERE id = ?",
            (new.type, new.prompt, text, question),
        )
        # never opened, and no paper or hands counted for it: nobody can hold an answer to it
        unused = status == "hidden" and not await conn.one(
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

    def join(self, participant: str, room_id: int) -> Awaitable[str]:
        return self._write().join(participant, room_id)

    async def _store_joins(self, conn: Db, joins: list[tuple[str, int]]) -> list[str | BaseException]:
        """Make sure every participant of a group of joins exists, in two statements whatever the group's size; their
        nicknames, or NotFound where the room was deleted meanwhile (the socket is refused as for an unknown room)."""
        rows = await self._join_rows(conn, joins, now_iso())
        return [(nickname or "") if room else NotFound() for room, nickname in rows]

    async def nickname(self, participant: str) -> str | None:
        row = await self._read.one("SELECT nickname FROM participants WHERE id = ?", (participant,))
        return None if row is None else str(row[0])

    async def set_nickname(self, participant: str, nickname: str) -> None:
        async def run(conn: Db) -> None:
            await conn.execute("UPDATE participants SET nickname = ? WHERE id = ?", (nickname, participant))

        await self._write().write(run)

    # -- the report ------------------------------------------------------------------------------------------------

    async def set_details(self, room_id: int, details: Details) -> None:
        async def run(conn: Db) -> None:
            await conn.execute("UPDATE rooms SET details = ? WHERE id = ?", (details.to_json(), room_id))

        await self._write().write(run)

    async def set_consultation(self, room_id: int, consultation: Consultation) -> None:
        async def run(conn: Db) -> None:
            await conn.execute("UPDATE rooms SET consultation = ? WHERE id = ?", (consultation.to_json(), room_id))

        await self._write().write(run)

    async def set_hands(self, question: int, round_: int, counts: str | None) -> None:
        async def run(conn: Db) -> None:
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
        async def run(conn: Db) -> None:
            await conn.execute(
                "INSERT INTO ballots (room_id, ballot, teller, answers, entered_ms) VALUES (?, ?, ?, ?, ?)"
                " ON CONFLICT (room_id, ballot, teller) DO UPDATE SET answers = excluded.answers,"
                " entered_ms = excluded.entered_ms",
                (room_id, entry.ballot, entry.teller, entry.answers, entry.entered_ms),
            )

        await self._write().write(run)

    async def store_answers(self, room_id: int, answers: Sequence[Answer], on_commit: Callable[[None], None]) -> None:
        async def run(conn: Db) -> None:
            joined = now_iso()
            await conn.executemany(
                "INSERT INTO participants (id, room_id, joined_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                [(p, room_id, joined) for p in dict.fromkeys(a.participant for a in answers)],
            )
            rows = []
            for a in answers:
                self._seq += 1
                rows.append([a.question, a.round, a.participant, dumps(a.value), f"{a.channel}:{self._seq}", a.status,
                             a.group, a.weight, a.channel, a.received_ms, self._seq])  # fmt: skip
            await self._upsert_answers(conn, rows)

        await self._write().write(run, on_commit)

    async def set_themes(self, question: int, round_: int, groups: str | None) -> None:
        async def run(conn: Db) -> None:
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
        row = await self._read.one("SELECT count(*) FROM participants WHERE room_id = ?", (room_id,))
        return int(row[0]) if row else 0

    # -- member codes ------------------------------------------------------------------------------------------------

    async def add_members(
        self, room_id: int, members: Sequence[tuple[str, NewMember, str]], on_commit: Callable[[list[Member]], None]
    ) -> list[Member]:
        async def run(conn: Db) -> list[Member]:
            taken = await self._ref_taken(conn, room_id, [member.ref for _code, member, _participant in members])
            if taken is not None:
                raise Invalid(N_("%(id)s has a code already."), id=taken)
            given = [[code, m.ref, m.group, m.weight, participant] for code, m, participant in members]
            rows = await self._insert_members(conn, room_id, given, int(time.time() * 1000))  # one statement for all
            if len(rows) < len(given):  # a code drawn twice: astronomically rare, and the caller draws anew
                raise Conflict(N_("Please try again."))
            return sorted((_member(row) for row in rows), key=lambda m: m.id)  # RETURNING's order is not the list's

        return await self._write().write(run, on_commit)

    async def withdraw_member(self, room_id: int, member_id: int, on_commit: Callable[[Member], None]) -> Member:
        async def run(conn: Db) -> Member:
            row = await conn.one(
                f"UPDATE members SET withdrawn = true WHERE room_id = ? AND id = ? RETURNING {MEMBER_COLUMNS}",
                (room_id, member_id),
            )
            if row is None:
                raise NotFound(N_("There is no such member."))
            return _member(row)

        return await self._write().write(run, on_commit)

    async def reissue_member(
        self, room_id: int, member_id: int, code: str, on_commit: Callable[[Member], None]
    ) -> Member:
        async def run(conn: Db) -> Member:
            row = await conn.one("SELECT code FROM members WHERE room_id = ? AND id = ?", (room_id, member_id))
            if row is None:
                raise NotFound(N_("There is no such member."))
            if await conn.one("SELECT 1 FROM members WHERE room_id = ? AND code = ?", (room_id, code)):
                raise Conflict(N_("Please try again."))  # drawn before: the caller draws anew
            found = await conn.one(
                "UPDATE members SET code = ?, withdrawn = false WHERE room_id = ? AND id = ?"
                f" RETURNING {MEMBER_COLUMNS}",
                (code, room_id, member_id),
            )
            await conn.execute(
                "UPDATE ballots SET ballot = ? WHERE room_id = ? AND ballot = ?", (code, room_id, row[0])
            )
            assert found is not None
            return _member(found)

        return await self._write().write(run, on_commit)

    async def set_privacy_floor(self, room_id: int, floor: int) -> None:
        async def run(conn: Db) -> None:
            await conn.execute("UPDATE rooms SET privacy_floor = ? WHERE id = ?", (floor, room_id))

        await self._write().write(run)

    async def set_proxy(self, room_id: int, holder: int, giver: int | None) -> None:
        async def run(conn: Db) -> None:
            await conn.execute("UPDATE members SET proxy_of = ? WHERE room_id = ? AND id = ?", (giver, room_id, holder))

        await self._write().write(run)

    async def set_access(self, room_id: int, access: str) -> None:
        async def run(conn: Db) -> None:
            await conn.execute("UPDATE rooms SET access = ? WHERE id = ?", (access, room_id))

        await self._write().write(run)

    async def set_anonymity(self, room_id: int, mode: str) -> None:
        async def run(conn: Db) -> None:
            await conn.execute("UPDATE rooms SET anonymity = ? WHERE id = ?", (mode, room_id))

        await self._write().write(run)

    async def seal(
        self, room_id: int, sealed: Sealed, participants: Mapping[int, str], ballots: Mapping[str, str]
    ) -> None:
        async def run(conn: Db) -> None:
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
        async def run(conn: Db) -> tuple[Post, bool]:
            row = await conn.one(
                f"SELECT {_POST} FROM posts WHERE participant_id = ? AND post_key = ?", (new.participant, new.key)
            )
            if row is not None:
                return _post(row), False
            await _check_round(conn, new.question, new.round, new.participant)
            (sent,) = await conn.one(
                "SELECT count(*) FROM posts WHERE question_id = ? AND round = ? AND participant_id = ?",
                (new.question, new.round, new.participant),
            )
            if sent >= new.most:
                raise Invalid(N_("You have sent %(n)d questions: that is the most one person can send."), n=new.most)
            row = await conn.one(
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
        async def run(conn: Db) -> bool:
            await _check_round(conn, upvote.question, upvote.round, upvote.participant)
            sql = (
                "INSERT INTO upvotes (question_id, round, item, participant_id) VALUES (?, ?, ?, ?)"
                " ON CONFLICT DO NOTHING"
                if up
                else "DELETE FROM upvotes WHERE question_id = ? AND round = ? AND item = ? AND participant_id = ?"
            )
            return await conn.execute(sql, (upvote.question, upvote.round, upvote.item, upvote.participant)) == 1

        def committed(changed: bool) -> None:
            if changed:
                on_commit(upvote)

        return await self._write().write(run, committed)

    # -- votes -----------------------------------------------------------------------------------------------------

    def vote(self, vote: Vote) -> Awaitable[Outcome]:
        return self._write().vote(vote)

    async def _store_votes(self, conn: Db, votes: list[Vote]) -> None:
        """Decide every vote of a group against what is committed, then store the group in two statements (three
        when someone changed an answer), whatever its size: each statement takes the whole group at once, so the
        database hands back control a few times per group, not per vote."""
        context = await self._vote_context(conn, [[v.participant, v.vote_id, v.question, v.round] for v in votes])
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
            await self._insert_receipts(conn, receipts)
            # A group may hold two votes of one participant for one question (a changed answer): only the last
            # becomes the answer (one row per key, so the upsert never meets a row twice).
            await self._upsert_answers(conn, list(answers.values()))
        if changed:
            await self._prune_receipts(conn, sorted(changed))

    # -- what each database does its own way: a whole group in one statement ----------------------------------------

    @abstractmethod
    async def _join_rows(self, conn: Db, joins: list[tuple[str, int]], joined_at: str) -> list[tuple[bool, str]]:
        """Insert the (participant, room id) pairs whose room exists and who are not there yet; then, in the group's
        order: whether the room exists, and the participant's nickname (None when there is none)."""

    @abstractmethod
    async def _vote_context(self, conn: Db, keys: list[list[Any]]) -> list[Sequence[Any]]:
        """For each [participant, vote id, question, round], in order: its key, the question's current round and
        status, whether the participant exists (and was not removed), the receipt of this vote id (question,
        round), and the participant's present answer in the vote's round (vote id, value, status)."""

    @abstractmethod
    async def _insert_receipts(self, conn: Db, receipts: list[list[Any]]) -> None:
        """Keep [participant, vote id, question, round] receipts (one already kept is left as it is)."""

    @abstractmethod
    async def _upsert_answers(self, conn: Db, answers: list[list[Any]]) -> None:
        """Store answers, each [question, round, participant, value, vote id, status, group, weight, channel,
        received ms, seq], replacing a participant's answer to the same round; later ones come later in commit
        order (`seq`)."""

    @abstractmethod
    async def _prune_receipts(self, conn: Db, changed: list[tuple[str, int, int]]) -> None:
        """Keep only the newest RECEIPTS_KEPT receipts of each (participant, question, round)."""

    @abstractmethod
    async def _ref_taken(self, conn: Db, room_id: int, refs: list[str]) -> str | None:
        """One of `refs` that a member of the room has already, or None."""

    @abstractmethod
    async def _insert_members(self, conn: Db, room_id: int, given: list[list[Any]], created_ms: int) -> list[Any]:
        """Insert members, each [code, ref, group, weight, participant], leaving out any whose code or participant is
        taken; returns the inserted rows (`MEMBER_COLUMNS` columns)."""


_QUESTIONS_OF_ROOM = f"SELECT {_QUESTION} FROM questions WHERE room_id = ? ORDER BY position, id"


def _posts(rows: Iterable[Sequence[Any]]) -> tuple[Post, ...]:
    return tuple(_post(r) for r in rows)


async def _check_round(conn: Db, question: int, round_: int, participant: str) -> None:
    """A participant's post or upvote meets a question's round as committed: refused when the participant was
    removed, the round is over, or the question is closed."""
    row = await conn.one(
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
