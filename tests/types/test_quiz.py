"""A quiz: settings, answers, who was right (typed answers compared without case, accents or punctuation), points
with and without the speed bonus, and the tables."""

from __future__ import annotations

import pytest
from helpers import record

from lab.decks import parse_question
from lab.questions import TYPES, AnswerError, SettingsError
from lab.questions.quiz import fold
from lab.records import HIDDEN, Answer

QUIZ = TYPES["quiz"]
CHOICE = {"options": ["Huurprijs", "Overleg", "Toewijzing"], "correct": ["Overleg"]}


def settings(**raw: object) -> dict[str, object]:
    return dict(parse_question({"type": "quiz", "prompt": "Waar gaat de Overlegwet over?", **raw}).settings)


def test_a_quiz_question_keeps_its_right_answer_secret_and_scores() -> None:
    assert settings(**CHOICE) == {
        "options": ["Huurprijs", "Overleg", "Toewijzing"], "correct": ["Overleg"], "points": 100,
        "speed_bonus": False, "max_length": 60, "allow_change": True, "timer": 0, "notes": "", "planned_minutes": 0,
    }  # fmt: skip
    assert QUIZ.secret_keys == {"correct"} and QUIZ.scores
    assert settings(correct=["Overlegwet"])["options"] == []  # no options: a typed answer


@pytest.mark.parametrize(
    ("raw", "field", "message"),
    [
        ({"options": ["a", "b"], "correct": ["c"]}, "correct", "must each be one of the options, written the same"),
        ({"options": ["a", "b"], "correct": ["a", "b"]}, "correct", "cannot be every option"),
        ({"options": ["a", "A"], "correct": ["a"]}, "options", "has the same option twice"),
        ({"correct": ["?!"]}, "correct", "must hold letters or digits"),
        ({"correct": []}, "correct", "must have from 1 to 10 entries"),
        ({}, "correct", "must be a list of texts"),
        ({**CHOICE, "points": 5}, "points", "must be from 10 to 1000"),
        ({**CHOICE, "speed_bonus": "ja"}, "speed_bonus", "must be true or false"),
    ],
)
def test_a_quiz_refuses_what_does_not_fit(raw: dict[str, object], field: str, message: str) -> None:
    with pytest.raises(SettingsError) as refused:
        settings(**raw)
    assert str(refused.value) == f"{field}: {message}"


def test_typed_answers_are_compared_without_case_accents_or_punctuation() -> None:
    assert fold("  De OVERLEGWET! ") == "de overlegwet"
    assert fold("Coöperatie, één") == "cooperatie een"
    typed = settings(correct=["Overlegwet"])
    assert QUIZ.is_right(typed, "overlegwet!") and not QUIZ.is_right(typed, "de overlegwet")
    assert QUIZ.normalise_answer(typed, "  over   legwet ") == "over legwet"
    for bad in ("", "  ", "?!", 3, None):
        with pytest.raises(AnswerError):
            QUIZ.normalise_answer(typed, bad)
    with pytest.raises(AnswerError):
        QUIZ.normalise_answer(settings(**CHOICE), 3)


def test_points_for_right_answers_and_the_speed_bonus_from_the_first_answer() -> None:
    plain = settings(**CHOICE)
    agg = QUIZ.new_aggregate(plain)
    for n, (value, ms) in enumerate([(1, 10_000), (0, 11_000), (1, 25_000), (1, 60_000)]):
        agg.add(Answer(1, 1, f"p{n}", value, received_ms=ms))
    assert agg.points() == {"p0": 100, "p1": 0, "p2": 100, "p3": 100}
    fast = QUIZ.new_aggregate(settings(**CHOICE, speed_bonus=True, timer=30))
    for answer in [Answer(1, 1, f"p{n}", v, received_ms=ms) for n, (v, ms) in
                   enumerate([(1, 10_000), (0, 11_000), (1, 25_000), (1, 60_000)])]:  # fmt: skip
        fast.add(answer)
    # from the first answer: at once all 100, after 15 s of a 30 s countdown 75, after the countdown half
    assert fast.points() == {"p0": 100, "p1": 0, "p2": 75, "p3": 50}
    hidden = Answer(1, 1, "p0", 1, HIDDEN, received_ms=10_000)
    fast.replace(Answer(1, 1, "p0", 1, received_ms=10_000), hidden)  # a removed participant counts no more
    assert fast.points() == {"p1": 0, "p2": 77, "p3": 50}  # the first answer is now p1's, at 11 s: 14 s late


def test_results_and_tables_mark_the_right_answers() -> None:
    agg = QUIZ.new_aggregate(settings(**CHOICE))
    for n, value in enumerate([1, 0, 1, 2]):
        agg.add(record(f"p{n}", value))
    assert agg.results() == {
        "respondents": 4, "right": 2,
        "options": [{"label": "Huurprijs", "count": 1, "percent": 25.0},
                    {"label": "Overleg", "count": 2, "percent": 50.0},
                    {"label": "Toewijzing", "count": 1, "percent": 25.0}],
    }  # fmt: skip
    assert [[str(c) for c in row] for row in agg.table().rows][1] == ["Overleg", "2", "50.0", "yes"]
    typed = QUIZ.new_aggregate(settings(correct=["Overlegwet"]))
    for n, value in enumerate(["Overlegwet", "overlegwet!", "Huurwet", "OVERLEGWET"]):
        typed.add(record(f"p{n}", value))
    assert typed.results() == {
        "respondents": 4, "right": 3, "answers": [{"text": "Overlegwet", "count": 3}, {"text": "Huurwet", "count": 1}],
    }  # fmt: skip
    assert [[str(c) for c in row] for row in typed.table().rows] == [["Overlegwet", "3", "yes"], ["Huurwet", "1", "no"]]
