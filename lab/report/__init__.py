"""The report (verslag): what was asked, how many answered, what the room thought, in Word, PDF and HTML.

Made in two steps. `collect` reads a room's live state on the event loop into plain data (a `Report`: sections,
figures from lab.figures, tables, counts, the methods paragraph), translated into the room's language; it is cheap.
`make` then groups open answers by theme, draws the charts and writes the document (lab.report.render), in
worker processes (lab.report.workers), so a room keeps running while its report is made. The PDF and the DOCX are
made from the same `Report`, so they say the same.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal

from .. import anonymity, export, i18n
from ..errors import N_
from ..figures import Bars, Cloud, Figure, Heat, Histogram, Quote, Quotes, Ratings, Scatter
from ..hub import Hub
from ..i18n import gettext as _
from ..questions import Aggregate, Table, Term
from ..records import JSON, SHOWN, STATUS_LABELS
from ..rooms import Room, Rooms
from ..store import Store, open_store
from ..tally import Question, Tally

Cell = str | int | float | None


@dataclass(frozen=True)
class Theme:
    name: str
    quotes: list[Quote]


@dataclass
class Part:
    """One round of a question."""

    round: int
    respondents: int  # n
    figure: Figure | None
    table: Table
    fixed_themes: list[tuple[str, list[str]]] = field(default_factory=list)  # as the facilitator corrected them
    themes: list[Theme] = field(default_factory=list)  # filled by make: the quotes grouped
    chart: str = ""  # the chart's file name (charts downloaded one by one), when it has one
    turnout: str = ""  # in a room for members only: how many of those who may answer did, in words
    verdict: tuple[str, str] | None = None  # a vote with a decision rule: the outcome, and its reasons in words
    groups: list[tuple[str, Table]] = field(default_factory=list)  # per group (under the privacy floor): heading, table
    title: str = ""  # its heading, where it is not a round of its own ("Both sessions together")


@dataclass(frozen=True)
class Comparison:
    caption: str
    headers: list[str]  # label, earlier, later, change
    rows: list[list[Cell]]


@dataclass
class Section:
    number: int
    question_id: int
    prompt: str
    kind: str  # the type's name, translated
    parts: list[Part]
    comparisons: list[Comparison] = field(default_factory=list)


@dataclass
class Report:
    title: str
    lang: str
    code: str
    date: str  # formatted in the room's language
    place: str
    facilitator: str
    joined: int
    answered: int  # participants who answered anything
    made_at: str
    methods: list[str]
    sections: list[Section]
    appendix: list[tuple[str, Table | str]]
    images: dict[str, bytes] = field(default_factory=dict)  # pictures the figures draw on (a map to pin on)
    compared_with: str = ""  # the other room's title, with --compare
    merged_with: str = ""  # the other room's title, with --merge
    eligible: int | None = None  # in a room for members only: the members with a code (not withdrawn)
    labels: dict[str, str] = field(default_factory=dict)  # the renderers' fixed words, translated


def number(value: float | None, lang: str, decimals: int = 1) -> str:
    """A figure as the report writes it: one decimal, in the language's way (3,4 in Dutch)."""
    if value is None:
        return "–"
    return format_decimal(round(value, decimals), format="#,##0." + "0" * decimals if decimals else "#,##0",
                          locale=lang)  # fmt: skip


def _cell(cell: object, lang: str) -> Cell:
    """A table's cell as the report writes it: words translated, fractions with one decimal."""
    if isinstance(cell, Term):
        return _(cell)
    if isinstance(cell, float):
        return number(cell, lang)
    return cell  # type: ignore[return-value]


def _table(tally: Tally, lang: str, aggregate: Aggregate | None = None) -> Table:
    table = (aggregate or tally.aggregate).table()
    return Table([_(h) if isinstance(h, str) else str(h) for h in table.headers],
                 [[_cell(c, lang) for c in row] for row in table.rows])  # fmt: skip


STATUS = Term(N_("Status"))


