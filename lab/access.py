"""Who may do what: participant ids, screen grants and keys, all kept in the signed session cookie.

The session (Starlette's SessionMiddleware: signed with the server's persistent secret, HttpOnly,
SameSite=Lax) holds a random participant id per room, the rooms this browser may project or steer, the
organiser login and a CSRF token. Grants name room ids, which are never reused, so a grant cannot carry over to
a later room that happens to get the same join code. `LoginGuard` checks the organiser password without letting
anyone slow the room.
"""

from __future__ import annotations

import asyncio
import hmac
import secrets
import time
from collections import Counter, deque
from collections.abc import Callable, MutableMapping
from typing import Any, Literal, Protocol

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from .errors import N_, TooManyAttempts
from .members import Member
from .rooms import Room

Role = Literal["facilitator", "projector"]


class Identified(Protocol):
    """A room as the session knows it: by its id (a `Room`, or a room another process owns: lab.owners)."""

    @property
    def id(self) -> int: ...


Session = MutableMapping[str, Any]
MAX_REMEMBERED_ROOMS = 20


def participant_id(session: Session, room: Identified, *, create: bool = False) -> str | None:
    """This browser's participant id in the room; a new random one when `create` and there is none."""
    ids = session.get("p")
    ids = dict(ids) if isinstance(ids, dict) else {}
    found = ids.get(str(room.id))
    if isinstance(found, str):
        return found
    if not create:
        return None
    found = secrets.token_urlsafe(12)
    ids[str(room.id)] = found
    session["p"] = dict(list(ids.items())[-MAX_REMEMBERED_ROOMS:])
    return found


def next_person(session: Session, room: Room) -> None:
    """A kiosk's next person: a new participant id in the room (and no member code until they type theirs)."""
    answer_as(session, room, secrets.token_urlsafe(12))
    _remember(session, "code", room, None)
    _remember(session, "proxy", room, None)


def kiosk(session: Session, room: Identified) -> bool:
    """Whether this browser is a kiosk in the room: a tablet on which one person after another answers."""
    rooms = session.get("kiosk")
    return isinstance(rooms, list) and room.id in rooms


def set_kiosk(session: Session, room: Room, on: bool) -> None:
    rooms = session.get("kiosk")
    rooms = [r for r in rooms if isinstance(r, int) and r != room.id] if isinstance(rooms, list) else []
    session["kiosk"] = ([*rooms, room.id] if on else rooms)[-MAX_REMEMBERED_ROOMS:]


def answer_as(session: Session, room: Room, participant: str, code: str | None = None) -> None:
    """From now on this browser answers in the room as `participant`; with `code`, as the member it belongs to
    (the code typed is kept: a code given anew in its place ends what the old one allowed)."""
    _remember(session, "p", room, participant)
    if code is not None:
        _remember(session, "code", room, code)


def _remember(session: Session, key: str, room: Identified, value: str | None) -> None:
    """Set (None: forget) this browser's `key` for the room, remembering it for the last rooms only."""
    kept = session.get(key)
    kept = {k: v for k, v in kept.items() if k != str(room.id)} if isinstance(kept, dict) else {}
    if value is not None:
        kept[str(room.id)] = value
    session[key] = dict(list(kept.items())[-MAX_REMEMBERED_ROOMS:])


def _remembered(session: Session, key: str, room: Identified) -> str | None:
    kept = session.get(key)
    found = kept.get(str(room.id)) if isinstance(kept, dict) else None
    return found if isinstance(found, str) else None


def may_answer(session: Session, room: Room, participant: str) -> bool:
    """In a room for members only: whether this browser answers as a member (`Room.answers_with`)."""
    return room.answers_with(participant, *member_grant(session, room))


def member_grant(session: Session, room: Identified) -> tuple[str | None, str | None]:
    """What this browser holds in a room for members only: the code it typed, and while it votes by proxy the
    participant of the member who holds the proxy (`Room.enter` checks them, in whichever process owns the room)."""
    return _remembered(session, "code", room), proxy_home(session, room)


def proxy_home(session: Session, room: Identified) -> str | None:
    """While this browser votes by proxy (volmacht) in the room: the participant of the member who holds it."""
    return _remembered(session, "proxy", room)


def vote_by_proxy(session: Session, room: Room, holder: str | None, giver: str) -> None:
    """The member who holds a proxy now answers as the member who gave it (`holder` None: back as themselves)."""
    _remember(session, "proxy", room, holder)
    answer_as(session, room, giver)


