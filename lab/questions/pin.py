"""Pin on an image: participants put one or more pins on an image lab keeps (a map of the neighbourhood, the floor
plan of a renovation).

A pin is a point [x, y]: fractions of the image's width (from the left) and height (from the top), 0 to 1, rounded
to 3 decimals, so the answer does not depend on the size of the screen it was given on. Results count pins in a fine
grid (20 x 20 cells: the density view) and in nine named parts of the image (3 x 3: "links boven", "midden", ...,
the text alternative and the export), and show the newest pins themselves, kept in the order the answers came in
(as open-text cards are: a changed answer is the newest, moderation keeps its place). Hidden and pending answers
count nowhere.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from types import MappingProxyType

from ..figures import Heat
from ..media import NAME
from ..records import Answer
from .base import (
    JSON,
    N_,
    Aggregate,
    AnswerError,
    Examples,
    QuestionType,
    SettingsError,
    Table,
    Term,
    integer,
    percent,
    text,
)  # fmt: skip

GRID = 20  # the density view's cells per side
SHOWN_PINS = 500  # a screen draws at most this many pins (the newest); the counts have them all
PHONE_PINS = 100  # a phone draws the newest this many
AREAS = (
    N_("top left"), N_("top centre"), N_("top right"),
    N_("centre left"), N_("centre"), N_("centre right"),
    N_("bottom left"), N_("bottom centre"), N_("bottom right"),
)  # fmt: skip
"""The nine parts of the image, row by row from the top left (the renderer has the same names as pin_area_0..8)."""


def band(value: float, bands: int) -> int:
    """Which of `bands` equal bands (0 is the left or top) a coordinate falls in. Worked out on whole thousandths,
    so the browser's renderer (static/types/pin.js) puts a pin in the same band: 0.333 is in the first third,
    0.334 in the second; 1 is in the last."""
    return min(round(value * 1000) * bands // 1000, bands - 1)


def area(point: list[float]) -> int:
    """The part of the image (0 to 8, row by row) a pin is in."""
    return band(point[1], 3) * 3 + band(point[0], 3)


class PinAggregate(Aggregate):
    def __init__(self) -> None:
        # participant -> the answer, in order of arrival (a changed answer moves to the end: newest); hidden and
        # pending answers are kept in their place too, so showing one again puts its pins where a recount would.
        self.answers: dict[str, Answer] = {}
        self.respondents = 0
        self.pins = 0
        self.cells = [[0] * GRID for _ in range(GRID)]
        self.areas = [0] * len(AREAS)

    def _count(self, answer: Answer, step: int) -> None:
        if not answer.counted:
            return
        self.respondents += step
        for x, y in answer.value:
            self.pins += step
            self.cells[band(y, GRID)][band(x, GRID)] += step
            self.areas[area([x, y])] += step

    def add(self, answer: Answer) -> None:
        if answer.participant in self.answers:  # a room replaces with remove and add; this keeps any caller exact
            self.remove(self.answers[answer.participant])
        self.answers[answer.participant] = answer
        self._count(answer, 1)

    def remove(self, answer: Answer) -> None:
        counted = self.answers.pop(answer.participant, None)
        if counted is not None:
            self._count(counted, -1)

    def replace(self, old: Answer, new: Answer) -> None:
        counted = self.answers.get(old.participant)
        if counted is None:
            self.add(new)
            return
        self._count(counted, -1)
        self.answers[new.participant] = new  # keeps its place: moderation does not make an answer newer
        self._count(new, 1)

    def results(self, *, facilitator: bool = False) -> dict[str, JSON]:
        shown: list[list[float]] = []
        for answer in reversed(self.answers.values()):
            if not answer.counted:
                continue
            for point in answer.value:
                if len(shown) == SHOWN_PINS:
                    break
                shown.append(list(point))
            if len(shown) == SHOWN_PINS:
                break
        return {
            "respondents": self.respondents,
            "pins": self.pins,
            "areas": list(self.areas),
            "cells": [list(row) for row in self.cells],
            "shown": shown,  # newest answer first
        }

    def table(self) -> Table:
        rows: list[list[str | int | float | None]] = [
            [Term(name), count, percent(count, self.pins)] for name, count in zip(AREAS, self.areas, strict=True)
        ]
        return Table([Term(N_("Part of the image")), Term(N_("Pins")), Term(N_("Percent"))], rows)


def coordinate(value: object) -> float:
    """One coordinate as stored: a number from 0 to 1, rounded to 3 decimals."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise AnswerError(N_("Put a pin on the image."))
    if not math.isfinite(value) or not 0 <= value <= 1:
        raise AnswerError(N_("A pin must be on the image."))
    return float(round(value, 3))


