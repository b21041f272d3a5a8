"""2x2 grid: items placed on two scales; exact means and spreads from whole-number sums; "weet niet" kept apart."""

from __future__ import annotations

import math
from typing import Any

import pytest
from conftest import BROWSER, PHONE, Server, open_page, spec
from helpers import aggregate, record
from playwright.async_api import Browser, Locator, expect

from lab.i18n import translate
from lab.questions import TYPES, AnswerError, SettingsError, Term
from lab.records import HIDDEN
from lab.rooms import Room

KIND = TYPES["grid"]


def tr(message: str, **params: object) -> str:
    """What the phone says, in Dutch."""
    return translate("nl", message, params)


ITEMS = ["Huurdersavond", "Nieuwsbrief", "Spreekuur in de wijk"]
GRID = KIND.validate_settings({"items": ITEMS, "x_label": "Belangrijk", "y_label": "Haalbaar",
                               "quadrants": ["Als er tijd is", "Snel doen", "Niet doen", "Plannen"]})  # fmt: skip


# -- settings ------------------------------------------------------------------------------------------------------


def test_settings_are_completed_in_their_one_stored_form() -> None:
    assert KIND.check_settings({"items": [" Huurdersavond ", "Nieuwsbrief"], "x_label": "Belangrijk",
                                "y_label": " Haalbaar "}) == {
        "items": ["Huurdersavond", "Nieuwsbrief"], "x_label": "Belangrijk", "y_label": "Haalbaar", "scale_max": 5,
        "quadrants": ["", "", "", ""], "allow_skip": True,
    }  # fmt: skip
    assert GRID["quadrants"] == ["Als er tijd is", "Snel doen", "Niet doen", "Plannen"]
    # no names, as an empty list (the console's editor) or four empty texts (stored): the same
    base = {"items": ["A"], "x_label": "X", "y_label": "Y"}
    assert KIND.check_settings({**base, "quadrants": []})["quadrants"] == ["", "", "", ""]
    assert KIND.check_settings({**base, "quadrants": ["", "", "", ""]})["quadrants"] == ["", "", "", ""]
    assert KIND.validate_settings(GRID) == GRID  # validating stored settings gives them back


BASE = {"items": ITEMS, "x_label": "Belangrijk", "y_label": "Haalbaar"}


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({**BASE, "items": []}, "items: must have from 1 to 8 entries"),
        ({**BASE, "items": [f"Onderwerp {n}" for n in range(9)]}, "items: must have from 1 to 8 entries"),
        ({**BASE, "items": ["Nieuwsbrief", "nieuwsbrief"]}, "items: has the same item twice"),
        ({**BASE, "items": ["Nieuwsbrief", " "]}, "items[1]: must be a text that is not empty"),
        ({**BASE, "items": "Nieuwsbrief"}, "items: must be a list of texts"),
        ({"items": ITEMS, "y_label": "Haalbaar"}, "x_label: is required"),
        ({**BASE, "y_label": "  "}, "y_label: is required"),
        ({**BASE, "x_label": "x" * 41}, "x_label: must be at most 40 characters"),
        ({**BASE, "scale_max": 2}, "scale_max: must be from 3 to 10"),
        ({**BASE, "scale_max": 11}, "scale_max: must be from 3 to 10"),
        ({**BASE, "scale_max": True}, "scale_max: must be a whole number"),
        ({**BASE, "quadrants": "Snel doen"}, "quadrants: must be a list of texts"),
        ({**BASE, "quadrants": ["Snel doen"]},
         "quadrants: must have four names (top left, top right, bottom left, bottom right), or none"),
        ({**BASE, "quadrants": ["Later", "Snel doen", "", "Plannen"]},
         "quadrants: must have four names (top left, top right, bottom left, bottom right), or none"),
        ({**BASE, "quadrants": ["Later", "Snel doen", 3, "Plannen"]}, "quadrants[2]: must be a text that is not empty"),
        ({**BASE, "quadrants": ["Later", "Snel doen", "Niet doen", "x" * 41]},
         "quadrants[3]: must be at most 40 characters"),
        ({**BASE, "allow_skip": "ja"}, "allow_skip: must be true or false"),
        ({**BASE, "labels": []}, "labels: unknown setting for this question type"),
    ],
)  # fmt: skip
def test_settings_that_do_not_fit_are_refused_naming_the_field(raw: dict[str, Any], message: str) -> None:
    with pytest.raises(SettingsError) as error:
        KIND.validate_settings(raw)
    assert str(error.value) == message


def test_only_the_quadrant_names_can_change_without_a_new_round() -> None:
    assert KIND.answers_still_fit("grid", GRID, {**GRID, "quadrants": ["", "", "", ""]})
    assert not KIND.answers_still_fit("grid", GRID, {**GRID, "x_label": "Dringend"})
    assert not KIND.answers_still_fit("grid", GRID, {**GRID, "scale_max": 7})
    assert not KIND.answers_still_fit("grid", GRID, {**GRID, "items": [*ITEMS, "Website"]})


# -- answers ---------------------------------------------------------------------------------------------------


