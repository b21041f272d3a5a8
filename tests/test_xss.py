"""Hostile text everywhere text goes: participant answers, words, nicknames, and question and option text
(from a deck and from the editor). In Chromium, on the phone, the projector and the console, nothing runs and
the text is shown as it was typed."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from conftest import BROWSER, PHONE, SCREEN, Client, Server, facilitator, open_page, page_data, phone
from playwright.async_api import Browser, expect

from lab.decks import parse_deck
from lab.rooms import Room

pytestmark = BROWSER

FLAG = "window.__xss"
PAYLOADS = [
    "<script>window.__xss=1</script>",
    '<img src=x onerror="window.__xss=2">',
    '<svg onload="window.__xss=3"><circle r=1 /></svg>',
    "<svg><script>window.__xss=4</script></svg>",
    '<math><mtext><table><mglyph><style><img src=x onerror="window.__xss=5">',
    "javascript:window.__xss=6",
    '"><iframe src="javascript:window.__xss=7"></iframe>',
    '<a href="javascript:window.__xss=8">klik hier</a>',
    "</script><script>window.__xss=9</script>",
    "<b><i>niet gesloten <!-- ]]> {{7*7}} ${7*7}",
    "\u202egnp.exe\u202c en \u200bzero\u200dwidth\ufeff",
    "x" * 300,
    "<style>body{display:none}</style>",
    "' onmouseover='window.__xss=10' data-x='",
]
SHORT = [p[:40] for p in PAYLOADS]


def deck_source() -> str:
    """A deck whose question and option texts are payloads, written as an organiser would."""
    options = json.dumps(SHORT[:8], ensure_ascii=False)
    return (
        f'title = {json.dumps(PAYLOADS[0])}\n\n[[questions]]\ntype = "choice"\nprompt = {json.dumps(PAYLOADS[1])}\n'
        f"options = {options}\nmax_choices = 8\n\n"
        f'[[questions]]\ntype = "open"\nprompt = {json.dumps(PAYLOADS[2])}\nmax_length = 1000\n\n'
        f'[[questions]]\ntype = "wordcloud"\nprompt = {json.dumps(PAYLOADS[4])}\nmax_words = 3\n'
    )


async def no_flag(*pages: object) -> None:
    for page in pages:
        assert await page.evaluate(f"typeof {FLAG}") == "undefined"  # type: ignore[attr-defined]


async def test_hostile_text_is_shown_literally_and_never_runs(
    server: Server, browser: Browser, clients: Callable[[], Client]
) -> None:
    deck = parse_deck(deck_source(), "kwaad.toml")
    room: Room = await server.rooms.create(deck.title, deck.questions)
    choice, text, words = (q.id for q in room.questions)

    # the editor path too: a question added through the facilitator's JSON API
    boss, _ = await facilitator(clients, room)
    csrf = page_data((await boss.get(f"/f/{room.code}")).text)["csrf"]
    added = await boss.http.post(
        f"/api/rooms/{room.code}/questions", headers={"X-CSRF-Token": csrf},
        json={"type": "scale", "prompt": PAYLOADS[6], "statements": SHORT[:6],
              "min_label": SHORT[7], "max_label": SHORT[8]},
    )  # fmt: skip
    assert added.status_code == 201

    voters = [await phone(clients, room) for _ in range(len(PAYLOADS))]
    for question, values in [
        (choice, [[i % 8] for i in range(len(PAYLOADS))]),
        (text, PAYLOADS),
        (words, [[w[:40] for w in (p, p[::-1])] for p in PAYLOADS]),
    ]:
        await boss.send({"type": "push", "question": question})
        await boss.send({"type": "show_results", "question": question, "target": "phones", "show": True})
        await boss.send({"type": "show_results", "question": question, "target": "projector", "show": True})
        for index, (voter, _) in enumerate(voters):
            await voter.expect("state", lambda m, q=question: m["question"]["id"] == q)
            await voter.send({"type": "nickname", "nickname": SHORT[index]})
            await voter.send(
                {
                    "type": "vote",
                    "round": 1,
                    "id": f"xss-{question}-{index}-vote",
                    "question": question,
                    "value": values[index],
                }
            )
            await voter.expect("ack")

    console = await open_page(browser, server, f"/f/{room.code}?key={room.facilitator_key}", **SCREEN)
    screen = await open_page(browser, server, f"/p/{room.code}?key={room.projector_key}", **SCREEN)
    mobile = await open_page(browser, server, f"/r/{room.code}", **PHONE)
    pages = (console.page, screen.page, mobile.page)

    # open text: every card shows the payload as typed (participant text is stripped of outer spaces only)
    await boss.send({"type": "push", "question": text})
    cards = [p.strip() for p in reversed(PAYLOADS)]
    for page in pages:
        await expect(page.locator(".card-text")).to_have_text(cards, use_inner_text=False)
    await expect(screen.page.locator("#stage .prompt")).to_have_text(PAYLOADS[2])
    await expect(mobile.page.locator(".prompt")).to_have_text(PAYLOADS[2])
    assert await console.page.title() == f"{PAYLOADS[0]} · Regiescherm"

    # choice: the option labels as written in the deck
    await boss.send({"type": "push", "question": choice})
    for page in pages:
        await expect(page.locator(".bar-label")).to_have_text(SHORT[:8])
    await expect(mobile.page.locator(".prompt")).to_have_text(PAYLOADS[1])

    # word cloud and the scale added in the editor
    await boss.send({"type": "push", "question": words})
    for page in pages:
        await expect(page.locator(".cloud-word").first).to_be_visible()
    await boss.send({"type": "push", "question": added.json()["question"]["id"]})
    await expect(mobile.page.locator("legend")).to_have_text(SHORT[:6])
    await expect(mobile.page.locator(".ends span").first).to_have_text(SHORT[7])

    await no_flag(*pages)
    for watched in (console, screen, mobile):
        assert watched.foreign == []  # nothing from another origin: no injected image, frame or script loaded
    # the nickname comes back literally into the phone's own field
    await boss.send({"type": "push", "question": None})
    await expect(mobile.page.locator("#nickname")).to_be_visible()


@pytest.mark.parametrize("payload", PAYLOADS[:3])
async def test_hostile_room_titles_and_codes_in_server_pages(server: Server, browser: Browser, payload: str) -> None:
    room: Room = await server.rooms.create(payload, [])
    for path in (f"/r/{room.code}", f"/join?code={payload}", f"/p/{room.code}?key={room.projector_key}"):
        watched = await open_page(browser, server, path, **PHONE)
        await no_flag(watched.page)
        assert watched.errors == [] or all("404" in e or "400" in e for e in watched.errors)
    watched = await open_page(browser, server, f"/r/{room.code}", **PHONE)
    await expect(watched.page.locator(".room-title")).to_have_text(payload)
