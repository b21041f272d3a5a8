"""Browser tests in Debian's Chromium, driven by Playwright (never a downloaded browser).

A participant joins by code on a phone-sized page and answers; the projector and the console follow live.
Set LAB_SCREENSHOTS=docs/screenshots to save the screenshots shown in the README.
"""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from conftest import BROWSER, CHOICE, OPEN, PHONE, SCALE, SCREEN, TIMEOUT, WORDS, Client, Server, open_page, spec
from PIL import Image
from playwright.async_api import Browser, Route, expect

from lab.rooms import Room
from lab.wire import dumps

pytestmark = BROWSER


def save(name: str) -> str | None:
    folder = os.environ.get("LAB_SCREENSHOTS")
    return str(Path(folder) / name) if folder else None


async def test_a_phone_joins_by_code_answers_and_the_projector_counts(
    server: Server, browser: Browser, tmp_path: Path
) -> None:
    room: Room = await server.rooms.create("Evaluatie prestatieafspraken", [spec(**CHOICE), spec(**SCALE)])
    console = await open_page(browser, server, f"/f/{room.code}?key={room.facilitator_key}", **SCREEN)
    projector = await open_page(browser, server, f"/p/{room.code}?key={room.projector_key}", **SCREEN)
    phone = await open_page(browser, server, "/", **PHONE)

    await phone.page.get_by_label("Typ de code die u op het grote scherm ziet").fill(room.code)
    await phone.page.get_by_role("button", name="Meedoen").click()
    await expect(phone.page).to_have_url(re.compile(f"/r/{room.code}$"))
    await expect(phone.page.get_by_role("heading", name="Wacht op de volgende vraag")).to_be_visible()

    await console.page.get_by_role("button", name=re.compile("Hoe was de samenwerking")).click()
    await console.page.get_by_role("button", name="Uitslag op het grote scherm tonen").click()
    await expect(phone.page.get_by_role("heading", name="Hoe was de samenwerking?")).to_be_visible()
    await expect(projector.page.locator("#stage .prompt")).to_have_text("Hoe was de samenwerking?")
    await expect(projector.page.locator(".count")).to_have_text("0 antwoorden")

    await phone.page.get_by_role("button", name="Goed").click()
    await expect(phone.page.get_by_text("Uw antwoord is ontvangen")).to_be_visible()
    await expect(projector.page.locator(".count")).to_have_text("1 antwoord")
    await expect(projector.page.locator(".bar-value").first).to_have_text("1 · 100%")
    await expect(console.page.locator("#counts")).to_contain_text("1 deelnemer")

    # change the answer while the question is open
    await phone.page.get_by_role("button", name="Wijzig uw antwoord").click()
    await phone.page.get_by_role("button", name="Matig").click()
    await expect(phone.page.get_by_text("Uw antwoord is ontvangen")).to_be_visible()
    await expect(projector.page.locator(".bar-value").nth(1)).to_have_text("1 · 100%")

    # Screenshots for the README: phone (usual and larger text), projector at 1280x720 and 1920x1080, console.
    wide = await open_page(
        browser, server, f"/p/{room.code}?key={room.projector_key}", viewport={"width": 1920, "height": 1080}
    )
    await expect(wide.page.locator(".bar-value").nth(1)).to_have_text("1 · 100%")
    await expect(projector.page.locator(".bar-value").nth(1)).to_have_text("1 · 100%")
    shots = [("phone.png", phone), ("projector.png", projector), ("projector-1920.png", wide), ("console.png", console)]
    for name, watched in shots:
        await watched.page.screenshot(path=save(name) or str(tmp_path / name), animations="disabled")
    await phone.page.get_by_role("button", name="Grotere letters").click()
    await expect(phone.page.locator("html.large-text")).to_have_count(1)
    await phone.page.screenshot(path=save("phone-large-text.png") or str(tmp_path / "large.png"), animations="disabled")
    for watched in (phone, projector, wide, console):
        assert watched.errors == []  # no script errors, no CSP violations
        assert watched.foreign == []  # nothing loaded from another origin