def _shown_table(tally: Tally, lang: str, aggregate: Aggregate | None = None) -> Table:
    """A table the report prints as it is (a group's, a session's): where it lists participants' own words, only
    those the moderator let through, without the status column; answers left out are not quoted anywhere."""
    table = (aggregate or tally.aggregate).table()
    if STATUS not in table.headers:
        return _table(tally, lang, aggregate)
    at = list(table.headers).index(STATUS)
    rows = [[c for i, c in enumerate(row) if i != at] for row in table.rows if row[at] == STATUS_LABELS[SHOWN]]
    return Table([_(h) if isinstance(h, str) else str(h) for i, h in enumerate(table.headers) if i != at],
                 [[_cell(c, lang) for c in row] for row in rows])  # fmt: skip


def _rounds(question: Question) -> list[tuple[int, Tally]]:
    """The rounds worth reporting: those with answers; else the current one (which says nobody answered)."""
    answered = [(n, t) for n, t in sorted(question.rounds.items()) if t.responses]
    return answered or [(question.round, question.tally)]


def _respondents(tally: Tally) -> int:
    return int(tally.results(facilitator=True)["respondents"])


MEASURES = {
    Bars: N_("Share of respondents (%)"),
    Ratings: N_("Average score"),
    Histogram: N_("Estimate"),
    Scatter: N_("Average score"),
    Heat: N_("Pins"),
    Cloud: N_("Times given"),
}


def _measure(figure: Figure) -> str:
    if isinstance(figure, Bars) and figure.measure:
        return _(figure.measure)
    if isinstance(figure, Bars) and figure.marked:
        return _("Answered right (%)")
    return _(MEASURES.get(type(figure), N_("Value")))


def compare(first: Figure | None, second: Figure | None, names: tuple[str, str], lang: str) -> Comparison | None:
    """Two results of the same question side by side, per option or statement, with the change (second minus
    first); None when the figures cannot be compared (different kinds, or quotes)."""
    if first is None or second is None or type(first) is not type(second) or isinstance(first, Quotes):
        return None
    before, after = dict(first.key_values()), dict(second.key_values())
    labels = [label for label, _value in second.key_values()]
    labels += [label for label, _value in first.key_values() if label not in after]
    rows: list[list[Cell]] = []
    for label in labels:
        a, b = before.get(label), after.get(label)
        change = None if a is None or b is None else b - a
        sign = "+" if change is not None and round(change, 1) > 0 else ""
        shown = _(label) if isinstance(label, Term) else label
        rows.append([shown, number(a, lang), number(b, lang), "–" if change is None else sign + number(change, lang)])
    return Comparison(_measure(second), ["", names[0], names[1], _("Change")], rows)


def _key(question: Question) -> tuple[str, str]:
    return question.type.name, " ".join(question.prompt.casefold().split())


def collect(
    room: Room, joined: int, images: dict[str, bytes], other: Room | None = None, now: dt.datetime | None = None,
    merge: bool = False,
) -> Report:  # fmt: skip
    """The room's report as plain data, in the room's language. `joined`: participants who ever joined (from the
    store; with `merge`, of both rooms); `images`: the pictures figures draw on, by name; `other`: a room to compare
    the same questions with, or with `merge` to count them together with (the same deck run live and as a
    consultation)."""
    token = i18n.current.set(room.lang)
    try:
        return _collect(room, joined, images, other, now or dt.datetime.now(dt.UTC), merge)
    finally:
        i18n.current.reset(token)


COMPARED, MERGED = "compared", "merged"


