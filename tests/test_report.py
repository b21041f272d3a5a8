"""The report (verslag): the files it writes, read back with their own readers (python-docx, pypdf), against a
room whose answers the test made; the command, the console's downloads, the room's details, and the themes."""

from __future__ import annotations

import asyncio
import io
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import docx
import pytest
from conftest import CHOICE, OPEN, SCALE, WORDS, Client, Server, facilitator, spec
from db import Target, make_store, rows
from pypdf import PdfReader

from lab import report
from lab.cli import main
from lab.decks import DeckError, parse_deck
from lab.details import Details
from lab.hub import Hub
from lab.records import card_id
from lab.rooms import Room, Rooms
from lab.settings import shown

OPEN_ANSWERS = {
    "p1": "De huren zijn veel te hoog",
    "p2": "Huurverhoging beperken voor lage inkomens",
    "p3": "Meer onderhoud aan de galerijen",
    "p4": "Schimmel in de badkamer sneller aanpakken",
    "p5": "Reparaties duren te lang, onderhoud is slecht",
    "p6": "Lagere huur voor ouderen",
}


async def make_room(rooms: Rooms) -> Room:
    """Four participants (and two more for the open question) answer a choice asked twice, a scale with skips, a
    word cloud and an open question of which the moderator hid one answer."""
    room = await rooms.create("Participatielab 2026", [spec(**CHOICE), spec(**SCALE), spec(**WORDS), spec(**OPEN)])
    await room.set_details(Details(place="Buurthuis De Schakel", facilitator="Fatima de Vries", date="2026-11-19"))
    choice, scale, words, text = room.questions
    people = ["p1", "p2", "p3", "p4", "p5", "p6"]
    for person in people:
        await room.join(person)
    await room.push(choice.id)
    for person, option in zip(people[:4], [0, 0, 1, 2], strict=True):
        await room.vote(person, f"c1-{person}", choice.id, 1, [option])
    await room.new_round(choice.id)
    for person, option in zip(people[:4], [0, 0, 0, 1], strict=True):
        await room.vote(person, f"c2-{person}", choice.id, 2, [option])
    await room.push(scale.id)
    for person, ratings in zip(people[:4], [[5, 4], [3, None], [4, 2], [None, None]], strict=True):
        await room.vote(person, f"s-{person}", scale.id, 1, ratings)
    await room.push(words.id)
    for person, given in zip(people[:3], [["overleg", "traag"], ["overleg"], ["open"]], strict=True):
        await room.vote(person, f"w-{person}", words.id, 1, given)
    await room.push(text.id)
    for person, answer in OPEN_ANSWERS.items():
        await room.vote(person, f"o-{person}", text.id, 1, answer)
    await room.vote("p6", "o-p6-late", text.id, 1, "Dit is rotzooi")  # changed, then hidden by the moderator
    await room.moderate(text.id, card_id(text.id, "p6"), "hidden")
    return room


async def last_year(rooms: Rooms) -> Room:
    room = await rooms.create("Participatielab 2025", [spec(**SCALE)])
    await room.set_details(Details(date="2025-11-20"))
    (scale,) = room.questions
    await room.push(scale.id)
    for person, ratings in [("q1", [2, 3]), ("q2", [3, 3]), ("q3", [4, None])]:
        await room.join(person)
        await room.vote(person, f"s-{person}", scale.id, 1, ratings)
    return room


def docx_text(body: bytes) -> str:
    document = docx.Document(io.BytesIO(body))
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        lines += [" | ".join(cell.text for cell in row.cells) for row in table.rows]
    return "\n".join(lines)


def pdf_text(body: bytes) -> str:
    return " ".join(" ".join((page.extract_text() or "").split()) for page in PdfReader(io.BytesIO(body)).pages)


def flat(text: str) -> str:
    return " ".join(text.split())