async def test_console_keys_steer_the_room(server: Server, browser: Browser) -> None:
    room: Room = await server.rooms.create("Sleutels", [spec(**CHOICE), spec(**WORDS)])
    console = await open_page(browser, server, f"/f/{room.code}?key={room.facilitator_key}", **SCREEN)
    phone = await open_page(browser, server, f"/r/{room.code}", **PHONE)
    page = console.page
    await expect(page.locator("#counts")).to_contain_text("1 deelnemer")

    await page.keyboard.press("ArrowRight")
    await expect(phone.page.get_by_role("heading", name="Hoe was de samenwerking?")).to_be_visible()
    await expect(page.locator("#current .prompt")).to_have_text("Hoe was de samenwerking?")
    await page.keyboard.press("ArrowRight")
    await expect(phone.page.get_by_role("heading", name="Welk woord past erbij?")).to_be_visible()
    await page.keyboard.press("Space")
    await expect(phone.page.locator("#phone").get_by_text("De vraag is gesloten")).to_be_visible()
    await expect(page.locator("#toggle-open")).to_have_text("Antwoorden openen")
    await page.keyboard.press("Space")
    await expect(phone.page.get_by_role("textbox", name="Woord 1")).to_be_visible()
    await expect(page.locator("#toggle-open")).to_have_text("Antwoorden sluiten")
    await page.keyboard.press("Enter")
    await expect(page.locator("#toggle-projector")).to_have_attribute("aria-pressed", "true")
    await page.keyboard.press("ArrowLeft")
    await expect(phone.page.get_by_role("heading", name="Hoe was de samenwerking?")).to_be_visible()
    page.once("dialog", lambda dialog: dialog.accept())  # "Deze vraag opnieuw beginnen?"
    await page.get_by_role("button", name="Opnieuw beginnen").click()
    await expect(page.locator("#current .badge")).to_have_text("open · ronde 2")
    await expect(phone.page.get_by_role("button", name="Goed")).to_be_visible()
    assert console.errors == [] and phone.errors == []


async def test_add_and_edit_a_question_in_the_console(server: Server, browser: Browser) -> None:
    room: Room = await server.rooms.create("Leeg", [])
    console = await open_page(browser, server, f"/f/{room.code}?key={room.facilitator_key}", **SCREEN)
    page = console.page
    await expect(page.get_by_text("Nog geen vragen.")).to_be_visible()
    await page.get_by_role("button", name="Vraag toevoegen").click()
    await page.get_by_label("Soort").select_option("scale")
    await page.get_by_label("Vraag", exact=True).fill("Hoe tevreden bent u?")
    await page.get_by_label("Stellingen om te beoordelen").fill("Onderhoud\nBereikbaarheid")
    await page.get_by_label("Hoogste score", exact=True).fill("7")
    await page.get_by_role("button", name="Opslaan").click()
    await expect(page.locator(".question-prompt")).to_have_text(["Hoe tevreden bent u?"])

    await page.get_by_role("button", name="Wijzigen").click()
    statements = page.get_by_label("Stellingen om te beoordelen")
    await statements.fill("\n".join(f"Stelling {n}" for n in range(13)))
    await page.get_by_role("button", name="Opslaan").click()
    await expect(page.locator("#editor-error")).to_have_text("statements: moet 1 tot en met 12 regels hebben")
    await statements.fill("Onderhoud\nBereikbaarheid")
    await page.get_by_label("Hoogste score", exact=True).fill("10")
    await page.get_by_role("button", name="Opslaan").click()
    await expect(page.locator("#editor")).to_be_hidden()
    assert room.questions[0].settings["scale_max"] == 10
    assert room.questions[0].settings["statements"] == ["Onderhoud", "Bereikbaarheid"]
    assert [e for e in console.errors if "status of 400" not in e] == []  # the refused save logs its 400


