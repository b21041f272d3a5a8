"""Dividing points: an answer is whole points per item within the budget (all of it with `spend_all`, never none);
results per item in the deck's order are the average over everyone who answered (not rounded: screens round once),
the total, and how many gave the item any points."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import PHONE, Server, in_browser, open_page, spec
from helpers import aggregate, record
from playwright.async_api import Browser, Locator, Page, expect

from lab.decks import parse_question
from lab.i18n import translate
from lab.questions import TYPES, AnswerError, SettingsError, Table
from lab.records import HIDDEN, PENDING
from lab.rooms import Room

BUDGET = ["Nieuwsbrief en website", "Cursussen voor bestuursleden", "Bewonersavonden in de wijk", "Juridisch advies"]
POINTS = TYPES["points"].validate_settings({"items": BUDGET})
ALL = TYPES["points"].validate_settings({"items": BUDGET[:2], "budget": 10, "spend_all": True})


def test_settings_and_their_defaults() -> None:
    spec = parse_question(
        {"type": "points", "prompt": "Hoe verdeelt u het geld?", "items": [" Nieuwsbrief ", "Cursus"]}
    )
    assert {k: spec.settings[k] for k in ("items", "budget", "spend_all")} == {
        "items": ["Nieuwsbrief", "Cursus"], "budget": 100, "spend_all": False,
    }  # fmt: skip
    assert ALL["budget"] == 10 and ALL["spend_all"] is True
    assert TYPES["points"].validate_settings({"items": BUDGET, "budget": 1000})["budget"] == 1000


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({}, "items: must be a list of texts"),
        ({"items": ["Alleen dit"]}, "items: must have from 2 to 10 entries"),
        ({"items": [f"Post {n}" for n in range(11)]}, "items: must have from 2 to 10 entries"),
        ({"items": ["Nieuwsbrief", ""]}, "items[1]: must be a text that is not empty"),
        ({"items": ["Nieuwsbrief", "x" * 121]}, "items[1]: must be at most 120 characters"),
        ({"items": ["Nieuwsbrief", "NIEUWSBRIEF"]}, "items: has the same item twice"),
        ({"items": BUDGET, "budget": 9}, "budget: must be from 10 to 1000"),
        ({"items": BUDGET, "budget": 1001}, "budget: must be from 10 to 1000"),
        ({"items": BUDGET, "budget": 100.0}, "budget: must be a whole number"),
        ({"items": BUDGET, "budget": True}, "budget: must be a whole number"),
        ({"items": BUDGET, "budget": "100"}, "budget: must be a whole number"),
        ({"items": BUDGET, "spend_all": "ja"}, "spend_all: must be true or false"),
        ({"items": BUDGET, "step": 5}, "step: unknown setting for this question type"),
    ],
)
def test_settings_that_do_not_fit_are_refused(raw: dict[str, Any], message: str) -> None:
    with pytest.raises(SettingsError) as error:
        TYPES["points"].validate_settings(raw)
    assert str(error.value) == message


def test_answers_up_to_the_budget_are_stored_as_sent() -> None:
    kind = TYPES["points"]
    assert kind.normalise_answer(POINTS, [40, 30, 20, 10]) == [40, 30, 20, 10]
    assert kind.normalise_answer(POINTS, [0, 0, 5, 0]) == [0, 0, 5, 0]  # under the budget: allowed
    assert kind.normalise_answer(POINTS, [0, 100, 0, 0]) == [0, 100, 0, 0]
    assert kind.normalise_answer(ALL, [3, 7]) == [3, 7]
    stored = kind.normalise_answer(POINTS, [25, 25, 25, 25])
    assert kind.normalise_answer(POINTS, stored) == stored


@pytest.mark.parametrize(
    ("settings", "value", "message"),
    [
        (POINTS, None, "Give a number of points for every item."),
        (POINTS, 100, "Give a number of points for every item."),
        (POINTS, "40,30,20,10", "Give a number of points for every item."),
        (POINTS, {"0": 40}, "Give a number of points for every item."),
        (POINTS, [50, 50], "Give a number of points for every item."),
        (POINTS, [20, 20, 20, 20, 20], "Give a number of points for every item."),
        (POINTS, [-10, 50, 30, 30], "Points must be whole numbers, 0 or more."),
        (POINTS, [10.5, 20, 0, 0], "Points must be whole numbers, 0 or more."),
        (POINTS, [10.0, 20, 0, 0], "Points must be whole numbers, 0 or more."),
        (POINTS, [True, 20, 0, 0], "Points must be whole numbers, 0 or more."),
        (POINTS, ["10", 20, 0, 0], "Points must be whole numbers, 0 or more."),
        (POINTS, [None, 20, 0, 0], "Points must be whole numbers, 0 or more."),
        (POINTS, [40, 40, 20, 1], "You can give at most 100 points in total."),
        (POINTS, [1000, 0, 0, 0], "You can give at most 100 points in total."),
        (POINTS, [0, 0, 0, 0], "Give points to at least one item."),
        (ALL, [3, 6], "Divide exactly 10 points."),
        (ALL, [0, 0], "Divide exactly 10 points."),
        (ALL, [5, 6], "You can give at most 10 points in total."),
    ],
)
def test_what_does_not_fit_is_refused(settings: dict[str, Any], value: object, message: str) -> None:
    with pytest.raises(AnswerError) as error:
        TYPES["points"].normalise_answer(settings, value)
    assert str(error.value) == message and error.value.code == "invalid"


def test_averages_totals_and_givers_in_the_decks_order() -> None:
    results = aggregate(
        "points",
        POINTS,
        {"a": [50, 30, 20, 0], "b": [0, 100, 0, 0], "c": [25, 25, 25, 25], "d": [10, 0, 0, 5]},
    )
    assert results == {
        "respondents": 4,
        "items": [
            {"label": "Nieuwsbrief en website", "average": 85 / 4, "total": 85, "given": 3},
            {"label": "Cursussen voor bestuursleden", "average": 155 / 4, "total": 155, "given": 3},
            {"label": "Bewonersavonden in de wijk", "average": 45 / 4, "total": 45, "given": 2},
            {"label": "Juridisch advies", "average": 30 / 4, "total": 30, "given": 2},
        ],
    }


def test_without_answers_there_are_no_averages() -> None:
    assert aggregate("points", POINTS, {}) == {
        "respondents": 0,
        "items": [{"label": label, "average": None, "total": 0, "given": 0} for label in BUDGET],
    }


def test_hidden_and_pending_answers_count_nowhere() -> None:
    counted = aggregate("points", POINTS, {"a": [60, 40, 0, 0]})
    assert aggregate("points", POINTS, {"a": [60, 40, 0, 0], "b": [0, 0, 0, 100], "c": [0, 0, 50, 50]},
                     b=HIDDEN, c=PENDING) == counted  # fmt: skip
    assert counted == {
        "respondents": 1,
        "items": [
            {"label": BUDGET[0], "average": 60.0, "total": 60, "given": 1},
            {"label": BUDGET[1], "average": 40.0, "total": 40, "given": 1},
            {"label": BUDGET[2], "average": 0.0, "total": 0, "given": 0},
            {"label": BUDGET[3], "average": 0.0, "total": 0, "given": 0},
        ],
    }


def test_a_changed_or_withdrawn_answer_counts_no_more() -> None:
    agg = TYPES["points"].new_aggregate(POINTS)
    first, second = record("a", [100, 0, 0, 0]), record("a", [0, 50, 0, 50])
    agg.add(first)
    agg.remove(first)
    agg.add(second)
    assert [(i["total"], i["given"]) for i in agg.results()["items"]] == [(0, 0), (50, 1), (0, 0), (50, 1)]
    agg.remove(second)
    assert agg.results() == aggregate("points", POINTS, {})


def test_the_table_has_every_figure() -> None:
    agg = TYPES["points"].new_aggregate(POINTS)
    for n, value in enumerate([[50, 30, 20, 0], [0, 100, 0, 0], [10, 0, 0, 0]]):
        agg.add(record(f"p{n}", value))
    assert agg.table() == Table(
        ["Item", "Average", "Total", "Participants who gave points"],
        [
            ["Nieuwsbrief en website", 20.0, 60, 2],
            ["Cursussen voor bestuursleden", 43.33, 130, 2],
            ["Bewonersavonden in de wijk", 6.67, 20, 1],
            ["Juridisch advies", 0.0, 0, 0],
        ],
    )
    assert TYPES["points"].new_aggregate(POINTS).table().rows[0] == ["Nieuwsbrief en website", None, 0, 0]


def test_an_answer_reads_as_points_per_item_in_an_export() -> None:
    assert TYPES["points"].answer_text(POINTS, [40, 0, 60, 0]) == (
        "Nieuwsbrief en website: 40; Cursussen voor bestuursleden: 0; Bewonersavonden in de wijk: 60; "
        "Juridisch advies: 0"
    )


def test_another_budget_or_rule_starts_a_new_round() -> None:
    kind = TYPES["points"]
    assert kind.answers_still_fit("points", POINTS, {**POINTS, "allow_change": False})
    assert not kind.answers_still_fit("points", POINTS, {**POINTS, "budget": 200})
    assert not kind.answers_still_fit("points", POINTS, {**POINTS, "spend_all": True})
    assert not kind.answers_still_fit("points", POINTS, {**POINTS, "items": BUDGET[:3]})


# -- on the phone, in Chromium ---------------------------------------------------------------------------------

PROMPT = "Hoe verdeelt u volgend jaar het geld van de huurdersorganisatie?"


def _tr(message: str, **params: object) -> str:
    return translate("nl", message, params)


async def _phone(server: Server, browser: Browser, **settings: Any) -> tuple[Room, Page]:
    question = spec(type="points", prompt=PROMPT, items=BUDGET, **settings)
    room: Room = await server.rooms.create("Participatielab", [question])
    mobile = await open_page(browser, server, f"/r/{room.code}", **PHONE)
    await room.push(room.questions[0].id)
    await expect(mobile.page.get_by_role("heading", name=PROMPT)).to_be_visible()
    return room, mobile.page


def _field(page: Page, item: str) -> Locator:
    return page.get_by_role("spinbutton", name=item, exact=True)


def _more(page: Page, item: str, step: str = "+5") -> Locator:
    """An item's - or + button, named by what it shows and then the item."""
    return page.get_by_role("button", name=f"{step} {item}", exact=True)


