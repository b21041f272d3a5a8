"""Word cloud in a browser: a text box per word, then send."""

from __future__ import annotations

from playwright.async_api import Page
from ui import Case, Tr

WORDS = ["Huurdersparticipatie", "Samenwerking"]


async def answer(page: Page, tr: Tr) -> None:
    for n, word in enumerate(WORDS, 1):
        await page.get_by_role("textbox", name=tr("Word %(n)s", n=n), exact=True).fill(word)
    await page.get_by_role("button", name=tr("Send"), exact=True).click()


CASES = {
    "wordcloud": Case(
        question={"type": "wordcloud", "prompt": "Welk woord past bij de samenwerking?", "max_words": 3},
        votes=[WORDS, ["Samenwerking"], ["Vertrouwen", "Huurdersparticipatie"], ["Overleg"], ["Huurdersparticipatie"]],
        revealed=WORDS[0],
        ready=lambda page, tr: page.get_by_role("textbox", name=tr("Word %(n)s", n=1), exact=True),
        answer=answer,
    )
}
