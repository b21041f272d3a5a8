"""Member codes in a real browser: a member types the code from their letter with the keyboard and answers; the
console and the projector show the turnout; a phone without a code in a room that starts asking for codes is sent
to the form."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

from conftest import BROWSER, CHOICE, PHONE, SCREEN, Server, open_page, spec
from playwright.async_api import Browser, Dialog, expect

from lab.members import NewMember

pytestmark = BROWSER


async def test_a_member_answers_with_the_code_from_their_letter_and_the_hall_sees_the_turnout(
    server: Server, browser: Browser
) -> None:
    room = await server.rooms.create("Renovatie De Akker", [spec(**CHOICE)], access="codes")
    first, _second = await room.add_members([NewMember("12A", weight=2), NewMember("12B")])
    console = await open_page(browser, server, f"/f/{room.code}?key={room.facilitator_key}", **SCREEN)
    projector = await open_page(browser, server, f"/p/{room.code}?key={room.projector_key}", **SCREEN)
    phone = await open_page(browser, server, f"/r/{room.code}", **PHONE)

    field = phone.page.get_by_label("Typ de code van uw brief")
    await expect(field).to_be_focused()
    await phone.page.keyboard.type(first.shown.lower().replace("-", " "))
    await phone.page.keyboard.press("Enter")
    await expect(phone.page).to_have_url(re.compile(f"/r/{room.code}$"))
    await expect(phone.page.get_by_role("heading", name="Wacht op de volgende vraag")).to_be_visible()

    await console.page.get_by_role("button", name=re.compile("Hoe was de samenwerking")).click()
    await expect(console.page.locator("#counts")).to_contain_text("0 van de 2 leden heeft geantwoord (0%)")
    await phone.page.get_by_role("button", name="Goed").click()
    await expect(phone.page.get_by_text("Uw antwoord is ontvangen")).to_be_visible()
    said = "1 van de 2 leden heeft geantwoord (50%) · gewogen 2 van 3 (67%)"
    await expect(console.page.locator("#counts")).to_contain_text(said)
    await expect(projector.page.locator(".count")).to_have_text(f"1 antwoord · {said}")
    for watched in (phone, projector, console):
        assert watched.errors == [] and watched.foreign == []


async def test_a_phone_without_a_code_is_sent_to_the_form_when_the_room_starts_asking_for_codes(
    server: Server, browser: Browser
) -> None:
    room = await server.rooms.create("Bewonersavond", [spec(**CHOICE)])
    await room.push(room.questions[0].id)
    (member,) = await room.add_members([NewMember("7")])
    phone = await open_page(browser, server, f"/r/{room.code}", **PHONE)
    await expect(phone.page.get_by_role("heading", name="Hoe was de samenwerking?")).to_be_visible()

    await room.set_access("codes")
    await phone.page.get_by_role("button", name="Goed").click()
    await expect(phone.page.get_by_role("heading", name="Voor deze sessie vult u eerst de code van uw brief in.")
                 ).to_be_focused()  # fmt: skip
    await phone.page.get_by_role("link", name="Mijn code invullen").click()
    await phone.page.get_by_label("Typ de code van uw brief").fill(member.code)
    await phone.page.get_by_role("button", name="Verder").click()
    await phone.page.get_by_role("button", name="Goed").click()
    await expect(phone.page.get_by_text("Uw antwoord is ontvangen")).to_be_visible()
    assert room.questions[0].tally.answers[member.participant].value == [0]
    assert phone.errors == [] and phone.foreign == []


async def test_the_console_makes_codes_for_a_list_and_withdraws_one(
    server: Server, browser: Browser, tmp_path: Path
) -> None:
    room = await server.rooms.create("Klantenpanel Zuid", [spec(**CHOICE)])
    console = await open_page(browser, server, f"/f/{room.code}?key={room.facilitator_key}", **SCREEN)
    status = console.page.locator("#members-status")
    await expect(status).to_have_text("Iedereen met de sessiecode doet mee.")

    listed = tmp_path / "leden.csv"
    listed.write_text("nummer;complex\n12A;De Akker\n12B;De Akker\n12A;Het Hof\n", encoding="utf-8")
    await console.page.get_by_label("Ledenlijst (csv-bestand)").set_input_files(listed)
    await console.page.get_by_role("button", name="Codes maken voor de lijst").click()
    await expect(console.page.locator("#members-error")).to_have_text(
        "Het nummer 12A staat twee keer op de lijst (regel 4)."
    )
    listed.write_text("nummer;complex\n12A;De Akker\n12B;De Akker\n14;Het Hof\n", encoding="utf-8")
    await console.page.get_by_label("Ledenlijst (csv-bestand)").set_input_files(listed)
    await console.page.get_by_role("button", name="Codes maken voor de lijst").click()
    await expect(status).to_have_text("Alleen leden met een code doen mee. 3 codes.")
    await expect(console.page.get_by_label("Alleen leden met een code doen mee")).to_be_checked()

    await console.page.get_by_label("Of maak een aantal codes").fill("2")
    await console.page.keyboard.press("Enter")
    await expect(status).to_have_text("Alleen leden met een code doen mee. 5 codes.")
    console.page.once("dialog", lambda dialog: asyncio.ensure_future(dialog.accept()))
    await console.page.get_by_label(re.compile("Een code intrekken")).fill("12B")
    await console.page.get_by_role("button", name="Intrekken").click()
    await expect(status).to_have_text("Alleen leden met een code doen mee. 4 codes; 1 ingetrokken.")
    assert [m.ref for m in room.members if m.withdrawn] == ["12B"] and room.access == "codes"
    refused = "Failed to load resource: the server responded with a status of 400 (Bad Request)"
    assert console.errors == [refused] and console.foreign == []  # the list with an id twice, and nothing else


async def test_a_kiosk_lets_one_person_after_another_answer_with_large_text(server: Server, browser: Browser) -> None:
    room = await server.rooms.create("Bewonersavond", [spec(**CHOICE)])
    await room.push(room.questions[0].id)
    kiosk = await open_page(browser, server, f"/r/{room.code}?kiosk=1", **PHONE)
    await expect(kiosk.page).to_have_url(re.compile(f"/r/{room.code}$"))
    await expect(kiosk.page.locator("html.large-text.kiosk")).to_have_count(1)
    await expect(kiosk.page.get_by_role("link", name="lab")).to_have_count(0)  # nothing else to wander off to
    for option in ("Goed", "Matig"):
        await kiosk.page.get_by_role("button", name=option).click()
        await expect(kiosk.page.get_by_text("Uw antwoord is ontvangen")).to_be_visible()
        await kiosk.page.get_by_role("button", name="Klaar: volgende persoon").click()
        await expect(kiosk.page.get_by_role("button", name="Goed")).to_be_visible()  # the next person: no answer yet
    assert sorted(a.value[0] for a in room.questions[0].tally.answers.values()) == [0, 1]  # type: ignore[index]

    coded = await server.rooms.create("Ledenraadpleging", [spec(**CHOICE)], access="codes")
    await kiosk.page.goto(f"{server.base}/r/{coded.code}?kiosk=1")
    await expect(kiosk.page.get_by_label("Typ de code van uw brief")).to_be_visible()
    await expect(kiosk.page.get_by_role("button", name="Klaar: volgende persoon")).to_be_visible()
    assert kiosk.errors == [] and kiosk.foreign == []


async def test_a_vote_left_unsent_on_a_shared_phone_is_never_sent_for_the_other_member(
    server: Server, browser: Browser
) -> None:
    room = await server.rooms.create("Renovatie De Akker", [spec(**CHOICE)], access="codes")
    first, second = await room.add_members([NewMember("12A"), NewMember("12B")])
    await room.push(room.questions[0].id)
    phone = await open_page(browser, server, f"/r/{room.code}?member={first.code}", **PHONE)
    await phone.page.get_by_role("button", name="Verder").click()
    await expect(phone.page.get_by_role("button", name="Goed")).to_be_visible()
    await phone.page.context.set_offline(True)
    await phone.page.get_by_role("button", name="Goed").click()  # kept on the phone, to send when back online
    await phone.page.context.set_offline(False)
    await phone.page.goto(f"{server.base}/r/{room.code}?member={second.code}")  # the other letter's QR code
    await phone.page.get_by_role("button", name="Verder").click()
    await expect(phone.page.get_by_role("button", name="Goed")).to_be_visible()
    await expect(phone.page.get_by_text("Uw antwoord is ontvangen")).to_have_count(0)
    assert second.participant not in room.questions[0].tally.answers


async def test_the_console_sets_the_anonymity_gives_a_new_code_and_ends_the_vote(
    server: Server, browser: Browser
) -> None:
    room = await server.rooms.create("Ledenraadpleging", [spec(**CHOICE)], anonymity="named")
    await room.push(room.questions[0].id)
    await room.join("walk-in")
    await room.vote("walk-in", "walk-in-vote-1", room.questions[0].id, 1, [0])  # someone answered without a code
    console = await open_page(browser, server, f"/f/{room.code}?key={room.facilitator_key}", **SCREEN)
    page = console.page
    status = page.locator("#members-status")
    await page.get_by_label("Of maak een aantal codes").fill("3")
    await page.keyboard.press("Enter")
    await expect(status).to_have_text("Iedereen met de sessiecode doet mee.")  # codes made, the switch is asked

    asked: list[str] = []
    answered: set[asyncio.Future[None]] = set()

    def answer(dialog: Dialog, accept: bool) -> None:
        asked.append(dialog.message)
        answered.add(asyncio.ensure_future(dialog.accept() if accept else dialog.dismiss()))

    only = page.get_by_label("Alleen leden met een code doen mee")
    page.once("dialog", lambda dialog: answer(dialog, False))
    await only.click()
    await expect(only).not_to_be_checked()
    assert room.access == "open"
    page.once("dialog", lambda dialog: answer(dialog, True))
    await only.click()
    await expect(status).to_have_text("Alleen leden met een code doen mee. 3 codes.")
    assert asked == ["Er zijn al antwoorden gegeven (1). Die blijven meetellen na het omzetten: kijk of u dat wilt, "
                     "en bevestig dan."] * 2  # fmt: skip

    # more private is always allowed; less private, once anyone answered, is refused and the choice stays
    # (the response to this very change: the console's socket may have drawn the last one's outcome before its
    # response came, so that response can still be on its way)
    for label, mode in (("Met schuilnaam", "pseudonymous"), ("Anoniem", "anonymous")):
        async with page.expect_response(
            lambda r, mode=mode: r.url.endswith("/access") and mode in (r.request.post_data or "")
        ) as changed:
            await page.get_by_label(label, exact=True).check()
        assert (await changed.value).status == 200 and room.anonymity == mode
    await page.get_by_label("Op naam").click()
    await expect(page.locator("#members-error")).to_have_text(
        "Er zijn al antwoorden gegeven onder een belofte van meer privacy; de sessie kan nu alleen nog anoniemer "
        "worden."
    )
    await expect(page.get_by_label("Anoniem", exact=True)).to_be_checked()
    assert room.anonymity == "anonymous"

    # a lost letter
    old = room.members[0]
    page.once("dialog", lambda dialog: answer(dialog, True))
    await page.get_by_label(re.compile("Een nieuwe code voor een kwijtgeraakte brief")).fill("1")
    async with page.expect_response(re.compile("/members/reissue$")):
        await page.get_by_role("button", name="Nieuwe code geven").click()
    new = room.members[0]
    assert new.code != old.code
    await expect(page.locator("#members-reissued")).to_have_text(
        f"1 heeft een nieuwe code: {new.shown}. Brief met de nieuwe code (pdf)"
    )
    href = await page.get_by_role("link", name="Brief met de nieuwe code (pdf)").get_attribute("href")
    assert href == f"/f/{room.code}/members/letters?id=1"

    # ending the vote erases the link; the controls say so and can no longer change it
    page.once("dialog", lambda dialog: answer(dialog, True))
    await page.get_by_role("button", name="Stemming afsluiten en koppeling wissen").click()
    await expect(status).to_have_text(
        "De stemming is afgesloten; de koppeling tussen de codes en de antwoorden is gewist."
    )
    await expect(page.get_by_role("button", name="Stemming afsluiten en koppeling wissen")).to_be_hidden()
    await expect(only).to_be_disabled()
    await expect(page.get_by_label("Op naam")).to_be_disabled()
    assert room.sealed is not None and asked[-1].startswith("De stemming nu afsluiten?")
    assert console.foreign == []
