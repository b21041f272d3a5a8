"""Exports that office software reads as they are meant: the CSV for Dutch Excel (";" and a decimal comma), times
in the room's time zone, a column per statement of a scale and per score of a grid, and a workbook with a sheet and
a chart per question. Answers are made at known moments, through a real server and through `lab export`."""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import Callable
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from conftest import CHOICE, OPEN, SCALE, WORDS, Client, Server, facilitator, spec
from db import Target, make_store

from lab import export
from lab.cli import main
from lab.details import Details
from lab.hub import Hub
from lab.questions import TYPES, Term
from lab.records import card_id
from lab.rooms import Room, Rooms

WINTER = 1_768_482_245_678  # 2026-01-15 13:04:05.678 UTC: 14:04:05.678 in Amsterdam (+01:00)
SUMMER = 1_784_120_645_250  # 2026-07-15 13:04:05.250 UTC: 15:04:05.250 in Amsterdam (+02:00)
NUMBER = {"type": "number", "prompt": "Hoeveel jaar woont u in uw huidige woning?", "min": 0, "max": 80,
          "decimals": 1, "unit": "jaar"}  # fmt: skip
GRID = {"type": "grid", "prompt": "Wat pakken we als eerste op?", "items": ["Huurdersavond", "Nieuwsbrief"],
        "x_label": "Belangrijk", "y_label": "Haalbaar", "scale_max": 5}  # fmt: skip
SLIDE = {"type": "slide", "prompt": "Pauze", "text": "Koffie en thee staan klaar."}


class Clock:
    """The room's clock, set to a moment in ms since 1970 (UTC). Half a millisecond later, so that the room's
    int(seconds * 1000) gives exactly that millisecond whatever the float's rounding."""

    def __init__(self) -> None:
        self.ms = WINTER

    def __call__(self) -> float:
        return (self.ms + 0.5) / 1000


async def answer_everything(room: Room, clock: Clock) -> None:
    """Anna and Bram answer the choice (Anna in winter, Bram in summer), then the scale, the number, the grid and
    the open question a second apart; Bram's open answer is hidden. The slide and the word cloud get nothing."""
    choice, scale, number, grid, _slide, text, _words = (q.id for q in room.questions)
    for participant in ("anna", "bram"):
        await room.join(participant)
    await room.set_nickname("anna", "Anna")
    votes = [
        (choice, [[0], [2]]), (scale, [[5, None], [4, 2]]), (number, [3.5, 12]),
        (grid, [[[5, 4], None], [[2, 3], [1, 5]]]), (text, ["Meer overleg", "=1+1"]),
    ]  # fmt: skip
    for question, values in votes:
        await room.push(question)
        for participant, value in zip(("anna", "bram"), values, strict=True):
            await room.vote(participant, f"vote-{question}-{participant}", question, 1, value)
            clock.ms = SUMMER if clock.ms == WINTER else clock.ms + 1000
    await room.moderate(text, card_id(text, "bram"), "hidden")


def expected(anna: str, bram: str, point: str) -> list[list[str]]:
    """The CSV's rows for `answer_everything`, with `point` as the decimal sign."""
    times = [f"2026-01-15 14:04:05{point}678"] + [f"2026-07-15 15:04:{s:02d}{point}250" for s in range(5, 14)]
    empty = [""] * 6
    return [
        ["1", "Hoe was de samenwerking?", "choice", "1", anna, "Anna", times[0], "getoond", "Goed", *empty],
        ["1", "Hoe was de samenwerking?", "choice", "1", bram, "", times[1], "getoond", "Slecht", *empty],
        ["2", "Beoordeel de prestatieafspraken", "scale", "1", anna, "Anna", times[2], "getoond", "", "5", "",
         "", "", "", ""],
        ["2", "Beoordeel de prestatieafspraken", "scale", "1", bram, "", times[3], "getoond", "", "4", "2",
         "", "", "", ""],
        ["3", NUMBER["prompt"], "number", "1", anna, "Anna", times[4], "getoond", f"3{point}5", *empty],
        ["3", NUMBER["prompt"], "number", "1", bram, "", times[5], "getoond", "12", *empty],
        ["4", GRID["prompt"], "grid", "1", anna, "Anna", times[6], "getoond", "", "", "", "5", "4", "", ""],
        ["4", GRID["prompt"], "grid", "1", bram, "", times[7], "getoond", "", "", "", "2", "3", "1", "5"],
        ["6", "Wat moet beter?", "open", "1", anna, "Anna", times[8], "getoond", "Meer overleg", *empty],
        ["6", "Wat moet beter?", "open", "1", bram, "", times[9], "verborgen", "'=1+1", *empty],
    ]  # fmt: skip


