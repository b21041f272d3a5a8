"""Q&A over real websockets: participants send questions at any moment and upvote each other's, once each; the
facilitator approves, pins, marks answered, hides and removes; the projector's order and counts are the database's."""

from __future__ import annotations

import asyncio
import csv
import io
import random
from collections.abc import Callable
from typing import Any

import db
import openpyxl
import pytest
from conftest import CHOICE, PHONE, SCREEN, Client, Server, facilitator, in_browser, open_page, phone, projector, spec
from playwright.async_api import Browser, expect

from lab.questions.qa import order
from lab.records import Post
from lab.rooms import Room

QA = {"type": "qa", "prompt": "Uw vragen aan de corporatie"}


def rows(server: Server, sql: str, *params: Any) -> list[Any]:
    return db.rows(server.settings, sql, params)


def board_from_database(server: Server, question: int) -> list[tuple[int, str, int]]:
    """The shown posts of the question's current round, in the screens' order, with their upvotes as stored
    (removed participants' upvotes left out): (post, text, votes)."""
    found = rows(
        server,
        "SELECT s.id, s.text, s.answered, (SELECT count(*) FROM upvotes u JOIN participants p ON p.id ="
        " u.participant_id WHERE u.question_id = s.question_id AND u.round = s.round AND u.item = 'p' || s.id"
        " AND NOT p.removed) FROM posts s JOIN questions q ON q.id = s.question_id AND q.round = s.round"
        " WHERE s.question_id = ? AND s.status = 'shown'",
        question,
    )
    posts = sorted(found, key=lambda r: order(Post(r[0], question, 1, "", r[1], answered=bool(r[2])), r[3]))
    return [(r[0], r[1], r[3]) for r in posts]


def listed(results: dict[str, Any]) -> list[tuple[int, str, int]]:
    return [(p["post"], p["text"], p["votes"]) for p in results["posts"]]


async def ask(client: Client, question: int, text: str, key: str, named: bool = False) -> dict[str, Any]:
    await client.send({"type": "ask", "id": key, "question": question, "text": text, "named": named})
    return await client.expect("asked", lambda m: m["id"] == key)


async def upvote(client: Client, question: int, item: str, up: bool = True, round_: int = 1) -> dict[str, Any]:
    await client.send({"type": "upvote", "question": question, "round": round_, "item": item, "up": up})
    return await client.expect("upvoted", lambda m: m["item"] == item and m["up"] == up)


@pytest.mark.settings(messages_per_second=1000.0, upvotes_per_second=1000.0, questions_per_minute=6000.0)
async def test_thirty_phones_ask_and_upvote_at_once_and_the_projector_shows_the_database(
    server: Server, clients: Callable[[], Client]
) -> None:
    room: Room = await server.rooms.create("Kamer", [spec(**QA)])
    qa = room.questions[0]
    await room.push(qa.id)
    screen, _ = await projector(clients, room)
    phones = [(await phone(clients, room))[0] for _ in range(30)]

    texts = [f"Vraag {n}: wanneer wordt blok {n} geschilderd?" for n in range(15)]
    asked = await asyncio.gather(*(ask(phones[n], qa.id, text, f"post-{n:04d}") for n, text in enumerate(texts)))
    posts = [m["post"]["post"] for m in asked]
    assert [m["post"]["status"] for m in asked] == ["shown"] * 15

    async def each(pairs: list[tuple[Client, str]], up: bool = True) -> None:
        """Every phone at once, each sending its own upvotes one after another (as one thumb does)."""
        mine: dict[Client, list[str]] = {}
        for member, item in pairs:
            mine.setdefault(member, []).append(item)

        async def one(member: Client, items: list[str]) -> None:
            for item in items:
                await upvote(member, qa.id, item, up)

        await asyncio.gather(*(one(member, items) for member, items in mine.items()))

    chance = random.Random(10)
    votes = [(member, f"p{post}") for member in phones for post in posts if chance.random() < 0.4]
    await each(votes)
    # some change their mind: taken back, and once more given (once each: a second upvote counts once)
    again = votes[::7]
    await each(again, up=False)
    await each(again[::2])
    await each(again[::2])

    expected = board_from_database(server, qa.id)
    assert sum(v for _, _, v in expected) == len(votes) - len(again) + len(again[::2])
    assert len({v for _, _, v in expected}) > 3  # an order that means something
    shown = await screen.expect("results", lambda m: m["results"] and listed(m["results"]) == expected)
    assert shown["results"]["questions"] == 15
    # every phone gets the same list, at most once a second: the last board it was sent (a board goes out only when
    # it changed, so a phone may have had it while it was upvoting)
    for member in phones:
        boards = [m for m in member.seen if m["type"] == "board"]
        if not boards or listed(boards[-1]["board"]["results"]) != expected:
            await member.expect("board", lambda m: listed(m["board"]["results"]) == expected)
    assert room.questions[0].tally.upvoted_by("nobody") == []


