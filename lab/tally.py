"""A question in a live room and its rounds, each round with its answer records and their aggregate.

These objects change only from what the store has committed (lab.rooms applies a `RoomChange` or a committed vote),
so they always agree with the database.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace

from .questions import JSON, TYPES, Aggregate, QuestionType
from .records import Answer, card_id
from .store import QuestionRow


class Tally:
    """One round of a question: the answers by participant, in the order they were committed, and their aggregate
    under the type and settings the round was run with."""

    def __init__(self, kind: QuestionType, settings: Mapping[str, JSON], answers: Iterable[Answer] = ()) -> None:
        self.type = kind
        self.settings = settings
        self.answers: dict[str, Answer] = {}
        self.aggregate: Aggregate = kind.new_aggregate(settings)
        for answer in answers:
            self.put(answer)

    def put(self, answer: Answer) -> None:
        """A new or changed answer (a changed answer becomes the newest)."""
        old = self.answers.pop(answer.participant, None)
        if old is not None:
            self.aggregate.remove(old)
        self.answers[answer.participant] = answer
        self.aggregate.add(answer)

    def restatus(self, participant: str, status: str) -> None:
        """A moderation decision: the answer keeps its place."""
        old = self.answers.get(participant)
        if old is not None and old.status != status:
            new = replace(old, status=status)
            self.answers[participant] = new
            self.aggregate.replace(old, new)

    def participant_for(self, card: str) -> str | None:
        """Whose answer a card handle stands for (a scan: moderation is rare, votes are many)."""
        return next((p for p, a in self.answers.items() if card_id(a.question, p) == card), None)

    def results(self, *, facilitator: bool = False) -> dict[str, JSON]:
        return self.aggregate.results(facilitator=facilitator)


class Question:
    """A question of a live room: its current state and every round it has run."""

    def __init__(self, row: QuestionRow, rounds: dict[int, Tally] | None = None) -> None:
        self.id = row.id
        self.rounds: dict[int, Tally] = rounds or {}
        self.update(row)

    def update(self, row: QuestionRow) -> None:
        """Take the question's state as committed. A new round gets an empty tally; new settings for the same round
        (a cosmetic edit) rebuild its aggregate from its answers."""
        kind = TYPES[row.type]
        tally = self.rounds.get(row.round)
        if tally is None:
            self.rounds[row.round] = Tally(kind, row.settings)
        elif tally.type is not kind or tally.settings != row.settings:
            self.rounds[row.round] = Tally(kind, row.settings, tally.answers.values())
        self.position = row.position
        self.type = kind
        self.prompt = row.prompt
        self.settings = row.settings
        self.status = row.status
        self.results_projector = row.results_projector
        self.results_phones = row.results_phones
        self.round = row.round

    @property
    def tally(self) -> Tally:
        """The current round."""
        return self.rounds[self.round]

    @property
    def keeps_secrets(self) -> bool:
        """Whether phones and projectors are sent less of this question than the console is."""
        return self.status != "closed" and any(key in self.settings for key in self.type.secret_keys)

    def public(self, facilitator: bool = True) -> dict[str, JSON]:
        """The question as screens see it; without `facilitator`, as phones and projectors see it (no secrets while
        it is open)."""
        settings = self.settings
        if not facilitator and self.keeps_secrets:
            settings = {k: v for k, v in settings.items() if k not in self.type.secret_keys}
        return {
            "id": self.id,
            "position": self.position,
            "type": self.type.name,
            "prompt": self.prompt,
            "settings": settings,
            "status": self.status,
            "results_projector": self.results_projector,
            "results_phones": self.results_phones,
            "round": self.round,
        }
