"""2x2 grid in a browser: per item a radio group for each scale (or "weet niet"), then send."""

from __future__ import annotations

from playwright.async_api import Locator, Page, expect
from ui import Case, Tr

ITEMS = [
    "Huurdersavond over onderhoud",
    "Nieuwsbrief op papier",
    "Spreekuur in de wijk",
    "Website van de huurdersorganisatie",
]
PLAIN = ["Onderhoud", "Energie besparen"]


def item(page: Page, label: str) -> Locator:
    return page.get_by_role("group", name=label, exact=True)


async def score(page: Page, label: str, scale: str, value: str) -> None:
    group = item(page, label).get_by_role("radiogroup", name=scale, exact=True)
    await expect(group).to_be_visible()
    await group.get_by_role("radio", name=value, exact=True).click()


async def answer(page: Page, tr: Tr) -> None:
    for label, (x, y) in zip(ITEMS[:3], [("5", "4"), ("2", "5"), ("4", "2")], strict=True):
        await score(page, label, "Belangrijk", x)
        await score(page, label, "Haalbaar", y)
    await item(page, ITEMS[3]).get_by_role("checkbox", name=tr("Don't know / skip"), exact=True).check()
    await page.get_by_role("button", name=tr("Send"), exact=True).click()


async def answer_plain(page: Page, tr: Tr) -> None:
    for label in PLAIN:
        await score(page, label, "Belangrijk voor huurders", "8")
        await score(page, label, "Tevreden", "6")
    await page.get_by_role("button", name=tr("Send"), exact=True).click()


CASES = {
    "grid": Case(
        question={
            "type": "grid",
            "prompt": "Welke activiteiten pakken we volgend jaar als eerste op?",
            "items": ITEMS,
            "x_label": "Belangrijk",
            "y_label": "Haalbaar",
            "scale_max": 5,
            "quadrants": ["Als er tijd is", "Snel doen", "Niet doen", "Plannen"],
        },
        votes=[
            [[5, 4], [2, 5], [4, 2], None],
            [[4, 4], [1, 4], [5, 3], [3, 3]],
            [[5, 5], None, [4, 1], [2, 4]],
            [[3, 4], [2, 4], [5, 2], None],
            [[4, 3], [2, 5], [3, 2], [3, 4]],
        ],
        revealed=ITEMS[0],
        ready=lambda page, tr: item(page, ITEMS[0]),
        answer=answer,
    ),
    "grid_plain": Case(
        question={
            "type": "grid",
            "prompt": "Hoe staan de afspraken met de corporatie ervoor?",
            "items": PLAIN,
            "x_label": "Belangrijk voor huurders",
            "y_label": "Tevreden",
            "scale_max": 10,
            "allow_skip": False,
        },
        votes=[[[8, 6], [9, 4]], [[7, 7], [8, 3]], [[10, 5], [6, 6]], [[9, 6], [9, 2]], [[8, 8], [7, 5]]],
        revealed=PLAIN[1],
        ready=lambda page, tr: item(page, PLAIN[0]),
        answer=answer_plain,
    ),
}