async def test_questions_come_in_when_another_question_is_on_the_screen(
    server: Server, clients: Callable[[], Client]
) -> None:
    room: Room = await server.rooms.create("Kamer", [spec(**CHOICE), spec(**QA)])
    choice, qa = room.questions
    await room.push(choice.id)
    member, snapshot = await phone(clients, room)
    assert snapshot["board"]["question"]["id"] == qa.id and snapshot["board"]["results"]["posts"] == []
    assert snapshot["board"]["mine"] == [] and snapshot["board"]["upvoted"] == []
    mark = len(member.seen)
    sent = await ask(member, qa.id, "  Komt er  een nieuwe   lift? ", "lift-vraag-1")
    assert sent["post"] == {"post": sent["post"]["post"], "question": qa.id, "round": 1,
                            "text": "Komt er een nieuwe lift?", "name": "", "votes": 0, "answered": False,
                            "pinned": False, "status": "shown"}  # fmt: skip
    # the board that carries it may go out before the acknowledgement (the push's board timer can fire between the
    # commit and the answer), and an empty one before it
    board = await member.expect_since(mark, "board", lambda m: m["board"]["results"]["posts"] != [])
    assert listed(board["board"]["results"]) == [(sent["post"]["post"], "Komt er een nieuwe lift?", 0)]
    # a resend (the phone did not hear back before its connection broke) is the same post, not a second one
    again = await ask(member, qa.id, "Komt er een nieuwe lift?", "lift-vraag-1")
    assert again["post"] == sent["post"]
    assert rows(server, "SELECT count(*) FROM posts") == [(1,)]
    # a new phone sees it, and its own questions separately
    _, snapshot = await phone(clients, room)
    assert listed(snapshot["board"]["results"]) == listed(board["board"]["results"])
    assert snapshot["board"]["mine"] == []


# The phones' pace is a minute: the board's timer never fires by itself here; the test fires it.
@pytest.mark.settings(phone_results_interval_ms=60_000.0)
async def test_a_phone_that_joined_while_the_board_was_away_gets_it_back(
    server: Server, clients: Callable[[], Client]
) -> None:
    """A board that is back as phones were last sent it still goes out, when a phone joined in between and holds
    another (here: none, while the Q&A was closed)."""
    room: Room = await server.rooms.create("Kamer", [spec(**CHOICE), spec(**QA)])
    choice, qa = room.questions
    await room.push(choice.id)
    await room.act("open", {"question": qa.id})
    first, snapshot = await phone(clients, room)
    room._flush_board()  # the board's timer, fired now: every phone has the open Q&A
    sent = await first.expect("board")
    assert sent["board"]["question"]["id"] == qa.id
    await room.act("close", {"question": qa.id})
    second, snapshot = await phone(clients, room)
    assert snapshot["board"] is None  # joined while the Q&A was closed
    await room.act("open", {"question": qa.id})
    room._flush_board()
    board = await second.expect("board")
    assert board["board"] == sent["board"]
    await first.expect("board", lambda m: m["version"] == board["version"])  # the same message to every phone
    room._flush_board()  # nothing moved since: nothing is sent
    await second.send({"type": "ping"})
    await second.expect("pong")
    assert [m["type"] for m in second.seen if m["type"] == "board"] == ["board"]