async def test_the_console_asks_before_an_edit_starts_a_new_round(server: Server, browser: Browser) -> None:
    room: Room = await server.rooms.create("Kamer", [spec(**CHOICE)])
    question = room.questions[0]
    await room.push(question.id)
    await room.join("p1")
    await room.vote("p1", "v0001", question.id, 1, [0])
    await room.act("close", {"question": question.id})
    console = await open_page(browser, server, f"/f/{room.code}?key={room.facilitator_key}", **SCREEN)
    page = console.page
    asked: list[str] = []
    answered = asyncio.Event()

    async def answer(dialog: Any, accept: bool) -> None:
        asked.append(dialog.message)
        await (dialog.accept() if accept else dialog.dismiss())
        answered.set()

    await page.get_by_role("button", name="Wijzigen").click()
    await page.get_by_label("Antwoorden, één per regel").fill("Goed\nVoldoende\nOnvoldoende")
    page.once("dialog", lambda dialog: answer(dialog, accept=False))
    await page.get_by_role("button", name="Opslaan").click()
    await asyncio.wait_for(answered.wait(), 10)
    assert asked[0].startswith("Deze vraag heeft 1 antwoorden. Met deze wijzigingen begint een nieuwe ronde")
    await expect(page.locator("#editor")).to_be_visible()  # not saved: the editor stays as it was
    assert room.questions[0].round == 1 and room.questions[0].settings["options"] == CHOICE["options"]

    page.once("dialog", lambda dialog: answer(dialog, accept=True))
    await page.get_by_role("button", name="Opslaan").click()
    await expect(page.locator("#editor")).to_be_hidden()
    assert len(asked) == 2
    assert room.questions[0].round == 2 and room.questions[0].settings["options"] == [
        "Goed",
        "Voldoende",
        "Onvoldoende",
    ]
    assert list(room.questions[0].rounds[1].answers) == ["p1"]  # kept with the first round


async def test_scales_and_open_text_on_a_phone(server: Server, browser: Browser, clients: Callable[[], Client]) -> None:
    room: Room = await server.rooms.create("Schalen", [spec(**SCALE), spec(**OPEN)])
    phone = await open_page(browser, server, f"/r/{room.code}", **PHONE)
    page = phone.page
    await room.push(room.questions[0].id)
    send = page.get_by_role("button", name="Verstuur")
    await page.get_by_role("radiogroup", name="Samenwerking").get_by_role("radio", name="4").check()
    await send.click()  # one statement still without a score: said, and focus goes there; nothing is sent
    await expect(page.locator("#announce")).to_have_text("Kies een cijfer voor: Inbreng van huurders")
    await expect(page.locator(".form-error")).to_have_text("Kies een cijfer voor: Inbreng van huurders")  # also seen
    unrated = page.get_by_role("radiogroup", name="Inbreng van huurders")
    await expect(unrated.get_by_role("radio", name="1", exact=True)).to_be_focused()
    assert room.questions[0].tally.answers == {}
    await unrated.get_by_role("radio", name="Weet niet / sla over").check()
    await send.click()
    await expect(page.get_by_text("Uw antwoord is ontvangen")).to_be_visible()
    await expect(page.locator(".received-answer")).to_have_text(
        "Samenwerking: 4; Inbreng van huurders: Weet niet / sla over"
    )
    assert [a.value for a in room.questions[0].tally.answers.values()] == [[4, None]]

    await room.push(room.questions[1].id)
    await page.get_by_role("textbox", name="Uw antwoord").fill("Meer overleg met de gemeente")
    await expect(page.get_by_text("Nog 72 tekens")).to_be_visible()
    await page.get_by_role("button", name="Verstuur").click()
    await expect(page.get_by_text("Uw antwoord is ontvangen")).to_be_visible()
    await room.act("show_results", {"question": room.questions[1].id, "target": "phones", "show": True})
    await expect(page.locator(".card-text")).to_have_text(["Meer overleg met de gemeente"])
    assert phone.errors == []


async def test_the_interface_speaks_english_when_the_browser_does(server: Server, browser: Browser) -> None:
    room: Room = await server.rooms.create("Taal", [spec(**CHOICE)])
    phone = await open_page(browser, server, f"/r/{room.code}", lang="en-GB", **PHONE)
    await expect(phone.page.get_by_role("heading", name="Wait for the next question")).to_be_visible()
    await phone.page.get_by_role("link", name="Nederlands").click()
    await expect(phone.page.get_by_role("heading", name="Wacht op de volgende vraag")).to_be_visible()
    assert await phone.page.evaluate("document.documentElement.lang") == "nl"


async def test_reconnect_backoff_is_jittered(server: Server, browser: Browser) -> None:
    """300 phones whose server went away do not all come back in the same 100 ms."""
    room: Room = await server.rooms.create("Jitter", [spec(**CHOICE)])
    phone = await open_page(browser, server, f"/r/{room.code}", **PHONE)
    delays = await phone.page.evaluate(
        "async () => { const { backoff } = await import('/static/socket.js');"
        " return [0, 1, 5, 9].map((attempt) => Array.from({ length: 300 }, () => backoff(attempt))); }"
    )
    first, second, fifth, late = delays
    assert 250 <= min(first) and max(first) <= 500 and max(first) - min(first) > 150
    assert 500 <= min(second) and max(second) <= 1000
    assert max(fifth) <= 15000 and min(late) >= 7500 and max(late) <= 15000  # capped at 15 s
    assert len(set(first)) > 100  # spread, not a few shared values


