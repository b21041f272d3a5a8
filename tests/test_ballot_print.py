"""The paper version of a deck (lab.letters.ballot_pdf): every question that asks something, numbered as the
tellers' form numbers it, in blocks that never break over a page; the box for the member's code; the deadline and
the anonymity; from the console and from the command line."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import Client, Server, facilitator, spec
from pypdf import PdfReader

from lab.cli import main
from lab.consultation import Consultation
from lab.letters import ballot_pdf, printed

SCALE = {
    "type": "scale", "prompt": "Hoe ging het vorig jaar?", "scale_max": 5, "min_label": "Heel slecht",
    "max_label": "Heel goed", "allow_skip": True,
    "statements": ["De samenwerking", "Ruimte om mee te praten", "De informatie: op tijd en begrijpelijk"],
}  # fmt: skip
QUESTIONS = [
    spec(type="slide", prompt="Welkom"),
    spec(type="choice", prompt="Gaat u akkoord met de renovatie?", options=["Ja", "Nee", "Blanco"]),
    spec(**SCALE),
    spec(type="wordcloud", prompt="Zeg het in één woord"),
    spec(type="choice", prompt="Welke onderwerpen zijn het belangrijkst?", max_choices=2,
         options=["Betaalbaar wonen", "Onderhoud", "Nieuwbouw", "Een veilige wijk"]),
    spec(type="open", prompt="Wat wilt u de corporatie nog meegeven?"),
]  # fmt: skip


def pages(body: bytes) -> list[str]:
    return [" ".join((page.extract_text() or "").split()) for page in PdfReader(io.BytesIO(body)).pages]


async def test_the_console_prints_the_rooms_questions_for_members_on_paper(
    server: Server, clients: Callable[[], Client]
) -> None:
    room = await server.rooms.create("Renovatie De Akker", QUESTIONS, access="codes", anonymity="named")
    await room.set_consultation(Consultation("self", None, 1_797_264_000_000))  # 14 December 2026, 17:00 here
    boss, _ = await facilitator(clients, room)
    console = await boss.get(f"/f/{room.code}")
    assert f'href="/f/{room.code}/ballot.pdf"' in console.text
    made = await boss.http.get(f"/f/{room.code}/ballot.pdf", timeout=60)
    assert made.status_code == 200 and made.headers["content-type"] == "application/pdf"
    assert (
        made.headers["content-disposition"] == f'attachment; filename="stembiljet-renovatie-de-akker-{room.code}.pdf"'
    )
    text = pages(made.content)
    whole = " ".join(text)
    assert whole.startswith("Renovatie De Akker Zet een kruisje in het vakje bij uw antwoord.")
    assert "Uw persoonlijke code (staat op uw brief):" in whole and "Nummer van dit biljet" not in whole
    assert "Welkom" not in whole  # a slide asks nothing
    # numbered as the tellers' form numbers them: by place in the deck, the slide too
    for number, prompt, first, last in [
        (2, "Gaat u akkoord met de renovatie?", "Kies één antwoord.", "Blanco"),
        (3, "Hoe ging het vorig jaar?", "Per regel één kruisje: van Heel slecht (1) tot Heel goed (5).",
         "De informatie: op tijd en begrijpelijk"),
        (4, "Zeg het in één woord", "Deze vraag kunt u alleen op een telefoon of computer beantwoorden.", ""),
        (5, "Welke onderwerpen zijn het belangrijkst?", "U mag ten hoogste 2 antwoorden kiezen.", "Een veilige wijk"),
        (6, "Wat wilt u de corporatie nog meegeven?", "Schrijf uw antwoord in het vak, het liefst in hoofdletters.",
         ""),
    ]:  # fmt: skip
        on = [page for page in text if f"Vraag {number} {prompt}" in page]
        assert len(on) == 1, number  # a question's block is on one page, whole
        assert f"Vraag {number} {prompt} {first}" in on[0] and last in on[0]
    assert "1 2 3 4 5 Weet ik niet De samenwerking" in whole
    assert "Op naam: de organisatie ziet wat u antwoordt, bij uw nummer op de ledenlijst." in whole
    assert "Lever dit in vóór 14 december 2026, 17:00." in text[-1]
    assert [page.endswith(f"pagina {n} / {len(text)}") for n, page in enumerate(text, 1)] == [True] * len(text)


def test_a_room_open_to_all_numbers_its_ballots_and_a_long_deck_never_splits_a_question() -> None:
    many = [spec(type="choice", prompt=f"Stelling {n}: eens of oneens?", options=["Eens", "Oneens", "Weet niet"])
            for n in range(1, 16)]  # fmt: skip
    questions = printed((q.type, q.prompt, q.settings) for q in many)
    text = pages(ballot_pdf("Bewonersavond", "nl", questions, codes=False))
    assert "Nummer van dit biljet (vullen de tellers in):" in text[0] and "persoonlijke code" not in " ".join(text)
    assert "Anoniem: niemand kan zien wat u antwoordt." in text[-1]
    assert len(text) > 2
    for n in range(1, 16):
        on = [page for page in text if f"Vraag {n} Stelling {n}: eens of oneens?" in page]
        assert len(on) == 1 and f"Vraag {n} Stelling {n}: eens of oneens? Kies één antwoord. Eens Oneens Weet niet" \
            in on[0]  # fmt: skip


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_lab_ballot_prints_any_deck_file(tmp_path: Path, capsys: pytest.CaptureFixture[str], lang: str) -> None:
    deck = Path(__file__).parent.parent / "sessions" / "prestatieafspraken.toml"
    source = deck.read_text(encoding="utf-8")
    if lang == "en":  # the deck's own language: its interface words follow
        source = 'language = "en"\n' + source
    copy = tmp_path / "deck.toml"
    copy.write_text(source, encoding="utf-8")
    out = tmp_path / "ballot.pdf"
    assert main(["ballot", str(copy), "-o", str(out)]) == 0
    assert capsys.readouterr().out == f"{out}: 5 questions on paper, 6 in all\n"
    text = " ".join(pages(out.read_bytes()))
    said = "Zet een kruisje in het vakje bij uw antwoord." if lang == "nl" else "Put a cross in the box of your answer."
    assert said in text and "Terugblik op de prestatieafspraken" in text


def test_lab_ballot_says_what_is_wrong(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ballot", "123456", "--db", str(tmp_path / "none.db")]) == 1
    assert capsys.readouterr().err.strip().endswith("none.db: no such database")
