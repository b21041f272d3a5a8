"""Paper ballots, entered by two tellers independently (double entry).

Members without a smartphone, or a consultation that also goes out on paper, answer on a printed ballot (the paper
deck, lab.letters). Two tellers each type every ballot into the console, without seeing what the other typed. A
ballot counts once both entries agree: its answers are then stored as the answers of the member whose code is on
it (in an open room: of the ballot's number), with channel "paper". Where the entries differ, the console shows
both until a teller corrects theirs.

One vote per dwelling holds across channels: a question the member already answered on a phone is not taken from
their ballot (the console says so), and a phone cannot change an answer given on paper.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final

from .errors import Invalid, LabError
from .records import JSON
from .wire import dumps, loads

PAPER: Final = "paper"
TELLERS: Final = (1, 2)
MOST_NUMBER: Final = 99_999  # ballot numbers in an open room: 1 to this


class BallotAnswerError(Invalid):
    """An answer on a ballot that its question does not take: the error, said of the question by its number."""

    def __init__(self, number: int, error: LabError) -> None:
        super().__init__(error.msgid, **error.params)
        self.number = number


Entry = dict[int, tuple[int, JSON]]
"""One teller's entry of a ballot: question id -> (round, value as normalised); a question left empty on the
ballot is not in it."""


@dataclass
class Ballot:
    """A paper ballot as the tellers entered it so far."""

    key: str  # the member code on it (as stored, without the dash), or its number in an open room
    entries: dict[int, Entry] = field(default_factory=dict)  # teller -> entry
    counted: bool = False  # both entries agreed, and its answers were stored
    on_phone: tuple[int, ...] = ()  # questions not taken from it: the member answered them on a phone

    @property
    def agreed(self) -> bool:
        return len(self.entries) == len(TELLERS) and self.entries[1] == self.entries[2]

    def differences(self) -> list[int]:
        """The questions whose entries differ (in question id order); none until both tellers entered it."""
        if len(self.entries) < len(TELLERS):
            return []
        first, second = self.entries[1], self.entries[2]
        return sorted(q for q in first.keys() | second.keys() if first.get(q) != second.get(q))


def entry_json(entry: Entry) -> str:
    return dumps({str(q): [r, v] for q, (r, v) in sorted(entry.items())})


def entry_of(text: str) -> Entry:
    raw: Mapping[str, list[JSON]] = loads(text)
    return {int(q): (int(r), v) for q, (r, v) in raw.items()}


def participant(room_id: int, key: str) -> str:
    """The participant a ballot of an open room answers as (its number makes it one of its own)."""
    return f"paper-{room_id}-{key}"
