"""Number in a browser: type the number as people do (a Dutch thousands point, a decimal comma), then send."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from playwright.async_api import Locator, Page
from ui import Case, Tr


def field(page: Page, tr: Tr) -> Locator:
    return page.get_by_role("textbox", name=tr("Your answer"), exact=True)


def typing(text: str) -> Callable[[Page, Tr], Awaitable[None]]:
    """Type `text` into the field and send it."""

    async def answer(page: Page, tr: Tr) -> None:
        await field(page, tr).fill(text)
        await page.get_by_role("button", name=tr("Send"), exact=True).click()

    return answer


CASES = {
    "number": Case(
        question={
            "type": "number",
            "prompt": "Hoeveel woningen heeft de corporatie in onze gemeente?",
            "min": 0,
            "max": 5000,
            "unit": "woningen",
            "correct": 1250,
        },
        votes=[1250, 900, 2000, 1499, 3200],
        revealed="0–499",  # the first bin of the histogram (the same in Dutch and English)
        ready=field,
        answer=typing("1.250"),  # a Dutch thousands point: 1250
    ),
    "number_decimals": Case(
        question={
            "type": "number",
            "prompt": "Hoeveel procent van de huurders in uw complex heeft een betalingsachterstand, denkt u?",
            "min": 0,
            "max": 100,
            "unit": "%",
            "decimals": 1,
        },
        votes=[3.5, 10, 12.5, 7, 25],
        revealed="90–100",
        ready=field,
        answer=typing("12,5"),  # a decimal comma
    ),
}
