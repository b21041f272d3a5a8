"""What a question's results look like in the report (verslag): a small vocabulary of figures that question types
describe their results in, and that the report draws (lab.report.charts) without knowing any type.

A type returns one figure from `QuestionType.figure`; a new type composes its picture from these kinds, or returns
None and the report shows its table alone. Figures hold plain data and English msgids (`Term`), never drawing code:
they are built on the event loop from live state and drawn in a worker thread.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .errors import N_, Term


@dataclass(frozen=True)
class Bars:
    """One bar per label: counts (with percentages of `total`), or averages on a `scale` (then no percentages).
    `marked` bars are the right answers of a quiz. Bars keep the given order (options as asked, or best first)."""

    labels: list[str]
    values: list[float]
    total: int | None = None  # respondents: percentages are of this; None for averages
    measure: Term | None = None  # what the values are when they are not counts ("Average place")
    scale: tuple[float, float] | None = None  # the values' range, when not counts
    marked: frozenset[int] = frozenset()
    headline: list[float | None] | None = None  # compared across rounds and rooms, per label (default: values)

    def key_values(self) -> list[tuple[str, float | None]]:
        if self.headline is not None:
            return list(zip(self.labels, self.headline, strict=True))
        if self.total:
            return [(label, 100 * value / self.total) for label, value in zip(self.labels, self.values, strict=True)]
        return list(zip(self.labels, self.values, strict=True))


@dataclass(frozen=True)
class Rating:
    label: str
    average: float | None
    answered: int
    skipped: int  # "weet niet": kept apart, never in the average
    distribution: list[int]  # answers per score, from 1


@dataclass(frozen=True)
class Ratings:
    """Statements rated 1 to `scale_max`: per statement the distribution, the average, and the skips apart."""

    scale_max: int
    statements: list[Rating]
    min_label: str = ""
    max_label: str = ""

    def key_values(self) -> list[tuple[str, float | None]]:
        return [(s.label, s.average) for s in self.statements]


@dataclass(frozen=True)
class Histogram:
    """Numbers given, counted in bins; the median, and the right answer where there is one."""

    bins: list[tuple[float, float, int]]  # (low, high, count)
    median: float | None
    mean: float | None
    unit: str = ""
    correct: float | None = None

    def key_values(self) -> list[tuple[str, float | None]]:
        return [(Term(N_("Median")), self.median), (Term(N_("Average")), self.mean)]


@dataclass(frozen=True)
class Point:
    label: str
    x: float | None
    y: float | None
    answered: int


@dataclass(frozen=True)
class Scatter:
    """Items placed by their average on two axes from 1 to `scale_max`, with the quadrants named."""

    scale_max: int
    x_label: str
    y_label: str
    points: list[Point]
    quadrants: list[str] = field(default_factory=list)  # top left, top right, bottom left, bottom right

    def key_values(self) -> list[tuple[str, float | None]]:
        return [(f"{p.label} ({axis})", value) for p in self.points for axis, value in
                ((self.x_label, p.x), (self.y_label, p.y))]  # fmt: skip


@dataclass(frozen=True)
class Heat:
    """Pins on a picture: counts per cell of a grid laid over the image (drawn over it where the report has it)."""

    image: str  # the stored image's name in the room ("" when none)
    cells: list[list[int]]  # rows from the top, columns from the left
    areas: list[tuple[str, int]]  # a named part of the picture and its pins

    def key_values(self) -> list[tuple[str, float | None]]:
        return [(label, float(count)) for label, count in self.areas]


@dataclass(frozen=True)
class Cloud:
    """Words and how often they were given, most first."""

    words: list[tuple[str, int]]

    def key_values(self) -> list[tuple[str, float | None]]:
        return [(word, float(count)) for word, count in self.words[:10]]


@dataclass(frozen=True)
class Quote:
    key: str  # the answer's card, or the post's item: the handle themes use
    text: str
    votes: int | None = None  # upvotes, where the question takes them
    note: Term | None = None  # "answered", "pinned"


@dataclass(frozen=True)
class Quotes:
    """Participants' own words: shown ones quoted, the ones a moderator hid or never approved counted apart. A
    `themed` type's quotes are grouped by theme in the report (lab.themes)."""

    quotes: list[Quote]
    left_out: int = 0
    themed: bool = False
    voted: bool = False  # ordered by votes, most first

    def key_values(self) -> list[tuple[str, float | None]]:
        return []


Figure = Bars | Ratings | Histogram | Scatter | Heat | Cloud | Quotes
