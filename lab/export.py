"""Results for the report (verslag): CSV with one row per answer; XLSX with a summary, a sheet per question with
its table and a chart, and the raw answers.

Rows, the summary and the question sheets are worked out from the room (on the event loop: they read live state);
turning them into a file (`to_csv`, `to_xlsx`) takes plain data only, so it runs in a worker thread without holding
up the room. Every cell that can hold text from a deck or a participant goes through `cell`, so a spreadsheet never
runs it as a formula. The summary has every figure of every round (the screens' display limits do not apply).

Times are in the room's time zone (its details), written as a plain local date and time with the zone named in the
header: a spreadsheet reads "2026-11-19 14:03:07.123" as a date and time, and the same text with "+01:00" behind it
as text. In the workbook they are real date-times. A question type may split an answer over columns of its own
(`QuestionType.answer_columns`: a rating per statement of a scale); all answers share one sheet, so such a column
is named for its question ("2. Samenwerking") and is empty in other questions' rows. The CSV for Dutch Excel has
";" between columns and a decimal comma, which is what Excel set to Dutch reads as columns and numbers.
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.chart.data_source import AxDataSource, MultiLevelStrRef
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from .anonymity import NAMED, effective
from .i18n import gettext as _
from .members import Member
from .questions import Term
from .records import STATUS_LABELS
from .rooms import Room
from .store import ExportRow
from .tally import Question, Tally

Cell = str | int | float | datetime | None

ANSWER = Term("Answer")  # the export's own answer column (msgid from QuestionType.answer_columns)
WIDTHS = [8, 50, 12, 8, 12, 16, 26, 14, 60]  # the answer sheet's common columns; a question's own get EXTRA_WIDTH
RECEIVED = 7  # the column of the time an answer was received
EXTRA_WIDTH = 16
SHEET_NAME = 31  # Excel's longest sheet name
FORBIDDEN = re.compile(r"[][:*?/\\]")  # characters Excel refuses in a sheet name
MAX_BARS = 30  # a chart shows a table's first rows (a word cloud's most frequent words); the table has them all
ROW_CM = 0.53  # a sheet row's default height, to keep a round's chart clear of the next round's table


@dataclass(frozen=True)
class Row:
    """One answer (or Q&A question) as exported."""

    number: int
    prompt: str
    type: str
    round: int
    participant: str
    member: str  # the member's id on the list, where answers are given by name (lab.anonymity); else ""
    nickname: str
    received: datetime  # in the room's time zone
    status: str
    columns: Sequence[tuple[str, Cell]]  # from the type's answer_columns


@dataclass(frozen=True)
class Answers:
    """Every answer as one table, ready to be written: the header (translated) and a line per answer."""

    header: list[str]
    lines: list[list[Cell]]


@dataclass(frozen=True)
class Block:
    """One round of a question as a sheet shows it: title lines, then the type's table in full."""

    lines: list[list[Cell]]
    header: list[Cell]
    rows: list[list[Cell]]


@dataclass(frozen=True)
class QuestionSheet:
    name: str
    blocks: list[Block]


@dataclass(frozen=True)
class Book:
    """Everything the workbook holds, translated: written by `to_xlsx` in a worker thread."""

    title: str
    summary_name: str
    answers_name: str
    summary: list[list[Cell]]
    questions: list[QuestionSheet]
    answers: Answers


def _handle(room: Room, participant: str) -> str:
    return hashlib.sha256(f"{room.id}:{participant}".encode()).hexdigest()[:8]


