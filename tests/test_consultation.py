"""A consultation at the members' own pace (lab.consultation): 200 members with codes answer over two weeks (the
clock is a parameter), some on phones, some on paper entered twice; the deadline closes it; turnout, weighted
results and the 70% rule come out exactly; results stay hidden until published, and the outcome reaches phones."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from conftest import SCALE, Client, Server, phone, spec
from db import Target, make_store, rows

from lab.consultation import Consultation, check
from lab.decks import DeckError, load_deck
from lab.errors import Closed, NotStarted, OnPaper
from lab.hub import Hub
from lab.members import NewMember
from lab.questions import SettingsError
from lab.rooms import Room, Rooms
from lab.store import Store

ZONE = ZoneInfo("Europe/Amsterdam")
START = dt.datetime(2026, 12, 1, 9, 0, tzinfo=ZONE)
VOTE = {"type": "choice", "prompt": "Gaat u akkoord met het renovatievoorstel?", "options": ["Ja", "Nee", "Blanco"],
        "rule": "eligible", "rule_for": 1, "rule_blank": 3}  # fmt: skip
OPEN = {"type": "open", "prompt": "Wat wilt u de corporatie nog meegeven?"}


class Clock:
    """The rooms' clock, moved by the test: two weeks pass in no time."""

    def __init__(self, at: dt.datetime) -> None:
        self.at = at

    def __call__(self) -> float:
        return self.at.timestamp()


@pytest.fixture
async def clock_rooms(store_target: Target) -> AsyncIterator[tuple[Rooms, Clock, Store]]:
    store = make_store(store_target)
    await store.open()
    clock = Clock(START - dt.timedelta(days=1))
    yield Rooms(store, Hub(), clock=clock), clock, store
    await store.close()


def stored(where: Target, sql: str, *params: object) -> list[tuple[Any, ...]]:
    return rows(where, sql, params)


def test_the_settings_read_local_times_and_refuse_what_cannot_be() -> None:
    made = check({"pace": "self", "starts": "2026-12-01T09:00", "ends": dt.datetime(2026, 12, 14, 17, 0)}, ZONE)
    assert made == Consultation("self", int(START.timestamp() * 1000),
                                int(dt.datetime(2026, 12, 14, 17, 0, tzinfo=ZONE).timestamp() * 1000))  # fmt: skip
    assert made.public(ZONE)["starts"] == "2026-12-01T09:00" and made.public(ZONE)["ends"] == "2026-12-14T17:00"
    for raw, said in [
        ({"pace": "slow"}, 'pace: must be "live" or "self"'),
        ({"starts": "morgen"}, "starts: Give a date and a time, such as 2026-12-14T17:00."),
        ({"starts": "2026-12-14T17:00", "ends": "2026-12-01T09:00"}, "ends: The deadline must be after the start."),
        ({"published": "ja"}, "published: must be true or false"),
        ({"outcome": "x" * 4001}, "outcome: must be at most 4000 characters"),
        ({"deadline": "2026-12-14"}, "deadline: unknown setting"),
    ]:
        with pytest.raises(SettingsError) as refused:
            check(raw, ZONE)
        assert str(refused.value) == said


