"""A quiz over real websockets and in Chromium: the right answer stays secret while the question is open; once it
is closed every phone hears how it did, and the projector marks the right answer and shows the leaderboard."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from conftest import PHONE, SCREEN, Client, Server, facilitator, in_browser, open_page, phone, projector, spec
from playwright.async_api import Browser, expect

from lab.rooms import Room

FIRST = {"type": "quiz", "prompt": "Waar gaat de Overlegwet over?", "options": ["Huurprijs", "Overleg", "Toewijzing"],
         "correct": ["Overleg"], "points": 100}  # fmt: skip
SECOND = {"type": "quiz", "prompt": "Welke wet regelt het overleg?", "correct": ["Overlegwet"], "points": 50}


async def answer(member: Client, question: int, value: Any, vote: str) -> None:
    await member.send({"type": "vote", "id": vote, "question": question, "round": 1, "value": value})
    await member.expect("ack", lambda m: m["id"] == vote)


async def test_scores_after_each_question_and_a_leaderboard_by_name(
    server: Server, clients: Callable[[], Client]
) -> None:
    room: Room = await server.rooms.create("Kamer", [spec(**FIRST), spec(**SECOND)])
    first, second = room.questions
    await room.push(first.id)
    boss, _ = await facilitator(clients, room)
    screen, snapshot = await projector(clients, room)
    assert "correct" not in snapshot["question"]["settings"]  # secret while open
    members = [(await phone(clients, room))[0] for _ in range(4)]
    for member, name in zip(members, ["Truus", "Ahmed", "Els", ""], strict=True):
        await member.send({"type": "nickname", "nickname": name})
    for n, (member, value) in enumerate(zip(members, [1, 1, 0, 1], strict=True)):
        await answer(member, first.id, value, f"eerste-{n:03d}")
    assert all("correct" not in m["question"]["settings"] for m in screen.seen if m.get("question"))

    await room.act("close", {"question": first.id})
    scores = [await member.expect("score") for member in members]
    assert [(s["points"], s["total"], s["rank"], s["of"]) for s in scores] == [
        (100, 100, 1, 4), (100, 100, 1, 4), (0, 0, 4, 4), (100, 100, 1, 4),
    ]  # fmt: skip
    await room.act("show_results", {"question": first.id, "target": "projector", "show": True})
    shown = await screen.expect("results", lambda m: m["results"] and "leaderboard" in m["results"])
    assert shown["results"]["right"] == 3
    assert shown["results"]["leaderboard"] == {
        "rows": [
            {"rank": 1, "name": "Ahmed", "points": 100},
            {"rank": 1, "name": "Truus", "points": 100},
            {"rank": 3, "name": "Els", "points": 0},
        ],
        "players": 4,
        "final": False,
    }  # the fourth, without a name, counts and is not listed
    console = await boss.expect("results", lambda m: "leaderboard" in m["results"])
    assert console["results"]["leaderboard"] == shown["results"]["leaderboard"]  # the console sees what is shown
    closed = [m for m in screen.seen if m["type"] == "state" and m["question"]["status"] == "closed"]
    assert closed[0]["question"]["settings"]["correct"] == ["Overleg"]  # revealed once closed

    await room.push(second.id)
    for n, (member, value) in enumerate(zip(members, ["overlegwet", "Huurwet", "De Overlegwet", "OVERLEGWET!"],
                                            strict=True)):  # fmt: skip
        await answer(member, second.id, value, f"tweede-{n:03d}")
    await room.act("close", {"question": second.id})
    scores = [await member.expect("score", lambda m: m["question"] == second.id) for member in members]
    assert [(s["points"], s["total"], s["rank"]) for s in scores] == [
        (50, 150, 1),
        (0, 100, 3),
        (0, 0, 4),
        (50, 150, 1),
    ]
    await room.act("show_results", {"question": second.id, "target": "projector", "show": True})
    final = await screen.expect("results", lambda m: m["results"] and m["question"] == second.id
                                and "leaderboard" in m["results"])  # fmt: skip
    assert final["results"]["leaderboard"]["final"] is True
    assert [r["name"] for r in final["results"]["leaderboard"]["rows"]] == ["Truus", "Ahmed", "Els"]
    # a phone that comes back after the question closed learns its score at once
    again = clients()
    again.http.cookies = members[0].http.cookies
    snapshot = await again.connect(f"/ws/r/{room.code}")
    assert (snapshot["score"]["points"], snapshot["score"]["total"]) == (50, 150)


@in_browser
async def test_a_phone_hears_who_was_right_and_the_projector_shows_the_leaderboard(
    server: Server, browser: Browser
) -> None:
    room: Room = await server.rooms.create("Kamer", [spec(**FIRST)])
    question = room.questions[0]
    await room.push(question.id)
    await room.act("show_results", {"question": question.id, "target": "projector", "show": True})
    for n, name in enumerate(["Truus", "Ahmed"]):
        await room.join(f"buur-{n}")
        await room.set_nickname(f"buur-{n}", name)
        await room.vote(f"buur-{n}", f"buur-stem-{n}", question.id, 1, n)
    screen = await open_page(browser, server, f"/p/{room.code}?key={room.projector_key}", **SCREEN)
    mobile = await open_page(browser, server, f"/r/{room.code}", **PHONE)
    page = mobile.page
    await page.get_by_role("button", name="Overleg", exact=True).click()
    await expect(page.get_by_text("Uw antwoord is ontvangen", exact=True)).to_be_visible()
    await expect(screen.page.locator(".quiz-correct")).to_have_count(0)  # not before it is closed
    await room.act("close", {"question": question.id})
    verdict = page.locator(".quiz-verdict")
    await expect(verdict.locator(".quiz-said")).to_have_text("✓ Goed!")
    await expect(verdict).to_contain_text("+100 punten")
    await expect(verdict).to_contain_text("U staat op plaats 1 van 3.")
    await expect(verdict).to_contain_text("Vul op het wachtscherm een naam in om op de ranglijst te komen.")
    await expect(screen.page.locator(".quiz-correct .quiz-mark")).to_have_text("✓ goede antwoord")
    await expect(screen.page.locator(".quiz-right-count")).to_have_text("2 van de 3 goed")
    await expect(screen.page.locator(".quiz-board h2")).to_have_text("Eindstand")
    await expect(screen.page.locator(".quiz-row")).to_have_text(["1Ahmed100 pt", "2Truus0 pt"])
    if os.environ.get("LAB_SCREENSHOTS"):  # for the docs: who was right, on a phone and the projector
        folder = Path(os.environ["LAB_SCREENSHOTS"])
        await page.screenshot(path=str(folder / "type-quiz-closed-phone.png"))
        await screen.page.screenshot(path=str(folder / "type-quiz-closed-projector.png"))
    for watched in (screen, mobile):
        assert watched.errors == [] and watched.foreign == []


@in_browser
async def test_a_quiz_and_a_q_and_a_made_in_the_console_editor(server: Server, browser: Browser) -> None:
    room: Room = await server.rooms.create("Leeg", [])
    console = await open_page(browser, server, f"/f/{room.code}?key={room.facilitator_key}", **SCREEN)
    page = console.page

    async def add(kind: str, prompt: str) -> None:
        await page.get_by_role("button", name="Vraag toevoegen").click()
        await page.get_by_label("Soort").select_option(kind)
        await page.get_by_label("Vraag", exact=True).fill(prompt)

    await add("quiz", "Waar gaat de Overlegwet over?")
    await page.get_by_label("Antwoorden om uit te kiezen").fill("Huurprijs\nOverleg\nToewijzing")
    await page.get_by_label("Goede antwoord(en)").fill("Overlleg")  # a typing error: not one of the options
    await page.get_by_role("button", name="Opslaan").click()
    await expect(page.locator("#editor-error")).to_have_text(
        "correct: moet elk een van de antwoorden zijn, precies zo geschreven"
    )
    await page.get_by_label("Goede antwoord(en)").fill("Overleg")
    await page.get_by_label("Snelheidsbonus").check()
    await page.get_by_role("button", name="Opslaan").click()
    await expect(page.locator("#editor")).to_be_hidden()
    await add("qa", "Uw vragen")
    await page.get_by_label("Deelnemers mogen een vraag met hun naam sturen").uncheck()
    await page.get_by_label("Vragen wachten op mijn goedkeuring").check()
    await page.get_by_role("button", name="Opslaan").click()
    await expect(page.locator("#editor")).to_be_hidden()
    quiz, qa = room.questions
    assert {k: quiz.settings[k] for k in ("options", "correct", "points", "speed_bonus")} == {
        "options": ["Huurprijs", "Overleg", "Toewijzing"], "correct": ["Overleg"], "points": 100, "speed_bonus": True,
    }  # fmt: skip
    assert (qa.settings["names"], qa.settings["premoderate"]) == (False, True)
    # the one refused save is the browser's only complaint (its 400 status)
    assert console.errors == ["Failed to load resource: the server responded with a status of 400 (Bad Request)"]