def _stored(room: Room) -> list[Any]:
    return [a.value for a in room.questions[0].tally.answers.values()]


@in_browser
async def test_plus_and_minus_step_by_five_and_what_is_left_is_shown_and_said(server: Server, browser: Browser) -> None:
    room, page = await _phone(server, browser)
    left, said = page.locator(".points-left"), page.locator("#announce")
    await expect(left).to_have_text(_tr("Still to divide: %(n)s points", n=100))
    await expect(
        page.get_by_text(_tr("Divide %(budget)s points. You do not have to use them all.", budget=100))
    ).to_be_visible()
    await expect(_field(page, BUDGET[0])).to_have_accessible_description(_tr("Still to divide: %(n)s points", n=100))
    more = _more(page, BUDGET[1])
    await expect(more).to_have_text("+5")
    await more.focus()
    for _ in range(3):
        await page.keyboard.press("Enter")
    await expect(_field(page, BUDGET[1])).to_have_value("15")
    await expect(more).to_be_focused()
    await expect(left).to_have_text(_tr("Still to divide: %(n)s points", n=85))
    await expect(said).to_have_text(f"{BUDGET[1]}: 15. " + _tr("Still to divide: %(n)s points", n=85))
    await _more(page, BUDGET[1], "−5").click()
    await expect(_field(page, BUDGET[1])).to_have_value("10")
    await expect(said).to_have_text(f"{BUDGET[1]}: 10. " + _tr("Still to divide: %(n)s points", n=90))
    await _field(page, BUDGET[0]).fill("89")
    await expect(left).to_have_text(_tr("Still to divide: 1 point"))
    await more.click()  # only 1 was left: + gives what is left, not 5
    await expect(_field(page, BUDGET[1])).to_have_value("11")
    await expect(left).to_have_text(_tr("Still to divide: %(n)s points", n=0))
    await more.click()  # nothing left: refused in words, on the screen and aloud
    full = _tr(
        "All %(budget)s points are divided. To give more here, first take points away somewhere else.", budget=100
    )
    await expect(page.locator(".form-error")).to_have_text(full)
    await expect(said).to_have_text(full)
    await expect(_field(page, BUDGET[1])).to_have_value("11")
    await expect(_field(page, BUDGET[3])).to_have_attribute("placeholder", "0")  # no points: empty, showing 0
    await _more(page, BUDGET[3], "−5").click()  # at 0 it stays 0
    await expect(_field(page, BUDGET[3])).to_have_value("")
    await expect(page.locator(".form-error")).to_have_count(0)  # a change took the out-of-date complaint away
    await page.get_by_role("button", name=_tr("Send"), exact=True).click()
    await expect(page.get_by_text(_tr("Your answer has been received"), exact=True)).to_be_visible()
    await expect(page.locator(".received-answer")).to_have_text(
        f"{BUDGET[0]}: 89; {BUDGET[1]}: 11; {BUDGET[2]}: 0; {BUDGET[3]}: 0"
    )
    assert _stored(room) == [[89, 11, 0, 0]]


