"""Votes that hold up, in a real browser: two tellers enter paper ballots in their consoles and settle a difference;
a facilitator gives a question a decision rule in the editor and counts a show of hands; the projector shows the
split per channel and whether the vote was carried."""

from __future__ import annotations

import re

from conftest import BROWSER, SCALE, SCREEN, Server, open_page, spec
from playwright.async_api import Browser, Page, expect

from lab.members import NewMember
from lab.rooms import Room

pytestmark = BROWSER

VOTE = {"type": "choice", "prompt": "Gaat u akkoord met de renovatie?", "options": ["Ja", "Nee", "Blanco"],
        "rule": "eligible", "rule_for": 1, "rule_blank": 3}  # fmt: skip


async def enter(page: Page, code: str, choice: str, ratings: list[str], teller: int = 1) -> None:
    """Type a ballot in as the paper shows it, by keyboard where a teller would."""
    if await page.locator("#ballot-entry").get_attribute("open") is None:
        await page.get_by_text("Stembiljetten invoeren").click()
    form = page.locator("#ballot-form")
    await form.get_by_label(f"teller {teller}").check()
    await form.get_by_label("Ledencode op het stembiljet").fill(code)
    await form.get_by_role("group", name=re.compile("Vraag 1")).get_by_label(choice, exact=True).check()
    for statement, rating in zip(SCALE["statements"], ratings, strict=True):
        await form.get_by_label(statement, exact=True).select_option(rating)
    await form.get_by_label("Ledencode op het stembiljet").focus()
    await page.keyboard.press("Enter")


async def test_two_tellers_enter_a_ballot_settle_a_difference_and_the_projector_counts_it(
    server: Server, browser: Browser
) -> None:
    room: Room = await server.rooms.create("Renovatie De Akker", [spec(**VOTE), spec(**SCALE)], access="codes")
    member, *_ = await room.add_members([NewMember("12A"), NewMember("12B"), NewMember("14")])
    vote = room.questions[0]
    await room.push(vote.id)
    await room.act("show_results", {"question": vote.id, "target": "projector", "show": True})
    url = f"/f/{room.code}?key={room.facilitator_key}"
    first, second = await open_page(browser, server, url, **SCREEN), await open_page(browser, server, url, **SCREEN)
    projector = await open_page(browser, server, f"/p/{room.code}?key={room.projector_key}", **SCREEN)
    await expect(first.page.locator("#ballots-summary")).to_have_text("Nog geen stembiljetten ingevoerd.")

    await enter(first.page, member.shown.lower(), "Ja", ["4", "2"])
    said = f"Stembiljet {member.shown} is opgeslagen. Het telt zodra de andere teller hetzelfde heeft ingevoerd."
    await expect(first.page.get_by_role("status").filter(has_text="is opgeslagen")).to_have_text(said)
    await expect(second.page.locator("#ballots-summary")).to_have_text(
        "Stembiljetten ingevoerd: 1 · geteld: 0 · met een verschil: 0"
    )
    await expect(first.page.locator("#ballot-code")).to_be_focused()  # ready for the next ballot
    await expect(first.page.locator("#ballot-code")).to_have_value("")

    await enter(second.page, member.shown, "Nee", ["4", "2"], teller=2)
    for page in (first.page, second.page):  # both consoles see the difference: the other is told by the server
        listed = page.get_by_role("list", name="Stembiljetten om na te kijken").get_by_role("listitem").first
        await expect(listed).to_contain_text(f"{member.shown} de tellers verschillen:")
        await expect(listed.get_by_role("listitem")).to_have_text(
            "Vraag 1: teller 1 voerde in “Ja”, teller 2 voerde in “Nee”"
        )
    assert vote.tally.answers == {}

    await second.page.get_by_label("Ledencode op het stembiljet").fill(member.shown)  # the form stays open
    await second.page.get_by_role("button", name="Toon wat ik voor dit stembiljet invoerde").click()
    question = second.page.locator("#ballot-form").get_by_role("group", name=re.compile("Vraag 1"))
    await expect(question.get_by_label("Nee", exact=True)).to_be_checked()
    await expect(second.page.get_by_label("Samenwerking", exact=True)).to_have_value("4")
    await question.get_by_label("Ja", exact=True).check()
    await second.page.get_by_role("button", name="Stembiljet invoeren").click()
    await expect(second.page.locator("#ballot-saved")).to_have_text(
        f"Stembiljet {member.shown} is geteld: beide tellers voerden hetzelfde in."
    )
    await expect(first.page.locator("#ballots-list")).to_have_text(
        "Niets na te kijken: elk stembiljet dat beide tellers invoerden, is geteld."
    )
    assert vote.tally.answers[member.participant].channel == "paper"

    stage = projector.page
    await expect(stage.locator(".verdict")).to_have_text(
        "Niet aangenomen 1 van alle 3 stemgerechtigden zijn voor ‘Ja’ (33%). Wie niet stemde, telt als niet akkoord. "
        "Nodig: minstens 70%."
    )
    table = stage.get_by_role("table", name="Per manier van stemmen")
    await expect(table.get_by_role("columnheader")).to_have_text(["Antwoord", "Papier"])
    await expect(table.get_by_role("rowheader")).to_have_text(["Ja", "Nee", "Blanco"])
    await expect(table.get_by_role("cell")).to_have_text(["1", "0", "0"])
    for watched in (first, second, projector):
        assert watched.errors == [] and watched.foreign == []