def test_answers_are_a_place_or_nothing_per_item() -> None:
    assert KIND.normalise_answer(GRID, [[5, 4], None, [1, 5]]) == [[5, 4], None, [1, 5]]
    assert KIND.normalise_answer(GRID, [None, None, None]) == [None, None, None]


@pytest.mark.parametrize(
    ("settings", "value", "message"),
    [
        (GRID, [[5, 4], [3, 2]], "Give every item a score on both scales."),
        (GRID, [[5, 4], [3, 2], [1, 1], [1, 1]], "Give every item a score on both scales."),
        (GRID, "5,4", "Give every item a score on both scales."),
        (GRID, None, "Give every item a score on both scales."),
        (GRID, {"Huurdersavond": [5, 4]}, "Give every item a score on both scales."),
        (GRID, [[5], None, None], "Give every item a score on both scales."),
        (GRID, [[5, 4, 3], None, None], "Give every item a score on both scales."),
        (GRID, [5, 4, 3], "Give every item a score on both scales."),
        (GRID, [{"x": 5, "y": 4}, None, None], "Give every item a score on both scales."),
        ({**GRID, "allow_skip": False}, [[5, 4], None, [1, 1]], "Give every item a score on both scales."),
        (GRID, [[6, 4], None, None], "A rating must be from 1 to 5."),
        (GRID, [[4, 0], None, None], "A rating must be from 1 to 5."),
        (GRID, [[True, 4], None, None], "A rating must be from 1 to 5."),
        (GRID, [[2.5, 4], None, None], "A rating must be from 1 to 5."),
        (GRID, [[4.0, 4], None, None], "A rating must be from 1 to 5."),
        (GRID, [["4", 4], None, None], "A rating must be from 1 to 5."),
    ],
)
def test_answers_that_do_not_fit_are_refused(settings: dict[str, Any], value: object, message: str) -> None:
    with pytest.raises(AnswerError) as error:
        KIND.normalise_answer(settings, value)
    assert str(error.value) == message and error.value.code == "invalid"


def test_an_answer_reads_as_the_item_and_its_two_scores() -> None:
    assert KIND.answer_text(GRID, [[5, 4], None, [1, 2]]) == (
        "Huurdersavond: Belangrijk 5, Haalbaar 4; Nieuwsbrief: -; Spreekuur in de wijk: Belangrijk 1, Haalbaar 2"
    )


# -- results -------------------------------------------------------------------------------------------------------


def test_means_and_spreads_per_item_with_skips_and_hidden_answers_apart() -> None:
    answers = {"a": [[5, 4], [3, 2], None], "b": [[4, 4], None, [2, 5]], "c": [[3, 1], [1, 1], None],
               "d": [[1, 1], [1, 1], [1, 1]]}  # fmt: skip
    assert aggregate("grid", GRID, answers, d=HIDDEN) == {
        "respondents": 3,
        "items": [
            {"label": "Huurdersavond", "answered": 3, "skipped": 0, "x": 4.0, "y": 3.0,
             "x_spread": math.sqrt(3 * 50 - 12 * 12) / 3, "y_spread": math.sqrt(3 * 33 - 9 * 9) / 3},
            {"label": "Nieuwsbrief", "answered": 2, "skipped": 1, "x": 2.0, "y": 1.5, "x_spread": 1.0,
             "y_spread": 0.5},
            {"label": "Spreekuur in de wijk", "answered": 1, "skipped": 2, "x": 2.0, "y": 5.0, "x_spread": 0.0,
             "y_spread": 0.0},
        ],
    }  # fmt: skip
    first = aggregate("grid", GRID, answers, d=HIDDEN)["items"][0]
    assert round(first["x_spread"], 4) == 0.8165 and round(first["y_spread"], 4) == 1.4142  # sqrt(2/3), sqrt(2)


def test_an_item_nobody_placed_has_no_figures() -> None:
    assert aggregate("grid", GRID, {"a": [[5, 4], None, None]})["items"][1] == {
        "label": "Nieuwsbrief", "answered": 0, "skipped": 1, "x": None, "y": None, "x_spread": None, "y_spread": None,
    }  # fmt: skip
    assert aggregate("grid", GRID, {})["respondents"] == 0


def test_sums_are_whole_numbers_so_taking_answers_away_leaves_what_a_recount_gives() -> None:
    agg = KIND.new_aggregate(GRID)
    answers = [record(f"p{n}", [[1 + n % 5, 1 + n * 3 % 5], None if n % 4 == 0 else [3, 1 + n % 5], None])
               for n in range(97)]  # fmt: skip
    for answer in answers:
        agg.add(answer)
    for answer in answers[::2]:
        agg.remove(answer)
    recount = KIND.new_aggregate(GRID)
    for answer in answers[1::2]:
        recount.add(answer)
    assert agg.results() == recount.results()
    assert agg.sums == recount.sums  # type: ignore[attr-defined]
    assert agg.results()["items"][2] == {"label": "Spreekuur in de wijk", "answered": 0, "skipped": 48, "x": None,
                                         "y": None, "x_spread": None, "y_spread": None}  # fmt: skip


