"""Number: a range, a unit and decimals; exact medians and means; a histogram with round edges; and the right answer
kept from phones and projectors until answering is closed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from conftest import BROWSER, PHONE, Client, Server, open_page, phone, projector, spec
from helpers import aggregate, record
from playwright.async_api import Browser, expect

from lab.i18n import translate
from lab.questions import TYPES, AnswerError, SettingsError, Term
from lab.questions.number import bin_plan
from lab.records import HIDDEN, PENDING
from lab.rooms import Room

KIND = TYPES["number"]


def tr(message: str, **params: object) -> str:
    """What the phone says, in Dutch."""
    return translate("nl", message, params)


QUESTION = {"type": "number", "prompt": "Hoeveel woningen heeft de corporatie in onze gemeente?", "min": 0, "max": 5000,
            "unit": "woningen", "correct": 1250}  # fmt: skip
HOMES = KIND.validate_settings({"min": 0, "max": 5000, "unit": "woningen", "correct": 1250})
SHARE = KIND.validate_settings({"min": 0, "max": 100, "unit": "%", "decimals": 1})


# -- settings ------------------------------------------------------------------------------------------------------


def test_settings_are_completed_in_their_one_stored_form() -> None:
    assert KIND.check_settings({"min": 0, "max": 5000, "unit": " woningen ", "correct": 1250}) == {
        "min": 0, "max": 5000, "unit": "woningen", "decimals": 0, "correct": 1250,
    }  # fmt: skip
    # without a right answer there is no `correct` at all: nothing to keep secret
    assert KIND.check_settings({"min": -10, "max": 10}) == {"min": -10, "max": 10, "unit": "", "decimals": 0}
    assert KIND.check_settings({"min": -10, "max": 10, "correct": None}) == {
        "min": -10, "max": 10, "unit": "", "decimals": 0,
    }  # fmt: skip
    # with decimals, numbers are floats; a whole float is a whole number without them
    two = KIND.check_settings({"min": 0, "max": 2.5, "decimals": 2, "correct": 1.25})
    assert two == {"min": 0.0, "max": 2.5, "unit": "", "decimals": 2, "correct": 1.25}
    assert isinstance(two["min"], float)
    whole = KIND.check_settings({"min": 0.0, "max": 100.0})
    assert whole == {"min": 0, "max": 100, "unit": "", "decimals": 0} and isinstance(whole["max"], int)
    for settings in (HOMES, SHARE, KIND.validate_settings({"min": 0, "max": 2.5, "decimals": 2, "correct": 1.25})):
        assert KIND.validate_settings(settings) == settings  # validating stored settings gives them back


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"max": 10}, "min: is required"),
        ({"min": 0}, "max: is required"),
        ({"min": "0", "max": 10}, "min: must be a number"),
        ({"min": True, "max": 10}, "min: must be a number"),
        ({"min": 0, "max": float("inf")}, "max: must be a number"),
        ({"min": 0, "max": float("nan")}, "max: must be a number"),
        ({"min": 0.5, "max": 10}, "min: must be a whole number"),
        ({"min": 0, "max": 10.25, "decimals": 1}, "max: must have at most 1 decimals"),
        ({"min": 0, "max": 10**13}, "max: must be from -1000000000000 to 1000000000000"),
        ({"min": 10, "max": 10}, "max: must be larger than min"),
        ({"min": 10, "max": 5}, "max: must be larger than min"),
        ({"min": 0, "max": 10, "decimals": 3}, "decimals: must be from 0 to 2"),
        ({"min": 0, "max": 10, "decimals": 1.0}, "decimals: must be a whole number"),
        ({"min": 0, "max": 10, "unit": "x" * 21}, "unit: must be at most 20 characters"),
        ({"min": 0, "max": 10, "unit": 5}, "unit: must be text"),
        ({"min": 0, "max": 10, "correct": 11}, "correct: must be from 0 to 10"),
        ({"min": 0, "max": 10, "correct": "5"}, "correct: must be a number"),
        ({"min": 0, "max": 10, "correct": 2.5}, "correct: must be a whole number"),
        ({"min": 0, "max": 1, "decimals": 1, "correct": 1.5}, "correct: must be from 0 to 1"),
        ({"min": 0, "max": 10, "step": 1}, "step: unknown setting for this question type"),
    ],
)
def test_settings_that_do_not_fit_are_refused_naming_the_field(raw: dict[str, Any], message: str) -> None:
    with pytest.raises(SettingsError) as error:
        KIND.validate_settings(raw)
    assert str(error.value) == message


def test_only_the_unit_and_the_right_answer_can_change_without_a_new_round() -> None:
    assert KIND.answers_still_fit("number", HOMES, {**HOMES, "unit": "huizen", "correct": 1300})
    assert not KIND.answers_still_fit("number", HOMES, {**HOMES, "max": 6000})
    assert not KIND.answers_still_fit("number", SHARE, {**SHARE, "decimals": 2})
    assert KIND.secret_keys == {"correct"}


# -- answers ---------------------------------------------------------------------------------------------------


def test_answers_are_stored_as_whole_numbers_or_rounded_floats() -> None:
    normalise = KIND.normalise_answer
    assert [normalise(HOMES, v) for v in (1250, 1250.0, 1499.6, 1499.4, 0, 5000, 5000.4)] == [
        1250, 1250, 1500, 1499, 0, 5000, 5000,
    ]  # fmt: skip
    assert all(type(normalise(HOMES, v)) is int for v in (1250.0, 1499.6))
    assert [normalise(SHARE, v) for v in (12, 12.25, 12.35, 0.05, 99.95, 33.333333)] == [
        12.0,
        12.3,
        12.4,
        0.1,
        100.0,
        33.3,
    ]
    assert all(type(normalise(SHARE, v)) is float for v in (12, 50))
    two = KIND.validate_settings({"min": -1, "max": 3, "decimals": 2})
    # rounded as written, half away from zero (Python's round(2.675, 2) gives 2.67: the float is just below)
    assert [normalise(two, v) for v in (-0.125, -0.0, 0.1 + 0.2, 2.675)] == [-0.13, 0.0, 0.3, 2.68]
    for settings, value in ((HOMES, 1499.6), (SHARE, 12.25), (two, 0.1 + 0.2)):
        stored = normalise(settings, value)
        assert normalise(settings, stored) == stored  # idempotent


@pytest.mark.parametrize(
    ("settings", "value", "message"),
    [
        (HOMES, "1250", "Fill in a number."),
        (HOMES, "1.250", "Fill in a number."),
        (HOMES, None, "Fill in a number."),
        (HOMES, True, "Fill in a number."),
        (HOMES, [1250], "Fill in a number."),
        (HOMES, {"value": 1250}, "Fill in a number."),
        (HOMES, float("nan"), "Fill in a number."),
        (HOMES, float("-inf"), "Fill in a number."),
        (HOMES, -1, "Fill in a number from 0 to 5000."),
        (HOMES, 5001, "Fill in a number from 0 to 5000."),
        (HOMES, 5000.5, "Fill in a number from 0 to 5000."),  # rounds to 5001
        (HOMES, 10**400, "Fill in a number from 0 to 5000."),
        (SHARE, 100.05, "Fill in a number from 0 to 100."),
        (SHARE, -0.05, "Fill in a number from 0 to 100."),
    ],
)
def test_answers_that_do_not_fit_are_refused(settings: dict[str, Any], value: object, message: str) -> None:
    with pytest.raises(AnswerError) as error:
        KIND.normalise_answer(settings, value)
    assert str(error.value) == message and error.value.code == "invalid"


def test_an_answer_reads_with_its_unit() -> None:
    assert KIND.answer_text(HOMES, 1250) == "1250 woningen"
    assert KIND.answer_text(SHARE, 12.5) == "12.5 %"
    assert KIND.answer_text(KIND.validate_settings({"min": 0, "max": 10}), 3) == "3"


# -- results -------------------------------------------------------------------------------------------------------

HOMES_BINS = [[0, 499], [500, 999], [1000, 1499], [1500, 1999], [2000, 2499], [2500, 2999], [3000, 3499],
              [3500, 3999], [4000, 4499], [4500, 5000]]  # fmt: skip


def bins(counts: list[int], edges: list[list[Any]] = HOMES_BINS) -> list[dict[str, Any]]:
    return [{"low": low, "high": high, "count": count} for (low, high), count in zip(edges, counts, strict=True)]


def test_results_have_the_exact_median_mean_extremes_and_histogram() -> None:
    answers = {"a": 1250, "b": 900, "c": 2000, "d": 1499.6, "e": 5000, "f": 0, "g": 3000}
    assert aggregate("number", HOMES, answers, g=HIDDEN) == {
        "respondents": 6,
        "median": 1375,  # (1250 + 1500) / 2, an even number of answers
        "mean": 10650 / 6,
        "lowest": 0,
        "highest": 5000,  # the highest number is in the last bin
        "bins": bins([1, 1, 1, 1, 1, 0, 0, 0, 0, 1]),
    }
    odd = aggregate("number", HOMES, {"a": 1250, "b": 900, "c": 2000})
    assert (odd["median"], odd["mean"]) == (1250, 4150 / 3)
    half = aggregate("number", HOMES, {"a": 1, "b": 2})
    assert half["median"] == 1.5 and type(half["median"]) is float
    assert aggregate("number", HOMES, {"a": 4, "b": 4, "c": 4, "d": 9})["median"] == 4


def test_the_right_answer_is_not_in_the_results() -> None:
    """Results go to every screen whose results are shown: the right answer travels only with the settings, which
    the server keeps from phones and projectors while the question is open."""
    results = aggregate("number", HOMES, {"a": 1250})
    assert set(results) == {"respondents", "median", "mean", "lowest", "highest", "bins"}


def test_without_answers_there_are_no_figures_but_there_are_bins() -> None:
    assert aggregate("number", HOMES, {}) == {
        "respondents": 0, "median": None, "mean": None, "lowest": None, "highest": None, "bins": bins([0] * 10),
    }  # fmt: skip
    assert aggregate("number", HOMES, {"a": 5}, a=PENDING)["respondents"] == 0


def test_decimals_give_exact_figures_in_the_question_s_numbers() -> None:
    results = aggregate("number", SHARE, {"a": 0.1, "b": 0.2, "c": 12.35, "d": 100})
    assert results == {
        "respondents": 4,
        "median": 6.3,  # (0.2 + 12.4) / 2, worked out in tenths
        "mean": 1127 / 40,  # (1 + 2 + 124 + 1000) tenths / 4
        "lowest": 0.1,
        "highest": 100.0,
        "bins": bins(
            [2, 1] + [0] * 7 + [1], [[low / 10, (low + 99) / 10] for low in range(0, 900, 100)] + [[90.0, 100.0]]
        ),
    }
    assert results["bins"][0] == {"low": 0.0, "high": 9.9, "count": 2}


def test_adding_and_taking_away_decimals_drifts_nowhere() -> None:
    """Floats summed and subtracted drift (0.1 + 0.2 - 0.1 != 0.2); tenths kept as whole numbers do not."""
    agg = KIND.new_aggregate(SHARE)
    answers = [
        record(f"p{n}", KIND.normalise_answer(SHARE, value)) for n, value in enumerate([0.1, 0.2, 0.7, 33.3] * 25)
    ]
    for answer in answers:
        agg.add(answer)
    for answer in answers[::3]:
        agg.remove(answer)
    recount = KIND.new_aggregate(SHARE)
    for answer in [a for n, a in enumerate(answers) if n % 3]:
        recount.add(answer)
    assert agg.results() == recount.results()
    assert agg.total == recount.total == sum(round(a.value * 10) for n, a in enumerate(answers) if n % 3)


@pytest.mark.parametrize(
    ("low", "high", "plan"),
    [
        (0, 5000, (0, 500, 10)),
        (0, 100, (0, 10, 10)),  # ten bins, the last 90 to 100
        (1, 100, (0, 10, 10)),  # 1 to 9, 10 to 19, ... 90 to 100
        (1, 5, (1, 1, 5)),  # a bin per number
        (0, 10, (0, 1, 11)),
        (0, 12, (0, 2, 6)),
        (17, 250, (0, 25, 10)),
        (-10, 10, (-10, 2, 10)),
        (1900, 2025, (1900, 20, 7)),
        (0, 1, (0, 1, 2)),
        (0, 10**14, (0, 10**13, 10)),
    ],
)
def test_histogram_bins_have_round_edges(low: int, high: int, plan: tuple[int, int, int]) -> None:
    assert bin_plan(low, high) == plan


def test_bins_cover_the_range_from_its_lowest_to_its_highest_number() -> None:
    agg = KIND.new_aggregate(KIND.validate_settings({"min": 1, "max": 100}))
    edges = [(low, high) for low, high, _ in agg.bins()]  # type: ignore[attr-defined]
    assert edges == [(1, 9), *((n, n + 9) for n in range(10, 90, 10)), (90, 100)]
    agg = KIND.new_aggregate(KIND.validate_settings({"min": 1, "max": 5}))
    assert [(low, high) for low, high, _ in agg.bins()] == [(n, n) for n in range(1, 6)]  # type: ignore[attr-defined]


def test_the_table_has_every_figure_and_every_bin() -> None:
    agg = KIND.new_aggregate(HOMES)
    for n, value in enumerate([1250, 900, 2000, 5000]):
        agg.add(record(f"p{n}", value))
    table = agg.table()
    assert table.headers == ["Figure", "Value"] and all(isinstance(h, Term) for h in table.headers)
    assert [list(row) for row in table.rows] == [
        ["Median", 1625],
        ["Average", 2287.5],
        ["Lowest", 900],
        ["Highest", 5000],
        ["Correct answer", 1250],
        ["Answers from – to", "Count"],
        ["0–499", 0], ["500–999", 1], ["1000–1499", 1], ["1500–1999", 0], ["2000–2499", 1], ["2500–2999", 0],
        ["3000–3499", 0], ["3500–3999", 0], ["4000–4499", 0], ["4500–5000", 1],
    ]  # fmt: skip
    assert isinstance(table.rows[0][0], Term) and not isinstance(table.rows[6][0], Term)
    empty = KIND.new_aggregate(KIND.validate_settings({"min": 1, "max": 3, "decimals": 1})).table()
    assert [list(row) for row in empty.rows][:4] == [["Median", None], ["Average", None], ["Lowest", None],
                                                     ["Highest", None]]  # fmt: skip
    assert [row[0] for row in empty.rows][5:] == [
        "1–1.1", "1.2–1.3", "1.4–1.5", "1.6–1.7", "1.8–1.9", "2–2.1", "2.2–2.3", "2.4–2.5", "2.6–2.7", "2.8–3",
    ]  # fmt: skip


# -- the right answer is kept from phones and projectors until answering is closed --------------------------------


async def test_phones_and_projectors_learn_the_right_answer_only_once_answering_is_closed(
    server: Server, clients: Callable[[], Client]
) -> None:
    room: Room = await server.rooms.create("Kamer", [spec(**QUESTION)])
    number = room.questions[0]
    await room.push(number.id)
    assert number.status == "open"
    mobile, snapshot = await phone(clients, room)
    screen, shown = await projector(clients, room)
    for seen in (snapshot, shown, room.snapshot("phone", "someone"), room.snapshot("projector")):
        assert seen["question"]["settings"]["unit"] == "woningen"
        assert "correct" not in seen["question"]["settings"]
    assert room.snapshot("facilitator")["question"]["settings"]["correct"] == 1250  # the console always has it

    await room.join("p1")
    await room.vote("p1", "number-0001", number.id, number.round, 1200)
    await room.act("show_results", {"question": number.id, "target": "phones", "show": True})
    results = await mobile.expect("results", lambda m: m["results"] is not None and m["results"]["respondents"] == 1)
    assert "correct" not in results["results"] and "1250" not in str(results)

    await room.act("close", {"question": number.id})
    for client in (mobile, screen):
        state = await client.expect("state", lambda m: m["question"]["status"] == "closed")
        assert state["question"]["settings"]["correct"] == 1250
    assert room.snapshot("phone", "p1")["question"]["settings"]["correct"] == 1250
    assert room.snapshot("projector")["question"]["settings"]["correct"] == 1250

    await room.act("open", {"question": number.id})  # opened again: a secret again
    for client in (mobile, screen):
        state = await client.expect("state", lambda m: m["question"]["status"] == "open")
        assert "correct" not in state["question"]["settings"]
    assert "correct" not in room.snapshot("phone", "p1")["question"]["settings"]


# -- in a browser: what a phone reads as a number, and answering with the keyboard only ---------------------------

PARSED = [
    # (typed, decimals, unit, what the phone reads)
    ("1250", 0, "", {"value": 1250}),
    ("1.250", 0, "", {"value": 1250}),  # a Dutch thousands point
    ("1,250", 0, "", {"value": 1250}),  # an English thousands comma: three decimals are never allowed
    ("1 250", 0, "", {"value": 1250}),
    ("1.234.567", 0, "", {"value": 1234567}),
    ("1250 woningen", 0, "woningen", {"value": 1250}),  # the unit typed along
    ("50%", 0, "%", {"value": 50}),
    ("€ 612,50", 2, "euro", {"value": 612.5}),
    ("-3", 0, "", {"value": -3}),
    ("\u22123", 0, "", {"value": -3}),  # a typographic minus
    ("12,5", 1, "", {"value": 12.5}),
    ("12.5", 1, "", {"value": 12.5}),
    ("12,50", 1, "", {"value": 12.5}),
    (",5", 1, "", {"value": 0.5}),
    ("1.250,5", 1, "", {"value": 1250.5}),
    ("1,250.5", 1, "", {"value": 1250.5}),
    ("", 0, "", {"error": "empty"}),
    ("   ", 0, "", {"error": "empty"}),
    ("abc", 0, "", {"error": "nan"}),
    ("12,", 0, "", {"error": "nan"}),
    ("1..2", 0, "", {"error": "nan"}),
    ("12.34.567", 0, "", {"error": "nan"}),
    ("1,2.3,4", 1, "", {"error": "nan"}),
    ("12,5", 0, "", {"error": "whole", "rounded": 13}),
    ("0,125", 2, "", {"error": "precise", "rounded": 0.13}),
]


@BROWSER[0]
@BROWSER[1]
async def test_a_phone_reads_numbers_as_people_type_them(server: Server, browser: Browser) -> None:
    room: Room = await server.rooms.create("Kamer", [spec(**QUESTION)])
    phone = await open_page(browser, server, f"/r/{room.code}", **PHONE)
    found = await phone.page.evaluate(
        """async (cases) => {
          const { parse } = await import('/static/types/number.js');
          return cases.map(([typed, decimals, unit]) => parse(typed, decimals, unit));
        }""",
        [[typed, decimals, unit] for typed, decimals, unit, _ in PARSED],
    )
    assert found == [wanted for *_, wanted in PARSED]


@BROWSER[0]
@BROWSER[1]
async def test_a_phone_answers_with_the_keyboard_and_learns_how_far_off_it_was(
    server: Server, browser: Browser
) -> None:
    room: Room = await server.rooms.create("Kamer", [spec(**QUESTION)])
    question = room.questions[0]
    phone = await open_page(browser, server, f"/r/{room.code}", **PHONE)
    page = phone.page
    await room.push(question.id)
    await expect(page.get_by_role("heading", name=QUESTION["prompt"])).to_be_focused()
    hint = tr("Fill in a number from %(min)s to %(max)s.", min="0", max="5.000 woningen")
    field = page.get_by_role("textbox", name=tr("Your answer"), exact=True)
    await expect(field).to_have_accessible_description(hint)
    await expect(field).to_have_attribute("inputmode", "numeric")
    await page.keyboard.press("Tab")
    await expect(field).to_be_focused()
    await page.keyboard.type("6.000")
    await page.keyboard.press("Enter")  # refused on the phone, in words, and the field says it is wrong
    too_high = tr("This number is too high. The highest possible answer is %(max)s.", max="5.000 woningen")
    await expect(page.locator(".form-error")).to_have_text(too_high)
    await expect(page.locator("#announce")).to_have_text(too_high)
    await expect(field).to_be_focused()
    await expect(field).to_have_attribute("aria-invalid", "true")
    await expect(field).to_have_accessible_description(f"{too_high} {hint}")
    assert question.tally.answers == {}
    await page.keyboard.press("Control+A")
    await page.keyboard.type("1200")
    await page.keyboard.press("Enter")
    await expect(page.get_by_text(tr("Your answer has been received"), exact=True)).to_be_visible()
    await expect(page.locator(".received-answer")).to_have_text("1.200 woningen")  # no right answer while open
    assert [a.value for a in question.tally.answers.values()] == [1200]

    await room.act("close", {"question": question.id})
    await expect(page.locator(".received-answer")).to_have_text(
        "1.200 woningen. "
        + tr("The correct answer: %(value)s", value="1.250 woningen")
        + ". "
        + tr("Your answer was %(diff)s too low.", diff="50 woningen")
    )
    await room.act("show_results", {"question": question.id, "target": "phones", "show": True})
    await expect(page.locator(".number-correct")).to_have_text(
        tr("The correct answer: %(value)s", value="1.250 woningen")
    )
    await expect(page.locator(".bar.is-correct .number-range")).to_have_text("1.000–1.499")
    await expect(page.locator(".number-median .number-value")).to_have_text("1.200")
    await room.act("open", {"question": question.id})  # opened again: the right answer goes from the phone again
    await expect(page.locator(".number-correct")).to_be_hidden()
    await expect(page.locator(".bar.is-correct")).to_have_count(0)
    assert phone.errors == []
