"""Pin on an image: settings, what an answer may be and its one stored form, exact results (pins per fine cell and
per named part, the newest pins in order), hidden answers counted nowhere; and on a phone, in a console and on a
projector in Chromium: tapping, the named parts and the arrow keys, taking pins away, the results drawn."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from conftest import PHONE, SCREEN, Server, in_browser, open_page, spec
from helpers import aggregate, record
from playwright.async_api import Browser, Page, expect
from ui_pin import ALT, MAP, neighbourhood

from lab.decks import parse_question
from lab.i18n import translate
from lab.questions import TYPES, AnswerError, SettingsError, Table, Term
from lab.records import HIDDEN, PENDING
from lab.rooms import Room

NAME = "a" * 64 + ".png"
PIN = TYPES["pin"].validate_settings({"image": NAME, "image_alt": "Plattegrond van de begane grond", "max_pins": 3})


def cells(*marked: tuple[int, int, int]) -> list[list[int]]:
    """A 20 x 20 density grid, zero but for (row, column, count)."""
    grid = [[0] * 20 for _ in range(20)]
    for row, column, count in marked:
        grid[row][column] = count
    return grid


# -- settings ---------------------------------------------------------------------------------------------------


def test_settings_have_their_defaults() -> None:
    question = parse_question({"type": "pin", "prompt": "Waar?", "image": NAME, "image_alt": "  Kaart van de wijk "})
    assert dict(question.settings) == {
        "image": NAME, "image_alt": "Kaart van de wijk", "max_pins": 1, "instruction": "", "allow_change": True,
        "timer": 0, "notes": "", "planned_minutes": 0,
    }  # fmt: skip
    most = TYPES["pin"].validate_settings({"image": NAME, "image_alt": "Kaart", "max_pins": 5, "instruction": " Tik. "})
    assert (most["max_pins"], most["instruction"]) == (5, "Tik.")


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"image_alt": "Kaart"}, "image: is required: add the image to put pins on"),
        ({"image": "", "image_alt": "Kaart"}, "image: is required: add the image to put pins on"),
        ({"image": "kaart.png", "image_alt": "Kaart"}, "image: must be an image uploaded in the console"),
        ({"image": "../" + NAME, "image_alt": "Kaart"}, "image: must be an image uploaded in the console"),
        ({"image": "A" * 64 + ".png", "image_alt": "Kaart"}, "image: must be an image uploaded in the console"),
        ({"image": "a" * 64 + ".gif", "image_alt": "Kaart"}, "image: must be an image uploaded in the console"),
        ({"image": 5, "image_alt": "Kaart"}, "image: must be text"),
        ({"image": NAME}, "image_alt: is required with an image: say in words what it shows"),
        ({"image": NAME, "image_alt": "   "}, "image_alt: is required with an image: say in words what it shows"),
        ({"image": NAME, "image_alt": "x" * 301}, "image_alt: must be at most 300 characters"),
        ({"image": NAME, "image_alt": "Kaart", "max_pins": 0}, "max_pins: must be from 1 to 5"),
        ({"image": NAME, "image_alt": "Kaart", "max_pins": 6}, "max_pins: must be from 1 to 5"),
        ({"image": NAME, "image_alt": "Kaart", "max_pins": True}, "max_pins: must be a whole number"),
        ({"image": NAME, "image_alt": "Kaart", "max_pins": 2.0}, "max_pins: must be a whole number"),
        (
            {"image": NAME, "image_alt": "Kaart", "instruction": "x" * 201},
            "instruction: must be at most 200 characters",
        ),
        ({"image": NAME, "image_alt": "Kaart", "options": ["a"]}, "options: unknown setting for this question type"),
    ],
)
def test_settings_that_do_not_fit_are_refused(raw: dict[str, Any], message: str) -> None:
    with pytest.raises(SettingsError) as refused:
        TYPES["pin"].validate_settings(raw)
    assert str(refused.value) == message


def test_another_image_or_number_of_pins_starts_a_new_round_and_words_do_not() -> None:
    kind = TYPES["pin"]
    assert kind.answers_still_fit("pin", PIN, {**PIN, "image_alt": "Kaart", "instruction": "Tik op de kaart."})
    assert kind.answers_still_fit("pin", PIN, {**PIN, "allow_change": False, "timer": 60})
    assert not kind.answers_still_fit("pin", PIN, {**PIN, "image": "b" * 64 + ".jpg"})
    assert not kind.answers_still_fit("pin", PIN, {**PIN, "max_pins": 1})
    assert not kind.answers_still_fit("choice", PIN, PIN)


# -- answers ----------------------------------------------------------------------------------------------------


def test_an_answer_is_its_points_rounded_in_the_order_put_and_normalising_again_changes_nothing() -> None:
    normalise = TYPES["pin"].normalise_answer
    assert normalise(PIN, [[0.12345, 0.98765]]) == [[0.123, 0.988]]
    assert normalise(PIN, [[1, 0], [0, 1]]) == [[1.0, 0.0], [0.0, 1.0]]
    stored = normalise(PIN, [[0.9, 0.1], [0.2, 0.8], [0.9001, 0.1002]])  # the third is the first, once rounded
    assert stored == [[0.9, 0.1], [0.2, 0.8]]
    assert all(isinstance(v, float) for point in normalise(PIN, [[1, 0]]) for v in point)
    assert normalise(PIN, stored) == stored
    assert normalise(PIN, [[0.5, 0.5], [0.5, 0.5], [0.5, 0.5], [0.5, 0.5]]) == [[0.5, 0.5]]  # one spot is one pin


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (None, "Put a pin on the image."),
        ([], "Put a pin on the image."),
        ("0.5,0.5", "Put a pin on the image."),
        ({"x": 0.5, "y": 0.5}, "Put a pin on the image."),
        ([0.5, 0.5], "Put a pin on the image."),  # a point, not a list of points
        ([[0.5]], "Put a pin on the image."),
        ([[0.5, 0.5, 0.5]], "Put a pin on the image."),
        ([[0.5, 0.5], None], "Put a pin on the image."),
        ([["0.5", 0.5]], "Put a pin on the image."),
        ([[True, 0.5]], "Put a pin on the image."),
        ([[0.5, None]], "Put a pin on the image."),
        ([[1.0001, 0.5]], "A pin must be on the image."),
        ([[0.5, -0.001]], "A pin must be on the image."),
        ([[2, 0]], "A pin must be on the image."),
        ([[float("nan"), 0.5]], "A pin must be on the image."),
        ([[0.5, float("inf")]], "A pin must be on the image."),
        ([[0.1, 0.1], [0.2, 0.2], [0.3, 0.3], [0.4, 0.4]], "Put at most 3 pins on the image."),
    ],
)
def test_answers_that_do_not_fit_are_refused(value: object, message: str) -> None:
    with pytest.raises(AnswerError) as refused:
        TYPES["pin"].normalise_answer(PIN, value)
    assert str(refused.value) == message and refused.value.code == "invalid"


def test_one_pin_allowed_says_so() -> None:
    one = {**PIN, "max_pins": 1}
    with pytest.raises(AnswerError) as refused:
        TYPES["pin"].normalise_answer(one, [[0.1, 0.1], [0.2, 0.2]])
    assert str(refused.value) == "Put only one pin on the image."
    assert TYPES["pin"].normalise_answer(one, [[0.1, 0.1], [0.1, 0.1]]) == [[0.1, 0.1]]


def test_an_answer_reads_as_its_points_in_an_export() -> None:
    assert TYPES["pin"].answer_text(PIN, [[0.1, 0.25], [1.0, 0.0]]) == "(0.100, 0.250); (1.000, 0.000)"


# -- results ----------------------------------------------------------------------------------------------------


def test_pins_are_counted_per_cell_and_per_part_and_shown_newest_first() -> None:
    results = aggregate("pin", PIN, {"a": [[0.1, 0.1]], "b": [[0.5, 0.5], [0.95, 0.99]], "c": [[0.3334, 0.666]]})
    assert results == {
        "respondents": 3,
        "pins": 4,
        "areas": [1, 0, 0, 1, 1, 0, 0, 0, 1],
        "cells": cells((2, 2, 1), (10, 10, 1), (19, 19, 1), (13, 6, 1)),
        "shown": [[0.333, 0.666], [0.5, 0.5], [0.95, 0.99], [0.1, 0.1]],
    }


def test_without_answers_everything_is_zero() -> None:
    assert aggregate("pin", PIN, {}) == {"respondents": 0, "pins": 0, "areas": [0] * 9, "cells": cells(), "shown": []}


@pytest.mark.parametrize(
    ("point", "cell", "part"),
    [
        ([0.0, 0.0], (0, 0), 0),
        ([0.049, 0.05], (1, 0), 0),  # a twentieth is the second cell
        ([0.333, 0.5], (10, 6), 3),  # 0.333 is the left third
        ([0.334, 0.5], (10, 6), 4),  # 0.334 is the middle one
        ([0.666, 0.666], (13, 13), 4),
        ([0.667, 0.667], (13, 13), 8),
        ([1.0, 1.0], (19, 19), 8),  # the right and bottom edges are in the last cell and part
        ([0.999, 0.001], (0, 19), 2),
        ([0.2, 0.95], (19, 4), 6),
        ([0.5, 0.1], (2, 10), 1),
        ([0.9, 0.45], (9, 18), 5),
        ([0.6, 0.8], (16, 12), 7),
    ],
)
def test_each_pin_is_in_one_cell_and_one_part(point: list[float], cell: tuple[int, int], part: int) -> None:
    results = aggregate("pin", PIN, {"a": [point]})
    areas = [0] * 9
    areas[part] = 1
    assert results["areas"] == areas and results["cells"] == cells((*cell, 1))


def test_hidden_and_pending_answers_count_nowhere() -> None:
    results = aggregate("pin", PIN, {"a": [[0.1, 0.1]], "b": [[0.5, 0.5]], "c": [[0.9, 0.9]]}, b=HIDDEN, c=PENDING)
    assert results == {"respondents": 1, "pins": 1, "areas": [1, 0, 0, 0, 0, 0, 0, 0, 0],
                       "cells": cells((2, 2, 1)), "shown": [[0.1, 0.1]]}  # fmt: skip


def test_a_changed_answer_is_the_newest_and_a_moderated_one_keeps_its_place() -> None:
    kind = TYPES["pin"]
    agg = kind.new_aggregate(PIN)
    first, second, third = record("a", [[0.1, 0.1]]), record("b", [[0.2, 0.2]]), record("c", [[0.3, 0.3]])
    for answer in (first, second, third):
        agg.add(answer)
    hidden = replace(first, status=HIDDEN)
    agg.replace(first, hidden)
    assert agg.results()["shown"] == [[0.3, 0.3], [0.2, 0.2]] and agg.results()["pins"] == 2
    agg.replace(hidden, first)  # shown again: where it was, not the newest
    assert agg.results()["shown"] == [[0.3, 0.3], [0.2, 0.2], [0.1, 0.1]]
    changed = record("b", [[0.8, 0.2], [0.7, 0.7]])
    agg.remove(second)
    agg.add(changed)
    assert agg.results() == {"respondents": 3, "pins": 4, "areas": [2, 0, 1, 0, 0, 0, 0, 0, 1],
                             "cells": cells((2, 2, 1), (6, 6, 1), (4, 16, 1), (14, 14, 1)),
                             "shown": [[0.8, 0.2], [0.7, 0.7], [0.3, 0.3], [0.1, 0.1]]}  # fmt: skip
    agg.remove(changed)
    agg.remove(third)
    agg.remove(first)
    assert agg.results() == aggregate("pin", PIN, {})


def test_screens_get_the_newest_500_pins_and_every_count() -> None:
    answers = {f"p{n:03d}": [[n / 1000, 0.5], [0.5, n / 1000]] for n in range(300)}
    results = aggregate("pin", PIN, answers)
    assert results["respondents"] == 300 and results["pins"] == 600 and sum(results["areas"]) == 600
    assert sum(map(sum, results["cells"])) == 600
    assert len(results["shown"]) == 500
    assert results["shown"][:3] == [[0.299, 0.5], [0.5, 0.299], [0.298, 0.5]]
    assert results["shown"][-1] == [0.5, 0.05]  # the 250th answer from the end, its second pin


def test_the_table_has_a_row_per_part() -> None:
    agg = TYPES["pin"].new_aggregate(PIN)
    for n, value in enumerate([[[0.1, 0.1], [0.5, 0.5]], [[0.15, 0.2]], [[0.9, 0.9]]]):
        agg.add(record(f"p{n}", value))
    agg.add(record("hidden", [[0.5, 0.5]], HIDDEN))
    table = agg.table()
    assert table == Table(
        [Term("Part of the image"), Term("Pins"), Term("Percent")],
        [
            [Term("top left"), 2, 50.0], [Term("top centre"), 0, 0.0], [Term("top right"), 0, 0.0],
            [Term("centre left"), 0, 0.0], [Term("centre"), 1, 25.0], [Term("centre right"), 0, 0.0],
            [Term("bottom left"), 0, 0.0], [Term("bottom centre"), 0, 0.0], [Term("bottom right"), 1, 25.0],
        ],
    )  # fmt: skip
    assert all(isinstance(row[0], Term) for row in table.rows)
    assert TYPES["pin"].new_aggregate(PIN).table().rows[4] == [Term("centre"), 0, 0.0]


# -- in Chromium: the phone, the console's editor, the results -------------------------------------------------

PROMPT = "Waar in de wijk voelt u zich 's avonds niet veilig?"


def _tr(message: str, **params: object) -> str:
    return translate("nl", message, params)


async def _phone(server: Server, browser: Browser, **settings: Any) -> tuple[Room, Page]:
    question = spec(type="pin", prompt=PROMPT, image=MAP.name, image_alt=ALT, **settings)
    room: Room = await server.rooms.create("Wijkavond", [question])
    await room.add_image(MAP)
    mobile = await open_page(browser, server, f"/r/{room.code}", **PHONE)
    await room.push(room.questions[0].id)
    await expect(mobile.page.get_by_role("img", name=ALT, exact=True)).to_be_visible()
    return room, mobile.page


def _pin(page: Page, n: int, part: str) -> Any:
    return page.get_by_role("button", name=_tr("Pin %(n)s: %(area)s", n=n, area=_tr(part)), exact=True)


def _part(page: Page, part: str) -> Any:
    return page.get_by_role("button", name=_tr(part), exact=True)


def _stored(room: Room) -> list[Any]:
    return [answer.value for answer in room.questions[0].tally.answers.values()]


@in_browser
async def test_without_a_mouse_a_part_puts_a_pin_and_the_arrow_keys_move_it(server: Server, browser: Browser) -> None:
    room, page = await _phone(server, browser, max_pins=2)
    said = page.locator("#announce")
    centre = _part(page, "centre")
    await expect(centre).to_have_attribute("tabindex", "0")  # the nine parts are one stop for Tab
    await centre.focus()
    await page.keyboard.press("Enter")
    await expect(_pin(page, 1, "centre")).to_be_visible()
    await expect(said).to_have_text(_tr("Pin %(n)s: %(area)s", n=1, area=_tr("centre")))
    await expect(centre).to_be_focused()
    await page.keyboard.press("ArrowUp")  # the arrow keys go round the parts as they lie on the image
    await expect(_part(page, "top centre")).to_be_focused()
    await page.keyboard.press("Enter")
    await expect(_pin(page, 2, "top centre")).to_be_visible()
    await page.keyboard.press("Enter")  # the same part again: the pin is there already, and stays one pin
    await expect(page.locator(".pin-marker")).to_have_count(2)
    await page.keyboard.press("ArrowRight")
    await page.keyboard.press("Space")  # a third pin: two is the most, and it says so
    full = _tr("You have put %(max)s pins: that is the most. First remove a pin.", max=2)
    await expect(page.locator(".form-error")).to_have_text(full)
    assert await page.locator(".pin-marker").count() == 2

    first = _pin(page, 1, "centre")
    await expect(first).to_have_accessible_description(_tr("Move it with the arrow keys. Enter removes it."))
    await first.focus()
    for _ in range(4):  # 0.5 to 0.7: the right third
        await page.keyboard.press("ArrowRight")
    moved = _pin(page, 1, "centre right")
    await expect(moved).to_be_focused()  # the same pin, moved: focus stays on it
    await expect(said).to_have_text(_tr("Pin %(n)s: %(area)s", n=1, area=_tr("centre right")))
    await expect(page.locator(".form-error")).to_have_count(0)  # a change takes the complaint away
    await page.keyboard.press("Shift+ArrowDown")  # a small step
    for _ in range(7):  # 0.7 to 1 in six steps: the seventh cannot go further
        await page.keyboard.press("ArrowRight")
    await expect(said).to_have_text(_tr("The pin is at the edge of the image."))
    await page.keyboard.press("Delete")
    await expect(said).to_have_text(_tr("Pin %(n)s has been removed.", n=1))
    await expect(_pin(page, 1, "top centre")).to_be_focused()  # the other pin, now number 1
    await page.keyboard.press("Enter")  # Enter on a pin, as a tap: it goes
    await expect(page.locator(".pin-marker")).to_have_count(0)
    await expect(_part(page, "top right")).to_be_focused()  # the part last chosen: never the page

    await page.get_by_role("button", name=_tr("Send"), exact=True).click()
    await expect(page.locator(".form-error")).to_have_text(_tr("First put a pin on the image."))
    await _part(page, "top right").focus()
    for key in ("ArrowDown", "ArrowDown", "End", "Enter"):
        await page.keyboard.press(key)
    await expect(_pin(page, 1, "bottom right")).to_be_visible()
    await page.get_by_role("button", name=_tr("Send"), exact=True).click()
    await expect(page.get_by_text(_tr("Your answer has been received"), exact=True)).to_be_visible()
    await expect(page.locator(".received-answer")).to_have_text(
        _tr("Pin %(n)s: %(area)s", n=1, area=_tr("bottom right"))
    )
    assert _stored(room) == [[[0.833, 0.833]]]

    await page.get_by_role("button", name=_tr("Change your answer")).click()  # from the pin given, focus on it
    await expect(_pin(page, 1, "bottom right")).to_be_focused()


@in_browser
async def test_a_tap_puts_a_pin_and_a_tap_on_it_takes_it_away(server: Server, browser: Browser) -> None:
    room, page = await _phone(server, browser)
    tap = page.locator(".pin-tap")
    box = await tap.bounding_box()
    assert box is not None

    async def at(x: float, y: float) -> None:
        await tap.tap(position={"x": box["width"] * x, "y": box["height"] * y})

    await at(0.1, 0.1)
    await expect(_pin(page, 1, "top left")).to_be_visible()
    await at(0.9, 0.6)  # one pin allowed: it moves
    await expect(_pin(page, 1, "centre right")).to_be_visible()
    await expect(page.locator(".pin-marker")).to_have_count(1)
    await _pin(page, 1, "centre right").tap()
    await expect(page.locator(".pin-marker")).to_have_count(0)
    await at(0.5, 0.9)
    await expect(page.locator(".pin-row-label")).to_have_text(
        _tr("Pin %(n)s: %(area)s", n=1, area=_tr("bottom centre"))
    )
    await page.get_by_role("button", name=_tr("Remove"), exact=True).tap()
    await expect(page.locator(".pin-marker")).to_have_count(0)
    await at(0.3, 0.4)
    await page.get_by_role("button", name=_tr("Send"), exact=True).tap()
    await expect(page.get_by_text(_tr("Your answer has been received"), exact=True)).to_be_visible()
    [[[x, y]]] = _stored(room)
    assert abs(x - 0.3) < 0.005 and abs(y - 0.4) < 0.005


@in_browser
async def test_pins_not_sent_are_there_again_when_the_question_opens_again(server: Server, browser: Browser) -> None:
    room, page = await _phone(server, browser, max_pins=3)
    question = room.questions[0]
    unsent = page.get_by_text(
        _tr("What you had filled in was not sent. If the question opens again, it is still there."), exact=True
    )
    await _part(page, "top left").click()
    await _part(page, "bottom right").click()
    await room.act("close", {"question": question.id})
    await expect(unsent).to_be_visible()
    await room.act("open", {"question": question.id})
    await expect(_pin(page, 1, "top left")).to_be_visible()
    await expect(_pin(page, 2, "bottom right")).to_be_visible()
    await page.get_by_role("button", name=_tr("Send"), exact=True).click()
    await expect(page.get_by_text(_tr("Your answer has been received"), exact=True)).to_be_visible()
    assert _stored(room) == [[[0.167, 0.167], [0.833, 0.833]]]


@in_browser
async def test_the_results_show_the_pins_the_density_and_the_counts_in_words(server: Server, browser: Browser) -> None:
    question = spec(type="pin", prompt=PROMPT, image=MAP.name, image_alt=ALT, max_pins=2)
    room: Room = await server.rooms.create("Wijkavond", [question])
    await room.add_image(MAP)
    pin = room.questions[0]
    screen = await open_page(browser, server, f"/p/{room.code}?key={room.projector_key}", **SCREEN)
    console = await open_page(browser, server, f"/f/{room.code}?key={room.facilitator_key}", **SCREEN)
    await room.push(pin.id)
    await room.act("show_results", {"question": pin.id, "target": "projector", "show": True})
    for n, value in enumerate([[[0.1, 0.1], [0.5, 0.5]], [[0.15, 0.2]], [[0.9, 0.9]]]):
        await room.join(f"p{n}")
        await room.vote(f"p{n}", f"pin-{n}", pin.id, pin.round, value)
    names = [_tr(name) for name in ("top left", "top centre", "top right", "centre left", "centre", "centre right",
                                    "bottom left", "bottom centre", "bottom right")]  # fmt: skip
    for watched in (screen, console):
        page = watched.page
        await expect(page.locator(".count").or_(page.locator("#counts")).first).to_contain_text("3")
        await expect(page.locator(".pin-badge")).to_have_text(["2", "0", "0", "0", "1", "0", "0", "0", "1"])
        await expect(page.locator(".pin-counts li")).to_have_text(
            [f"{name}: {count}" for name, count in zip(names, [2, 0, 0, 0, 1, 0, 0, 0, 1], strict=True)]
        )
        await expect(page.locator(".pin-total")).to_have_text(f"({_tr('%(n)s pins in total', n=4)})")
        await expect(page.locator(".pin-dot")).to_have_count(4)
        await expect(page.locator(".pin-every")).to_have_text(_tr("Every pin"))
        await expect(page.get_by_text(ALT, exact=True)).to_be_visible()
        shaded = await page.locator(".pin-cell").evaluate_all("(cells) => cells.map((c) => c.style.opacity)")
        assert [i for i, o in enumerate(shaded) if o != "0"] == [2 * 20 + 2, 4 * 20 + 3, 10 * 20 + 10, 18 * 20 + 18]
        assert shaded[42] == shaded[83] == shaded[210] == shaded[378] == "0.95"  # every cell holds one pin: the most
        backdrop = await page.locator(".pin-backdrop").first.evaluate("(b) => b.style.backgroundImage")
        assert MAP.name in backdrop
        await page.locator(".pin-badge").first.evaluate("(b) => { b.dataset.seen = 'yes'; }")
    assert await screen.page.locator(".pin-text").evaluate("(t) => t.getBoundingClientRect().width") <= 1  # words
    assert await console.page.locator(".pin-text").evaluate("(t) => t.getBoundingClientRect().width") > 100

    await room.join("p3")
    await room.vote("p3", "pin-3", pin.id, pin.round, [[0.04, 0.04]])
    for watched in (screen, console):
        page = watched.page
        await expect(page.locator(".pin-badge").first).to_have_text("3")
        assert await page.locator(".pin-badge").first.evaluate("(b) => b.dataset.seen") == "yes"  # updated in place
        await expect(page.locator(".pin-dot")).to_have_count(5)
        shaded = await page.locator(".pin-cell").evaluate_all("(cells) => cells.map((c) => c.style.opacity)")
        assert shaded[0] == shaded[42] == "0.95" and shaded[210] == "0.95"
        assert watched.errors == [] and watched.foreign == []


@in_browser
async def test_a_pin_question_is_made_in_the_console_with_its_image(
    server: Server, browser: Browser, tmp_path: Path
) -> None:
    room: Room = await server.rooms.create("Leeg", [])
    upload = tmp_path / "wijkkaart.png"
    upload.write_bytes(neighbourhood())
    console = await open_page(browser, server, f"/f/{room.code}?key={room.facilitator_key}", **SCREEN)
    page = console.page
    await page.get_by_role("button", name=_tr("Add a question")).click()
    await page.get_by_label(_tr("Type"), exact=True).select_option("pin")
    await page.get_by_label(_tr("Question text"), exact=True).fill(PROMPT)
    await page.get_by_role("button", name=_tr("Save"), exact=True).click()
    await expect(page.locator("#editor-error")).to_have_text(
        "image: " + _tr("is required: add the image to put pins on")
    )
    await page.get_by_label(_tr("Image to put pins on (PNG, JPEG or WebP): a map, a floor plan")).set_input_files(
        upload
    )
    await expect(page.get_by_role("status").filter(has_text=_tr("The image is ready. It is saved with the question.")))\
        .to_be_visible()  # fmt: skip
    await page.get_by_role("button", name=_tr("Save"), exact=True).click()
    await expect(page.locator("#editor-error")).to_have_text(
        "image_alt: " + _tr("is required with an image: say in words what it shows")
    )
    await page.get_by_label(_tr("What the image shows, in words (for screen readers; required)")).fill(ALT)
    await page.get_by_label(_tr("How many pins each participant may put (1 to 5)")).fill("3")
    await page.get_by_label(_tr("Instruction above the image on phones (optional)")).fill("Zet hooguit drie spelden.")
    await page.get_by_role("button", name=_tr("Save"), exact=True).click()
    await expect(page.locator("#editor")).to_be_hidden()
    made = room.questions[0]
    assert made.type.name == "pin"
    assert {k: made.settings[k] for k in ("image", "image_alt", "max_pins", "instruction")} == {
        "image": MAP.name, "image_alt": ALT, "max_pins": 3, "instruction": "Zet hooguit drie spelden."
    }  # fmt: skip

    mobile = await open_page(browser, server, f"/r/{room.code}", **PHONE)
    await room.push(made.id)
    picture = mobile.page.get_by_role("img", name=ALT, exact=True)
    await expect(picture).to_be_visible()
    assert await picture.evaluate("(i) => i.complete && i.naturalWidth") == MAP.width == 800
    await expect(mobile.page.get_by_text("Zet hooguit drie spelden.", exact=True)).to_be_visible()
    await expect(mobile.page.get_by_text(_tr("Tap the image to put up to %(max)s pins.", max=3), exact=False))\
        .to_be_visible()  # fmt: skip
    assert mobile.errors == [] and mobile.foreign == [] and console.foreign == []  # the console's refusals log a 400
