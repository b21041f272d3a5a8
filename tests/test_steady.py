"""Screens that hold steady, and work by keyboard alone, in Debian's Chromium.

What a participant is typing or choosing survives everything else that happens in the room; a facilitator's click
survives a stream of results; every screen can be used with the keyboard only; a network that vanishes without a
sound is noticed within 10 seconds.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator

import pytest
from conftest import BROWSER, CHOICE, OPEN, PHONE, SCALE, SCREEN, WORDS, Server, open_page, spec
from playwright.async_api import Browser, Page, expect

from lab.errors import Closed
from lab.records import card_id
from lab.rooms import Room

pytestmark = BROWSER


async def others_vote(room: Room, question: int, values: list[object], first: int = 0) -> None:
    """Participants other than the phone under test answer `question`, one each."""
    round_ = room.question(question).round
    for n, value in enumerate(values, start=first):
        await room.join(f"other{n:03d}")
        await room.vote(f"other{n:03d}", f"other-vote-{question}-{n:03d}", question, round_, value)


async def arrived(page: Page, prompt: str) -> None:
    """The phone shows the question `prompt`, and its heading has the focus (the keyboard starts from there)."""
    heading = page.locator("#prompt")
    await expect(heading).to_have_text(prompt)
    await expect(heading).to_be_focused()


async def focused(page: Page) -> str:
    """What has the keyboard focus, as tag#id.class (or 'body' when nothing has)."""
    description: str = await page.evaluate(
        "() => { const e = document.activeElement; if (!e || e === document.body) return 'body';"
        " return e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (e.className ? '.' + e.className : ''); }"
    )
    return description


# -- nothing a participant is doing is lost -------------------------------------------------------------------------


async def test_typing_and_choosing_survive_everything_else_that_happens(server: Server, browser: Browser) -> None:
    multi = spec(type="choice", prompt="Wat vindt u belangrijk?", options=["Onderhoud", "Huur", "Groen"], max_choices=2)
    room: Room = await server.rooms.create("Steady", [spec(**OPEN), multi])
    opened, chosen = (q.id for q in room.questions)
    phone = await open_page(browser, server, f"/r/{room.code}", **PHONE)
    page = phone.page
    await room.push(opened)
    await room.act("show_results", {"question": opened, "target": "phones", "show": True})
    field = page.get_by_role("textbox", name="Uw antwoord")
    await field.click()
    await page.keyboard.type("Meer overleg met de")
    await page.evaluate("() => document.activeElement.setSelectionRange(5, 12)")  # a word selected, mid-edit

    # Meanwhile: others answer (results stream to this phone), the facilitator hides a card, adds a question.
    await others_vote(room, opened, ["Betere trappen", "Ruim de tuin op", "Minder lawaai"])
    await expect(page.locator(".results .count")).to_have_text("3 antwoorden")
    await room.act("moderate", {"question": opened, "card": card_id(opened, "other001"), "status": "hidden"})
    await expect(page.locator(".card-text")).to_have_text(["Minder lawaai", "Betere trappen"])
    await room.add_question(spec(**WORDS))
    await others_vote(room, opened, ["Sneller reageren"], first=3)
    await expect(page.locator(".card-text")).to_have_text(["Sneller reageren", "Minder lawaai", "Betere trappen"])

    assert await field.input_value() == "Meer overleg met de"
    assert await page.evaluate(
        "() => [document.activeElement.selectionStart, document.activeElement.selectionEnd]"
    ) == [5, 12]
    assert (await focused(page)).startswith("textarea")

    # A multiple choice half-filled in: the box stays ticked and focused while results and room changes arrive.
    await room.push(chosen)
    await room.act("show_results", {"question": chosen, "target": "phones", "show": True})
    box = page.get_by_role("checkbox", name="Huur")
    await box.check()
    await others_vote(room, chosen, [[0], [0, 2]])
    await expect(page.locator(".results .count")).to_have_text("2 antwoorden")
    await room.act("show_results", {"question": chosen, "target": "projector", "show": True})
    await others_vote(room, chosen, [[2]], first=2)
    await expect(page.locator(".results .count")).to_have_text("3 antwoorden")
    await expect(box).to_be_checked()
    assert await box.evaluate("(node) => node === document.activeElement")
    await page.get_by_role("checkbox", name="Groen").check()
    await page.get_by_role("button", name="Verstuur").click()
    await expect(page.locator(".received-answer")).to_have_text("Huur, Groen")
    assert room.question(chosen).tally.answers and phone.errors == []


