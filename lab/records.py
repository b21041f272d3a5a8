"""The answer record: what the store keeps, the domain holds in memory, and question types aggregate.

One record per participant per question per round. Aggregates are fed records, not loose arguments, so a new
attribute (a group, a weight, a channel such as paper or a show of hands) changes this class and the aggregates that
use it, never every signature in between.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any, Final

from .errors import N_

JSON = Any
"""A value that survives `json.dumps` / `json.loads` unchanged."""

SHOWN: Final = "shown"  # counted and shown on every screen
PENDING: Final = "pending"  # waiting for the facilitator's approval: counted nowhere, seen only in the console
HIDDEN: Final = "hidden"  # hidden by the facilitator: counted nowhere, seen only in the console
STATUSES: Final = (SHOWN, PENDING, HIDDEN)
STATUS_LABELS: Final = {SHOWN: N_("shown"), PENDING: N_("waiting for approval"), HIDDEN: N_("hidden")}

PHONE: Final = "phone"


@dataclass(frozen=True, slots=True)
class Answer:
    """One participant's answer to one round of a question, as stored."""

    question: int
    round: int
    participant: str
    value: JSON  # normalised by the question type
    status: str = SHOWN
    group: str | None = None
    weight: float = 1.0
    channel: str = PHONE
    received_ms: int = 0  # when the server received it, milliseconds since 1970 (UTC)

    @property
    def counted(self) -> bool:
        return self.status == SHOWN


@dataclass(frozen=True, slots=True)
class Post:
    """A question a participant sent to a Q&A, as stored: its text, the name it was sent under ('' when sent
    anonymously), its moderation status, and what the facilitator did with it (answered, pinned to the projector).
    A participant sends any number of them, so they are not answer records (one per participant)."""

    id: int
    question: int
    round: int
    participant: str
    text: str
    nickname: str = ""
    status: str = SHOWN
    answered: bool = False
    pinned: bool = False
    sent_ms: int = 0

    @property
    def item(self) -> str:
        """Its name as an item to upvote."""
        return post_item(self.id)


@dataclass(frozen=True, slots=True)
class Upvote:
    """A participant's upvote of one item of a question's round: a Q&A post (`post_item`) or an open answer's card.
    Once each, and taken back by the same participant."""

    question: int
    round: int
    item: str
    participant: str


def post_item(post: int) -> str:
    return f"p{post}"


def post_of(item: str) -> int | None:
    """The post an item names (`post_item`), or None when it names none (a card)."""
    return int(item[1:]) if item[:1] == "p" and item[1:].isdigit() else None


def card_id(question: int, participant: str) -> str:
    """A short handle for a participant's answer to one question, for screens and moderation.

    It reveals nothing of the participant's id, and differs per question, so answers cannot be linked across
    questions by their handles."""
    return hashlib.sha256(f"{question}:{participant}".encode()).hexdigest()[:12]