async def test_names_only_when_asked_for_and_allowed(server: Server, clients: Callable[[], Client]) -> None:
    room: Room = await server.rooms.create("Kamer", [spec(**QA), spec(**{**QA, "names": False})])
    named, anonymous_only = room.questions
    member, _ = await phone(clients, room)
    await member.send({"type": "nickname", "nickname": "Truus"})
    sent = await ask(member, named.id, "Wie betaalt de nieuwe kozijnen?", "kozijnen-01", named=True)
    assert sent["post"]["name"] == "Truus"
    sent = await ask(member, named.id, "En de dakgoten?", "dakgoten-01")
    assert sent["post"]["name"] == ""
    sent = await ask(member, anonymous_only.id, "Wie betaalt de nieuwe kozijnen?", "kozijnen-02", named=True)
    assert sent["post"]["name"] == ""
    assert rows(server, "SELECT nickname FROM posts ORDER BY id") == [("Truus",), ("",), ("",)]


async def test_approval_first_and_the_word_filter_hold_questions_back(
    server: Server, clients: Callable[[], Client]
) -> None:
    room: Room = await server.rooms.create("Kamer", [spec(**{**QA, "premoderate": True}), spec(**QA)])
    held, free = room.questions
    await room.push(held.id)
    boss, _ = await facilitator(clients, room)
    screen, _ = await projector(clients, room)
    member, _ = await phone(clients, room)
    other, _ = await phone(clients, room)
    sent = await ask(member, held.id, "Waarom duurt de reparatie zo lang?", "reparatie-1")
    assert sent["post"]["status"] == "pending"
    queued = await boss.expect("results", lambda m: m["results"]["posts"] != [])
    assert [(p["text"], p["status"]) for p in queued["results"]["posts"]] == [
        ("Waarom duurt de reparatie zo lang?", "pending")
    ]
    assert all(not m["results"]["posts"] for m in screen.seen if m["type"] == "results")
    post = sent["post"]["post"]
    await upvote_refused(other, held.id, f"p{post}")  # a question waiting for approval cannot be upvoted

    await boss.send({"type": "post", "question": held.id, "post": post, "do": "show"})
    approved = await member.expect("post")
    assert approved["post"]["status"] == "shown"
    await screen.expect("results", lambda m: listed(m["results"]) == [(post, "Waarom duurt de reparatie zo lang?", 0)])
    await other.expect("board", lambda m: [p["post"] for p in m["board"]["results"]["posts"]] == [post])

    # the word filter holds a question on a Q&A without approval too
    flagged = await ask(member, free.id, "Wat een klotebeleid is dit", "klote-0001")
    assert flagged["post"]["status"] == "pending"
    assert rows(server, "SELECT text, status FROM posts ORDER BY id")[-1] == ("Wat een klotebeleid is dit", "pending")


async def upvote_refused(client: Client, question: int, item: str, error: str = "unknown_card") -> None:
    await client.send({"type": "upvote", "question": question, "round": 1, "item": item, "up": True})
    assert (await client.expect("error"))["error"] == error