async def test_a_console_click_survives_a_stream_of_results(server: Server, browser: Browser) -> None:
    """A normal press takes 60 to 200 ms; results arrive up to 10 times a second meanwhile. The button pressed must be
    the button released: the click closes answering."""
    room: Room = await server.rooms.create("Klikken", [spec(**CHOICE)])
    question = room.questions[0].id
    await room.push(question)
    console = await open_page(browser, server, f"/f/{room.code}?key={room.facilitator_key}", **SCREEN)
    page = console.page
    close = page.get_by_role("button", name="Antwoorden sluiten")
    await expect(close).to_be_visible()
    box = await close.bounding_box()
    assert box is not None
    await page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    await page.mouse.down()
    await others_vote(room, question, [[0], [1], [2], [0]])  # results stream in while the button is held down
    await expect(page.locator("#counts")).to_contain_text("4 antwoorden")
    await page.mouse.up()
    await expect(page.get_by_role("button", name="Antwoorden openen")).to_be_visible()
    assert room.question(question).status == "closed"

    # Open again, and close with a realistic 150 ms press while votes keep arriving (paced at about 50 a second).
    await page.get_by_role("button", name="Antwoorden openen").click(delay=150)
    await expect(page.get_by_role("button", name="Antwoorden sluiten")).to_be_visible()

    async def stream() -> int:
        for n in range(10, 400):
            try:
                await others_vote(room, question, [[n % 3]], first=n)
            except Closed:
                return n - 10
            await asyncio.sleep(0.02)
        return 390

    voting = asyncio.create_task(stream())
    await expect(page.locator("#counts .stat").nth(1)).to_have_text(re.compile(r"^\d{2,3} antwoorden$"))  # flowing
    await page.get_by_role("button", name="Antwoorden sluiten").click(delay=150)
    await expect(page.get_by_role("button", name="Antwoorden openen")).to_be_visible()
    assert 6 <= await asyncio.wait_for(voting, 10) < 390  # closed by the click, mid-stream
    assert console.errors == []


# -- keyboard only ---------------------------------------------------------------------------------------------------


