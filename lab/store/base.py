"""What the domain asks of a store, in the domain's words: no driver types, no SQL.

A store keeps rooms, questions and their rounds, participants and answer records, and takes two kinds of writes:
- **votes**, committed in groups, each with a truthful `Outcome`;
- **room operations** (push, step, open, reset, edit, moderate, ...), each a small frozen description of what to
  change. The store works out the effect inside its transaction, from what is committed (the next question after
  the current one, the order after a move, whether answers still fit an edited question), bumps the room's
  version, and hands back a `RoomChange` with the room's resulting questions. The domain applies that to memory
  in commit order, so memory never differs from the database, however many consoles act at once.

Every write's `on_commit` callback runs after its group commits and before anyone awaiting it resumes, in the
order the writes were queued. A store that is closed refuses work with `Unavailable` instead of waiting forever.
"""

from __future__ import annotations

import enum
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from ..anonymity import Sealed
from ..consultation import Consultation
from ..details import Details
from ..media import StoredImage
from ..members import Member, NewMember
from ..records import JSON, PHONE, SHOWN, Answer, Post, Upvote

# -- rows ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RoomRow:
    id: int
    code: str
    title: str
    deck: str | None  # the deck file it was made from, if any
    serve_deck: str | None  # set on the one room that `lab serve --deck` made for that deck file
    facilitator_key: str
    projector_key: str
    current_question_id: int | None
    version: int
    created_at: str
    lang: str  # the language of its deck's text and of its projector
    current_since_ms: int | None = None  # since when the current question is on the screen
    details: Details = field(default_factory=Details)  # place, date, facilitator, time zone: for the report
    access: str = "open"  # "codes": only members answer, each with the code on their letter (lab.members)
    consultation: Consultation = field(default_factory=Consultation)  # live, or at the participants' own pace
    privacy_floor: int = 5  # no group with fewer respondents is shown apart (lab.groups)
    anonymity: str = "anonymous"  # with member codes: how the link from a code to its answers is kept (lab.anonymity)
    sealed: Sealed | None = None  # when the vote ended and that link was erased, with the turnout as it stood


@dataclass(frozen=True)
class QuestionRow:
    id: int
    room_id: int
    position: int
    type: str
    prompt: str
    settings: dict[str, JSON]
    status: str  # hidden (never opened), open, closed
    results_projector: bool
    results_phones: bool
    round: int  # the current round, from 1
    closes_ms: int | None = None  # when its countdown ends (ms since 1970, UTC); None: no timer runs
    shown_ms: int = 0  # how long it has been the current question, not counting the present turn
    compare: bool = False  # its previous round is shown beside the current one
    by_group: bool = False  # its results are shown per group too (lab.groups)


@dataclass(frozen=True)
class RoundRow:
    """One round of a question with the type and settings its answers were given under."""

    question_id: int
    number: int
    type: str
    settings: dict[str, JSON]
    started_ms: int


@dataclass(frozen=True)
class RoomData:
    """Everything needed to bring a room into memory: answers of every round, in the order they were committed."""

    room: RoomRow
    questions: list[QuestionRow]
    rounds: list[RoundRow]
    answers: list[Answer]
    removed: tuple[str, ...] = ()  # participants the facilitator removed from the room
    posts: tuple[Post, ...] = ()  # Q&A posts of every round, in the order they were sent
    upvotes: tuple[Upvote, ...] = ()
    nicknames: tuple[tuple[str, str], ...] = ()  # (participant, nickname) of those who gave one
    themes: tuple[tuple[int, int, str], ...] = ()  # (question, round, JSON): the facilitator's themes of a round
    members: tuple[Member, ...] = ()  # who may answer, where the room asks for member codes (withdrawn ones too)
    hands: tuple[tuple[int, int, list[int]], ...] = ()  # (question, round, counts): shows of hands
    ballots: tuple[BallotEntry, ...] = ()  # paper ballots as each teller entered them


@dataclass(frozen=True)
class BallotEntry:
    """One teller's entry of one paper ballot (lab.paper)."""

    ballot: str  # the member code on it, or the number written on it
    teller: int  # 1 or 2
    answers: str  # JSON: {question id: [round, value]}
    entered_ms: int


@dataclass(frozen=True)
class ExportRow:
    answer: Answer
    nickname: str


@dataclass(frozen=True)
class NewQuestion:
    type: str
    prompt: str
    settings: Mapping[str, JSON]


