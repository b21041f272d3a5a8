"""Results for the report (verslag): CSV with one row per answer, XLSX with a summary and the raw answers."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from .db import AnswerRow
from .i18n import gettext as _
from .questions import JSON
from .questions.opentext import card_id
from .rooms import Room


@dataclass(frozen=True)
class Row:
    number: int
    prompt: str
    type: str
    participant: str
    nickname: str
    answered_at: str
    answer: str
    value: JSON


def rows(room: Room, answers: list[AnswerRow]) -> list[Row]:
    """One row per answer, in question order then time. Participants appear under a short anonymous handle."""
    by_id = {q.id: q for q in room.questions}
    out = []
    for answer in answers:
        question = by_id.get(answer.question_id)
        if question is None:
            continue
        out.append(
            Row(
                question.position + 1, question.prompt, question.type.name, card_id(answer.participant_id)[:8],
                answer.nickname, answer.answered_at, question.type.answer_text(question.settings, answer.value),
                answer.value,
            )
        )  # fmt: skip
    return sorted(out, key=lambda row: row.number)


def _headers() -> list[str]:
    return [_("Question no."), _("Question"), _("Type"), _("Participant"), _("Name"), _("Answered at"), _("Answer")]


def _cells(row: Row) -> list[str | int]:
    return [row.number, row.prompt, row.type, row.participant, row.nickname, row.answered_at, row.answer]


def _safe(cell: str | int) -> str | int:
    """Keep spreadsheet programs from running participant text as a formula."""
    return "'" + cell if isinstance(cell, str) and cell[:1] in ("=", "+", "-", "@", "\t", "\r") else cell


def to_csv(rows: list[Row]) -> str:
    out = io.StringIO()
    out.write("\ufeff")  # so Excel reads UTF-8
    writer = csv.writer(out)
    writer.writerow(_headers())
    for row in rows:
        writer.writerow([_safe(cell) for cell in _cells(row)])
    return out.getvalue()


def summary(room: Room) -> list[list[str | int | float | None]]:
    """Per question: its prompt, then a line per option, statement, word or card with its figures."""
    lines: list[list[str | int | float | None]] = []
    for question in room.questions:
        results = question.aggregate.results(facilitator=True)
        lines.append([f"{question.position + 1}. {question.prompt}"])
        lines.append([_("Respondents"), results["respondents"]])
        if "options" in results:
            lines.append([_("Option"), _("Count"), _("Percent")])
            lines += [[o["label"], o["count"], o["percent"]] for o in results["options"]]
        elif "statements" in results:
            lines.append(
                [
                    _("Statement"),
                    _("Average"),
                    _("Answered"),
                    _("Skipped"),
                    *range(1, 1 + question.settings["scale_max"]),
                ]
            )
            lines += [
                [s["label"], s["average"], s["answered"], s["skipped"], *s["distribution"]]
                for s in results["statements"]
            ]
        elif "words" in results:
            lines.append([_("Word"), _("Count")])
            lines += [[w["word"], w["count"]] for w in results["words"]]
        elif "cards" in results:
            lines.append([_("Answer"), _("Hidden")])
            lines += [[c["text"], _("yes") if c["hidden"] else ""] for c in results["cards"]]
        lines.append([])
    return lines


def to_xlsx(room: Room, rows: list[Row]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = _("Summary")
    sheet.append([room.title])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([])
    for line in summary(room):
        sheet.append([_safe(cell) if isinstance(cell, str) else cell for cell in line])
    sheet.column_dimensions["A"].width = 60
    raw = book.create_sheet(_("Answers"))
    raw.append(_headers())
    for cell in raw[1]:
        cell.font = Font(bold=True)
    for row in rows:
        raw.append([_safe(cell) for cell in _cells(row)])
    for index, width in enumerate([8, 50, 12, 12, 16, 22, 60], start=1):
        raw.column_dimensions[get_column_letter(index)].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def filename(room: Room, extension: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", room.title.lower()).strip("-")[:40] or "lab"
    return f"{slug}-{room.code}.{extension}"
