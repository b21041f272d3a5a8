"""Multiple choice in a browser: one tap for one choice, checkboxes and a send button for several."""

from __future__ import annotations

from playwright.async_api import Locator, Page
from ui import Case, Tr

ONE = ["Huurder / bewonerscommissie", "Bestuur huurdersorganisatie", "Woningcorporatie", "Gemeente"]
VOTE = ["Ja", "Nee", "Blanco"]
SEVERAL = ["Betaalbaarheid", "Onderhoud en verduurzaming", "Leefbaarheid in de wijk", "Wonen en zorg"]


def option(page: Page, label: str) -> Locator:
    return (
        page.get_by_role("button", name=label, exact=True)
        .or_(page.get_by_role("checkbox", name=label, exact=True))
        .first
    )


async def answer_one(page: Page, tr: Tr) -> None:
    await page.get_by_role("button", name=ONE[0], exact=True).click()


async def answer_several(page: Page, tr: Tr) -> None:
    for label in SEVERAL[:2]:
        await option(page, label).click()
    await page.get_by_role("button", name=tr("Send"), exact=True).click()


CASES = {
    "choice": Case(
        question={"type": "choice", "prompt": "Wie bent u vandaag?", "options": ONE},
        votes=[[0], [1], [2], [0], [3]],
        revealed=ONE[0],
        ready=lambda page, tr: page.get_by_role("button", name=ONE[0], exact=True),
        answer=answer_one,
    ),
    "multi": Case(
        question={
            "type": "choice",
            "prompt": "Welke onderwerpen moeten volgend jaar voorop staan? (kies er twee)",
            "options": SEVERAL,
            "max_choices": 2,
        },
        votes=[[0, 1], [1, 2], [0, 3], [2], [1]],
        revealed=SEVERAL[0],
        ready=lambda page, tr: option(page, SEVERAL[0]),
        answer=answer_several,
    ),
    "vote": Case(  # a decision rule: under the bars, whether the vote was carried, and why
        question={
            "type": "choice",
            "prompt": "Gaat u akkoord met het jaarplan?",
            "options": VOTE,
            "rule": "majority",
            "rule_blank": 3,
        },
        votes=[[0], [0], [1], [2], [0]],
        revealed=VOTE[1],
        ready=lambda page, tr: page.get_by_role("button", name=VOTE[0], exact=True),
        answer=lambda page, tr: page.get_by_role("button", name=VOTE[1], exact=True).click(),
    ),
}