async def test_a_participant_joins_and_answers_every_type_by_keyboard(server: Server, browser: Browser) -> None:
    multi = spec(type="choice", prompt="Wat vindt u belangrijk?", options=["Onderhoud", "Huur", "Groen"], max_choices=2)
    room: Room = await server.rooms.create(
        "Toetsenbord", [spec(**CHOICE), multi, spec(**SCALE), spec(**OPEN), spec(**WORDS)]
    )
    single, several, scale, opened, words = (q.id for q in room.questions)
    phone = await open_page(browser, server, "/", **PHONE)
    page = phone.page
    await expect(page.locator("#code")).to_be_focused()  # the code field has focus when the page opens
    await page.keyboard.type(room.code)
    await page.keyboard.press("Enter")
    await expect(page).to_have_url(re.compile(f"/r/{room.code}$"))
    await expect(page.get_by_role("heading", name="Wacht op de volgende vraag")).to_be_visible()

    # Single choice: focus goes to the new question; Tab enters the options, arrows move, Enter answers.
    await room.push(single)
    await arrived(page, "Hoe was de samenwerking?")
    await page.keyboard.press("Tab")
    await expect(page.get_by_role("button", name="Goed")).to_be_focused()
    await page.keyboard.press("ArrowDown")
    await expect(page.get_by_role("button", name="Matig")).to_be_focused()
    await page.keyboard.press("ArrowDown")
    await page.keyboard.press("ArrowDown")  # wraps around to the first
    await expect(page.get_by_role("button", name="Goed")).to_be_focused()
    await page.keyboard.press("End")
    await page.keyboard.press("Enter")
    await expect(page.locator(".received")).to_be_focused()  # the confirmation, not the body
    await expect(page.locator(".received-answer")).to_have_text("Slecht")
    # Changing it shows the earlier choice in words, and puts focus on it.
    await page.keyboard.press("Tab")
    await page.keyboard.press("Enter")
    earlier = page.get_by_role("button", name="Slecht uw vorige keuze")
    await expect(earlier).to_be_focused()
    await page.keyboard.press("ArrowUp")
    await page.keyboard.press("Space")
    await expect(page.locator(".received-answer")).to_have_text("Matig")

    # Several choices: Tab between boxes, Space ticks, Enter sends.
    await room.push(several)
    await arrived(page, "Wat vindt u belangrijk?")
    await page.keyboard.press("Tab")
    await page.keyboard.press("Space")
    await page.keyboard.press("Tab")
    await page.keyboard.press("Tab")
    await page.keyboard.press("Space")
    await page.keyboard.press("Enter")
    await expect(page.locator(".received-answer")).to_have_text("Onderhoud, Groen")

    # Rating statements: each one is one stop; arrows choose within it.
    await room.push(scale)
    await arrived(page, "Beoordeel de prestatieafspraken")
    await page.keyboard.press("Tab")  # the first statement's "1"
    await page.keyboard.press("Space")
    await page.keyboard.press("ArrowRight")
    await page.keyboard.press("ArrowRight")  # 3
    await page.keyboard.press("Tab")  # the second statement
    await page.keyboard.press("ArrowLeft")  # from "1" round to the last choice, "Weet niet / sla over"
    await page.keyboard.press("Tab")
    await expect(page.get_by_role("button", name="Verstuur")).to_be_focused()
    await page.keyboard.press("Enter")
    await expect(page.locator(".received-answer")).to_have_text(
        "Samenwerking: 3; Inbreng van huurders: Weet niet / sla over"
    )

    # Open text and word cloud: type, Tab to the button, Enter.
    await room.push(opened)
    await arrived(page, "Wat moet beter?")
    await page.keyboard.press("Tab")
    await page.keyboard.type("Vaker langskomen")
    await page.keyboard.press("Tab")
    await page.keyboard.press("Enter")
    await expect(page.locator(".received-answer")).to_have_text("Vaker langskomen")
    await room.push(words)
    await arrived(page, "Welk woord past erbij?")
    await page.keyboard.press("Tab")
    await page.keyboard.type("overleg")
    await page.keyboard.press("Enter")  # Enter in a field sends the form
    await expect(page.locator(".received-answer")).to_have_text("overleg")
    values = [room.question(q).tally.answers for q in (single, several, scale, opened, words)]
    assert [[a.value for a in answers.values()] for answers in values] == [
        [[1]], [[0, 2]], [[3, None]], ["Vaker langskomen"], [["overleg"]],
    ]  # fmt: skip
    assert phone.errors == []


