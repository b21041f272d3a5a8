"""Moderation of every participant's own words: the word filter holds answers and names back, a question can hold
every answer for approval, the console approves, hides and removes a participant; nothing is deleted."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from typing import Any

import pytest
import websockets
from a11y import NEEDS_AXE, axe, describe
from conftest import (
    CHROMIUM,
    OPEN,
    PHONE,
    SCREEN,
    WORDS,
    Client,
    Server,
    facilitator,
    open_page,
    phone,
    projector,
    spec,
)
from db import one, rows
from playwright.async_api import Browser, expect

from lab.errors import Removed
from lab.moderation import WordFilter, word_filter, words_of
from lab.records import card_id
from lab.rooms import Room


@pytest.mark.parametrize(
    ("text", "flags"),
    [
        ("Wat een klootzak.", ["klootzak"]),
        ("stelletje HUFTERS", ["hufters"]),  # case and a plural
        ("klootzakken", ["klootzakken"]),  # a doubled consonant before the ending
        ("wat een klotebeleid", ["klotebeleid"]),  # a curse compound (klote*)
        ("kuuuut", ["kut"]),  # a letter typed many times
        ("die 5l3t", ["slet"]),  # letters swapped for digits
        ("Hoera, eindelijk een reparatie!", []),  # "hoer" only as a whole word
        ("Wanneer is mijn beurt voor onderhoud?", []),  # everyday Dutch left off the list
        ("Driehoog achter wonen is niet erg", []),
        ("Gras maaien moet vaker", []),
        ("Ik heb kanker en kan de trap niet op", []),
        ("cum laude geslaagd", []),
        ("what the fuck", ["fuck"]),
        ("", []),
    ],
)
def test_the_word_filter(text: str, flags: list[str]) -> None:
    assert word_filter().flags(text) == flags


def test_organisers_add_their_own_words_and_phrases() -> None:
    own = WordFilter(["Jansen", "slecht bestuur", "wanbeleid*"])
    assert own.flags("Meneer JANSEN weer") == ["jansen"]
    assert own.flags("Dit is slecht  bestuur!") == ["slecht bestuur"]
    assert own.flags("wanbeleidsplan") == ["wanbeleidsplan"]
    assert own.flags("slecht weer, goed bestuur") == []
    assert words_of("Samenwérking, 4ls j3 wilt") == ["samenwerking", "als", "je", "wilt"]


async def test_a_word_on_the_list_never_reaches_the_projector(server: Server, clients: Callable[[], Client]) -> None:
    room: Room = await server.rooms.create("Kamer", [spec(**OPEN), spec(**WORDS)])
    boss, _ = await facilitator(clients, room)
    screen, _ = await projector(clients, room)
    member, _ = await phone(clients, room)
    other, _ = await phone(clients, room)
    open_text, cloud = room.questions
    await boss.send({"type": "push", "question": open_text.id})
    await boss.send({"type": "show_results", "question": open_text.id, "target": "projector", "show": True})
    await member.expect("state")
    await member.send({"type": "vote", "id": "rude-00001", "question": open_text.id, "round": 1,
                       "value": "Wat een klootzakken bij de corporatie"})  # fmt: skip
    ack = await member.expect("ack")
    assert (ack["value"], ack["status"]) == ("Wat een klootzakken bij de corporatie", "pending")
    await other.send(
        {"type": "vote", "id": "nice-00001", "question": open_text.id, "round": 1, "value": "Meer overleg"}
    )
    assert (await other.expect("ack"))["status"] == "shown"
    shown = await screen.expect("results", lambda m: m["answers"] == 2)
    assert [c["text"] for c in shown["results"]["cards"]] == ["Meer overleg"]
    queue = (await boss.expect("results", lambda m: m["answers"] == 2))["queue"]
    card = queue["items"][0]["card"]
    assert queue == {"waiting": 1, "hidden": 0, "items": [
        {"card": card, "text": "Wat een klootzakken bij de corporatie", "status": "pending"}]}  # fmt: skip
    assert all("klootzak" not in str(m) for m in screen.seen + other.seen)

    await boss.send({"type": "moderate", "question": open_text.id, "card": card, "status": "shown"})  # approved
    approved = await screen.expect("results", lambda m: len(m["results"]["cards"]) == 2)
    assert approved["results"]["cards"][1]["text"] == "Wat een klootzakken bij de corporatie"

    await boss.send({"type": "push", "question": cloud.id})
    await boss.send({"type": "show_results", "question": cloud.id, "target": "projector", "show": True})
    await member.expect("state", lambda m: m["question"]["id"] == cloud.id)
    await member.send({"type": "vote", "id": "rude-00002", "question": cloud.id, "round": 1,
                       "value": ["kut", "Overleg"]})  # fmt: skip
    assert (await member.expect("ack"))["status"] == "pending"
    cloud_shown = await screen.expect("results", lambda m: m["question"] == cloud.id and m["answers"] == 1)
    assert cloud_shown["results"] == {"respondents": 0, "words": []}  # the whole answer waits, its clean word too
    assert rows(server.settings, "SELECT value, status FROM answers ORDER BY id") == [
        ('"Wat een klootzakken bij de corporatie"', "shown"),
        ('"Meer overleg"', "shown"),
        ('["kut","Overleg"]', "pending"),
    ]  # kept, with its status: nothing is deleted


async def test_a_question_can_hold_every_answer_for_approval(server: Server, clients: Callable[[], Client]) -> None:
    room: Room = await server.rooms.create("Kamer", [spec(**OPEN, premoderate=True)])
    question = room.questions[0]
    boss, _ = await facilitator(clients, room)
    screen, _ = await projector(clients, room)
    member, _ = await phone(clients, room)
    await boss.send({"type": "push", "question": question.id})
    await boss.send({"type": "show_results", "question": question.id, "target": "projector", "show": True})
    await member.expect("state")
    await member.send({"type": "vote", "id": "calm-00001", "question": question.id, "round": 1, "value": "Goed zo"})
    assert (await member.expect("ack"))["status"] == "pending"
    assert (await screen.expect("results", lambda m: m["answers"] == 1))["results"]["cards"] == []
    card = card_id(question.id, next(iter(question.tally.answers)))
    await boss.send({"type": "moderate", "question": question.id, "card": card, "status": "shown"})
    shown = await screen.expect("results", lambda m: m["results"]["cards"] != [])
    assert [c["text"] for c in shown["results"]["cards"]] == ["Goed zo"]
    _, again = await phone(clients, room)
    assert again["answer"] is None  # another phone; the participant's own phone:
    assert (await member_snapshot(member))["answer_status"] == "shown"


async def member_snapshot(member: Client) -> dict[str, Any]:
    assert member.ws is not None
    await member.ws.close()
    return await member.connect(member.path)


async def test_a_name_with_a_word_on_the_list_is_refused(server: Server, clients: Callable[[], Client]) -> None:
    room: Room = await server.rooms.create("Kamer", [spec(**OPEN)])
    member, _ = await phone(clients, room)
    await member.send({"type": "nickname", "nickname": "Kut Marokkaan"})
    refused = await member.expect("error")
    assert (refused["error"], refused["message"]) == ("invalid", "Kies alstublieft een andere naam.")
    assert rows(server.settings, "SELECT nickname FROM participants") == [("",)]


@pytest.mark.settings(blocked_words="Jansen, wanbeleid*")
async def test_the_organisers_words_hold_answers_back(server: Server, clients: Callable[[], Client]) -> None:
    room: Room = await server.rooms.create("Kamer", [spec(**OPEN)])
    question = room.questions[0]
    await room.push(question.id)
    await room.join("p1")
    assert await room.vote("p1", "own-000001", question.id, 1, "Het wanbeleidsplan van Jansen") == (
        "Het wanbeleidsplan van Jansen",
        "pending",
    )


async def test_a_removed_participant_is_hidden_disconnected_and_kept_out(
    server: Server, clients: Callable[[], Client]
) -> None:
    room: Room = await server.rooms.create("Kamer", [spec(**OPEN), spec(**WORDS)])
    open_text, cloud = room.questions
    boss, _ = await facilitator(clients, room)
    troll, _ = await phone(clients, room)
    member, _ = await phone(clients, room)
    await room.push(cloud.id)
    await troll.send({"type": "vote", "id": "troll-0001", "question": cloud.id, "round": 1, "value": ["Flauwekul"]})
    await troll.expect("ack")
    await room.push(open_text.id)
    for client, text, vote_id in ((troll, "Onzin allemaal", "troll-0002"), (member, "Meer overleg", "good-00001")):
        await client.send({"type": "vote", "id": vote_id, "question": open_text.id, "round": 1, "value": text})
        await client.expect("ack")
    troll_id = next(p for p, a in open_text.tally.answers.items() if a.value == "Onzin allemaal")

    await boss.send({"type": "remove", "question": open_text.id, "card": card_id(open_text.id, troll_id)})
    told = await troll.expect("error")
    assert (told["error"], told["message"]) == ("removed", "U kunt niet meer meedoen aan deze bijeenkomst.")
    assert troll.ws is not None
    await asyncio.wait_for(troll.ws.wait_closed(), 5)
    assert troll.ws.close_code == 4403
    stored = rows(server.settings, "SELECT participant_id, status FROM answers ORDER BY id")
    assert stored == [(troll_id, "hidden"), (troll_id, "hidden"), (stored[2][0], "shown")]  # every question
    assert one(server.settings, "SELECT removed FROM participants WHERE id = ?", (troll_id,)) == (1,)
    assert [c["text"] for c in open_text.tally.results()["cards"]] == ["Meer overleg"]
    assert cloud.tally.results()["words"] == []

    with pytest.raises(websockets.ConnectionClosed) as closed:  # the same phone cannot come back
        await troll.connect(troll.path)
        await troll.expect("snapshot")
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4403
    with pytest.raises(Exception) as refused:
        await room.vote(troll_id, "troll-0003", open_text.id, 1, "Nog eens")
    assert type(refused.value).__name__ == "Removed"
    for removed_only in (lambda: room.react(troll_id, "like"), lambda: room.set_nickname(troll_id, "Troll")):
        with pytest.raises(Removed):
            result = removed_only()
            if asyncio.iscoroutine(result):
                await result
    await server.stop()
    await server.start()  # and not after a restart either
    reloaded = await server.rooms.get(room.code)
    assert reloaded.is_removed(troll_id)


@NEEDS_AXE
@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists() and not os.environ.get("CI"), reason="Chromium is not installed")
async def test_the_console_approves_hides_and_removes(server: Server, browser: Browser) -> None:
    room: Room = await server.rooms.create("Kamer", [spec(**OPEN, premoderate=True)])
    question = room.questions[0]
    await room.push(question.id)
    await room.act("show_results", {"question": question.id, "target": "projector", "show": True})
    console = await open_page(browser, server, f"/f/{room.code}?key={room.facilitator_key}", **SCREEN)
    screen = await open_page(browser, server, f"/p/{room.code}?key={room.projector_key}", **SCREEN)
    first = await open_page(browser, server, f"/r/{room.code}", **PHONE)
    second = await open_page(browser, server, f"/r/{room.code}", **PHONE)
    for watched, text in ((first, "Meer overleg met huurders"), (second, "Allemaal onzin")):
        await watched.page.get_by_role("textbox", name="Uw antwoord").fill(text)
        await watched.page.get_by_role("button", name="Verstuur").click()
        await expect(watched.page.get_by_text("De begeleider bekijkt uw antwoord eerst.", exact=False)).to_be_visible()
    queue = console.page.get_by_role("region", name="Te bekijken: 2 wachten, 0 verborgen")
    await expect(queue).to_be_visible()
    found = await axe(console.page)
    assert found == [], describe(found)
    await expect(screen.page.get_by_text("Meer overleg met huurders")).to_have_count(0)
    item = queue.get_by_role("listitem").filter(has_text="Meer overleg met huurders")
    await item.get_by_role("button", name="Toestaan").click()
    await expect(screen.page.get_by_text("Meer overleg met huurders", exact=True)).to_be_visible()
    await expect(first.page.get_by_text("De begeleider bekijkt uw antwoord eerst.", exact=False)).to_have_count(0)

    console.page.once("dialog", lambda dialog: asyncio.ensure_future(dialog.accept()))
    troll = console.page.get_by_role("listitem").filter(has_text="Allemaal onzin")
    await troll.get_by_role("button", name="Deelnemer verwijderen").click()
    await expect(
        second.page.get_by_role("heading", name="U kunt niet meer meedoen aan deze bijeenkomst.")
    ).to_be_visible()
    await expect(console.page.get_by_role("region", name="Te bekijken: 0 wachten, 1 verborgen")).to_be_visible()
    await second.page.reload()
    await expect(
        second.page.get_by_role("heading", name="U kunt niet meer meedoen aan deze bijeenkomst.")
    ).to_be_visible()
    await expect(screen.page.get_by_text("Allemaal onzin")).to_have_count(0)
    for watched in (console, screen, first):
        assert watched.errors == [] and watched.foreign == []
