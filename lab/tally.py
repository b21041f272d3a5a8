"""A question in a live room and its rounds, each round with its answer records and their aggregate.

These objects change only from what the store has committed (lab.rooms applies a `RoomChange` or a committed vote),
so they always agree with the database.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace

from .questions import JSON, TYPES, Aggregate, QuestionType
from .questions.base import PRIVATE_KEYS
from .records import PENDING, SHOWN, Answer, Post, Upvote, card_id, post_of
from .rules import Verdict
from .store import QuestionRow

QUEUE_SHOWN = 50  # the console lists at most this many answers to moderate at once


class Tally:
    """One round of a question: the answers by participant, in the order they were committed, and their aggregate
    under the type and settings the round was run with."""

    def __init__(self, kind: QuestionType, settings: Mapping[str, JSON], answers: Iterable[Answer] = ()) -> None:
        self.type = kind
        self.settings = settings
        self.answers: dict[str, Answer] = {}
        self.unshown: dict[str, Answer] = {}  # answers waiting for approval or hidden: the console's queue
        self.aggregate: Aggregate = kind.new_aggregate(settings)
        self.posts: dict[int, Post] = {}  # Q&A posts, in the order they were sent
        self.upvoters: dict[str, set[str]] = {}  # item (a post, a card) -> the participants who upvote it
        self.changes = 0  # counts every change of its answers: what is worked out from them is kept until it moves
        self.moved = 0  # counts every change its results show (answers, upvotes, posts, hands)
        self._results: dict[bool, tuple[int, dict[str, JSON]]] = {}  # facilitator? -> (moved, results)
        self.hands: list[int] = []  # a show of hands, per option, as the facilitator counted it ([]: none)
        self.raised = 0  # how many respondents the show of hands is
        for answer in answers:
            self.put(answer)

    def put(self, answer: Answer) -> None:
        """A new or changed answer (a changed answer becomes the newest)."""
        old = self.answers.pop(answer.participant, None)
        if old is not None:
            self.aggregate.remove(old)
        self.answers[answer.participant] = answer
        self.aggregate.add(answer)
        self.changes += 1
        self.moved += 1
        self.unshown.pop(answer.participant, None)
        if answer.status != SHOWN:
            self.unshown[answer.participant] = answer

    @property
    def responses(self) -> int:
        """How many answers the round has, or (a Q&A) how many questions were sent to it: every status counts."""
        return len(self.posts) if self.type.anytime else len(self.answers) + self.raised

    def set_hands(self, counts: list[int]) -> None:
        self.raised = self.aggregate.set_hands(counts)
        self.hands = counts
        self.moved += 1

    def verdict(self, eligible: float | None) -> Verdict | None:
        """Whether the round met its question's decision rule, given the weight of everyone who may answer (None:
        not known); None without a rule."""
        return self.type.verdict(self.settings, self.aggregate, eligible)

    def put_post(self, post: Post) -> None:
        """A new Q&A post, or one the facilitator changed. (A Q&A that was never opened can be edited into another
        type in the same round: its posts are kept, and counted by no other type.)"""
        self.posts[post.id] = post
        if self.type.anytime:
            self.aggregate.post(post)
        self.moved += 1

    def upvote(self, upvote: Upvote, up: bool) -> None:
        """A participant gives (`up`) or takes back an upvote."""
        voters = self.upvoters.setdefault(upvote.item, set())
        (voters.add if up else voters.discard)(upvote.participant)
        self.aggregate.upvotes(upvote.item, len(voters))
        self.moved += 1

    def drop_voter(self, participant: str) -> None:
        """A participant removed from the room: their upvotes count no more (they stay stored)."""
        for item, voters in self.upvoters.items():
            if participant in voters:
                voters.discard(participant)
                self.aggregate.upvotes(item, len(voters))
                self.moved += 1

    def shown_item(self, item: str) -> bool:
        """Whether `item` is shown in this round and can be upvoted: a Q&A post, or the card of an answer."""
        if self.type.anytime:
            number = post_of(item)
            post = self.posts.get(number) if number is not None else None
            return post is not None and post.item == item and post.status == SHOWN
        participant = self.participant_for(item)
        return participant is not None and self.answers[participant].status == SHOWN

    def upvoted_by(self, participant: str) -> list[str]:
        return [item for item, voters in self.upvoters.items() if participant in voters]

    def restatus(self, participant: str, status: str) -> None:
        """A moderation decision: the answer keeps its place."""
        old = self.answers.get(participant)
        if old is not None and old.status != status:
            new = replace(old, status=status)
            self.answers[participant] = new
            self.changes += 1
            self.moved += 1
            self.aggregate.replace(old, new)
            if status == SHOWN:
                self.unshown.pop(participant, None)
            else:
                self.unshown[participant] = new

    def cards(self) -> dict[str, Answer]:
        """The round's answers by card handle, in the order they were committed."""
        return {card_id(a.question, p): a for p, a in self.answers.items()}

    def participant_for(self, card: str) -> str | None:
        """Whose answer a card handle stands for (a scan: moderation is rare, votes are many)."""
        return next((p for p, a in self.answers.items() if card_id(a.question, p) == card), None)

    def results(self, *, facilitator: bool = False) -> dict[str, JSON]:
        """The aggregate's results, worked out again only when something they show has moved: the projector, the
        console, every phone's snapshot and the phones' results messages share one (read only: never changed)."""
        kept = self._results.get(facilitator)
        if kept is None or kept[0] != self.moved:
            kept = (self.moved, self.aggregate.results(facilitator=facilitator))
            self._results[facilitator] = kept
        return kept[1]

    def queue(self, limit: int = QUEUE_SHOWN) -> dict[str, JSON]:
        """The console's moderation queue: answers waiting for approval (oldest first), then hidden ones (newest
        first), each with its card handle and how it reads; `waiting` and `hidden` count them all."""
        waiting = [a for a in self.unshown.values() if a.status == PENDING]
        hidden = [a for a in reversed(self.unshown.values()) if a.status != PENDING]
        items = [
            {"card": card_id(a.question, a.participant), "text": self.type.answer_text(self.settings, a.value),
             "status": a.status}
            for a in (waiting + hidden)[:limit]
        ]  # fmt: skip
        return {"waiting": len(waiting), "hidden": len(hidden), "items": items}


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
            self.rounds[row.round] = fresh = Tally(kind, row.settings, tally.answers.values())
            for post in tally.posts.values():
                fresh.put_post(post)
            for item, voters in tally.upvoters.items():
                fresh.upvoters[item] = voters
                fresh.aggregate.upvotes(item, len(voters))
            if tally.hands and kind.counts_hands:
                fresh.set_hands(tally.hands)
        self.position = row.position
        self.type = kind
        self.prompt = row.prompt
        self.settings = row.settings
        self.status = row.status
        self.results_projector = row.results_projector
        self.results_phones = row.results_phones
        self.round = row.round
        self.closes_ms = row.closes_ms
        self.shown_ms = row.shown_ms
        self.compare = row.compare
        self.by_group = row.by_group

    @property
    def shown_on_projector(self) -> bool:
        """Whether the projector shows the results: when the facilitator says so, and a Q&A always."""
        return self.results_projector or self.type.anytime

    @property
    def shown_on_phones(self) -> bool:
        """Whether phones show the results: when the facilitator says so, and always where participants upvote
        answers (open text with `voting`: the ideas to vote for are the results)."""
        return self.results_phones or (self.type.takes_upvotes(self.settings) and not self.type.anytime)

    @property
    def tally(self) -> Tally:
        """The current round."""
        return self.rounds[self.round]

    @property
    def comparable(self) -> int | None:
        """The latest earlier round whose answers mean what the current round's do (the same type, and settings
        that still fit: other options or statements cannot be compared option by option), or None."""
        for number in sorted((n for n in self.rounds if n < self.round), reverse=True):
            earlier = self.rounds[number]
            if self.type.answers_still_fit(earlier.type.name, earlier.settings, self.settings):
                return number
        return None

    @property
    def earlier(self) -> tuple[int, Tally] | None:
        """The round shown beside the current one while comparing, with its number; or None."""
        number = self.comparable if self.compare else None
        return None if number is None else (number, self.rounds[number])

    def hidden_keys(self) -> frozenset[str]:
        """The settings phones and projectors are not sent: the console's own, and secrets while it is open."""
        return PRIVATE_KEYS | self.type.secret_keys if self.status != "closed" else PRIVATE_KEYS

    def public(self, facilitator: bool = True) -> dict[str, JSON]:
        """The question as screens see it; without `facilitator`, as phones and projectors see it (no presenter
        notes, no secrets while it is open)."""
        settings = self.settings
        if not facilitator:
            hidden = self.hidden_keys()
            settings = {k: v for k, v in settings.items() if k not in hidden}
        extra: dict[str, JSON] = {"shown_ms": self.shown_ms, "comparable": self.comparable} if facilitator else {}
        return {
            "id": self.id,
            "position": self.position,
            "type": self.type.name,
            "prompt": self.prompt,
            "settings": settings,
            "status": self.status,
            "results_projector": self.shown_on_projector,
            "results_phones": self.shown_on_phones,
            "upvotes": self.type.takes_upvotes(self.settings),  # participants upvote its items
            "round": self.round,
            "closes_ms": self.closes_ms,
            "compare": self.compare,
            "by_group": self.by_group,
            **extra,
        }