async def test_the_console_by_keyboard(server: Server, browser: Browser) -> None:
    room: Room = await server.rooms.create("Console", [spec(**CHOICE), spec(**WORDS)])
    first = room.questions[0].id
    await room.push(first)
    console = await open_page(browser, server, f"/f/{room.code}?key={room.facilitator_key}", **SCREEN)
    page = console.page
    toggle = page.locator("#toggle-open")
    await expect(toggle).to_have_text("Antwoorden sluiten")

    # Space and Enter on a focused button press that button, once; they do not also steer the room (each action
    # raises the room's version by one: a second action, the shortcut's, would raise it by two).
    await toggle.focus()
    version = room.version
    await page.keyboard.press("Space")
    await expect(toggle).to_have_text("Antwoorden openen")
    assert room.question(first).status == "closed" and room.version == version + 1
    await page.keyboard.press("Enter")
    await expect(toggle).to_have_text("Antwoorden sluiten")
    assert room.version == version + 2
    projector = page.locator("#toggle-projector")
    await projector.focus()
    await page.keyboard.press("Enter")
    await expect(projector).to_have_attribute("aria-pressed", "true")
    assert room.question(first).status == "open" and room.question(first).results_projector
    assert room.version == version + 3
    # A key held down acts once (a held → would run through the deck, a held Space flip answering open and shut).
    await page.locator("#deck-title").click()
    await page.keyboard.down("Space")
    await page.keyboard.down("Space")  # the browser's auto-repeat: keydown with repeat set
    await page.keyboard.down("Space")
    await page.keyboard.up("Space")
    await expect(toggle).to_have_text("Antwoorden openen")
    await page.keyboard.press("Space")  # the next press, a new one, reopens: nothing else was queued
    await expect(toggle).to_have_text("Antwoorden sluiten")
    assert room.version == version + 5

    # Moving and deleting by keyboard: focus stays on the list, never on the page (where Space would steer the room).
    second = page.locator("li.question").nth(1)
    await second.get_by_role("button", name="Omhoog").focus()
    await page.keyboard.press("Enter")  # it becomes the first: its "up" is disabled, focus goes to the question
    await expect(page.locator(".question-prompt").first).to_have_text("Welk woord past erbij?")
    first_item = page.locator("li.question").first
    await expect(first_item.locator(".push")).to_be_focused()  # not its "down": a second Enter would undo the move
    await first_item.get_by_role("button", name="Omlaag").focus()
    await page.keyboard.press("Enter")  # and back down, to the last place
    await expect(page.locator(".question-prompt").first).to_have_text("Hoe was de samenwerking?")
    await expect(page.locator("li.question").nth(1).locator(".push")).to_be_focused()
    extra = await room.add_question(spec(**OPEN))
    await expect(page.locator(".question-prompt")).to_have_count(3)
    page.once("dialog", lambda dialog: dialog.accept())  # "Deze vraag en de antwoorden verwijderen?"
    await page.locator("li.question").nth(2).get_by_role("button", name="Verwijderen").focus()
    await page.keyboard.press("Enter")
    await expect(page.locator(".question-prompt")).to_have_count(2)
    await expect(page.locator("li.question").nth(1).locator(".push")).to_be_focused()  # its neighbour
    assert room.question(extra.id) is None

    # Every list action is a button: push the second question from the keyboard.
    await page.get_by_role("button", name=re.compile("Welk woord past erbij")).focus()
    await page.keyboard.press("Enter")
    await expect(page.locator("#current .prompt")).to_have_text("Welk woord past erbij?")

    # The editor is a modal dialog: focus inside, Tab stays inside, Escape closes, focus returns to the opener.
    add = page.get_by_role("button", name="Vraag toevoegen")
    await add.focus()
    await page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name="Vraag toevoegen")
    await expect(dialog).to_be_visible()
    await expect(page.get_by_role("textbox", name="Vraag")).to_be_focused()
    for _ in range(15):
        await page.keyboard.press("Tab")
        assert await page.evaluate("() => document.getElementById('editor').contains(document.activeElement)")
    await page.keyboard.press("Escape")
    await expect(dialog).to_be_hidden()
    await expect(add).to_be_focused()
    assert len(room.questions) == 2 and console.errors == []


# -- a network that vanishes -----------------------------------------------------------------------------------------


class Blackhole:
    """A TCP proxy in front of the server that can go silent: it stops passing bytes without closing anything, as a
    phone walking out of wifi range sees it. New connections made after `restore()` pass again."""

    def __init__(self, port: int) -> None:
        self.target = port
        self.flowing = asyncio.Event()
        self.flowing.set()
        self.server: asyncio.Server | None = None
        self.port = 0
        self.stuck: list[asyncio.StreamWriter] = []

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.stuck.append(writer)
        await self.flowing.wait()  # a connection made in the silence waits for the network to come back
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target)
        self.stuck.append(up_writer)

        async def pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
            while data := await source.read(65536):
                await self.flowing.wait()  # in the silence bytes are held: the connection looks alive, says nothing
                sink.write(data)
                await sink.drain()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer), return_exceptions=True)

    def drop(self) -> None:
        self.flowing.clear()

    def restore(self) -> None:
        self.flowing.set()

    async def stop(self) -> None:
        assert self.server is not None
        self.server.close()
        self.flowing.set()
        for writer in self.stuck:
            writer.transport.abort()