async def test_the_word_report_has_every_question_its_n_averages_skips_quotes_themes_and_comparisons(
    server: Server,
) -> None:
    room = await make_room(server.rooms)
    other = await last_year(server.rooms)

    body = await report.build(server.app.state.store, room, "docx", other)
    text = docx_text(body)
    document = docx.Document(io.BytesIO(body))
    assert document.core_properties.title == "Participatielab 2026"
    # the title page
    assert "Datum | 19 november 2026" in text
    assert "Plaats | Buurthuis De Schakel" in text
    assert "Begeleider | Fatima de Vries" in text
    assert "Deelnemers | 6" in text
    assert "Deelnemers die minstens één vraag beantwoordden | 6" in text
    assert "Vergeleken: Participatielab 2025" in text
    # every question with its n, in order
    headings = [p.text for p in document.paragraphs if p.style is not None and p.style.name == "Heading 1"]
    assert headings == [
        "Hoe de antwoorden verzameld zijn", "1. Hoe was de samenwerking?", "2. Beoordeel de prestatieafspraken",
        "3. Welk woord past erbij?", "4. Wat moet beter?", "Bijlage: alle antwoorden",
    ]  # fmt: skip
    ns = [p.text for p in document.paragraphs if p.text.startswith("n = ")]
    assert ns == ["n = 4 deelnemers", "n = 4 deelnemers", "n = 4 deelnemers", "n = 3 deelnemers",
                  "n = 5 deelnemers"]  # fmt: skip
    # a scale: the average to one decimal of those who gave a score; "weet niet" apart
    assert "Stelling | Gemiddelde | Beantwoord | Overgeslagen | 1 | 2 | 3 | 4 | 5" in text
    assert "Samenwerking | 4,0 | 3 | 1 | 0 | 0 | 1 | 1 | 1" in text
    assert "Inbreng van huurders | 3,0 | 2 | 2 | 0 | 1 | 0 | 1 | 0" in text
    # both rounds of the choice, side by side with the change in share
    assert "Vergeleken: Deel van wie antwoordde (%)" in text
    assert " | Ronde 1 | Ronde 2 | Verschil" in text
    assert "Goed | 50,0 | 75,0 | +25,0" in text
    assert "Slecht | 25,0 | 0,0 | -25,0" in text
    # last year's same statements beside this year's
    assert " | 20 nov 2025 | 19 nov 2026 | Verschil" in text
    assert "Samenwerking | 3,0 | 4,0 | +1,0" in text
    assert "Inbreng van huurders | 3,0 | 3,0 | 0,0" in text
    # open answers quoted and grouped; the hidden one left out and counted
    for person, answer in OPEN_ANSWERS.items():
        assert (f"\u201c{answer}\u201d" in text) is (person != "p6")  # p6 changed their answer
    assert "rotzooi" not in text
    assert "1 antwoord weggelaten door de begeleider" in text
    themes = [p.text for p in document.paragraphs if p.style is not None and p.style.name == "Heading 3"]
    assert themes == ["onderhoud (3)", "huur (2)"]  # the largest first
    # the methods say what n and "weet niet" are
    assert "Bij stellingen konden deelnemers “weet niet / sla over” kiezen." in text
    assert "6 deelnemers deden mee, en 6 van hen beantwoordden minstens één vraag." in text
    # the appendix: every closed answer, merged with its count
    assert "overleg; traag | 1 | getoond" in text


async def test_the_pdf_says_what_the_word_file_says(server: Server) -> None:
    room = await make_room(server.rooms)
    other = await last_year(server.rooms)

    text = pdf_text(await report.build(server.app.state.store, room, "pdf", other))
    assert text.startswith("VERSLAG Participatielab 2026 Datum 19 november 2026 Plaats Buurthuis De Schakel")
    for needed in (
        "1. Hoe was de samenwerking?", "2. Beoordeel de prestatieafspraken", "3. Welk woord past erbij?",
        "4. Wat moet beter?", "n = 4 deelnemers", "n = 3 deelnemers", "n = 5 deelnemers",
        "Samenwerking 4,0 3 1 0 0 1 1 1", "Inbreng van huurders 3,0 2 2 0 1 0 1 0",
        "Goed 50,0 75,0 +25,0", "Samenwerking 3,0 4,0 +1,0", "huur (2)", "onderhoud (3)",
        "“De huren zijn veel te hoog”", "1 antwoord weggelaten door de begeleider", "Bijlage: alle antwoorden",
        "gemiddeld 4,0 n = 3, weet niet: 1",  # in the scale's chart: vector text
    ):  # fmt: skip
        assert needed in text, needed
    assert "rotzooi" not in text
    assert re.search(r"Pagina 2 / \d+", text)