async def test_pin_answer_hide_and_remove(server: Server, clients: Callable[[], Client]) -> None:
    room: Room = await server.rooms.create("Kamer", [spec(**QA)])
    qa = room.questions[0]
    await room.push(qa.id)
    boss, _ = await facilitator(clients, room)
    screen, _ = await projector(clients, room)
    author, _ = await phone(clients, room)
    rude, _ = await phone(clients, room)
    voter, _ = await phone(clients, room)
    first = (await ask(author, qa.id, "Komt er groen in de binnentuin?", "binnentuin-1"))["post"]["post"]
    second = (await ask(author, qa.id, "Wie maait het gras?", "gras-000001"))["post"]["post"]
    third = (await ask(rude, qa.id, "Waarom is de huur zo hoog?", "huur-000001"))["post"]["post"]
    for client in (voter, rude):
        await upvote(client, qa.id, f"p{second}")
    await upvote(voter, qa.id, f"p{first}")

    await boss.send({"type": "post", "question": qa.id, "post": first, "do": "pin"})
    pinned = await screen.expect("results", lambda m: m["results"]["pinned"] == first)
    assert listed(pinned["results"]) == [
        (second, "Wie maait het gras?", 2), (first, "Komt er groen in de binnentuin?", 1),
        (third, "Waarom is de huur zo hoog?", 0),
    ]  # fmt: skip
    await boss.send({"type": "post", "question": qa.id, "post": third, "do": "pin"})  # one at a time
    await screen.expect("results", lambda m: m["results"]["pinned"] == third)
    assert rows(server, "SELECT id FROM posts WHERE pinned") == [(third,)]

    await boss.send({"type": "post", "question": qa.id, "post": second, "do": "answered"})
    answered = await screen.expect("results", lambda m: m["results"]["posts"][-1]["post"] == second)
    assert [p["answered"] for p in answered["results"]["posts"]] == [False, False, True]  # answered ones go last

    await boss.send({"type": "post", "question": qa.id, "post": first, "do": "hide"})
    told = await author.expect("post")
    assert (told["post"]["post"], told["post"]["status"]) == (first, "hidden")
    await screen.expect("results", lambda m: first not in [p["post"] for p in m["results"]["posts"]])
    await upvote_refused(voter, qa.id, f"p{first}")

    # removing the one who sent a question: their questions are hidden, their upvote counts no more, their phone
    # is closed; everything stays stored
    await boss.send({"type": "remove", "question": qa.id, "post": third})
    await screen.expect("results", lambda m: listed(m["results"]) == [(second, "Wie maait het gras?", 1)])
    assert rows(server, "SELECT status FROM posts WHERE id = ?", third) == [("hidden",)]
    assert rows(server, "SELECT count(*) FROM upvotes") == [(3,)]
    assert board_from_database(server, qa.id) == [(second, "Wie maait het gras?", 1)]

    for bad in (
        {"question": qa.id, "post": second, "do": "delete"},
        {"question": qa.id, "post": 99999, "do": "pin"},
        {"question": qa.id, "post": "1", "do": "pin"},
    ):
        await boss.send({"type": "post", **bad})
        assert (await boss.expect("error"))["error"] in ("bad_message", "unknown_card")


@pytest.mark.settings(questions_per_minute=6000.0, upvotes_per_second=1000.0)
async def test_what_a_q_and_a_refuses_changes_nothing(server: Server, clients: Callable[[], Client]) -> None:
    room: Room = await server.rooms.create("Kamer", [spec(**CHOICE), spec(**{**QA, "max_length": 20})])
    choice, qa = room.questions
    member, _ = await phone(clients, room)
    post = (await ask(member, qa.id, "Mag ik iets vragen?", "vraag-00001"))["post"]["post"]
    before = rows(server, "SELECT * FROM posts"), rows(server, "SELECT * FROM upvotes")
    cases: list[tuple[dict[str, Any], str]] = [
        ({"type": "ask", "id": "kort", "question": qa.id, "text": "Hallo?"}, "bad_message"),  # id too short
        ({"type": "ask", "id": "vraag-00002", "question": qa.id, "text": "   "}, "invalid"),
        ({"type": "ask", "id": "vraag-00003", "question": qa.id, "text": "x" * 21}, "invalid"),
        ({"type": "ask", "id": "vraag-00004", "question": qa.id, "text": ["lijst"]}, "invalid"),
        ({"type": "ask", "id": "vraag-00005", "question": choice.id, "text": "Hallo?"}, "bad_message"),
        ({"type": "ask", "id": "vraag-00006", "question": 424242, "text": "Hallo?"}, "unknown_question"),
        ({"type": "upvote", "question": qa.id, "round": 1, "item": f"p{post}", "up": "ja"}, "bad_message"),
        ({"type": "upvote", "question": qa.id, "round": 2, "item": f"p{post}", "up": True}, "bad_message"),
        ({"type": "upvote", "question": qa.id, "round": 1, "item": "p0", "up": True}, "unknown_card"),
        ({"type": "upvote", "question": qa.id, "round": 1, "item": f"p{post}x", "up": True}, "unknown_card"),
        ({"type": "upvote", "question": choice.id, "round": 1, "item": f"p{post}", "up": True}, "bad_message"),
        ({"type": "vote", "id": "stem-000001", "question": qa.id, "round": 1, "value": "x"}, "bad_message"),
    ]
    for message, error in cases:
        await member.send(message)
        refused = await member.expect("error")
        assert refused["error"] == error, (message, refused)
    assert (rows(server, "SELECT * FROM posts"), rows(server, "SELECT * FROM upvotes")) == before

    await room.act("close", {"question": qa.id})
    await member.send({"type": "ask", "id": "vraag-00007", "question": qa.id, "text": "Nog een vraag"})
    assert (await member.expect("error"))["message"] == "Deze vraag is gesloten."
    await upvote_refused(member, qa.id, f"p{post}", "closed")
    await room.new_round(qa.id)  # a new round starts with an empty board; the old one is kept
    await room.act("open", {"question": qa.id})
    assert room.question(qa.id).tally.posts == {}  # type: ignore[union-attr]
    await upvote_refused(member, qa.id, f"p{post}", "round_passed")
    assert rows(server, "SELECT count(*) FROM posts") == [(1,)]


