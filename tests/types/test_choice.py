"""Multiple choice: counts and percentages of respondents, and what an answer may be."""

from __future__ import annotations

import pytest
from helpers import aggregate

from lab.questions import TYPES, AnswerError
from lab.records import HIDDEN

CHOICE = TYPES["choice"].validate_settings({"options": ["Ja", "Nee", "Weet niet"], "max_choices": 2})


def test_choice_counts_and_percentages_of_respondents() -> None:
    assert aggregate("choice", CHOICE, {"a": [0], "b": [0, 1], "c": 2}) == {
        "respondents": 3,
        "options": [
            {"label": "Ja", "count": 2, "percent": 66.7},
            {"label": "Nee", "count": 1, "percent": 33.3},
            {"label": "Weet niet", "count": 1, "percent": 33.3},
        ],
    }
    assert aggregate("choice", CHOICE, {})["options"][0] == {"label": "Ja", "count": 0, "percent": 0.0}


def test_a_hidden_answer_counts_nowhere() -> None:
    results = aggregate("choice", CHOICE, {"a": [0], "b": [1]}, b=HIDDEN)
    assert results["respondents"] == 1
    assert [o["count"] for o in results["options"]] == [1, 0, 0]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ([], "Choose an option."),
        (None, "Choose an option."),
        ([True], "Choose an option."),
        (["0"], "Choose an option."),
        ([3], "That option does not exist."),
        ([-1], "That option does not exist."),
        ([0, 1, 2], "Choose at most 2 options."),
    ],
)
def test_choice_refuses_what_does_not_fit(value: object, message: str) -> None:
    with pytest.raises(AnswerError) as error:
        TYPES["choice"].normalise_answer(CHOICE, value)
    assert str(error.value) == message and error.value.code == "invalid"


def test_choice_answers_are_sorted_and_without_repeats() -> None:
    assert TYPES["choice"].normalise_answer(CHOICE, [1, 0, 1]) == [0, 1]
    assert TYPES["choice"].normalise_answer(CHOICE, 2) == [2]