def _merged(question: Question, tally: Tally, match: Question, names: tuple[str, str], lang: str) -> Part | None:
    """The last rounds of the same question in two rooms counted as one, with each room's table below; None where
    their answers do not mean the same (other options, statements or scale) or where they are a Q&A's questions."""
    _n, theirs = _rounds(match)[-1]
    if question.type.anytime or not tally.type.answers_still_fit(theirs.type.name, theirs.settings, tally.settings):
        return None
    both = Tally(tally.type, tally.settings, [*tally.answers.values(), *theirs.answers.values()])
    if tally.hands or theirs.hands:
        both.set_hands([a + b for a, b in itertools.zip_longest(tally.hands, theirs.hands, fillvalue=0)])
    verdict = both.verdict(None)  # a rule on everyone who may vote has no one list over two rooms: not judged
    own = [(f"{name} (n = {_respondents(t)})", _shown_table(t, lang))
           for name, t in zip(names, (tally, theirs), strict=True)]  # fmt: skip
    return Part(0, _respondents(both), both.type.figure(both.settings, both.aggregate), _table(both, lang),
                verdict=verdict.words(lang) if verdict and verdict.met is not None else None, groups=own,
                title=_("Both sessions together"))  # fmt: skip


def _collect(
    room: Room, joined: int, images: dict[str, bytes], other: Room | None, now: dt.datetime, merge: bool
) -> Report:
    lang, zone = room.lang, room.details.zone
    sections: list[Section] = []
    appendix: list[tuple[str, Table | str]] = []
    answered: set[str] = set()
    theirs = {_key(q): q for q in other.questions if q.type.asks} if other else {}
    shown_number = 0
    for question in room.questions:
        if not question.type.asks:
            continue
        shown_number += 1
        parts = []
        for round_number, tally in _rounds(question):
            answered.update(tally.answers)
            answered.update(p.participant for p in tally.posts.values())
            figure = tally.type.figure(tally.settings, tally.aggregate)
            fixed = [(str(g["name"]), [str(i) for i in g["items"]])
                     for g in room.themes.get((question.id, round_number), [])]  # fmt: skip
            chart = f"{shown_number}-{round_number}" if figure is not None and not isinstance(figure, Quotes) else ""
            verdict = room.verdict_of(tally)
            split = room.split(question, tally) if question.by_group else None
            groups = [(f"{label or _('Other groups together')} (n = {n})", _shown_table(tally, lang, aggregate))
                      for label, n, aggregate in split or ()]  # fmt: skip
            parts.append(Part(round_number, _respondents(tally), figure, _table(tally, lang), fixed, chart=chart,
                              turnout=_turnout(room, tally),
                              verdict=verdict.words(lang) if verdict else None, groups=groups))  # fmt: skip
            listed = _answers(tally)
            if listed is not None and tally.responses:
                several = len(question.rounds) > 1
                appendix.append((_appendix_title(shown_number, question, round_number, several), listed))
        section = Section(shown_number, question.id, question.prompt, _(question.type.label), parts)
        if len(parts) > 1:
            names = (_("Round %(n)d", n=parts[0].round), _("Round %(n)d", n=parts[-1].round))
            found = compare(parts[0].figure, parts[-1].figure, names, lang)
            if found:
                section.comparisons.append(found)
        match = theirs.get(_key(question))
        merged = None
        if match is not None and other is not None and merge:
            merged = _merged(question, _rounds(question)[-1][1], match, (_label(room), _label(other)), lang)
            if merged is not None:
                answered.update(_rounds(match)[-1][1].answers)
                if merged.figure is not None and not isinstance(merged.figure, Quotes):
                    merged.chart = f"{shown_number}-0"  # round 0: both sessions together
                section.parts.append(merged)
        if match is not None and other is not None and merged is None:
            _n, earlier = _rounds(match)[-1]
            names = (_label(other), _label(room))
            found = compare(earlier.type.figure(earlier.settings, earlier.aggregate), parts[-1].figure, names, lang)
            if found:
                section.comparisons.append(found)
        sections.append(section)
    date = room.details.date or room.created_at[:10]
    return Report(
        title=room.title, lang=lang, code=room.code,
        date=format_date(dt.date.fromisoformat(date), format="long", locale=lang),
        place=room.details.place, facilitator=room.details.facilitator, joined=joined, answered=len(answered),
        made_at=format_datetime(now.astimezone(zone), format="d MMMM y HH:mm", tzinfo=zone, locale=lang),
        methods=methods(room, joined, len(answered), other if merge else None), sections=sections,
        appendix=appendix, images=images, compared_with=other.title if other and not merge else "",
        merged_with=other.title if other and merge else "", labels=labels(),
        eligible=_eligible(room),
    )  # fmt: skip


