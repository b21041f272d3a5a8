"""Rooms: the live domain. Create a room, push / open / close / reveal / reset, take votes.

Every change is written through the database's single writer; the in-memory room (questions, answers and their
incremental aggregates) is updated in the write's on_commit callback and events are published after that, so
what the screens see never runs ahead of what is stored. Results go out coalesced: at most one `results` message
per room per interval, however many votes arrive. Nothing here knows about HTTP or websockets.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from . import db
from .db import Database, Outcome, QuestionRow, RoomRow, Vote
from .decks import QuestionSpec
from .hub import Hub
from .questions import JSON, TYPES, Aggregate, AnswerError, QuestionType
from .questions.opentext import OpenAggregate
from .wire import dumps

AUDIENCES = ("phone", "projector", "facilitator")
NICKNAME_LENGTH = 40


class RoomError(Exception):
    """An action that cannot be done. `code` is sent to the client; `msgid` is translated for people."""

    def __init__(self, code: str, msgid: str, **params: object) -> None:
        super().__init__(msgid % params if params else msgid)
        self.code = code
        self.msgid = msgid
        self.params = params


@dataclass
class Question:
    """A question in a live room, with its answers (participant -> value) and their aggregate."""

    id: int
    position: int
    type: QuestionType
    prompt: str
    settings: dict[str, JSON]
    status: str
    results_projector: bool
    results_phones: bool
    round: int
    answers: dict[str, JSON] = field(default_factory=dict)
    aggregate: Aggregate = field(init=False)

    def __post_init__(self) -> None:
        self.aggregate = self.type.new_aggregate(self.settings)

    @classmethod
    def from_row(cls, row: QuestionRow) -> Question:
        return cls(
            row.id, row.position, TYPES[row.type], row.prompt, row.settings, row.status,
            row.results_projector, row.results_phones, row.round,
        )  # fmt: skip

    def public(self) -> dict[str, JSON]:
        return {
            "id": self.id,
            "position": self.position,
            "type": self.type.name,
            "prompt": self.prompt,
            "settings": self.settings,
            "status": self.status,
            "results_projector": self.results_projector,
            "results_phones": self.results_phones,
            "round": self.round,
        }

    def apply(self, participant: str, value: JSON) -> None:
        old = self.answers.get(participant)
        if old is not None:
            self.aggregate.remove(participant, old)
        self.answers[participant] = value
        self.aggregate.add(participant, value)

    def clear(self) -> None:
        self.answers.clear()
        self.aggregate = self.type.new_aggregate(self.settings)


class Room:
    """One live run of a deck: its questions, which one is current, and who is watching."""

    def __init__(self, row: RoomRow, questions: list[Question], store: Database, hub: Hub, interval: float) -> None:
        self.id = row.id
        self.code = row.code
        self.title = row.title
        self.deck = row.deck
        self.facilitator_key = row.facilitator_key
        self.projector_key = row.projector_key
        self.current_id = row.current_question_id
        self.version = row.version
        self.created_at = row.created_at
        self.questions = questions
        self.deleted = False
        self._db = store
        self._hub = hub
        self._interval = interval
        self._flush_handle: asyncio.TimerHandle | None = None
        self._last_flush = 0.0
        self._results_changed = False

    # -- looking --------------------------------------------------------------------------------------------------

    def topic(self, audience: str) -> str:
        return f"room:{self.id}:{audience}"

    @property
    def current(self) -> Question | None:
        return self.question(self.current_id) if self.current_id is not None else None

    def question(self, question_id: object) -> Question | None:
        for question in self.questions:
            if question.id == question_id:
                return question
        return None

    def participants(self) -> int:
        """Phones connected right now."""
        return self._hub.count(self.topic("phone"))

    def results_for(self, audience: str) -> dict[str, JSON] | None:
        question = self.current
        if question is None:
            return None
        if audience == "facilitator":
            return question.aggregate.results(facilitator=True)
        shown = question.results_projector if audience == "projector" else question.results_phones
        return question.aggregate.results() if shown else None

    def snapshot(self, audience: str, participant: str | None = None, nickname: str = "") -> dict[str, JSON]:
        """Everything a client needs to draw its screen from nothing."""
        question = self.current
        message: dict[str, JSON] = {
            "type": "snapshot",
            "version": self.version,
            "room": {"code": self.code, "title": self.title},
            "question": question.public() if question else None,
            "results": self.results_for(audience),
            "answers": len(question.answers) if question else 0,
            "participants": self.participants(),
        }
        if audience == "phone":
            message["answer"] = question.answers.get(participant) if question and participant else None
            message["nickname"] = nickname
        if audience == "facilitator":
            message["questions"] = [q.public() for q in self.questions]
        return message

    # -- facilitator actions ---------------------------------------------------------------------------------------

    def _require(self, question_id: object) -> Question:
        question = self.question(question_id)
        if question is None:
            raise RoomError("unknown_question", "This question does not exist (any more).")
        return question

    async def _change(self, ops: Sequence[Callable[[db.Conn], Awaitable[Any]]], apply: Callable[[], None]) -> None:
        """Write `ops` with a version bump; on commit, update memory with `apply` and tell every screen."""

        async def change(conn: db.Conn) -> None:
            for op in ops:
                await op(conn)

        def committed(result: tuple[int, None]) -> None:
            self.version = result[0]
            apply()
            self._publish_state()

        await self._db.change_room(self.id, change, committed)

    async def push(self, question_id: int | None) -> None:
        """Make a question current (None: the waiting screen). A question never opened before opens."""
        question = self._require(question_id) if question_id is not None else None
        opens = question is not None and question.status == "hidden"
        ops = [db.set_current(self.id, question_id)]
        if question is not None and opens:
            ops.append(db.set_question_state(question.id, status="open"))

        def apply() -> None:
            self.current_id = question_id
            if question is not None and opens:
                question.status = "open"

        await self._change(ops, apply)

    async def step(self, delta: int) -> None:
        """Push the next (+1) or previous (-1) question; from the waiting screen, next pushes the first."""
        ids = [q.id for q in self.questions]
        if not ids:
            raise RoomError("unknown_question", "This room has no questions yet.")
        start = 0 if delta > 0 else len(ids) - 1
        index = ids.index(self.current_id) + delta if self.current_id in ids else start
        if not 0 <= index < len(ids):
            raise RoomError("no_more", "There is no question in that direction.")
        await self.push(ids[index])

    async def set_status(self, question_id: object, status: str) -> None:
        question = self._require(question_id)

        def apply() -> None:
            question.status = status

        await self._change([db.set_question_state(question.id, status=status)], apply)

    async def show_results(self, question_id: object, target: str, show: bool) -> None:
        question = self._require(question_id)
        if target not in ("projector", "phones"):
            raise RoomError("bad_message", "Unknown target.")

        def apply() -> None:
            if target == "projector":
                question.results_projector = show
            else:
                question.results_phones = show

        on_projector = show if target == "projector" else None
        on_phones = show if target == "phones" else None
        await self._change([db.set_question_state(question.id, projector=on_projector, phones=on_phones)], apply)

    async def reset(self, question_id: object) -> None:
        """Delete every answer to a question; phones see it unanswered (its round grows)."""
        question = self._require(question_id)

        def apply() -> None:
            question.clear()
            question.round += 1

        await self._change([db.delete_answers(question.id)], apply)

    async def hide_card(self, question_id: object, card: str, hidden: bool) -> None:
        question = self._require(question_id)
        aggregate = question.aggregate
        participant = aggregate.participant_for(card) if isinstance(aggregate, OpenAggregate) else None
        if participant is None or not isinstance(aggregate, OpenAggregate):
            raise RoomError("unknown_card", "This answer does not exist (any more).")

        def apply() -> None:
            aggregate.set_hidden(participant, hidden)

        await self._change([db.set_hidden(question.id, participant, hidden)], apply)

    # -- editing ---------------------------------------------------------------------------------------------------

    async def add_question(self, spec: QuestionSpec) -> Question:
        added: list[Question] = []

        async def change(conn: db.Conn) -> QuestionRow:
            return await db.add_question(self.id, spec.type, spec.prompt, dict(spec.settings))(conn)

        def committed(result: tuple[int, QuestionRow]) -> None:
            self.version = result[0]
            added.append(Question.from_row(result[1]))
            self.questions.append(added[0])
            self._publish_state()

        await self._db.change_room(self.id, change, committed)
        return added[0]

    async def update_question(self, question_id: object, spec: QuestionSpec) -> Question:
        """Change a question. It must not be open; answers that no longer fit the new settings are deleted."""
        question = self._require(question_id)
        if question.status == "open":
            raise RoomError("open", "Close the question before you change it.")
        kind = TYPES[spec.type]
        keep = kind.answers_still_fit(question.type.name, question.settings, spec.settings)
        settings = dict(spec.settings)
        ops = [db.update_question(question.id, spec.type, spec.prompt, settings)]
        if not keep:
            ops.append(db.delete_answers(question.id))

        def apply() -> None:
            answers = dict(question.answers) if keep else {}
            old = question.aggregate
            question.type, question.prompt, question.settings = kind, spec.prompt, settings
            question.clear()
            if not keep:
                question.round += 1
            for participant, value in answers.items():
                question.apply(participant, value)
            if keep and isinstance(old, OpenAggregate) and isinstance(question.aggregate, OpenAggregate):
                question.aggregate.hidden = old.hidden

        await self._change(ops, apply)
        return question

    async def delete_question(self, question_id: object) -> None:
        question = self._require(question_id)
        remaining = [q for q in self.questions if q is not question]
        ops = [db.delete_question(question.id), db.set_positions([q.id for q in remaining])]

        def apply() -> None:
            self.questions = remaining
            for position, q in enumerate(remaining):
                q.position = position
            if self.current_id == question.id:
                self.current_id = None

        await self._change(ops, apply)

    async def move_question(self, question_id: object, position: int) -> None:
        question = self._require(question_id)
        if not 0 <= position < len(self.questions):
            raise RoomError("invalid", "There is no such position.")
        order = [q for q in self.questions if q is not question]
        order.insert(position, question)

        def apply() -> None:
            self.questions = order
            for index, q in enumerate(order):
                q.position = index

        await self._change([db.set_positions([q.id for q in order])], apply)

    # -- participants ------------------------------------------------------------------------------------------------

    async def vote(self, participant: str, vote_id: str, question_id: object, value: object) -> JSON:
        """Store a participant's answer; returns the value as stored once it is committed."""
        question = self._require(question_id)
        if question.id != self.current_id:
            raise RoomError("not_current", "This question is no longer on the screen.")
        if question.status != "open":
            raise RoomError("closed", "This question is closed.")
        try:
            normalised = question.type.normalise_answer(question.settings, value)
        except AnswerError as error:
            raise RoomError(error.code, error.msgid, **error.params) from None

        def committed(outcome: Outcome) -> None:
            if outcome is Outcome.STORED and question in self.questions:
                question.apply(participant, normalised)
                self._results_changed = True
                self.schedule_results()

        locked = not question.settings.get("allow_change", True)
        outcome = await self._db.vote(Vote(participant, vote_id, question.id, normalised, locked, committed))
        if outcome is Outcome.LOCKED:
            raise RoomError("locked", "You have answered already; this answer cannot be changed.")
        return normalised

    async def join(self, participant: str) -> None:
        """Make sure the participant exists in the database before it votes."""
        await self._db.ensure_participant(participant, self.id)

    async def set_nickname(self, participant: str, nickname: object) -> str:
        if not isinstance(nickname, str):
            raise RoomError("bad_message", "A name must be text.")
        nickname = " ".join(nickname.split())
        if len(nickname) > NICKNAME_LENGTH:
            raise RoomError("invalid", "A name can be at most %(max)d characters.", max=NICKNAME_LENGTH)
        await self._db.set_nickname(participant, nickname)
        return nickname

    # -- publishing --------------------------------------------------------------------------------------------------

    def _publish_state(self) -> None:
        question = self.current
        state = dumps({"type": "state", "version": self.version, "question": question.public() if question else None})
        for audience in AUDIENCES:
            self._hub.publish(self.topic(audience), state)
        questions = dumps(
            {"type": "questions", "version": self.version, "questions": [q.public() for q in self.questions]}
        )
        self._hub.publish(self.topic("facilitator"), questions)
        self._results_changed = True
        self.schedule_results(now=True)

    def schedule_results(self, now: bool = False) -> None:
        """Send results soon: at once if `now` or none went out lately, else when the interval has passed."""
        if self._flush_handle is not None:
            if not now:
                return
            self._flush_handle.cancel()
        loop = asyncio.get_running_loop()
        delay = 0.0 if now else max(0.0, self._last_flush + self._interval - time.monotonic())
        self._flush_handle = loop.call_later(delay, self._flush_results)

    def _flush_results(self) -> None:
        self._flush_handle = None
        self._last_flush = time.monotonic()
        if self.deleted:
            return
        question = self.current
        base = {
            "type": "results",
            "version": self.version,
            "question": question.id if question else None,
            "answers": len(question.answers) if question else 0,
            "participants": self.participants(),
        }
        self._hub.publish(self.topic("facilitator"), dumps({**base, "results": self.results_for("facilitator")}))
        self._hub.publish(self.topic("projector"), dumps({**base, "results": self.results_for("projector")}))
        if self._results_changed and question is not None and question.results_phones:
            self._hub.publish(self.topic("phone"), dumps({**base, "results": self.results_for("phone")}))
        self._results_changed = False


