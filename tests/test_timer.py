"""The countdown closes a question on the server at zero (also across a restart); the run-sheet's times and the
presenter notes reach the console only."""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import Callable

import pytest
from conftest import (
    CHOICE,
    CHROMIUM,
    OPEN,
    PHONE,
    SCREEN,
    Client,
    Server,
    facilitator,
    open_page,
    phone,
    projector,
    spec,
)
from db import execute, make_store, one
from playwright.async_api import Browser, expect

from lab.hub import Hub
from lab.rooms import Room, Rooms

# The question closes within this long after its countdown ends, by the server's clock: the timer fires on time, and
# the close is then committed (with fsync) before it is sent, which on a busy test machine took 308 ms.
LATE_MS = 500


async def test_a_countdown_closes_the_question_at_zero(server: Server, clients: Callable[[], Client]) -> None:
    room: Room = await server.rooms.create("Kamer", [spec(**CHOICE)])
    question = room.questions[0].id
    boss, _ = await facilitator(clients, room)
    screen, _ = await projector(clients, room)
    member, _ = await phone(clients, room)
    await boss.send({"type": "push", "question": question})
    await boss.send({"type": "close", "question": question})
    await screen.expect("state", lambda m: m["question"]["status"] == "closed")

    await boss.send({"type": "timer", "question": question, "seconds": 5})
    started = await member.expect("state", lambda m: m["question"]["closes_ms"] is not None)
    assert started["question"]["status"] == "open"  # starting the countdown opens the question
    closes_ms = started["question"]["closes_ms"]
    assert 4900 < closes_ms - started["now"] <= 5000  # the message goes out just after the countdown is stored
    await member.send({"type": "vote", "id": "in-time-01", "question": question, "round": 1, "value": [0]})
    assert (await member.expect("ack"))["value"] == [0]

    closed = await screen.expect("state", lambda m: m["question"]["status"] == "closed", timeout=8)
    late = closed["now"] - closes_ms  # when the server closed it: a busy test machine may deliver it later still
    assert 0 <= late < LATE_MS, late
    assert closed["question"]["closes_ms"] is None
    await member.send({"type": "vote", "id": "too-late-01", "question": question, "round": 1, "value": [1]})
    assert (await member.expect("error"))["error"] == "closed"
    assert [a.value for a in room.questions[0].tally.answers.values()] == [[0]]


async def test_a_stopped_countdown_leaves_the_question_open(server: Server, clients: Callable[[], Client]) -> None:
    room: Room = await server.rooms.create("Kamer", [spec(**CHOICE)])
    question = room.questions[0].id
    boss, _ = await facilitator(clients, room)
    await boss.send({"type": "push", "question": question})
    await boss.send({"type": "timer", "question": question, "seconds": 5})
    await boss.expect("state", lambda m: m["question"]["closes_ms"] is not None)
    await boss.send({"type": "timer", "question": question, "seconds": 0})
    stopped = await boss.expect("state", lambda m: m["question"]["closes_ms"] is None)
    assert stopped["question"]["status"] == "open"
    await boss.send({"type": "timer", "question": question, "seconds": 3601})
    assert (await boss.expect("error"))["error"] == "bad_message"
    # one second on: still open (a stopped countdown does not fire; the next message proves the loop moved on)
    await boss.send({"type": "timer", "question": question, "seconds": 5})
    await boss.expect("state", lambda m: m["question"]["closes_ms"] is not None)
    await boss.send({"type": "close", "question": question})  # closing by hand ends the countdown
    closed = await boss.expect("state", lambda m: m["question"]["status"] == "closed")
    assert closed["question"]["closes_ms"] is None


async def test_a_countdown_survives_a_restart(server: Server, clients: Callable[[], Client]) -> None:
    room: Room = await server.rooms.create("Kamer", [spec(**OPEN)])
    question = room.questions[0].id
    await room.push(question)
    await room.act("timer", {"question": question, "seconds": 5})
    closes_ms = room.questions[0].closes_ms
    assert closes_ms is not None
    await server.stop()
    await server.start()  # nobody asks for the room: it is loaded at start because its countdown runs
    reloaded = server.app.state.rooms._loaded[room.code]
    screen, snapshot = await projector(clients, reloaded)
    assert snapshot["question"]["closes_ms"] == closes_ms and snapshot["question"]["status"] == "open"
    closed = await screen.expect("state", lambda m: m["question"]["status"] == "closed", timeout=8)
    late = closed["now"] - closes_ms
    assert 0 <= late < LATE_MS, late


