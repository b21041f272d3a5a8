"""One deck run live in the hall and as a consultation at the members' own pace, counted together in one report
(`--merge`, `?merge=`): per question one result for both, each session's table below it; a question that differed
between the two is compared instead."""

from __future__ import annotations

import asyncio
import html
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import CHOICE, OPEN, SCALE, WORDS, Client, Server, facilitator, spec
from db import Target, make_store
from test_report import docx_text, make_room, slow

from lab.cli import main
from lab.consultation import Consultation
from lab.hub import Hub
from lab.report import build
from lab.rooms import Room, Rooms

ENDS = 1_797_264_000_000  # 14 December 2026, 17:00 in Amsterdam


async def consultation(rooms: Rooms) -> Room:
    """The same deck at the members' own pace, but its scale asks a third statement: its answers mean otherwise."""
    scale = {**SCALE, "statements": [*SCALE["statements"], "Informatie"]}
    room = await rooms.create("Raadpleging achterban", [spec(**CHOICE), spec(**scale), spec(**WORDS), spec(**OPEN)])
    await room.set_consultation(Consultation("self", None, ENDS))
    choice, scale_q, _words, text = room.questions
    for person, option, said in [("m1", 0, "Meer inspraak bij onderhoud"), ("m2", 1, ""), ("m3", 1, "")]:
        await room.join(person)
        await room.vote(person, f"c-{person}", choice.id, 1, [option])
        await room.vote(person, f"s-{person}", scale_q.id, 1, [2, 2, 2])
        if said:
            await room.vote(person, f"o-{person}", text.id, 1, said)
    return room


def sections(page: str) -> list[str]:
    """The report's question sections as plain text, in order."""
    parts = page.split('<section class="question"')[1:]
    return [" ".join(html.unescape(re.sub(r"<[^>]+>", " ", part.split("</section>")[0])).split()) for part in parts]


async def test_a_live_session_and_a_consultation_of_one_deck_are_counted_together(server: Server) -> None:
    live = await make_room(server.rooms)  # 4 answered the choice twice; the last round counts here
    later = await consultation(server.rooms)
    page = (await build(server.app.state.store, live, "html", later, merge=True)).decode()
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())
    assert "Samengeteld met Raadpleging achterban" in text
    assert "Deelnemers 9 Deelnemers die minstens één vraag beantwoordden 9" in text  # 6 in the hall, 3 at home
    assert ("Dit verslag telt de antwoorden van twee sessies met dezelfde vragen samen: “Participatielab 2026” (live, "
            "19 november 2026) en “Raadpleging achterban” (in eigen tempo van de leden, tot 14 december 2026).") \
        in text  # fmt: skip
    choice, scale, words, opened = sections(page)

    # the choice: round 1 and 2 of the hall, then both sessions together (round 2 and the consultation), each below
    assert "Ronde 1 n = 4 deelnemers" in choice and "Ronde 2 n = 4 deelnemers" in choice
    together = choice.split("Beide sessies samen", 1)[1]
    assert together.startswith(" n = 7 deelnemers")
    assert "Goed 4 57,1 Matig 3 42,9 Slecht 0 0,0" in together  # 3 + 1, 1 + 2: counted together
    assert "19 nov 2026 (n = 4) Antwoord Aantal Procent Goed 3 75,0 Matig 1 25,0" in together
    assert "Raadpleging achterban (n = 3) Antwoord Aantal Procent Goed 1 33,3 Matig 2 66,7" in together
    assert "Vergeleken: Deel van wie antwoordde (%) Ronde 1 Ronde 2 Verschil" in choice  # the hall's two rounds
    assert "Vergeleken: Deel van wie antwoordde (%) Raadpleging" not in choice  # counted together, not compared

    # the scale asked another statement at home: not counted together, but compared
    assert "Beide sessies samen" not in scale and "Vergeleken" in scale

    # nobody at home answered the word cloud: together it is the hall's words
    assert "Beide sessies samen n = 3 deelnemers" in words

    # the open question: the quotes of both
    assert "Beide sessies samen n = 6 deelnemers" in opened
    assert "Meer inspraak bij onderhoud" in opened and "Meer onderhoud aan de galerijen" in opened
    assert "Dit is rotzooi" not in opened  # hidden by the moderator: not in a session's table either
    assert page.count('<img class="chart"') == 2 + 1 + 1 + 1 + 1  # choice rounds, merged; scale; cloud, merged


async def test_the_console_merges_only_with_a_session_this_browser_runs(
    server: Server, clients: Callable[[], Client]
) -> None:
    live = await make_room(server.rooms)
    later = await consultation(server.rooms)
    console, _ = await facilitator(clients, live)
    page = await console.get(f"/f/{live.code}")
    assert 'name="report-with" value="merge"' in page.text
    refused = await slow(console, f"/f/{live.code}/report.docx?merge={later.code}")
    assert refused.status_code == 404  # a join code alone shows nobody another room's answers
    await console.get(f"/f/{later.code}?key={later.facilitator_key}")
    merged = await slow(console, f"/f/{live.code}/report.docx?merge={later.code}")
    assert merged.status_code == 200
    text = docx_text(merged.content)
    assert "Beide sessies samen" in text and "Samengeteld met: Raadpleging achterban" in text
    assert "Goed | 4 | 57,1" in text


def test_lab_report_merges_from_the_command_line(
    tmp_path: Path, store_target: Target, capsys: pytest.CaptureFixture[str]
) -> None:
    db = store_target

    async def fill() -> tuple[str, str]:
        store = make_store(db)
        await store.open()
        rooms = Rooms(store, Hub())
        codes = (await make_room(rooms)).code, (await consultation(rooms)).code
        await store.close()
        return codes

    code, other = asyncio.run(fill())
    out = tmp_path / "verslag.docx"
    assert main(["report", code, "--db", str(db), "--format", "docx", "-o", str(out), "--merge", other]) == 0
    assert capsys.readouterr().out == f"{out}: 4 questions\n"
    assert "Goed | 4 | 57,1" in docx_text(out.read_bytes())
    with pytest.raises(SystemExit) as both:
        main(["report", code, "--db", str(db), "--merge", other, "--compare", other])
    assert both.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err
