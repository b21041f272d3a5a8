"""A consultation at the own pace on a real phone: every question in order with back and next, the place kept by the
server across a reload, and what came of it shown on the same link once the organiser writes it."""

from __future__ import annotations

from conftest import BROWSER, PHONE, SCALE, SCREEN, Server, open_page, spec
from playwright.async_api import Browser, expect

from lab.consultation import Consultation
from lab.rooms import Room

pytestmark = BROWSER

VOTE = {"type": "choice", "prompt": "Gaat u akkoord met het renovatievoorstel?", "options": ["Ja", "Nee", "Blanco"]}
OPEN = {"type": "open", "prompt": "Wat wilt u de corporatie nog meegeven?"}


async def test_a_member_answers_at_their_own_pace_goes_back_and_hears_what_came_of_it(
    server: Server, browser: Browser
) -> None:
    room: Room = await server.rooms.create("Klantenpanel De Akker", [spec(**VOTE), spec(**SCALE), spec(**OPEN)],
                                           consultation=Consultation("self"))  # fmt: skip
    vote_q, scale_q, open_q = room.questions
    assert scale_q.tally.answers == {}
    phone = await open_page(browser, server, f"/r/{room.code}", **PHONE)
    page = phone.page
    await expect(page.get_by_role("heading", name=VOTE["prompt"])).to_be_focused()
    await expect(page.get_by_text("Vraag 1 van 3")).to_be_visible()
    await page.get_by_role("button", name="Ja", exact=True).click()
    await expect(page.get_by_text("Uw antwoord is ontvangen")).to_be_visible()

    await page.get_by_role("button", name="Volgende →").click()
    await expect(page.get_by_role("heading", name=SCALE["prompt"])).to_be_focused()
    await expect(page.get_by_text("Vraag 2 van 3")).to_be_visible()
    await page.reload()  # the phone slept, or it is another phone with the same code: on where it stopped
    await expect(page.get_by_role("heading", name=SCALE["prompt"])).to_be_visible()

    await page.get_by_role("button", name="← Vorige").click()
    await expect(page.get_by_role("heading", name=VOTE["prompt"])).to_be_visible()
    await expect(page.locator(".received-answer")).to_have_text("Ja")  # the answer it gave, kept by the server
    await page.get_by_role("button", name="Volgende →").click()
    await page.get_by_role("button", name="Volgende →").click()  # the scale is left for later
    await expect(page.get_by_text("Vraag 3 van 3")).to_be_visible()
    await page.get_by_role("textbox").fill("Graag meer groen rond de flat.")
    await page.get_by_role("button", name="Verstuur").click()
    await expect(page.get_by_text("Uw antwoord is ontvangen")).to_be_visible()
    await page.get_by_role("button", name="Afronden →").click()

    left = page.get_by_role("heading", name="U heeft nog niet alle vragen beantwoord: er zijn er nog 1.")
    await expect(left).to_be_focused()
    await page.get_by_role("button", name=SCALE["prompt"]).click()  # straight to what is still open
    await expect(page.get_by_role("heading", name=SCALE["prompt"])).to_be_visible()
    assert scale_q.tally.answers == {}  # left for later
    assert [a.value for a in vote_q.tally.answers.values()] == [[0]]
    assert [a.value for a in open_q.tally.answers.values()] == ["Graag meer groen rond de flat."]

    await room.act("consultation", {"published": True, "outcome": "De corporatie legt meer groen aan.\n\nDank u!"})
    await page.get_by_role("button", name="← Vorige").click()  # the first question: its results, now published
    await expect(page.get_by_role("heading", name="Uitslag")).to_be_visible()
    await expect(page.get_by_role("region", name="Uitslag")).to_contain_text("Ja")
    await page.goto(f"{server.base}/r/{room.code}")  # opened again later: at the question still unanswered
    await expect(page.get_by_role("heading", name=SCALE["prompt"])).to_be_visible()
    await page.get_by_role("button", name="Volgende →").click()
    await page.get_by_role("button", name="Afronden →").click()
    outcome = page.get_by_role("region", name="Wat is er met uw mening gedaan?")
    await expect(outcome.get_by_role("paragraph")).to_have_text(["De corporatie legt meer groen aan.", "Dank u!"])
    assert phone.errors == [] and phone.foreign == []


async def test_the_console_turns_a_session_into_a_consultation_with_a_deadline(
    server: Server, browser: Browser
) -> None:
    room: Room = await server.rooms.create("Bewonersavond", [spec(**VOTE)])
    phone = await open_page(browser, server, f"/r/{room.code}", **PHONE)
    await expect(phone.page.get_by_role("heading", name="Wacht op de volgende vraag")).to_be_visible()
    console = await open_page(browser, server, f"/f/{room.code}?key={room.facilitator_key}", **SCREEN)
    form = console.page.locator("#consultation-form")
    await form.get_by_label("Deelnemers antwoorden in hun eigen tempo").check()
    await form.get_by_label("Sluit op").fill("2099-12-14T17:00")
    await form.get_by_role("button", name="Deze instellingen gebruiken").click()
    await expect(console.page.get_by_role("status").filter(has_text="zijn opgeslagen")).to_have_count(1)
    assert room.consultation.pace == "self" and room.questions[0].status == "open"

    # the phone that was waiting for the facilitator now has the questions, and until when it can answer
    await expect(phone.page.get_by_role("heading", name=VOTE["prompt"])).to_be_visible()
    await expect(phone.page.get_by_text("U kunt antwoorden tot 14 december 2099 om 17:00.")).to_be_visible()

    await form.get_by_label("Sluit op").fill("2099-12-01T09:00")
    await form.get_by_label("Begint op").fill("2099-12-02T09:00")
    await form.get_by_role("button", name="Deze instellingen gebruiken").click()
    await expect(console.page.locator("#consultation-error")).to_have_text("De sluiting moet na het begin liggen.")
    assert room.consultation.ends_ms is not None and room.consultation.starts_ms is None  # nothing changed
    for watched in (phone, console):
        assert [e for e in watched.errors if "status of" not in e] == [] and watched.foreign == []