async def test_notes_and_the_run_sheet_reach_the_console_only(server: Server, clients: Callable[[], Client]) -> None:
    notes = {"notes": "Vraag door op onderhoud", "planned_minutes": 5}
    room: Room = await server.rooms.create("Kamer", [spec(**CHOICE, **notes), spec(**OPEN)])
    first, second = (q.id for q in room.questions)
    boss, snapshot = await facilitator(clients, room)
    member, _ = await phone(clients, room)
    screen, _ = await projector(clients, room)
    assert snapshot["questions"][0]["settings"]["notes"] == "Vraag door op onderhoud"
    await boss.send({"type": "push", "question": first})
    assert (await boss.expect("state"))["question"]["settings"]["planned_minutes"] == 5
    pushed = await boss.expect("questions")
    for client in (member, screen):
        state = await client.expect("state")
        assert "notes" not in state["question"]["settings"] and "planned_minutes" not in state["question"]["settings"]
        assert "shown_ms" not in state["question"]
    await boss.send({"type": "push", "question": second})
    moved = await boss.expect("questions", lambda m: m["current_since_ms"] != pushed["current_since_ms"])
    assert moved["questions"][0]["shown_ms"] == moved["current_since_ms"] - pushed["current_since_ms"]
    assert moved["questions"][1]["shown_ms"] == 0
    await boss.send({"type": "push", "question": second})  # the same again: its turn goes on
    again = await boss.expect("questions")
    assert again["current_since_ms"] == moved["current_since_ms"]


@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists() and not os.environ.get("CI"), reason="Chromium is not installed")
async def test_the_countdown_on_every_screen_and_the_notes_in_the_console(server: Server, browser: Browser) -> None:
    room: Room = await server.rooms.create(
        "Kamer", [spec(**CHOICE, timer=5, notes="Vraag door op onderhoud", planned_minutes=5)]
    )
    question = room.questions[0]
    console = await open_page(browser, server, f"/f/{room.code}?key={room.facilitator_key}", **SCREEN)
    screen = await open_page(browser, server, f"/p/{room.code}?key={room.projector_key}", **SCREEN)
    mobile = await open_page(browser, server, f"/r/{room.code}", **PHONE)
    await room.push(question.id)
    await room.act("close", {"question": question.id})
    await expect(console.page.get_by_text("Vraag door op onderhoud", exact=True)).to_be_visible()
    await expect(console.page.get_by_text("5 min gepland", exact=False).first).to_be_visible()
    await expect(mobile.page.get_by_text("Vraag door op onderhoud")).to_have_count(0)  # the console's only
    seconds = console.page.get_by_label("Aftellen (seconden)")
    await expect(seconds).to_have_value("5")
    await console.page.get_by_role("button", name="Aftellen starten").click()
    for page in (console.page, screen.page, mobile.page):
        await expect(page.get_by_role("timer")).to_have_text(re.compile(r"^Nog 0:0[1-5]$"))
    await expect(mobile.page.get_by_role("button", name="Goed")).to_be_enabled()
    await expect(mobile.page.locator("#phone").get_by_text("De vraag is gesloten")).to_be_visible(timeout=8000)
    for page in (console.page, screen.page, mobile.page):
        await expect(page.get_by_role("timer")).to_be_hidden()
    assert room.questions[0].status == "closed"
    for page in (console, screen, mobile):
        assert page.errors == [] and page.foreign == []


async def test_only_a_serving_process_ends_a_countdown(server: Server) -> None:
    """`lab export` and the like load rooms too: a countdown that ran out while the server was down is ended by the
    next server, never by a command that only reads."""
    room: Room = await server.rooms.create("Kamer", [spec(**OPEN)])
    await room.push(room.questions[0].id)
    await room.act("timer", {"question": room.questions[0].id, "seconds": 5})
    await server.stop()
    execute(server.settings, "UPDATE questions SET closes_ms = 1")  # long past
    version = one(server.settings, "SELECT version FROM rooms")
    store = make_store(server.settings)
    await store.open()
    try:
        reader = await Rooms(store, Hub()).get(room.code)  # as `lab export` loads it
        assert reader is not None
        await store.rooms()  # the event loop turns: a countdown would have fired by now
        assert reader.questions[0].status == "open"
    finally:
        await store.close()
    assert one(server.settings, "SELECT version FROM rooms") == version
    await server.start()  # the server ends it at once
    served = await server.rooms.get(room.code)
    assert served.questions[0].status == "closed" or (await _closed(served))


async def _closed(room: Room) -> bool:
    """Whether the question closes: the close is a committed change that every screen is told of, so each message
    to the consoles is a moment to look again (on a busy machine the store's queue may take a while)."""
    async with room._hub.subscribe(room.topic("facilitator")) as told:
        while room.questions[0].status != "closed":
            await asyncio.wait_for(told.get(), 10)
    return True