def _eligible(room: Room) -> int | None:
    summary = room.member_summary()
    return int(summary["members"]) if summary["access"] == "codes" else None


def _turnout(room: Room, tally: Tally) -> str:
    """ "12 of the 200 members with a code answered (6%)", weighed too where the member list gives weights."""
    found = room.turnout_of(tally)
    if found is None:
        return ""
    text = _("%(n)s of the %(of)s members with a code answered (%(percent)s%%)", n=found.answered, of=found.eligible,
             percent=_percent(found.answered, found.eligible))  # fmt: skip
    if found.answered_weight != found.answered or found.eligible_weight != found.eligible:
        text += "; " + _("weighed %(n)s of %(of)s (%(percent)s%%)", n=number(found.answered_weight, room.lang),
                         of=number(found.eligible_weight, room.lang),
                         percent=_percent(found.answered_weight, found.eligible_weight))  # fmt: skip
    by_proxy = room.by_proxy(tally)
    if by_proxy:
        text += "; " + _("of them %(n)s by proxy", n=by_proxy)
    return text


def _session(room: Room) -> str:
    """A room as the methods paragraph names it: "“Title” (live, 12 november 2026)", or for a consultation at the
    members' own pace its period."""
    zone = room.details.zone

    def day(ms: int) -> str:
        return format_date(dt.datetime.fromtimestamp(ms / 1000, dt.UTC).astimezone(zone).date(), format="long",
                           locale=room.lang)  # fmt: skip

    consultation = room.consultation
    if consultation.paced:
        if consultation.starts_ms is not None and consultation.ends_ms is not None:
            how = _("at the members' own pace, from %(start)s to %(end)s", start=day(consultation.starts_ms),
                    end=day(consultation.ends_ms))  # fmt: skip
        elif consultation.ends_ms is not None:
            how = _("at the members' own pace, until %(end)s", end=day(consultation.ends_ms))
        else:
            how = _("at the members' own pace")
    else:
        date = room.details.date or room.created_at[:10]
        how = _("live, %(date)s", date=format_date(dt.date.fromisoformat(date), format="long", locale=room.lang))
    return f"\u201c{room.title}\u201d ({how})"


def _percent(part: float, whole: float) -> int:
    return round(100 * part / whole) if whole else 0


def _label(room: Room) -> str:
    """How a room is named in a comparison's column: its date, else its title."""
    if room.details.date:
        return format_date(dt.date.fromisoformat(room.details.date), format="medium", locale=room.lang)
    return room.title[:30]


def _appendix_title(number_: int, question: Question, round_: int, several: bool) -> str:
    title = f"{number_}. {question.prompt}"
    return title + " (" + _("round %(n)d", n=round_) + ")" if several else title


APPENDIX_DISTINCT = 100  # a closed question's different answers listed in the appendix, at most


def _answers(tally: Tally) -> Table | str | None:
    """A round's answers for the appendix: every answer as given, the same answers merged with their count, most
    given first; or, when there are more than APPENDIX_DISTINCT different ones, a sentence that says where they
    are (the table at the question counts each of them; the exports have one row per participant). None for a
    question whose answers the report already quotes in full."""
    if tally.type.anytime or tally.type.themed:
        return None
    counts: dict[tuple[str, str], int] = {}
    for answer in tally.answers.values():
        key = (tally.type.answer_text(tally.settings, answer.value), answer.status)
        counts[key] = counts.get(key, 0) + 1
    if len(counts) > APPENDIX_DISTINCT:
        return _("%(n)s different answers: every one is counted in the table at the question, and the Excel and "
                 "CSV exports have one row per participant.", n=len(counts))  # fmt: skip
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return Table([_("Answer"), _("Times given"), _("Status")],
                 [[text, count, _(STATUS_LABELS[status])] for (text, status), count in ordered])  # fmt: skip