@pytest.mark.settings(messages_per_second=1000.0)
async def test_a_script_cannot_keep_the_writer_busy(server: Server, clients: Callable[[], Client]) -> None:
    """A phone sends questions and upvotes faster than a thumb: what is over the limit is refused before anything
    is written (three questions at once, then one each five seconds; six upvotes at once, then three a second)."""
    room: Room = await server.rooms.create("Kamer", [spec(**QA)])
    qa = room.questions[0]
    member, _ = await phone(clients, room)
    for n in range(5):
        await member.send({"type": "ask", "id": f"snel-{n:05d}", "question": qa.id, "text": f"Vraag {n}"})
    replies = [await member.expect("asked", lambda m: True) if n < 3 else await member.expect("error")
               for n in range(5)]  # fmt: skip
    assert [r.get("error") for r in replies[3:]] == ["rate_limited", "rate_limited"]
    assert [r["id"] for r in replies] == [f"snel-{n:05d}" for n in range(5)]
    assert rows(server, "SELECT count(*) FROM posts") == [(3,)]
    post = replies[0]["post"]["post"]
    for n in range(10):
        await member.send({"type": "upvote", "question": qa.id, "round": 1, "item": f"p{post}", "up": n % 2 == 0})
    kinds = [(await member.expect("upvoted" if n < 6 else "error"))["type"] for n in range(10)]
    assert kinds == ["upvoted"] * 6 + ["error"] * 4
    assert rows(server, "SELECT count(*) FROM upvotes") == [(0,)]  # up, down, up, down, up, down


@pytest.mark.settings(messages_per_second=1000.0, questions_per_minute=60000.0)
async def test_one_participant_sends_at_most_twenty_questions(server: Server, clients: Callable[[], Client]) -> None:
    room: Room = await server.rooms.create("Kamer", [spec(**QA)])
    qa = room.questions[0]
    member, _ = await phone(clients, room)
    for n in range(20):
        await ask(member, qa.id, f"Vraag {n}", f"veel-{n:05d}")
    await member.send({"type": "ask", "id": "veel-00020", "question": qa.id, "text": "Nog een"})
    refused = await member.expect("error")
    assert (refused["error"], refused["id"]) == ("invalid", "veel-00020")
    assert refused["message"] == "U hebt 20 vragen gestuurd: meer kan één persoon niet sturen."
    again = await ask(member, qa.id, "Vraag 3", "veel-00003")  # a resend of one of the twenty is still answered
    assert again["post"]["text"] == "Vraag 3"
    assert rows(server, "SELECT count(*) FROM posts") == [(20,)]


