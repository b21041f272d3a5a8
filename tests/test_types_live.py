"""Every question type, live: 30 phones answer over real websockets and the projector shows what a recount of the
database rows gives; and in Chromium, a phone answers through its interface and the projector and console follow.
Each type's cases come from tests/types/ui_<name>.py, so a new type is tested here without a line changed."""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import PHONE, SCREEN, Client, Server, facilitator, in_browser, open_page, phone, projector, spec
from db import one, rows
from playwright.async_api import Browser, expect
from ui import CASES, prepare

from lab.i18n import translate
from lab.questions import TYPES
from lab.records import Answer
from lab.rooms import Room

ANSWERED = [name for name, case in CASES.items() if case.answerable]
PHONES = 30


def recount(server: Server, room: Room) -> dict[str, Any]:
    """The results of the room's first question counted afresh from its rows in the database, in commit order."""
    question = room.questions[0]
    stored = rows(
        server.settings,
        "SELECT participant_id, value, status FROM answers WHERE question_id = ? AND round = ? ORDER BY seq",
        (question.id, question.round),
    )
    aggregate = question.type.new_aggregate(question.settings)
    for participant, value, status in stored:
        aggregate.add(Answer(question.id, question.round, participant, json.loads(value), status))
    return aggregate.results()


@pytest.mark.parametrize("name", ANSWERED)
async def test_thirty_phones_answer_and_the_projector_shows_the_recount(
    server: Server, clients: Callable[[], Client], name: str
) -> None:
    case = CASES[name]
    room: Room = await server.rooms.create("Kamer", [spec(**case.question)])
    await prepare(room, [case.question])
    question = room.questions[0]
    boss, _ = await facilitator(clients, room)
    screen, _ = await projector(clients, room)
    await boss.send({"type": "push", "question": question.id})
    await boss.send({"type": "show_results", "question": question.id, "target": "projector", "show": True})
    await screen.expect("state", lambda m: m["question"] is not None and m["question"]["results_projector"])
    phones = [(await phone(clients, room))[0] for _ in range(PHONES)]

    async def answer(n: int, client: Client) -> dict[str, Any]:
        value = case.votes[n % len(case.votes)]
        await client.send({"type": "vote", "id": f"{name}-{n:04d}", "question": question.id, "round": 1,
                           "value": value})  # fmt: skip
        return await client.expect("ack")

    acks = await asyncio.gather(*(answer(n, client) for n, client in enumerate(phones)))
    assert [ack["id"] for ack in acks] == [f"{name}-{n:04d}" for n in range(PHONES)]
    for n, ack in enumerate(acks):
        assert ack["value"] == TYPES[case.question["type"]].normalise_answer(question.settings, case.votes[n % 5])
    shown = await screen.expect("results", lambda m: m["answers"] == PHONES)
    # a vote with a decision rule also says whether it was carried, judged on the same counts
    assert shown["results"] == room.judged(question.tally, recount(server, room))
    assert recount(server, room) == question.tally.results()
    assert shown["results"]["respondents"] == PHONES


@pytest.mark.parametrize("name", list(CASES))
@in_browser
async def test_a_phone_answers_and_the_projector_and_console_follow(
    server: Server, browser: Browser, name: str
) -> None:
    case = CASES[name]
    room: Room = await server.rooms.create("Kamer", [spec(**case.question)])
    await prepare(room, [case.question])
    question = room.questions[0]
    console = await open_page(browser, server, f"/f/{room.code}?key={room.facilitator_key}", **SCREEN)
    screen = await open_page(browser, server, f"/p/{room.code}?key={room.projector_key}", **SCREEN)
    mobile = await open_page(browser, server, f"/r/{room.code}", **PHONE)

    def tr(message: str, **params: object) -> str:
        return translate("nl", message, params)

    folder = Path(os.environ["LAB_SCREENSHOTS"]) if os.environ.get("LAB_SCREENSHOTS") else None

    await room.push(question.id)
    await room.act("show_results", {"question": question.id, "target": "projector", "show": True})
    await expect(mobile.page.get_by_role("heading", name=question.prompt, exact=True)).to_be_visible()
    await expect(screen.page.locator("#stage .prompt")).to_have_text(question.prompt)
    if case.answerable:
        await expect(case.ready(mobile.page, tr)).to_be_visible()
        if folder:
            await mobile.page.screenshot(path=str(folder / f"type-{name}-phone.png"))
        await case.answer(mobile.page, tr)
        await expect(mobile.page.get_by_text("Uw antwoord is ontvangen", exact=True)).to_be_visible()
        await expect(screen.page.locator(".count")).to_have_text("1 antwoord")
        await expect(console.page.locator("#counts")).to_contain_text("1 antwoord")
        assert len(question.tally.answers) == 1
        for n, value in enumerate(case.votes):  # others answer too: results as a room sees them
            await room.join(f"other-{n}")
            await room.vote(f"other-{n}", f"other-{name}-{n:04d}", question.id, 1, value)
        count = f"{1 + len(case.votes)} antwoorden"
        await expect(screen.page.locator(".count")).to_have_text(count)
        await expect(console.page.locator("#counts")).to_contain_text(count)
    elif folder:
        await mobile.page.screenshot(path=str(folder / f"type-{name}-phone.png"))
    await expect(screen.page.get_by_text(case.revealed, exact=True).first).to_be_visible()
    if folder:  # once rows that change places have glided into them
        await screen.page.wait_for_function("() => document.getAnimations().every((a) => a.playState !== 'running')")
        await screen.page.screenshot(path=str(folder / f"type-{name}-projector.png"))
    for page in (console, screen, mobile):
        assert page.errors == [] and page.foreign == []


async def test_a_phone_cannot_answer_a_slide(server: Server, clients: Callable[[], Client]) -> None:
    room: Room = await server.rooms.create("Kamer", [spec(type="slide", prompt="Welkom", text="Fijn dat u er bent.")])
    question = room.questions[0]
    await room.push(question.id)
    member, snapshot = await phone(clients, room)
    assert snapshot["question"]["settings"]["text"] == "Fijn dat u er bent."
    await member.send({"type": "vote", "id": "slide-0001", "question": question.id, "round": 1, "value": "x"})
    refused = await member.expect("error")
    assert refused == {"type": "error", "error": "bad_message", "message": "Bij dit onderdeel hoort geen antwoord.",
                       "id": "slide-0001"}  # fmt: skip
    assert one(server.settings, "SELECT count(*) FROM answers") == (0,)
