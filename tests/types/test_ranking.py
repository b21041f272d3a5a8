"""Ranking: an answer is a full order of the items; results are average places (not rounded: screens round once),
items ordered by them with ties in the deck's order, and how many put each item in each place."""

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

THEMES = ["Betaalbaarheid", "Onderhoud en verduurzaming", "Leefbaarheid in de wijk", "Communicatie met huurders"]
RANKING = TYPES["ranking"].validate_settings({"items": THEMES})


def test_settings_are_the_items_in_the_decks_order() -> None:
    spec = parse_question({"type": "ranking", "prompt": "Wat eerst?", "items": [" Betaalbaarheid ", "Onderhoud"]})
    assert spec.settings["items"] == ["Betaalbaarheid", "Onderhoud"]
    assert set(TYPES["ranking"].settings_keys) == {"items"}


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({}, "items: must be a list of texts"),
        ({"items": "Betaalbaarheid"}, "items: must be a list of texts"),
        ({"items": ["Alleen dit"]}, "items: must have from 2 to 10 entries"),
        ({"items": [f"Onderwerp {n}" for n in range(11)]}, "items: must have from 2 to 10 entries"),
        ({"items": ["Betaalbaarheid", "  "]}, "items[1]: must be a text that is not empty"),
        ({"items": ["Betaalbaarheid", 3]}, "items[1]: must be a text that is not empty"),
        ({"items": ["Betaalbaarheid", "x" * 121]}, "items[1]: must be at most 120 characters"),
        ({"items": ["Betaalbaarheid", "betaalbaarheid "]}, "items: has the same item twice"),
        ({"items": THEMES, "options": THEMES}, "options: unknown setting for this question type"),
    ],
)
def test_settings_that_do_not_fit_are_refused(raw: dict[str, Any], message: str) -> None:
    with pytest.raises(SettingsError) as error:
        TYPES["ranking"].validate_settings(raw)
    assert str(error.value) == message


def test_ten_items_of_120_characters_are_allowed() -> None:
    items = [f"{n} " + "x" * 118 for n in range(10)]
    assert TYPES["ranking"].validate_settings({"items": items})["items"] == items


def test_an_answer_is_stored_as_sent_and_normalising_it_again_changes_nothing() -> None:
    kind = TYPES["ranking"]
    assert kind.normalise_answer(RANKING, [2, 0, 3, 1]) == [2, 0, 3, 1]
    assert kind.normalise_answer(RANKING, [0, 1, 2, 3]) == [0, 1, 2, 3]  # the deck's order, unchanged: an answer
    stored = kind.normalise_answer(RANKING, [3, 2, 1, 0])
    assert kind.normalise_answer(RANKING, stored) == stored


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (None, "Put all 4 items in order."),
        ("0,1,2,3", "Put all 4 items in order."),
        (2, "Put all 4 items in order."),
        ({"0": 1}, "Put all 4 items in order."),
        ([], "Put all 4 items in order."),
        ([0, 1, 2], "Put all 4 items in order."),
        ([0, 1, 2, 3, 0], "Put all 4 items in order."),
        ([0, 1, 1, 3], "Every item must have exactly one place."),
        ([0, 1, 2, 4], "Every item must have exactly one place."),
        ([-1, 0, 1, 2], "Every item must have exactly one place."),
        ([True, 0, 2, 3], "Every item must have exactly one place."),
        ([1.0, 0, 2, 3], "Every item must have exactly one place."),
        (["1", 0, 2, 3], "Every item must have exactly one place."),
        ([None, 0, 2, 3], "Every item must have exactly one place."),
    ],
)
def test_anything_but_a_full_order_is_refused(value: object, message: str) -> None:
    with pytest.raises(AnswerError) as error:
        TYPES["ranking"].normalise_answer(RANKING, value)
    assert str(error.value) == message and error.value.code == "invalid"