class Rooms:
    """All rooms of this server: created and loaded through here, kept in memory once loaded."""

    def __init__(self, store: Database, hub: Hub, results_interval: float = 0.1) -> None:
        self._db = store
        self._hub = hub
        self._interval = results_interval
        self._loaded: dict[str, Room] = {}
        self._lock = asyncio.Lock()

    async def get(self, code: str) -> Room | None:
        """The room with this join code, loaded from the database (answers and aggregates) on first use."""
        room = self._loaded.get(code)
        if room is not None:
            return room
        async with self._lock:
            room = self._loaded.get(code)
            if room is None:
                row = await self._db.room_by_code(code)
                if row is None:
                    return None
                room = await self._load(row)
                self._loaded[code] = room
        return room

    async def _load(self, row: RoomRow) -> Room:
        questions = [Question.from_row(q) for q in await self._db.questions(row.id)]
        by_id = {q.id: q for q in questions}
        for answer in await self._db.answers(row.id):
            question = by_id[answer.question_id]
            question.apply(answer.participant_id, answer.value)
            if answer.hidden and isinstance(question.aggregate, OpenAggregate):
                question.aggregate.set_hidden(answer.participant_id, True)
        return Room(row, questions, self._db, self._hub, self._interval)

    async def create(self, title: str, questions: Sequence[QuestionSpec], deck: str | None = None) -> Room:
        """A new room with a fresh six-digit join code and new secret keys."""
        specs = [(q.type, q.prompt, dict(q.settings)) for q in questions]
        for _ in range(50):
            code = str(secrets.randbelow(900_000) + 100_000)
            keys = (secrets.token_urlsafe(24), secrets.token_urlsafe(24))
            row = await self._db.create_room(code, title, deck, keys, specs)
            if row is not None:
                room = await self._load(row)
                self._loaded[code] = room
                return room
        raise RuntimeError("no free join code found")  # 50 collisions in 900,000 codes: the table is nearly full

    async def for_deck(self, deck: str) -> Room | None:
        """The newest room made from this deck file, if any (so `lab serve --deck` keeps its room)."""
        row = await self._db.latest_room_for_deck(deck)
        return None if row is None else await self.get(row.code)

    async def all(self) -> list[RoomRow]:
        return await self._db.rooms()

    async def delete(self, code: str) -> bool:
        """Delete a room completely: its questions, participants and answers. Its sockets are closed."""
        room = await self.get(code)
        if room is None:
            return False
        await self._db.delete_room(room.id)
        room.deleted = True
        self._loaded.pop(code, None)
        for audience in AUDIENCES:
            self._hub.close(room.topic(audience))
        return True

    async def delete_older_than(self, days: int) -> list[str]:
        """Delete rooms created more than `days` days ago (the retention period); returns their codes."""
        stamp = (datetime.now(UTC) - timedelta(days=days)).isoformat(timespec="seconds")
        codes = await self._db.rooms_created_before(stamp)
        for code in codes:
            await self.delete(code)
        return codes