@dataclass(frozen=True)
class NewPost:
    """A question a participant sends to a Q&A; `key` is the phone's id for it (a resend is not stored twice)."""

    question: int
    round: int
    participant: str
    key: str
    text: str
    nickname: str
    status: str
    sent_ms: int
    most: int  # the participant's questions to this round are refused beyond this many


# -- votes -----------------------------------------------------------------------------------------------------


class Outcome(enum.Enum):
    """What became of a vote. Only STORED and DUPLICATE are acknowledged to the phone."""

    STORED = "stored"
    DUPLICATE = "duplicate"  # this vote id is the participant's present answer with this value: stored before
    LOCKED = "locked"  # refused: the question forbids changing an answer, and there is one
    REUSED = "reused"  # refused: the id is known with another question, round or value
    PASSED = "passed"  # gone: the vote's round is no longer the question's current round
    CLOSED = "closed"  # gone: the question was closed before the vote was committed
    GONE = "gone"  # gone: its participant or question was deleted, or a later answer replaced this one


@dataclass(eq=False, slots=True)
class Vote:
    """A vote on its way to the store; the store fills in `outcome` and the answer's `status` after commit."""

    participant: str
    vote_id: str
    question: int
    round: int
    value: JSON  # normalised
    text: str  # the value as stored (lab.wire.dumps), compared to tell a true duplicate from a reused id
    locked: bool  # the question forbids changing an answer
    received_ms: int
    status: str = SHOWN  # the status of a new answer (a changed answer keeps a hidden status)
    group: str | None = None
    weight: float = 1.0
    channel: str = PHONE
    on_commit: Callable[[Vote], None] | None = None
    outcome: Outcome | None = None


# -- room operations -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Push:
    """Make a question current (None: the waiting screen); a question never opened before opens."""

    question: int | None


@dataclass(frozen=True)
class Step:
    """Push the question after (+1) or before (-1) the current one; from the waiting screen, +1 is the first."""

    delta: int


@dataclass(frozen=True)
class SetLanguage:
    """The room's language (a key of lab.i18n.LANGUAGES): its text's, and its projector's interface."""

    lang: str


@dataclass(frozen=True)
class SetStatus:
    question: int
    status: Literal["open", "closed"]


@dataclass(frozen=True)
class SetTimer:
    """Start a question's countdown (it opens, and closes at `closes_ms`), or stop it (None: it stays as it is)."""

    question: int
    closes_ms: int | None


@dataclass(frozen=True)
class TimeUp:
    """A countdown reached zero: the question closes, if this countdown is still the one running."""

    question: int
    closes_ms: int


@dataclass(frozen=True)
class ShowResults:
    """Show or hide results on the projector or phones, the previous round beside them (`compare`), or the results
    per group (`groups`)."""

    question: int
    target: Literal["projector", "phones", "compare", "groups"]
    show: bool


@dataclass(frozen=True)
class NewRound:
    """Start the question again: earlier rounds and their answers are kept."""

    question: int


@dataclass(frozen=True)
class Moderate:
    """Set the status of a participant's answer in the question's current round, if that answer is still the one
    the facilitator saw (`value`, as stored): a participant who changed it meanwhile is not shown unseen."""

    question: int
    participant: str
    status: str
    value: str


@dataclass(frozen=True)
class RemoveParticipant:
    """Remove a participant from the room: every answer of theirs is hidden (and kept), their votes are refused."""

    participant: str


@dataclass(frozen=True)
class ChangePost:
    """The facilitator's decision on a Q&A post of the question's current round: its `status` (shown, hidden), or
    `answered`, or `pinned` (pinning one unpins the round's others)."""

    question: int
    post: int
    field: Literal["status", "answered", "pinned"]
    value: str | bool


@dataclass(frozen=True)
class AddQuestion:
    question: NewQuestion


@dataclass(frozen=True)
class EditQuestion:
    """Change a question (it must not be open). `fits(old_type, old_settings)` says whether answers given under the
    current round keep their meaning; if not, and the question was ever opened, a new round starts (a phone may
    hold an answer it could not send yet, given to the old wording of the options)."""

    question: int
    new: NewQuestion
    fits: Callable[[str, Mapping[str, JSON]], bool] = field(compare=False)


@dataclass(frozen=True)
class DeleteQuestion:
    question: int


@dataclass(frozen=True)
class MoveQuestion:
    question: int
    position: int