def test_the_table_has_a_row_per_item_and_scale() -> None:
    agg = KIND.new_aggregate(GRID)
    for participant, value in {
        "a": [[5, 4], [3, 2], None],
        "b": [[4, 4], None, None],
        "c": [[3, 1], [1, 1], None],
    }.items():
        agg.add(record(participant, value))
    table = agg.table()
    assert table.headers == ["Item", "Scored on", "Average", "Spread", "Answered", "Skipped"]
    assert all(isinstance(header, Term) for header in table.headers)
    assert [list(row) for row in table.rows] == [
        ["Huurdersavond", "Belangrijk", 4.0, 0.82, 3, 0],
        ["Huurdersavond", "Haalbaar", 3.0, 1.41, 3, 0],
        ["Nieuwsbrief", "Belangrijk", 2.0, 1.0, 2, 1],
        ["Nieuwsbrief", "Haalbaar", 1.5, 0.5, 2, 1],
        ["Spreekuur in de wijk", "Belangrijk", None, None, 0, 3],
        ["Spreekuur in de wijk", "Haalbaar", None, None, 0, 3],
    ]
    assert not any(isinstance(cell, Term) for row in table.rows for cell in row)  # deck text stays as it is


# -- in a browser: answering with the keyboard only -----------------------------------------------------------------


@BROWSER[0]
@BROWSER[1]
async def test_a_phone_places_every_item_with_the_keyboard_only(server: Server, browser: Browser) -> None:
    """Tab goes from scale to scale, arrow keys choose a score within one (a native radio group), Space ticks "weet
    niet"; a missing score is said in words and focus goes to it; Enter sends."""
    question = {"type": "grid", "prompt": "Wat pakken we als eerste op?", **BASE}
    room: Room = await server.rooms.create("Kamer", [spec(**question)])
    phone = await open_page(browser, server, f"/r/{room.code}", **PHONE)
    page = phone.page
    await room.push(room.questions[0].id)
    await expect(page.get_by_role("heading", name=question["prompt"])).to_be_focused()

    async def tab_to(scale: Locator) -> None:
        await page.keyboard.press("Tab")
        await expect(scale.get_by_role("radio", name="1", exact=True)).to_be_focused()

    def scale(item: str, name: str) -> Locator:
        return page.get_by_role("group", name=item, exact=True).get_by_role("radiogroup", name=name, exact=True)

    first = ITEMS[0]
    await tab_to(scale(first, "Belangrijk"))
    for _ in range(3):
        await page.keyboard.press("ArrowRight")  # 2, 3, 4: an arrow key moves and chooses
    await expect(scale(first, "Belangrijk").locator("input:checked")).to_have_value("4")
    await tab_to(scale(first, "Haalbaar"))
    await page.keyboard.press("ArrowRight")
    await page.keyboard.press("Tab")  # "weet niet" for the first item: not ticked
    await page.keyboard.press("Tab")  # on to the second item
    await page.keyboard.press("Tab")
    await page.keyboard.press("Tab")
    skip = page.get_by_role("group", name=ITEMS[1], exact=True).get_by_role("checkbox", name=tr("Don't know / skip"))
    await expect(skip).to_be_focused()
    await page.keyboard.press("Space")
    await expect(skip).to_be_checked()
    await page.get_by_role("button", name=tr("Send"), exact=True).focus()
    await page.keyboard.press("Enter")  # the third item has no scores yet: said, and focus goes there
    missing = tr("Choose a score on both scales for: %(item)s", item=ITEMS[2])
    await expect(page.locator(".form-error")).to_have_text(missing)
    await expect(page.locator("#announce")).to_have_text(missing)
    await expect(scale(ITEMS[2], "Belangrijk").get_by_role("radio", name="1", exact=True)).to_be_focused()
    assert room.questions[0].tally.answers == {}
    await page.keyboard.press("Space")  # Space chooses the focused score
    await tab_to(scale(ITEMS[2], "Haalbaar"))
    await page.keyboard.press("ArrowLeft")  # from the first score round to the last
    await page.get_by_role("button", name=tr("Send"), exact=True).focus()
    await page.keyboard.press("Enter")
    await expect(page.get_by_text(tr("Your answer has been received"), exact=True)).to_be_visible()
    assert [a.value for a in room.questions[0].tally.answers.values()] == [[[4, 2], None, [1, 5]]]
    await expect(page.locator(".received-answer")).to_have_text(
        "Huurdersavond: Belangrijk 4, Haalbaar 2; Nieuwsbrief: "
        + tr("Don't know / skip")
        + "; Spreekuur in de wijk: Belangrijk 1, Haalbaar 5"
    )
    await room.act("show_results", {"question": room.questions[0].id, "target": "phones", "show": True})
    legend = page.locator(".grid-entry")
    await expect(legend.nth(0)).to_contain_text("Huurdersavond")
    await expect(legend.nth(0).locator(".grid-values")).to_have_text("Belangrijk 4,0, Haalbaar 2,0")
    await expect(legend.nth(1).locator(".grid-values")).to_have_text(tr("no scores yet"))
    assert phone.errors == []
