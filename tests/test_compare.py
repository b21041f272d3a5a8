"""A question asked again (a new round) shown beside its previous round, per option or statement with the change:
the Participatielab asks the same question at the start and at the end to see what the conversation changed."""

from __future__ import annotations

import os
from collections.abc import Callable

import pytest
from a11y import NEEDS_AXE, axe, describe
from conftest import (
    CHOICE,
    CHROMIUM,
    PHONE,
    SCALE,
    SCREEN,
    Client,
    Server,
    facilitator,
    open_page,
    phone,
    projector,
    spec,
)
from playwright.async_api import Browser, expect

from lab.records import card_id
from lab.rooms import Room


async def two_rounds(room: Room, first: list[object], second: list[object]) -> None:
    question = room.questions[0]
    await room.push(question.id)
    for n, value in enumerate(first):
        await room.join(f"p{n}")
        await room.vote(f"p{n}", f"start-{n:04d}", question.id, 1, value)
    await room.new_round(question.id)
    for n, value in enumerate(second):
        await room.join(f"p{n}")
        await room.vote(f"p{n}", f"end-{n:04d}", question.id, 2, value)


async def test_the_previous_round_goes_with_the_results_while_comparing(
    server: Server, clients: Callable[[], Client]
) -> None:
    room: Room = await server.rooms.create("Kamer", [spec(**SCALE)])
    await two_rounds(room, [[2, 3], [3, None]], [[4, 4], [5, 3], [4, None]])
    question = room.questions[0]
    boss, snapshot = await facilitator(clients, room)
    screen, _ = await projector(clients, room)
    member, _ = await phone(clients, room)
    assert snapshot["earlier"] is None and snapshot["question"]["compare"] is False

    await boss.send({"type": "show_results", "question": question.id, "target": "compare", "show": True})
    await boss.send({"type": "show_results", "question": question.id, "target": "projector", "show": True})
    shown = await screen.expect("results", lambda m: m["earlier"] is not None)
    earlier = {"round": 1, "results": question.rounds[1].results()}
    assert shown["earlier"] == earlier
    assert earlier["results"]["statements"][0]["average"] == 2.5 and earlier["results"]["respondents"] == 2
    assert shown["results"] == question.tally.results() and shown["results"]["respondents"] == 3
    assert (await boss.expect("results", lambda m: m["earlier"] is not None))["earlier"] == earlier
    assert (await clients_snapshot(clients, room))["earlier"] is None  # phones see no results: nor the earlier round

    await boss.send({"type": "show_results", "question": question.id, "target": "phones", "show": True})
    seen = await member.expect("results", lambda m: m["results"] is not None)
    assert seen["earlier"] == earlier
    await boss.send({"type": "show_results", "question": question.id, "target": "compare", "show": False})
    assert (await screen.expect("results", lambda m: m["earlier"] is None))["results"] == question.tally.results()


async def clients_snapshot(clients: Callable[[], Client], room: Room) -> dict[str, object]:
    _, snapshot = await phone(clients, room)
    return snapshot


async def test_a_question_that_ran_once_has_nothing_to_compare(server: Server, clients: Callable[[], Client]) -> None:
    room: Room = await server.rooms.create("Kamer", [spec(**CHOICE)])
    question = room.questions[0]
    await room.push(question.id)
    await room.act("show_results", {"question": question.id, "target": "compare", "show": True})
    _, snapshot = await facilitator(clients, room)
    assert snapshot["question"]["compare"] is True and snapshot["earlier"] is None


@NEEDS_AXE
@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists() and not os.environ.get("CI"), reason="Chromium is not installed")
async def test_the_console_compares_two_rounds_on_the_projector(server: Server, browser: Browser) -> None:
    room: Room = await server.rooms.create("Kamer", [spec(**CHOICE)])
    await two_rounds(room, [[0], [1], [1], [2]], [[0], [0], [0], [1]])
    question = room.questions[0]
    await room.act("show_results", {"question": question.id, "target": "projector", "show": True})
    console = await open_page(browser, server, f"/f/{room.code}?key={room.facilitator_key}", **SCREEN)
    screen = await open_page(browser, server, f"/p/{room.code}?key={room.projector_key}", **SCREEN)
    toggle = console.page.get_by_role("button", name="Vergelijk met ronde 1")
    await expect(toggle).to_have_attribute("aria-pressed", "false")
    await toggle.click()
    await expect(toggle).to_have_attribute("aria-pressed", "true")
    good = screen.page.locator(".compare-bar").first
    await expect(good.locator(".compare-line.before")).to_have_text("Ronde 11 · 25%")
    await expect(good.locator(".compare-line.now")).to_have_text("Ronde 23 · 75%")
    await expect(good.locator(".compare-change")).to_have_text("+50 procentpunt")
    await expect(screen.page.locator(".compare-bar").nth(2).locator(".compare-change")).to_have_text("−25 procentpunt")
    await expect(console.page.locator(".compare-change").first).to_have_text("+50 procentpunt")
    mobile = await open_page(browser, server, f"/r/{room.code}", **PHONE)
    await expect(mobile.page.locator(".compare-bar")).to_have_count(0)  # phones were not shown results
    await console.page.get_by_role("button", name="Uitslag op telefoons tonen").click()
    await expect(mobile.page.locator(".compare-change").first).to_have_text("+50 procentpunt")
    for watched in (console, screen, mobile):
        found = await axe(watched.page)
        assert found == [], (watched.page.url, describe(found))
    await toggle.click()
    await expect(screen.page.locator(".compare-bar")).to_have_count(0)
    await expect(screen.page.locator(".bar-value").first).to_have_text("3 · 75%")
    for watched in (console, screen, mobile):
        assert watched.errors == [] and watched.foreign == []


async def test_only_a_round_whose_answers_mean_the_same_is_compared(server: Server) -> None:
    """A question edited to another type or other options has nothing to compare option by option with its earlier
    round: the console offers no comparison, and results never carry a round that does not fit."""
    room: Room = await server.rooms.create("Kamer", [spec(**CHOICE)])
    question = room.questions[0]
    await two_rounds(room, [[0], [1]], [[2]])  # two rounds with the same options
    assert question.comparable == 1
    await room.act("close", {"question": question.id})
    await room.update_question(question.id, spec(**SCALE), new_round=True)  # round 3: a scale
    assert question.round == 3 and question.comparable is None
    await room.act("show_results", {"question": question.id, "target": "compare", "show": True})
    await room.act("show_results", {"question": question.id, "target": "projector", "show": True})
    assert room.snapshot("projector")["earlier"] is None
    assert room.snapshot("facilitator")["question"]["comparable"] is None


async def test_a_removed_participant_leaves_the_earlier_round_too(server: Server) -> None:
    room: Room = await server.rooms.create("Kamer", [spec(type="open", prompt="Wat moet beter?")])
    question = room.questions[0]
    await two_rounds(room, ["Onzin allemaal", "Meer overleg"], ["Nog meer onzin", "Sneller repareren"])
    await room.act("show_results", {"question": question.id, "target": "compare", "show": True})
    await room.act("show_results", {"question": question.id, "target": "projector", "show": True})
    earlier = room.snapshot("projector")["earlier"]
    assert [c["text"] for c in earlier["results"]["cards"]] == ["Meer overleg", "Onzin allemaal"]  # type: ignore[index]
    await room.remove(question.id, card_id(question.id, "p0"))  # by their card in the current round
    earlier = room.snapshot("projector")["earlier"]
    assert [c["text"] for c in earlier["results"]["cards"]] == ["Meer overleg"]  # type: ignore[index]