def test_average_places_ordered_best_first_with_every_places_count() -> None:
    results = aggregate(
        "ranking",
        RANKING,
        {"a": [0, 1, 2, 3], "b": [1, 0, 3, 2], "c": [1, 2, 0, 3], "d": [2, 1, 0, 3], "e": [1, 3, 0, 2]},
    )
    assert results == {
        "respondents": 5,
        "items": [
            # Onderhoud: places 2, 1, 1, 2, 1 = 7 / 5; Betaalbaarheid: 1, 2, 3, 3, 3 = 12 / 5; ...
            {"index": 1, "label": "Onderhoud en verduurzaming", "average": 7 / 5, "distribution": [3, 2, 0, 0]},
            {"index": 0, "label": "Betaalbaarheid", "average": 12 / 5, "distribution": [1, 1, 3, 0]},
            {"index": 2, "label": "Leefbaarheid in de wijk", "average": 14 / 5, "distribution": [1, 1, 1, 2]},
            {"index": 3, "label": "Communicatie met huurders", "average": 17 / 5, "distribution": [0, 1, 1, 3]},
        ],
    }
    for item in results["items"]:  # every place is given once by every participant
        assert sum(item["distribution"]) == 5
    assert [sum(column) for column in zip(*(i["distribution"] for i in results["items"]), strict=True)] == [5] * 4


def test_equal_averages_keep_the_decks_order() -> None:
    results = aggregate("ranking", RANKING, {"a": [3, 2, 1, 0], "b": [0, 1, 2, 3]})
    assert [(item["index"], item["average"]) for item in results["items"]] == [(0, 2.5), (1, 2.5), (2, 2.5), (3, 2.5)]
    results = aggregate("ranking", RANKING, {"a": [3, 1, 2, 0], "b": [3, 1, 0, 2]})
    assert [(item["index"], item["average"]) for item in results["items"]] == [(3, 1.0), (1, 2.0), (0, 3.5), (2, 3.5)]


def test_without_answers_there_are_no_averages_and_the_decks_order() -> None:
    assert aggregate("ranking", RANKING, {}) == {
        "respondents": 0,
        "items": [
            {"index": n, "label": label, "average": None, "distribution": [0, 0, 0, 0]}
            for n, label in enumerate(THEMES)
        ],
    }


def test_hidden_and_pending_answers_count_nowhere() -> None:
    counted = aggregate("ranking", RANKING, {"a": [3, 2, 1, 0]})
    assert aggregate("ranking", RANKING, {"a": [3, 2, 1, 0], "b": [0, 1, 2, 3], "c": [0, 2, 1, 3]},
                     b=HIDDEN, c=PENDING) == counted  # fmt: skip
    assert counted["respondents"] == 1 and counted["items"][0] == {
        "index": 3, "label": "Communicatie met huurders", "average": 1.0, "distribution": [1, 0, 0, 0],
    }  # fmt: skip


def test_a_changed_or_withdrawn_answer_counts_no_more() -> None:
    agg = TYPES["ranking"].new_aggregate(RANKING)
    first, second = record("a", [0, 1, 2, 3]), record("a", [3, 2, 1, 0])
    agg.add(first)
    agg.remove(first)
    agg.add(second)
    assert agg.results()["items"][0]["index"] == 3
    agg.remove(second)
    assert agg.results() == aggregate("ranking", RANKING, {})


def test_the_table_has_every_figure_in_the_results_order() -> None:
    agg = TYPES["ranking"].new_aggregate(RANKING)
    for n, order in enumerate([[1, 0, 2, 3], [1, 2, 0, 3], [0, 1, 3, 2]]):
        agg.add(record(f"p{n}", order))
    assert agg.table() == Table(
        ["Item", "Average place", 1, 2, 3, 4],
        [
            ["Onderhoud en verduurzaming", 1.33, 2, 1, 0, 0],
            ["Betaalbaarheid", 2.0, 1, 1, 1, 0],
            ["Leefbaarheid in de wijk", 3.0, 0, 1, 1, 1],
            ["Communicatie met huurders", 3.67, 0, 0, 1, 2],
        ],
    )
    assert TYPES["ranking"].new_aggregate(RANKING).table().rows[0] == ["Betaalbaarheid", None, 0, 0, 0, 0]


def test_an_answer_reads_as_the_order_in_an_export() -> None:
    assert TYPES["ranking"].answer_text(RANKING, [2, 0, 3, 1]) == (
        "1. Leefbaarheid in de wijk; 2. Betaalbaarheid; 3. Communicatie met huurders; 4. Onderhoud en verduurzaming"
    )


