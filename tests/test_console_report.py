"""The console's report section: the details for the title page, the report's downloads (with another session to
compare), each chart's links, and the theme editor for open answers; served, used in a browser, and checked for
accessibility like the rest of the console (axe-core, keyboard, text at 200 % without sideways scrolling)."""

from __future__ import annotations

from collections.abc import Callable
from html.parser import HTMLParser
from typing import Any

from a11y import NEEDS_AXE, axe, describe, reflow, text_size
from conftest import CHOICE, OPEN, SCALE, TIMEOUT, Client, Server, facilitator, in_browser, open_page, spec
from playwright.async_api import Browser, Page, expect

from lab.details import Details
from lab.i18n import translate
from lab.records import card_id
from lab.rooms import Room

SLIDE = {"type": "slide", "prompt": "Welkom bij het Participatielab"}
ANSWERS = {  # grouped automatically as "onderhoud" (p3, p4, p5) and "huur" (p1, p2): see tests/test_report.py
    "p1": "De huren zijn veel te hoog",
    "p2": "Huurverhoging beperken voor lage inkomens",
    "p3": "Meer onderhoud aan de galerijen",
    "p4": "Schimmel in de badkamer sneller aanpakken",
    "p5": "Reparaties duren te lang, onderhoud is slecht",
}
GROUPING = 30_000  # ms: grouping answers by theme took over 10 s with four test processes at once


class _Report(HTMLParser):
    """The console's report section: its fields' values by id, and its links as (href, text) in page order."""

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0  # inside <section id="report">: how deep
        self.values: dict[str, str] = {}
        self.links: list[tuple[str, str]] = []
        self._href: str | None = None
        self._text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if self.depth:
            self.depth += tag not in ("input", "br", "img")
        elif tag == "section" and found.get("id") == "report":
            self.depth = 1
        if not self.depth:
            return
        if tag == "input" and found.get("id"):
            self.values[str(found["id"])] = found.get("value") or ""
        if tag == "a":
            self._href, self._text = found.get("href"), ""

    def handle_data(self, data: str) -> None:
        if self._href is not None:
            self._text += data

    def handle_endtag(self, tag: str) -> None:
        if not self.depth:
            return
        if tag == "a" and self._href is not None:
            self.links.append((self._href, " ".join(self._text.split())))
            self._href = None
        self.depth -= 1


def report_section(html: str) -> _Report:
    parser = _Report()
    parser.feed(html)
    assert parser.depth == 0 and parser.values, "no report section"
    return parser


async def answered_room(server: Server, questions: list[dict[str, Any]]) -> Room:
    """A room with these questions, the open one (the last) answered by five participants."""
    room: Room = await server.rooms.create("Participatielab 2026", [spec(**q) for q in questions])
    text = room.questions[-1]
    await room.push(text.id)
    for person, answer in ANSWERS.items():
        await room.join(person)
        await room.vote(person, f"o-{person}", text.id, 1, answer)
    return room


async def test_the_console_links_the_report_its_charts_and_shows_the_details(
    server: Server, clients: Callable[[], Client]
) -> None:
    """The report section holds the details as saved, the report in three formats, and one PNG and one SVG link
    per chart, named as the report names them: the N-th answerable question (a slide is not counted), its current
    round; an open question has quotes, not a chart."""
    room = await answered_room(server, [CHOICE, SLIDE, SCALE, OPEN])
    choice, _slide, scale, _text = room.questions
    await room.new_round(choice.id)  # the choice is in its second round now
    await room.set_details(Details(place="Buurthuis De Schakel", facilitator="Fatima de Vries", date="2026-11-19"))
    console, _ = await facilitator(clients, room)
    page = await console.get(f"/f/{room.code}")
    assert page.status_code == 200
    found = report_section(page.text)
    assert found.values == {
        "details-place": "Buurthuis De Schakel",
        "details-facilitator": "Fatima de Vries",
        "details-date": "2026-11-19",
        "details-timezone": "Europe/Amsterdam",
        "report-compare": "",
    }
    f = f"/f/{room.code}"
    assert found.links == [
        (f"{f}/report.pdf", "Verslag als PDF"),
        (f"{f}/report.docx", "als Word"),
        (f"{f}/report.html", "als webpagina (HTML)"),
        (f"{f}/charts/1-2.png", "PNG"),
        (f"{f}/charts/1-2.svg", "SVG"),
        (f"{f}/charts/2-1.png", "PNG"),
        (f"{f}/charts/2-1.svg", "SVG"),
    ]
    assert scale.round == 1  # (the links' files themselves: tests/test_report.py)


