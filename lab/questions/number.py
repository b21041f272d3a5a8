"""Number: an estimate within a range ("Hoeveel woningen heeft de corporatie in onze gemeente?"), with an optional
unit and an optional right answer that phones and projectors learn only once answering is closed.

Answers are kept as whole numbers of the smallest step (hundredths with two decimals), so sums and the median are
exact and a room rebuilt at start shows exactly what it showed before. Results: the median (exact), the mean, the
lowest and highest estimate, and a histogram of about ten equal bins whose edges are round numbers.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from types import MappingProxyType

from ..figures import Histogram
from .base import (
    JSON,
    N_,
    Aggregate,
    AnswerError,
    Counting,
    Examples,
    QuestionType,
    SettingsError,
    Table,
    Term,
    integer,
    text,
)  # fmt: skip

LIMIT = 10**12  # the largest size of a bound: far above any budget in euro, and exact in a browser's numbers
POWERS = (1, 10, 100)  # steps per unit, by the number of decimals (0 to 2)
MAX_BINS = 12  # "about ten": 0 to 10 keeps a bin per number (11), 0 to 100 gets ten bins of ten


def _is_number(value: object) -> bool:
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, float) and math.isfinite(value))


def _exact(value: int | float) -> Decimal:
    """A number as the decimal people wrote: 0.1 is one tenth, not the binary fraction nearest to it."""
    return Decimal(value) if isinstance(value, int) else Decimal(repr(value))


def scaled(value: int | float, decimals: int) -> int:
    """A number in whole steps of 10**-decimals, rounded half away from zero (12.25 -> 1225 with two decimals)."""
    return int(_exact(value).scaleb(decimals).to_integral_value(ROUND_HALF_UP))


def unscaled(steps: int, decimals: int) -> int | float:
    """The stored form of a number of steps: a whole number without decimals, else a float."""
    return steps if decimals == 0 else steps / POWERS[decimals]


def plain(value: int | float) -> str:
    """A number as a message or an export shows it: 1250, 12.5, -3 (never 12.50 or 1.25E+3)."""
    text = format(_exact(value).normalize(), "f")
    return "0" if text == "-0" else text


def bin_plan(low: int, high: int) -> tuple[int, int, int]:
    """(start, width, count) of the histogram over the steps `low`..`high`: the narrowest round width (1, 2, 2.5 or 5
    times a power of ten, in whole steps) that gives at most MAX_BINS bins, starting at a multiple of the width.
    Bin i holds start + i*width up to the next bin; a last bin that would hold only `high` is merged into the one
    before (0 to 100: ten bins, the last 90 to 100)."""
    power = 1
    while True:
        widths = [power, 2 * power, 5 * power] if power < 10 else [power, 2 * power, 25 * power // 10, 5 * power]
        for width in widths:
            start = (low // width) * width
            count = (high - start) // width + 1
            if count > 1 and width > 1 and high == start + (count - 1) * width:
                count -= 1
            if count <= MAX_BINS:
                return start, width, count
        power *= 10


class NumberAggregate(Counting):
    def __init__(self, low: int, high: int, decimals: int, correct: int | float | None) -> None:
        super().__init__()
        self.low, self.high, self.decimals = low, high, decimals
        self.correct = correct  # for the export only: screens get it from the settings, once they may
        self.values: Counter[int] = Counter()  # estimates in steps -> how many gave it
        self.total = 0  # the sum of the estimates, in steps: exact
        self.start, self.width, bins = bin_plan(low, high)
        self.counts = [0] * bins

    def _bin(self, steps: int) -> int:
        return min((steps - self.start) // self.width, len(self.counts) - 1)

    def count(self, value: JSON, step: int) -> None:
        steps = scaled(value, self.decimals)
        self.values[steps] += step
        if not self.values[steps]:
            del self.values[steps]
        self.total += step * steps
        self.counts[self._bin(steps)] += step

    def _median(self, ordered: list[int]) -> int | float:
        """The middle estimate (the mean of the two middle ones for an even number of them), exactly."""
        n = self.respondents
        wanted = [(n - 1) // 2, n // 2]
        found: list[int] = []
        seen = 0
        for steps in ordered:
            seen += self.values[steps]
            while len(found) < 2 and wanted[len(found)] < seen:
                found.append(steps)
            if len(found) == 2:
                break
        both = found[0] + found[1]
        if self.decimals == 0 and both % 2 == 0:
            return both // 2
        return both / (2 * POWERS[self.decimals])

    def bins(self) -> list[tuple[int | float, int | float, int]]:
        """(lowest, highest, count) of every bin, in the question's numbers."""
        out = []
        for index, count in enumerate(self.counts):
            first = max(self.low, self.start + index * self.width)
            last = self.high if index == len(self.counts) - 1 else self.start + (index + 1) * self.width - 1
            out.append((unscaled(first, self.decimals), unscaled(last, self.decimals), count))
        return out

    def results(self, *, facilitator: bool = False) -> dict[str, JSON]:
        bins = [{"low": low, "high": high, "count": count} for low, high, count in self.bins()]
        if not self.respondents:
            return {"respondents": 0, "median": None, "mean": None, "lowest": None, "highest": None, "bins": bins}
        ordered = sorted(self.values)
        return {
            "respondents": self.respondents,
            "median": self._median(ordered),
            # Not rounded here: screens and exports round it once, for display.
            "mean": self.total / (self.respondents * POWERS[self.decimals]),
            "lowest": unscaled(ordered[0], self.decimals),
            "highest": unscaled(ordered[-1], self.decimals),
            "bins": bins,
        }

    def table(self) -> Table:
        results = self.results()
        mean = results["mean"]
        rows: list[list[str | int | float | None]] = [
            [Term(N_("Median")), results["median"]],
            [Term(N_("Average")), None if mean is None else round(mean, 2)],
            [Term(N_("Lowest")), results["lowest"]],
            [Term(N_("Highest")), results["highest"]],
        ]
        if self.correct is not None:
            rows.append([Term(N_("Correct answer")), self.correct])
        rows.append([Term(N_("Answers from – to")), Term(N_("Count"))])
        for low, high, count in self.bins():
            rows.append([plain(low) if low == high else f"{plain(low)}–{plain(high)}", count])
        return Table([Term(N_("Figure")), Term(N_("Value"))], rows)