async def test_the_report_is_in_the_rooms_language(server: Server) -> None:
    room = await make_room(server.rooms)
    await room.act("language", {"lang": "en"})

    text = docx_text(await report.build(server.app.state.store, room, "docx"))
    assert "Date | November 19, 2026" in text
    assert "Statement | Average | Answered | Skipped | 1 | 2 | 3 | 4 | 5" in text
    assert "Samenwerking | 4.0 | 3 | 1 | 0 | 0 | 1 | 1 | 1" in text
    assert "n = 4 respondents" in text


def test_lab_report_writes_each_format_and_compares_with_another_room(
    tmp_path: Path, store_target: Target, capsys: pytest.CaptureFixture[str]
) -> None:
    db = store_target

    async def fill() -> tuple[str, str]:
        store = make_store(db)
        await store.open()
        rooms = Rooms(store, Hub())
        codes = (await make_room(rooms)).code, (await last_year(rooms)).code
        await store.close()
        return codes

    code, earlier = asyncio.run(fill())
    out = tmp_path / "verslag.docx"
    assert main(["report", code, "--db", str(db), "--format", "docx", "-o", str(out), "--compare", earlier]) == 0
    assert capsys.readouterr().out == f"{out}: 4 questions\n"
    assert "Samenwerking | 3,0 | 4,0 | +1,0" in docx_text(out.read_bytes())
    html = tmp_path / "verslag.html"
    assert main(["report", code, "--db", str(db), "--format", "html", "-o", str(html)]) == 0
    page = html.read_text(encoding="utf-8")
    assert page.startswith("<!doctype html>") and '<html lang="nl">' in page
    assert page.count('<img class="chart" src="data:image/svg+xml;base64,') == 4  # both rounds, scale, cloud
    capsys.readouterr()
    assert main(["report", "999999", "--db", str(db)]) == 1
    assert capsys.readouterr().err == f"lab: no room with code 999999 in {shown(db)}\n"
    assert main(["report", code, "--db", str(db), "--compare", "999998"]) == 1
    assert capsys.readouterr().err == f"lab: no room with code 999998 in {shown(db)}\n"