def test_other_items_start_a_new_round_and_allow_change_does_not() -> None:
    kind = TYPES["ranking"]
    assert kind.answers_still_fit("ranking", RANKING, {**RANKING, "allow_change": False})
    assert not kind.answers_still_fit("ranking", RANKING, {**RANKING, "items": [*THEMES[:3], "Nieuwbouw"]})
    assert not kind.answers_still_fit("ranking", RANKING, {**RANKING, "items": THEMES[::-1]})


# -- on the phone, in Chromium ---------------------------------------------------------------------------------

PROMPT = "Welke onderwerpen zijn volgend jaar het belangrijkst?"


def _tr(message: str, **params: object) -> str:
    return translate("nl", message, params)


async def _phone(server: Server, browser: Browser, **options: Any) -> tuple[Room, Page]:
    room: Room = await server.rooms.create("Participatielab", [spec(type="ranking", prompt=PROMPT, items=THEMES)])
    mobile = await open_page(browser, server, f"/r/{room.code}", **{**PHONE, **options})
    await room.push(room.questions[0].id)
    await expect(mobile.page.get_by_role("heading", name=PROMPT)).to_be_visible()
    return room, mobile.page


async def _order(page: Page, labels: list[str]) -> None:
    """The phone's list is in this order (waiting for it, as the phone may be drawing)."""
    await expect(page.locator(".rank-item .rank-label")).to_have_text(labels)


def _button(page: Page, up: bool, item: str) -> Locator:
    """An item's "Omhoog" or "Omlaag", named by its own words and then the item's."""
    return page.get_by_role("button", name=f"{_tr('Move up' if up else 'Move down')} {item}", exact=True)


@in_browser
async def test_the_buttons_move_an_item_keep_focus_and_say_where_it_is(server: Server, browser: Browser) -> None:
    room, page = await _phone(server, browser)
    said = page.locator("#announce")
    up = _button(page, True, "Leefbaarheid in de wijk")
    await up.focus()
    await page.keyboard.press("Enter")
    await _order(page, [THEMES[0], THEMES[2], THEMES[1], THEMES[3]])
    await expect(up).to_be_focused()  # the same button of the same item, one place higher
    await expect(said).to_have_text(_tr("%(item)s is now in place %(place)s of %(total)s.", item=THEMES[2], place=2,
                                        total=4))  # fmt: skip
    await page.keyboard.press("Space")  # to the top: its "Omhoog" can do no more, so focus goes to its "Omlaag"
    await _order(page, [THEMES[2], THEMES[0], THEMES[1], THEMES[3]])
    await expect(_button(page, False, "Leefbaarheid in de wijk")).to_be_focused()
    await expect(up).to_have_attribute("aria-disabled", "true")
    await expect(said).to_have_text(_tr("%(item)s is now in place %(place)s of %(total)s.", item=THEMES[2], place=1,
                                        total=4))  # fmt: skip
    await up.press("Enter")  # at the top already: it stays, and says so
    await _order(page, [THEMES[2], THEMES[0], THEMES[1], THEMES[3]])
    await expect(said).to_have_text(_tr("%(item)s is already at the top.", item=THEMES[2]))
    down = _button(page, False, THEMES[3])
    await expect(down).to_have_attribute("aria-disabled", "true")
    await down.press("Enter")
    await expect(said).to_have_text(_tr("%(item)s is already at the bottom.", item=THEMES[3]))
    assert await page.locator(".rank-place").all_text_contents() == ["1", "2", "3", "4"]
    await page.get_by_role("button", name=_tr("Send"), exact=True).click()
    await expect(page.get_by_text(_tr("Your answer has been received"), exact=True)).to_be_visible()
    await expect(page.locator(".received-answer")).to_have_text(
        "1. Leefbaarheid in de wijk; 2. Betaalbaarheid; 3. Onderhoud en verduurzaming; 4. Communicatie met huurders"
    )
    assert [a.value for a in room.questions[0].tally.answers.values()] == [[2, 0, 1, 3]]

    # Changing the answer starts from the answer given, with focus in the list.
    await page.get_by_role("button", name=_tr("Change your answer")).click()
    await _order(page, [THEMES[2], THEMES[0], THEMES[1], THEMES[3]])
    await expect(_button(page, True, THEMES[2])).to_be_focused()


