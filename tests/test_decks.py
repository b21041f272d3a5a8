"""Decks: the shipped ones load, and a broken deck gets an error naming file, line, question and field."""

from __future__ import annotations

from pathlib import Path

import httpx2 as httpx
import pytest
from conftest import Server
from PIL import Image

from lab.decks import DeckError, list_decks, load_deck, parse_deck, parse_question
from lab.questions import TYPES
from lab.settings import PROJECT_DIR

SESSIONS = PROJECT_DIR / "sessions"
HEAD = 'title = "Test"\n\n[[questions]]\n'


def test_the_shipped_dutch_decks_load() -> None:
    decks = {deck.file: deck for deck in list_decks(SESSIONS)}
    assert set(decks) >= {"prestatieafspraken.toml", "goed-bestuur.toml", "participatielab-feedback.toml"}
    evaluation = decks["prestatieafspraken.toml"]
    scales = [q for q in evaluation.questions if q.type == "scale"]
    assert scales and {
        "De samenwerking", "Ruimte voor huurders om mee te praten", "Duidelijke afspraken: wie, wat en wanneer",
        "De informatie: op tijd en begrijpelijk", "Het geld dat de corporatie hiervoor uitgaf",
    } <= set(scales[0].settings["statements"])  # fmt: skip
    for name, deck in decks.items():
        if name != "participatielab.toml":
            assert {q.type for q in deck.questions} >= {"choice", "scale"} and len(deck.questions) >= 5
    whole = load_deck(SESSIONS / "participatielab.toml")  # every kind of question, with the map of the wijk
    assert {q.type for q in whole.questions} == set(TYPES)
    pins = [q for q in whole.questions if q.type == "pin"]
    assert len(whole.images) == 1 and pins[0].settings["image"] in whole.images


COMMON = {"allow_change": True, "timer": 0, "notes": "", "planned_minutes": 0}  # every question has these


def test_a_question_gets_its_defaults() -> None:
    spec = parse_question({"type": "scale", "prompt": " Hoe? ", "statements": ["A", " B "]})
    assert (spec.type, spec.prompt) == ("scale", "Hoe?")
    assert dict(spec.settings) == {
        "statements": ["A", "B"], "scale_max": 5, "min_label": "", "max_label": "", "allow_skip": True,
        **COMMON,
    }  # fmt: skip
    assert dict(parse_question({"type": "choice", "prompt": "x", "options": ["a", "b"]}).settings) == {
        "options": ["a", "b"], "max_choices": 1, **COMMON,
    }  # fmt: skip
    text = {**COMMON, "premoderate": False}  # answers in participants' own words can wait for approval
    assert dict(parse_question({"type": "wordcloud", "prompt": "x"}).settings) == {"max_words": 3, **text}
    assert dict(parse_question({"type": "open", "prompt": "x"}).settings) == {
        "max_length": 280,
        "voting": False,
        **text,
    }
    timed = {"type": "open", "prompt": "x", "timer": 90, "notes": " Vraag door ", "planned_minutes": 5}
    assert dict(parse_question(timed).settings) == {
        "max_length": 280, "voting": False, "allow_change": True, "timer": 90, "notes": "Vraag door",
        "planned_minutes": 5,
        "premoderate": False,
    }  # fmt: skip


def test_a_deck_says_its_language() -> None:
    assert parse_deck(HEAD + 'type = "open"\nprompt = "x"\n').language == "nl"  # Dutch unless it says otherwise
    assert parse_deck('language = "en"\n' + HEAD + 'type = "open"\nprompt = "x"\n').language == "en"
    with pytest.raises(DeckError) as raised:
        parse_deck('language = "fr"\n' + HEAD + 'type = "open"\nprompt = "x"\n', "deck.toml")
    assert str(raised.value) == "deck.toml: language: must be one of: nl, en"


