"""A content slide: its settings, and that it takes no answers."""

from __future__ import annotations

import pytest

from lab.decks import parse_question
from lab.questions import TYPES, AnswerError, SettingsError

IMAGE = "a" * 64 + ".png"


def test_a_slide_has_text_and_an_image_with_its_description() -> None:
    slide = parse_question({"type": "slide", "prompt": "Welkom", "text": " Fijn dat u er bent. ", "image": IMAGE,
                            "image_alt": "Kaart van de wijk"})  # fmt: skip
    assert dict(slide.settings) == {
        "text": "Fijn dat u er bent.", "image": IMAGE, "image_alt": "Kaart van de wijk",
        "allow_change": True, "timer": 0, "notes": "", "planned_minutes": 0,
    }  # fmt: skip
    assert parse_question({"type": "slide", "prompt": "Pauze"}).settings["image"] == ""


@pytest.mark.parametrize(
    ("raw", "field", "message"),
    [
        ({"image": IMAGE}, "image_alt", "is required with an image: say in words what it shows"),
        ({"image": "https://example.org/k.png", "image_alt": "x"}, "image", "must be an image uploaded in the console"),
        ({"image": "../lab.db", "image_alt": "x"}, "image", "must be an image uploaded in the console"),
        ({"text": "x" * 2001}, "text", "must be at most 2000 characters"),
        ({"options": ["a", "b"]}, "options", "unknown setting for this question type"),
    ],
)
def test_a_slide_refuses_what_does_not_fit(raw: dict[str, object], field: str, message: str) -> None:
    with pytest.raises(SettingsError) as refused:
        parse_question({"type": "slide", "prompt": "Welkom", **raw})
    assert str(refused.value) == f"{field}: {message}"


def test_a_slide_takes_no_answers() -> None:
    slide = TYPES["slide"]
    assert not slide.answerable
    with pytest.raises(AnswerError):
        slide.normalise_answer({}, "tekst")
