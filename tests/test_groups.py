"""Results per group with a privacy floor (lab.groups): a tripartite session where tenants, the housing association
and the municipality are compared, with no group under the floor shown apart, live or in the report."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import Client, Server, facilitator, phone, projector, spec

from lab.decks import DeckError, load_deck
from lab.groups import protect
from lab.members import NewMember
from lab.questions import SettingsError
from lab.rooms import Room

WHO = {"type": "choice", "prompt": "Wie bent u vandaag?", "options": ["Huurder", "Corporatie", "Gemeente"],
       "group_question": True}  # fmt: skip
AGREE = {"type": "choice", "prompt": "Zijn de prestatieafspraken nagekomen?", "options": ["Ja", "Deels", "Nee"]}


def test_small_groups_are_shown_together_and_never_worked_out_by_subtraction() -> None:
    assert protect({"huurder": 12, "corporatie": 6, "gemeente": 5}, 5) == [
        ("huurder", ["huurder"]), ("corporatie", ["corporatie"]), ("gemeente", ["gemeente"]),
    ]  # fmt: skip
    assert protect({"a": 12, "b": 3, "c": 2}, 5) == [("a", ["a"]), (None, ["b", "c"])]  # 5 together
    # one small group alone could be worked out from the total: the smallest group shown apart joins it
    assert protect({"a": 12, "b": 6, "c": 3}, 5) == [("a", ["a"]), (None, ["b", "c"])]
    assert protect({"a": 20, "b": 2}, 5) == []  # what is left is one group: no split at all
    assert protect({"a": 4, "b": 4}, 5) == []
    assert protect({"a": 7}, 5) == [] and protect({}, 5) == []
    assert protect({"a": 3, "b": 3}, 3) == [("a", ["a"]), ("b", ["b"])]


def test_a_group_question_takes_one_choice_and_a_deck_sets_the_floor(tmp_path: Path) -> None:
    with pytest.raises(SettingsError) as refused:
        spec(**{**WHO, "max_choices": 2})
    assert str(refused.value) == "group_question: needs one choice per person"
    deck = tmp_path / "driepartijen.toml"
    deck.write_text('title = "Driepartijenoverleg"\nprivacy_floor = 3\n[[questions]]\ntype = "open"\nprompt = "?"\n')
    assert load_deck(deck).privacy_floor == 3
    deck.write_text('title = "D"\nprivacy_floor = 0\n[[questions]]\ntype = "open"\nprompt = "?"\n')
    with pytest.raises(DeckError) as wrong:
        load_deck(deck)
    assert str(wrong.value).endswith("privacy_floor: must be a whole number from 1 to 100")


async def tripartite(server: Server, sizes: dict[int, int]) -> Room:
    """A session where each participant first says who they are (option -> how many), then answers AGREE: tenants
    mostly no, the others mostly yes."""
    room: Room = await server.rooms.create("Driepartijenoverleg", [spec(**WHO), spec(**AGREE)])
    who, agree = room.questions
    n = 0
    for option, count in sizes.items():
        for _ in range(count):
            n += 1
            participant = f"deelnemer-{n:03d}"
            await room.join(participant)
            await room.push(who.id)
            await room.vote(participant, f"who-{n:06d}", who.id, 1, [option])
    await room.push(agree.id)
    for p, answer in list(who.tally.answers.items()):
        await room.vote(p, f"agree-{p}", agree.id, 1, [2 if answer.value == [0] else 0])
    return room


async def test_the_projector_and_console_show_each_group_and_the_small_ones_together(
    server: Server, clients: Callable[[], Client]
) -> None:
    room = await tripartite(server, {0: 12, 1: 6, 2: 3})
    agree = room.questions[1]
    screen, _ = await projector(clients, room)
    boss, _ = await facilitator(clients, room)
    member, _ = await phone(clients, room)
    await room.act("show_results", {"question": agree.id, "target": "projector", "show": True})
    await room.act("show_results", {"question": agree.id, "target": "phones", "show": True})
    await room.act("show_results", {"question": agree.id, "target": "groups", "show": True})
    shown = await screen.expect("results", lambda m: m["results"] is not None and "groups" in m["results"])
    assert [(g["label"], g["respondents"]) for g in shown["results"]["groups"]] == [("Huurder", 12), (None, 9)]
    assert [o["count"] for o in shown["results"]["groups"][0]["results"]["options"]] == [0, 0, 12]
    assert [o["count"] for o in shown["results"]["groups"][1]["results"]["options"]] == [9, 0, 0]
    console = await boss.expect("results", lambda m: m["results"] is not None and "groups" in m["results"])
    assert console["results"]["groups"] == shown["results"]["groups"]
    told = await member.expect("results", lambda m: m["results"] is not None)
    assert "groups" not in told["results"]  # phones: the room's results, never split

    await room.act("privacy_floor", {"floor": 3})
    again = await screen.expect("results", lambda m: m["results"] and len(m["results"].get("groups") or []) == 3)
    assert [(g["label"], g["respondents"]) for g in again["results"]["groups"]] == [
        ("Huurder", 12), ("Corporatie", 6), ("Gemeente", 3),
    ]  # fmt: skip
    await boss.send({"type": "privacy_floor", "floor": 0})
    assert (await boss.expect("error"))["message"] == "De privacygrens is een heel getal van 1 tot en met 100."
    assert room.privacy_floor == 3


async def test_too_few_in_every_group_shows_no_split(server: Server) -> None:
    room = await tripartite(server, {0: 4, 1: 2})
    agree = room.questions[1]
    await room.act("show_results", {"question": agree.id, "target": "groups", "show": True})
    assert room.results_for("facilitator")["groups"] is None  # type: ignore[index]


async def test_member_groups_split_a_vote_and_the_report_keeps_the_floor(server: Server) -> None:
    from test_report import docx_text, flat

    from lab.report import build

    room = await server.rooms.create("Klantenpanel", [spec(**AGREE)], access="codes")
    listed = [NewMember(f"{n}", "De Akker" if n <= 6 else "Het Hof" if n <= 12 else "De Wei") for n in range(1, 15)]
    members = await room.add_members(listed)
    question = room.questions[0]
    await room.push(question.id)
    for member in members:
        await room.join(member.participant)
        value = [1] if member.group == "Het Hof" else [0]
        await room.vote(member.participant, f"vote-{member.ref:0>6}", question.id, 1, value)
    await room.act("show_results", {"question": question.id, "target": "groups", "show": True})
    split = room.groups(question, question.tally)
    # De Wei (2) could be worked out from the total: Het Hof, as small as De Akker and later by name, joins it
    assert split is not None and [(g["label"], g["respondents"]) for g in split] == [("De Akker", 6), (None, 8)]
    text = flat(docx_text(await build(server.app.state.store, room, "docx")))
    assert "De Akker (n = 6)" in text and "Overige groepen samen (n = 8)" in text  # the headings, then the tables:
    assert "Antwoord | Aantal | Procent Ja | 6 | 100,0 Deels | 0 | 0,0 Nee | 0 | 0,0" in text
    assert "Antwoord | Aantal | Procent Ja | 2 | 25,0 Deels | 6 | 75,0 Nee | 0 | 0,0" in text
    assert "De Wei" not in text and "Het Hof" not in text
    assert "Bij sommige vragen staat de uitslag ook per groep. Een groep met minder dan 5 antwoorden" in text


async def test_a_groups_open_answers_in_the_report_leave_out_what_the_moderator_hid(server: Server) -> None:
    from test_report import docx_text

    from lab.records import card_id
    from lab.report import build

    room = await server.rooms.create("Driepartijenoverleg", [spec(**WHO), spec(type="open", prompt="Wat moet beter?")])
    who, said = room.questions
    await room.push(who.id)
    people = [f"p{n}" for n in range(12)]
    for n, person in enumerate(people):
        await room.join(person)
        await room.vote(person, f"w-{person}", who.id, 1, [n % 2])  # six tenants, six of the corporation
    await room.push(said.id)
    for person in people:
        await room.vote(person, f"o-{person}", said.id, 1, f"Meer overleg, zegt {person}")
    await room.vote("p2", "o-p2-rude", said.id, 1, "Dit is rotzooi")
    await room.moderate(said.id, card_id(said.id, "p2"), "hidden")
    await room.act("show_results", {"question": said.id, "target": "groups", "show": True})
    text = docx_text(await build(server.app.state.store, room, "docx"))
    assert "Huurder (n = 5)" in text and "Corporatie (n = 6)" in text
    assert "Dit is rotzooi" not in text and "verborgen" not in text
    assert "Meer overleg, zegt p8" in text  # the others are quoted in their group