def _time(ms: int, zone: ZoneInfo) -> datetime:
    """A stored moment (ms since 1970, UTC) in the room's time zone, to the millisecond."""
    return datetime.fromtimestamp(ms // 1000, zone).replace(microsecond=ms % 1000 * 1000)


def rows(room: Room, exported: list[ExportRow]) -> list[Row]:
    """One row per answer (and per question sent to a Q&A) of every round, in question order, then round, then
    time. Participants appear under a short handle that is the same for all their answers in this room, and says
    nothing else about them; a Q&A question carries the name it was sent under, if any."""
    by_id = {q.id: q for q in room.questions}
    zone = room.details.zone
    named = effective(room.anonymity, room.access) == NAMED

    def member(participant: str) -> str:
        found = room.member_of(participant) if named else None
        return found.ref if found else ""

    out = []
    for row in exported:
        answer = row.answer
        question = by_id.get(answer.question)
        tally = question.rounds.get(answer.round) if question else None
        if question is None or tally is None:
            continue
        out.append(
            Row(
                question.position + 1, question.prompt, question.type.name, answer.round,
                _handle(room, answer.participant), member(answer.participant), row.nickname,
                _time(answer.received_ms, zone),
                _(STATUS_LABELS[answer.status]), tally.type.answer_columns(tally.settings, answer.value),
            )
        )  # fmt: skip
    for question in room.questions:
        for number, tally in sorted(question.rounds.items()):
            out += [
                Row(question.position + 1, question.prompt, question.type.name, number,
                    _handle(room, post.participant), member(post.participant), post.nickname,
                    _time(post.sent_ms, zone),
                    _(STATUS_LABELS[post.status]), [(ANSWER, post.text)])
                for post in tally.posts.values()
            ]  # fmt: skip
    return sorted(out, key=lambda row: (row.number, row.round))  # stable: each keeps its time order


def answers(room: Room, exported: list[ExportRow]) -> Answers:
    """The rows as one table. The common columns come first, "Answer" last of them; then the columns that types
    split answers into, per question in question order, named "<question no.>. <header>" (a later round with other
    statements adds its own)."""
    found = rows(room, exported)
    common: dict[str, None] = {ANSWER: None}  # the export's own columns, in the order first met
    own: dict[tuple[int, str], None] = {}  # (question no., header): a question's own columns
    for row in found:
        for name, _value in row.columns:
            if isinstance(name, Term):
                common.setdefault(name)
            else:
                own.setdefault((row.number, name))
    named = effective(room.anonymity, room.access) == NAMED  # a column with each member's id on the list
    header = [
        _("Question no."), _("Question"), _("Type"), _("Round"), _("Participant"), *([_("Member")] if named else []),
        _("Name"),
        _("Received at (%(zone)s)", zone=room.details.timezone), _("Status"),
        *[_(term) for term in common], *[f"{number}. {name}" for number, name in own],
    ]  # fmt: skip
    lines: list[list[Cell]] = []
    for row in found:
        terms: dict[str, Cell] = {h: v for h, v in row.columns if isinstance(h, Term)}
        theirs: dict[str, Cell] = {h: v for h, v in row.columns if not isinstance(h, Term)}
        lines.append(
            [row.number, row.prompt, row.type, row.round, row.participant, *([row.member] if named else []),
             row.nickname, row.received, row.status,
             *[terms.get(term) for term in common],
             *[theirs.get(name) if number == row.number else None for number, name in own]]
        )  # fmt: skip
    return Answers(header, lines)


def codes_csv(members: Iterable[Member], pseudonyms: Room | None = None) -> str:
    """Member codes to hand out or mail-merge (lab.members): `id;group;weight;code`, a line each, quoted where a
    cell needs it, and a cell a spreadsheet would take for a formula kept as text. With `pseudonyms` (the room,
    when its answers are kept under a pseudonym: lab.anonymity) a `pseudonym` column too: the handle under which
    the exports give that member's answers, so that this file is the key, kept apart from the answers."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\n")
    writer.writerow(["id", "group", "weight", "code", *(["pseudonym"] if pseudonyms else [])])
    for m in members:
        handle = [_handle(pseudonyms, m.participant)] if pseudonyms else []
        writer.writerow([cell(m.ref), cell(m.group or ""), f"{m.weight:g}", m.shown, *handle])
    return out.getvalue()


def cell(value: Cell) -> Cell:
    """A cell as written to a spreadsheet: text that a spreadsheet would take for a formula is kept as text."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _csv_cell(value: Cell, dutch: bool) -> Cell:
    """A cell as CSV text: a time without its zone (the header names it), a number without a needless ".0", and
    for Dutch Excel a decimal comma (in a time's milliseconds too, as ISO 8601 allows)."""
    point = "," if dutch else "."
    if isinstance(value, datetime):
        return f"{value:%Y-%m-%d %H:%M:%S}{point}{value.microsecond // 1000:03d}"
    if isinstance(value, float):
        return (str(int(value)) if value.is_integer() else repr(value)).replace(".", point)
    return cell(value)


def to_csv(answers: Answers, *, dutch: bool = False) -> str:
    """The answers as CSV: by default "," between columns and a decimal point; `dutch` for Excel set to Dutch,
    which opens a file in columns only with ";" between them, and reads 3,5 as a number and 3.5 as text."""
    out = io.StringIO()
    out.write("\ufeff")  # so Excel reads UTF-8
    writer = csv.writer(out, delimiter=";" if dutch else ",")
    writer.writerow([cell(h) for h in answers.header])  # a question's own columns are named with deck text
    for line in answers.lines:
        writer.writerow([_csv_cell(c, dutch) for c in line])
    return out.getvalue()


def _block(question: Question, number: int, tally: Tally) -> Block:
    title = f"{question.position + 1}. {question.prompt}"
    if len(question.rounds) > 1:
        title += " (" + _("round %(n)d", n=number) + ")"
    table = tally.aggregate.table()
    return Block(
        [[title], [_("Respondents"), tally.results()["respondents"]]],
        [_(h) if isinstance(h, str) else h for h in table.headers],
        [[_(c) if isinstance(c, Term) else c for c in line] for line in table.rows],
    )


def summary(room: Room) -> list[list[Cell]]:
    """Per question and round: its prompt, the number of respondents, then the type's table in full."""
    lines: list[list[Cell]] = []
    for question in room.questions:
        several = len(question.rounds) > 1
        for number, tally in sorted(question.rounds.items()):
            if several and not tally.answers and number != question.round:
                continue
            block = _block(question, number, tally)
            lines += [*block.lines, block.header, *block.rows, []]
    return lines


def sheet_name(number: int, prompt: str) -> str:
    """A question sheet's name: its number and as much of its prompt as fits in Excel's 31 characters, without the
    characters Excel refuses in a name."""
    name = " ".join(f"{number} {FORBIDDEN.sub(' ', prompt)}".split())
    if len(name) > SHEET_NAME:
        name = name[: SHEET_NAME - 1].rstrip() + "…"
    return name.rstrip("'")  # a name may not end in an apostrophe


def question_sheets(room: Room) -> list[QuestionSheet]:
    """A sheet for every question that has answers (or Q&A questions), with a block per round that has them."""
    return [
        QuestionSheet(
            sheet_name(question.position + 1, question.prompt),
            [_block(question, number, tally) for number, tally in sorted(question.rounds.items()) if tally.responses],
        )
        for question in room.questions
        if any(tally.responses for tally in question.rounds.values())
    ]


def book(room: Room, answers: Answers) -> Book:
    """What `to_xlsx` writes, in the current language."""
    return Book(room.title, _("Summary"), _("Answers"), summary(room), question_sheets(room), answers)


def _number(value: Cell) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def charted(rows: Sequence[Sequence[Cell]]) -> tuple[int, int] | None:
    """What a question sheet charts of a type's table, found in the table alone: the first column after the first
    that holds numbers (counts, averages) down to the table's end, from the row after the last one holding anything
    else there (a number question's histogram starts under a header of its own). Returns that column and the first
    charted row; None when no column holds numbers (open text without voting)."""
    width = max((len(row) for row in rows), default=0)
    for column in range(1, width):
        first = len(rows)
        while first and (
            column >= len(rows[first - 1]) or rows[first - 1][column] is None or _number(rows[first - 1][column])
        ):
            first -= 1
        if any(column < len(row) and _number(row[column]) for row in rows[first:]):
            return column, first
    return None


def _chart(sheet: Worksheet, block: Block, header_row: int) -> BarChart | None:
    """A bar chart of a block's table on `sheet`, where its header is on `header_row`: the charted column against
    the columns before it (more than one: an axis in two levels, such as a grid's item and scale)."""
    found = charted(block.rows)
    if found is None:
        return None
    column, first = found
    top = header_row + 1 + first
    bottom = top + min(len(block.rows) - first, MAX_BARS) - 1
    chart = BarChart()
    chart.type = "bar"  # horizontal: long statements and options stay readable
    chart.title = str(block.lines[0][0])
    chart.legend = None
    # the series is named by the cell above its first row: the table's header, or a histogram's own
    chart.add_data(Reference(sheet, min_col=column + 1, min_row=top - 1, max_row=bottom), titles_from_data=True)
    labels = Reference(sheet, min_col=1, max_col=column, min_row=top, max_row=bottom)
    if column == 1:
        chart.set_categories(labels)
    else:
        chart.series[0].cat = AxDataSource(multiLvlStrRef=MultiLevelStrRef(f=str(labels)))
    chart.x_axis.scaling.orientation = "maxMin"  # the table's first row at the top
    chart.y_axis.crosses = "max"  # and the values' axis below
    chart.y_axis.scaling.min = 0  # bars start at zero
    chart.x_axis.delete = chart.y_axis.delete = False
    chart.width = 18
    chart.height = max(6.0, min(24.0, 2.5 + 0.7 * (bottom - top + 1)))
    return chart


def _question_sheet(sheet: Worksheet, question: QuestionSheet) -> None:
    sheet.column_dimensions["A"].width = 50
    row = 0
    for block in question.blocks:
        start = row + 1
        for line in block.lines:
            sheet.append([cell(c) for c in line])
        sheet.cell(start, 1).font = Font(bold=True, size=12)
        sheet.append([cell(c) for c in block.header])
        row = start + len(block.lines)
        for c in sheet[row]:
            c.font = Font(bold=True)
        for line in block.rows:
            sheet.append([cell(c) for c in line])
        chart = _chart(sheet, block, row)
        row += len(block.rows)
        if chart is not None:
            sheet.add_chart(chart, f"{get_column_letter(len(block.header) + 2)}{start}")
            while row < start + math.ceil(chart.height / ROW_CM):  # the next round below this chart
                sheet.append([])
                row += 1
        sheet.append([])
        row += 1


def _answer_sheet(sheet: Worksheet, answers: Answers) -> None:
    sheet.append([cell(h) for h in answers.header])
    for c in sheet[1]:
        c.font = Font(bold=True)
    for line in answers.lines:
        sheet.append([c.replace(tzinfo=None) if isinstance(c, datetime) else cell(c) for c in line])
        sheet.cell(sheet.max_row, RECEIVED).number_format = "yyyy-mm-dd hh:mm:ss.000"
    for index in range(1, len(answers.header) + 1):
        width = WIDTHS[index - 1] if index <= len(WIDTHS) else EXTRA_WIDTH
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"


def to_xlsx(book: Book) -> bytes:
    """The workbook: the title and summary; a sheet per question that has answers, with its table and a chart of
    it; and every answer with its status."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = book.summary_name
    sheet.append([cell(book.title)])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([])
    for line in book.summary:
        sheet.append([cell(c) for c in line])
    sheet.column_dimensions["A"].width = 60
    for question in book.questions:
        _question_sheet(workbook.create_sheet(question.name), question)
    _answer_sheet(workbook.create_sheet(book.answers_name), book.answers)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def filename(room: Room, extension: str, *, prefix: str = "", suffix: str = "") -> str:
    """A download's file name from the room's title and code: "terugblik-op-de-prestatieafspraken-123456.csv"."""
    slug = re.sub(r"[^a-z0-9]+", "-", room.title.lower()).strip("-")[:40] or "lab"
    return f"{prefix}{slug}-{room.code}{suffix}.{extension}"