async def test_a_room_without_details_shows_the_defaults(server: Server, clients: Callable[[], Client]) -> None:
    """A new room's form is empty but for the time zone, and with no chartable question the list says so."""
    room = await answered_room(server, [OPEN])
    console, _ = await facilitator(clients, room)
    found = report_section((await console.get(f"/f/{room.code}")).text)
    assert found.values["details-place"] == found.values["details-date"] == ""
    assert found.values["details-timezone"] == "Europe/Amsterdam"
    assert [href for href, _text in found.links if "/charts/" in href] == []


def tr(lang: str, message: str, **params: object) -> str:
    return translate(lang, message, params)


async def announced(page: Page, text: str) -> None:
    """The console's live region says `text`."""
    await expect(page.locator("#announce")).to_have_text(text, timeout=TIMEOUT * 1000)


@in_browser
async def test_the_facilitator_saves_the_details_and_corrects_the_themes_in_the_console(
    server: Server, browser: Browser
) -> None:
    """Details typed into the form reach the room; in the theme editor a theme is renamed and an answer moved to a
    new theme, and the room keeps exactly that grouping; a refusal is shown beside the form; Escape closes the editor
    and focus goes back to the button that opened it."""
    room = await answered_room(server, [CHOICE, OPEN])
    text = room.questions[-1]
    watched = await open_page(browser, server, f"/f/{room.code}?key={room.facilitator_key}", lang="nl")
    page = watched.page
    await expect(page.locator("#current .prompt")).to_have_text(text.prompt)

    await page.get_by_label("Plaats", exact=True).fill("Buurthuis De Schakel")
    await page.get_by_label("Begeleider", exact=True).fill("Fatima de Vries")
    await page.get_by_label("Datum", exact=True).fill("2026-11-19")
    await page.get_by_label("Tijdzone", exact=True).fill("Europe/Amsterdam")
    await page.get_by_role("button", name="Gegevens bewaren").click()
    await announced(page, "De gegevens voor het verslag zijn opgeslagen.")
    assert room.details == Details("Buurthuis De Schakel", "Fatima de Vries", "2026-11-19", "Europe/Amsterdam")
    # a time zone the server does not know is refused, and said beside the form; nothing changes
    await page.get_by_label("Tijdzone", exact=True).fill("Europa/Utrecht")
    await page.get_by_role("button", name="Gegevens bewaren").click()
    error = page.locator("#details-error")
    await expect(error).to_be_visible()
    await expect(error).to_contain_text("Europe/Amsterdam")
    assert room.details.timezone == "Europe/Amsterdam"

    opener = page.get_by_role("button", name="Thema's bewerken: 2. Wat moet beter?")
    await opener.click()
    dialog = page.get_by_role("dialog", name="Thema's bewerken")
    await expect(dialog).to_be_visible()
    await expect(dialog.get_by_label("Naam van thema 1")).to_have_value("onderhoud", timeout=GROUPING)
    await expect(dialog.get_by_label("Naam van thema 2")).to_have_value("huur")
    await dialog.get_by_label("Naam van thema 2").fill("Betaalbaarheid")
    answer = dialog.locator("li.theme-answer", has_text=ANSWERS["p2"])
    await answer.get_by_label("Verplaats naar").select_option(label="Nieuw thema")
    await answer.get_by_role("button", name="Verplaatsen").click()
    new = dialog.get_by_label("Naam van thema 3")
    await expect(new).to_be_focused()  # the new theme's name, to be named at once
    await expect(new).to_have_value("Nieuw thema 1")
    await new.fill("Inkomen")
    await dialog.get_by_role("button", name="Thema's opslaan").click()
    await announced(page, "De thema's zijn opgeslagen.")
    card = {person: card_id(text.id, person) for person in ANSWERS}
    assert room.themes == {
        (text.id, 1): [
            {"name": "onderhoud", "items": [card["p3"], card["p4"], card["p5"]]},
            {"name": "Betaalbaarheid", "items": [card["p1"]]},
            {"name": "Inkomen", "items": [card["p2"]]},
        ]
    }
    # reloaded from the server: as saved, and said to be corrected
    await expect(dialog.get_by_label("Naam van thema 3")).to_have_value("Inkomen", timeout=GROUPING)
    await expect(dialog.locator("#themes-state")).to_have_text(
        "U hebt deze thema's aangepast. Het verslag neemt ze over zoals ze hier staan."
    )
    # live updates leave the editor alone: a new answer and a typed name that is not saved yet
    await dialog.get_by_label("Naam van thema 1").fill("Onderhoud en reparaties")
    await room.join("p6")
    await room.vote("p6", "o-p6", text.id, 1, "Meer groen rond de flat")
    await expect(page.locator("#counts")).to_contain_text("6 antwoorden")
    await expect(dialog.get_by_label("Naam van thema 1")).to_have_value("Onderhoud en reparaties")
    await page.keyboard.press("Escape")
    await expect(dialog).to_be_hidden()
    await expect(opener).to_be_focused()
    assert watched.errors == [] and watched.foreign == []


