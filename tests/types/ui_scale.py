"""Scales in a browser: a radio group per statement, then send."""

from __future__ import annotations

from playwright.async_api import Locator, Page, expect
from ui import Case, Tr

STATEMENTS = ["Samenwerking tussen partijen", "Inbreng van huurders", "Informatievoorziening"]


async def rating(page: Page, statement: str, value: str) -> Locator:
    """The rating `value` of a statement: a radio in the statement's radio group."""
    group = page.get_by_role("radiogroup", name=statement, exact=True)
    await expect(group).to_be_visible()
    return group.get_by_role("radio", name=value, exact=True)


async def answer(page: Page, tr: Tr) -> None:
    for statement in STATEMENTS:
        await (await rating(page, statement, "4")).click()
    await page.get_by_role("button", name=tr("Send"), exact=True).click()


CASES = {
    "scale": Case(
        question={
            "type": "scale",
            "prompt": "Hoe beoordeelt u de prestatieafspraken van vorig jaar?",
            "statements": STATEMENTS,
            "scale_max": 5,
            "min_label": "Slecht",
            "max_label": "Uitstekend",
            "allow_skip": True,
        },
        votes=[[4, 5, None], [3, 4, 2], [5, None, 3], [2, 3, 4], [4, 4, 4]],
        revealed=STATEMENTS[0],
        ready=lambda page, tr: page.get_by_role("radiogroup", name=STATEMENTS[0], exact=True),
        answer=answer,
    )
}