async def test_the_console_downloads_the_report_and_each_chart(server: Server, clients: Callable[[], Client]) -> None:
    room = await make_room(server.rooms)
    other = await last_year(server.rooms)
    console, _ = await facilitator(clients, room)
    response = await slow(console, f"/f/{room.code}/report.docx")
    assert response.status_code == 200
    assert response.headers["content-type"] == render_types()["docx"]
    assert response.headers["content-disposition"] == (
        f'attachment; filename="verslag-participatielab-2026-{room.code}.docx"'
    )
    assert "Samenwerking | 4,0 | 3 | 1 | 0 | 0 | 1 | 1 | 1" in docx_text(response.content)
    pdf = await slow(console, f"/f/{room.code}/report.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    # another room may be compared only by a browser that runs it too: a join code alone shows nothing
    refused = await slow(console, f"/f/{room.code}/report.docx?compare={other.code}")
    assert refused.status_code == 404
    await console.get(f"/f/{other.code}?key={other.facilitator_key}")
    compared = await slow(console, f"/f/{room.code}/report.docx?compare={other.code}")
    assert "Samenwerking | 3,0 | 4,0 | +1,0" in docx_text(compared.content)
    assert (await slow(console, f"/f/{room.code}/report.odt")).status_code == 404
    # charts one by one: 2-1 is question 2 (the scale), round 1
    svg = await console.get(f"/f/{room.code}/charts/2-1.svg")
    assert svg.status_code == 200 and svg.headers["content-type"] == "image/svg+xml"
    assert b"<svg" in svg.content and b"Samenwerking" in svg.content
    png = await console.get(f"/f/{room.code}/charts/1-2.png")
    assert png.status_code == 200 and png.content.startswith(b"\x89PNG\r\n\x1a\n")
    assert png.headers["content-disposition"] == (
        f'attachment; filename="verslag-participatielab-2026-{room.code}-1-2.png"'
    )
    for missing in ("4-1.svg", "9-1.svg", "2-1.gif", "x.png"):  # the open question has quotes, not a chart
        assert (await console.get(f"/f/{room.code}/charts/{missing}")).status_code == 404, missing
    # a participant gets none of it
    stranger = clients()
    assert (await stranger.get(f"/f/{room.code}/report.pdf")).status_code == 403
    assert (await stranger.get(f"/f/{room.code}/charts/2-1.svg")).status_code == 403


async def slow(client: Client, path: str) -> Any:
    """A report download: making one takes seconds (more on a busy machine), so it may take up to a minute."""
    return await client.http.get(path, timeout=60)


def render_types() -> dict[str, str]:
    from lab.pages import REPORT_TYPES

    return REPORT_TYPES


def stored_themes(server: Server) -> list[Any]:
    return rows(server.settings, "SELECT question_id, round, groups FROM themes")


async def test_the_facilitator_corrects_the_themes_and_the_report_keeps_them(
    server: Server, clients: Callable[[], Client]
) -> None:
    room = await make_room(server.rooms)
    text = room.questions[3]
    console, _ = await facilitator(clients, room)
    found = (await console.get(f"/f/{room.code}/themes/{text.id}/1")).json()
    assert found["corrected"] is False

    def items(*people: str) -> list[dict[str, str]]:
        return [{"card": card_id(text.id, p), "text": OPEN_ANSWERS[p]} for p in people]

    assert found["themes"] == [{"name": "onderhoud", "items": items("p3", "p4", "p5")},
                               {"name": "huur", "items": items("p1", "p2")}]  # fmt: skip
    card = {answer: card_id(text.id, person) for person, answer in OPEN_ANSWERS.items()}
    # rename "huur", and move the answer about low incomes to a theme of its own
    groups = [
        {"name": "Betaalbaarheid", "items": [card[OPEN_ANSWERS["p1"]]]},
        {"name": "Inkomen", "items": [card[OPEN_ANSWERS["p2"]]]},
    ]
    await console.send({"type": "themes", "question": text.id, "round": 1, "groups": groups})
    done = await console.expect("themes")
    assert done == {"type": "themes", "question": text.id, "round": 1, "corrected": True}
    assert len(stored_themes(server)) == 1
    found = (await console.get(f"/f/{room.code}/themes/{text.id}/1")).json()
    assert found["corrected"] is True
    assert [(t["name"], len(t["items"])) for t in found["themes"]] == [("onderhoud", 3), ("Betaalbaarheid", 1),
                                                                        ("Inkomen", 1)]  # fmt: skip

    body = docx.Document(io.BytesIO(await report.build(server.app.state.store, room, "docx")))
    themes = [p.text for p in body.paragraphs if p.style is not None and p.style.name == "Heading 3"]
    assert themes == ["onderhoud (3)", "Betaalbaarheid (1)", "Inkomen (1)"]
    # kept across a restart
    await server.stop()
    await server.start()
    reloaded = await server.rooms.get(room.code)
    assert reloaded.themes == {(text.id, 1): groups}
    # bad corrections change nothing: an answer twice, an unknown answer, no name
    console, _ = await facilitator(clients, reloaded)
    for bad in (
        [{"name": "A", "items": [card[OPEN_ANSWERS["p1"]]]}, {"name": "B", "items": [card[OPEN_ANSWERS["p1"]]]}],
        [{"name": "A", "items": ["0123456789ab"]}],
        [{"name": " ", "items": []}],
        "huur",
    ):
        await console.send({"type": "themes", "question": text.id, "round": 1, "groups": bad})
        error = await console.expect("error")
        assert error["error"] == "bad_message", error
    assert reloaded.themes == {(text.id, 1): groups}
    # null: automatic again
    await console.send({"type": "themes", "question": text.id, "round": 1, "groups": None})
    assert await console.expect("themes") == {"type": "themes", "question": text.id, "round": 1, "corrected": False}
    assert stored_themes(server) == []


async def test_the_room_details_come_from_the_deck_or_the_console(
    server: Server, clients: Callable[[], Client]
) -> None:
    deck = parse_deck(
        'title = "Lab"\nplace = "Utrecht"\nfacilitator = "Jan"\ndate = 2026-11-19\ntimezone = "Europe/Amsterdam"\n'
        '[[questions]]\ntype = "choice"\nprompt = "Goed?"\noptions = ["Ja", "Nee"]\n'
    )
    assert deck.details == Details("Utrecht", "Jan", "2026-11-19", "Europe/Amsterdam")
    for bad, message in (
        ('date = "19-11-2026"', "<deck>: date: must be a date such as 2026-11-19"),
        ('timezone = "Mars/Olympus"', "<deck>: timezone: must be a time zone such as Europe/Amsterdam"),
        ('venue = "Utrecht"', "<deck>: venue: unknown setting at the top of the deck"),
    ):
        with pytest.raises(DeckError) as raised:
            parse_deck(f'title = "Lab"\n{bad}\n[[questions]]\ntype = "choice"\nprompt = "Goed?"\noptions = ["Ja"]\n')
        assert str(raised.value) == message
    room = await server.rooms.create("Lab", deck.questions, details=deck.details)
    console, _ = await facilitator(clients, room)
    await console.send({"type": "details", "place": "Amersfoort", "facilitator": "Mirjam", "date": "2026-12-01",
                        "timezone": "Europe/Brussels"})  # fmt: skip
    done = await console.expect("details")
    assert done["details"] == {"place": "Amersfoort", "facilitator": "Mirjam", "date": "2026-12-01",
                               "timezone": "Europe/Brussels"}  # fmt: skip
    (stored,) = rows(server.settings, "SELECT details FROM rooms WHERE id = ?", (room.id,))[0]
    assert Details.from_json(stored) == Details("Amersfoort", "Mirjam", "2026-12-01", "Europe/Brussels")
    await console.send({"type": "details", "place": " Zwolle "})  # what is not sent stays as it is
    done = await console.expect("details")
    assert done["details"] == {"place": "Zwolle", "facilitator": "Mirjam", "date": "2026-12-01",
                               "timezone": "Europe/Brussels"}  # fmt: skip
    await console.send({"type": "details", "date": "1 december"})
    error = await console.expect("error")
    assert error["message"] == "moet een datum zijn, zoals 2026-11-19"
    assert room.details.date == "2026-12-01"


def test_the_same_words_are_quoted_once_with_how_many_gave_them() -> None:
    from lab.figures import Quote, Quotes
    from lab.questions import Table
    from lab.report import Part, Theme
    from lab.report.render import quotes_of

    quotes = [
        Quote("a", "Meer groen"),
        Quote("b", "meer  GROEN"),
        Quote("c", "Minder auto's"),
        Quote("d", "Meer groen"),
    ]
    part = Part(1, 4, Quotes(quotes, themed=True), Table([], []))
    part.themes = [Theme("groen", quotes)]
    assert quotes_of(part) == [("groen", 4, [(quotes[0], 3), (quotes[2], 1)])]
    voted = [Quote("a", "Meer groen", 2), Quote("b", "Meer groen", 0)]  # with votes each idea keeps its own
    assert quotes_of(Part(1, 2, Quotes(voted, voted=True), Table([], []))) == [("", 2, [(voted[0], 1), (voted[1], 1)])]


async def test_the_organiser_gets_each_rooms_report_from_the_list(
    server: Server, clients: Callable[[], Client]
) -> None:
    from conftest import PASSWORD
    from test_pages import Page

    room = await make_room(server.rooms)
    organiser = clients()
    csrf = Page((await organiser.get("/organiser")).text).inputs["csrf"]["value"]
    await organiser.http.post("/organiser/login", data={"csrf": csrf, "password": PASSWORD})
    listing = (await organiser.get("/organiser")).text
    link = f"/f/{room.code}/report.docx?key={room.facilitator_key}"
    assert f'<a href="{link}" aria-label="Verslag van Participatielab 2026 als Word">Word</a>' in listing
    granted = await organiser.get(link)
    assert (granted.status_code, granted.headers["location"]) == (303, f"/f/{room.code}/report.docx")
    report = await slow(organiser, granted.headers["location"])
    assert report.status_code == 200 and "Samenwerking | 4,0 | 3 | 1 | 0 | 0 | 1 | 1 | 1" in docx_text(report.content)


async def drawn_report(server: Server) -> tuple[report.Report, dict[str, bytes]]:
    """make_room's report, its quotes grouped and its charts drawn as the workers would, in this process."""
    from lab.report import charts, render

    room = await make_room(server.rooms)
    made = report.collect(room, await server.app.state.store.joined(room.id), {})
    for part in report.themed(made):
        part.themes = render.themes_of(part, made.lang, made.labels["other"])
    drawn = {part.chart: charts.svg(part.figure, made.labels, made.lang, made.images).encode()
             for section in made.sections for part in section.parts
             if part.chart and part.figure is not None and part.respondents}  # fmt: skip
    return made, drawn


def pages_and_bookmarks(body: bytes) -> tuple[list[list[str]], list[str]]:
    """Each page's words (sorted: where a footer is drawn does not matter), and the bookmarks in order."""
    pdf = PdfReader(io.BytesIO(body))

    def titles(outline: list[Any]) -> list[str]:
        return [t for item in outline for t in (titles(item) if isinstance(item, list) else [item.title])]

    return [sorted((page.extract_text() or "").split()) for page in pdf.pages], titles(pdf.outline)


async def test_a_pdf_laid_out_in_two_parts_and_joined_is_the_pdf_laid_out_whole(server: Server) -> None:
    from lab.report import render

    made, drawn = await drawn_report(server)
    whole = render.write(made, "pdf", drawn)
    whole_pages, whole_bookmarks = pages_and_bookmarks(whole)
    assert whole_bookmarks[:3] == ["Vragen", "Hoe de antwoorden verzameld zijn", "1. Hoe was de samenwerking?"]
    assert "Bijlage: alle antwoorden" in whole_bookmarks and "Participatielab 2026" not in whole_bookmarks
    texts = [page.extract_text() for page in PdfReader(io.BytesIO(whole)).pages]
    assert [f"Pagina {n} / {len(texts)}" in text for n, text in enumerate(texts, 1)] == [True] * len(texts)
    for cut in range(1, len(made.sections)):
        parts = [render.pdf_part(made, drawn, 0, cut), render.pdf_part(made, drawn, cut, len(made.sections))]
        assert "Pagina" not in pdf_text(parts[1])  # the parts leave the numbers to the join
        assert pages_and_bookmarks(render.join(made, parts)) == (whole_pages, whole_bookmarks), cut


async def test_a_big_report_is_cut_where_the_work_is_halved_and_a_small_one_is_not_cut(
    server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    made, drawn = await drawn_report(server)
    assert report.split_at(made, drawn) is None  # four short questions: the join would cost more than it saves
    open_part = made.sections[3].parts[0]
    assert isinstance(open_part.figure, report.Quotes) and not open_part.chart  # quotes, no chart
    assert report.weight(made.sections[3], drawn) == report.SECTION + report.QUOTE * len(open_part.figure.quotes)
    monkeypatch.setattr(report, "SPLIT_ABOVE", 0)
    cut = report.split_at(made, drawn)
    assert cut is not None and 1 <= cut < len(made.sections)
    room = await server.rooms.get(made.code)
    assert room is not None
    body = await report.build(server.app.state.store, room, "pdf")  # through the workers, in two parts
    pages = PdfReader(io.BytesIO(body)).pages
    assert [f"Pagina {n} / {len(pages)}" in (page.extract_text() or "") for n, page in enumerate(pages, 1)] == [
        True
    ] * len(pages)
    assert "4. Wat moet beter?" in pdf_text(body) and "Bijlage: alle antwoorden" in pdf_text(body)
