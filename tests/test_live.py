"""Live rooms over real websockets against a real uvicorn: push, vote, results, restarts."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import db
import pytest
from conftest import CHOICE, OPEN, SCALE, WORDS, Client, Server, facilitator, phone, projector, spec

from lab.rooms import Room


async def make_room(server: Server, *questions: dict[str, Any]) -> Room:
    room: Room = await server.rooms.create("Participatielab", [spec(**q) for q in questions])
    return room


async def one_phone(
    server: Server, clients: Callable[[], Client], question: dict[str, Any] = CHOICE
) -> tuple[Room, int, Client, Client]:
    """A room with one question pushed, its facilitator and one phone that has seen the push."""
    room = await make_room(server, question)
    boss, _ = await facilitator(clients, room)
    voter, _ = await phone(clients, room)
    await boss.send({"type": "push", "question": room.questions[0].id})
    await voter.expect("state")
    return room, room.questions[0].id, boss, voter


def rows(server: Server, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    return db.rows(server.settings, sql, params)


async def test_thirty_phones_vote_and_the_projector_shows_the_exact_aggregate(
    server: Server, clients: Callable[[], Client]
) -> None:
    room = await make_room(server, CHOICE)
    question = room.questions[0].id
    boss, snapshot = await facilitator(clients, room)
    assert snapshot["question"] is None and snapshot["participants"] == 0
    screen, _ = await projector(clients, room)
    phones = [await phone(clients, room) for _ in range(30)]

    await boss.send({"type": "push", "question": question})
    await boss.send({"type": "show_results", "question": question, "target": "projector", "show": True})
    states = await asyncio.gather(*(p.expect("state") for p, _ in phones))
    assert {s["question"]["id"] for s in states} == {question}
    assert {s["question"]["status"] for s in states} == {"open"}
    await screen.expect("state", lambda m: m["question"]["results_projector"])

    choices = [i % 3 for i in range(30)]  # 10 each, then two move from Slecht to Goed below
    choices[2] = choices[5] = 0

    async def vote(client: Client, index: int) -> dict[str, Any]:
        await client.send(
            {"type": "vote", "round": 1, "id": f"vote-{index:04d}", "question": question, "value": [choices[index]]}
        )
        return await client.expect("ack")

    acks = await asyncio.gather(*(vote(p, i) for i, (p, _) in enumerate(phones)))
    assert [a["value"] for a in acks] == [[c] for c in choices]

    final = await screen.expect("results", lambda m: m["answers"] == 30)
    assert final["results"] == {
        "respondents": 30,
        "options": [
            {"label": "Goed", "count": 12, "percent": 40.0},
            {"label": "Matig", "count": 10, "percent": 33.3},
            {"label": "Slecht", "count": 8, "percent": 26.7},
        ],
    }
    assert final["participants"] == 30
    assert rows(server, "SELECT count(*) FROM answers WHERE question_id = ?", question) == [(30,)]
    console = await boss.expect("results", lambda m: m["answers"] == 30)
    assert console["results"] == final["results"]


async def test_results_are_coalesced_not_sent_per_vote(server: Server, clients: Callable[[], Client]) -> None:
    room = await make_room(server, CHOICE)
    question = room.questions[0].id
    boss, _ = await facilitator(clients, room)
    phones = [await phone(clients, room) for _ in range(20)]
    await boss.send({"type": "push", "question": question})
    await asyncio.gather(*(p.expect("state") for p, _ in phones))
    await boss.expect("results", lambda m: m["participants"] == 20 and m["question"] == question)
    boss.seen.clear()

    async def vote(client: Client, index: int) -> None:
        await client.send({"type": "vote", "round": 1, "id": f"burst-{index:04d}", "question": question, "value": [0]})
        await client.expect("ack")

    await asyncio.gather(*(vote(p, i) for i, (p, _) in enumerate(phones)))
    await boss.expect("results", lambda m: m["answers"] == 20)
    sent = [m for m in boss.seen if m["type"] == "results"]
    assert len(sent) < 20  # one per interval, not one per vote
    assert [m["answers"] for m in sent] == sorted(m["answers"] for m in sent)


# The phones' pace is a minute: the board's timer never fires by itself here; the test fires it.
@pytest.mark.settings(phone_results_interval_ms=60_000.0)
async def test_a_room_without_a_qa_sends_phones_no_board(server: Server, clients: Callable[[], Client]) -> None:
    """Each push used to send every phone an empty Q&A board a moment later: at a congress, a message to 10,000
    phones in the middle of the answers."""
    room: Room = await server.rooms.create("Kamer", [spec(**CHOICE), spec(**SCALE)])
    member, snapshot = await phone(clients, room)
    assert snapshot["board"] is None
    for question in room.questions:
        await room.push(question.id)
        await member.expect("state", lambda m, q=question.id: m["question"]["id"] == q)  # type: ignore[misc]
        room._flush_board()  # the board's timer, fired now
    await member.send({"type": "ping"})
    await member.expect("pong")
    assert [m["type"] for m in member.seen] == ["snapshot", "state", "state", "pong"]


async def test_the_same_vote_sent_twice_counts_once(server: Server, clients: Callable[[], Client]) -> None:
    _, question, boss, voter = await one_phone(server, clients)

    vote = {"type": "vote", "round": 1, "id": "same-vote-id-1", "question": question, "value": [1]}
    await voter.send(vote)
    await voter.send(vote)
    first, second = await voter.expect("ack"), await voter.expect("ack")
    assert first == second == {"type": "ack", "id": "same-vote-id-1", "question": question, "round": 1, "value": [1],
                               "status": "shown"}  # fmt: skip
    assert rows(server, "SELECT value, vote_id FROM answers") == [("[1]", "same-vote-id-1")]
    assert rows(server, "SELECT count(*) FROM receipts") == [(1,)]
    results = await boss.expect("results", lambda m: m["answers"] == 1)
    assert [o["count"] for o in results["results"]["options"]] == [0, 1, 0]


async def test_a_changed_answer_replaces_the_old_one(server: Server, clients: Callable[[], Client]) -> None:
    _, question, boss, voter = await one_phone(server, clients)
    for number, choice in enumerate([0, 2]):
        await voter.send(
            {"type": "vote", "round": 1, "id": f"change-{number}-xx", "question": question, "value": [choice]}
        )
        await voter.expect("ack")
    assert rows(server, "SELECT value FROM answers") == [("[2]",)]
    results = await boss.expect("results", lambda m: m["answers"] == 1 and m["results"]["options"][2]["count"] == 1)
    assert [o["count"] for o in results["results"]["options"]] == [0, 0, 1]


async def test_a_question_that_forbids_changes_keeps_the_first_answer(
    server: Server, clients: Callable[[], Client]
) -> None:
    _, question, _, voter = await one_phone(server, clients, {**CHOICE, "allow_change": False})
    await voter.send({"type": "vote", "round": 1, "id": "first-answer", "question": question, "value": [0]})
    await voter.expect("ack")
    await voter.send({"type": "vote", "round": 1, "id": "second-answer", "question": question, "value": [1]})
    error = await voter.expect("error")
    assert error["error"] == "locked" and error["id"] == "second-answer"
    assert rows(server, "SELECT value FROM answers") == [("[0]",)]


async def test_two_answers_at_once_from_one_participant_leave_one_row(
    server: Server, clients: Callable[[], Client]
) -> None:
    room = await make_room(server, CHOICE)
    question = room.questions[0].id
    boss, _ = await facilitator(clients, room)
    voter, _ = await phone(clients, room)
    other = clients()
    other.http.cookies = voter.http.cookies  # the same browser, a second tab
    await other.connect(f"/ws/r/{room.code}")
    await boss.send({"type": "push", "question": question})
    await asyncio.gather(voter.expect("state"), other.expect("state"))
    await asyncio.gather(
        voter.send({"type": "vote", "round": 1, "id": "tab-one-vote", "question": question, "value": [0]}),
        other.send({"type": "vote", "round": 1, "id": "tab-two-vote", "question": question, "value": [2]}),
    )
    await asyncio.gather(voter.expect("ack"), other.expect("ack"))
    stored = rows(server, "SELECT value FROM answers")
    assert len(stored) == 1
    results = await boss.expect("results", lambda m: m["answers"] == 1)
    counts = [o["count"] for o in results["results"]["options"]]
    assert counts == ([1, 0, 0] if stored[0][0] == "[0]" else [0, 0, 1])


async def test_closed_and_not_current_questions_refuse_votes_and_change_nothing(
    server: Server, clients: Callable[[], Client]
) -> None:
    room = await make_room(server, CHOICE, OPEN)
    first, second = (q.id for q in room.questions)
    boss, _ = await facilitator(clients, room)
    voter, _ = await phone(clients, room)
    await boss.send({"type": "push", "question": first})
    await voter.expect("state")
    await voter.send({"type": "vote", "round": 1, "id": "wrong-question", "question": second, "value": "hallo"})
    assert (await voter.expect("error"))["error"] == "not_current"
    await boss.send({"type": "close", "question": first})
    await voter.expect("state", lambda m: m["question"]["status"] == "closed")
    await voter.send({"type": "vote", "round": 1, "id": "too-late-vote", "question": first, "value": [0]})
    error = await voter.expect("error")
    assert error == {"type": "error", "error": "closed", "message": "Deze vraag is gesloten.", "id": "too-late-vote"}
    assert rows(server, "SELECT count(*) FROM answers") == [(0,)]


async def test_phones_see_results_only_when_the_facilitator_shows_them(
    server: Server, clients: Callable[[], Client]
) -> None:
    room = await make_room(server, WORDS)
    question = room.questions[0].id
    boss, _ = await facilitator(clients, room)
    screen, _ = await projector(clients, room)
    voter, _ = await phone(clients, room)
    await boss.send({"type": "push", "question": question})
    await voter.expect("state")
    await voter.send(
        {"type": "vote", "round": 1, "id": "words-vote-1", "question": question, "value": ["Samenwerking!", "huurders"]}
    )
    ack = await voter.expect("ack")
    assert ack["value"] == ["Samenwerking", "huurders"]
    hidden = await screen.expect("results", lambda m: m["answers"] == 1)
    assert hidden["results"] is None  # the projector shows only how many answered

    await boss.send({"type": "show_results", "question": question, "target": "phones", "show": True})
    await voter.expect("state", lambda m: m["question"]["results_phones"])
    on_phone = await voter.expect("results")
    assert on_phone["results"] == {
        "respondents": 1,
        "words": [{"word": "huurders", "count": 1}, {"word": "Samenwerking", "count": 1}],
    }


async def test_a_participants_sockets_are_reachable_until_each_closes(
    server: Server, clients: Callable[[], Client]
) -> None:
    """One participant on two tabs: the room reaches both sockets, then the one left, then none."""
    room = await make_room(server, CHOICE)
    boss, _ = await facilitator(clients, room)
    first, _ = await phone(clients, room)
    twin = clients()
    twin.http.cookies = first.http.cookies  # the same browser: the same participant
    await twin.connect(f"/ws/r/{room.code}")
    await boss.expect("results", lambda m: m["participants"] == 2)
    (participant,) = room._phones
    assert len(room._phones[participant]) == 2

    assert first.ws is not None and twin.ws is not None
    await first.ws.close()
    await boss.expect("results", lambda m: m["participants"] == 1)
    assert list(room._phones) == [participant] and len(room._phones[participant]) == 1
    await twin.ws.close()
    await boss.expect("results", lambda m: m["participants"] == 0)
    assert room._phones == {}


async def test_reset_starts_a_new_round_and_keeps_the_old_one(server: Server, clients: Callable[[], Client]) -> None:
    room, question, boss, voter = await one_phone(server, clients, SCALE)
    await voter.send({"type": "vote", "round": 1, "id": "scale-vote-1", "question": question, "value": [4, None]})
    assert (await voter.expect("ack"))["value"] == [4, None]
    counted = await boss.expect("results", lambda m: m["answers"] == 1)
    assert counted["results"]["statements"][0]["average"] == 4.0
    assert counted["results"]["statements"][1]["skipped"] == 1

    await boss.send({"type": "reset", "question": question})
    state = await voter.expect("state", lambda m: m["question"]["round"] == 2)
    assert state["question"]["status"] == "open"
    empty = await boss.expect("results", lambda m: m["answers"] == 0 and m["round"] == 2)
    assert empty["results"]["respondents"] == 0
    await voter.send({"type": "vote", "round": 2, "id": "scale-vote-2", "question": question, "value": [2, 3]})
    assert (await voter.expect("ack"))["round"] == 2
    assert rows(server, "SELECT round, value FROM answers ORDER BY round") == [(1, "[4,null]"), (2, "[2,3]")]
    assert rows(server, "SELECT question_id, number FROM rounds ORDER BY number") == [(question, 1), (question, 2)]
    first = room.question(question).rounds[1].results()  # the first round, as it was: the model keeps both
    assert first["statements"][0]["average"] == 4.0 and first["respondents"] == 1


async def test_a_server_restart_loses_nothing_and_clients_come_back(
    server: Server, clients: Callable[[], Client]
) -> None:
    room = await make_room(server, CHOICE, OPEN)
    question = room.questions[1].id
    code, key = room.code, room.facilitator_key
    boss, _ = await facilitator(clients, room)
    voters = [await phone(clients, room) for _ in range(5)]
    await boss.send({"type": "push", "question": question})
    await boss.send({"type": "show_results", "question": question, "target": "projector", "show": True})
    for index, (voter, _) in enumerate(voters):
        await voter.expect("state")
        await voter.send(
            {
                "type": "vote",
                "round": 1,
                "id": f"before-restart-{index}",
                "question": question,
                "value": f"idee {index}",
            }
        )
        await voter.expect("ack")

    await server.stop()
    await server.start()
    restarted: Room = await server.rooms.get(code)
    assert restarted.facilitator_key == key and restarted.current_id == question

    for index, (voter, _) in enumerate(voters):  # same cookies: the same participants
        snapshot = await voter.connect(f"/ws/r/{code}")
        assert snapshot["question"]["id"] == question
        assert snapshot["answer"] == f"idee {index}"
    again = await voters[0][0].connect(f"/ws/r/{code}")
    assert again["answer"] == "idee 0"
    screen, snapshot = await projector(clients, restarted)
    assert snapshot["answers"] == 5
    assert [c["text"] for c in snapshot["results"]["cards"]] == [f"idee {i}" for i in reversed(range(5))]

    await voters[0][0].send(
        {"type": "vote", "round": 1, "id": "after-restart", "question": question, "value": "beter idee"}
    )
    await voters[0][0].expect("ack")
    changed = await screen.expect("results", lambda m: m["results"]["cards"][0]["text"] == "beter idee")
    assert changed["answers"] == 5
    assert rows(server, "SELECT count(*) FROM answers") == [(5,)]