class NumberQuestion(QuestionType):
    name = "number"
    label = N_("Number (estimate)")
    order = 50
    settings_keys = frozenset({"min", "max", "unit", "decimals", "correct"})
    cosmetic_keys = frozenset({"unit", "correct"})
    secret_keys = frozenset({"correct"})
    strings = MappingProxyType(
        {
            "your_answer": N_("Your answer"),
            "send": N_("Send"),
            "number_range": N_("Fill in a number from %(min)s to %(max)s."),
            "number_decimals": N_("You may use decimals, as in %(example)s."),
            "number_empty": N_("Fill in a number first."),
            "number_not_whole": N_("This is not a number. Type digits only."),
            "number_not_decimal": N_("This is not a number. Type digits only (and a decimal mark if needed)."),
            "number_whole": N_("Fill in a whole number, without decimals."),
            "number_too_precise": N_("Use fewer decimals, as in %(example)s."),
            "number_too_low": N_("This number is too low. The lowest possible answer is %(min)s."),
            "number_too_high": N_("This number is too high. The highest possible answer is %(max)s."),
            "number_median": N_("Median"),
            "number_mean": N_("Average"),
            "number_lowest": N_("Lowest"),
            "number_highest": N_("Highest"),
            "number_bin": N_("from %(low)s to %(high)s"),
            "number_correct": N_("The correct answer: %(value)s"),
            "number_correct_here": N_("correct answer"),
            "number_correct_secret": N_("Phones and the projector show this once answering is closed."),
            "number_exact": N_("Your answer was exactly right!"),
            "number_below": N_("Your answer was %(diff)s too low."),
            "number_above": N_("Your answer was %(diff)s too high."),
            "number_histogram": N_("Answers per range"),
        }
    )
    examples = Examples(
        prompt="Hoeveel woningen heeft de corporatie in onze gemeente?",
        settings={"min": 0, "max": 5000, "unit": "woningen", "correct": 1250},
        answers=[1250, 900, 2000.0, 1499.6, 5000, 0],
        invalid=[-1, 5001, 5000.5, "1250", "1.250", True, None, [1250], {"a": 1}, float("nan"), float("inf")],
    )

    def _bound(self, raw: Mapping[str, object], key: str, decimals: int) -> int:
        """A bound or the right answer in steps: a number with at most `decimals` decimals, within LIMIT."""
        value = raw.get(key)
        if value is None:
            raise SettingsError(key, N_("is required"))
        if not _is_number(value):
            raise SettingsError(key, N_("must be a number"))
        assert isinstance(value, int | float)
        if abs(value) > LIMIT:
            raise SettingsError(key, N_("must be from %(low)s to %(high)s"), low=plain(-LIMIT), high=plain(LIMIT))
        steps = scaled(value, decimals)
        if _exact(value).scaleb(decimals) != steps:
            if decimals == 0:
                raise SettingsError(key, N_("must be a whole number"))
            raise SettingsError(key, N_("must have at most %(n)d decimals"), n=decimals)
        return steps

    def check_settings(self, raw: Mapping[str, object]) -> dict[str, JSON]:
        decimals = integer(raw, "decimals", 0, low=0, high=2)
        low = self._bound(raw, "min", decimals)
        high = self._bound(raw, "max", decimals)
        if low >= high:
            raise SettingsError("max", N_("must be larger than min"))
        settings: dict[str, JSON] = {
            "min": unscaled(low, decimals),
            "max": unscaled(high, decimals),
            "unit": text(raw, "unit", "", max_length=20),
            "decimals": decimals,
        }
        if raw.get("correct") is not None:
            correct = self._bound(raw, "correct", decimals)
            if not low <= correct <= high:
                raise SettingsError("correct", N_("must be from %(low)s to %(high)s"),
                                    low=plain(settings["min"]), high=plain(settings["max"]))  # fmt: skip
            settings["correct"] = unscaled(correct, decimals)
        return settings

    def normalise_answer(self, settings: Mapping[str, JSON], value: object) -> JSON:
        if not _is_number(value):
            raise AnswerError(N_("Fill in a number."))
        assert isinstance(value, int | float)
        decimals = settings["decimals"]
        low, high = settings["min"], settings["max"]
        # Far outside every range (a bound is at most LIMIT): refused before rounding a huge number.
        if abs(value) > LIMIT or not scaled(low, decimals) <= (steps := scaled(value, decimals)) <= scaled(
            high, decimals
        ):
            raise AnswerError(N_("Fill in a number from %(min)s to %(max)s."), min=plain(low), max=plain(high))
        return unscaled(steps, decimals)

    def new_aggregate(self, settings: Mapping[str, JSON]) -> Aggregate:
        decimals = settings["decimals"]
        return NumberAggregate(scaled(settings["min"], decimals), scaled(settings["max"], decimals), decimals,
                               settings.get("correct"))  # fmt: skip

    def figure(self, settings: Mapping[str, JSON], aggregate: Aggregate) -> Histogram:
        assert isinstance(aggregate, NumberAggregate)
        results = aggregate.results()
        return Histogram([(b["low"], b["high"], b["count"]) for b in results["bins"]], results["median"],
                         results["mean"], settings["unit"], settings.get("correct"))  # fmt: skip

    def answer_text(self, settings: Mapping[str, JSON], value: JSON) -> str:
        return f"{plain(value)} {settings['unit']}".strip()

    def answer_columns(self, settings: Mapping[str, JSON], value: JSON) -> list[tuple[str, str | int | float | None]]:
        """The number itself, without the unit (the question's, the same for every answer): a spreadsheet can
        count with it."""
        return [(Term(N_("Answer")), value)]


TYPE = NumberQuestion()