async def test_a_phone_drops_a_message_older_than_its_snapshot(server: Server, browser: Browser) -> None:
    """A message made before the phone's snapshot that reaches it after (another process took the room over, and
    the old owner's last word arrives late) changes nothing; one as new as the snapshot does."""
    room: Room = await server.rooms.create("Overname", [spec(**CHOICE)])
    await room.push(room.questions[0].id)
    phone = await open_page(browser, server, f"/r/{room.code}", **PHONE)
    page = phone.page
    received: asyncio.Queue[str] = asyncio.Queue()
    page.on("websocket", lambda ws: ws.on("framereceived", lambda frame: received.put_nowait(str(frame))))
    await page.reload()  # (its socket again, now watched)
    await expect(page.get_by_role("button", name="Goed")).to_be_visible()
    hub, topic = server.app.state.hub, room.topic("phone")
    old = {"type": "state", "version": room.version - 1, "now": room.now_ms(), "lang": "nl", "question": None}
    hub.publish(topic, dumps(old))
    while '"version":' + str(room.version - 1) not in await asyncio.wait_for(received.get(), TIMEOUT):
        pass
    await page.evaluate("() => 0")  # a turn of the page's own loop after the frame: the phone has handled it
    assert await page.get_by_role("button", name="Goed").is_visible()
    assert await page.get_by_text("Wacht op de volgende vraag").count() == 0
    hub.publish(topic, dumps({**old, "version": room.version}))  # as new as the snapshot: the question goes
    await expect(page.get_by_text("Wacht op de volgende vraag")).to_be_visible()
    await expect(page.get_by_role("button", name="Goed")).to_have_count(0)
    assert await page.evaluate(
        "async () => { const { stale } = await import('/static/socket.js');"
        " return [stale({version: 4}, 5), stale({version: 5}, 5), stale({type: 'pong'}, 5),"
        " stale({version: 1}, null)]; }"
    ) == [True, False, False, False]


async def test_a_phone_that_loses_the_connection_resends_its_vote(server: Server, browser: Browser) -> None:
    room: Room = await server.rooms.create("Wifi", [spec(**CHOICE)])
    phone = await open_page(browser, server, f"/r/{room.code}", **PHONE)
    await room.push(room.questions[0].id)
    page = phone.page
    await expect(page.get_by_role("button", name="Goed")).to_be_visible()
    await page.context.set_offline(True)
    await page.get_by_role("button", name="Slecht").click()
    await expect(page.get_by_text("Bezig met versturen…")).to_be_visible()
    await page.context.set_offline(False)
    await page.evaluate("window.dispatchEvent(new Event('online'))")
    await expect(page.get_by_text("Uw antwoord is ontvangen")).to_be_visible(timeout=20000)
    assert [a.value for a in room.questions[0].tally.answers.values()] == [[2]]


async def test_an_average_is_rounded_once_for_the_projector(server: Server, browser: Browser) -> None:
    """381 / 125 = 3.048 shows as 3,0 (rounding 3.05 again would show 3,1)."""
    room: Room = await server.rooms.create("Gemiddelde", [spec(**SCALE)])
    question = room.questions[0].id
    await room.push(question)
    await room.act("show_results", {"question": question, "target": "projector", "show": True})
    for n, rating in enumerate([3] * 119 + [4] * 6):
        await room.join(f"p{n:03d}")
        await room.vote(f"p{n:03d}", f"average-vote-{n:03d}", question, 1, [rating, None])
    screen = await open_page(browser, server, f"/p/{room.code}?key={room.projector_key}", **SCREEN)
    await expect(screen.page.locator(".scale-average").first).to_have_text("3,0")
    assert screen.errors == []


