"""Writing a `Report` as HTML, PDF (WeasyPrint, from the same HTML) or DOCX (python-docx), and grouping its open
answers by theme (lab.themes). Runs in the worker processes (lab.report.workers), on plain data only; the charts come
drawn (lab.report.charts).
"""

from __future__ import annotations

import base64
import io
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.shared import Cm, Pt, RGBColor
from jinja2 import Environment, FileSystemLoader, select_autoescape

from .. import themes
from ..figures import Quote, Quotes
from ..questions import Table
from . import Cell, Part, Report, Section, Theme, counted

TEMPLATES = Path(__file__).parent.parent / "templates"
_env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(default=True))
_env.filters["fill"] = lambda text, **params: text % params


def write(report: Report, kind: str, images: Mapping[str, bytes]) -> bytes:
    """The report as a file of `kind`: "pdf", "docx" or "html"; `images`: its charts by name, drawn already (PNG for
    Word, SVG for the others), and its quotes grouped already (`Part.themes`) where they are."""
    if kind == "docx":
        return docx(report, images)
    page = html(report, images)
    if kind == "html":
        return page.encode()
    from weasyprint import HTML  # imported here: it loads Pango, which only the PDF needs

    return HTML(string=page, base_url=str(TEMPLATES)).write_pdf()  # type: ignore[no-any-return]


def pdf_part(report: Report, images: Mapping[str, bytes], start: int, end: int) -> bytes:
    """Sections `start` to `end` of the report as a PDF of their own, without page numbers (`join` prints those
    over the joined pages): with the title page and methods when it starts at the first section, with the appendix
    when it ends at the last. Every section starts a page, so the parts break their pages as the whole would."""
    from weasyprint import HTML

    page = html(report, images, report.sections[start:end], opening=start == 0,
                closing=end == len(report.sections), numbered=False)  # fmt: skip
    return HTML(string=page, base_url=str(TEMPLATES)).write_pdf()  # type: ignore[no-any-return]


def join(report: Report, parts: Sequence[bytes]) -> bytes:
    """The parts of a report's PDF (`pdf_part`) as one file, with its bookmarks, and "Pagina N / M" printed over
    every page in the footer the whole report would have had."""
    from pypdf import PdfReader, PdfWriter
    from weasyprint import HTML

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(parts[0])))  # the first part's title, language, bookmarks
    for part in parts[1:]:
        writer.append(PdfReader(io.BytesIO(part)))
    total = len(writer.pages)
    numbers = _env.get_template("report_pages.html").render(report=report, pages=total)
    numbered = PdfReader(io.BytesIO(HTML(string=numbers).write_pdf()))
    for page, number in zip(writer.pages, numbered.pages, strict=True):
        page.merge_page(number)
        page.compress_content_streams()  # merging leaves a page's content uncompressed
    writer.compress_identical_objects(remove_duplicates=True, remove_unreferenced=True)  # one copy of each font
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def themes_of(part: Part, lang: str, other: str) -> list[Theme]:
    """A round's quotes grouped by theme: the facilitator's corrected groups kept, the rest automatic."""
    figure = part.figure
    assert isinstance(figure, Quotes)
    by_key = {q.key: q for q in figure.quotes}
    fixed = [themes.Theme(name, tuple(items)) for name, items in part.fixed_themes]
    grouped = themes.group([(q.key, q.text) for q in figure.quotes], lang=lang, fixed=fixed)
    return [
        Theme(other if g.name == themes.OTHER else g.name, [by_key[k] for k in g.items if k in by_key])
        for g in grouped
        if g.items
    ]


# -- HTML and PDF -------------------------------------------------------------------------------------------------


def html(
    report: Report,
    images: Mapping[str, bytes],
    sections: Sequence[Section] | None = None,
    opening: bool = True,
    closing: bool = True,
    numbered: bool = True,
) -> str:
    """The report as a web page (and the PDF's source): all of it, or `sections` only, with or without the title
    page and methods (`opening`), the appendix (`closing`) and the page numbers in the PDF's footer."""
    return _env.get_template("report.html").render(
        report=report,
        sections=report.sections if sections is None else sections,
        opening=opening,
        closing=closing,
        numbered=numbered,
        charts={name: "data:image/svg+xml;base64," + base64.b64encode(svg).decode() for name, svg in images.items()},
        quotes_of=quotes_of,
        quoted=lambda part: isinstance(part.figure, Quotes),
        counted=lambda key, n: counted(report.labels, key, n),
    )