def role_for_key(room: Room, key: str) -> Role | None:
    """The role a key gives in a room, compared in constant time."""
    if hmac.compare_digest(key.encode(), room.facilitator_key.encode()):
        return "facilitator"
    if hmac.compare_digest(key.encode(), room.projector_key.encode()):
        return "projector"
    return None


def grant(session: Session, room: Room, role: Role) -> None:
    grants = session.get(role)
    rooms = [r for r in grants if isinstance(r, int) and r != room.id] if isinstance(grants, list) else []
    session[role] = [*rooms, room.id][-MAX_REMEMBERED_ROOMS:]


def has_role(session: Session, room: Identified, role: Role) -> bool:
    """Facilitators may also project."""
    roles: tuple[Role, ...] = ("facilitator",) if role == "facilitator" else ("facilitator", "projector")
    return any(isinstance(session.get(r), list) and room.id in session[r] for r in roles)


def csrf_token(session: Session) -> str:
    token = session.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(24)
        session["csrf"] = token
    return token


def csrf_ok(session: Session, presented: object) -> bool:
    token = session.get("csrf")
    return isinstance(token, str) and isinstance(presented, str) and hmac.compare_digest(token, presented)


class Failures:
    """Wrong guesses per address within a sliding window: an address that made `attempts` within `window` seconds
    is refused until the oldest of them leaves the window."""

    def __init__(self, attempts: int, window: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.attempts = attempts
        self._window = window
        self._clock = clock
        self._failures: dict[str, deque[float]] = {}

    def count(self, address: str) -> int:
        failures = self._failures.get(address)
        now = self._clock()
        while failures and failures[0] <= now - self._window:
            failures.popleft()
        return len(failures or ())

    def add(self, address: str) -> None:
        now = self._clock()
        if len(self._failures) > 10_000:  # forget addresses whose failures are all older than the window
            self._failures = {a: f for a, f in self._failures.items() if f and f[-1] > now - self._window}
        self._failures.setdefault(address, deque()).append(now)


class CodeGuard:
    """Member codes (lab.members) tried from one address: `attempts` wrong ones a minute, then "wait a minute".
    Looking a code up costs a dictionary lookup, so this is not about the server's time but about guessing: at 20
    a minute an address needs about a year to hit one of 20,000 codes."""

    def __init__(self, attempts: int = 20, window: float = 60.0, clock: Callable[[], float] = time.monotonic) -> None:
        self._failures = Failures(attempts, window, clock)

    def check(self, address: str, room: Room, typed: str) -> Member | None:
        """The member whose code was typed; None for a wrong one (counted). Raises TooManyAttempts instead."""
        if self._failures.count(address) >= self._failures.attempts:
            raise TooManyAttempts(N_("Too many wrong codes. Wait a minute and try again."))
        member = room.member(typed)
        if member is None:
            self._failures.add(address)
        return member


class LoginGuard:
    """The organiser password check, made harmless to the room.

    Argon2 is slow on purpose (tens of milliseconds of CPU per check). On the event loop, one attacker without a
    password would slow every vote a hundredfold and four would stop the room. So checks run in a worker thread, one
    at a time; an address that gave `attempts` wrong passwords within `window` seconds is refused without a check,
    and when `queue` checks are already waiting, further ones are refused too (whoever floods the form cannot make
    the next real organiser wait long, nor use more than one core's share)."""

    def __init__(
        self, hasher: PasswordHasher, hashed: str, attempts: int = 5, window: float = 60.0, queue: int = 8,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:  # fmt: skip
        self._hasher = hasher
        self._hashed = hashed
        self._queue = queue
        self._failures = Failures(attempts, window, clock)
        self._checking: Counter[str] = Counter()  # checks under way per address: they count as attempts
        self._gate = asyncio.Lock()
        self._waiting = 0

    async def check(self, address: str, password: str) -> bool:
        """Whether `password` is the organiser's; raises TooManyAttempts instead of checking when refused."""
        if self._failures.count(address) + self._checking[address] >= self._failures.attempts or (
            self._waiting >= self._queue
        ):
            raise TooManyAttempts()
        self._waiting += 1
        self._checking[address] += 1
        try:
            async with self._gate:
                right = await asyncio.to_thread(self._verify, password)
        finally:
            self._waiting -= 1
            self._checking[address] -= 1
            if not self._checking[address]:
                del self._checking[address]
        if not right:
            self._failures.add(address)
        return right

    def _verify(self, password: str) -> bool:
        try:
            return bool(self._hasher.verify(self._hashed, password))
        except (VerificationError, InvalidHashError):
            return False