async def test_a_rule_set_in_the_editor_and_a_show_of_hands_decide_a_vote_on_the_projector(
    server: Server, browser: Browser
) -> None:
    room: Room = await server.rooms.create("Ledenvergadering", [])
    console = await open_page(browser, server, f"/f/{room.code}?key={room.facilitator_key}", **SCREEN)
    projector = await open_page(browser, server, f"/p/{room.code}?key={room.projector_key}", **SCREEN)
    page = console.page
    await page.get_by_role("button", name="Vraag toevoegen").click()
    await page.get_by_label("Soort").select_option("choice")
    await page.get_by_label("Vraag", exact=True).fill("Stemt u in met het jaarplan?")
    await page.get_by_label("Antwoorden, één per regel").fill("Voor\nTegen\nOnthouding")
    await page.get_by_label("De stemming is aangenomen bij").select_option("two_thirds")
    await page.get_by_label("Nummer van het antwoord voor blanco").fill("3")
    await page.get_by_role("button", name="Opslaan", exact=True).click()
    await expect(page.locator("#editor")).to_be_hidden()
    question = room.questions[0]
    assert {k: question.settings[k] for k in ("rule", "rule_for", "rule_blank", "quorum")} == {
        "rule": "two_thirds", "rule_for": 1, "rule_blank": 3, "quorum": 0,
    }  # fmt: skip

    await room.push(question.id)
    await room.act("show_results", {"question": question.id, "target": "projector", "show": True})
    await page.get_by_text("Handopsteking tellen").click()
    for option, hands in (("Voor", "20"), ("Tegen", "10"), ("Onthouding", "4")):
        await page.locator(".hands-form").get_by_label(option, exact=True).fill(hands)
    await page.get_by_role("button", name="Deze telling gebruiken").click()
    await expect(projector.page.locator(".verdict")).to_have_text(
        "Aangenomen 20 van de 30 uitgebrachte stemmen zijn voor ‘Voor’ (67%). Nodig: minstens twee derde."
    )
    await expect(projector.page.locator(".count")).to_have_text("34 antwoorden")

    await page.locator(".hands-form").get_by_label("Tegen", exact=True).fill("11")
    await page.get_by_role("button", name="Deze telling gebruiken").click()
    await expect(projector.page.locator(".verdict strong")).to_have_text("Niet aangenomen")  # 20 of 31: under 2/3
    assert question.tally.hands == [20, 11, 4]
    for watched in (console, projector):
        assert watched.errors == [] and watched.foreign == []
