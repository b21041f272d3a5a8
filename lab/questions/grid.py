"""2x2 grid: place each of a few items on two scales at once ("Belangrijk" across, "Haalbaar" up), each scored 1 to N.

The Participatielab uses it to choose what to do first: what is important and feasible lands top right. Per item
the results are the mean of each scale and its spread (the standard deviation of the scores given), drawn as a point
with an ellipse in a chart of four labelled quarters. Sums and sums of squares are kept as whole numbers, so the
results are exact and a room rebuilt at start shows exactly what it showed before. "Weet niet" for an item is kept
apart: it is not a score and never enters a mean.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from types import MappingProxyType

from ..figures import Point, Scatter
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
    boolean,
    integer,
    text,
    text_list,
)  # fmt: skip

CORNERS = 4  # quadrant labels: top left, top right, bottom left, bottom right


def spread(n: int, total: int, squares: int) -> float:
    """The (population) standard deviation of n whole scores from their sum and sum of squares. Everything under
    the root is a whole number (n * squares - total**2), so it is exact and the same however the scores came in."""
    return math.sqrt(n * squares - total * total) / n


class GridAggregate(Counting):
    def __init__(self, items: list[str], x_label: str, y_label: str) -> None:
        super().__init__()
        self.items = items
        self.labels = (x_label, y_label)  # for the export's table
        # per item: [answered, sum x, sum y, sum x*x, sum y*y], and how many skipped it
        self.sums = [[0] * 5 for _ in items]
        self.skipped = [0] * len(items)

    def count(self, value: JSON, step: int) -> None:
        for index, place in enumerate(value):
            if place is None:
                self.skipped[index] += step
                continue
            x, y = place
            sums = self.sums[index]
            sums[0] += step
            sums[1] += step * x
            sums[2] += step * y
            sums[3] += step * x * x
            sums[4] += step * y * y

    def results(self, *, facilitator: bool = False) -> dict[str, JSON]:
        items = []
        for label, (n, sx, sy, sxx, syy), skipped in zip(self.items, self.sums, self.skipped, strict=True):
            items.append(
                {
                    "label": label,
                    "answered": n,
                    "skipped": skipped,
                    # Not rounded here: screens and exports round them once, for display.
                    "x": sx / n if n else None,
                    "y": sy / n if n else None,
                    "x_spread": spread(n, sx, sxx) if n else None,
                    "y_spread": spread(n, sy, syy) if n else None,
                }
            )
        return {"respondents": self.respondents, "items": items}

    def table(self) -> Table:
        def rounded(value: float | None) -> float | None:
            return None if value is None else round(value, 2)

        rows: list[list[str | int | float | None]] = []
        for item in self.results()["items"]:
            for axis, label in zip("xy", self.labels, strict=True):
                rows.append([item["label"], label, rounded(item[axis]), rounded(item[f"{axis}_spread"]),
                             item["answered"], item["skipped"]])  # fmt: skip
        headers = [Term(N_("Item")), Term(N_("Scored on")), Term(N_("Average")), Term(N_("Spread")),
                   Term(N_("Answered")), Term(N_("Skipped"))]  # fmt: skip
        return Table(headers, rows)


class GridQuestion(QuestionType):
    name = "grid"
    label = N_("2×2 grid")
    order = 60
    settings_keys = frozenset({"items", "x_label", "y_label", "scale_max", "quadrants", "allow_skip"})
    cosmetic_keys = frozenset({"quadrants"})
    strings = MappingProxyType(
        {
            "send": N_("Send"),
            "skip": N_("Don't know / skip"),
            "skipped": N_("%(n)s skipped"),
            "grid_hint": N_("Give every item two scores, from 1 (low) to %(max)s (high)."),
            "grid_place_every": N_("Choose a score on both scales for: %(item)s"),
            "grid_values": N_("%(x_label)s %(x)s, %(y_label)s %(y)s"),
            "grid_spread": N_("spread ±%(x)s and ±%(y)s"),
            "grid_none": N_("no scores yet"),
            "grid_key": N_("Averages from 1 to %(max)s. The oval shows how far the answers differ."),
            "grid_quadrant": N_("in the quarter “%(name)s”"),
        }
    )
    examples = Examples(
        prompt="Wat pakken we als eerste op?",
        settings={
            "items": ["Huurdersavond", "Nieuwsbrief", "Spreekuur in de wijk"],
            "x_label": "Belangrijk",
            "y_label": "Haalbaar",
            "scale_max": 5,
            "quadrants": ["Als er tijd is", "Snel doen", "Niet doen", "Plannen"],
        },
        answers=[[[5, 4], [3, 2], None], [[4, 4], None, [2, 5]], [[5, 5], [1, 1], [3, 3]], [None, None, None]],
        invalid=[
            [[5, 4], [3, 2]], [[6, 4], None, None], [[0, 1], None, None], [[True, 1], None, None],
            [[2.5, 1], None, None], [[5], None, None], [[5, 4, 3], None, None], [5, 4, 3], "5,4", None, {"a": 1},
        ],
    )  # fmt: skip

    def check_settings(self, raw: Mapping[str, object]) -> dict[str, JSON]:
        items = text_list(raw, "items", low=1, high=8, max_length=80)
        folded = [item.casefold() for item in items]
        if len(set(folded)) != len(folded):
            raise SettingsError("items", N_("has the same item twice"))
        labels = {}
        for key in ("x_label", "y_label"):
            labels[key] = text(raw, key, max_length=40)
            if not labels[key]:
                raise SettingsError(key, N_("is required"))
        quadrants = raw.get("quadrants", [])
        if not isinstance(quadrants, list):
            raise SettingsError("quadrants", N_("must be a list of texts"))
        blank = [isinstance(name, str) and not name.strip() for name in quadrants]
        if all(blank) and len(quadrants) in (0, CORNERS):
            quadrants = [""] * CORNERS  # no names: the chart shows only its lines
        elif len(quadrants) != CORNERS or any(blank):
            raise SettingsError(
                "quadrants", N_("must have four names (top left, top right, bottom left, bottom right), or none")
            )
        else:
            quadrants = text_list(raw, "quadrants", low=CORNERS, high=CORNERS, max_length=40)
        return {
            "items": items,
            **labels,
            "scale_max": integer(raw, "scale_max", 5, low=3, high=10),
            "quadrants": quadrants,
            "allow_skip": boolean(raw, "allow_skip", True),
        }

    def normalise_answer(self, settings: Mapping[str, JSON], value: object) -> JSON:
        items, top = settings["items"], settings["scale_max"]
        if not isinstance(value, list) or len(value) != len(items):
            raise AnswerError(N_("Give every item a score on both scales."))
        places: list[list[int] | None] = []
        for place in value:
            if place is None:
                if not settings["allow_skip"]:
                    raise AnswerError(N_("Give every item a score on both scales."))
                places.append(None)
                continue
            if not isinstance(place, list) or len(place) != 2:
                raise AnswerError(N_("Give every item a score on both scales."))
            for score in place:
                if isinstance(score, bool) or not isinstance(score, int) or not 1 <= score <= top:
                    raise AnswerError(N_("A rating must be from 1 to %(max)d."), max=top)
            places.append([place[0], place[1]])
        return places

    def new_aggregate(self, settings: Mapping[str, JSON]) -> Aggregate:
        return GridAggregate(settings["items"], settings["x_label"], settings["y_label"])

    def figure(self, settings: Mapping[str, JSON], aggregate: Aggregate) -> Scatter:
        points = [Point(i["label"], i["x"], i["y"], i["answered"]) for i in aggregate.results()["items"]]
        return Scatter(settings["scale_max"], settings["x_label"], settings["y_label"], points,
                       list(settings["quadrants"]))  # fmt: skip

    def answer_text(self, settings: Mapping[str, JSON], value: JSON) -> str:
        x_label, y_label = settings["x_label"], settings["y_label"]
        return "; ".join(
            f"{item}: -" if place is None else f"{item}: {x_label} {place[0]}, {y_label} {place[1]}"
            for item, place in zip(settings["items"], value, strict=True)
        )

    def answer_columns(self, settings: Mapping[str, JSON], value: JSON) -> list[tuple[str, str | int | float | None]]:
        """Two columns per item, "Item: Belangrijk" and "Item: Haalbaar", with its scores; empty for "weet niet"."""
        columns: list[tuple[str, str | int | float | None]] = []
        for item, place in zip(settings["items"], value, strict=True):
            x, y = (None, None) if place is None else place
            columns += [(f"{item}: {settings['x_label']}", x), (f"{item}: {settings['y_label']}", y)]
        return columns


TYPE = GridQuestion()