async def test_a_restart_brings_back_the_same_board(server: Server, clients: Callable[[], Client]) -> None:
    room: Room = await server.rooms.create("Kamer", [spec(**QA)])
    qa = room.questions[0]
    await room.push(qa.id)
    members = [(await phone(clients, room))[0] for _ in range(4)]
    posts = [(await ask(m, qa.id, f"Vraag van bewoner {n}", f"bewoner-{n:03d}"))["post"]["post"]
             for n, m in enumerate(members)]  # fmt: skip
    for n, member in enumerate(members):
        for post in posts[: n + 1]:
            await upvote(member, qa.id, f"p{post}")
    await room.act("post", {"question": qa.id, "post": posts[1], "do": "pin"})
    await room.act("remove", {"question": qa.id, "post": posts[3]})
    before = room.question(qa.id).tally.results(facilitator=True)  # type: ignore[union-attr]
    for member in members:
        await member.close()
    await server.stop()
    await server.start()
    again = await server.rooms.get(room.code)
    assert again is not None and again is not room
    assert again.question(qa.id).tally.results(facilitator=True) == before  # type: ignore[union-attr]
    assert [p["votes"] for p in before["posts"]] == [3, 2, 1, 0]  # the removed member's upvote of each is gone


@in_browser
async def test_a_phone_asks_and_votes_by_keyboard_while_another_question_is_on_the_screen(
    server: Server, browser: Browser
) -> None:
    room: Room = await server.rooms.create("Kamer", [spec(**CHOICE), spec(**QA)])
    choice, qa = room.questions
    await room.push(choice.id)
    mobile = await open_page(browser, server, f"/r/{room.code}", **PHONE)
    page = mobile.page
    await expect(page.get_by_role("heading", name=choice.prompt)).to_be_visible()
    toggle = page.get_by_role("button", name="Stel een vraag (0 vragen)")
    await toggle.focus()
    await page.keyboard.press("Enter")
    field = page.get_by_role("textbox", name="Uw vraag", exact=True)
    await expect(field).to_be_focused()
    await page.keyboard.type("Wanneer komt de nieuwe lift?")
    await page.keyboard.press("Tab")
    await expect(page.get_by_role("button", name="Vraag versturen")).to_be_focused()  # no name given: no name box
    await page.keyboard.press("Enter")
    await expect(page.locator(".qa-said")).to_have_text("Uw vraag is verstuurd.")
    # read out once: one live region says it, not also the line under the form
    await expect(page.get_by_role("status").filter(has_text="Uw vraag is verstuurd.")).to_have_count(1)
    mine = page.locator(".qa-phone-list .qa-item").filter(has_text="Wanneer komt de nieuwe lift?")
    await expect(mine).to_contain_text("Anoniem · uw vraag")
    await expect(field).to_have_value("")

    # someone else asks; while the list changes, what this phone is typing stays, with the caret where it was
    await field.fill("Komen er ook")
    await field.focus()
    await room.join("buurman")
    other = await room.ask("buurman", "buurman-vraag-1", qa.id, "Wie betaalt de schilder?", False)
    theirs = page.locator(".qa-phone-list .qa-item").filter(has_text="Wie betaalt de schilder?")
    await expect(theirs).to_be_visible()
    await expect(field).to_have_value("Komen er ook")
    await expect(field).to_be_focused()

    # a vote for it, by keyboard: the button says it is pressed, the count follows, and it can be taken back
    up = theirs.get_by_role("button", name="Stem")
    await up.focus()
    await page.keyboard.press("Space")
    await expect(up).to_have_attribute("aria-pressed", "true")
    await expect(up).to_have_text("▲ Stem 1")
    await expect(page.locator(".qa-phone-list .qa-item").first).to_contain_text("Wie betaalt de schilder?")
    await expect(up).to_be_focused()  # moved to the top, and still where the finger was
    assert rows(server, "SELECT item FROM upvotes") == [(f"p{other.id}",)]
    await page.keyboard.press("Space")
    await expect(up).to_have_attribute("aria-pressed", "false")
    await expect(up).to_have_text("▲ Stem 0")
    assert rows(server, "SELECT count(*) FROM upvotes") == [(0,)]
    await page.get_by_role("radio", name="Nieuwste").check()
    await expect(page.locator(".qa-phone-list .qa-item").first).to_contain_text("Wie betaalt de schilder?")

    # on the screen: the console pins a question and marks another answered; the phone and projector follow
    console = await open_page(browser, server, f"/f/{room.code}?key={room.facilitator_key}", **SCREEN)
    screen = await open_page(browser, server, f"/p/{room.code}?key={room.projector_key}", **SCREEN)
    await room.push(qa.id)
    await expect(page.get_by_role("heading", name=qa.prompt, level=1)).to_be_visible()
    await expect(toggle).to_be_hidden()  # the Q&A is the question now: its form is open
    await expect(screen.page.locator(".count")).to_have_text("2 vragen")
    row = console.page.locator(".qa-console .qa-item").filter(has_text="Wanneer komt de nieuwe lift?")
    await row.get_by_role("button", name="Op het scherm zetten").click()
    await expect(screen.page.locator(".qa-pinned")).to_contain_text("Nu op het scherm")
    await expect(screen.page.locator(".qa-pinned-text")).to_have_text("Wanneer komt de nieuwe lift?")
    await (
        console.page.locator(".qa-console .qa-item")
        .filter(has_text="Wie betaalt de schilder?")
        .get_by_role("button", name="Markeer als beantwoord")
        .click()
    )
    await expect(theirs).to_contain_text("Beantwoord")
    await expect(screen.page.locator(".qa-list .qa-item").last).to_contain_text("Wie betaalt de schilder?")
    await expect(field).to_have_value("Komen er ook")
    for watched in (console, screen, mobile):
        assert watched.errors == [] and watched.foreign == []