async def test_a_vote_kept_offline_for_a_round_that_has_passed_is_not_received(
    server: Server, browser: Browser
) -> None:
    """The phone answered without a connection; meanwhile the facilitator started the question again. Back online,
    the phone must ask again, never show "ontvangen" for a vote that is not stored."""
    room: Room = await server.rooms.create("Opnieuw", [spec(**CHOICE)])
    question = room.questions[0].id
    phone = await open_page(browser, server, f"/r/{room.code}", **PHONE)
    await room.push(question)
    page = phone.page
    await expect(page.get_by_role("button", name="Goed")).to_be_visible()
    await page.context.set_offline(True)
    await page.get_by_role("button", name="Slecht").click()
    await expect(page.get_by_text("Bezig met versturen…")).to_be_visible()
    await room.new_round(question)
    await page.context.set_offline(False)
    await page.evaluate("window.dispatchEvent(new Event('online'))")
    await expect(page.get_by_role("button", name="Slecht")).to_be_visible(timeout=20000)  # asked again
    await expect(page.get_by_text("Uw antwoord is ontvangen")).to_have_count(0)
    who = await page.evaluate("JSON.parse(document.getElementById('lab-data').textContent).who")
    assert await page.evaluate(f"localStorage.getItem('lab:pending:{room.code}:{who}')") == "{}"
    assert room.questions[0].rounds[2].answers == {} and room.questions[0].rounds[1].answers == {}
    await page.get_by_role("button", name="Matig").click()  # and its new answer counts in the new round
    await expect(page.get_by_text("Uw antwoord is ontvangen")).to_be_visible()
    assert [a.value for a in room.questions[0].rounds[2].answers.values()] == [[1]]


async def test_a_phone_whose_renderer_fails_to_load_at_first_still_works(server: Server, browser: Browser) -> None:
    """Poor wifi drops the first requests for a question type's script: the phone connects anyway, loads it again,
    and its participant answers."""
    room: Room = await server.rooms.create("Slechte wifi", [spec(**CHOICE)])
    context = await browser.new_context(locale="nl", **PHONE)
    dropped: list[str] = []
    await context.route(re.compile(r".*/static/(v/[0-9a-f]+/)?types/choice\.js.*"), dropping(2, dropped))
    page = await context.new_page()
    await page.goto(f"{server.base}/r/{room.code}")
    await room.push(room.questions[0].id)
    await page.get_by_role("button", name="Matig").click(timeout=20000)
    await expect(page.get_by_text("Uw antwoord is ontvangen")).to_be_visible()
    assert len(dropped) == 2 and [a.value for a in room.questions[0].tally.answers.values()] == [[1]]
    await context.close()


async def test_a_phone_whose_strings_fail_to_load_loads_the_page_again(server: Server, browser: Browser) -> None:
    """Poor wifi drops the request for the screens' strings (lab.jsstrings): the page loads itself again, once, before
    it draws anything, and then speaks Dutch; should they fail every time, it stops after two reloads and works."""
    room: Room = await server.rooms.create("Slechte wifi", [spec(**CHOICE)])
    strings = re.compile(r".*/static/v/[0-9a-f]+/strings/nl\.js$")
    for drops, reloads in ((1, 1), (99, 2)):
        context = await browser.new_context(locale="nl", **PHONE)
        dropped: list[str] = []
        pages: list[str] = []
        await context.route(strings, dropping(drops, dropped))
        page = await context.new_page()
        page.on("request", lambda request, pages=pages: pages.append(request.url) if "/r/" in request.url else None)
        await page.goto(f"{server.base}/r/{room.code}")
        if drops == 1:
            await expect(page.get_by_text("Wacht op de volgende vraag")).to_be_visible(timeout=20000)
        else:  # the question pushed meanwhile, its buttons, and the keys where the strings never came
            await expect(page.get_by_role("button", name="reaction_like")).to_be_visible(timeout=20000)
            await expect(page.get_by_role("button", name="Matig")).to_be_visible()
        assert len(pages) == 1 + reloads and len(dropped) == min(drops, 1 + reloads)
        assert await page.evaluate("sessionStorage.getItem('lab:reload:strings')") is None  # counted from 0 again
        if drops == 1:
            await room.push(room.questions[0].id)
            await page.get_by_role("button", name="Matig").click()
            await expect(page.get_by_text("Uw antwoord is ontvangen")).to_be_visible()
        await context.close()
    assert [a.value for a in room.questions[0].tally.answers.values()] == [[1]]


def dropping(drops: int, dropped: list[str]) -> Callable[[Route], Awaitable[None]]:
    """A route handler that drops the first `drops` requests (a connection reset) and notes them in `dropped`."""

    async def drop(route: Route) -> None:
        if len(dropped) < drops:
            dropped.append(route.request.url)
            await route.abort("connectionreset")
        else:
            await route.continue_()

    return drop


