"""Rooms: the live domain. Create a room, push / open / close / reveal / start again / moderate, take votes.

Every change goes through the store as a small description of what to change (lab.store.base); the store works
out its effect from what is committed and hands back the room's resulting state, which `Room` applies to memory in
commit order before anyone is told. So what the screens see never runs ahead of what is stored, and two consoles
acting at once cannot leave memory different from the database. Results go out coalesced: at most one `results`
message per room per interval, however many votes arrive. Nothing here knows about HTTP or websockets.

`Room` is also the **port** the socket layer talks to (`snapshot`, `join`, `vote`, `act`, `set_nickname`): a room
owned by another process could implement the same calls.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import secrets
import time
from bisect import bisect_left
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from . import members as codes
from .anonymity import ANONYMOUS, NAMED, Sealed, less_private
from .anonymity import check as check_anonymity
from .consultation import KEYS as CONSULTATION_KEYS
from .consultation import Consultation
from .consultation import check as check_consultation
from .decks import QuestionSpec
from .details import KEYS as DETAIL_KEYS
from .details import Details, check_details
from .errors import (
    N_,
    BadMessage,
    Closed,
    CodeNeeded,
    Conflict,
    Ended,
    Invalid,
    LabError,
    Locked,
    NewRoundNeeded,
    NotCurrent,
    NotStarted,
    OnPaper,
    Removed,
    RoundPassed,
    UnknownCard,
    UnknownQuestion,
    VoteGone,
    VoteReused,
)  # fmt: skip
from .groups import FLOOR, MOST_FLOOR, protect
from .hub import Hub
from .i18n import DEFAULT as DEFAULT_LANGUAGE
from .i18n import LANGUAGES
from .media import StoredImage
from .members import Member, NewMember, Turnout
from .moderation import WordFilter, word_filter
from .paper import MOST_NUMBER, PAPER, TELLERS, Ballot, BallotAnswerError, Entry, entry_json, entry_of
from .paper import participant as paper_participant
from .questions import JSON, TYPES, Aggregate
from .records import HIDDEN, PENDING, SHOWN, Answer, Post, Upvote
from .rules import Verdict
from .store import (
    AddQuestion,
    BallotEntry,
    ChangePost,
    DeleteQuestion,
    EditQuestion,
    Moderate,
    MoveQuestion,
    NewPost,
    NewQuestion,
    NewRound,
    Outcome,
    Push,
    RemoveParticipant,
    RoomChange,
    RoomData,
    RoomOp,
    RoomRow,
    SetLanguage,
    SetStatus,
    SetTimer,
    ShowResults,
    Step,
    Store,
    TimeUp,
    Vote,
)  # fmt: skip
from .tally import Question, Tally
from .wire import dumps, loads

if TYPE_CHECKING:
    from .owners import Exchange, RemoteRoom
    from .redis_hub import Leases

log = logging.getLogger(__name__)

AUDIENCES = ("phone", "projector", "facilitator")
REACTIONS = ("like", "heart", "question", "louder")  # a thumb, a heart, a question mark, "speak up"
IMAGES_KEPT = 16  # a room's images kept in memory
REACTIONS_INTERVAL = 1.0  # seconds: reactions go out to the screens as counts, at most this often
POSTS_EACH = 20  # questions one participant can send to one round of a Q&A
POST_CHANGES = {  # the facilitator's decisions on a Q&A post: (field, value)
    "pin": ("pinned", True), "unpin": ("pinned", False), "answered": ("answered", True),
    "unanswered": ("answered", False), "hide": ("status", HIDDEN), "show": ("status", SHOWN),
}  # fmt: skip
NICKNAME_LENGTH = 40
MAX_THEMES = 100  # themes of one round of open answers
THEME_NAME_LENGTH = 60
MAX_HANDS = 100_000  # hands counted for one option

REFUSED: dict[Outcome, type[LabError]] = {
    Outcome.LOCKED: Locked,
    Outcome.REUSED: VoteReused,
    Outcome.PASSED: RoundPassed,
    Outcome.CLOSED: Closed,
    Outcome.GONE: VoteGone,
}
"""The error a phone gets for each outcome that is not acknowledged."""


def topic(room_id: int, audience: str) -> str:
    """The hub topic of a room's sockets of one audience (also its owner's calls and news: lab.owners)."""
    return f"room:{room_id}:{audience}"


class Watcher(Protocol):
    """A participant's socket as the room reaches it: to tell it something meant for that participant only, or to end
    it (the participant was removed)."""

    def tell(self, message: dict[str, JSON]) -> None: ...

    def kick(self) -> None: ...


Watchers = dict[str, set[Watcher]]
"""Each participant's sockets, as a room (or an edge's RemoteRoom) reaches them."""


def unwatched(watchers: Watchers, participant: str, watcher: Watcher) -> None:
    """`watcher` taken from `participant`'s sockets, and the participant from `watchers` once none is left."""
    sockets = watchers.get(participant)
    if sockets is not None:
        sockets.discard(watcher)
        if not sockets:
            del watchers[participant]


class RoomPort(Protocol):
    """What the socket layer needs of a room: `Room` itself, or `lab.owners.RemoteRoom` where another process owns
    the room and this one holds some of its sockets."""

    id: int
    code: str
    deleted: bool
    moved: bool  # another process owns the room now (lab.owners): its sockets reconnect there

    def topic(self, audience: str) -> str: ...

    async def enter(
        self, audience: str, participant: str | None, typed: str | None = None, home: str | None = None
    ) -> dict[str, JSON]: ...

    def participants_changed(self) -> None: ...

    async def vote(
        self, participant: str, vote_id: str, question: int, round_: int, value: object
    ) -> tuple[JSON, str]: ...

    def react(self, participant: str, reaction: object) -> None: ...

    def watch(self, participant: str, watcher: Watcher) -> None: ...

    def unwatch(self, participant: str, watcher: Watcher) -> None:
        """The socket `watch` was given has closed."""

    async def act(self, action: str, params: Mapping[str, Any]) -> None: ...

    async def set_nickname(self, participant: str, nickname: object) -> str: ...

    async def ask_as(self, participant: str, key: str, question: int, text: object, named: object) -> dict[str, JSON]:
        """`Room.ask`, answered with the post as its author's phone shows it (`Room.own_post`)."""

    async def upvote(self, participant: str, question: int, round_: int, item: object, up: object) -> bool: ...