@pytest.fixture
async def blackhole(server: Server) -> AsyncIterator[Blackhole]:
    proxy = Blackhole(server.port)
    await proxy.start()
    yield proxy
    await proxy.stop()


async def test_a_silently_dropped_network_is_noticed_within_10_seconds(
    server: Server, browser: Browser, blackhole: Blackhole
) -> None:
    room: Room = await server.rooms.create("Stille wifi", [spec(**CHOICE)])
    question = room.questions[0].id
    await room.push(question)
    context = await browser.new_context(locale="nl", **PHONE)
    page = await context.new_page()
    await page.goto(f"http://127.0.0.1:{blackhole.port}/r/{room.code}")
    await expect(page.get_by_role("button", name="Goed")).to_be_visible()
    banner = page.locator("#connection")
    await expect(banner).to_be_hidden()

    # The page notes when its banner appears; the test compares that with when the network went silent.
    await page.evaluate(
        "() => new MutationObserver((_, observer) => { if (!document.getElementById('connection').hidden) {"
        " window.bannerAt = performance.now(); observer.disconnect(); } })"
        ".observe(document.getElementById('connection'), { attributes: true })"
    )
    dropped = await page.evaluate("performance.now()")
    blackhole.drop()
    await page.get_by_role("button", name="Matig").click()  # answered into the silence
    await expect(banner).to_be_visible(timeout=15_000)
    noticed = (await page.evaluate("window.bannerAt") - dropped) / 1000
    assert noticed < 10  # 5 s quiet, then 4 s for a pong, after the last word the server said
    await expect(banner).to_have_text(
        "Geen verbinding. Uw antwoord is bewaard en wordt verstuurd zodra er weer verbinding is."
    )
    assert room.question(question).tally.answers == {}

    blackhole.restore()  # the wifi is back
    await page.evaluate("window.dispatchEvent(new Event('online'))")
    await expect(page.get_by_text("Uw antwoord is ontvangen")).to_be_visible(timeout=20_000)
    await expect(banner).to_be_hidden()
    assert [a.value for a in room.question(question).tally.answers.values()] == [[1]]
    await context.close()


async def test_the_larger_text_button_is_remembered_on_that_phone(server: Server, browser: Browser) -> None:
    """For a participant who does not know their phone's own text setting: one visible button, kept on that phone."""
    room: Room = await server.rooms.create("Grote letters", [spec(**CHOICE)])
    await room.push(room.questions[0].id)
    phone = await open_page(browser, server, f"/r/{room.code}", **PHONE)
    page = phone.page
    larger = page.get_by_role("button", name="Grotere letters")
    await expect(larger).to_have_attribute("aria-pressed", "false")
    size = "() => parseFloat(getComputedStyle(document.getElementById('prompt')).fontSize)"
    await expect(page.locator("#prompt")).to_be_visible()
    usual = await page.evaluate(size)
    await larger.click()
    await expect(larger).to_have_attribute("aria-pressed", "true")
    assert await page.evaluate(size) == usual * 1.5
    await page.reload()
    await expect(page.get_by_role("button", name="Grotere letters")).to_have_attribute("aria-pressed", "true")
    await expect(page.locator("#prompt")).to_be_visible()
    assert await page.evaluate(size) == usual * 1.5
    assert await page.evaluate("document.documentElement.scrollWidth") <= 390  # still no sideways scrolling
    await page.get_by_role("button", name="Matig").click()
    await expect(page.get_by_text("Uw antwoord is ontvangen")).to_be_visible()
    assert phone.errors == []