async def test_a_slide_with_an_image_made_in_the_console(server: Server, browser: Browser, tmp_path: Path) -> None:
    room: Room = await server.rooms.create("Leeg", [])
    picture = tmp_path / "wijkkaart.png"
    Image.new("RGB", (800, 500), (200, 220, 180)).save(picture)
    console = await open_page(browser, server, f"/f/{room.code}?key={room.facilitator_key}", **SCREEN)
    screen = await open_page(browser, server, f"/p/{room.code}?key={room.projector_key}", **SCREEN)
    mobile = await open_page(browser, server, f"/r/{room.code}", **PHONE)
    page = console.page
    await page.get_by_role("button", name="Vraag toevoegen").click()
    await page.get_by_label("Soort").select_option("slide")
    await page.get_by_label("Vraag", exact=True).fill("Onze wijk")
    await page.get_by_label("Tekst (niet verplicht").fill("Dit is de wijk waar we over praten.")
    await page.get_by_label("Afbeelding (niet verplicht").set_input_files(picture)
    await expect(page.get_by_role("status").filter(has_text="De afbeelding staat klaar")).to_be_visible()
    await page.get_by_role("button", name="Opslaan").click()
    await expect(page.locator("#editor-error")).to_have_text(
        "image_alt: is verplicht bij een afbeelding: zeg in woorden wat erop staat"
    )
    await page.get_by_label("Wat er op de afbeelding staat").fill("Kaart van de wijk met de drie flats")
    await page.get_by_role("button", name="Opslaan").click()
    await expect(page.locator("#editor")).to_be_hidden()
    slide = room.questions[0]
    assert slide.type.name == "slide" and slide.settings["image_alt"] == "Kaart van de wijk met de drie flats"

    await room.push(slide.id)
    for watched in (screen, mobile):
        image = watched.page.get_by_role("img", name="Kaart van de wijk met de drie flats")
        await expect(image).to_be_visible()
        assert await image.evaluate("i => i.complete && i.naturalWidth") == 800
        await expect(watched.page.get_by_text("Dit is de wijk waar we over praten.")).to_be_visible()
    await expect(mobile.page.get_by_role("button", name="Verstuur")).to_have_count(0)  # nothing to answer
    await expect(screen.page.locator(".count")).to_have_count(0)
    for watched in (screen, mobile):
        assert watched.errors == [] and watched.foreign == []


async def test_a_phone_that_opens_the_page_again_fetches_none_of_its_files_and_a_question_draws(
    server: Server, browser: Browser
) -> None:
    """The page's two dozen files are kept from the first visit (lab.assets: their addresses last until a file
    changes): opening the page again asks the server for the page alone, and the question types' renderers, loaded
    by a relative import from the kept modules, still draw a question."""
    room: Room = await server.rooms.create("Terug", [spec(**CHOICE)])
    context = await browser.new_context(locale="nl", **PHONE)
    page = await context.new_page()
    await page.goto(f"{server.base}/r/{room.code}")
    await expect(page.get_by_role("heading", name="Wacht op de volgende vraag")).to_be_visible()
    await page.wait_for_load_state("networkidle")  # the question types' renderers too (fetched with low priority)
    await page.goto("about:blank")
    cdp = await context.new_cdp_session(page)
    await cdp.send("Network.enable")
    sent: dict[str, str] = {}  # request id -> address, of every request the page made
    cached: set[str] = set()
    cdp.on("Network.requestWillBeSent", lambda event: sent.update({event["requestId"]: event["request"]["url"]}))
    cdp.on("Network.requestServedFromCache", lambda event: cached.add(event["requestId"]))
    cdp.on(
        "Network.responseReceived",
        lambda event: event["response"].get("fromDiskCache") and cached.add(event["requestId"]),
    )
    await page.goto(f"{server.base}/r/{room.code}")
    await room.push(room.questions[0].id)
    await page.get_by_role("button", name="Matig").click()
    await expect(page.get_by_text("Uw antwoord is ontvangen")).to_be_visible()
    assert len(sent) > 20 and [url for key, url in sent.items() if key not in cached] == [
        f"{server.base}/r/{room.code}"
    ]
    await context.close()