class Room:
    """One live run of a deck: its questions, which one is current, and who is watching."""

    ACTIONS: ClassVar[frozenset[str]] = frozenset(
        {
            "push",
            "next",
            "prev",
            "open",
            "close",
            "show_results",
            "reset",
            "moderate",
            "remove",
            "language",
            "timer",
            "post",
            "details",
            "themes",
            "hands",
            "consultation",
            "privacy_floor",
        }
    )
    """The facilitator's actions (`act`); docs/api.md describes each."""

    def __init__(
        self,
        data: RoomData,
        store: Store,
        hub: Hub,
        interval: float,
        clock: Callable[[], float] = time.time,
        words: WordFilter | None = None,
        timers: bool = False,
        phone_interval: float = 1.0,
    ) -> None:
        row = data.room
        self.id = row.id
        self.code = row.code
        self.title = row.title
        self.deck = row.deck
        self.facilitator_key = row.facilitator_key
        self.projector_key = row.projector_key
        self.current_id = row.current_question_id
        self.version = row.version
        self.created_at = row.created_at
        self.lang = row.lang
        self.current_since_ms = row.current_since_ms
        self.details = row.details  # for the report
        self.access = row.access  # "codes": members answer, with the code on their letter (lab.members)
        self.consultation = row.consultation  # live, or at the participants' own pace (lab.consultation)
        self._consultation_public: tuple[tuple[Consultation, str], dict[str, JSON]] | None = None
        self.privacy_floor = row.privacy_floor  # no group with fewer respondents is shown apart (lab.groups)
        self.anonymity = row.anonymity  # with member codes: how the link from code to answers is kept
        self.sealed = row.sealed  # the vote has ended and that link is erased (lab.anonymity)
        self._eligible: float | None = None  # the weight of everyone who may answer, once worked out
        self._groups: tuple[tuple[object, ...], list[tuple[str | None, int, Aggregate]] | None] | None = None
        self._members: dict[str, Member] = {m.code: m for m in data.members}
        self._member_of: dict[str, Member] = {m.participant: m for m in data.members}
        # (question, round) -> themes as the facilitator corrected them (JSON, lab.themes)
        self.themes: dict[tuple[int, int], list[dict[str, JSON]]] = {(q, r): loads(t) for q, r, t in data.themes}
        self.deleted = False
        self.moved = False  # this process lost the room to another (lab.owners)
        self._store = store
        self._hub = hub
        self._interval = interval
        self._clock = clock
        self._words = words or word_filter()
        self.removed: set[str] = set(data.removed)  # participants the facilitator removed
        self._phones: Watchers = {}  # participant -> each of their sockets, to tell or to end
        self._flush: asyncio.TimerHandle | None = None
        self._reactions: dict[str, int] = {}  # taps since the screens were last told
        self._images: dict[str, tuple[str, bytes]] = {}  # name -> (mime type, bytes), the ones asked for lately
        self._reactions_flush: asyncio.TimerHandle | None = None
        self._last_flush = 0.0
        self._results_changed = False
        # Phones get results at their own, slower pace (`phone_interval`): at a congress that is thousands of sockets
        # per message, and a phone's reader does not need ten updates a second (docs/performance.md).
        self._phone_interval = phone_interval
        self._phone_flush: asyncio.TimerHandle | None = None
        self._last_phone_flush = 0.0
        self._phones_due = False  # results changed since phones were last sent them
        self._phones_now = False  # ... and they must have them at once (a new question, results just shown)
        self._earlier: tuple[tuple[int, int], dict[str, JSON]] | None = None  # (question, round), its results
        rounds: dict[int, dict[int, Tally]] = {}
        for r in data.rounds:
            rounds.setdefault(r.question_id, {})[r.number] = Tally(TYPES[r.type], r.settings)
        self.questions = [Question(q, rounds.get(q.id)) for q in data.questions]
        self._by_id = {q.id: q for q in self.questions}
        for answer in data.answers:
            self._by_id[answer.question].rounds[answer.round].put(answer)
        for post in data.posts:
            self._by_id[post.question].rounds[post.round].put_post(post)
        for question_id, number, counts in data.hands:
            self._by_id[question_id].rounds[number].set_hands(counts)
        for upvote in data.upvotes:  # a removed participant's upvotes are kept, and count no more
            if upvote.participant not in self.removed:
                self._by_id[upvote.question].rounds[upvote.round].upvote(upvote, True)
        self.ballots: dict[str, Ballot] = {}  # paper ballots by their key (lab.paper)
        for entry in data.ballots:
            self.ballots.setdefault(entry.ballot, Ballot(entry.ballot)).entries[entry.teller] = entry_of(entry.answers)
        for ballot in self.ballots.values():
            if ballot.agreed:
                ballot.counted = True
                ballot.on_phone = tuple(self._on_phone(ballot))
        self._paper = asyncio.Lock()  # one ballot at a time: each entry is compared with the other teller's
        self._board_flush: asyncio.TimerHandle | None = None
        self._board_changed = False
        # The board phones were last sent, and whether a snapshot since gave some phone another: a board that
        # neither changed nor went out otherwise is not sent again (in a room without a Q&A: never, where before
        # every push sent each phone an empty board a second later, mid-burst).
        self._board_sent: dict[str, JSON] | None = None
        self._board_diverged = False
        self._nicknames: dict[str, str] = dict(data.nicknames)  # for the quiz's leaderboard
        self._timers: dict[int, tuple[int, asyncio.TimerHandle]] = {}  # question -> (closes_ms, its call)
        self._timing = timers  # only a serving process ends countdowns (never `lab export`, nor after stopping)
        self._tasks: set[asyncio.Task[RoomChange]] = set()
        self._arm_timers()

    # -- looking --------------------------------------------------------------------------------------------------

    def topic(self, audience: str) -> str:
        return topic(self.id, audience)

    @property
    def current(self) -> Question | None:
        return self._by_id.get(self.current_id) if self.current_id is not None else None

    def question(self, question_id: object) -> Question | None:
        return self._by_id.get(question_id) if isinstance(question_id, int) else None

    def participants(self) -> int:
        """Phones connected right now."""
        return self._hub.count(self.topic("phone"))

    def results_for(self, audience: str) -> dict[str, JSON] | None:
        question = self.current
        if question is None:
            return None
        if audience == "facilitator":  # the console has the leaderboard as the projector shows it
            results = self._with_leaderboard(question, question.tally.results(facilitator=True))
            return self.with_groups(question, self.judged(question.tally, results))
        if question.type.anytime and audience == "phone":  # phones have a Q&A as the board
            return None
        shown = question.shown_on_projector if audience == "projector" else question.shown_on_phones
        if not shown:
            return None
        results = self.judged(question.tally, self._with_leaderboard(question, question.tally.results()))
        return self.with_groups(question, results) if audience == "projector" else question.type.for_phones(results)

    def with_groups(self, question: Question, results: dict[str, JSON]) -> dict[str, JSON]:
        """`results` with the split per group, where the facilitator shows it (lab.groups)."""
        if not question.by_group:
            return results
        return {**results, "groups": self.groups(question, question.tally)}

    def group_question(self) -> Question | None:
        """The room's question whose answer puts a participant in a group ("Wie bent u vandaag?"), if any."""
        return next((q for q in self.questions if q.settings.get("group_question")), None)

    def groups(self, question: Question, tally: Tally) -> list[dict[str, JSON]] | None:
        """A round's results per group, under the privacy floor: `[{"label": "Huurder", "respondents": 12,
        "results": ...}, ...]`, the small groups together under the label None; None when there is nothing to split
        (no groups, or fewer than two that may be shown)."""
        split = self.split(question, tally)
        if split is None:
            return None
        return [{"label": label, "respondents": n, "results": aggregate.results()} for label, n, aggregate in split]

    def split(self, question: Question, tally: Tally) -> list[tuple[str | None, int, Aggregate]] | None:
        """The groups a round's answers fall in, each with its own aggregate, under the privacy floor (lab.groups).
        Worked out again only when the answers (or the group question's) move."""
        picker = self.group_question()
        picked_by = picker.tally if picker is not None and picker is not question else None
        key = (question.id, id(tally), tally.changes, picked_by.changes if picked_by else None, self.privacy_floor,
               len(self._members))  # fmt: skip
        if self._groups is not None and self._groups[0] == key:
            return self._groups[1]
        options = picker.settings["options"] if picker is not None else []
        picked = {p: options[a.value[0]] for p, a in picked_by.answers.items()} if picked_by else {}
        by_group: dict[str, list[Answer]] = {}
        for answer in tally.answers.values():
            group = answer.group or picked.get(answer.participant)
            if group and answer.counted:
                by_group.setdefault(group, []).append(answer)
        split: list[tuple[str | None, int, Aggregate]] | None = None
        shown = protect({g: len(a) for g, a in by_group.items()}, self.privacy_floor)
        if shown:
            split = []
            for label, held in shown:
                aggregate = tally.type.new_aggregate(tally.settings)
                for answer in (a for group in held for a in by_group[group]):
                    aggregate.add(answer)
                split.append((label, sum(len(by_group[g]) for g in held), aggregate))
        self._groups = (key, split)
        return split

    async def set_privacy_floor(self, floor: object) -> None:
        """No group with fewer respondents than `floor` (1 to 100) is shown apart."""
        if type(floor) is not int or not 1 <= floor <= MOST_FLOOR:
            raise Invalid(N_("The privacy floor is a whole number from 1 to %(most)d."), most=MOST_FLOOR)
        await self._store.set_privacy_floor(self.id, floor)
        self.privacy_floor = floor
        self.schedule_results(now=True)

    def judged(self, tally: Tally, results: dict[str, JSON]) -> dict[str, JSON]:
        """`results` with whether the round met its question's decision rule (lab.rules), where it has one."""
        verdict = self.verdict_of(tally)
        return results if verdict is None else {**results, "verdict": verdict.public(self.lang)}

    def verdict_of(self, tally: Tally) -> Verdict | None:
        """Whether a round met its question's decision rule, counted against everyone who may answer where the room
        knows them (members with a code); None without a rule."""
        return tally.verdict(self._eligible_weight() if self.access == "codes" else None)

    def _eligible_weight(self) -> float:
        """The weight of everyone who may answer: worked out once per change of the member list, not per results
        message (a room of 20,000 members sends several a second)."""
        if self._eligible is None:
            self._eligible = sum(m.weight for m in self._members.values() if not m.withdrawn)
        return self._eligible

    def _with_leaderboard(self, question: Question, results: dict[str, JSON]) -> dict[str, JSON]:
        """A closed quiz question's results come with the leaderboard as it stands after it."""
        if question.type.scores and question.status == "closed":
            return {**results, "leaderboard": self.leaderboard()}
        return results

    def totals(self) -> dict[str, int]:
        """Each participant's points over the room's closed quiz questions (their current rounds)."""
        totals: dict[str, int] = {}
        for question in self.questions:
            if question.type.scores and question.status == "closed":
                for participant, points in question.tally.aggregate.points().items():
                    totals[participant] = totals.get(participant, 0) + points
        return totals

    def leaderboard(self, size: int = 10) -> dict[str, JSON]:
        """The participants with a nickname and the most points, ranked (equal points share a rank); `final` after
        the room's last quiz question. Participants without a name count, and are not listed."""
        totals = self.totals()
        ranked = sorted(((-p, self._nicknames[who]) for who, p in totals.items() if who in self._nicknames))
        rows: list[JSON] = []
        for index, (points, name) in enumerate(ranked[:size]):
            rank = rows[-1]["rank"] if rows and rows[-1]["points"] == -points else index + 1
            rows.append({"rank": rank, "name": name, "points": -points})
        quizzes = [q for q in self.questions if q.type.scores]
        return {"rows": rows, "players": len(totals), "final": bool(quizzes) and quizzes[-1] is self.current}

    def scorer(self) -> Callable[[str], dict[str, JSON]] | None:
        """While a closed quiz question is on the screen: how to tell a participant their own points for it, their
        total and their place (equal totals share it); None otherwise."""
        question = self.current
        if question is None or not question.type.scores or question.status != "closed":
            return None
        totals = self.totals()
        points = question.tally.aggregate.points()
        ranks = sorted(-total for total in totals.values())

        def score(participant: str) -> dict[str, JSON]:
            total = totals.get(participant, 0)
            return {"type": "score", "question": question.id, "round": question.round,
                    "points": points.get(participant), "total": total,
                    "rank": 1 + bisect_left(ranks, -total), "of": len(totals)}  # fmt: skip

        return score

    def earlier_for(self, results: dict[str, JSON] | None, audience: str = "projector") -> dict[str, JSON] | None:
        """The previous round's results beside an audience's `results` (None: it sees none) when the facilitator
        compares rounds: `{"round": n, "results": ...}`, the shown answers only, as everyone sees them (phones as
        phones get results). A round that is over no longer changes: its results are worked out once."""
        question = self.current
        earlier = question.earlier if results is not None and question is not None else None
        if earlier is None:
            return None
        number, tally = earlier
        if self._earlier is None or self._earlier[0] != (question.id, number):  # type: ignore[union-attr]
            self._earlier = ((question.id, number), {"round": number, "results": tally.results()})  # type: ignore[union-attr]
        if audience == "phone":
            return {"round": number, "results": tally.type.for_phones(tally.results())}
        return self._earlier[1]

    def snapshot(self, audience: str, participant: str | None = None, nickname: str = "") -> dict[str, JSON]:
        """Everything a client needs to draw its screen from nothing."""
        question = self.current
        results = self.results_for(audience)
        message: dict[str, JSON] = {
            "type": "snapshot",
            "version": self.version,
            "now": self.now_ms(),
            "room": {"code": self.code, "title": self.title, "lang": self.lang},
            "question": question.public(audience == "facilitator") if question else None,
            "results": results,
            "earlier": self.earlier_for(results, audience),
            "answers": question.tally.responses if question else 0,
            "participants": self.participants(),
            "turnout": self.turnout(question.tally) if question else None,
            "consultation": self.consultation_public(),
        }
        if audience == "phone" and self.consultation.paced:
            message["paced"] = self.paced(participant)
        if audience == "phone":
            own = question.tally.answers.get(participant) if question and participant else None
            message["answer"] = own.value if own else None
            message["answer_status"] = own.status if own else None
            message["nickname"] = nickname
            message["upvoted"] = question.tally.upvoted_by(participant) if question and participant else []
            score = self.scorer()
            message["score"] = score(participant) if score and participant else None
            board = self.board()
            if board != self._board_sent:
                self._board_diverged = True
            message["board"] = self.board_for(board, participant)
        if audience == "facilitator":
            message["queue"] = question.tally.queue() if question else None
            message["questions"] = [q.public() for q in self.questions]
            message["members"] = self.member_summary()
            message["ballots"] = self.ballot_summary()
            message["privacy_floor"] = self.privacy_floor
            message["current_since_ms"] = self.current_since_ms
        return message

    @property
    def board_question(self) -> Question | None:
        """The Q&A participants can send questions to now, current or not: the current question if it is one and
        not closed, or else the first of the room's Q&As that is not closed."""
        current = self.current
        if current is not None and current.type.anytime and current.status != "closed":
            return current
        return next((q for q in self.questions if q.type.anytime and q.status != "closed"), None)

    def board(self) -> dict[str, JSON] | None:
        """The Q&A as every phone sees it (None: there is none to send questions to)."""
        question = self.board_question
        if question is None:
            return None
        return {"question": question.public(False), "results": question.tally.results()}

    def board_for(self, board: dict[str, JSON] | None, participant: str | None) -> dict[str, JSON] | None:
        """The Q&A `board` (`board()`) as this participant's phone sees it: with their own questions (also those
        waiting or hidden) and what they upvoted."""
        question = self.board_question
        if board is None or question is None or participant is None:
            return board
        tally = question.tally
        mine = [self.own_post(p) for p in tally.posts.values() if p.participant == participant]
        return {**board, "mine": mine, "upvoted": tally.upvoted_by(participant)}

    def own_post(self, post: Post) -> dict[str, JSON]:
        """A post as its author's phone sees it: with its status, and its upvotes as counted now."""
        question = self._by_id.get(post.question)
        tally = question.rounds.get(post.round) if question else None
        votes = len(tally.upvoters.get(post.item, ())) if tally else 0
        return {"post": post.id, "question": post.question, "round": post.round, "text": post.text,
                "name": post.nickname, "votes": votes, "answered": post.answered, "pinned": post.pinned,
                "status": post.status}  # fmt: skip

    def now_ms(self) -> int:
        """The server's clock (ms since 1970, UTC): screens count a countdown down against it, not their own."""
        return int(self._clock() * 1000)

    def is_removed(self, participant: str) -> bool:
        return participant in self.removed

    async def enter(
        self, audience: str, participant: str | None, typed: str | None = None, home: str | None = None
    ) -> dict[str, JSON]:
        """Let a socket in and give it the snapshot it starts from. A participant the facilitator removed is refused
        (Removed), and so is one without a valid code in a room for members only (CodeNeeded: `typed` is the code
        this browser typed, `home` whose proxy it votes with, as lab.access keeps them)."""
        nickname = ""
        if participant is not None:
            if participant in self.removed:
                raise Removed()
            if self.access == "codes" and self.sealed is None and not self.answers_with(participant, typed, home):
                raise CodeNeeded()
            nickname = await self.join(participant)
        return self.snapshot(audience, participant, nickname)

    def participants_changed(self) -> None:
        """A phone came or went: the screens' participant count follows with the next results."""
        self.schedule_results()

    # -- the facilitator's actions ---------------------------------------------------------------------------------

    async def act(self, action: str, params: Mapping[str, Any]) -> None:
        """Carry out one of ACTIONS with its parameters as a client sent them (checked here)."""
        match action:
            case "push":
                question = params.get("question")
                await self.push(None if question is None else _field(params, "question", int))
            case "next" | "prev":
                await self.step(1 if action == "next" else -1)
            case "open" | "close":
                await self._change(SetStatus(_field(params, "question", int), "open" if action == "open" else "closed"))
            case "show_results":
                target = _field(params, "target", str)
                if target not in ("projector", "phones", "compare", "groups"):
                    raise BadMessage(N_("Unknown target."))
                await self._change(ShowResults(_field(params, "question", int), target, _field(params, "show", bool)))
            case "reset":
                await self.new_round(_field(params, "question", int))
            case "timer":  # seconds: start (the question opens) or, with 0, stop the countdown
                question, seconds = _field(params, "question", int), _field(params, "seconds", int)
                if seconds and not 5 <= seconds <= 3600:
                    raise BadMessage(N_("A countdown runs from 5 to 3600 seconds."))
                await self._change(SetTimer(question, self.now_ms() + seconds * 1000 if seconds else None))
            case "language":
                lang = _field(params, "lang", str)
                if lang not in LANGUAGES:
                    raise BadMessage(N_("Unknown language."))
                await self._change(SetLanguage(lang))
            case "details":  # for the report: place, facilitator, date, time zone (those not sent stay as they are)
                given = {k: params[k] for k in DETAIL_KEYS if k in params}
                await self.set_details(check_details({**self.details.as_dict(), **given}))
            case "consultation":  # live or at the own pace, start, deadline, results published, outcome
                given = {k: params[k] for k in CONSULTATION_KEYS if k in params}
                now = self.consultation_public()
                merged = {k: now[k] for k in CONSULTATION_KEYS} | given
                await self.set_consultation(check_consultation(merged, self.details.zone))
            case "privacy_floor":  # no group with fewer respondents is shown apart
                await self.set_privacy_floor(params.get("floor"))
                self._hub.publish(
                    self.topic("facilitator"), dumps({"type": "privacy_floor", "floor": self.privacy_floor})
                )
            case "themes":  # a round's open answers grouped as the facilitator corrected them; null: automatic again
                question, round_ = self._require(params.get("question")), _field(params, "round", int)
                await self.set_themes(question, round_, params.get("groups"))
            case "hands":  # a show of hands counted for the question's current round, per option
                await self.set_hands(params.get("question"), params.get("counts"))
            case "moderate":  # hide an answer, show it again, or approve one that waits (shown)
                status = _field(params, "status", str)
                if status not in (SHOWN, HIDDEN):
                    raise BadMessage()
                await self.moderate(_field(params, "question", int), _field(params, "card", str), status)
            case "remove":  # the participant who gave this answer (or sent this Q&A post) leaves the room
                question = _field(params, "question", int)
                if "post" in params:
                    await self.remove_author(question, _field(params, "post", int))
                else:
                    await self.remove(question, _field(params, "card", str))
            case "post":  # pin a Q&A post to the projector, mark it answered, hide it or show (approve) it
                do = _field(params, "do", str)
                if do not in POST_CHANGES:
                    raise BadMessage(N_("Unknown action."))
                field, value = POST_CHANGES[do]
                question, post = _field(params, "question", int), _field(params, "post", int)
                await self._change(ChangePost(question, post, field, value))  # type: ignore[arg-type]
            case _:
                raise BadMessage()

    async def set_consultation(self, consultation: Consultation) -> None:
        """Run the room live or at the participants' own pace. At the own pace every question that takes answers
        opens, and closes at the deadline (its countdown, which holds across a restart); phones are told."""
        before = self.consultation
        await self._store.set_consultation(self.id, consultation)
        self.consultation = consultation
        if consultation.paced and (not before.paced or consultation.ends_ms != before.ends_ms):
            for question in self.questions:
                await self._open_paced(question)
        self._consultation_changed()

    async def _open_paced(self, question: Question) -> None:
        """At the own pace a question that takes answers is open until the deadline."""
        ends = self.consultation.ends_ms
        if not question.type.answerable:
            return
        if ends is not None:
            await self._change(SetTimer(question.id, ends))
        elif question.status != "open" or question.closes_ms is not None:
            await self._change(SetStatus(question.id, "open"))  # opening by hand ends a countdown

    def consultation_public(self) -> dict[str, JSON]:
        """The consultation as screens get it, worked out once per change (every phone's snapshot has it)."""
        key = (self.consultation, self.details.timezone)
        if self._consultation_public is None or self._consultation_public[0] != key:
            self._consultation_public = (key, self.consultation.public(self.details.zone))
        return self._consultation_public[1]

    def _consultation_changed(self) -> None:
        """Every screen learns how the room runs now; phones at the own pace also its questions and results."""
        public = self.consultation_public()
        for audience in AUDIENCES:
            message: dict[str, JSON] = {"type": "consultation", "consultation": public}
            if audience == "phone" and self.consultation.paced:
                message["paced"] = self.paced()
            self._hub.publish(self.topic(audience), dumps(message))

    def paced(self, participant: str | None = None) -> dict[str, JSON]:
        """At the own pace, what a phone shows: every question in order (not a Q&A), the results once published,
        and with `participant` their answers to the current rounds, so they go on where they stopped."""
        questions = [q for q in self.questions if not q.type.anytime]
        results = None
        if self.consultation.published:
            results = {str(q.id): self.judged(q.tally, q.tally.results()) for q in questions if q.type.answerable}
        paced: dict[str, JSON] = {"questions": [q.public(False) for q in questions], "results": results}
        if participant is not None:
            paced["answers"] = {str(q.id): q.tally.answers[participant].value for q in questions
                                if participant in q.tally.answers}  # fmt: skip
        return paced

    async def set_details(self, details: Details) -> None:
        await self._store.set_details(self.id, details)
        self.details = details
        message = {"type": "details", "details": details.as_dict()}
        self._hub.publish(self.topic("facilitator"), dumps(message))  # every console: done, and the new values

    async def set_themes(self, question: Question, round_: int, groups: object) -> None:
        """Keep a round's themes as the facilitator corrected them: a list of {"name", "items"} where every item is
        one of the round's answers (its card) at most once; None forgets them (the grouping is automatic again)."""
        tally = question.rounds.get(round_)
        if tally is None or not tally.type.themed:
            raise BadMessage(N_("This question has no themes."))
        if groups is None:
            await self._store.set_themes(question.id, round_, None)
            self.themes.pop((question.id, round_), None)
            self._themes_changed(question.id, round_)
            return
        cards = tally.cards()
        if not isinstance(groups, list) or len(groups) > MAX_THEMES:
            raise BadMessage()
        checked: list[dict[str, JSON]] = []
        seen: set[str] = set()
        for group in groups:
            if not isinstance(group, dict) or set(group) != {"name", "items"}:
                raise BadMessage()
            name, items = group["name"], group["items"]
            if not isinstance(name, str) or not name.strip() or len(name.strip()) > THEME_NAME_LENGTH:
                raise BadMessage(N_("A theme needs a name of at most %(max)d characters."), max=THEME_NAME_LENGTH)
            if not isinstance(items, list) or not all(isinstance(i, str) and i in cards for i in items):
                raise BadMessage(N_("That answer is not in this round."))
            if seen.intersection(items) or len(set(items)) != len(items):
                raise BadMessage(N_("An answer can be in one theme only."))
            seen.update(items)
            checked.append({"name": " ".join(name.split()), "items": list(items)})
        await self._store.set_themes(question.id, round_, dumps(checked))
        self.themes[(question.id, round_)] = checked
        self._themes_changed(question.id, round_)

    async def set_hands(self, question_id: object, counts: object) -> None:
        """Keep the show of hands the facilitator counted for the question's current round: a whole number per
        option; all zero (or an empty list) takes it away."""
        question = self._require(question_id)
        if not question.type.counts_hands:
            raise BadMessage(N_("Only a multiple-choice question can be counted by a show of hands."))
        options = len(question.settings["options"])
        if counts == []:
            counts = [0] * options
        if (not isinstance(counts, list) or len(counts) != options
                or not all(type(c) is int and 0 <= c <= MAX_HANDS for c in counts)):  # fmt: skip
            raise BadMessage(N_("Give a whole number from 0 to %(most)d for every option."), most=MAX_HANDS)
        tally = question.tally
        await self._store.set_hands(question.id, question.round, dumps(counts) if any(counts) else None)
        tally.set_hands(counts if any(counts) else [])
        self._results_changed = True
        self.schedule_results(now=True)

    def _themes_changed(self, question: int, round_: int) -> None:
        """Tell every console that a round's themes were saved (or made automatic again)."""
        corrected = (question, round_) in self.themes
        message = {"type": "themes", "question": question, "round": round_, "corrected": corrected}
        self._hub.publish(self.topic("facilitator"), dumps(message))

    async def _change(self, op: RoomOp) -> RoomChange:
        return await self._store.change_room(self.id, op, self._apply)

    def _apply(self, change: RoomChange) -> None:
        """Memory takes the room's state as committed (in commit order), then every screen is told."""
        self.version = change.version
        self._earlier = None  # an earlier round's answers can be hidden too (a participant removed): work it out anew
        self.current_id = change.current
        self.current_since_ms = change.current_since_ms
        self.lang = change.lang
        questions = []
        for row in change.questions:
            question = self._by_id.get(row.id)
            if question is None:
                question = Question(row)
            else:
                question.update(row)
            questions.append(question)
        self.questions = questions
        self._by_id = {q.id: q for q in questions}
        restatused = (
            (change.moderated,) if change.moderated is not None else change.removed[1] if change.removed else ()
        )
        for answer in restatused:
            tally = self._by_id[answer.question].rounds.get(answer.round)
            if tally is not None:
                tally.restatus(answer.participant, answer.status)
        if change.moderated is not None:  # the participant's phone learns what became of their answer
            answer = change.moderated
            told = {"type": "moderated", "question": answer.question, "round": answer.round, "status": answer.status}
            for watcher in list(self._phones.get(answer.participant, ())):
                watcher.tell(told)
        for post in change.posts:
            tally = self._by_id[post.question].rounds.get(post.round)
            if tally is not None:
                before = tally.posts.get(post.id)
                tally.put_post(post)
                if before is not None and before.status != post.status:  # its author's phone learns of it
                    told = {"type": "post", "post": self.own_post(post)}
                    for watcher in list(self._phones.get(post.participant, ())):
                        watcher.tell(told)
        if change.removed is not None:
            participant = change.removed[0]
            self.removed.add(participant)
            for question in self.questions:
                for tally in question.rounds.values():
                    tally.drop_voter(participant)
            for watcher in list(self._phones.get(participant, ())):
                watcher.kick()
        self._arm_timers()
        self._board_changed = True  # the Q&A phones can use may have opened, closed, or changed
        self._publish_state()
        self._tell_scores()

    def _tell_scores(self) -> None:
        """A quiz question on the screen is closed: each phone is told its own score (who was right shows on phones,
        whether or not results are shown there)."""
        score = self.scorer()
        if score is None:
            return
        for participant, sockets in self._phones.items():
            told = score(participant)
            for watcher in list(sockets):
                watcher.tell(told)

    def _arm_timers(self) -> None:
        """Have every running countdown close its question at zero, by the server's clock (also after a restart:
        rooms with a countdown are loaded at start)."""
        running = {
            q.id: q.closes_ms for q in self.questions if q.closes_ms is not None and self._timing and not self.deleted
        }
        for question, (closes_ms, handle) in list(self._timers.items()):
            if running.get(question) != closes_ms:
                handle.cancel()
                del self._timers[question]
        loop = asyncio.get_running_loop()
        for question, closes_ms in running.items():
            if question not in self._timers:
                delay = max(0.0, closes_ms / 1000 - self._clock())
                self._timers[question] = (closes_ms, loop.call_later(delay, self._time_up, question, closes_ms))

    def _time_up(self, question: int, closes_ms: int) -> None:
        self._timers.pop(question, None)
        task = asyncio.create_task(self._change(TimeUp(question, closes_ms)))
        self._tasks.add(task)
        task.add_done_callback(self._time_up_done)

    def _time_up_done(self, task: asyncio.Task[RoomChange]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None and not self.deleted:
            log.error("room %s: closing a question at the end of its countdown failed", self.code,
                      exc_info=task.exception())  # fmt: skip

    def stop_timers(self) -> None:
        self._timing = False
        for _, handle in self._timers.values():
            handle.cancel()
        self._timers.clear()

    async def push(self, question_id: int | None) -> None:
        """Make a question current (None: the waiting screen). A question never opened before opens."""
        await self._change(Push(question_id))

    async def step(self, delta: int) -> None:
        """Push the next (+1) or previous (-1) question; from the waiting screen, next pushes the first."""
        await self._change(Step(delta))

    async def new_round(self, question_id: int) -> None:
        """Start a question again: phones see it unanswered; the earlier round and its answers are kept."""
        await self._change(NewRound(question_id))

    async def moderate(self, question_id: int, card: str, status: str) -> None:
        """Hide an answer (or show it again) in the question's current round."""
        question = self._require(question_id)
        participant = question.tally.participant_for(card)
        if participant is None:
            raise UnknownCard()
        seen = dumps(question.tally.answers[participant].value)  # the answer as the facilitator saw it
        await self._change(Moderate(question.id, participant, status, seen))

    async def remove(self, question_id: int, card: str) -> None:
        """Remove from the room the participant who gave this answer: all their answers are hidden (and kept), their
        phone is disconnected and cannot connect again, their votes are refused."""
        question = self._require(question_id)
        participant = question.tally.participant_for(card)
        if participant is None:
            raise UnknownCard()
        await self._change(RemoveParticipant(participant))

    async def remove_author(self, question_id: int, post_id: int) -> None:
        """Remove from the room the participant who sent this Q&A post (as `remove`; their posts are hidden too)."""
        post = self._require(question_id).tally.posts.get(post_id)
        if post is None:
            raise UnknownCard()
        await self._change(RemoveParticipant(post.participant))

    def watch(self, participant: str, watcher: Watcher) -> None:
        """A socket of this participant: told what becomes of their answers, ended if they are removed, until
        `unwatch` (when the socket closes). (Two calls rather than a closure to call back: a closure and its cells
        are five more objects for every phone's whole stay, each walked by the garbage collector.)"""
        self._phones.setdefault(participant, set()).add(watcher)
        if participant in self.removed:  # removed while this socket was being opened
            watcher.kick()

    def unwatch(self, participant: str, watcher: Watcher) -> None:
        """The socket `watch` was given has closed: nothing more reaches it."""
        unwatched(self._phones, participant, watcher)

    # -- editing ---------------------------------------------------------------------------------------------------

    async def add_question(self, spec: QuestionSpec) -> Question:
        """A new question at the end; at the own pace it opens at once, until the deadline, as the others did."""
        change = await self._change(AddQuestion(_new(spec)))
        assert change.added is not None
        if self.consultation.paced:
            await self._open_paced(self._by_id[change.added])
        return self._by_id[change.added]

    async def update_question(self, question_id: int, spec: QuestionSpec, new_round: bool = True) -> Question:
        """Change a question (it must be closed). If its answers would change meaning, a new round starts; without
        `new_round`, a question that has answers in its current round is then left as it was (NewRoundNeeded), so
        the facilitator can be asked first."""
        kind = TYPES[spec.type]
        question = self._require(question_id)
        answers = question.tally.responses
        if (
            answers
            and not new_round
            and question.status != "open"
            and not kind.answers_still_fit(question.type.name, question.settings, spec.settings)
        ):
            raise NewRoundNeeded(n=answers)
        await self._change(
            EditQuestion(
                question_id, _new(spec), lambda old_type, old: kind.answers_still_fit(old_type, old, spec.settings)
            )
        )
        return self._require(question_id)

    async def delete_question(self, question_id: int) -> None:
        await self._change(DeleteQuestion(question_id))

    async def move_question(self, question_id: int, position: int) -> None:
        await self._change(MoveQuestion(question_id, position))

    def _require(self, question_id: object) -> Question:
        question = self.question(question_id)
        if question is None:
            raise UnknownQuestion()
        return question

    # -- images ----------------------------------------------------------------------------------------------------

    async def add_image(self, image: StoredImage) -> None:
        await self._store.add_image(self.id, image)

    async def image(self, name: str) -> tuple[str, bytes] | None:
        """A room's image, kept in memory once read (a room has a few; every phone asks for the same ones)."""
        found = self._images.get(name)
        if found is None:
            found = await self._store.image(self.id, name)
            if found is not None:
                if len(self._images) >= IMAGES_KEPT:
                    del self._images[next(iter(self._images))]
                self._images[name] = found
        return found

    # -- member codes (lab.members) --------------------------------------------------------------------------------

    def member(self, typed: str) -> Member | None:
        """The member a typed code belongs to (case, spaces and dashes aside); None for an unknown or withdrawn one."""
        found = self._members.get(codes.tidy(typed))
        return found if found is not None and not found.withdrawn else None

    def may_answer(self, participant: str) -> bool:
        """In a room that asks for codes: whether the participant typed a code that is not withdrawn."""
        member = self._member_of.get(participant)
        return member is not None and not member.withdrawn

    def answers_with(self, participant: str, typed: str | None, home: str | None) -> bool:
        """Whether a browser that typed the code `typed` (and votes by the proxy of `home`'s member, if any) answers
        as `participant`: as a member with the code the member has now (a code withdrawn or given anew in its place
        answers no more), or as the member whose proxy that member holds."""
        member = self._member_of.get(participant)
        if member is None or member.withdrawn:
            return False
        if typed == member.code:
            return True
        holder = self._member_of.get(home) if home is not None else None
        return holder is not None and not holder.withdrawn and holder.code == typed and holder.proxy_of == member.id

    def member_of(self, participant: str) -> Member | None:
        """The member a participant answers as (withdrawn or not); None when they typed no code."""
        return self._member_of.get(participant)

    @property
    def members(self) -> list[Member]:
        """Everyone on the room's member list, in the order they were added, withdrawn ones too."""
        return sorted(self._members.values(), key=lambda m: m.id)

    async def add_members(self, new: Sequence[NewMember]) -> list[Member]:
        """Give each new member a code (all or none); returns them. Raises Invalid for an id that has a code already
        or when the room would have more than lab.members.MOST."""
        if len(self._members) + len(new) > codes.MOST:
            raise Invalid(N_("A room takes at most %(most)s members."), most=codes.MOST)
        known = {m.ref.casefold() for m in self._members.values()}
        taken = next((m.ref for m in new if m.ref.casefold() in known), None)
        if taken is not None:  # "12a" after "12A" would give one dwelling two votes
            raise Invalid(N_("%(id)s has a code already."), id=taken)
        for _attempt in range(3):
            drawn: set[str] = set()
            while len(drawn) < len(new):
                code = codes.new_code()
                if code not in self._members:
                    drawn.add(code)
            rows = [(code, member, secrets.token_urlsafe(12)) for code, member in zip(drawn, new, strict=True)]
            try:
                return await self._store.add_members(self.id, rows, self._members_stored)
            except Conflict:  # a code another process gave meanwhile: draw again
                continue
        raise Conflict()

    def next_number(self) -> int:
        """Where codes asked for by number go on: one past the highest numbered id so far."""
        return 1 + max((int(m.ref) for m in self._members.values() if m.ref.isascii() and m.ref.isdigit()), default=0)

    def _members_stored(self, added: list[Member]) -> None:
        self._eligible = None
        for member in added:
            self._members[member.code] = self._member_of[member.participant] = member
        self._members_changed()

    def _members_changed(self) -> None:
        """Tell every console how many codes there are now, and the screens the turnout that follows."""
        self._hub.publish(self.topic("facilitator"), dumps({"type": "members", **self.member_summary()}))
        self.schedule_results(now=True)

    async def withdraw_member(self, ref: object) -> Member:
        """Withdraw the code of the member with this id on the list (a lost letter, a tenant who moved): it answers
        no more, and its phones are told so. Answers given before stay counted. Raises Invalid for an id that is not
        on the list, or whose code is withdrawn already."""
        return await self._store.withdraw_member(self.id, self._listed(ref).id, self._member_withdrawn)

    async def reissue(self, ref: object) -> Member:
        """A new code for the member with this id on the list, in place of one lost or withdrawn: the old code
        answers no more, and phones that typed it must type the new one. The member keeps their answers, which the
        new code can change while the vote is open. Raises Invalid for an id that is not on the list."""
        if self.sealed is not None:
            raise Ended()
        member = self._listed(ref, withdrawn=True)
        for _attempt in range(3):
            code = codes.new_code()
            if code in self._members:
                continue
            try:
                return await self._store.reissue_member(self.id, member.id, code, self._member_reissued)
            except Conflict:
                continue
        raise Conflict()

    def _member_reissued(self, member: Member) -> None:
        old = next(code for code, m in self._members.items() if m.id == member.id)
        del self._members[old]
        if old in self.ballots:
            self.ballots[member.code] = ballot = self.ballots.pop(old)
            ballot.key = member.code
        self._member_withdrawn(member)  # its phones come back, and are asked for the new code

    def _listed(self, ref: object, withdrawn: bool = False) -> Member:
        """The member with this id on the list (capitals aside) whose code is not withdrawn (or, with `withdrawn`,
        also one whose code is); Invalid otherwise."""
        wanted = ref.strip().casefold() if isinstance(ref, str) else None
        found = next((m for m in self._members.values()
                      if m.ref.casefold() == wanted and (withdrawn or not m.withdrawn)), None)  # fmt: skip
        if found is None:
            raise Invalid(N_("%(id)s is not on the member list."), id=str(ref)[:60])
        return found

    async def set_proxy(self, holder: object, giver: object) -> None:
        """Record a proxy (volmacht) the organiser has on paper: the member `holder` (an id on the list) votes for
        `giver` too, from their own phone; `giver` None takes the holder's proxy away. A member holds at most one
        proxy and gives at most one, and who gives one holds none. Raises Invalid, and changes nothing, otherwise."""
        taker = self._listed(holder)
        if giver is None:
            await self._store.set_proxy(self.id, taker.id, None)
            self._members_stored([dataclasses.replace(taker, proxy_of=None)])
            return
        giving = self._listed(giver)
        by_id = {m.id: m for m in self._members.values()}
        given_to = next((m for m in self._members.values() if m.proxy_of == giving.id), None)
        if giving.id == taker.id:
            raise Invalid(N_("A member cannot hold their own proxy."))
        if taker.proxy_of is not None and taker.proxy_of != giving.id:
            raise Invalid(N_("%(id)s holds a proxy already (of %(of)s): one each."), id=taker.ref,
                          of=by_id[taker.proxy_of].ref)  # fmt: skip
        if given_to is not None and given_to.id != taker.id:
            raise Invalid(N_("%(id)s has given a proxy already (to %(to)s)."), id=giving.ref, to=given_to.ref)
        if giving.proxy_of is not None:
            raise Invalid(N_("%(id)s holds a proxy, and so cannot give one."), id=giving.ref)
        if any(m.proxy_of == taker.id for m in self._members.values()):
            raise Invalid(N_("%(id)s has given a proxy, and so cannot hold one."), id=taker.ref)
        await self._store.set_proxy(self.id, taker.id, giving.id)
        self._members_stored([dataclasses.replace(taker, proxy_of=giving.id)])

    def proxies(self) -> list[tuple[Member, Member]]:
        """Every proxy recorded: (holder, giver), in the list's order."""
        by_id = {m.id: m for m in self._members.values()}
        return [(m, by_id[m.proxy_of]) for m in self.members
                if m.proxy_of is not None and not m.withdrawn and not by_id[m.proxy_of].withdrawn]  # fmt: skip

    def proxy_for(self, participant: str) -> Member | None:
        """The member whose proxy the participant's member holds, if any (not withdrawn)."""
        member = self._member_of.get(participant)
        if member is None or member.proxy_of is None or member.withdrawn:
            return None
        return next((m for m in self._members.values() if m.id == member.proxy_of and not m.withdrawn), None)

    def holder_of(self, participant: str) -> Member | None:
        """The member who holds the proxy of the participant's member, if any."""
        member = self._member_of.get(participant)
        if member is None:
            return None
        return next((m for m in self._members.values() if m.proxy_of == member.id and not m.withdrawn), None)

    def _member_withdrawn(self, member: Member) -> None:
        self._members_stored([member])
        for watcher in list(self._phones.get(member.participant, ())):
            watcher.kick()

    def by_proxy(self, tally: Tally) -> int:
        """How many of a round's answers members gave by proxy (volmacht)."""
        if self.sealed is not None:
            return self._sealed_turnout(self.sealed, tally)[2]
        return sum(giver.participant in tally.answers for _holder, giver in self.proxies())

    def _sealed_turnout(self, sealed: Sealed, tally: Tally) -> tuple[int, float, int]:
        key = next((Sealed.key(q.id, n) for q in self.questions for n, t in q.rounds.items() if t is tally), "")
        return sealed.turnout.get(key, (0, 0.0, 0))

    async def set_access(self, access: object, confirmed: object = False) -> None:
        """Whether anyone with the join code may answer ("open") or only members with their code ("codes"). Once
        answers were given, switching is refused with the reason unless `confirmed` (the console asks first):
        answers given without a code stay counted among the members' answers, and the other way round, members'
        answers among anyone's."""
        if access not in ("open", "codes"):
            raise Invalid(N_('Choose "open" or "codes".'))
        if self.sealed is not None:
            raise Ended()
        if access == self.access:
            return
        given = self.answers_given()
        if given and confirmed is not True:
            raise Conflict(N_("Answers have been given already (%(n)s). They stay counted after the switch: check "
                              "that this is what you want, then confirm."), n=given)  # fmt: skip
        await self._store.set_access(self.id, str(access))
        self.access = str(access)
        self._members_changed()

    def answers_given(self) -> int:
        """Answers in the room, every round and channel (Q&A posts too)."""
        return sum(len(t.answers) + len(t.posts) for q in self.questions for t in q.rounds.values())

    async def set_anonymity(self, mode: object) -> None:
        """How anonymous the answers of a room with member codes are (lab.anonymity). A promise made to those who
        answered holds: a less private mode is refused once anyone answered, and nothing changes after the seal."""
        mode = check_anonymity(mode)
        if self.sealed is not None:
            raise Ended()
        if less_private(mode, self.anonymity) and self.answers_given():
            raise Conflict(N_("Answers have been given under a more private promise; the room can only become more "
                              "private now."))  # fmt: skip
        await self._store.set_anonymity(self.id, mode)
        self.anonymity = mode
        self._members_changed()

    async def seal(self) -> None:
        """End an anonymous vote with member codes: every question closes, the turnout is counted and kept as
        numbers, and the link from each member's code to its answers is erased from the store, all in one write.
        Nothing is taken after; phones still show the results and the outcome once published."""
        if self.access != "codes" or self.anonymity != ANONYMOUS:
            raise Conflict(N_("Only an anonymous vote with member codes is ended this way."))
        if self.sealed is not None:
            raise Ended()
        for question in self.questions:
            if question.status == "open" or question.closes_ms is not None:
                await self._change(SetStatus(question.id, "closed"))
        # One more write through the store's queue: the votes taken before the questions closed are committed, and in
        # the tallies, before the turnout is counted.
        await self._store.set_anonymity(self.id, self.anonymity)
        eligible = [m for m in self._members.values() if not m.withdrawn]
        turnout: dict[str, tuple[int, float, int]] = {}
        for question in self.questions:
            for number, tally in question.rounds.items():
                found = self.turnout_of(tally)
                if found is not None and found.answered:
                    turnout[Sealed.key(question.id, number)] = (found.answered, found.answered_weight,
                                                                self.by_proxy(tally))  # fmt: skip
        sealed = Sealed(self.now_ms(), len(eligible), self._eligible_weight(), turnout)
        fresh = {m.id: secrets.token_urlsafe(12) for m in self._members.values()}
        renamed = {key: f"sealed-{n}" for n, key in enumerate(sorted(self.ballots), 1)
                   if key in self._members}  # fmt: skip
        await self._store.seal(self.id, sealed, fresh, renamed)
        self.sealed = sealed
        left = [m.participant for m in self._members.values()]
        self._members = {code: dataclasses.replace(m, participant=fresh[m.id]) for code, m in self._members.items()}
        self._member_of = {m.participant: m for m in self._members.values()}
        self.ballots = {renamed.get(key, key): ballot for key, ballot in self.ballots.items()}
        for ballot in self.ballots.values():
            ballot.key = renamed.get(ballot.key, ballot.key)
        for participant in left:  # their phones come back as anyone does: read only
            for watcher in list(self._phones.get(participant, ())):
                watcher.kick()
        self._members_changed()

    def member_summary(self) -> dict[str, JSON]:
        """For the console: who may answer, and how many codes there are and were withdrawn."""
        withdrawn = sum(m.withdrawn for m in self._members.values())
        return {"access": self.access, "members": len(self._members) - withdrawn, "withdrawn": withdrawn,
                "proxies": [[holder.ref, giver.ref] for holder, giver in self.proxies()],
                "anonymity": self.anonymity, "sealed": self.sealed.at_ms if self.sealed else None}  # fmt: skip

    def turnout(self, tally: Tally) -> dict[str, JSON] | None:
        """In a room that asks for codes: how many members may answer, and how many answered this round (also
        weighed, where the list gives weights); None in an open room."""
        found = self.turnout_of(tally)
        return None if found is None else dataclasses.asdict(found)

    def turnout_of(self, tally: Tally) -> Turnout | None:
        if self.access != "codes":
            return None
        if self.sealed is not None:  # counted when the vote ended: the members' link to their answers is gone
            count, weight, _by_proxy = self._sealed_turnout(self.sealed, tally)
            return Turnout(self.sealed.eligible, count, self.sealed.eligible_weight, weight)
        eligible = [m for m in self._members.values() if not m.withdrawn]
        gave = {p.participant for p in tally.posts.values()} if tally.type.anytime else tally.answers  # a Q&A: posts
        answered = [m for m in eligible if m.participant in gave]
        return Turnout(len(eligible), len(answered), sum(m.weight for m in eligible), sum(m.weight for m in answered))

    # -- paper ballots (lab.paper) ------------------------------------------------------------------------------------

    async def enter_ballot(self, typed: object, teller: object, answers: object) -> Ballot:
        """One teller's entry of a paper ballot: the member code on it (in an open room its number), and
        `{question id: value}` as the ballot reads (a question left empty: null or left out). Once both tellers'
        entries agree, the ballot's answers are stored; a counted ballot cannot be entered again."""
        if teller not in TELLERS or type(teller) is not int:
            raise BadMessage(N_("Say which teller you are: 1 or 2."))
        if self.sealed is not None:
            raise Ended()
        key = self._ballot_key(typed)
        entry = self._ballot_entry(answers)
        async with self._paper:
            ballot = self.ballots.get(key) or Ballot(key)
            if ballot.counted:
                raise Conflict(N_("This ballot has been counted already: both tellers entered the same."))
            await self._store.enter_ballot(self.id, BallotEntry(key, teller, entry_json(entry), self.now_ms()))
            self.ballots[key] = ballot
            ballot.entries[teller] = entry
            if ballot.agreed:
                await self._count_ballot(ballot)
        self._hub.publish(self.topic("facilitator"), dumps({"type": "ballots", **self.ballot_summary()}))
        return ballot

    def _ballot_key(self, typed: object) -> str:
        if not isinstance(typed, str) or not typed.strip():
            raise Invalid(N_("Type the code on the ballot."))
        if self.access == "codes":
            member = self.member(typed)
            if member is None:
                raise Invalid(N_("No member has this code. Check it on the ballot."))
            return member.code
        number = typed.strip()
        if not number.isdigit() or not 1 <= int(number) <= MOST_NUMBER:
            raise Invalid(N_("Type the ballot's number (1 to %(most)d)."), most=MOST_NUMBER)
        return str(int(number))

    def _ballot_entry(self, answers: object) -> Entry:
        if not isinstance(answers, dict):
            raise BadMessage()
        entry: Entry = {}
        for key, value in answers.items():
            question = self.question(int(key) if isinstance(key, str) and key.isdigit() else None)
            if question is None or not question.type.on_paper:
                raise UnknownQuestion()
            if value is None:
                continue
            try:
                entry[question.id] = (question.round, question.type.normalise_answer(question.settings, value))
            except Invalid as error:
                raise BallotAnswerError(question.position + 1, error) from None
        return entry

    def ballot_entry(self, typed: object, teller: int) -> Entry:
        """A teller's own entry of a ballot ({} when they have not entered it)."""
        ballot = self.ballots.get(self._ballot_key(typed))
        return ballot.entries.get(teller, {}) if ballot is not None else {}

    def _ballot_voter(self, ballot: Ballot) -> tuple[str, Member | None]:
        """Whose answers a ballot gives: the member whose code is on it, or (an open room) a participant of its
        own."""
        member = self._members.get(ballot.key)
        return (member.participant, member) if member is not None else (paper_participant(self.id, ballot.key), None)

    def _on_phone(self, ballot: Ballot) -> list[int]:
        """The questions of an agreed ballot that its member answered on a phone: those are not taken from it."""
        participant, _ = self._ballot_voter(ballot)
        found = []
        for question_id, (round_, _value) in sorted(ballot.entries[1].items()):
            question = self._by_id.get(question_id)
            own = question.rounds[round_].answers.get(participant) if question and round_ in question.rounds else None
            if own is not None and own.channel != PAPER:
                found.append(question_id)
        return found

    async def _count_ballot(self, ballot: Ballot) -> None:
        """Store the answers of a ballot both tellers entered alike, but not for questions answered on a phone."""
        participant, member = self._ballot_voter(ballot)
        on_phone = set(self._on_phone(ballot))
        now = self.now_ms()
        answers = [
            Answer(question_id, round_, participant, value, SHOWN, member.group if member else None,
                   member.weight if member else 1.0, PAPER, now)
            for question_id, (round_, value) in sorted(ballot.entries[1].items())
            if question_id not in on_phone and question_id in self._by_id
            and round_ in self._by_id[question_id].rounds
        ]  # fmt: skip

        def committed(_: None) -> None:
            for answer in answers:
                question = self._by_id.get(answer.question)
                tally = question.rounds.get(answer.round) if question else None
                if tally is not None:
                    tally.put(answer)
            self._results_changed = True
            self.schedule_results()

        await self._store.store_answers(self.id, answers, committed)
        ballot.counted = True
        ballot.on_phone = tuple(sorted(on_phone))

    def ballot_summary(self) -> dict[str, JSON]:
        """For the console: how many ballots were entered, counted, and differ between the tellers."""
        counted = sum(b.counted for b in self.ballots.values())
        differing = sum(bool(b.differences()) for b in self.ballots.values())
        return {"entered": len(self.ballots), "counted": counted, "differing": differing}

    def ballot_view(self, ballot: Ballot) -> dict[str, JSON]:
        """A ballot as the console lists it. The tellers' answers are shown only where both entered it and they
        differ, so neither sees the other's entry before typing their own."""
        differences = []
        for question_id in ballot.differences():
            question = self._by_id.get(question_id)
            if question is not None:
                said = [self._ballot_text(question, ballot.entries[t].get(question_id)) for t in TELLERS]
                differences.append({"question": question_id, "number": question.position + 1, "tellers": said})
        shown = codes.shown(ballot.key) if ballot.key in self._members else ballot.key
        return {"ballot": shown, "tellers": sorted(ballot.entries), "counted": ballot.counted,
                "differences": differences,
                "on_phone": [self._by_id[q].position + 1 for q in ballot.on_phone if q in self._by_id]}  # fmt: skip

    @staticmethod
    def _ballot_text(question: Question, said: tuple[int, JSON] | None) -> str:
        if said is None:
            return ""
        round_, value = said
        tally = question.rounds.get(round_)
        return tally.type.answer_text(tally.settings, value) if tally else ""

    def join(self, participant: str) -> Awaitable[str]:
        """Make sure the participant exists before it votes: awaited, its nickname."""
        return self._store.join(participant, self.id)

    async def vote(
        self, participant: str, vote_id: str, question_id: int, round_: int, value: object
    ) -> tuple[JSON, str]:
        """Store a participant's answer; returns the value as stored and its status (`pending`: it waits for the
        facilitator's approval) once it is committed (or was before: a resend). Anything else raises the error the
        phone is told."""
        member = self._voter(participant)
        question = self._require(question_id)
        if round_ != question.round:
            raise RoundPassed() if round_ < question.round else BadMessage()
        self._answerable(question)
        own = question.tally.answers.get(participant)
        if own is not None and own.channel == PAPER:
            raise OnPaper()
        kind = question.type
        normalised = kind.normalise_answer(question.settings, value)
        locked = not question.settings.get("allow_change", True)
        # Participants' own words wait for approval when the question says so, or when they trip the word filter.
        held = kind.has_text and (
            question.settings.get("premoderate", False) or any(self._words.flags(t) for t in kind.texts(normalised))
        )
        vote = Vote(participant, vote_id, question.id, round_, normalised, dumps(normalised), locked,
                    int(self._clock() * 1000), PENDING if held else SHOWN, on_commit=self._vote_committed)  # fmt: skip
        if member is not None:
            vote.group, vote.weight = member.group, member.weight
        outcome = await self._store.vote(vote)
        if outcome is Outcome.STORED or outcome is Outcome.DUPLICATE:
            return normalised, vote.status
        raise REFUSED[outcome]()

    def _voter(self, participant: str) -> Member | None:
        """Who answers: in a room that asks for codes, the member whose code the participant typed (their group and
        weight go with each answer); None in an open room. Raises for a removed participant, and in a room that asks
        for codes for one without a code or whose code was withdrawn."""
        if participant in self.removed:
            raise Removed()
        if self.sealed is not None:
            raise Ended()
        if self.access != "codes":
            return None
        if not self.may_answer(participant):
            raise CodeNeeded()
        return self._member_of[participant]

    def _answerable(self, question: Question) -> None:
        """A live room takes answers for the question on the screen while it is open; a consultation at the own
        pace for any open question, from its start."""
        if not question.type.answerable:
            raise BadMessage(N_("This question takes no answers."))
        paced = self.consultation.paced
        if paced and self.consultation.starts_ms is not None and self.now_ms() < self.consultation.starts_ms:
            raise NotStarted()
        if question.id != self.current_id and not paced:
            raise NotCurrent()
        if question.status != "open" or (question.closes_ms is not None and self.now_ms() >= question.closes_ms):
            raise Closed()

    def _vote_committed(self, vote: Vote) -> None:
        if vote.outcome is not Outcome.STORED or self.deleted:
            return
        question = self._by_id.get(vote.question)
        tally = question.rounds.get(vote.round) if question else None
        if tally is None:
            return
        tally.put(Answer(vote.question, vote.round, vote.participant, vote.value, vote.status, vote.group,
                         vote.weight, vote.channel, vote.received_ms))  # fmt: skip
        self._results_changed = True
        self.schedule_results()

    async def ask(self, participant: str, key: str, question_id: int, text: object, named: object) -> Post:
        """A participant sends a question to a Q&A (any moment it is not closed, current or not); returns it as
        stored (`pending`: it waits for the facilitator's approval). A resend with the same `key` is not stored
        twice. Sent `named`, it carries the participant's nickname, where the Q&A allows names."""
        self._voter(participant)
        question = self._require(question_id)
        kind = question.type
        if not kind.anytime:
            raise BadMessage(N_("This question takes no questions from the room."))
        if question.status == "closed":
            raise Closed()
        words = kind.normalise_post(question.settings, text)
        held = question.settings.get("premoderate", False) or self._words.flags(words)
        nickname = ""
        if named is True and question.settings.get("names", True) and self.names_allowed():
            nickname = await self._store.nickname(participant) or ""
        new = NewPost(question.id, question.round, participant, key, words, nickname, PENDING if held else SHOWN,
                      self.now_ms(), POSTS_EACH)  # fmt: skip
        post, _ = await self._store.add_post(new, self._post_committed)
        return post

    def _post_committed(self, post: Post) -> None:
        question = self._by_id.get(post.question)
        tally = question.rounds.get(post.round) if question else None
        if tally is None or self.deleted:
            return
        tally.put_post(post)
        self._board_changed = self._results_changed = True
        self.schedule_results()

    async def ask_as(self, participant: str, key: str, question: int, text: object, named: object) -> dict[str, JSON]:
        return self.own_post(await self.ask(participant, key, question, text, named))

    async def upvote(self, participant: str, question_id: int, round_: int, item: object, up: object) -> bool:
        """A participant upvotes an item (`up`: a Q&A post, or an open answer's card where the question has
        `voting`), or takes the upvote back; once each. Returns whether it changed anything."""
        self._voter(participant)
        if not isinstance(up, bool) or not isinstance(item, str):
            raise BadMessage()
        question = self._require(question_id)
        if not question.type.takes_upvotes(question.settings):
            raise BadMessage(N_("This question takes no upvotes."))
        if round_ != question.round:
            raise RoundPassed() if round_ < question.round else BadMessage()
        if not question.type.anytime:
            self._answerable(question)  # open answers are voted on while the question is on the screen and open
        elif question.status == "closed":
            raise Closed()
        if not question.tally.shown_item(item):
            raise UnknownCard()
        return await self._store.upvote(Upvote(question.id, round_, item, participant), up, self._upvote_committed(up))

    def _upvote_committed(self, up: bool) -> Callable[[Upvote], None]:
        def committed(upvote: Upvote) -> None:
            question = self._by_id.get(upvote.question)
            tally = question.rounds.get(upvote.round) if question else None
            if tally is None or self.deleted:
                return
            tally.upvote(upvote, up)
            self._board_changed = self._results_changed = True
            self.schedule_results()

        return committed

    def react(self, participant: str, reaction: object) -> None:
        """A participant's reaction (a thumb, a heart, a question mark, "speak up"). Kept in memory only and sent to
        the projector and console as counts at most once a second: a thousand phones tapping cost a counter each,
        never a write or a message per tap."""
        if not isinstance(reaction, str) or reaction not in REACTIONS:
            raise BadMessage(N_("Unknown reaction."))
        self._voter(participant)
        self._reactions[reaction] = self._reactions.get(reaction, 0) + 1
        if self._reactions_flush is None:
            self._reactions_flush = asyncio.get_running_loop().call_later(REACTIONS_INTERVAL, self._flush_reactions)

    def _flush_reactions(self) -> None:
        self._reactions_flush = None
        counts, self._reactions = self._reactions, {}
        if self.deleted or not counts:
            return
        message = dumps({"type": "reactions", "version": self.version, "counts": counts})
        self._hub.publish(self.topic("projector"), message)
        self._hub.publish(self.topic("facilitator"), message)

    def names_allowed(self) -> bool:
        """Whether participants may give a name: not where members answer anonymously or under a pseudonym, as a
        name would undo what they were promised (lab.anonymity)."""
        return self.access != "codes" or self.anonymity == NAMED

    async def set_nickname(self, participant: str, nickname: object) -> str:
        self._voter(participant)
        if not isinstance(nickname, str):
            raise BadMessage(N_("A name must be text."))
        if nickname.strip() and not self.names_allowed():
            raise Invalid(N_("In this vote the answers go without names."))
        nickname = " ".join(nickname.split())
        if len(nickname) > NICKNAME_LENGTH:
            raise Invalid(N_("A name can be at most %(max)d characters."), max=NICKNAME_LENGTH)
        if self._words.flags(nickname):
            raise Invalid(N_("Please choose another name."))
        await self._store.set_nickname(participant, nickname)
        if nickname:
            self._nicknames[participant] = nickname
        else:
            self._nicknames.pop(participant, None)
        return nickname

    # -- publishing --------------------------------------------------------------------------------------------------

    def _publish_state(self) -> None:
        question = self.current

        now = self.now_ms()

        def state(facilitator: bool) -> str:
            public = question.public(facilitator) if question else None
            return dumps({"type": "state", "version": self.version, "now": now, "lang": self.lang, "question": public})

        shared = state(False)
        for audience in AUDIENCES:
            self._hub.publish(self.topic(audience), state(True) if audience == "facilitator" else shared)
        questions = dumps(
            {"type": "questions", "version": self.version, "now": now, "current_since_ms": self.current_since_ms,
             "questions": [q.public() for q in self.questions]}
        )  # fmt: skip
        self._hub.publish(self.topic("facilitator"), questions)
        self._results_changed = True
        self.schedule_results(now=True)

    def schedule_results(self, now: bool = False) -> None:
        """Send results soon: at once if `now` or none went out lately, else when the interval has passed (for
        phones, their own interval: see `_send_phone_results`)."""
        if now:
            self._phones_now = True
        if self._flush is not None:
            if not now:
                return
            self._flush.cancel()
        loop = asyncio.get_running_loop()
        delay = 0.0 if now else max(0.0, self._last_flush + self._interval - time.monotonic())
        self._flush = loop.call_later(delay, self._flush_results)

    def _flush_results(self) -> None:
        self._flush = None
        self._last_flush = time.monotonic()
        if self.deleted:
            return
        question = self.current
        for audience in ("projector", "facilitator"):
            message = self._results_message(audience)
            if audience == "facilitator":
                message["queue"] = question.tally.queue() if question else None
            self._hub.publish(self.topic(audience), dumps(message))
        self._phones_due = self._phones_due or self._results_changed
        self._results_changed = False
        urgent, self._phones_now = self._phones_now, False
        self._send_phone_results(urgent)
        if self._board_changed and self._board_flush is None:
            self._board_flush = asyncio.get_running_loop().call_later(self._phone_interval, self._flush_board)

    def _results_message(self, audience: str) -> dict[str, JSON]:
        question = self.current
        results = self.results_for(audience)
        return {
            "type": "results",
            "version": self.version,
            "question": question.id if question else None,
            "round": question.round if question else None,
            "answers": question.tally.responses if question else 0,
            "participants": self.participants(),
            "turnout": self.turnout(question.tally) if question else None,
            "results": results,
            "earlier": self.earlier_for(results, audience),
        }

    def _send_phone_results(self, urgent: bool) -> None:
        """Phones get the results that changed once a phone interval at most, and at once when `urgent` (a new
        question, or results just shown): never more often than the projector, never more than an interval old."""
        if not self._phones_due:
            return
        question = self.current
        if question is None or not question.shown_on_phones:
            self._phones_due = False
            return
        wait = self._last_phone_flush + self._phone_interval - time.monotonic()
        if not urgent and wait > 0:
            if self._phone_flush is None:
                self._phone_flush = asyncio.get_running_loop().call_later(wait, self._flush_phones)
            return
        if self._phone_flush is not None:
            self._phone_flush.cancel()
            self._phone_flush = None
        self._phones_due = False
        self._last_phone_flush = time.monotonic()
        self._hub.publish(self.topic("phone"), dumps(self._results_message("phone")))

    def _flush_phones(self) -> None:
        self._phone_flush = None
        if not self.deleted:
            self._send_phone_results(urgent=True)

    def _flush_board(self) -> None:
        """Phones are sent the Q&A (its questions and upvotes) at their pace (`phone_interval`, a second): enough to
        follow a list of questions, and a congress of phones is not sent a long list on every tap."""
        self._board_flush = None
        if self.deleted or not self._board_changed:
            return
        self._board_changed = False
        board = self.board()
        if board == self._board_sent and not self._board_diverged:
            return  # every phone has it
        self._board_sent, self._board_diverged = board, False
        self._hub.publish(self.topic("phone"), dumps({"type": "board", "version": self.version, "board": board}))


def _field(params: Mapping[str, Any], name: str, kind: type) -> Any:
    """A parameter of the expected type (a bool is not taken for a number)."""
    value = params.get(name)
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise BadMessage()
    return value


def _new(spec: QuestionSpec) -> NewQuestion:
    return NewQuestion(spec.type, spec.prompt, dict(spec.settings))


class Rooms:
    """All rooms of this server: created and loaded through here, kept in memory once loaded."""

    def __init__(
        self,
        store: Store,
        hub: Hub,
        results_interval: float = 0.1,
        clock: Callable[[], float] = time.time,
        words: WordFilter | None = None,
        timers: bool = False,
        phone_interval: float = 1.0,
    ) -> None:
        self._store = store
        self._words = words
        self._timers = timers  # a serving process: its rooms end their countdowns
        self._hub = hub
        self._interval = results_interval
        self._phone_interval = phone_interval
        self._clock = clock
        self._loaded: dict[str, Room] = {}  # the rooms this process owns
        self._edges: dict[str, RemoteRoom] = {}  # rooms another process owns, whose sockets this one serves
        self._lock = asyncio.Lock()
        self._leases: Leases | None = None
        self._exchange: Exchange | None = None
        self._giving_up: set[asyncio.Task[None]] = set()

    def share(self, leases: Leases, exchange: Exchange) -> None:
        """Share rooms with other processes (lab.owners): each is owned by one, and served by every one."""
        self._leases, self._exchange = leases, exchange
        self._hub.backend.counted = self.counted
        self._hub.backend.departed = exchange.departed

    def counted(self, topic: str) -> None:
        """Other processes have more or fewer sockets on a topic: the screens of the room it is of follow."""
        for room in self._loaded.values():
            if topic == room.topic("phone"):
                room.participants_changed()

    @property
    def shared(self) -> bool:
        return self._leases is not None

    async def exists(self, code: str) -> bool:
        """Whether a room has this join code, without loading it: where several processes share one database, a
        room lives in the process its code is routed to (deploy/nginx.conf), and only that one loads it."""
        return code in self._loaded or await self._store.room_by_code(code) is not None

    async def get(self, code: str) -> Room | None:
        """The room with this join code, loaded from the store (every round's answers) on first use; None also when
        another process owns it (`port`)."""
        room = await self.port(code)
        return room if isinstance(room, Room) else None

    async def remote(self, code: str) -> RemoteRoom | None:
        """The room with this join code if another process owns it."""
        room = await self.port(code)
        return None if room is None or isinstance(room, Room) else room

    async def port(self, code: str) -> Room | RemoteRoom | None:
        """The room with this join code as sockets reach it: owned here (taken if nobody owns it), or by another
        process. Raises Unavailable when rooms are shared and Redis cannot say which process owns it."""
        room: Room | RemoteRoom | None = self._loaded.get(code) or self._edges.get(code)
        if room is not None:
            return room
        async with self._lock:
            room = self._loaded.get(code) or self._edges.get(code)
            if room is None:
                row = await self._store.room_by_code(code)
                if row is None:
                    return None
                room = await self._take(row)
        return room

    async def read(self, code: str) -> Room | None:
        """A room to read from (another room's answers beside this one's in a report): the room if owned here, else
        a copy loaded from the store for this once."""
        room = await self.port(code)
        if room is None or isinstance(room, Room):
            return room
        data = await self._store.load_room(room.id)
        return Room(data, self._store, Hub(), self._interval, self._clock, self._words)

    async def _take(self, row: RoomRow) -> Room | RemoteRoom:
        """A room this process owns from now on (nobody else did), or one it serves as an edge of its owner."""
        if self._leases is None or self._exchange is None:
            return await self._load(row)
        owner = await self._leases.claim(row.code)
        if owner == self._leases.name:
            return await self._load(row)
        remote = self._exchange.edge(row)
        self._edges[row.code] = remote
        self._leases.watch(row.code, owner)
        return remote

    async def _load(self, row: RoomRow) -> Room:
        data = await self._store.load_room(row.id)
        room = Room(
            data, self._store, self._hub, self._interval, self._clock, self._words, self._timers, self._phone_interval
        )
        self._loaded[room.code] = room
        if self._exchange is not None:
            await self._exchange.serve(room)
        return room

    def lost(self, code: str) -> None:
        """Another process owns a room this one owned (its lease ran out): this one lets go of it, and its sockets
        here reconnect to be served as an edge."""
        room = self._loaded.pop(code, None)
        if room is None:
            return
        room.moved = True
        room.stop_timers()
        for audience in AUDIENCES:
            self._hub.close(room.topic(audience))
        if self._exchange is not None:
            task = asyncio.create_task(self._exchange.unserve(room))
            self._giving_up.add(task)
            task.add_done_callback(self._giving_up.discard)

    def moved(self, code: str) -> None:
        """A room served here as an edge has another owner, or none: its sockets here reconnect to whoever owns it
        by then (the first process asked takes it over)."""
        remote = self._edges.pop(code, None)
        if remote is not None and self._exchange is not None:
            self._exchange.drop_edge(remote)

    async def create(
        self,
        title: str,
        questions: Sequence[QuestionSpec],
        deck: str | None = None,
        serve_deck: str | None = None,
        lang: str = DEFAULT_LANGUAGE,
        details: Details | None = None,
        access: str = "open",
        consultation: Consultation | None = None,
        privacy_floor: int = FLOOR,
        anonymity: str = ANONYMOUS,
    ) -> Room:
        """A new room with a fresh six-digit join code and new secret keys; `lang` is its text's language, `access`
        "codes" where only members answer (lab.members), `consultation` how it runs (lab.consultation)."""
        specs = [_new(q) for q in questions]
        for _ in range(50):
            code = str(secrets.randbelow(900_000) + 100_000)
            keys = (secrets.token_urlsafe(24), secrets.token_urlsafe(24))
            row = await self._store.create_room(code, title, deck, serve_deck, keys, specs, lang, details, access)
            if row is not None:
                async with self._lock:
                    taken = await self._take(row)
                if not isinstance(taken, Room):  # another process holds a lease of an old room with this code
                    raise Hub.unavailable()  # (it runs out within seconds; the room is there, and opens then)
                room = taken
                if consultation is not None and consultation != Consultation():
                    await room.set_consultation(consultation)
                if privacy_floor != room.privacy_floor:
                    await room.set_privacy_floor(privacy_floor)
                if anonymity != room.anonymity:
                    await room.set_anonymity(anonymity)
                return room
        raise RuntimeError("no free join code found")  # 50 collisions in 900,000 codes: the table is nearly full

    def stop_timers(self) -> None:
        """The server is stopping: no countdown writes any more (they resume at the next start)."""
        self._timers = False
        for room in self._loaded.values():
            room.stop_timers()

    async def resume_timers(self) -> list[str]:
        """Load every room with a running countdown, so each closes its question on time after a restart."""
        codes = await self._store.rooms_with_timers()
        for code in codes:
            await self.get(code)
        return codes

    async def for_served_deck(self, serve_deck: str, file: str) -> Room | None:
        """The room `lab serve --deck` made for this deck file before, if any (so it keeps its code and QR)."""
        row = await self._store.room_for_served_deck(serve_deck, file)
        return None if row is None else await self.get(row.code)

    async def all(self) -> list[RoomRow]:
        return await self._store.rooms()

    async def delete(self, code: str) -> bool:
        """Delete a room completely: its questions, rounds, participants and answers. Its sockets are closed."""
        room = await self.get(code)
        if room is None:
            return False

        def gone(_: None) -> None:  # at commit, before the (possibly slow) checkpoint: no socket may join it now
            room.deleted = True
            room.stop_timers()
            self._loaded.pop(code, None)
            for audience in AUDIENCES:
                self._hub.close(room.topic(audience))

        await self._store.delete_room(room.id, gone)
        if self._leases is not None and self._exchange is not None:  # its edges find it gone within a beat
            await self._exchange.unserve(room)
            await self._leases.release(code)
        return True

    async def delete_older_than(self, days: int, keep: Sequence[str] = ()) -> list[str]:
        """Delete rooms created more than `days` days ago (the retention period), except those in `keep` (the room
        a running `lab serve --deck` shows); returns their codes."""
        stamp = (datetime.fromtimestamp(self._clock(), UTC) - timedelta(days=days)).isoformat(timespec="seconds")
        codes = [code for code in await self._store.rooms_created_before(stamp) if code not in keep]
        for code in codes:
            await self.delete(code)
        return codes
