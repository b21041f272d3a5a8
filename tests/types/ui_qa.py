"""A Q&A in a browser: the room has sent questions and upvoted them (`setup`); the projector shows them by votes,
the pinned one large. Asking and upvoting on a phone are tested in tests/test_qa.py."""

from __future__ import annotations

from typing import Any

from playwright.async_api import Page
from ui import Case, Tr

QUESTION = {"type": "qa", "prompt": "Uw vragen aan de corporatie"}
ASKED = [
    ("Wanneer worden de kozijnen van de Rozenstraat vervangen?", 4),
    ("Waarom stijgen de servicekosten dit jaar zo sterk?", 6),
    ("Komt er een huurdersavond over de verduurzaming?", 1),
    ("Hoe kan ik een reparatieverzoek volgen?", 0),
]
PINNED = 0  # the question the facilitator put on the screen


async def room_asks(room: Any) -> None:
    """Four residents each send a question (the first with her name); six others upvote them."""
    qa = next(q for q in room.questions if q.type.name == "qa")
    posts = []
    for n, (text, _) in enumerate(ASKED):
        member = f"bewoner-{n}"
        await room.join(member)
        if n == 0:
            await room.set_nickname(member, "Truus")
        posts.append(await room.ask(member, f"vraag-{n:05d}", qa.id, text, n == 0))
    for n in range(6):
        await room.join(f"stemmer-{n}")
    for post, (_, votes) in zip(posts, ASKED, strict=True):
        for n in range(votes):
            await room.upvote(f"stemmer-{n}", qa.id, qa.round, post.item, True)
    await room.act("post", {"question": qa.id, "post": posts[PINNED].id, "do": "pin"})


async def asked_elsewhere(page: Page, tr: Tr) -> None:
    raise AssertionError("a Q&A takes questions and upvotes, not answers (tests/test_qa.py)")


CASES = {
    "qa": Case(
        question=QUESTION,
        votes=[],
        revealed=ASKED[1][0],
        ready=lambda page, tr: page.get_by_role("textbox", name=tr("Your question"), exact=True),
        answer=asked_elsewhere,
        answerable=False,
        setup=room_asks,
    )
}
