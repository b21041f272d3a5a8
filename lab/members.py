"""Member codes: who may answer a room that asks for them, and how much their answer weighs.

A tenant organisation consults its members (achterban), a housing association the tenants of a complex before a
renovation: one vote per dwelling or member, as their rules say. The organiser brings a list (an id per line such
as a dwelling or member number, optionally a group and a weight; no names needed) or asks for a number of codes;
lab makes one code per line, printed on a letter or card. Whoever types a code answers as that member, on any
phone: the code is bound to one participant id, so a member who stops halfway goes on later on another phone, and a
dwelling keeps one answer per question however many phones its code is typed on.

Codes are typed from paper by older members: 8 letters and digits in two groups of four ("KT7R-9CXA"), from an
alphabet without the ones that look alike (0 and O, 1, I and L, 2 and Z, 5 and S, 8 and B), read without regard
to case, spaces or dashes. 25^8 codes: with 20,000 members and 20 wrong guesses a minute per address
(access.CodeGuard), a guesser needs about a year per code found.
"""

from __future__ import annotations

import csv
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from .errors import N_, Invalid

ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"
LENGTH = 8
MOST = 20_000  # members per room: a national consultation of one organisation; the letters PDF stays printable
REF_LENGTH = 60
GROUP_LENGTH = 60


@dataclass(frozen=True)
class NewMember:
    ref: str  # the organiser's id: a dwelling or member number ("1" to "N" for codes asked for by number)
    group: str | None = None
    weight: float = 1.0


@dataclass(frozen=True)
class Member:
    id: int
    code: str  # as stored: 8 characters of ALPHABET, without the dash
    ref: str
    group: str | None
    weight: float
    participant: str  # the participant id whoever types the code answers as
    withdrawn: bool = False
    proxy_of: int | None = None  # the member whose proxy (volmacht) this one holds, and votes for

    @property
    def shown(self) -> str:
        return shown(self.code)


@dataclass(frozen=True)
class Turnout:
    """Of a round, in a room for members only: members who may answer and who did, counted and weighed."""

    eligible: int
    answered: int
    eligible_weight: float
    answered_weight: float


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def shown(code: str) -> str:
    """A code as printed and read out: two groups of four."""
    return f"{code[:4]}-{code[4:]}"


def tidy(typed: str) -> str:
    """A typed code as stored: capitals, without spaces or dashes (a phone may capitalise the first letter only,
    a member may copy the dash or not)."""
    return "".join(ch for ch in typed.upper() if ch not in " -\t.")[:32]


def counted(count: object, start: int = 1) -> list[NewMember]:
    """`count` codes without a list: numbered from `start` (so that a second batch goes on where the first ended)."""
    if not isinstance(count, int) or isinstance(count, bool) or not 1 <= count <= MOST:
        raise Invalid(N_("Ask for 1 to %(most)s codes."), most=MOST)
    return [NewMember(str(n)) for n in range(start, start + count)]


def parse_list(text: str) -> list[NewMember]:
    """A member list as CSV, as a spreadsheet saves it: a header row with `id` (or `nummer`, `adres`), and
    optionally `group` (`groep`, `complex`) and `weight` (`gewicht`); `,` or `;` between columns (Excel's `sep=`
    line too), a decimal comma allowed where `;` separates. Empty rows are skipped. Raises Invalid naming the line
    (as a spreadsheet numbers it) of the first mistake."""
    lines = text.removeprefix("\ufeff").splitlines()  # Excel's byte order mark
    if lines and lines[0].strip().lower() in ("sep=;", "sep=,"):
        delimiter, start = lines[0].strip()[-1], 1
    else:
        first = next((line for line in lines if line.strip()), "")
        delimiter, start = (";" if first.count(";") > first.count(",") else ","), 0
    rows: list[tuple[int, list[str]]] = []
    reader = csv.reader(lines[start:], delimiter=delimiter)
    try:
        for row in reader:
            if any(cell.strip() for cell in row):
                rows.append((reader.line_num + start, row))
    except csv.Error:
        raise Invalid(N_("Line %(line)s cannot be read: check its quotes."), line=reader.line_num + start) from None
    if not rows:
        raise Invalid(N_("The list is empty."))
    header = [cell.strip().casefold() for cell in rows[0][1]]
    columns = {name: _column(header, names) for name, names in COLUMNS.items()}
    if columns["ref"] is None:
        raise Invalid(N_('The first line must name the columns, with one called "id" (a dwelling or member number).'))
    members, seen = [], set()
    for line, row in rows[1:]:
        ref = _cell(row, columns["ref"])
        if not ref:
            raise Invalid(N_("Line %(line)s has no id."), line=line)
        if len(ref) > REF_LENGTH:
            raise Invalid(N_("The id on line %(line)s is longer than %(most)s characters."), line=line, most=REF_LENGTH)
        group = _cell(row, columns["group"])
        if not ref.isprintable() or not group.isprintable():
            raise Invalid(N_("Line %(line)s holds a character that is not text."), line=line)
        if ref.casefold() in seen:
            raise Invalid(N_("The id %(id)s is on the list twice (line %(line)s)."), id=ref, line=line)
        seen.add(ref.casefold())
        if group and len(group) > GROUP_LENGTH:
            raise Invalid(N_("The group on line %(line)s is longer than %(most)s characters."), line=line,
                          most=GROUP_LENGTH)  # fmt: skip
        members.append(NewMember(ref, group or None, _weight(_cell(row, columns["weight"]), line)))
    if not members:
        raise Invalid(N_("The list has a header but no members."))
    if len(members) > MOST:
        raise Invalid(N_("A room takes at most %(most)s members."), most=MOST)
    return members


COLUMNS = {
    "ref": ("id", "nummer", "lidnummer", "huisnummer", "adres", "woning", "number", "member", "address", "dwelling"),
    "group": ("group", "groep", "complex", "buurt", "wijk"),
    "weight": ("weight", "gewicht"),
}


def _column(header: list[str], names: Iterable[str]) -> int | None:
    return next((header.index(name) for name in names if name in header), None)


def _cell(row: list[str], column: int | None) -> str:
    return row[column].strip() if column is not None and column < len(row) else ""


def _weight(cell: str, line: int) -> float:
    if not cell:
        return 1.0
    try:
        weight = round(float(cell.replace(",", ".")), 3)  # thousandths: rules count weights exactly (lab.rules)
    except ValueError:
        raise Invalid(N_("The weight on line %(line)s is not a number."), line=line) from None
    if not 0 < weight <= 1000:
        raise Invalid(N_("The weight on line %(line)s must be above 0 and at most 1000."), line=line)
    return weight
