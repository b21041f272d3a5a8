"""Open text with voting over real websockets: ideas come in, every phone sees them to vote for (whether or not
results are shown on phones), once each; the projector's top five are the database's."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import db
import pytest
from conftest import OPEN, PHONE, SCREEN, Client, Server, facilitator, in_browser, open_page, phone, projector, spec
from playwright.async_api import Browser, expect

from lab.records import card_id
from lab.rooms import Room

VOTING = {**OPEN, "voting": True}


def top_from_database(server: Server, question: int) -> list[tuple[str, int]]:
    """The shown ideas with votes, most first, equal votes in the order they came in: (text, votes)."""
    answers = db.rows(
        server.settings,
        "SELECT participant_id, value FROM answers WHERE question_id = ? AND status = 'shown' ORDER BY seq",
        (question,),
    )
    votes = dict(db.rows(server.settings, "SELECT item, count(*) FROM upvotes GROUP BY item"))
    counted = [(-votes.get(card_id(question, p), 0), n, value) for n, (p, value) in enumerate(answers)]
    return [(value.strip('"'), -v) for v, _, value in sorted(counted) if v][:5]


@pytest.mark.settings(messages_per_second=1000.0)
async def test_thirty_phones_vote_on_each_others_ideas_and_the_projector_shows_the_top_five(
    server: Server, clients: Callable[[], Client]
) -> None:
    room: Room = await server.rooms.create("Kamer", [spec(**VOTING)])
    question = room.questions[0]
    await room.push(question.id)
    screen, _ = await projector(clients, room)
    await room.act("show_results", {"question": question.id, "target": "projector", "show": True})
    phones = [(await phone(clients, room))[0] for _ in range(30)]

    async def idea(n: int, member: Client) -> dict[str, Any]:
        await member.send({"type": "vote", "id": f"idee-{n:04d}", "question": question.id, "round": 1,
                           "value": f"Idee nummer {n}"})  # fmt: skip
        return await member.expect("ack")

    await asyncio.gather(*(idea(n, member) for n, member in enumerate(phones[:12])))
    # every phone gets the ideas to vote for, though the facilitator did not show results on phones
    seen = await phones[20].expect("results", lambda m: len(m["results"]["cards"]) == 12)
    cards = {c["text"]: c["card"] for c in seen["results"]["cards"]}

    async def vote(member: Client, n: int) -> None:
        for k in range(n % 4 + 1):  # a few ideas each, one after another
            item = cards[f"Idee nummer {(n + 3 * k) % 12}"]
            await member.send({"type": "upvote", "question": question.id, "round": 1, "item": item, "up": True})
            await member.expect("upvoted", lambda m, item=item: m["item"] == item)

    await asyncio.gather(*(vote(member, n) for n, member in enumerate(phones)))
    expected = top_from_database(server, question.id)
    assert len(expected) == 5
    shown = await screen.expect(  # results go out as None to the projector until it is told to show them
        "results",
        lambda m: m["results"] is not None and [(c["text"], c["votes"]) for c in m["results"]["top"]] == expected,
    )
    assert db.one(server.settings, "SELECT count(*) FROM upvotes") == (sum(n % 4 + 1 for n in range(30)),)
    assert sum(c["votes"] for c in shown["results"]["cards"]) == sum(n % 4 + 1 for n in range(30))


async def test_votes_are_once_each_for_shown_ideas_of_an_open_question(
    server: Server, clients: Callable[[], Client]
) -> None:
    room: Room = await server.rooms.create("Kamer", [spec(**VOTING), spec(**OPEN)])
    voting, plain = room.questions
    await room.push(voting.id)
    boss, _ = await facilitator(clients, room)
    author, _ = await phone(clients, room)
    member, _ = await phone(clients, room)
    await author.send({"type": "vote", "id": "idee-00001", "question": voting.id, "round": 1, "value": "Bankjes"})
    await author.expect("ack")
    card = (await member.expect("results", lambda m: m["results"]["cards"] != []))["results"]["cards"][0]["card"]
    for _ in range(2):  # a second upvote is the same upvote
        await member.send({"type": "upvote", "question": voting.id, "round": 1, "item": card, "up": True})
        await member.expect("upvoted")
    again = await member.expect("results", lambda m: m["results"]["cards"][0]["votes"] == 1)
    assert again["results"]["top"] == [{"card": card, "text": "Bankjes", "votes": 1}]
    _, snapshot = await phone(clients, room)
    assert snapshot["upvoted"] == [] and snapshot["question"]["upvotes"] is True
    # a reconnecting phone learns what it voted for
    member2 = clients()
    member2.http.cookies = member.http.cookies
    snapshot = await member2.connect(f"/ws/r/{room.code}")
    assert snapshot["upvoted"] == [card]

    await boss.send({"type": "moderate", "question": voting.id, "card": card, "status": "hidden"})
    await member.expect("results", lambda m: m["results"]["cards"] == [])
    for message, error in [
        ({"question": voting.id, "round": 1, "item": card, "up": True}, "unknown_card"),  # hidden now
        ({"question": voting.id, "round": 1, "item": "abcdefabcdef", "up": True}, "unknown_card"),
        ({"question": plain.id, "round": 1, "item": card, "up": True}, "bad_message"),  # no voting there
    ]:
        await member.send({"type": "upvote", **message})
        assert (await member.expect("error"))["error"] == error
    await room.act("close", {"question": voting.id})
    await room.moderate(voting.id, card, "shown")
    await member.send({"type": "upvote", "question": voting.id, "round": 1, "item": card, "up": False})
    assert (await member.expect("error"))["error"] == "closed"
    assert db.one(server.settings, "SELECT count(*) FROM upvotes") == (1,)


@in_browser
async def test_a_phone_votes_for_ideas_by_keyboard_and_the_projector_lists_the_top(
    server: Server, browser: Browser
) -> None:
    room: Room = await server.rooms.create("Kamer", [spec(**VOTING)])
    question = room.questions[0]
    await room.push(question.id)
    await room.act("show_results", {"question": question.id, "target": "projector", "show": True})
    for n, text in enumerate(["Een moestuin achter de flat", "Bankjes bij de speeltuin"]):
        await room.join(f"buur-{n}")
        await room.vote(f"buur-{n}", f"buur-idee-{n}", question.id, 1, text)
    screen = await open_page(browser, server, f"/p/{room.code}?key={room.projector_key}", **SCREEN)
    mobile = await open_page(browser, server, f"/r/{room.code}", **PHONE)
    page = mobile.page
    await expect(page.get_by_text("Stem op de ideeën waar u het mee eens bent", exact=False)).to_be_visible()
    field = page.get_by_role("textbox", name="Uw antwoord", exact=True)
    await field.fill("Meer groen")
    button = page.locator(".card").filter(has_text="Bankjes bij de speeltuin").get_by_role("button", name="Stem")
    await button.focus()
    await page.keyboard.press("Enter")
    await expect(button).to_have_attribute("aria-pressed", "true")
    await expect(button).to_have_text("▲ Stem 1")
    await expect(field).to_have_value("Meer groen")  # voting never wipes an idea being typed
    await expect(screen.page.locator(".open-top li")).to_have_text(["Bankjes bij de speeltuin 1 stem"])
    await page.keyboard.press("Enter")  # once more: the vote is taken back
    await expect(button).to_have_attribute("aria-pressed", "false")
    await expect(screen.page.locator(".open-top")).to_be_hidden()
    for watched in (screen, mobile):
        assert watched.errors == [] and watched.foreign == []
