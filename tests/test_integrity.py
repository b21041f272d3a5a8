"""Acknowledged means stored, on every path; room state that cannot drift from the database. Real sockets against a
real uvicorn, and the rows in the real database (the SQLite file, or PostgreSQL with --store=postgres)."""

from __future__ import annotations

import asyncio
import csv
import io
import sqlite3
from collections.abc import Callable
from typing import Any

import db
import openpyxl
import pytest
import websockets
from conftest import CHOICE, OPEN, SCALE, TIMEOUT, WORDS, Client, Server, facilitator, page_data, phone, spec

from lab.errors import UnknownCard
from lab.records import card_id
from lab.rooms import Room
from lab.store import Outcome, Vote


def rows(server: Server, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    return db.rows(server.settings, sql, params)


async def pushed(server: Server, clients: Callable[[], Client], *questions: dict[str, Any]) -> tuple[Room, Client]:
    room: Room = await server.rooms.create("Kamer", [spec(**q) for q in questions or (CHOICE,)])
    boss, _ = await facilitator(clients, room)
    await boss.send({"type": "push", "question": room.questions[0].id})
    await boss.expect("state")
    return room, boss


def vote(question: int, vote_id: str, value: Any, round_: int = 1) -> dict[str, Any]:
    return {"type": "vote", "id": vote_id, "question": question, "round": round_, "value": value}


async def test_a_vote_resent_after_a_reset_is_refused_and_the_phone_asked_again(
    server: Server, clients: Callable[[], Client]
) -> None:
    """The vote commits, its ack is lost with the wifi, the facilitator starts the question again, the phone comes
    back and resends: it must hear that the round has passed (and show the question again), never 'ontvangen'."""
    room, boss = await pushed(server, clients)
    question = room.questions[0].id
    voter, _ = await phone(clients, room)
    await voter.send(vote(question, "lost-ack-vote", [1]))
    await boss.expect("results", lambda m: m["answers"] == 1)  # committed; the phone never reads its ack
    assert voter.ws is not None
    await voter.ws.close()

    await boss.send({"type": "reset", "question": question})
    await boss.expect("state", lambda m: m["question"]["round"] == 2)
    snapshot = await voter.connect(f"/ws/r/{room.code}")
    assert snapshot["question"]["round"] == 2 and snapshot["answer"] is None
    await voter.send(vote(question, "lost-ack-vote", [1]))
    error = await voter.expect("error")
    assert error == {
        "type": "error", "error": "round_passed", "id": "lost-ack-vote",
        "message": "Deze vraag is opnieuw begonnen. Wilt u opnieuw antwoorden?",
    }  # fmt: skip
    assert not [m for m in voter.seen if m["type"] == "ack"]
    assert rows(server, "SELECT round, value FROM answers") == [(1, "[1]")]  # round 1 is kept; round 2 is empty


async def test_a_vote_id_means_one_vote(server: Server, clients: Callable[[], Client]) -> None:
    """The same id with another value, or on another question, is refused: its value would not be what is stored."""
    room, boss = await pushed(server, clients, CHOICE, OPEN)
    first, second = (q.id for q in room.questions)
    voter, _ = await phone(clients, room)
    await voter.send(vote(first, "one-vote-id", [0]))
    assert (await voter.expect("ack"))["value"] == [0]
    await voter.send(vote(first, "one-vote-id", [2]))
    assert (await voter.expect("error"))["error"] == "vote_reused"
    await voter.send(vote(first, "one-vote-id", [0]))  # the true resend of the first vote is still acknowledged
    assert (await voter.expect("ack"))["value"] == [0]
    await boss.send({"type": "push", "question": second})
    await voter.expect("state", lambda m: m["question"]["id"] == second)
    await voter.send(vote(second, "one-vote-id", "ander antwoord"))
    reused = await voter.expect("error")
    assert (reused["error"], reused["id"]) == ("vote_reused", "one-vote-id")
    assert rows(server, "SELECT question_id, value FROM answers") == [(first, "[0]")]


async def test_a_vote_whose_question_is_deleted_before_it_commits_is_not_acknowledged(
    server: Server, clients: Callable[[], Client]
) -> None:
    room, _ = await pushed(server, clients)
    question = room.questions[0].id
    await room.join("doomed-phone")
    # Queued together: the delete commits first, then the vote meets no question.
    deleting = asyncio.create_task(room.delete_question(question))

    async def vote() -> Outcome:  # (a task of its own, queued after the delete's)
        outcome: Outcome = await server.app.state.store.vote(_vote("doomed-phone", question))
        return outcome

    voting = asyncio.create_task(vote())
    await deleting
    assert await voting is Outcome.GONE
    assert rows(server, "SELECT count(*) FROM answers") == [(0,)]


def _vote(participant: str, question: int) -> Vote:
    return Vote(participant, "doomed-vote", question, 1, [0], "[0]", False, 0)


async def test_a_vote_that_fails_in_a_group_commit_gets_its_id_back_and_the_resend_is_stored(
    server: Server, clients: Callable[[], Client]
) -> None:
    room, _ = await pushed(server, clients)
    question = room.questions[0].id
    voter, _ = await phone(clients, room)
    writer = server.app.state.store._writer
    real = writer._store_votes
    failures = 0

    async def fail_once(conn: Any, votes: list[Vote]) -> None:
        nonlocal failures
        if not failures:
            failures += 1
            raise OSError("disk I/O error")
        await real(conn, votes)

    writer._store_votes = fail_once
    await voter.send(vote(question, "unlucky-vote", [2]))
    error = await voter.expect("error")
    assert (error["error"], error["id"]) == ("server_error", "unlucky-vote")  # the phone knows which one to resend
    assert rows(server, "SELECT count(*) FROM answers") == [(0,)]
    await voter.send(vote(question, "unlucky-vote", [2]))
    assert (await voter.expect("ack"))["value"] == [2]
    assert rows(server, "SELECT vote_id, value FROM answers") == [("unlucky-vote", "[2]")]


def memory_and_database(server: Server, room: Room) -> tuple[Any, Any]:
    memory = (room.current_id, [(q.id, q.position, q.status, q.round, q.prompt) for q in room.questions])
    database = (
        rows(server, "SELECT current_question_id FROM rooms WHERE id = ?", room.id)[0][0],
        rows(server, "SELECT id, position, status, round, prompt FROM questions WHERE room_id = ? ORDER BY position",
             room.id),
    )  # fmt: skip
    return memory, database


async def test_two_consoles_pressing_next_at_once_push_two_questions(
    server: Server, clients: Callable[[], Client]
) -> None:
    room: Room = await server.rooms.create("Kamer", [spec(**CHOICE), spec(**SCALE), spec(**OPEN)])
    one, _ = await facilitator(clients, room)
    two, _ = await facilitator(clients, room)
    await asyncio.gather(one.send({"type": "next"}), two.send({"type": "next"}))
    first, second = await one.expect("state"), await one.expect("state")
    assert [first["question"]["id"], second["question"]["id"]] == [room.questions[0].id, room.questions[1].id]
    memory, database = memory_and_database(server, room)
    assert memory == database and memory[0] == room.questions[1].id


async def test_concurrent_edits_leave_memory_as_the_database_says(server: Server) -> None:
    room: Room = await server.rooms.create("Kamer", [spec(**CHOICE), spec(**SCALE), spec(**OPEN)])
    first, second, third = (q.id for q in room.questions)
    await asyncio.gather(
        room.add_question(spec(**WORDS)),  # added between the others: memory must not lose it
        room.move_question(first, 2),
        room.move_question(third, 0),
        room.delete_question(second),
        room.push(third),
        room.step(1),
    )
    memory, database = memory_and_database(server, room)
    assert memory == database
    assert len(room.questions) == 3 and {q.type.name for q in room.questions} == {"choice", "open", "wordcloud"}
    reloaded = await type(server.rooms)(server.app.state.store, server.app.state.hub).get(room.code)
    assert memory_and_database(server, reloaded)[0] == memory


async def test_a_card_hidden_while_its_question_is_edited_stays_hidden(server: Server) -> None:
    room: Room = await server.rooms.create("Kamer", [spec(**OPEN)])
    question = room.questions[0].id
    await room.push(question)
    await room.join("writer")
    await room.vote("writer", "card-vote-1", question, 1, "Onaardige opmerking")
    await room.act("close", {"question": question})
    card = card_id(question, "writer")
    await asyncio.gather(
        room.moderate(question, card, "hidden"),
        room.update_question(question, spec(**{**OPEN, "max_length": 200})),  # cosmetic: the aggregate is rebuilt
    )
    assert rows(server, "SELECT status FROM answers") == [("hidden",)]
    tally = room.question(question).tally  # type: ignore[union-attr]
    assert tally.results() == {"respondents": 0, "cards": []}
    assert tally.results(facilitator=True)["cards"] == [
        {"card": card, "text": "Onaardige opmerking", "status": "hidden"}
    ]


async def test_card_order_survives_a_restart_within_one_second(server: Server, clients: Callable[[], Client]) -> None:
    room, _ = await pushed(server, clients, OPEN)
    question = room.questions[0].id
    for participant in ("anna", "bert"):
        await room.join(participant)
    await room.vote("anna", "anna-vote-1", question, 1, "eerste")
    await room.vote("bert", "bert-vote-1", question, 1, "tweede")
    await room.vote("anna", "anna-vote-2", question, 1, "eerste, gewijzigd")  # the newest, in the same second
    before = [c["text"] for c in room.results_for("facilitator")["cards"]]  # type: ignore[index]
    assert before == ["eerste, gewijzigd", "tweede"]
    await server.stop()
    await server.start()
    restarted: Room = await server.rooms.get(room.code)
    assert [c["text"] for c in restarted.results_for("facilitator")["cards"]] == before  # type: ignore[index]


async def test_exports_mark_moderated_answers_and_hold_every_word_and_card(
    server: Server, clients: Callable[[], Client]
) -> None:
    room: Room = await server.rooms.create('=HYPERLINK("http://x")', [spec(**WORDS), spec(**OPEN)])
    words, texts = (q.id for q in room.questions)
    for question, values in (
        (words, [[f"woord{n:03d}"] for n in range(70)]),
        (texts, [f"idee {n}" for n in range(210)]),
    ):
        await room.push(question)
        for n, value in enumerate(values):
            await room.join(f"p{n}")
            await room.vote(f"p{n}", f"vote-{question}-{n:03d}", question, 1, value)
    await room.moderate(texts, card_id(texts, "p7"), "hidden")
    boss, _ = await facilitator(clients, room)

    lines = list(csv.reader(io.StringIO((await boss.get(f"/f/{room.code}/export.csv")).text.lstrip("\ufeff"))))
    statuses = {(line[8], line[7]) for line in lines[1:] if line[8] in ("idee 7", "idee 8")}
    assert statuses == {("idee 7", "verborgen"), ("idee 8", "getoond")}

    book = openpyxl.load_workbook(io.BytesIO((await boss.get(f"/f/{room.code}/export.xlsx")).content))
    sheet = book["Samenvatting"]
    assert sheet["A1"].data_type == "s" and sheet["A1"].value == '\'=HYPERLINK("http://x")'  # text, not a formula
    summary = [[c for c in row if c is not None] for row in sheet.iter_rows(values_only=True)]
    assert sum(1 for row in summary if row and str(row[0]).startswith("woord")) == 70
    assert sum(1 for row in summary if row and str(row[0]).startswith("idee ")) == 210
    assert ["idee 7", "verborgen"] in summary
    page = page_data((await boss.get(f"/f/{room.code}")).text)
    assert page["title"] == room.title  # the screens show the title as it was typed


async def test_showing_a_card_again_never_shows_an_answer_the_facilitator_did_not_see(server: Server) -> None:
    """A hidden card's author changes it; the facilitator presses "show" on what the console showed. If the author
    changed it again just before that commit, the new text stays hidden (the console shows it, to decide anew)."""
    room: Room = await server.rooms.create("Kamer", [spec(**OPEN)])
    question = room.questions[0].id
    await room.push(question)
    await room.join("writer")
    await room.vote("writer", "card-vote-1", question, 1, "Onaardige opmerking")
    card = card_id(question, "writer")
    await room.moderate(question, card, "hidden")
    await room.vote("writer", "card-vote-2", question, 1, "Prima")  # stays hidden: the decision sticks
    results = await asyncio.gather(
        room.vote("writer", "card-vote-3", question, 1, "Weer onaardig"),  # queued first: commits first
        room.moderate(question, card, "shown"),  # the facilitator saw "Prima"
        return_exceptions=True,
    )
    assert results[0] == ("Weer onaardig", "hidden") and isinstance(results[1], UnknownCard)  # a hidden one stays so
    assert rows(server, "SELECT value, status FROM answers") == [('"Weer onaardig"', "hidden")]
    assert room.question(question).tally.results()["cards"] == []  # type: ignore[union-attr]


async def test_a_vote_kept_on_a_phone_does_not_land_on_options_edited_meanwhile(
    server: Server, clients: Callable[[], Client]
) -> None:
    """The phone answered "Goed" offline; the facilitator closed the question, changed its options and opened it
    again. The vote the phone sends on reconnecting was given to other options: it must be asked again."""
    room, _ = await pushed(server, clients)
    question = room.questions[0].id
    voter, _ = await phone(clients, room)
    await room.act("close", {"question": question})
    await room.update_question(question, spec(**{**CHOICE, "options": ["Slecht", "Matig", "Goed"]}))
    await room.act("open", {"question": question})
    await voter.send(vote(question, "offline-vote", [0]))  # round 1, as the phone last saw it
    error = await voter.expect("error", lambda m: m.get("id") == "offline-vote")
    assert error["error"] == "round_passed"
    assert rows(server, "SELECT count(*) FROM answers") == [(0,)]


@pytest.mark.sqlite_only("a reader holds SQLite's write-ahead log busy to keep a delete in its checkpoint")
async def test_a_room_being_deleted_refuses_new_phones_and_other_rooms_keep_voting(
    server: Server, clients: Callable[[], Client]
) -> None:
    """Between the delete's commit and the end of the checkpoint (slow while a reader is busy), a phone that opens
    the room's socket is told the room is gone, and votes in other rooms are stored meanwhile."""
    store = server.app.state.store
    paused, go_on = asyncio.Event(), asyncio.Event()

    async def pause(seconds: float) -> None:
        paused.set()
        await go_on.wait()

    store._pause = pause
    doomed: Room = await server.rooms.create("Weg", [spec(**CHOICE)])
    other, _ = await pushed(server, clients)
    latecomer = clients()
    assert (await latecomer.get(f"/r/{doomed.code}")).status_code == 200
    reader = sqlite3.connect(server.settings.db_path, check_same_thread=False)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM rooms").fetchone()  # keeps the log busy
    deleting = asyncio.create_task(server.rooms.delete(doomed.code))
    try:
        await asyncio.wait_for(paused.wait(), TIMEOUT)
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await latecomer.connect(f"/ws/r/{doomed.code}")
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 4404
        await other.join("elsewhere")
        assert await asyncio.wait_for(
            other.vote("elsewhere", "meanwhile-vote", other.questions[0].id, 1, [1]), TIMEOUT
        ) == ([1], "shown")
    finally:
        reader.rollback()
        reader.close()
        go_on.set()
    assert await asyncio.wait_for(deleting, TIMEOUT)