def labels() -> dict[str, str]:
    """The words around the results, in the current language (the renderers run in worker processes: no context)."""
    return {
        "report": _("Report"), "date": _("Date"), "place": _("Place"), "facilitator": _("Facilitator"),
        "joined": _("Participants who joined"), "answered": _("Participants who answered at least one question"),
        "made_at": _("Made on"), "contents": _("Questions"), "methods": _("How the answers were collected"),
        "appendix": _("Appendix: all answers"), "n": _("n = %(n)s respondents"), "round": _("Round %(n)s"),
        "left_out": _("%(n)s answers left out by the moderator"),
        "left_out_one": _("1 answer left out by the moderator"),
        "no_answers": _("Nobody answered this question."), "average": _("average"), "skipped": _("don't know"),
        "votes": _("%(n)s votes"), "votes_one": _("1 vote"), "other": _("Other"), "n_one": _("n = 1 respondent"),
        "quotes": _("Answers, grouped by theme"), "questions": _("Questions from the room, most votes first"),
        "compare": _("Compared"),
        "merged": _("Counted together with"), "statement_n": _("n per statement"), "code": _("Session code"),
        "median": _("median"), "right": _("right answer"), "page": _("Page"),
        "eligible": _("Members with a code"),
        "appendix_note": _("Every answer to the closed questions, identical answers merged with their count. Answers "
                           "in participants' own words are quoted at their question. One row per participant is in "
                           "the Excel and CSV exports."),
    }  # fmt: skip