class PinOnImage(QuestionType):
    name = "pin"
    label = N_("Pin on an image")
    order = 70
    settings_keys = frozenset({"image", "image_alt", "max_pins", "instruction"})
    cosmetic_keys = frozenset({"image_alt", "instruction"})
    strings = MappingProxyType(
        {
            "pin_tap": N_("Tap the image where you want to put your pin."),
            "pin_tap_many": N_("Tap the image to put up to %(max)s pins."),
            "pin_tap_again": N_("Tap a pin again to remove it."),
            "pin_choose": N_("Or choose a part of the image:"),
            "pin_yours": N_("Your pins"),
            "pin_n": N_("Pin %(n)s: %(area)s"),
            "pin_keys": N_("Move it with the arrow keys. Enter removes it."),
            "pin_remove": N_("Remove"),
            "pin_removed": N_("Pin %(n)s has been removed."),
            "pin_edge": N_("The pin is at the edge of the image."),
            "pin_full": N_("You have put %(max)s pins: that is the most. First remove a pin."),
            "pin_none": N_("First put a pin on the image."),
            "pin_every": N_("Every pin"),
            "pin_newest": N_("The newest %(n)s pins"),
            "pin_density": N_("Where the pins are"),
            "pin_per_area": N_("Pins per part of the image"),
            "pin_total": N_("%(n)s pins in total"),
            "pin_total_one": N_("1 pin in total"),
            **{f"pin_area_{index}": name for index, name in enumerate(AREAS)},
            "send": N_("Send"),
        }
    )
    examples = Examples(
        prompt="Waar voelt u zich 's avonds niet veilig in de wijk?",
        settings={
            "image": "3f6a0c5e1b2d4f6a8c0e2b4d6f8a0c2e4b6d8f0a2c4e6b8d0f2a4c6e8b0d2f4a.png",
            "image_alt": "Kaart van de wijk: het winkelcentrum linksboven, het park in het midden, het station "
            "rechtsonder",
            "max_pins": 2,
        },
        answers=[[[0.12, 0.2]], [[0.5, 0.5], [0.9, 0.88]], [[0.1234, 0.9876]], [[1, 0], [0, 1]]],
        invalid=[[], None, "0.5,0.5", [0.5, 0.5], [[0.5]], [[0.5, 0.5, 0.5]], [[1.2, 0.5]], [[-0.1, 0.5]],
                 [[True, 0.5]], [["0.5", 0.5]], [[0.5, float("nan")]], [[0.1, 0.1], [0.2, 0.2], [0.3, 0.3]],
                 {"x": 0.5, "y": 0.5}],
    )  # fmt: skip

    def check_settings(self, raw: Mapping[str, object]) -> dict[str, JSON]:
        image = text(raw, "image", "", max_length=80)
        if not image:
            raise SettingsError("image", N_("is required: add the image to put pins on"))
        if not NAME.fullmatch(image):
            raise SettingsError("image", N_("must be an image uploaded in the console"))
        alt = text(raw, "image_alt", "", max_length=300)
        if not alt:  # a picture that a screen reader cannot tell about cannot be answered by everyone
            raise SettingsError("image_alt", N_("is required with an image: say in words what it shows"))
        return {
            "image": image,
            "image_alt": alt,
            "max_pins": integer(raw, "max_pins", 1, low=1, high=5),
            "instruction": text(raw, "instruction", "", max_length=200),
        }

    def normalise_answer(self, settings: Mapping[str, JSON], value: object) -> JSON:
        if not isinstance(value, list) or not value:
            raise AnswerError(N_("Put a pin on the image."))
        points: list[list[float]] = []
        for point in value:
            if not isinstance(point, list) or len(point) != 2:
                raise AnswerError(N_("Put a pin on the image."))
            pin = [coordinate(point[0]), coordinate(point[1])]
            if pin not in points:  # the same spot twice is one pin
                points.append(pin)
        most = settings["max_pins"]
        if len(points) > most:
            if most == 1:
                raise AnswerError(N_("Put only one pin on the image."))
            raise AnswerError(N_("Put at most %(max)d pins on the image."), max=most)
        return points

    def new_aggregate(self, settings: Mapping[str, JSON]) -> Aggregate:
        return PinAggregate()

    def figure(self, settings: Mapping[str, JSON], aggregate: Aggregate) -> Heat:
        results = aggregate.results()
        return Heat(
            settings["image"],
            results["cells"],
            [(Term(name), n) for name, n in zip(AREAS, results["areas"], strict=True)],
        )

    def for_phones(self, results: dict[str, JSON]) -> dict[str, JSON]:
        shown = results["shown"]
        assert isinstance(shown, list)
        return {**results, "shown": shown[:PHONE_PINS]} if len(shown) > PHONE_PINS else results

    def answer_text(self, settings: Mapping[str, JSON], value: JSON) -> str:
        """The pins as (x, y), fractions of the width from the left and of the height from the top."""
        return "; ".join(f"({x:.3f}, {y:.3f})" for x, y in value)


TYPE = PinOnImage()