@pytest.mark.parametrize(
    ("source", "error"),
    [
        (
            'title = "x"\n[[questions]\n',
            "deck.toml: not valid TOML: Expected ']]' at the end of an array declaration (at line 2, column 12)",
        ),
        ("description = 'x'\n", "deck.toml: title: is required (a text at the top of the file)"),
        ('title = "x"\nsubject = "y"\n', "deck.toml: subject: unknown setting at the top of the deck"),
        ('title = "x"\n', "deck.toml: questions: add at least one [[questions]] table"),
        (
            HEAD + 'type = "poll"\nprompt = "x"\n',
            "deck.toml:4: question 1: type: must be one of: " + ", ".join(TYPES),
        ),
        (HEAD + 'type = "open"\n', "deck.toml:3: question 1: prompt: is required"),
        (
            HEAD + 'type = "choice"\nprompt = "x"\noptions = ["a"]\n',
            "deck.toml:6: question 1: options: must have from 2 to 12 entries",
        ),
        (
            HEAD + 'type = "choice"\nprompt = "x"\noptions = ["a", "A"]\n',
            "deck.toml:6: question 1: options: has the same option twice",
        ),
        (
            HEAD + 'type = "choice"\nprompt = "x"\noptions = ["a", "b"]\nmax_choices = 3\n',
            "deck.toml:7: question 1: max_choices: must be from 1 to 2",
        ),
        (
            HEAD + 'type = "scale"\nprompt = "x"\nstatements = ["a"]\nscale_max = 11\n',
            "deck.toml:7: question 1: scale_max: must be from 2 to 10",
        ),
        (
            HEAD + 'type = "open"\nprompt = "x"\nmax_words = 2\n',
            "deck.toml:6: question 1: max_words: unknown setting for this question type",
        ),
        (
            HEAD + 'type = "open"\nprompt = "x"\nmax_length = "lang"\n',
            "deck.toml:6: question 1: max_length: must be a whole number",
        ),
        (
            HEAD + 'type = "open"\nprompt = "x"\nallow_change = "ja"\n',
            "deck.toml:6: question 1: allow_change: must be true or false",
        ),
        (
            HEAD + 'type = "choice"\nprompt = "x"\noptions = ["a", ""]\n',
            "deck.toml:6: question 1: options[1]: must be a text that is not empty",
        ),
    ],
)
def test_errors_name_file_line_question_and_field(source: str, error: str) -> None:
    with pytest.raises(DeckError) as raised:
        parse_deck(source, "deck.toml")
    assert str(raised.value) == error


def test_the_second_question_is_named_with_its_own_line(tmp_path: Path) -> None:
    path = tmp_path / "twee.toml"
    path.write_text(HEAD + 'type = "open"\nprompt = "Eerste"\n\n[[questions]]\ntype = "scale"\nprompt = "Tweede"\n')
    with pytest.raises(DeckError) as raised:
        load_deck(path)
    assert str(raised.value) == "twee.toml:7: question 2: statements: must be a list of texts"


def test_unreadable_files_are_reported(tmp_path: Path) -> None:
    missing = tmp_path / "weg.toml"
    with pytest.raises(DeckError, match=r"weg\.toml: cannot be read"):
        load_deck(missing)
    (tmp_path / "kapot.toml").write_bytes(b"\xff\xfe")
    assert list_decks(tmp_path) == []  # invalid decks are left out of the organiser's list


def test_a_deck_brings_its_own_images(tmp_path: Path) -> None:
    (tmp_path / "kaarten").mkdir()
    Image.new("RGB", (400, 300), (120, 160, 90)).save(tmp_path / "kaarten" / "wijk.png")
    (tmp_path / "niet.png").write_text("geen afbeelding")
    Image.new("1", (9000, 9000)).save(tmp_path / "bom.png")  # small on disk, 81 megapixels when opened
    deck = tmp_path / "deck.toml"
    deck.write_text(HEAD + 'type = "slide"\nprompt = "Onze wijk"\nimage = "kaarten/wijk.png"\nimage_alt = "Kaart"\n')
    loaded = load_deck(deck)
    name = loaded.questions[0].settings["image"]
    assert list(loaded.images) == [name] and name.endswith(".png") and loaded.images[name].width == 400
    for image, message in [
        ("../wijk.png", "image: must be an image file next to the deck"),
        ("kaarten/weg.png", "image: must be an image file next to the deck"),
        ("niet.png", "image: This file is not an image that can be used (PNG, JPEG or WebP)."),
        ("bom.png", "image: This image has too many pixels. Make it smaller first."),
    ]:
        deck.write_text(HEAD + f'type = "slide"\nprompt = "Onze wijk"\nimage = "{image}"\nimage_alt = "Kaart"\n')
        with pytest.raises(DeckError) as refused:
            load_deck(deck)
        assert str(refused.value) == f"deck.toml:6: question 1: {message}"
    deck.write_text(HEAD + 'type = "slide"\nprompt = "Onze wijk"\nimage = "bom.png"\nimage_alt = "Kaart"\n')
    assert list_decks(tmp_path)[0].images == {}  # listing decks reads no image


async def test_serving_a_deck_stores_its_images_with_the_room(server: Server, tmp_path: Path) -> None:
    from lab.app import _deck_room

    Image.new("RGB", (400, 300), (120, 160, 90)).save(tmp_path / "wijk.png")
    deck = tmp_path / "deck.toml"
    deck.write_text(HEAD + 'type = "slide"\nprompt = "Onze wijk"\nimage = "wijk.png"\nimage_alt = "Kaart"\n')
    room = await _deck_room(server.rooms, deck)
    name = room.questions[0].settings["image"]
    async with httpx.AsyncClient(base_url=server.base) as client:
        served = await client.get(f"/r/{room.code}/images/{name}")
    assert served.status_code == 200 and served.headers["content-type"] == "image/png"
    assert (await _deck_room(server.rooms, deck)).code == room.code  # served again: the same room, the same image
