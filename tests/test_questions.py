"""Question types: answer normalisation and incremental aggregation, exact to the dict."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lab.questions import TYPES, AnswerError
from lab.questions.opentext import card_id
from lab.questions.wordcloud import normalise_word, tidy_word

CHOICE = TYPES["choice"].validate_settings({"options": ["Ja", "Nee", "Weet niet"], "max_choices": 2})
SCALE = TYPES["scale"].validate_settings({"statements": ["Samenwerking", "Inbreng"], "scale_max": 5})
WORDS = TYPES["wordcloud"].validate_settings({"max_words": 3})
OPEN = TYPES["open"].validate_settings({"max_length": 20})


def aggregate(kind: str, settings: dict[str, Any], answers: dict[str, Any]) -> dict[str, Any]:
    agg = TYPES[kind].new_aggregate(settings)
    for participant, value in answers.items():
        agg.add(participant, TYPES[kind].normalise_answer(settings, value))
    return agg.results(facilitator=True)


# -- choice ----------------------------------------------------------------------------------------------------


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


# -- scales ----------------------------------------------------------------------------------------------------


def test_scale_average_distribution_and_skips() -> None:
    results = aggregate("scale", SCALE, {"a": [5, None], "b": [4, 2], "c": [4, None], "d": [None, None]})
    assert results == {
        "respondents": 4,
        "statements": [
            {"label": "Samenwerking", "average": 4.33, "answered": 3, "skipped": 1, "distribution": [0, 0, 0, 2, 1]},
            {"label": "Inbreng", "average": 2.0, "answered": 1, "skipped": 3, "distribution": [0, 1, 0, 0, 0]},
        ],
    }


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


# -- word cloud ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "tidy", "key"),
    [
        ("  Samenwérking!! ", "Samenwérking", "samenwerking"),
        ("«Huurders»", "Huurders", "huurders"),
        ("goed   overleg", "goed overleg", "goed overleg"),
        ("CAFÉ", "CAFÉ", "cafe"),
        ("...", "", ""),
        ("🙂", "", ""),
        ("ij-zer", "ij-zer", "ij-zer"),
    ],
)
def test_words_are_tidied_and_normalised(typed: str, tidy: str, key: str) -> None:
    assert tidy_word(typed) == tidy
    assert normalise_word(typed) == key


def test_word_cloud_counts_by_key_and_shows_the_most_common_spelling() -> None:
    answers = {"a": ["Samenwerking", "huur"], "b": ["samenwerking!"], "c": [" samenwérking"], "d": ["samenwerking"]}
    assert aggregate("wordcloud", WORDS, answers) == {
        "respondents": 4,
        "words": [{"word": "samenwerking", "count": 4}, {"word": "huur", "count": 1}],
    }


def test_word_cloud_answers() -> None:
    normalise = TYPES["wordcloud"].normalise_answer
    assert normalise(WORDS, ["Huur", " huur!", "Wonen"]) == ["Huur", "Wonen"]  # repeats within one answer merge
    assert normalise(WORDS, "los woord") == ["los woord"]
    for value, message in [
        ([], "Type one or more words."),
        (["", "!!"], "Type one or more words."),
        ([1], "Type one or more words."),
        (["a", "b", "c", "d"], "Type at most 3 words."),
        (["x" * 41], "A word can be at most 40 characters."),
    ]:
        with pytest.raises(AnswerError) as error:
            normalise(WORDS, value)
        assert str(error.value) == message


def test_word_cloud_shows_at_most_sixty_words_most_frequent_first_and_forgets_removed_ones() -> None:
    kind = TYPES["wordcloud"]
    agg = kind.new_aggregate(WORDS)
    for n in range(70):
        agg.add(f"p{n}", [f"woord{n:02d}"] + (["vaak"] if n % 2 else []))
    results = agg.results()
    assert len(results["words"]) == 60
    assert results["words"][0] == {"word": "vaak", "count": 35}
    assert results["words"][1] == {"word": "woord00", "count": 1}  # ties by key
    agg.remove("p1", ["woord01", "vaak"])
    assert agg.results()["words"][0] == {"word": "vaak", "count": 34}
    assert "woord01" not in {w["word"] for w in agg.results()["words"]}


# -- open text -------------------------------------------------------------------------------------------------


def test_open_text_newest_first_and_hidden_cards_only_for_the_facilitator() -> None:
    kind = TYPES["open"]
    agg = kind.new_aggregate(OPEN)
    for participant, text in [("a", "eerste"), ("b", "tweede"), ("c", "derde")]:
        agg.add(participant, kind.normalise_answer(OPEN, f"  {text} "))
    agg.remove("a", "eerste")
    agg.add("a", "eerste, gewijzigd")  # a changed answer is the newest
    agg.set_hidden("b", True)  # type: ignore[attr-defined]
    assert agg.results() == {
        "respondents": 3,
        "cards": [
            {"card": card_id("a"), "text": "eerste, gewijzigd", "hidden": False},
            {"card": card_id("c"), "text": "derde", "hidden": False},
        ],
    }
    assert [c["hidden"] for c in agg.results(facilitator=True)["cards"]] == [False, False, True]
    assert card_id("a") == card_id("a") != card_id("b") and len(card_id("a")) == 12


def test_open_text_refuses_empty_and_too_long() -> None:
    for value, message in [
        ("   ", "Type an answer."),
        (5, "Type an answer."),
        ("x" * 21, "An answer can be at most 20 characters."),
    ]:
        with pytest.raises(AnswerError) as error:
            TYPES["open"].normalise_answer(OPEN, value)
        assert str(error.value) == message


# -- incremental equals from scratch ---------------------------------------------------------------------------


choice_values = st.lists(st.integers(0, 2), min_size=1, max_size=2, unique=True)
scale_values = st.lists(st.one_of(st.none(), st.integers(1, 5)), min_size=2, max_size=2)


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(["choice", "scale"]).flatmap(
        lambda kind: st.tuples(
            st.just(kind),
            st.lists(
                st.tuples(
                    st.sampled_from("abcdef"), st.one_of(st.none(), choice_values if kind == "choice" else scale_values)
                ),
                max_size=40,
            ),
        )
    )
)
def test_incremental_results_equal_results_from_scratch(case: tuple[str, list[tuple[str, Any]]]) -> None:
    """Any sequence of answers, changes and withdrawals gives the same results as counting the final answers."""
    kind, operations = case
    settings_ = CHOICE if kind == "choice" else SCALE
    agg = TYPES[kind].new_aggregate(settings_)
    current: dict[str, Any] = {}
    for participant, value in operations:
        if participant in current:
            agg.remove(participant, current.pop(participant))
        if value is not None:
            value = TYPES[kind].normalise_answer(settings_, value)
            agg.add(participant, value)
            current[participant] = value
    assert agg.results() == aggregate(kind, settings_, current)
