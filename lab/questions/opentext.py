"""Open text: short answers shown as a wall of cards, newest first; the facilitator can hide a card."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from ..figures import Quote, Quotes
from ..records import SHOWN, STATUS_LABELS, Answer, card_id
from .base import JSON, N_, Aggregate, AnswerError, Examples, QuestionType, Table, Term, boolean, integer

SHOWN_CARDS = 200  # a screen shows at most this many (the newest); exports have them all
PHONE_CARDS = 20  # a phone shows the newest this many (and the ideas with the most votes)
TOP = 5  # with voting: the ideas with the most votes, listed apart


class OpenAggregate(Aggregate):
    def __init__(self, voting: bool = False) -> None:
        # participant -> the answer, in order of arrival (a changed answer moves to the end: newest).
        self.cards: dict[str, Answer] = {}
        self.shown = 0
        self.voting = voting
        self.votes: dict[str, int] = {}  # card -> upvotes (with voting)

    def upvotes(self, item: str, count: int) -> None:
        if self.voting:
            self.votes[item] = count

    def add(self, answer: Answer) -> None:
        self.cards.pop(answer.participant, None)
        self.cards[answer.participant] = answer
        self.shown += answer.counted

    def remove(self, answer: Answer) -> None:
        if self.cards.pop(answer.participant, None) is not None:
            self.shown -= answer.counted

    def replace(self, old: Answer, new: Answer) -> None:
        if old.participant in self.cards:
            self.cards[new.participant] = new  # keeps its place: moderation does not make a card newer
            self.shown += new.counted - old.counted

    def results(self, *, facilitator: bool = False) -> dict[str, JSON]:
        cards = []
        for answer in reversed(self.cards.values()):
            if answer.status != SHOWN and not facilitator:
                continue
            card: dict[str, JSON] = {"card": card_id(answer.question, answer.participant), "text": answer.value,
                                     "status": answer.status}  # fmt: skip
            if self.voting:
                card["votes"] = self.votes.get(card["card"], 0)
            cards.append(card)
            if len(cards) == SHOWN_CARDS:
                break
        results: dict[str, JSON] = {"respondents": self.shown, "cards": cards}
        if self.voting:
            results["top"] = self.top()
        return results

    def top(self) -> list[JSON]:
        """The shown ideas with the most votes (at least one), most first; equal votes: the earlier idea first."""
        voted = [
            (-self.votes.get(card, 0), order, card, answer)
            for order, answer in enumerate(self.cards.values())
            if answer.status == SHOWN and self.votes.get(card := card_id(answer.question, answer.participant), 0)
        ]
        return [{"card": card, "text": answer.value, "votes": -votes} for votes, _, card, answer in sorted(voted)[:TOP]]

    def table(self) -> Table:
        if self.voting:
            rows: list[list[str | int | float | None]] = [
                [a.value, self.votes.get(card_id(a.question, a.participant), 0), Term(STATUS_LABELS[a.status])]
                for a in reversed(self.cards.values())
            ]
            return Table([Term(N_("Answer")), Term(N_("Upvotes")), Term(N_("Status"))], rows)
        rows = [[answer.value, Term(STATUS_LABELS[answer.status])] for answer in reversed(self.cards.values())]
        return Table([Term(N_("Answer")), Term(N_("Status"))], rows)


class OpenText(QuestionType):
    name = "open"
    on_paper = True
    label = N_("Open text")
    order = 40
    settings_keys = frozenset({"max_length", "voting"})
    cosmetic_keys = frozenset({"max_length", "voting"})
    has_text = True
    themed = True
    strings = MappingProxyType(
        {
            "your_answer": N_("Your answer"),
            "type_first": N_("Type your answer first."),
            "chars_left": N_("%(n)s characters left"),
            "send": N_("Send"),
            "hidden_card": N_("hidden"),
            "hide": N_("Hide"),
            "show": N_("Show"),
            "open_vote": N_("Vote"),
            "open_top": N_("Most votes so far"),
            "open_vote_hint": N_("Vote for the ideas you agree with: once each, tap again to take it back."),
            "open_votes": N_("%(n)s votes"),
            "open_one_vote": N_("1 vote"),
        }
    )
    examples = Examples(
        prompt="Wat moet beter?",
        settings={"max_length": 100},
        answers=["Meer overleg", "Snellere reparaties", "  Betere communicatie  "],
        invalid=["", "   ", 5, None, ["tekst"], "x" * 101],
    )

    def check_settings(self, raw: Mapping[str, object]) -> dict[str, JSON]:
        return {"max_length": integer(raw, "max_length", 280, low=10, high=1000),
                "voting": boolean(raw, "voting", False)}  # fmt: skip

    def takes_upvotes(self, settings: Mapping[str, JSON]) -> bool:
        return bool(settings.get("voting", False))

    def normalise_answer(self, settings: Mapping[str, JSON], value: object) -> JSON:
        if not isinstance(value, str) or not value.strip():
            raise AnswerError(N_("Type an answer."))
        value = value.strip()
        if len(value) > settings["max_length"]:
            raise AnswerError(N_("An answer can be at most %(max)d characters."), max=settings["max_length"])
        return value

    def new_aggregate(self, settings: Mapping[str, JSON]) -> Aggregate:
        return OpenAggregate(bool(settings.get("voting", False)))

    def figure(self, settings: Mapping[str, JSON], aggregate: Aggregate) -> Quotes:
        assert isinstance(aggregate, OpenAggregate)
        quotes, left_out = [], 0
        for answer in aggregate.cards.values():  # in order of arrival
            card = card_id(answer.question, answer.participant)
            if answer.status == SHOWN:
                quotes.append(Quote(card, answer.value, aggregate.votes.get(card, 0) if aggregate.voting else None))
            else:
                left_out += 1
        if aggregate.voting:
            quotes.sort(key=lambda q: -(q.votes or 0))
        return Quotes(quotes, left_out, themed=True, voted=aggregate.voting)

    def for_phones(self, results: dict[str, JSON]) -> dict[str, JSON]:
        cards = results["cards"]
        assert isinstance(cards, list)
        return {**results, "cards": cards[:PHONE_CARDS]} if len(cards) > PHONE_CARDS else results

    def answer_text(self, settings: Mapping[str, JSON], value: JSON) -> str:
        return str(value)

    def texts(self, value: JSON) -> list[str]:
        return [value]


TYPE = OpenText()
