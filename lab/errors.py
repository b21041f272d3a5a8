"""Every error lab tells a person about, in one hierarchy.

An error knows how it travels: `code` is the machine-readable word in a JSON error body and in a websocket `error`
message, `status` the HTTP status of a JSON or page answer, `close` the websocket close code when the error ends a
socket, and `msgid` the English gettext message id that is translated into the page's or socket's language where it
is shown (params fill its %(name)s placeholders). Views and sockets never pick a status or a code themselves: they
raise or catch a `LabError` and use what it carries.

Nothing here knows HTTP, SQL or websockets beyond these numbers.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import ClassVar


def N_(message: str) -> str:
    """Marks an English message id for extraction; it is translated where it is shown."""
    return message


class Term(str):
    """A word in a table that is interface text (translated where it is shown), unlike participant text."""


class LabError(Exception):
    """Something a person should be told. Subclasses set the class attributes; an instance may pass another
    message id (and its params) for the same kind of error."""

    code: ClassVar[str] = "server_error"
    status: ClassVar[int] = 500
    close: ClassVar[int | None] = None
    msgid: str = N_("Something went wrong. Please try again.")

    def __init__(self, msgid: str | None = None, /, **params: object) -> None:
        if msgid is not None:
            self.msgid = msgid
        self.params = params
        super().__init__(self.msgid % params if params else self.msgid)


class ServerError(LabError):
    """Something unexpected; nothing was changed (or, for a vote, nothing is known to be stored)."""


# -- the request or message itself --------------------------------------------------------------------------------


class BadMessage(LabError):
    code = "bad_message"
    status = 400
    msgid = N_("This message was not understood.")


class Invalid(LabError):
    """A value that does not fit: an answer, a setting, a name, a position."""

    code = "invalid"
    status = 400
    msgid = N_("This is not valid.")


class TooLarge(LabError):
    code = "too_large"
    status = 413
    msgid = N_("This is too large.")


class RateLimited(LabError):
    code = "rate_limited"
    status = 429
    msgid = N_("Too many messages at once. Wait a moment and try again.")


class TooManyConnections(LabError):
    code = "too_many_connections"
    status = 429
    close: ClassVar[int | None] = 4429
    msgid = N_("Too many connections from your network. Try again in a moment.")


class TooManyAttempts(LabError):
    code = "too_many_attempts"
    status = 429
    msgid = N_("Too many wrong passwords. Wait a minute and try again.")


# -- who may do it ------------------------------------------------------------------------------------------------


class Forbidden(LabError):
    code = "forbidden"
    status = 403
    close: ClassVar[int | None] = 4403
    msgid = N_("You may not do that.")


class NotAllowed(Forbidden):
    """An action of another audience (a phone sending a facilitator's action); the socket carries on."""

    code = "not_allowed"
    close = None
    msgid = N_("You may not do that here.")


class Removed(Forbidden):
    """A participant the facilitator removed from the room."""

    code = "removed"
    msgid = N_("You can no longer take part in this session.")


class CodeNeeded(Forbidden):
    """A room that asks for member codes (lab.members), and a participant without one, or whose code was withdrawn."""

    code = "code_needed"
    close = None
    msgid = N_("This session asks for the code on your letter first.")


class NoParticipant(Forbidden):
    code = "no_participant"
    close: ClassVar[int | None] = 4400
    msgid = N_("Open the room's page first.")


# -- what it is about ---------------------------------------------------------------------------------------------


class NotFound(LabError):
    code = "not_found"
    status = 404
    close: ClassVar[int | None] = 4404
    msgid = N_("This does not exist.")


class UnknownQuestion(NotFound):
    code = "unknown_question"
    close = None
    msgid = N_("This question does not exist (any more).")


class UnknownCard(NotFound):
    code = "unknown_card"
    close = None
    msgid = N_("This answer does not exist (any more).")


# -- the state it meets --------------------------------------------------------------------------------------------


class Conflict(LabError):
    """The room is not in a state that allows it (now)."""

    code = "conflict"
    status = 409
    msgid = N_("This cannot be done now.")


class NotCurrent(Conflict):
    code = "not_current"
    msgid = N_("This question is no longer on the screen.")


class Closed(Conflict):
    code = "closed"
    msgid = N_("This question is closed.")


class StillOpen(Conflict):
    code = "open"
    msgid = N_("Close the question before you change it.")


class NewRoundNeeded(Conflict):
    """An edit that changes what the answers of a question mean (other options, statements or type): saving it
    starts a new round, so the facilitator is asked first. The answers are kept with the earlier round."""

    code = "new_round"
    msgid = N_(
        "This question has %(n)d answers. With these changes a new round starts: the answers given so far are kept "
        "with the earlier round. Save anyway?"
    )


class Locked(Conflict):
    code = "locked"
    msgid = N_("You have answered already; this answer cannot be changed.")


class NotStarted(Conflict):
    """A consultation at the participants' own pace that has not started yet (lab.consultation)."""

    code = "not_started"
    msgid = N_("This consultation has not started yet.")


class Ended(Conflict):
    """A vote the organiser has ended (lab.anonymity): nothing more is taken, on a phone or on paper."""

    code = "ended"
    msgid = N_("This vote has ended. Thank you for taking part.")


class OnPaper(Conflict):
    """A phone tries to change an answer that the member's paper ballot gave (lab.paper)."""

    code = "on_paper"
    msgid = N_("Your answer on paper has been counted for this question; it cannot be changed here.")


class RoundPassed(Conflict):
    """A vote for a round of a question that has been started again: the phone shows the question anew."""

    code = "round_passed"
    msgid = N_("This question has been started again. Please answer again.")


class VoteReused(Conflict):
    """A known vote id with another question, round or value: an id means one vote."""

    code = "vote_reused"
    msgid = N_("This answer was not stored. Please answer again.")


class VoteGone(Conflict):
    """A vote that the store could not keep: its participant or question is gone, or a later answer replaced it."""

    code = "vote_gone"
    msgid = N_("This answer is no longer current. Please look at the question again.")


class NoMore(Conflict):
    code = "no_more"
    msgid = N_("There is no question in that direction.")


class Unavailable(LabError):
    """The database is closed (the server is stopping)."""

    code = "unavailable"
    status = 503
    msgid = N_("The server is stopping. Try again in a moment.")


def error_body(error: LabError, translate: Callable[[str, Mapping[str, object]], str]) -> dict[str, str]:
    """The JSON form of an error: `{"error": code, "message": text in the reader's language}`."""
    return {"error": error.code, "message": translate(error.msgid, error.params)}