def methods(room: Room, joined: int, answered: int, merged: Room | None = None) -> list[str]:
    """The methods paragraph in plain language, from the room's real settings (`merged`: the room whose answers to
    the same questions are counted together with these)."""
    asked = [q for q in room.questions if q.type.asks]
    tallies = [t for q in asked for _n, t in _rounds(q)]
    out = [
        _("The answers were collected with lab during the session. Participants answered on their own phone, "
          "after scanning a QR code or typing a short code; no account, name or e-mail address was needed."),
        _("%(joined)s participants joined, and %(answered)s of them answered at least one question. For every "
          "question, n is the number of participants who answered it. Not everyone answers every question, so n "
          "differs per question.", joined=joined, answered=answered),
    ]  # fmt: skip
    if any(t.type.name != "qa" and not t.settings.get("allow_change", True) for t in tallies):
        out.append(_("Some questions allowed one answer only; for the others participants could change their "
                     "answer while the question was open, and only their last answer counts."))  # fmt: skip
    else:
        out.append(_("Participants could change their answer while the question was open; only their last answer "
                     "counts."))  # fmt: skip
    if any(t.settings.get("allow_skip") for t in tallies):
        out.append(_("With statements, participants could choose \u201cdon't know / skip\u201d. Those answers are "
                     "not a score: they are counted apart and are not part of the average. For every statement the "
                     "report gives how many gave a score."))  # fmt: skip
    if any(t.type.has_text for t in tallies):
        text = _("Answers in participants' own words were checked against a list of offensive words.")
        if any(t.settings.get("premoderate") for t in tallies):
            text += " " + _("For some questions the facilitator approved every answer before it was shown.")
        text += " " + _("Answers the moderator left out are not quoted in this report, but their number is given.")
        out.append(text)
    if any(t.type.themed and t.answers for t in tallies):
        out.append(_("Open answers are grouped by theme automatically, by the words they share (words with the "
                     "same stem and related words count as one); the facilitator can correct the groups. A group "
                     "is a help for reading, not a count of opinions."))  # fmt: skip
    if any(len([1 for t in q.rounds.values() if t.responses]) > 1 for q in asked):
        out.append(_("Some questions were asked twice; the rounds are shown side by side."))
    paper = sum(b.counted for b in room.ballots.values())
    if paper:
        out.append(_("Besides phones, %(n)s paper ballots were counted. Two tellers each typed every ballot in "
                     "apart; a ballot counted only once both had entered the same. A member who also answered a "
                     "question on a phone was counted once, by the phone.", n=paper))  # fmt: skip
    if any(t.hands for t in tallies):
        out.append(_("For some questions the facilitator counted a show of hands in the hall; those hands are added "
                     "to the answers, and the tables give each way of voting apart."))  # fmt: skip
    if any(t.settings.get("rule") for t in tallies):
        out.append(_("Some votes had a decision rule; under each such question the report says whether it was "
                     "carried, and why. Blank votes count as votes given but not as votes cast. Where a rule counts "
                     "everyone who may vote, members who did not vote count as not in favour."))  # fmt: skip
    if any(q.by_group for q in asked):
        out.append(_("For some questions the results are also given per group. A group with fewer than %(floor)s "
                     "answers is not shown apart, so that nobody can be singled out; small groups are shown "
                     "together.", floor=room.privacy_floor))  # fmt: skip
    if room.proxies():
        out.append(_("Members could give another member a written proxy (volmacht), which the organiser recorded "
                     "(%(n)s in all); each member could hold one. The turnout under a question says how many answers "
                     "came by proxy.", n=len(room.proxies())))  # fmt: skip
    summary = room.member_summary()
    if summary["access"] == "codes":
        out.insert(1, _("Only members could answer, each with the personal code on their letter: one answer per code "
                        "per question, on any phone. %(members)s members had a code. Where this report gives a "
                        "turnout, it is counted against them; members who did not answer count as not answering.",
                        members=summary["members"]))  # fmt: skip
    if merged is not None:
        out.insert(0, _("This report counts together the answers of two sessions with the same questions: "
                        "%(first)s and %(second)s. Where a question was asked in both, its results are given "
                        "together and, below them, for each session apart; a question that differed between them is "
                        "compared instead.", first=_session(room), second=_session(merged)))  # fmt: skip
    sealed = None
    if room.sealed is not None:
        moment = dt.datetime.fromtimestamp(room.sealed.at_ms / 1000, dt.UTC).astimezone(room.details.zone)
        sealed = format_date(moment.date(), format="long", locale=room.lang)
    out.append(anonymity.methods(room.anonymity, room.access, sealed))
    return out


def counted(labels: dict[str, str], key: str, n: int) -> str:
    """A label with a number in it: its singular form for 1 ("1 stem"), else the plural filled in."""
    return labels[f"{key}_one"] if n == 1 and f"{key}_one" in labels else labels[key] % {"n": n}


def chart_names(report: Report) -> dict[str, tuple[Section, Part]]:
    """The report's charts by file name (`3-1`: question 3, round 1), for downloading one by one."""
    return {part.chart: (section, part) for section in report.sections for part in section.parts if part.chart}


async def build(store: Store, room: Room, kind: str, other: Room | None = None, merge: bool = False) -> bytes:
    """A room's report as a file of `kind`: read on the event loop, written in the worker processes. `other`: a
    room to compare with, or with `merge` to count together with."""
    joined = await store.joined(room.id) + (await store.joined(other.id) if other is not None and merge else 0)
    return await make(collect(room, joined, await _images(room), other, merge=merge), kind)


