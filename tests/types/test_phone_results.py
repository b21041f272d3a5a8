"""Results shown on phones at congress scale: phones get them at their own pace (LAB_PHONE_RESULTS_INTERVAL_MS) and
only what a phone's screen shows (the newest cards, the most frequent words), worked out once per change for every
audience and every snapshot."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import pytest
from conftest import CHOICE, OPEN, WORDS, Client, Server, facilitator, phone, projector, spec

from lab.questions import TYPES
from lab.questions.opentext import PHONE_CARDS
from lab.questions.wordcloud import PHONE_WORDS, SHOWN_WORDS, WordAggregate
from lab.records import Answer
from lab.rooms import Room
from lab.tally import Tally


async def shown_everywhere(
    server: Server, clients: Callable[[], Client], question: dict[str, Any]
) -> tuple[Room, int, Client, Client]:
    """A room with one question pushed and its results shown on the projector and the phones; its console and its
    projector."""
    room: Room = await server.rooms.create("Congres", [spec(**question)])
    boss, _ = await facilitator(clients, room)
    screen, _ = await projector(clients, room)
    await boss.send({"type": "push", "question": room.questions[0].id})
    for target in ("projector", "phones"):
        await boss.send({"type": "show_results", "question": room.questions[0].id, "target": target, "show": True})
    return room, room.questions[0].id, boss, screen


def results_seen(client: Client) -> list[int]:
    return [m["answers"] for m in client.seen if m["type"] == "results"]


@pytest.mark.settings(phone_results_interval_ms=3_600_000.0)  # an hour: only an urgent change reaches the phones
async def test_phones_get_results_at_their_own_pace_and_at_once_when_they_are_shown(
    server: Server, clients: Callable[[], Client]
) -> None:
    room, question, boss, screen = await shown_everywhere(server, clients, CHOICE)
    voter, _ = await phone(clients, room)
    watcher, first = await phone(clients, room)
    assert first["results"] is not None and first["answers"] == 0
    await boss.send({"type": "show_results", "question": question, "target": "phones", "show": False})
    await boss.send({"type": "show_results", "question": question, "target": "phones", "show": True})
    shown = await watcher.expect("results", lambda m: m["results"] is not None)  # at once: just shown
    assert shown["answers"] == 0
    await voter.send({"type": "vote", "id": "phone-pace-0001", "question": question, "round": 1, "value": [2]})
    await voter.expect("ack")
    await screen.expect("results", lambda m: m["answers"] == 1)  # the projector at its own pace (50 ms here)
    # hidden and shown again: the phones get the results at once, and had none in between (messages on one topic
    # arrive in order, so by now every earlier one to the phones has arrived)
    await boss.send({"type": "show_results", "question": question, "target": "phones", "show": False})
    await boss.send({"type": "show_results", "question": question, "target": "phones", "show": True})
    again = await watcher.expect("results", lambda m: m["results"] is not None and m["answers"] == 1)
    assert again["results"]["options"][2]["count"] == 1
    assert results_seen(watcher) == [0, 1]


async def test_phones_get_the_newest_cards_the_projector_all_of_them(
    server: Server, clients: Callable[[], Client]
) -> None:
    room, question, _, screen = await shown_everywhere(server, clients, OPEN)
    count = PHONE_CARDS + 5
    for n in range(count):
        voter, _ = await phone(clients, room)
        await voter.send({"type": "vote", "id": f"card-vote-{n:04}", "question": question, "round": 1,
                          "value": f"Idee nummer {n}"})  # fmt: skip
        await voter.expect("ack")
    on_screen = await screen.expect("results", lambda m: m["answers"] == count)
    assert [c["text"] for c in on_screen["results"]["cards"]] == [f"Idee nummer {n}" for n in reversed(range(count))]
    _, snapshot = await phone(clients, room)  # a phone that comes in now: its snapshot has the newest cards
    assert snapshot["results"]["respondents"] == count
    assert [c["text"] for c in snapshot["results"]["cards"]] == [
        f"Idee nummer {n}" for n in reversed(range(count - PHONE_CARDS, count))
    ]
    assert on_screen["results"]["respondents"] == snapshot["results"]["respondents"]


async def test_phones_get_the_most_frequent_words_the_projector_more(
    server: Server, clients: Callable[[], Client]
) -> None:
    room, question, _, _ = await shown_everywhere(server, clients, WORDS)
    words = [f"woord{n:02}" for n in range(PHONE_WORDS + 10)]
    for n, word in enumerate(words):
        voter, _ = await phone(clients, room)
        value = [word, "samen"] if n % 2 else [word]  # "samen" is the most frequent
        await voter.send({"type": "vote", "id": f"word-vote-{n:04}", "question": question, "round": 1,
                          "value": value})  # fmt: skip
        await voter.expect("ack")
    _, seen = await projector(clients, room)
    _, snapshot = await phone(clients, room)
    assert [w["word"] for w in seen["results"]["words"]] == ["samen", *words]
    assert [w["word"] for w in snapshot["results"]["words"]] == ["samen", *words[: PHONE_WORDS - 1]]
    assert snapshot["results"]["words"][0]["count"] == len(words) // 2


def test_the_most_frequent_words_are_found_without_sorting_them_all() -> None:
    shuffle = random.Random(7)
    aggregate = WordAggregate()
    for n in range(10_000):  # a vocabulary of 10,000 words, some typed in two spellings
        word = f"Woord{shuffle.randrange(3000)}" if n % 3 else f"woord{shuffle.randrange(3000)}"
        aggregate.count([word], 1)
    assert aggregate._ranked(SHOWN_WORDS) == aggregate._ranked()[:SHOWN_WORDS]


def test_results_are_worked_out_again_only_when_something_they_show_moved() -> None:
    kind = TYPES["choice"]
    settings = kind.check_settings({"options": ["Ja", "Nee"]})
    tally = Tally(kind, settings)
    first = tally.results()
    assert tally.results() is first  # the projector, the console and every phone share one
    tally.put(Answer(1, 1, "anna", [0], "shown", None, 1.0, "phone", 0))
    moved = tally.results()
    assert moved is not first and moved["respondents"] == 1 and first["respondents"] == 0
    tally.restatus("anna", "hidden")
    assert tally.results()["respondents"] == 0
    tally.set_hands([3, 1])
    assert tally.results()["respondents"] == 4