HEADER = [
    "Vraag nr.", "Vraag", "Soort", "Ronde", "Deelnemer", "Naam", "Ontvangen op (Europe/Amsterdam)", "Status",
    "Antwoord", "2. Samenwerking", "2. Inbreng van huurders", "4. Huurdersavond: Belangrijk",
    "4. Huurdersavond: Haalbaar", "4. Nieuwsbrief: Belangrijk", "4. Nieuwsbrief: Haalbaar",
]  # fmt: skip


async def answered_room(server: Server) -> Room:
    clock = Clock()
    server.rooms._clock = clock  # the rooms made from here on keep the test's time
    room: Room = await server.rooms.create(
        "Evaluatie 2026",
        [spec(**CHOICE), spec(**SCALE), spec(**NUMBER), spec(**GRID), spec(**SLIDE), spec(**OPEN), spec(**WORDS)],
    )
    await answer_everything(room, clock)
    return room


def parsed(text: str, delimiter: str) -> list[list[str]]:
    assert text.startswith("\ufeff")  # so Excel reads UTF-8
    return list(csv.reader(io.StringIO(text[1:]), delimiter=delimiter))


async def test_the_csv_for_dutch_excel_has_semicolons_decimal_commas_local_times_and_a_column_per_statement(
    server: Server, clients: Callable[[], Client]
) -> None:
    """`?dutch=1`: ";" between columns and a decimal comma (3,5; also in a time's milliseconds), times in
    Amsterdam (+01:00 in winter, +02:00 in summer) with the zone in the header, a column per statement of the scale
    and per score of the grid (empty for "weet niet"), and the answer column left empty for those."""
    room = await answered_room(server)
    boss, _ = await facilitator(clients, room)
    response = await boss.get(f"/f/{room.code}/export.csv?dutch=1")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    lines = parsed(response.text, ";")
    assert lines[0] == HEADER
    anna, bram = lines[1][4], lines[2][4]
    assert anna != bram
    assert lines[1:] == expected(anna, bram, ",")


async def test_the_default_csv_keeps_commas_and_decimal_points(server: Server, clients: Callable[[], Client]) -> None:
    room = await answered_room(server)
    boss, _ = await facilitator(clients, room)
    text = (await boss.get(f"/f/{room.code}/export.csv")).text
    lines = parsed(text, ",")
    assert lines[0] == HEADER
    assert lines[1:] == expected(lines[1][4], lines[2][4], ".")
    assert ";" not in text


