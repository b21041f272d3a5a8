"""Dividing points in a browser: type a number in one field, tap + on another, then send."""

from __future__ import annotations

from playwright.async_api import Page
from ui import Case, Tr

ITEMS = [
    "Nieuwsbrief en website",
    "Cursussen voor bestuursleden",
    "Bewonersavonden in de wijk",
    "Juridisch advies voor huurders",
]


async def answer(page: Page, tr: Tr) -> None:
    """40 typed for the newsletter, then + twice for the courses (5 each with a budget of 100): 40, 10, 0, 0."""
    await page.get_by_role("spinbutton", name=ITEMS[0], exact=True).fill("40")
    more = page.get_by_role("button", name=f"+5 {ITEMS[1]}", exact=True)  # named by what it shows, then the item
    await more.click()
    await more.click()
    await page.get_by_role("button", name=tr("Send"), exact=True).click()


CASES = {
    "points": Case(
        question={
            "type": "points",
            "prompt": "Hoe verdeelt u volgend jaar het geld van de huurdersorganisatie? U hebt 100 punten.",
            "items": ITEMS,
            "budget": 100,
        },
        votes=[[40, 10, 0, 0], [25, 25, 25, 25], [0, 50, 50, 0], [10, 20, 30, 40], [100, 0, 0, 0]],
        revealed=ITEMS[0],
        ready=lambda page, tr: page.get_by_role("spinbutton", name=ITEMS[0], exact=True),
        answer=answer,
    )
}