async def test_two_hundred_members_answer_over_two_weeks_on_phones_and_paper(
    clock_rooms: tuple[Rooms, Clock, Store], store_target: Target
) -> None:
    rooms, clock, store = clock_rooms
    ends = START + dt.timedelta(days=13, hours=8)
    room = await rooms.create(
        "Renovatie De Akker", [spec(**VOTE), spec(**SCALE), spec(**OPEN)], access="codes",
        consultation=check({"pace": "self", "starts": START.replace(tzinfo=None), "ends": ends.replace(tzinfo=None)},
                           ZONE),
    )  # fmt: skip
    weights = [2.0 if n % 10 == 0 else 1.0 for n in range(200)]  # every tenth dwelling counts twice: 220 in all
    members = await room.add_members([NewMember(f"{n + 1}", "De Akker", w) for n, w in enumerate(weights)])
    vote_q, scale_q, open_q = room.questions
    assert [q.status for q in room.questions] == ["open", "open", "open"]  # all at once, until the deadline
    assert {q.closes_ms for q in room.questions} == {int(ends.timestamp() * 1000)}

    async def answer(n: int, question: Any, value: Any) -> None:
        member = members[n]
        await room.join(member.participant)
        await room.vote(member.participant, f"vote-{n:04d}-{question.id}", question.id, question.round, value)

    with pytest.raises(NotStarted):  # the day before: nothing is taken
        await answer(0, vote_q, [0])

    clock.at = START + dt.timedelta(hours=2)  # week one: 100 members on their phones, in any order
    for n in range(100):
        await answer(n, vote_q, [0] if n < 90 else [1])
        if n % 2 == 0:
            await answer(n, scale_q, [4, 5])
    snapshot = room.snapshot("phone", members[1].participant)
    assert snapshot["paced"]["answers"] == {str(vote_q.id): [0]}  # member 2 stopped halfway: they go on from here
    assert snapshot["paced"]["results"] is None  # hidden until published
    assert [q["id"] for q in snapshot["paced"]["questions"]] == [vote_q.id, scale_q.id, open_q.id]

    clock.at = START + dt.timedelta(days=9)  # week two: 50 more, and 10 paper ballots, one misread
    for n in range(100, 150):
        await answer(n, vote_q, [0] if n < 140 else [2])
    for n in range(150, 160):
        for teller in (1, 2):
            misread = n == 155 and teller == 2
            await room.enter_ballot(members[n].shown, teller, {str(vote_q.id): [1] if misread else [0]})
    assert room.ballot_summary() == {"entered": 10, "counted": 9, "differing": 1}
    await room.enter_ballot(members[155].shown, 2, {str(vote_q.id): [0]})  # the teller takes the ballot again
    assert room.ballot_summary() == {"entered": 10, "counted": 10, "differing": 0}
    with pytest.raises(OnPaper):  # a code that voted on paper cannot vote again on a phone: nothing changes
        await answer(150, vote_q, [1])

    clock.at = ends  # the deadline: the questions close, whatever their timers do
    with pytest.raises(Closed):
        await answer(199, vote_q, [0])

    tally = vote_q.tally
    assert room.turnout(tally) == {"eligible": 200, "answered": 160, "eligible_weight": 220.0,
                                   "answered_weight": 176.0}  # fmt: skip
    results = room.judged(tally, tally.results())
    assert [o["count"] for o in results["options"]] == [140, 10, 10]
    assert results["channels"] == {"phone": [130, 10, 10], "paper": [10, 0, 0]}
    assert results["weighted"]["options"][0] == {"weight": 154.0, "percent": 87.5}
    verdict = results["verdict"]
    assert (verdict["favour"], verdict["eligible"], verdict["met"]) == (154.0, 220.0, True)  # exactly 70%
    assert stored(
        store_target,
        "SELECT channel, count(*), sum(weight) FROM answers WHERE question_id = ? GROUP BY channel ORDER BY channel",
        vote_q.id,
    ) == [("paper", 10, 11.0), ("phone", 150, 165.0)]

    await room.act("consultation", {"published": True, "outcome": "De renovatie gaat door.\n\nDank u wel!"})
    published = room.snapshot("phone", members[3].participant)
    assert published["consultation"]["outcome"] == "De renovatie gaat door.\n\nDank u wel!"
    assert published["paced"]["results"][str(vote_q.id)]["verdict"]["outcome"] == "Aangenomen"
    again = await Rooms(store, Hub(), clock=clock).get(room.code)  # after a restart: all of it kept
    assert again is not None and again.consultation == room.consultation
    assert again.ballot_summary() == {"entered": 10, "counted": 10, "differing": 0}


async def test_a_phone_gets_its_questions_and_its_place_and_is_told_of_the_outcome(
    server: Server, clients: Callable[[], Client]
) -> None:
    room: Room = await server.rooms.create("Klantenpanel", [spec(**VOTE), spec(**OPEN)],
                                           consultation=Consultation("self"))  # fmt: skip
    client, snapshot = await phone(clients, room)
    assert snapshot["consultation"]["pace"] == "self"
    assert [q["prompt"] for q in snapshot["paced"]["questions"]] == [VOTE["prompt"], OPEN["prompt"]]
    assert snapshot["paced"]["answers"] == {}
    vote_q = room.questions[0]
    await client.send({"type": "vote", "id": "vote-0000001", "question": vote_q.id, "round": 1, "value": [1]})
    ack = await client.expect("ack")
    assert ack["value"] == [1]  # no question on the screen: at the own pace any open question takes answers

    await room.act("consultation", {"outcome": "We nemen uw punten mee."})
    told = await client.expect("consultation")
    assert told["consultation"]["outcome"] == "We nemen uw punten mee."
    assert told["paced"]["results"] is None
    assert told["paced"]["questions"][1]["prompt"] == OPEN["prompt"]


def test_a_deck_can_run_as_a_consultation(tmp_path: Path) -> None:
    deck = tmp_path / "raadpleging.toml"
    deck.write_text(
        'title = "Raadpleging"\n[consultation]\npace = "self"\nends = 2026-12-14T17:00:00\n'
        '[[questions]]\ntype = "choice"\nprompt = "Akkoord?"\noptions = ["Ja", "Nee"]\n'
    )
    assert load_deck(deck).consultation.pace == "self"
    deck.write_text('title = "R"\nconsultation = "self"\n[[questions]]\ntype = "open"\nprompt = "?"\n')
    with pytest.raises(DeckError) as refused:
        load_deck(deck)
    assert str(refused.value).endswith("consultation: must be a table ([consultation])")
