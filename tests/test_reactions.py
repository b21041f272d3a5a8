"""Reactions: taps are counted in memory and reach the projector and console as counts at most once a second; they
are never written and cannot crowd out votes."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable

import pytest
from conftest import CHOICE, CHROMIUM, PHONE, SCREEN, Client, Server, facilitator, open_page, phone, projector, spec
from db import everything
from playwright.async_api import Browser, expect

from lab.rooms import REACTIONS_INTERVAL, Room


def database(server: Server) -> dict[str, list[object]]:
    return everything(server.settings, leave_out=("meta",))


@pytest.mark.settings(messages_per_second=1000.0)
async def test_many_taps_arrive_as_a_few_counts_and_are_not_stored(
    server: Server, clients: Callable[[], Client]
) -> None:
    room: Room = await server.rooms.create("Kamer", [spec(**CHOICE)])
    boss, _ = await facilitator(clients, room)
    screen, _ = await projector(clients, room)
    phones = [(await phone(clients, room))[0] for _ in range(10)]
    before = database(server)
    taps = {"like": 0, "heart": 0, "question": 0, "louder": 0}
    for n in range(400):
        kind = list(taps)[n % 4 if n % 10 else 3]
        taps[kind] += 1
        await phones[n % 10].send({"type": "react", "reaction": kind})
    started = asyncio.get_running_loop().time()
    seen: dict[str, int] = {}
    messages = 0
    while sum(seen.values()) < 400:
        message = await screen.expect("reactions")
        messages += 1
        for kind, count in message["counts"].items():
            seen[kind] = seen.get(kind, 0) + count
    assert seen == taps
    assert messages <= 1 + (asyncio.get_running_loop().time() - started) / REACTIONS_INTERVAL  # coalesced
    console_seen: dict[str, int] = {}
    while sum(console_seen.values()) < 400:
        for kind, count in (await boss.expect("reactions"))["counts"].items():
            console_seen[kind] = console_seen.get(kind, 0) + count
    assert console_seen == taps
    assert database(server) == before  # nothing was written
    assert all(m["type"] != "reactions" for client in phones for m in client.seen)  # phones are not told


async def test_an_unknown_reaction_is_refused(server: Server, clients: Callable[[], Client]) -> None:
    room: Room = await server.rooms.create("Kamer", [spec(**CHOICE)])
    member, _ = await phone(clients, room)
    for bad in ("applause", None, 3, ["like"]):
        await member.send({"type": "react", "reaction": bad})
        refused = await member.expect("error")
        assert (refused["error"], refused["message"]) == ("bad_message", "Deze reactie bestaat niet.")
    boss, _ = await facilitator(clients, room)
    await boss.send({"type": "react", "reaction": "like"})
    assert (await boss.expect("error"))["error"] == "not_allowed"


@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists() and not os.environ.get("CI"), reason="Chromium is not installed")
async def test_a_tap_on_a_phone_rises_on_the_projector_and_counts_in_the_console(
    server: Server, browser: Browser
) -> None:
    room: Room = await server.rooms.create("Kamer", [spec(**CHOICE)])
    await room.push(room.questions[0].id)
    console = await open_page(browser, server, f"/f/{room.code}?key={room.facilitator_key}", **SCREEN)
    screen = await open_page(browser, server, f"/p/{room.code}?key={room.projector_key}", **SCREEN)
    mobile = await open_page(browser, server, f"/r/{room.code}", **PHONE)
    louder = mobile.page.get_by_role("group", name="Reageren").get_by_role("button", name="Harder praten")
    await louder.click()
    await louder.click()  # within a second: one tap is enough
    await expect(louder).to_be_focused()
    await expect(screen.page.locator(".bubble-louder")).to_have_count(1)
    await expect(console.page.locator(".reaction-counts")).to_have_text("Reacties: 🔊 Harder praten 1")
    await expect(screen.page.locator(".bubble-louder")).to_have_count(0, timeout=6000)  # it rose and went
    await expect(console.page.locator(".reaction-counts")).to_have_text("Reacties: 🔊 Harder praten 1")
    for watched in (console, screen, mobile):
        assert watched.errors == [] and watched.foreign == []
