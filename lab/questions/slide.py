"""Content slide: a title (the prompt), text and an optional image, to structure a session. It takes no answers:
phones and the projector show it, and the console can put it on the screen like any question."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from ..media import NAME
from ..records import Answer
from .base import JSON, N_, Aggregate, AnswerError, Examples, QuestionType, SettingsError, Table, Term, text


class NoAnswers(Aggregate):
    """A slide's results: nothing to count (a record never reaches it: the room refuses votes for a slide)."""

    def add(self, answer: Answer) -> None:
        return None

    def remove(self, answer: Answer) -> None:
        return None

    def results(self, *, facilitator: bool = False) -> dict[str, JSON]:
        return {"respondents": 0}

    def table(self) -> Table:
        return Table([Term(N_("Answers"))], [])


class Slide(QuestionType):
    name = "slide"
    label = N_("Content slide (no answers)")
    order = 5
    answerable = False
    settings_keys = frozenset({"text", "image", "image_alt"})
    cosmetic_keys = frozenset({"text", "image", "image_alt"})
    strings = MappingProxyType({})
    examples = Examples(
        prompt="Welkom bij het Participatielab",
        settings={"text": "Vandaag kijken we terug op de prestatieafspraken.\nU antwoordt met uw telefoon."},
        answers=[],
        invalid=["tekst", 1, None, [0]],
    )

    def check_settings(self, raw: Mapping[str, object]) -> dict[str, JSON]:
        settings: dict[str, JSON] = {"text": text(raw, "text", "", max_length=2000)}
        image = text(raw, "image", "", max_length=80)
        alt = text(raw, "image_alt", "", max_length=300)
        if image and not NAME.fullmatch(image):
            raise SettingsError("image", N_("must be an image uploaded in the console"))
        if image and not alt:  # a picture that a screen reader cannot tell about is not shown to anyone
            raise SettingsError("image_alt", N_("is required with an image: say in words what it shows"))
        settings.update(image=image, image_alt=alt if image else "")
        return settings

    def normalise_answer(self, settings: Mapping[str, JSON], value: object) -> JSON:
        raise AnswerError(N_("This question takes no answers."))

    def new_aggregate(self, settings: Mapping[str, JSON]) -> Aggregate:
        return NoAnswers()

    def answer_text(self, settings: Mapping[str, JSON], value: JSON) -> str:
        return ""


TYPE = Slide()