@in_browser
async def test_a_total_over_the_budget_is_refused_in_words(server: Server, browser: Browser) -> None:
    room, page = await _phone(server, browser)
    left = page.locator(".points-left")
    await _field(page, BUDGET[0]).fill("80")
    await _field(page, BUDGET[2]).fill("35")
    await expect(left).to_have_text(_tr("%(n)s points too many: take some away.", n=15))
    await expect(left).to_have_class("points-left points-over")
    too_many = _tr("You have divided more than %(budget)s points. Take some away first.", budget=100)
    await _field(page, BUDGET[2]).press("Tab")  # leaving the field says it
    await expect(page.locator("#announce")).to_have_text(too_many)
    await page.get_by_role("button", name=_tr("Send"), exact=True).click()
    await expect(page.locator(".form-error")).to_have_text(too_many)
    await _field(page, BUDGET[2]).fill("21")
    await expect(left).to_have_text(_tr("1 point too many: take it away."))
    await _field(page, BUDGET[2]).fill("20")
    await page.get_by_role("button", name=_tr("Send"), exact=True).click()
    await expect(page.get_by_text(_tr("Your answer has been received"), exact=True)).to_be_visible()
    assert _stored(room) == [[80, 0, 20, 0]]


@in_browser
async def test_nothing_at_all_a_broken_number_and_not_all_points_are_refused(server: Server, browser: Browser) -> None:
    room, page = await _phone(server, browser, budget=10, spend_all=True)
    await expect(page.get_by_text(_tr("Divide exactly %(budget)s points.", budget=10))).to_be_visible()
    await expect(_more(page, BUDGET[0], "+1")).to_be_visible()  # a budget under 50 goes by one
    send = page.get_by_role("button", name=_tr("Send"), exact=True)
    await _field(page, BUDGET[1]).fill("2.5")
    await send.click()
    await expect(page.locator(".form-error")).to_have_text(
        _tr("Fill in a whole number, 0 or more, for: %(item)s", item=BUDGET[1])
    )
    await expect(_field(page, BUDGET[1])).to_be_focused()
    await _field(page, BUDGET[1]).fill("")  # empty is 0
    await send.click()
    await expect(page.locator(".form-error")).to_have_text(
        _tr("Divide all %(budget)s points first. Then you can send.", budget=10)
    )
    await _field(page, BUDGET[1]).fill("7")
    await send.click()
    await expect(page.locator(".form-error")).to_have_text(
        _tr("Divide all %(budget)s points first. Then you can send.", budget=10)
    )
    for _ in range(3):
        await _more(page, BUDGET[3], "+1").click()
    await send.click()
    await expect(page.get_by_text(_tr("Your answer has been received"), exact=True)).to_be_visible()
    assert _stored(room) == [[0, 7, 0, 3]]


