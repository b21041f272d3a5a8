"""A quiz in a browser: one tap on an option, or a typed answer and send. The right answer shows once closed."""

from __future__ import annotations

from playwright.async_api import Page
from ui import Case, Tr

OPTIONS = ["Over de huurprijs", "Over het overleg tussen huurders en verhuurder", "Over de toewijzing van woningen"]
TYPED = "Overlegwet"


async def answer_choice(page: Page, tr: Tr) -> None:
    await page.get_by_role("button", name=OPTIONS[1], exact=True).click()


async def answer_typed(page: Page, tr: Tr) -> None:
    await page.get_by_role("textbox", name=tr("Your answer"), exact=True).fill("overlegwet")
    await page.get_by_role("button", name=tr("Send"), exact=True).click()


CASES = {
    "quiz": Case(
        question={
            "type": "quiz",
            "prompt": "Waar gaat de Overlegwet over?",
            "options": OPTIONS,
            "correct": [OPTIONS[1]],
            "points": 100,
        },
        votes=[1, 0, 1, 2, 1],
        revealed=OPTIONS[1],
        ready=lambda page, tr: page.get_by_role("button", name=OPTIONS[0], exact=True),
        answer=answer_choice,
    ),
    "quiz_typed": Case(
        question={
            "type": "quiz",
            "prompt": "Welke wet regelt het overleg tussen huurders en verhuurders?",
            "correct": ["Overlegwet", "Wet op het overleg huurders verhuurder"],
            "speed_bonus": True,
            "timer": 30,
        },
        votes=["Overlegwet", "huurwet", "overleg wet", "De Overlegwet", "Woningwet"],
        revealed="huurwet",
        ready=lambda page, tr: page.get_by_role("textbox", name=tr("Your answer"), exact=True),
        answer=answer_typed,
    ),
}