async def test_exports_hold_every_question_with_its_votes_and_status(
    server: Server, clients: Callable[[], Client]
) -> None:
    room: Room = await server.rooms.create("Kamer", [spec(**CHOICE), spec(**QA)])
    choice, qa = room.questions
    await room.push(choice.id)
    for n in range(3):
        await room.join(f"bewoner-{n}")
    await room.set_nickname("bewoner-0", "Truus")
    await room.vote("bewoner-1", "stem-000001", choice.id, 1, 0)
    first = await room.ask("bewoner-0", "vraag-00001", qa.id, "=Wie betaalt de lift?", True)
    second = await room.ask("bewoner-1", "vraag-00002", qa.id, "Komt er een bankje?", False)
    for n in range(3):
        await room.upvote(f"bewoner-{n}", qa.id, 1, second.item, True)
    await room.act("post", {"question": qa.id, "post": second.id, "do": "answered"})
    await room.act("post", {"question": qa.id, "post": first.id, "do": "hide"})
    boss, _ = await facilitator(clients, room)

    lines = list(csv.reader(io.StringIO((await boss.get(f"/f/{room.code}/export.csv")).text.lstrip("\ufeff"))))
    assert [(line[0], line[2], line[5], line[7], line[8]) for line in lines[1:]] == [
        ("1", "choice", "", "getoond", "Goed"),
        ("2", "qa", "Truus", "verborgen", "'=Wie betaalt de lift?"),  # text, never a formula
        ("2", "qa", "", "getoond", "Komt er een bankje?"),
    ]
    book = openpyxl.load_workbook(io.BytesIO((await boss.get(f"/f/{room.code}/export.xlsx")).content))
    summary = [[c for c in row if c is not None] for row in book["Samenvatting"].iter_rows(values_only=True)]
    start = summary.index(["2. Uw vragen aan de corporatie"])
    assert summary[start + 1 : start + 5] == [
        ["Deelnemers die antwoordden", 1],
        ["Vraag", "Naam", "Stemmen", "Beantwoord", "Status"],
        ["Komt er een bankje?", 3, "ja", "getoond"],
        ["'=Wie betaalt de lift?", "Truus", 0, "nee", "verborgen"],
    ]
