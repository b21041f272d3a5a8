"""Ranking in a browser: move items with their "Omhoog" / "Omlaag" buttons (named by their words and the item's:
"Omhoog Betaalbaarheid"; dragging is tested in tests/types/test_ranking.py), then send."""

from __future__ import annotations

from playwright.async_api import Page
from ui import Case, Tr

THEMES = ["Betaalbaarheid", "Onderhoud en verduurzaming", "Leefbaarheid in de wijk", "Communicatie met huurders"]


async def answer(page: Page, tr: Tr) -> None:
    """Onderhoud to the top, Communicatie one place up: Onderhoud, Betaalbaarheid, Communicatie, Leefbaarheid."""
    await page.get_by_role("button", name=f"{tr('Move up')} {THEMES[1]}", exact=True).click()
    await page.get_by_role("button", name=f"{tr('Move up')} {THEMES[3]}", exact=True).click()
    await page.get_by_role("button", name=tr("Send"), exact=True).click()


CASES = {
    "ranking": Case(
        question={
            "type": "ranking",
            "prompt": "Welke onderwerpen zijn volgend jaar het belangrijkst? Zet het belangrijkste bovenaan.",
            "items": THEMES,
        },
        votes=[[0, 1, 2, 3], [1, 0, 3, 2], [1, 2, 0, 3], [2, 1, 0, 3], [3, 1, 0, 2]],
        revealed=THEMES[1],
        ready=lambda page, tr: page.get_by_role("button", name=f"{tr('Move down')} {THEMES[0]}", exact=True),
        answer=answer,
    )
}
