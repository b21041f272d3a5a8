"""Scales: averages (not rounded: screens round once, for display), distributions and "weet niet" kept apart."""

from __future__ import annotations

from typing import Any

import pytest
from helpers import aggregate

from lab.questions import TYPES, AnswerError

SCALE = TYPES["scale"].validate_settings({"statements": ["Samenwerking", "Inbreng"], "scale_max": 5})


def test_scale_average_distribution_and_skips() -> None:
    results = aggregate("scale", SCALE, {"a": [5, None], "b": [4, 2], "c": [4, None], "d": [None, None]})
    assert results == {
        "respondents": 4,
        "statements": [
            {"label": "Samenwerking", "average": 13 / 3, "answered": 3, "skipped": 1, "distribution": [0, 0, 0, 2, 1]},
            {"label": "Inbreng", "average": 2.0, "answered": 1, "skipped": 3, "distribution": [0, 1, 0, 0, 0]},
        ],
    }


def test_an_average_is_not_rounded_before_it_is_shown() -> None:
    """3.048 must show as 3.0, not as 3.05 rounded again to 3.1: the server sends it whole."""
    ratings = [3] * 119 + [4] * 6  # 381 / 125 = 3.048
    results = aggregate("scale", SCALE, {f"p{n}": [rating, None] for n, rating in enumerate(ratings)})
    assert results["statements"][0]["average"] == 3.048
    assert TYPES["scale"].new_aggregate(SCALE).table().rows[0][1] is None
    table = _table(ratings)
    assert table[0][1] == 3.05  # exports round once, to two decimals


def _table(ratings: list[int]) -> list[Any]:
    from helpers import record

    agg = TYPES["scale"].new_aggregate(SCALE)
    for n, rating in enumerate(ratings):
        agg.add(record(f"p{n}", [rating, None]))
    return [list(row) for row in agg.table().rows]


def test_scale_with_nobody_rating_a_statement_has_no_average() -> None:
    results = aggregate("scale", SCALE, {"a": [3, None]})
    assert results["statements"][1] == {
        "label": "Inbreng", "average": None, "answered": 0, "skipped": 1, "distribution": [0, 0, 0, 0, 0],
    }  # fmt: skip


@pytest.mark.parametrize(
    ("settings", "value", "message"),
    [
        (SCALE, [1], "Give a rating for every statement."),
        (SCALE, "5", "Give a rating for every statement."),
        (SCALE, [0, 1], "A rating must be from 1 to 5."),
        (SCALE, [6, 1], "A rating must be from 1 to 5."),
        (SCALE, [True, 1], "A rating must be from 1 to 5."),
        (SCALE, [2.5, 1], "A rating must be from 1 to 5."),
        ({**SCALE, "allow_skip": False}, [None, 1], "Give a rating for every statement."),
    ],
)
def test_scale_refuses_what_does_not_fit(settings: dict[str, Any], value: object, message: str) -> None:
    with pytest.raises(AnswerError) as error:
        TYPES["scale"].normalise_answer(settings, value)
    assert str(error.value) == message
