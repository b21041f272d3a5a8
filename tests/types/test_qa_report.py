"""The Q&A in the report: it takes questions rather than answers, and the report has a part for it all the same."""

from __future__ import annotations

import io

import docx
from conftest import CHOICE, Server, spec

QA = {"type": "qa", "prompt": "Uw vragen aan de corporatie"}


async def test_the_report_quotes_the_questions_from_the_room_most_votes_first(server: Server) -> None:
    room = await server.rooms.create("Lab", [spec(**QA), spec(**CHOICE)])
    qa, choice = room.questions
    for person in ("p1", "p2", "p3"):
        await room.join(person)
    await room.push(qa.id)
    lift = await room.ask("p1", "k1", qa.id, "Wanneer wordt de lift gerepareerd?", False)
    bench = await room.ask("p2", "k2", qa.id, "Komt er een bankje bij de ingang?", False)
    rude = await room.ask("p3", "k3", qa.id, "Een vraag die de begeleider verbergt", False)
    for person in ("p2", "p3"):
        await room.upvote(person, qa.id, 1, lift.item, True)
    await room.upvote("p1", qa.id, 1, bench.item, True)
    await room.act("post", {"question": qa.id, "post": rude.id, "do": "hide"})
    await room.push(choice.id)
    await room.vote("p1", "c-p1", choice.id, 1, [0])
    from lab import report

    document = docx.Document(io.BytesIO(await report.build(server.app.state.store, room, "docx")))
    paragraphs = [p.text for p in document.paragraphs]
    headings = [p.text for p in document.paragraphs if p.style is not None and p.style.name == "Heading 1"]
    assert headings == ["Hoe de antwoorden verzameld zijn", "1. Uw vragen aan de corporatie",
                        "2. Hoe was de samenwerking?", "Bijlage: alle antwoorden"]  # fmt: skip
    start = paragraphs.index("1. Uw vragen aan de corporatie")
    assert paragraphs[start + 1 : start + 6] == [
        "Vragen uit de zaal (Q&A)",
        "n = 2 deelnemers",
        "\u201cWanneer wordt de lift gerepareerd?\u201d  (2 stemmen)",
        "\u201cKomt er een bankje bij de ingang?\u201d  (1 stem)",
        "1 antwoord weggelaten door de begeleider",
    ]
    assert "Een vraag die de begeleider verbergt" not in "\n".join(paragraphs)
