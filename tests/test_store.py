"""The store on a real database (the SQLite file, or PostgreSQL with --store=postgres): group commit, the truth of
every vote's outcome, bounded receipts, room operations worked out from what is committed; and SQLite's own lock and
checkpoint after a delete."""

from __future__ import annotations

import asyncio
import gc
import re
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from conftest import CHOICE, spec
from db import Target, make_store, on_postgres, rows

from lab import collector
from lab.errors import NotFound, Unavailable
from lab.hub import Hub
from lab.rooms import Room, Rooms
from lab.store import Outcome, SqliteStore, Store, StoreError, StoreInUse, Vote
from lab.store.sqlite import RECEIPTS_KEPT
from lab.wire import dumps


@pytest.fixture
async def store(store_target: Target) -> AsyncIterator[tuple[Store, Room]]:
    database = make_store(store_target)
    await database.open()
    room = await Rooms(database, Hub()).create("Kamer", [spec(**CHOICE), spec(**CHOICE, allow_change=False)])
    await room.push(room.questions[0].id)
    await room.act("open", {"question": room.questions[1].id})
    for participant in ("anna", "bert"):
        await database.join(participant, room.id)
    yield database, room
    await database.close()


def table(where: Target, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    return rows(where, sql, params)


def vote(participant: str, vote_id: str, question: int, value: Any, *, round_: int = 1, locked: bool = False) -> Vote:
    return Vote(participant, vote_id, question, round_, value, dumps(value), locked, 1_700_000_000_000)


async def together(database: Store, *votes: Vote) -> list[Outcome]:
    """Votes queued in the same moment: the writer takes them into one group."""
    return list(await asyncio.gather(*(database.vote(v) for v in votes)))


async def test_two_votes_of_one_participant_in_one_group_the_later_wins(
    store: tuple[Store, Room], store_target: Target
) -> None:
    database, room = store
    question = room.questions[0].id
    outcomes = await together(
        database, vote("anna", "anna-first", question, [0]), vote("anna", "anna-second", question, [2]),
        vote("bert", "bert-only", question, [1]),
    )  # fmt: skip
    assert outcomes == [Outcome.STORED, Outcome.STORED, Outcome.STORED]
    assert table(store_target, "SELECT participant_id, vote_id, value, round FROM answers ORDER BY 1") == [
        ("anna", "anna-second", "[2]", 1), ("bert", "bert-only", "[1]", 1),
    ]  # fmt: skip
    assert table(store_target, "SELECT vote_id FROM receipts ORDER BY 1") == [
        ("anna-first",), ("anna-second",), ("bert-only",),
    ]  # fmt: skip


async def test_a_resend_is_a_duplicate_only_with_the_same_value_while_it_is_the_answer(
    store: tuple[Store, Room], store_target: Target
) -> None:
    database, room = store
    question = room.questions[0].id
    assert await database.vote(vote("anna", "anna-vote", question, [0])) is Outcome.STORED
    outcomes = await together(
        database,
        vote("anna", "anna-vote", question, [0]),  # the same vote again: acknowledged, nothing changes
        vote("anna", "anna-vote", question, [1]),  # the same id with another value: refused
        vote("bert", "bert-vote", question, [1]),
        vote("bert", "bert-vote", question, [1]),  # a duplicate within one group
    )
    assert outcomes == [Outcome.DUPLICATE, Outcome.REUSED, Outcome.STORED, Outcome.DUPLICATE]
    assert table(store_target, "SELECT participant_id, value FROM answers ORDER BY 1") == [
        ("anna", "[0]"),
        ("bert", "[1]"),
    ]


async def test_a_vote_id_on_another_question_is_refused(store: tuple[Store, Room], store_target: Target) -> None:
    database, room = store
    first, second = (q.id for q in room.questions)
    assert await database.vote(vote("anna", "anna-vote", first, [0])) is Outcome.STORED
    assert await database.vote(vote("anna", "anna-vote", second, [0])) is Outcome.REUSED
    assert table(store_target, "SELECT question_id FROM answers") == [(first,)]


async def test_a_resend_of_a_replaced_answer_is_not_acknowledged(
    store: tuple[Store, Room], store_target: Target
) -> None:
    """The phone's first vote was stored, then a second replaced it: the first, sent again, must not be 'received'
    (and must not overwrite the second)."""
    database, room = store
    question = room.questions[0].id
    assert await database.vote(vote("anna", "anna-one", question, [0])) is Outcome.STORED
    assert await database.vote(vote("anna", "anna-two", question, [2])) is Outcome.STORED
    assert await database.vote(vote("anna", "anna-one", question, [0])) is Outcome.GONE
    assert table(store_target, "SELECT vote_id, value FROM answers") == [("anna-two", "[2]")]


async def test_a_locked_question_keeps_the_first_answer_within_a_group(
    store: tuple[Store, Room], store_target: Target
) -> None:
    database, room = store
    question = room.questions[1].id
    outcomes = await together(
        database, vote("anna", "anna-first", question, [0], locked=True),
        vote("anna", "anna-second", question, [1], locked=True),
    )  # fmt: skip
    assert outcomes == [Outcome.STORED, Outcome.LOCKED]
    assert table(store_target, "SELECT vote_id, value FROM answers") == [("anna-first", "[0]")]


async def test_votes_that_cannot_be_kept_say_so_and_the_rest_of_the_group_is_stored(
    store: tuple[Store, Room], store_target: Target
) -> None:
    database, room = store
    question = room.questions[0].id
    outcomes = await together(
        database,
        vote("nobody", "nobody-vote", question, [0]),  # no such participant (purged)
        vote("anna", "anna-vote", 999_999, [0]),  # no such question (deleted)
        vote("anna", "anna-old-round", question, [0], round_=0),  # a round that is not the question's
        vote("bert", "bert-vote", question, [1]),
    )
    assert outcomes == [Outcome.GONE, Outcome.GONE, Outcome.PASSED, Outcome.STORED]
    assert table(store_target, "SELECT participant_id, value FROM answers") == [("bert", "[1]")]
    assert table(store_target, "SELECT vote_id FROM receipts") == [("bert-vote",)]


async def test_a_vote_committed_after_the_question_closed_or_restarted_is_not_stored(
    store: tuple[Store, Room], store_target: Target
) -> None:
    """The room checks a vote when it arrives; the store checks it again when it commits, so a close or a new round
    that commits in between is never overtaken."""
    database, room = store
    first, second = (q.id for q in room.questions)

    async def voting(late: Vote) -> Outcome:  # (a coroutine, so that it queues its write when gather starts it)
        outcome: Outcome = await database.vote(late)
        return outcome

    # Queued in this order (gather starts them in order, and each queues its write before it first waits).
    *_, one, two = await asyncio.gather(
        room.act("close", {"question": first}), room.new_round(second),
        voting(vote("anna", "late-vote-1", first, [0])), voting(vote("anna", "late-vote-2", second, [0])),
    )  # fmt: skip
    assert [one, two] == [Outcome.CLOSED, Outcome.PASSED]
    assert table(store_target, "SELECT count(*) FROM answers") == [(0,)]


async def test_receipts_stay_bounded_when_a_participant_keeps_changing(
    store: tuple[Store, Room], store_target: Target
) -> None:
    database, room = store
    question = room.questions[0].id
    for batch in range(5):
        await together(database, *(vote("anna", f"anna-{batch}-{n:02d}", question, [n % 3]) for n in range(20)))
    assert table(store_target, "SELECT count(*) FROM receipts WHERE participant_id = 'anna'") == [(RECEIPTS_KEPT,)]
    order = "id" if on_postgres() else "rowid"  # the order they were written in
    newest = table(store_target, f"SELECT vote_id FROM receipts ORDER BY {order} DESC LIMIT 1")
    assert newest == [("anna-4-19",)] == table(store_target, "SELECT vote_id FROM answers")
    assert await database.vote(vote("anna", "anna-4-19", question, [19 % 3])) is Outcome.DUPLICATE


async def test_a_new_round_drops_the_old_rounds_receipts_and_keeps_its_answers(
    store: tuple[Store, Room], store_target: Target
) -> None:
    database, room = store
    question = room.questions[0].id
    assert await database.vote(vote("anna", "anna-vote", question, [0])) is Outcome.STORED
    await room.new_round(question)
    assert table(store_target, "SELECT count(*) FROM receipts") == [(0,)]
    assert await database.vote(vote("anna", "anna-vote", question, [0])) is Outcome.PASSED
    assert await database.vote(vote("anna", "anna-vote", question, [1], round_=2)) is Outcome.STORED
    assert table(store_target, "SELECT round, value FROM answers ORDER BY round") == [(1, "[0]"), (2, "[1]")]


async def test_joins_that_arrive_together_are_stored_together_and_one_for_a_deleted_room_is_refused_alone(
    store: tuple[Store, Room], store_target: Target
) -> None:
    database, room = store
    gone = await Rooms(database, Hub()).create("Weg", [spec(**CHOICE)])
    await database.delete_room(gone.id)
    await database.set_nickname("anna", "Anna")
    statements: list[str] = []
    if isinstance(database, SqliteStore):  # SQLite tells each statement it runs
        await database._conn.conn.set_trace_callback(statements.append)  # type: ignore[union-attr]
    people = [f"p{i:03d}" for i in range(300)]
    results = await asyncio.gather(
        *(database.join(p, room.id) for p in people), database.join("anna", room.id), database.join("carl", gone.id),
        return_exceptions=True,
    )  # fmt: skip
    assert results[:-1] == [""] * 300 + ["Anna"]  # a nickname given before comes back with the join
    assert isinstance(results[-1], NotFound)
    if isinstance(database, SqliteStore):
        assert len(statements) <= 4  # BEGIN, one INSERT, one SELECT, COMMIT: not three statements per phone
    assert table(store_target, "SELECT count(*) FROM participants WHERE room_id = ?", room.id) == [(302,)]
    assert table(store_target, "SELECT count(*) FROM participants WHERE id = 'carl'") == [(0,)]


@pytest.mark.sqlite_only("SQLite's connection thread")
async def test_a_group_of_votes_and_joins_is_one_turn_of_the_database_thread(
    store: tuple[Store, Room], store_target: Target
) -> None:
    """Each hand-over to SQLite's thread costs about a hundred microseconds of CPU on both sides: a whole group,
    from BEGIN to COMMIT, is one."""
    database, room = store
    question = room.questions[0].id
    connection = database._conn.conn  # type: ignore[union-attr]
    turns: list[str] = []
    real = connection._execute

    def counted(fn: Any, *args: Any) -> Any:
        turns.append(fn.__name__)
        return real(fn, *args)

    connection._execute = counted
    outcomes = await asyncio.gather(
        *(database.join(f"p{i:03d}", room.id) for i in range(50)),
        *(database.vote(vote(f"p{i:03d}", f"p{i:03d}-vote", question, [i % 3])) for i in range(50)),
        database.vote(vote("anna", "anna-vote", question, [1])),
    )  # fmt: skip
    assert outcomes == [""] * 50 + [Outcome.STORED] * 51
    assert turns == ["_drive"]
    assert table(store_target, "SELECT count(*) FROM answers WHERE question_id = ?", question) == [(51,)]


async def test_arrivals_alone_wait_longer_than_answers_for_more_to_store_with_them(
    store: tuple[Store, Room], store_target: Target, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A group of joins alone waits five commit windows for more (a storm of arrivals stored in fewer commits); a
    group with an answer in it waits one, as the answer's acknowledgement waits for it."""
    database, room = store
    waits: list[float] = []
    sleep = asyncio.sleep

    async def noted(delay: float, result: Any = None) -> Any:
        waits.append(delay)
        return await sleep(delay, result)

    monkeypatch.setattr(asyncio, "sleep", noted)
    assert await database.join("cor", room.id) == ""
    assert waits == [0.002 * 5]
    del waits[:]
    assert await database.vote(vote("anna", "anna-1", room.questions[0].id, [1])) is Outcome.STORED
    assert waits == [0.002]
    del waits[:]
    outcomes = await asyncio.gather(
        database.join("dirk", room.id), database.vote(vote("bert", "bert-1", room.questions[0].id, [0]))
    )
    assert outcomes == ["", Outcome.STORED] and waits == [0.002]
    assert table(store_target, "SELECT id FROM participants WHERE id IN ('cor', 'dirk') ORDER BY id") == [
        ("cor",),
        ("dirk",),
    ]


@pytest.mark.sqlite_only("SQLite's connection thread")
async def test_a_write_that_awaits_more_than_its_connection_fails_alone_and_is_undone(
    store: tuple[Store, Room], store_target: Target
) -> None:
    """A group runs to its end in the database's thread, where nothing of the event loop can be awaited: a write that
    tries fails with a sentence that says why, its statements are undone, and the rest of its group commits."""
    database, _ = store

    def waiting(pause: float) -> Any:
        async def waits(conn: Any) -> None:
            await conn.execute("UPDATE participants SET nickname = 'Weg' WHERE id = 'anna'")
            await asyncio.sleep(pause)

        return waits

    for pause, error in ((0, r"awaited something other than its database connection: .*waits > sleep$"),
                         (0.01, "no running event loop")):  # fmt: skip
        results = await asyncio.gather(
            database._write().write(waiting(pause)),  # type: ignore[attr-defined]
            database.set_nickname("bert", f"Bert {pause}"),
            return_exceptions=True,
        )
        assert isinstance(results[0], RuntimeError) and re.search(error, str(results[0])), results
        assert results[1] is None
        assert table(store_target, "SELECT id, nickname FROM participants ORDER BY id") == [
            ("anna", ""), ("bert", f"Bert {pause}")
        ]  # fmt: skip


async def test_a_closed_store_refuses_writes_at_once(store_target: Target) -> None:
    database = make_store(store_target)
    await database.open()
    await database.close()
    with pytest.raises(Unavailable):
        await asyncio.wait_for(database.set_nickname("anna", "Anna"), 5)
    with pytest.raises(Unavailable):
        await asyncio.wait_for(database.vote(vote("anna", "anna-vote", 1, [0])), 5)


@pytest.mark.sqlite_only("the lock file that keeps a second lab server off a SQLite file")
async def test_a_second_process_on_the_same_file_is_refused(tmp_path: Path) -> None:
    first = SqliteStore(tmp_path / "lab.db")
    await first.open()
    try:
        with pytest.raises(StoreInUse, match=r"lab\.db is in use by a running lab server \(process \d+\)"):
            await SqliteStore(tmp_path / "lab.db").open()
        reader = SqliteStore(tmp_path / "lab.db", lock=False)  # reading (an export) needs no lock
        await reader.open()
        await reader.close()
    finally:
        await first.close()
    again = SqliteStore(tmp_path / "lab.db")
    await again.open()
    await again.close()


@pytest.mark.sqlite_only("a damaged SQLite file")
async def test_a_damaged_file_is_one_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "lab.db"
    path.write_bytes(b"this is not a database, it is a shopping list " * 100)
    with pytest.raises(StoreError) as error:
        await SqliteStore(path).open()
    assert str(error.value).startswith(f"{path} is not a lab database, or it is damaged")


@pytest.mark.sqlite_only("SQLite's write-ahead log and the bytes left in its file")
async def test_the_checkpoint_after_a_delete_waits_until_the_log_is_empty(tmp_path: Path) -> None:
    """A reader in the middle of a read keeps the write-ahead log busy, and with it a copy of the deleted room.
    The store tries again until the log is really empty."""
    paused = asyncio.Event()
    go_on = asyncio.Event()

    async def pause(seconds: float) -> None:
        paused.set()
        await go_on.wait()

    database = SqliteStore(tmp_path / "lab.db", pause=pause)
    await database.open()
    rooms = Rooms(database, Hub())
    room = await rooms.create("Geheimekamer", [spec(**CHOICE)])
    reader = sqlite3.connect(database.path, check_same_thread=False)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM rooms").fetchone()  # holds a read snapshot with the room in it
    deleting = asyncio.create_task(rooms.delete(room.code))
    await asyncio.wait_for(paused.wait(), 10)
    assert b"Geheimekamer" in Path(f"{database.path}-wal").read_bytes()  # still readable: the log was busy
    reader.rollback()
    reader.close()
    go_on.set()
    assert await asyncio.wait_for(deleting, 10)
    assert Path(f"{database.path}-wal").stat().st_size == 0
    assert b"Geheimekamer" not in database.path.read_bytes()
    await database.close()


async def test_no_collection_runs_while_a_burst_of_votes_commits(
    store: tuple[Store, Room], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`lab serve`'s collector (lab.collector.Bursts): a group of BURST votes or more holds automatic collection
    off until the writer has nothing left to do; a smaller group leaves it on."""
    database, room = store
    monkeypatch.setattr(collector.bursts, "enabled", True)
    question = room.questions[0].id
    seen: list[bool] = []

    def committed(_vote: Vote) -> None:
        seen.append(gc.isenabled())

    def burst(size: int, name: str) -> list[Vote]:
        made = [vote("anna", f"{name}-{n}", question, [n % 3]) for n in range(size)]
        for one in made:
            one.on_commit = committed
        return made

    assert gc.isenabled()
    assert set(await together(database, *burst(collector.BURST - 1, "trickle"))) == {Outcome.STORED}
    assert seen == [True] * (collector.BURST - 1)
    seen.clear()
    assert set(await together(database, *burst(collector.BURST, "burst"))) == {Outcome.STORED}
    assert seen == [False] * collector.BURST  # committed while collection was held off
    assert gc.isenabled() and not collector.bursts.holding  # and on again once the writer caught up