async def test_an_answer_changed_on_another_screen_is_what_the_phone_offers_to_change(
    server: Server, browser: Browser
) -> None:
    """The same participant on two tabs: an answer changed on one is the earlier choice on the other after its
    reconnect, not what that tab once sent."""
    room: Room = await server.rooms.create("Twee tabbladen", [spec(**CHOICE)])
    await room.push(room.questions[0].id)
    context = await browser.new_context(locale="nl", **PHONE)
    first, second = await context.new_page(), await context.new_page()
    for page in (first, second):
        await page.goto(f"{server.base}/r/{room.code}")
    await first.get_by_role("button", name="Goed").click()
    await expect(first.locator(".received-answer")).to_have_text("Goed")
    await second.reload()  # it shows the answer as stored
    await second.get_by_role("button", name="Wijzig uw antwoord").click()
    await second.get_by_role("button", name="Slecht").click()
    await expect(second.locator(".received-answer")).to_have_text("Slecht")
    await first.context.set_offline(True)
    await first.evaluate("window.dispatchEvent(new Event('offline'))")
    await first.context.set_offline(False)
    await first.evaluate("window.dispatchEvent(new Event('online'))")
    await expect(first.locator(".received-answer")).to_have_text("Slecht")  # the snapshot after the reconnect
    await first.get_by_role("button", name="Wijzig uw antwoord").click()
    await expect(first.get_by_role("button", name="Slecht uw vorige keuze")).to_be_focused()
    await context.close()


@pytest.mark.settings(sockets_per_participant=1)
async def test_a_phone_refused_at_once_backs_off(server: Server, browser: Browser) -> None:
    """A socket the server accepts and then refuses (here: the participant has too many open) is tried again with a
    growing pause, not twice a second: four retries take at least 0.25 + 0.5 + 1 + 2 seconds."""
    room: Room = await server.rooms.create("Te veel", [spec(**CHOICE)])
    context = await browser.new_context(locale="nl", **PHONE)
    first = await context.new_page()
    await first.goto(f"{server.base}/r/{room.code}")
    await expect(first.get_by_role("heading", name="Wacht op de volgende vraag")).to_be_visible()
    second = await context.new_page()  # the same participant (the same cookie): one socket too many
    opened: list[float] = []
    fifth = asyncio.Event()

    def on_socket(_: object) -> None:
        opened.append(time.monotonic())
        if len(opened) == 5:
            fifth.set()

    second.on("websocket", on_socket)
    await second.goto(f"{server.base}/r/{room.code}")
    await asyncio.wait_for(fifth.wait(), 30)
    assert opened[4] - opened[0] >= 3.7
    await context.close()


async def test_what_was_filled_in_is_kept_when_answering_closes_and_an_answer_that_cannot_be_sent_is_said(
    server: Server, browser: Browser
) -> None:
    """Answering closes while a participant types: the phone says the text was not sent, and shows it again when the
    question reopens. An answer given offline for a question that is over meanwhile is not lost silently."""
    room: Room = await server.rooms.create("Niet verstuurd", [spec(**OPEN), spec(**CHOICE)])
    opened, chosen = (q.id for q in room.questions)
    await room.push(opened)
    phone = await open_page(browser, server, f"/r/{room.code}", **PHONE)
    page = phone.page
    await page.get_by_role("textbox", name="Uw antwoord").fill("De stukken eerder krijgen")
    await room.act("close", {"question": opened})
    await expect(page.get_by_text("Wat u had ingevuld, is niet verstuurd.", exact=False)).to_be_visible()
    await room.act("open", {"question": opened})
    await expect(page.get_by_role("textbox", name="Uw antwoord")).to_have_value("De stukken eerder krijgen")
    await expect(page.get_by_text("Nog 75 tekens")).to_be_visible()  # the counter follows the text put back
    assert room.question(opened).tally.answers == {}

    await room.push(chosen)
    await expect(page.get_by_role("button", name="Goed")).to_be_visible()
    await page.context.set_offline(True)
    await page.evaluate("window.dispatchEvent(new Event('offline'))")
    await page.get_by_role("button", name="Slecht").click()
    await room.push(opened)  # the facilitator moves on before the phone is back
    await page.context.set_offline(False)
    await page.evaluate("window.dispatchEvent(new Event('online'))")
    await expect(page.get_by_role("alert")).to_have_text("Uw antwoord kon niet worden verstuurd: die vraag is voorbij.")
    # a reconnect the phone tried while the test held it offline is the browser's own complaint, not a fault
    errors = [e for e in phone.errors if "net::ERR_INTERNET_DISCONNECTED" not in e]
    assert room.question(chosen).tally.answers == {} and errors == []
