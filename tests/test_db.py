"""The writer's group commit, on a real SQLite file: votes sent together are committed together, and each gets
the outcome it would get alone."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from conftest import CHOICE, spec

from lab.db import Database, Outcome, Vote
from lab.hub import Hub
from lab.rooms import Room, Rooms


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[tuple[Database, Room]]:
    database = Database(tmp_path / "lab.db")
    await database.open()
    room = await Rooms(database, Hub()).create("Kamer", [spec(**CHOICE), spec(**CHOICE, allow_change=False)])
    for participant in ("anna", "bert"):
        await database.ensure_participant(participant, room.id)
    yield database, room
    await database.close()


def table(database: Database, sql: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(database.path) as conn:
        return conn.execute(sql).fetchall()


async def together(database: Database, *votes: Vote) -> list[Outcome]:
    """Votes queued in the same moment: the writer takes them into one group."""
    return list(await asyncio.gather(*(database.vote(v) for v in votes)))


async def test_two_votes_of_one_participant_in_one_group_the_later_wins(store: tuple[Database, Room]) -> None:
    database, room = store
    question = room.questions[0].id
    outcomes = await together(
        database, Vote("anna", "anna-first", question, [0], False), Vote("anna", "anna-second", question, [2], False),
        Vote("bert", "bert-only", question, [1], False),
    )  # fmt: skip
    assert outcomes == [Outcome.STORED, Outcome.STORED, Outcome.STORED]
    assert table(database, "SELECT participant_id, vote_id, value FROM answers ORDER BY 1") == [
        ("anna", "anna-second", "[2]"), ("bert", "bert-only", "[1]"),
    ]  # fmt: skip
    assert table(database, "SELECT vote_id FROM receipts ORDER BY 1") == [
        ("anna-first",),
        ("anna-second",),
        ("bert-only",),
    ]


async def test_a_vote_id_seen_before_or_in_the_same_group_is_a_duplicate(store: tuple[Database, Room]) -> None:
    database, room = store
    question = room.questions[0].id
    assert await database.vote(Vote("anna", "anna-vote", question, [0], False)) == Outcome.STORED
    outcomes = await together(
        database, Vote("anna", "anna-vote", question, [1], False), Vote("bert", "bert-vote", question, [1], False),
        Vote("bert", "bert-vote", question, [2], False),
    )  # fmt: skip
    assert outcomes == [Outcome.DUPLICATE, Outcome.STORED, Outcome.DUPLICATE]
    assert table(database, "SELECT participant_id, value FROM answers ORDER BY 1") == [("anna", "[0]"), ("bert", "[1]")]


async def test_a_locked_question_keeps_the_first_answer_within_a_group(store: tuple[Database, Room]) -> None:
    database, room = store
    question = room.questions[1].id
    outcomes = await together(
        database, Vote("anna", "anna-first", question, [0], True), Vote("anna", "anna-second", question, [1], True)
    )
    assert outcomes == [Outcome.STORED, Outcome.LOCKED]
    assert table(database, "SELECT vote_id, value FROM answers") == [("anna-first", "[0]")]


async def test_a_vote_whose_participant_is_gone_is_skipped_and_the_rest_stored(store: tuple[Database, Room]) -> None:
    database, room = store
    question = room.questions[0].id
    await together(
        database, Vote("nobody", "nobody-vote", question, [0], False), Vote("bert", "bert-vote", question, [1], False)
    )
    assert table(database, "SELECT participant_id, value FROM answers") == [("bert", "[1]")]
    assert table(database, "SELECT vote_id FROM receipts") == [("bert-vote",)]