RoomOp = (
    Push
    | Step
    | SetLanguage
    | SetStatus
    | SetTimer
    | TimeUp
    | ShowResults
    | NewRound
    | Moderate
    | RemoveParticipant
    | ChangePost
    | AddQuestion
    | EditQuestion
    | DeleteQuestion
    | MoveQuestion
)


@dataclass(frozen=True)
class RoomChange:
    """A room operation's effect as committed: the room's new version, current question and questions in order."""

    version: int
    current: int | None
    questions: tuple[QuestionRow, ...]
    lang: str = "nl"
    current_since_ms: int | None = None  # since when the current question is on the screen
    added: int | None = None  # AddQuestion: the new question's id
    moderated: Answer | None = None  # Moderate: the answer with its new status
    removed: tuple[str, tuple[Answer, ...]] | None = None  # RemoveParticipant: who, and their answers, now hidden
    posts: tuple[Post, ...] = ()  # Q&A posts the operation changed (RemoveParticipant hides theirs too)


# -- the interface -------------------------------------------------------------------------------------------------


class Store(ABC):
    """Where lab keeps its data (SQLite by default). See the module docstring for the contract."""

    @abstractmethod
    async def open(self) -> None:
        """Connect and apply migrations. Raises StoreError with a sentence for people when it cannot."""

    @abstractmethod
    async def close(self) -> None:
        """Finish queued writes, then disconnect. Later writes raise Unavailable."""

    # meta
    @abstractmethod
    async def get_meta(self, key: str) -> str | None: ...

    @abstractmethod
    async def set_meta_once(self, key: str, value: str) -> str:
        """Store `value` under `key` unless something is stored already; return what is stored."""

    # rooms
    @abstractmethod
    async def create_room(
        self,
        code: str,
        title: str,
        deck: str | None,
        serve_deck: str | None,
        keys: tuple[str, str],
        questions: Sequence[NewQuestion],
        lang: str = "nl",
        details: Details | None = None,
        access: str = "open",
    ) -> RoomRow | None:
        """A new room with its questions; None when the code (or the serve_deck) is taken."""  # fmt: skip

    @abstractmethod
    async def room_by_code(self, code: str) -> RoomRow | None: ...

    @abstractmethod
    async def room_for_served_deck(self, serve_deck: str, file: str) -> RoomRow | None:
        """The room `lab serve` runs for the deck at path `serve_deck`. A database from before rooms were marked so
        adopts, once, its newest room made from a deck file of that name (the room lab serve showed then)."""

    @abstractmethod
    async def rooms(self) -> list[RoomRow]:
        """Every room, newest first."""

    @abstractmethod
    async def rooms_created_before(self, stamp: str) -> list[str]:
        """The codes of rooms created before an ISO time stamp."""

    @abstractmethod
    async def rooms_with_timers(self) -> list[str]:
        """The codes of rooms with a question whose countdown runs (to load them at start: they close it)."""

    # images (lab.media)
    @abstractmethod
    async def add_image(self, room_id: int, image: StoredImage) -> None:
        """Keep an image for a room (the same name again is the same image: nothing changes)."""

    @abstractmethod
    async def image(self, room_id: int, name: str) -> tuple[str, bytes] | None:
        """(mime type, bytes) of a room's image, or None."""

    @abstractmethod
    async def load_room(self, room_id: int) -> RoomData: ...

    @abstractmethod
    async def export_rows(self, room_id: int) -> list[ExportRow]:
        """Every answer of every round, in question order, then round, then the order they were committed."""

    @abstractmethod
    async def delete_room(self, room_id: int, on_commit: Callable[[None], None] | None = None) -> None:
        """Delete a room with everything in it (`on_commit` runs once that is committed), then make sure no copy of
        it is left readable on disk."""

    @abstractmethod
    async def change_room(self, room_id: int, op: RoomOp, on_commit: Callable[[RoomChange], None]) -> RoomChange:
        """Apply a room operation (see the module docstring). Domain errors (UnknownQuestion, NoMore, StillOpen,
        UnknownCard) are raised and change nothing."""

    # participants and votes
    @abstractmethod
    def join(self, participant: str, room_id: int) -> Awaitable[str]:
        """Make sure the participant exists: awaited, their nickname ("" when they have none); NotFound when the
        room is gone. Joins that arrive together are stored together (a join storm is thousands a minute)."""

    @abstractmethod
    async def nickname(self, participant: str) -> str | None:
        """The participant's nickname; None when the participant is unknown."""

    @abstractmethod
    async def set_nickname(self, participant: str, nickname: str) -> None: ...

    @abstractmethod
    def vote(self, vote: Vote) -> Awaitable[Outcome]:
        """Store a vote (or recognise a resend): awaited, its outcome once committed (also set on the vote)."""

    # the report
    @abstractmethod
    async def set_details(self, room_id: int, details: Details) -> None:
        """Store the room's details for its report."""

    @abstractmethod
    async def set_consultation(self, room_id: int, consultation: Consultation) -> None:
        """Store how the room runs: live or at the participants' own pace, its window, results and outcome."""

    @abstractmethod
    async def set_hands(self, question: int, round_: int, counts: str | None) -> None:
        """Keep a show of hands (JSON counts per option), or take it away (None)."""

    @abstractmethod
    async def enter_ballot(self, room_id: int, entry: BallotEntry) -> None:
        """Keep one teller's entry of a paper ballot, replacing that teller's earlier entry of it."""

    @abstractmethod
    async def store_answers(self, room_id: int, answers: Sequence[Answer], on_commit: Callable[[None], None]) -> None:
        """Store answers that did not come from phones (paper ballots), replacing the participants' answers to the
        same rounds; their participants are made where they do not exist yet."""

    @abstractmethod
    async def set_themes(self, question: int, round_: int, groups: str | None) -> None:
        """Store a round's themes as the facilitator corrected them (JSON), or forget them (None)."""

    @abstractmethod
    async def joined(self, room_id: int) -> int:
        """How many participants ever joined the room (those the facilitator removed included)."""

    # member codes
    @abstractmethod
    async def add_members(
        self, room_id: int, members: Sequence[tuple[str, NewMember, str]], on_commit: Callable[[list[Member]], None]
    ) -> list[Member]:
        """Store members as (code, member, participant id), all or none; returns them with their ids. Raises Invalid
        naming an id (`ref`) that already has a code in the room, Conflict when a code is taken (make new ones)."""

    @abstractmethod
    async def withdraw_member(self, room_id: int, member_id: int, on_commit: Callable[[Member], None]) -> Member:
        """Withdraw a member's code: it answers no more. Raises NotFound for a member not in the room."""

    @abstractmethod
    async def reissue_member(
        self, room_id: int, member_id: int, code: str, on_commit: Callable[[Member], None]
    ) -> Member:
        """Give a member a new code in place of the old one (which answers no more; a withdrawn member answers
        again), and move its paper ballots to the new code. Raises NotFound for a member not in the room, Conflict
        for a code another member has."""

    @abstractmethod
    async def set_privacy_floor(self, room_id: int, floor: int) -> None:
        """Store the room's privacy floor (lab.groups)."""

    @abstractmethod
    async def set_proxy(self, room_id: int, holder: int, giver: int | None) -> None:
        """Record that member `holder` holds the proxy of member `giver` (None: no longer any)."""

    @abstractmethod
    async def set_access(self, room_id: int, access: str) -> None:
        """Whether anyone may answer ("open") or members with a code only ("codes")."""

    @abstractmethod
    async def set_anonymity(self, room_id: int, mode: str) -> None:
        """Store the room's anonymity mode (lab.anonymity)."""

    @abstractmethod
    async def seal(
        self, room_id: int, sealed: Sealed, participants: Mapping[int, str], ballots: Mapping[str, str]
    ) -> None:
        """End the vote, all at once: store `sealed`, bind each member (by id) to a new participant that never
        answered, and rename paper ballots kept by a member's code (old key -> new)."""

    # Q&A posts and upvotes
    @abstractmethod
    async def add_post(self, new: NewPost, on_commit: Callable[[Post], None]) -> tuple[Post, bool]:
        """Store a participant's post; returns it and whether it is new (False: the phone sent it before, and
        `on_commit` is not called). Raises RoundPassed when the round is over, Closed when the question is closed,
        Removed when the participant was removed, Invalid when they sent `most` questions to the round already."""

    @abstractmethod
    async def upvote(self, upvote: Upvote, up: bool, on_commit: Callable[[Upvote], None]) -> bool:
        """Give (`up`) or take back an upvote; returns whether that changed anything (`on_commit` runs only then).
        Raises RoundPassed when the round is over, Removed when the participant was removed."""


class StoreError(Exception):
    """The store cannot be used (a damaged file, a read-only disk, another server holding it). The message is one
    sentence for the person starting lab."""