async def test_the_workbook_has_a_sheet_and_a_chart_per_answered_question_and_every_answer_with_its_status(
    server: Server, clients: Callable[[], Client]
) -> None:
    """Sheets: the summary, one per question with answers (not the slide, not the unanswered word cloud), the
    answers. Each chart plots the figures of its table that a type's table holds: counts of a choice, averages per
    statement, a number's histogram (under its own header), a grid's averages per item and scale (an axis in two
    levels); open text has no figures to plot. Times are real date-times in Amsterdam."""
    room = await answered_room(server)
    boss, _ = await facilitator(clients, room)
    response = await boss.get(f"/f/{room.code}/export.xlsx")
    assert response.headers["content-disposition"] == f'attachment; filename="evaluatie-2026-{room.code}.xlsx"'
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == [
        "Samenvatting", "1 Hoe was de samenwerking", "2 Beoordeel de prestatieafspra…",
        "3 Hoeveel jaar woont u in uw h…", "4 Wat pakken we als eerste op", "6 Wat moet beter", "Antwoorden",
    ]  # fmt: skip

    def chart(name: str) -> tuple[str, str, str, list[Any]]:
        """The one chart on a sheet: its series' name, values and categories (as references), and the values."""
        sheet = book[name]
        [found] = sheet._charts
        assert found.title.tx.rich.p[0].r[0].t == sheet["A1"].value  # titled with the question
        series = found.series[0]
        categories = series.cat.numRef or series.cat.multiLvlStrRef
        values = [c.value for row in sheet[series.val.numRef.f.split("!")[1].replace("$", "")] for c in row]
        return series.tx.strRef.f, series.val.numRef.f, categories.f, values

    choice = "'1 Hoe was de samenwerking'"
    assert chart("1 Hoe was de samenwerking") == (f"{choice}!B3", f"{choice}!$B$4:$B$6", f"{choice}!$A$4:$A$6",
                                                   [1, 0, 1])  # fmt: skip
    assert [c.value for c in book["1 Hoe was de samenwerking"][3]] == ["Antwoord", "Aantal", "Procent"]
    scale = "'2 Beoordeel de prestatieafspra…'"
    assert chart("2 Beoordeel de prestatieafspra…") == (f"{scale}!B3", f"{scale}!$B$4:$B$5", f"{scale}!$A$4:$A$5",
                                                        [4.5, 2])  # fmt: skip
    assert [c.value for c in book["2 Beoordeel de prestatieafspra…"][3]][:2] == ["Stelling", "Gemiddelde"]
    number = book["3 Hoeveel jaar woont u in uw h…"]
    assert [number["A8"].value, number["B8"].value] == ["Antwoorden van – tot en met", "Aantal"]
    estimate = "'3 Hoeveel jaar woont u in uw h…'"
    assert chart("3 Hoeveel jaar woont u in uw h…") == (f"{estimate}!B8", f"{estimate}!$B$9:$B$16",
                                                        f"{estimate}!$A$9:$A$16", [1, 1, 0, 0, 0, 0, 0, 0])  # fmt: skip
    assert [number["A9"].value, number["A16"].value, number.max_row] == ["0–9.9", "70–80", 16]
    grid = "'4 Wat pakken we als eerste op'"
    assert chart("4 Wat pakken we als eerste op") == (f"{grid}!C3", f"{grid}!$C$4:$C$7", f"{grid}!$A$4:$B$7",
                                                          [3.5, 3.5, 1, 5])  # fmt: skip
    assert book["6 Wat moet beter"]._charts == []

    raw = book["Antwoorden"]
    rows = list(raw.iter_rows(values_only=True))
    assert list(rows[0]) == HEADER
    assert [row[7] for row in rows[1:]] == ["getoond"] * 9 + ["verborgen"]
    assert [row[6] for row in rows[1:3]] == [datetime(2026, 1, 15, 14, 4, 5, 678000),
                                             datetime(2026, 7, 15, 15, 4, 5, 250000)]  # fmt: skip
    assert raw["G2"].number_format == "yyyy-mm-dd hh:mm:ss.000"
    assert [row[8:11] for row in rows[3:7]] == [(None, 5, None), (None, 4, 2), (3.5, None, None), (12, None, None)]
    assert [row[11:] for row in rows[7:9]] == [(5, 4, None, None), (2, 3, 1, 5)]

    summary = [[c for c in row if c is not None] for row in book["Samenvatting"].iter_rows(values_only=True)]
    assert summary[0] == ["Evaluatie 2026"]
    assert ["5. Pauze"] in summary and ["7. Welk woord past erbij?"] in summary  # the summary has every question
    assert ["Samenwerking", 4.5, 2, 0, 0, 0, 0, 1, 1] in summary


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.href: str | None = None
        self.links: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self.href = dict(attrs).get("href") or ""
            self.links.append((self.href, ""))

    def handle_data(self, data: str) -> None:
        if self.href is not None:
            self.links[-1] = (self.href, self.links[-1][1] + data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a":
            self.href = None


async def test_the_console_links_to_the_csv_for_dutch_excel(server: Server, clients: Callable[[], Client]) -> None:
    room: Room = await server.rooms.create("Kamer", [spec(**CHOICE)])
    boss, _ = await facilitator(clients, room)
    parser = _Links()
    parser.feed((await boss.get(f"/f/{room.code}")).text)
    exports = [(href, text) for href, text in parser.links if "/export." in href]
    assert exports == [
        (f"/f/{room.code}/export.csv", "CSV"),
        (f"/f/{room.code}/export.csv?dutch=1", "CSV voor Nederlandse Excel"),
        (f"/f/{room.code}/export.xlsx", "Excel"),
    ]


def test_lab_export_writes_the_csv_for_dutch_excel_in_the_rooms_time_zone(
    tmp_path: Path, store_target: Target, capsys: pytest.CaptureFixture[str]
) -> None:
    """`--dutch-excel` writes a CSV (no --format needed) with times in the zone of the room's details; with
    `--format xlsx` it is refused; `lab export --help` says what it does."""
    db, clock = store_target, Clock()

    async def fill() -> str:
        store = make_store(db)
        await store.open()
        rooms = Rooms(store, Hub(), clock=clock)
        room = await rooms.create("Curaçao", [spec(**SCALE)], details=Details(timezone="America/Curacao"))
        await room.join("p1")
        await room.push(room.questions[0].id)
        await room.vote("p1", "vote-0001", room.questions[0].id, 1, [None, 3])
        await store.close()
        return room.code

    code = asyncio.run(fill())
    out = tmp_path / "verslag.csv"
    assert main(["export", code, "--db", str(db), "--dutch-excel", "-o", str(out)]) == 0
    assert capsys.readouterr().out == f"{out}: 1 answers\n"
    lines = parsed(out.read_text(encoding="utf-8"), ";")
    assert lines[0][6:] == ["Ontvangen op (America/Curacao)", "Status", "Antwoord", "1. Samenwerking",
                            "1. Inbreng van huurders"]  # fmt: skip
    assert lines[1][6:] == ["2026-01-15 09:04:05,678", "getoond", "", "", "3"]  # UTC-4, no summer time

    assert main(["export", code, "--db", str(db), "--format", "xlsx", "--dutch-excel"]) == 2
    assert "--dutch-excel is for CSV files" in capsys.readouterr().err
    with pytest.raises(SystemExit) as done:
        main(["export", "--help"])
    assert done.value.code == 0
    usage = " ".join(capsys.readouterr().out.split())
    assert "--dutch-excel CSV for Excel set to Dutch: ';' between columns and a decimal comma (3,5)" in usage


def test_a_type_fills_the_answer_column_or_columns_of_its_own() -> None:
    """The seam the export uses: by default one cell under the export's own "Answer" (a Term); a scale gives a
    column per statement, a grid two per item, a number the number itself (a spreadsheet counts with it)."""
    choice = TYPES["choice"].answer_columns({"options": ["Goed", "Matig", "Slecht"]}, [0, 2])
    assert choice == [("Answer", "Goed; Slecht")] and isinstance(choice[0][0], Term)
    scale = TYPES["scale"].answer_columns({"statements": ["Samenwerking", "Inbreng"]}, [None, 4])
    assert scale == [("Samenwerking", None), ("Inbreng", 4)] and not isinstance(scale[0][0], Term)
    grid = TYPES["grid"].answer_columns(GRID, [None, [1, 5]])
    assert grid == [("Huurdersavond: Belangrijk", None), ("Huurdersavond: Haalbaar", None),
                    ("Nieuwsbrief: Belangrijk", 1), ("Nieuwsbrief: Haalbaar", 5)]  # fmt: skip
    assert TYPES["number"].answer_columns(NUMBER, 3.5) == [("Answer", 3.5)]


def test_a_sheet_name_fits_excel() -> None:
    """At most 31 characters, none of : \\ / ? * [ ], and never ending in an apostrophe."""
    assert export.sheet_name(12, "Wat vindt u: [ja/nee] *echt*?") == "12 Wat vindt u ja nee echt"
    long = export.sheet_name(3, "Hoeveel jaar woont u in uw huidige woning?")
    assert (long, len(long)) == ("3 Hoeveel jaar woont u in uw h…", 31)
    assert export.sheet_name(4, "Wat is 'goed'") == "4 Wat is 'goed"


def test_a_question_asked_again_has_a_block_and_a_chart_per_round_on_its_sheet(store_target: Target) -> None:
    """Round 2 starts below round 1's chart, and each chart plots its own round's counts."""

    async def workbook() -> openpyxl.Workbook:
        store = make_store(store_target)
        await store.open()
        try:
            room = await Rooms(store, Hub()).create("Kamer", [spec(**CHOICE)])
            question = room.questions[0].id
            await room.join("p1")
            await room.push(question)
            await room.vote("p1", "vote-0001", question, 1, [0])
            await room.act("reset", {"question": question})
            await room.act("open", {"question": question})
            await room.vote("p1", "vote-0002", question, 2, [2])
            answers = export.answers(room, await store.export_rows(room.id))
            return openpyxl.load_workbook(io.BytesIO(export.to_xlsx(export.book(room, answers))))
        finally:
            await store.close()

    sheet = asyncio.run(workbook())["1 Hoe was de samenwerking"]
    titles = {row[0].row: row[0].value for row in sheet.iter_rows() if str(row[0].value).startswith("1. ")}
    assert titles == {1: "1. Hoe was de samenwerking? (ronde 1)", 15: "1. Hoe was de samenwerking? (ronde 2)"}
    charts = [(c.anchor._from.row + 1, c.series[0].val.numRef.f) for c in sheet._charts]
    assert charts == [(1, "'1 Hoe was de samenwerking'!$B$4:$B$6"), (15, "'1 Hoe was de samenwerking'!$B$18:$B$20")]
    assert [sheet.cell(row, 2).value for row in range(18, 21)] == [0, 0, 1]