def quotes_of(part: Part) -> list[tuple[str, int, list[tuple[Quote, int]]]]:
    """A round's quotes as the report lists them: by theme where grouped, else in one list; (name, answers, quotes),
    the same words (case and spacing aside) quoted once with how many gave them, in the order first given. Answers
    that carry votes are each quoted: their votes are their own."""
    if part.themes:
        groups = [(theme.name, theme.quotes) for theme in part.themes]
    elif isinstance(part.figure, Quotes):
        groups = [("", part.figure.quotes)]
    else:
        return []
    out = []
    for name, quotes in groups:
        merged: dict[str, list[Any]] = {}
        for quote in quotes:
            key = quote.key if quote.votes is not None else " ".join(quote.text.casefold().split())
            merged.setdefault(key, [quote, 0])[1] += 1
        out.append((name, len(quotes), [(quote, count) for quote, count in merged.values()]))
    return out


# -- Word ---------------------------------------------------------------------------------------------------------


def docx(report: Report, images: Mapping[str, bytes]) -> bytes:
    labels = report.labels
    document = Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(2.5))
    style = document.styles["Normal"]
    style.font.name = "Calibri"
    style.font.size = Pt(11)
    document.core_properties.title = report.title
    document.core_properties.language = report.lang

    document.add_paragraph(labels["report"]).runs[0].font.color.rgb = RGBColor(0x55, 0x55, 0x55)
    document.add_heading(report.title, level=0)
    eligible = "" if report.eligible is None else str(report.eligible)
    facts = [(labels["date"], report.date), (labels["place"], report.place),
             (labels["facilitator"], report.facilitator), (labels["eligible"], eligible),
             (labels["joined"], str(report.joined)),
             (labels["answered"], str(report.answered)), (labels["code"], report.code)]  # fmt: skip
    _table(document, Table(["", ""], [[k, v] for k, v in facts if v]), header=False)
    if report.compared_with:
        document.add_paragraph(f"{labels['compare']}: {report.compared_with}")
    if report.merged_with:
        document.add_paragraph(f"{labels['merged']}: {report.merged_with}")
    document.add_heading(labels["methods"], level=1)
    for paragraph in report.methods:
        document.add_paragraph(paragraph)

    for sec in report.sections:
        document.add_page_break()  # type: ignore[no-untyped-call]
        document.add_heading(f"{sec.number}. {sec.prompt}", level=1)
        document.add_paragraph(sec.kind).runs[0].italic = True
        for part in sec.parts:
            if len(sec.parts) > 1 or part.title:
                document.add_heading(part.title or labels["round"] % {"n": part.round}, level=2)
            document.add_paragraph(counted(labels, "n", part.respondents)).runs[0].bold = True
            if part.turnout:
                document.add_paragraph(part.turnout)
            if part.verdict:
                outcome, reasons = part.verdict
                said = document.add_paragraph()
                said.add_run(f"{outcome}. ").bold = True
                said.add_run(reasons)
            if not part.respondents:
                document.add_paragraph(labels["no_answers"])
                continue
            if part.chart in images:
                document.add_picture(io.BytesIO(images[part.chart]), width=Cm(16))
            if isinstance(part.figure, Quotes):
                _quotes(document, report, part)
            else:
                _table(document, part.table)
            for heading, split in part.groups:
                document.add_heading(heading, level=3)
                _table(document, split)
        for comparison in sec.comparisons:
            document.add_heading(f"{labels['compare']}: {comparison.caption}", level=2)
            _table(document, Table(comparison.headers, comparison.rows))

    document.add_page_break()  # type: ignore[no-untyped-call]
    document.add_heading(labels["appendix"], level=1)
    document.add_paragraph(labels["appendix_note"])
    for title, table in report.appendix:
        document.add_heading(title, level=2)
        if isinstance(table, Table):
            _table(document, table)
        else:
            document.add_paragraph(table)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _quotes(document: DocxDocument, report: Report, part: Part) -> None:
    figure = part.figure
    assert isinstance(figure, Quotes)
    labels = report.labels
    for name, count, quotes in quotes_of(part):
        if name:
            document.add_heading(f"{name} ({count})", level=3)
        for quote, times in quotes:
            text = f"\u201c{quote.text}\u201d" + (f" ({times}\u00d7)" if times > 1 else "")
            if quote.votes is not None and figure.voted:
                text += "  (" + counted(labels, "votes", quote.votes) + ")"
            document.add_paragraph(text, style="List Bullet")
    if figure.left_out:
        document.add_paragraph(counted(labels, "left_out", figure.left_out)).runs[0].italic = True


def _table(document: DocxDocument, table: Table, header: bool = True) -> None:
    rows: list[Sequence[Cell]] = [*([table.headers] if header else []), *table.rows]
    if not rows:
        return
    grid = document.add_table(rows=0, cols=len(table.headers))
    grid.style = "Light Grid Accent 1" if header else "Table Grid"
    grid.alignment = WD_TABLE_ALIGNMENT.LEFT
    for row in rows:
        cells = grid.add_row().cells  # row by row: looking rows up by index is slow in a long table
        for cell, value in zip(cells, row, strict=False):
            cell.text = "" if value is None else str(value)