async def make(made: Report, kind: str) -> bytes:
    """The report as a file of `kind` ("pdf", "docx" or "html"), made in the worker processes (lab.report.workers):
    the charts drawn side by side while the open answers are grouped by theme, then the file written from them."""
    from . import workers

    image = "png" if kind == "docx" else "svg"  # Word takes no SVG; the PDF and the web page stay sharp with it
    drawn = {part.chart: part.figure for section in made.sections for part in section.parts
             if part.chart and part.figure is not None and part.respondents}  # fmt: skip
    parts = themed(made)
    grouping = asyncio.ensure_future(workers.run(_group, made)) if parts else None
    args = made.labels, made.lang, made.images
    images = await asyncio.gather(*(workers.run(_chart, figure, *args, image) for figure in drawn.values()))
    if grouping is not None:
        for part, themes in zip(parts, await grouping, strict=True):
            part.themes = themes
    charts = dict(zip(drawn, images, strict=True))
    cut = split_at(made, charts) if kind == "pdf" else None
    if cut is None:
        return await workers.run(_write, made, kind, charts)
    # A big PDF is laid out in two parts at once, one per worker, then joined and its pages numbered.
    end = len(made.sections)
    halves = await asyncio.gather(
        workers.run(_pdf_part, made, charts, 0, cut), workers.run(_pdf_part, made, charts, cut, end)
    )
    return await workers.run(_join, made, list(halves))


SPLIT_ABOVE = 3_000_000  # a PDF whose `weight` is above this (µs) is laid out in two parts at once


def split_at(report: Report, charts: Mapping[str, bytes]) -> int | None:
    """Where to cut the report's sections into two parts of about the same work for WeasyPrint (the title page and
    methods go with the first, the appendix with the second); None when it is too small to be worth the join (about
    0.6 s for 50 pages)."""
    weights = [weight(section, charts) for section in report.sections]
    first = SECTION + QUOTE * len(report.sections)  # the title page lists every question
    last = SECTION + sum(_table_weight(table) for _, table in report.appendix if not isinstance(table, str))
    total = first + sum(weights) + last
    if len(weights) < 2 or total < SPLIT_ABOVE:
        return None
    so_far = first
    for cut, part in enumerate(weights[:-1], start=1):
        if so_far + part / 2 >= total / 2:  # this section would end past the middle: cut before it
            return max(cut - 1, 1)
        so_far += part
    return len(weights) - 1


# What WeasyPrint spends, roughly, in µs, measured on a 1,000-participant room (python -m bench.report): a section's
# heading and page, a quote as listed (the same words once) and its votes, a table and each of its cells (tables are
# measured twice), a chart, each text in it (laid out by Pango, as a paragraph is) and each byte of it (its shapes,
# and a picture under pins).
SECTION, QUOTE, VOTES, TABLE, CELL, CHART, CHART_TEXT, CHART_BYTE = (
    20_000, 1_700, 1_700, 30_000, 2_000, 40_000, 2_000, 1.5,
)  # fmt: skip


def weight(section: Section, charts: Mapping[str, bytes]) -> int:
    """Roughly how long WeasyPrint takes over a section, in µs: its quotes or tables and its chart."""
    total = SECTION
    for part in section.parts:
        if part.chart in charts:
            chart = charts[part.chart]
            total += CHART + CHART_TEXT * chart.count(b"<text") + int(CHART_BYTE * len(chart))
        if isinstance(part.figure, Quotes):
            if part.figure.voted:  # each idea keeps its own line, with its votes
                total += (QUOTE + VOTES) * len(part.figure.quotes)
            else:  # the same words are listed once
                total += QUOTE * len({" ".join(quote.text.lower().split()) for quote in part.figure.quotes})
        else:
            total += _table_weight(part.table)
        total += sum(_table_weight(table) for _, table in part.groups)
    return total


def _table_weight(table: Table) -> int:
    return TABLE + CELL * sum(len(row) for row in table.rows) if table.rows else 0


def themed(report: Report) -> list[Part]:
    """The rounds whose quotes the report groups by theme and has not grouped yet."""
    return [part for section in report.sections for part in section.parts
            if isinstance(part.figure, Quotes) and part.figure.themed and not part.themes]  # fmt: skip


# The jobs of the worker processes: module-level, so pickle finds them by name, and importing matplotlib,
# scikit-learn and the document writers only inside, where the workers already have them.