@in_browser
async def test_no_points_at_all_is_not_an_answer(server: Server, browser: Browser) -> None:
    room, page = await _phone(server, browser)
    await page.get_by_role("button", name=_tr("Send"), exact=True).click()
    await expect(page.locator(".form-error")).to_have_text(_tr("Give points to at least one item."))
    await expect(_field(page, BUDGET[0])).to_be_focused()
    assert _stored(room) == []


@in_browser
async def test_points_not_sent_are_there_again_when_the_question_opens_again(server: Server, browser: Browser) -> None:
    room, page = await _phone(server, browser)
    question = room.questions[0]
    closed = page.locator("#phone").get_by_text(_tr("This question is closed"), exact=True)
    unsent = page.get_by_text(
        _tr("What you had filled in was not sent. If the question opens again, it is still there."), exact=True
    )
    await room.act("close", {"question": question.id})
    await expect(closed).to_be_visible()
    await expect(unsent).to_have_count(0)  # nothing was filled in: nothing to keep
    await room.act("open", {"question": question.id})
    await _field(page, BUDGET[2]).fill("30")
    await room.act("close", {"question": question.id})
    await expect(unsent).to_be_visible()
    await room.act("open", {"question": question.id})
    await expect(_field(page, BUDGET[2])).to_have_value("30")
    await expect(page.locator(".points-left")).to_have_text(_tr("Still to divide: %(n)s points", n=70))
