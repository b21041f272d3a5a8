"""Open text in a browser: a text box, then send."""

from __future__ import annotations

from playwright.async_api import Page
from ui import Case, Tr

ANSWER = "Meer overleg met de gemeente over onderhoud"


async def answer(page: Page, tr: Tr) -> None:
    await page.get_by_role("textbox", name=tr("Your answer"), exact=True).fill(ANSWER)
    await page.get_by_role("button", name=tr("Send"), exact=True).click()


CASES = {
    "open": Case(
        question={"type": "open", "prompt": "Wat moet volgend jaar beter?", "max_length": 280},
        votes=[ANSWER, "Sneller reageren op onderhoudsverzoeken", "Huurdersorganisatie eerder betrekken", "Niets", "?"],
        revealed=ANSWER,
        ready=lambda page, tr: page.get_by_role("textbox", name=tr("Your answer"), exact=True),
        answer=answer,
    ),
    # brainstorm, then vote: every phone has the ideas with a vote button; the projector lists the top five
    "open_voting": Case(
        question={"type": "open", "prompt": "Welke ideeën voor de wijk moeten we uitwerken?", "voting": True},
        votes=["Een moestuin achter de flat", "Bankjes bij de speeltuin", ANSWER, "Een buurtapp", "Meer licht"],
        revealed=ANSWER,
        ready=lambda page, tr: page.get_by_role("textbox", name=tr("Your answer"), exact=True),
        answer=answer,
    ),
}