def _write(made: Report, kind: str, images: dict[str, bytes]) -> bytes:
    from .render import write

    return write(made, kind, images)


def _pdf_part(made: Report, charts: dict[str, bytes], start: int, end: int) -> bytes:
    from .render import pdf_part

    return pdf_part(made, charts, start, end)


def _join(made: Report, parts: list[bytes]) -> bytes:
    from .render import join

    return join(made, parts)


def _group(made: Report) -> list[list[Theme]]:
    from .render import themes_of

    return [themes_of(part, made.lang, made.labels["other"]) for part in themed(made)]


def _chart(figure: Figure, labels: dict[str, str], lang: str, images: dict[str, bytes], kind: str) -> bytes:
    from . import charts

    if kind == "svg":
        return charts.svg(figure, labels, lang, images).encode()
    return charts.png(figure, labels, lang, images)


def _themes(part: Part, lang: str, other: str) -> list[Theme]:
    from .render import themes_of

    return themes_of(part, lang, other)


async def load_and_render(
    db: str | Path, code: str, kind: str, compare_code: str | None = None, merge: bool = False
) -> tuple[str, bytes, int]:
    """For `lab report`: open the database for reading, load the room (and the one to compare with, or with
    `merge` to count together with), render. Raises LookupError with the code of a room that is not there."""
    store = open_store(db, lock=False)  # reading only: a running server may hold the file
    await store.open()
    try:
        rooms = Rooms(store, Hub())
        room = await rooms.get(code)
        if room is None:
            raise LookupError(code)
        other = None
        if compare_code:
            other = await rooms.get(compare_code)
            if other is None:
                raise LookupError(compare_code)
        body = await build(store, room, kind, other, merge)
        return filename(room, kind), body, sum(q.type.asks for q in room.questions)
    finally:
        await store.close()
        from . import workers

        await asyncio.to_thread(workers.shutdown)


def filename(room: Room, extension: str, chart: str = "") -> str:
    return export.filename(room, extension, prefix="verslag-", suffix=f"-{chart}" if chart else "")


async def _images(room: Room) -> dict[str, bytes]:
    """The pictures the room's figures draw on (a map to pin on), by name."""
    images = {}
    for question in room.questions:
        for _n, tally in _rounds(question):
            name = tally.settings.get("image")
            if isinstance(name, str) and name and name not in images:
                found = await room.image(name)
                if found is not None:
                    images[name] = found[1]
    return images


async def chart(room: Room, name: str, kind: str) -> bytes | None:
    """One chart of the report (`chart_names`) as "svg" or "png"; None when there is no such chart."""
    made = collect(room, 0, await _images(room))
    found = chart_names(made).get(name)
    if found is None or kind not in ("svg", "png"):
        return None
    figure = found[1].figure
    assert figure is not None
    from . import workers

    return await workers.run(_chart, figure, made.labels, made.lang, made.images, kind)


async def themes_for(room: Room, question_id: int, round_: int) -> dict[str, JSON] | None:
    """A round's open answers grouped by theme as the report will group them (the facilitator's corrections kept),
    for the console; None when the question has no such round or its answers are not grouped."""
    question = room.question(question_id)
    tally = question.rounds.get(round_) if question else None
    if tally is None or not tally.type.themed:
        return None
    figure = tally.type.figure(tally.settings, tally.aggregate)
    assert isinstance(figure, Quotes)
    fixed = [(str(g["name"]), [str(i) for i in g["items"]]) for g in room.themes.get((question_id, round_), [])]
    token = i18n.current.set(room.lang)
    try:
        other = _("Other")
    finally:
        i18n.current.reset(token)
    part = Part(round_, 0, figure, Table([], []), fixed)
    from . import workers

    grouped = await workers.run(_themes, part, room.lang, other)
    return {
        "corrected": (question_id, round_) in room.themes,
        "themes": [{"name": t.name, "items": [{"card": q.key, "text": q.text} for q in t.quotes]} for t in grouped],
    }
