"""A content slide in a browser: it takes no answers; phones and the projector show its text."""

from __future__ import annotations

from playwright.async_api import Page
from ui import Case, Tr

TEXT = "Vandaag kijken we samen terug op de prestatieafspraken van vorig jaar."


async def nothing_to_answer(page: Page, tr: Tr) -> None:
    raise AssertionError("a slide takes no answers")


CASES = {
    "slide": Case(
        question={"type": "slide", "prompt": "Welkom bij het Participatielab", "text": TEXT},
        votes=[],
        revealed=TEXT,
        ready=lambda page, tr: page.get_by_text(TEXT, exact=True),
        answer=nothing_to_answer,
        answerable=False,
    )
}
