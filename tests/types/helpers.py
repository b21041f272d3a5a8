"""What the question types' own tests share: aggregate a list of answers exactly as a room does."""

from __future__ import annotations

from typing import Any

from lab.questions import TYPES
from lab.records import SHOWN, Answer


def record(participant: str, value: Any, status: str = SHOWN, question: int = 1) -> Answer:
    return Answer(question, 1, participant, value, status)


def aggregate(kind: str, settings: dict[str, Any], answers: dict[str, Any], **statuses: str) -> dict[str, Any]:
    """The facilitator's results for these answers (raw, as phones send them), one record each."""
    agg = TYPES[kind].new_aggregate(settings)
    for participant, value in answers.items():
        agg.add(record(participant, TYPES[kind].normalise_answer(settings, value), statuses.get(participant, SHOWN)))
    return agg.results(facilitator=True)
