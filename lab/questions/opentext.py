"""Open text: short answers shown as a wall of cards, newest first; the facilitator can hide a card."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

from .base import JSON, N_, Aggregate, AnswerError, QuestionType, integer

SHOWN_CARDS = 200


def card_id(participant: str) -> str:
    """A short, stable handle for a participant's card that does not reveal the participant's id."""
    return hashlib.sha256(participant.encode()).hexdigest()[:12]


class OpenAggregate(Aggregate):
    def __init__(self) -> None:
        # participant -> text, in order of arrival (a changed answer moves to the end: newest).
        self.cards: dict[str, str] = {}
        self.hidden: set[str] = set()

    def add(self, participant: str, value: JSON) -> None:
        self.cards.pop(participant, None)
        self.cards[participant] = value

    def remove(self, participant: str, value: JSON) -> None:
        self.cards.pop(participant, None)

    def set_hidden(self, participant: str, hidden: bool) -> None:
        if hidden:
            self.hidden.add(participant)
        else:
            self.hidden.discard(participant)

    def participant_for(self, card: str) -> str | None:
        return next((p for p in self.cards if card_id(p) == card), None)

    def results(self, *, facilitator: bool = False) -> dict[str, JSON]:
        cards = []
        for participant in reversed(self.cards):
            hidden = participant in self.hidden
            if hidden and not facilitator:
                continue
            cards.append({"card": card_id(participant), "text": self.cards[participant], "hidden": hidden})
            if len(cards) == SHOWN_CARDS:
                break
        return {"respondents": len(self.cards), "cards": cards}


class OpenText(QuestionType):
    name = "open"
    label = N_("Open text")
    settings_keys = frozenset({"max_length"})
    cosmetic_keys = frozenset({"max_length"})

    def check_settings(self, raw: Mapping[str, object]) -> dict[str, JSON]:
        return {"max_length": integer(raw, "max_length", 280, low=10, high=1000)}

    def normalise_answer(self, settings: Mapping[str, JSON], value: object) -> JSON:
        if not isinstance(value, str) or not value.strip():
            raise AnswerError("Type an answer.")
        value = value.strip()
        if len(value) > settings["max_length"]:
            raise AnswerError("An answer can be at most %(max)d characters.", max=settings["max_length"])
        return value

    def new_aggregate(self, settings: Mapping[str, JSON]) -> Aggregate:
        return OpenAggregate()

    def answer_text(self, settings: Mapping[str, JSON], value: JSON) -> str:
        return str(value)