_SIZES = """() => [...document.querySelectorAll('#report *, #themes *')]
  .filter((e) => e.getClientRects().length && [...e.childNodes].some((n) => n.nodeType === 3 && n.data.trim()))
  .map((e) => [e.id || e.tagName.toLowerCase(), parseFloat(getComputedStyle(e).fontSize)])"""


async def not_grown(page: Page) -> list[str]:
    """The report section's and the theme editor's texts that do not double with the root font size (text_size
    checks the whole page; the console's head keeps a fixed-size join line for the room to read)."""
    before: list[list[Any]] = await page.evaluate(_SIZES)
    await text_size(page, 200)
    after: list[list[Any]] = await page.evaluate(_SIZES)
    return [f"{name}: {old}px -> {new}px" for (name, old), (_n, new) in zip(before, after, strict=True)
            if abs(new - 2 * old) > 0.1 * old]  # fmt: skip


@in_browser
@NEEDS_AXE
async def test_the_report_section_and_the_theme_editor_are_accessible(server: Server, browser: Browser) -> None:
    """axe finds nothing in the console with its report section (charts list open) nor in the open theme editor,
    in Dutch and English; with text at 200 % all text grows and nothing scrolls sideways."""
    room = await answered_room(server, [CHOICE, SCALE, OPEN])
    problems: list[str] = []
    for lang, locale in (("nl", "nl"), ("en", "en-GB")):
        watched = await open_page(
            browser, server, f"/f/{room.code}?key={room.facilitator_key}", lang=locale, viewport={"width": 1280,
                                                                                               "height": 720}
        )  # fmt: skip
        page = watched.page

        async def check(state: str, page: Page = page, lang: str = lang) -> None:
            violations = await axe(page)
            if violations:
                problems.append(f"{lang} {state}: " + "\n".join(describe(violations)))
            grown = await not_grown(page)
            found = await reflow(page)
            await text_size(page, 100)
            if grown:
                problems.append(f"{lang} {state}: text not enlarged: {'; '.join(grown)}")
            if found["scroll_width"] > found["client_width"]:
                wide = ", ".join(f"{w['element']} {w['text']!r} to {w['right']}" for w in found["wide"])
                problems.append(f"{lang} {state}: {found['scroll_width']} px wide; sticking out: {wide}")

        summary = page.locator("#report summary")
        await summary.focus()
        await page.keyboard.press("Enter")  # the charts list opens from the keyboard
        await expect(page.locator("#chart-list a").first).to_be_visible()
        await check("report section")
        opener = page.get_by_role("button", name=tr(lang, "Edit themes: %(prompt)s", prompt="3. Wat moet beter?"))
        await opener.focus()
        await page.keyboard.press("Enter")
        dialog = page.get_by_role("dialog", name=tr(lang, "Edit themes"))
        await expect(dialog.get_by_label(tr(lang, "Name of theme %(n)s", n=2))).to_have_value("huur", timeout=GROUPING)
        await expect(page.locator("#themes-title")).to_be_focused()
        await check("theme editor")
        await page.keyboard.press("Escape")
        await expect(opener).to_be_focused()
        assert watched.errors == [], watched.errors
        await page.context.close()
    assert not problems, "\n".join(problems)
