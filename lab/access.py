"""Who may do what: participant ids, screen grants and keys, all kept in the signed session cookie.

The session (Starlette's SessionMiddleware: signed with the server's persistent secret, HttpOnly,
SameSite=Lax) holds a random participant id per room, the rooms this browser may project or steer, the
organiser login and a CSRF token. Grants name room ids, which are never reused, so a grant cannot carry over to
a later room that happens to get the same join code.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import MutableMapping
from typing import Any, Literal

from .rooms import Room

Role = Literal["facilitator", "projector"]
Session = MutableMapping[str, Any]
MAX_REMEMBERED_ROOMS = 20


def participant_id(session: Session, room: Room, *, create: bool = False) -> str | None:
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


def has_role(session: Session, room: Room, role: Role) -> bool:
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