@in_browser
async def test_the_decks_order_sent_unchanged_is_an_answer(server: Server, browser: Browser) -> None:
    room, page = await _phone(server, browser)
    await page.get_by_role("button", name=_tr("Send"), exact=True).click()
    await expect(page.get_by_text(_tr("Your answer has been received"), exact=True)).to_be_visible()
    assert [a.value for a in room.questions[0].tally.answers.values()] == [[0, 1, 2, 3]]


async def _drag(page: Page, item: str, to: str, touch: bool) -> None:
    """Drag `item` by its grip onto `to`'s place, in small steps as a finger or a mouse does."""
    grip = page.locator(".rank-item", has_text=item).locator(".rank-handle")
    start = await grip.bounding_box()
    target = await page.locator(".rank-item", has_text=to).bounding_box()
    assert start is not None and target is not None
    x, y = start["x"] + start["width"] / 2, start["y"] + start["height"] / 2
    end = y + (target["y"] - (await page.locator(".rank-item", has_text=item).bounding_box() or {"y": 0})["y"])
    steps = [y + (end - y) * n / 12 for n in range(13)]
    if touch:
        cdp = await page.context.new_cdp_session(page)
        await cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": x, "y": y}]})
        for step in steps[1:]:
            await cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [{"x": x, "y": step}]})
        await cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    else:
        await page.mouse.move(x, y)
        await page.mouse.down()
        for step in steps[1:]:
            await page.mouse.move(x, step)
        await page.mouse.up()


@in_browser
async def test_an_item_is_dragged_by_touch_and_by_mouse(server: Server, browser: Browser) -> None:
    room, page = await _phone(server, browser, viewport={"width": 390, "height": 1100})  # the whole list in view
    await _drag(page, THEMES[3], THEMES[0], touch=True)  # Communicatie to the top
    await _order(page, [THEMES[3], THEMES[0], THEMES[1], THEMES[2]])
    await expect(page.locator("#announce")).to_have_text(
        _tr("%(item)s is now in place %(place)s of %(total)s.", item=THEMES[3], place=1, total=4)
    )
    assert await page.locator(".rank-place").all_text_contents() == ["1", "2", "3", "4"]
    await _drag(page, THEMES[0], THEMES[2], touch=True)  # Betaalbaarheid down to the bottom
    await _order(page, [THEMES[3], THEMES[1], THEMES[2], THEMES[0]])
    await expect(page.locator(".rank-dragging")).to_have_count(0)

    computer = await open_page(browser, server, f"/r/{room.code}", viewport={"width": 1280, "height": 900})
    await expect(computer.page.get_by_role("heading", name=PROMPT)).to_be_visible()
    await _drag(computer.page, THEMES[2], THEMES[1], touch=False)
    await _order(computer.page, [THEMES[0], THEMES[2], THEMES[1], THEMES[3]])
    await computer.page.get_by_role("button", name=_tr("Send"), exact=True).click()
    await expect(computer.page.get_by_text(_tr("Your answer has been received"), exact=True)).to_be_visible()
    assert [0, 2, 1, 3] in [a.value for a in room.questions[0].tally.answers.values()]


@in_browser
async def test_an_order_not_sent_is_there_again_when_the_question_opens_again(server: Server, browser: Browser) -> None:
    room, page = await _phone(server, browser)
    question = room.questions[0]
    closed = page.locator("#phone").get_by_text(_tr("This question is closed"), exact=True)
    unsent = page.get_by_text(
        _tr("What you had filled in was not sent. If the question opens again, it is still there."), exact=True
    )
    await room.act("close", {"question": question.id})
    await expect(closed).to_be_visible()
    await expect(unsent).to_have_count(0)  # nothing was moved: nothing to keep
    await room.act("open", {"question": question.id})
    await _button(page, True, THEMES[3]).click()
    await _order(page, [THEMES[0], THEMES[1], THEMES[3], THEMES[2]])
    await room.act("close", {"question": question.id})
    await expect(unsent).to_be_visible()
    await room.act("open", {"question": question.id})
    await expect(_button(page, True, THEMES[0])).to_be_visible()
    await _order(page, [THEMES[0], THEMES[1], THEMES[3], THEMES[2]])
