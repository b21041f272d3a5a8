"""Results for the report (verslag): CSV with one row per answer, XLSX with a summary and the raw answers.

Rows and the summary are worked out from the room (on the event loop: they read live state); turning them into a
file (`to_csv`, `to_xlsx`) takes plain data only, so it runs in a worker thread without holding up the room. Every
cell that can hold text from a deck or a participant goes through `cell`, so a spreadsheet never runs it as a
formula. The summary has every figure of every round (the screens' display limits do not apply).
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from .i18n import gettext as _
from .questions import Term
from .records import STATUS_LABELS
from .rooms import Room
from .store import ExportRow

Cell = str | int | float | None


@dataclass(frozen=True)
class Row:
    number: int
    prompt: str
    type: str
    round: int
    participant: str
    nickname: str
    received: str
    status: str
    answer: str


def _handle(room: Room, participant: str) -> str:
    return hashlib.sha256(f"{room.id}:{participant}".encode()).hexdigest()[:8]


def _time(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat(timespec="milliseconds")


def rows(room: Room, exported: list[ExportRow]) -> list[Row]:
    """One row per answer (and per question sent to a Q&A) of every round, in question order, then round, then
    time. Participants appear under a short handle that is the same for all their answers in this room, and says
    nothing else about them; a Q&A question carries the name it was sent under, if any."""
    by_id = {q.id: q for q in room.questions}
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
                _handle(room, answer.participant), row.nickname, _time(answer.received_ms),
                _(STATUS_LABELS[answer.status]), tally.type.answer_text(tally.settings, answer.value),
            )
        )  # fmt: skip
    for question in room.questions:
        for number, tally in sorted(question.rounds.items()):
            out += [
                Row(question.position + 1, question.prompt, question.type.name, number,
                    _handle(room, post.participant), post.nickname, _time(post.sent_ms),
                    _(STATUS_LABELS[post.status]), post.text)
                for post in tally.posts.values()
            ]  # fmt: skip
    return sorted(out, key=lambda row: (row.number, row.round))  # stable: each keeps its time order


def headers() -> list[str]:
    return [_("Question no."), _("Question"), _("Type"), _("Round"), _("Participant"), _("Name"), _("Received at"),
            _("Status"), _("Answer")]  # fmt: skip


def cells(row: Row) -> list[Cell]:
    return [row.number, row.prompt, row.type, row.round, row.participant, row.nickname, row.received, row.status,
            row.answer]  # fmt: skip


def cell(value: Cell) -> Cell:
    """A cell as written to a spreadsheet: text that a spreadsheet would take for a formula is kept as text."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def to_csv(rows: Sequence[Row], header: Sequence[str]) -> str:
    """The answers as CSV under `header` (`headers()`, translated by the caller)."""
    out = io.StringIO()
    out.write("\ufeff")  # so Excel reads UTF-8
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow([cell(c) for c in cells(row)])
    return out.getvalue()


def summary(room: Room) -> list[list[Cell]]:
    """Per question and round: its prompt, the number of respondents, then the type's table in full."""
    lines: list[list[Cell]] = []
    for question in room.questions:
        several = len(question.rounds) > 1
        for number, tally in sorted(question.rounds.items()):
            if several and not tally.answers and number != question.round:
                continue
            title = f"{question.position + 1}. {question.prompt}"
            if several:
                title += " (" + _("round %(n)d", n=number) + ")"
            lines.append([title])
            lines.append([_("Respondents"), tally.results()["respondents"]])
            table = tally.aggregate.table()
            lines.append([_(h) if isinstance(h, str) else h for h in table.headers])
            lines += [[_(c) if isinstance(c, Term) else c for c in line] for line in table.rows]
            lines.append([])
    return lines


def to_xlsx(title: str, summary: Sequence[Sequence[Cell]], rows: Sequence[Row], names: Sequence[str]) -> bytes:
    """The workbook: a sheet with the title and summary, and a sheet with every answer. `names` are the two
    sheets' names and then the answer sheet's column headers (all translated by the caller)."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = names[0]
    sheet.append([cell(title)])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([])
    for line in summary:
        sheet.append([cell(c) for c in line])
    sheet.column_dimensions["A"].width = 60
    raw = book.create_sheet(names[1])
    raw.append(list(names[2:]))
    for c in raw[1]:
        c.font = Font(bold=True)
    for row in rows:
        raw.append([cell(c) for c in cells(row)])
    for index, width in enumerate([8, 50, 12, 8, 12, 16, 26, 14, 60], start=1):
        raw.column_dimensions[get_column_letter(index)].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def xlsx_names() -> list[str]:
    """The sheets' names and the answer sheet's headers, in the current language (see `to_xlsx`)."""
    return [_("Summary"), _("Answers"), *headers()]


def filename(room: Room, extension: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", room.title.lower()).strip("-")[:40] or "lab"
    return f"{slug}-{room.code}.{extension}"
