"""Q&A: participants send their own questions at any moment of the session and upvote each other's (once each,
taken back with a second tap); the facilitator pins one to the projector, marks questions answered, hides them, and
can approve every question first (`premoderate`).

A participant sends any number of questions, so they are not answer records: they are posts (`lab.records.Post`),
and upvotes are `lab.records.Upvote`s, both kept by the store and fed to this type's aggregate by the room.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from ..figures import Quote, Quotes
from ..records import SHOWN, STATUS_LABELS, Answer, Post, post_of
from .base import JSON, N_, Aggregate, AnswerError, Examples, QuestionType, SettingsError, Table, Term, boolean, integer

SHOWN_POSTS = 100  # a screen lists at most this many (the first by the order below); exports have them all


def order(post: Post, votes: int) -> tuple[bool, int, int]:
    """The order on every screen: questions not yet answered first, then by most upvotes, then the oldest first
    (so a question never jumps ahead of one that got as many votes earlier)."""
    return (post.answered, -votes, post.id)


class Board(Aggregate):
    """The posts of one round and their upvotes (counted from shown posts' upvoters, whoever they are)."""

    def __init__(self) -> None:
        self.posts: dict[int, Post] = {}
        self.votes: dict[int, int] = {}

    # A Q&A takes no answer records (the room refuses votes for it).
    def add(self, answer: Answer) -> None:
        return None

    def remove(self, answer: Answer) -> None:
        return None

    def post(self, post: Post) -> None:
        self.posts[post.id] = post
        self.votes.setdefault(post.id, 0)

    def upvotes(self, item: str, count: int) -> None:
        number = post_of(item)
        if number is not None:
            self.votes[number] = count

    def ordered(self, *, facilitator: bool = False) -> list[Post]:
        posts = (p for p in self.posts.values() if facilitator or p.status == SHOWN)
        return sorted(posts, key=lambda p: order(p, self.votes.get(p.id, 0)))

    def results(self, *, facilitator: bool = False) -> dict[str, JSON]:
        listed = self.ordered(facilitator=facilitator)
        pinned = next((p.id for p in listed if p.pinned and p.status == SHOWN), None)
        shown = sum(p.status == SHOWN for p in self.posts.values())
        return {
            "respondents": len({p.participant for p in self.posts.values() if p.status == SHOWN}),
            "questions": shown,
            "pinned": pinned,
            "posts": [self.describe(p, facilitator) for p in listed[:SHOWN_POSTS]],
        }

    def describe(self, post: Post, facilitator: bool = False) -> dict[str, JSON]:
        described: dict[str, JSON] = {
            "post": post.id, "text": post.text, "name": post.nickname, "votes": self.votes.get(post.id, 0),
            "answered": post.answered, "pinned": post.pinned,
        }  # fmt: skip
        if facilitator:
            described["status"] = post.status
        return described

    def table(self) -> Table:
        rows: list[list[str | int | float | None]] = [
            [p.text, p.nickname, self.votes.get(p.id, 0), Term(N_("yes") if p.answered else N_("no")),
             Term(STATUS_LABELS[p.status])]
            for p in sorted(self.ordered(facilitator=True), key=lambda p: p.status != SHOWN)  # shown ones first
        ]  # fmt: skip
        return Table([Term(N_("Question")), Term(N_("Name")), Term(N_("Upvotes")), Term(N_("Answered")),
                      Term(N_("Status"))], rows)  # fmt: skip


class QA(QuestionType):
    name = "qa"
    label = N_("Q&A: questions from the room")
    order = 90
    settings_keys = frozenset({"max_length", "names"})
    cosmetic_keys = frozenset({"max_length", "names"})
    answerable = False  # participants post and upvote instead (lab.rooms.Room.ask, .upvote)
    anytime = True
    has_text = True
    strings = MappingProxyType(
        {
            "qa_below": N_("Ask your question below, or vote for someone else's."),
            "qa_open": N_("Ask a question"),
            "qa_your_question": N_("Your question"),
            "qa_send": N_("Send question"),
            "qa_sending": N_("Sending your question…"),
            "qa_type_first": N_("Type your question first."),
            "chars_left": N_("%(n)s characters left"),
            "qa_as_name": N_("Send with my name"),
            "qa_anonymous": N_("Anonymous"),
            "qa_sort": N_("Sort"),
            "qa_by_votes": N_("Most votes"),
            "qa_newest": N_("Newest"),
            "qa_vote": N_("Vote"),
            "qa_vote_word": N_("vote"),
            "qa_votes_word": N_("votes"),
            "qa_answered": N_("Answered"),
            "qa_pinned": N_("On the screen now"),
            "qa_none": N_("No questions yet. Yours can be the first."),
            "qa_none_yet": N_("No questions yet."),
            "qa_sent": N_("Your question was sent."),
            "qa_held": N_("Your question will be shown once the facilitator approves it."),
            "qa_hidden": N_("The facilitator did not show your question."),
            "qa_mine": N_("your question"),
            "qa_count": N_("%(n)s questions"),
            "qa_one_question": N_("1 question"),
            "qa_closed": N_("Questions can no longer be sent."),
            "qa_pin": N_("Pin to screen"),
            "qa_unpin": N_("Unpin"),
            "qa_mark_answered": N_("Mark answered"),
            "qa_mark_open": N_("Not answered"),
            "qa_approve": N_("Approve"),
            "qa_waiting": N_("waiting for approval"),
            "hide": N_("Hide"),
            "show": N_("Show"),
            "hidden_card": N_("hidden"),
        }
    )
    examples = Examples(
        prompt="Uw vragen aan de corporatie",
        settings={"names": True},
        answers=[],
        invalid=["Wanneer komt de renovatie?", 1, None, {"text": "vraag"}],
    )

    def check_settings(self, raw: Mapping[str, object]) -> dict[str, JSON]:
        settings: dict[str, JSON] = {
            "max_length": integer(raw, "max_length", 280, low=10, high=1000),
            "names": boolean(raw, "names", True),
        }
        if raw.get("allow_change", True) is not True:
            raise SettingsError("allow_change", N_("a Q&A always lets participants take back an upvote"))
        return settings

    def normalise_answer(self, settings: Mapping[str, JSON], value: object) -> JSON:
        raise AnswerError(N_("This question takes no answers."))

    def normalise_post(self, settings: Mapping[str, JSON], text: object) -> str:
        """A participant's question as it is stored; AnswerError says what is wrong."""
        if not isinstance(text, str) or not text.strip():
            raise AnswerError(N_("Type your question first."))
        text = " ".join(text.split())
        if len(text) > settings["max_length"]:
            raise AnswerError(N_("A question can be at most %(max)d characters."), max=settings["max_length"])
        return text

    def new_aggregate(self, settings: Mapping[str, JSON]) -> Aggregate:
        return Board()

    def figure(self, settings: Mapping[str, JSON], aggregate: Aggregate) -> Quotes:
        assert isinstance(aggregate, Board)
        quotes = [
            Quote(p.item, p.text, aggregate.votes.get(p.id, 0), Term(N_("answered")) if p.answered else None)
            for p in aggregate.ordered()
        ]
        left_out = sum(p.status != SHOWN for p in aggregate.posts.values())
        return Quotes(quotes, left_out, voted=True)

    def answer_text(self, settings: Mapping[str, JSON], value: JSON) -> str:
        return str(value)


TYPE = QA()
