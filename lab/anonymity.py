"""How anonymous a room's answers are, said to participants before they answer and to readers of the report.

A room that asks for member codes (lab.members) chooses one of three modes:

- **anonymous** (the default): nobody sees who answered what. While voting is open lab needs the link from a
  member's code to its answers (to take one answer per member, to let them change it, to go on on another phone);
  no screen or export shows it. When the organiser ends the vote, lab erases the link from the store (`Sealed`):
  each member's code is bound to a new participant that never answered, so not even someone holding the database
  file can tell who answered what. The turnout is counted at that moment and kept as numbers.
- **pseudonymous**: answers are kept under a pseudonym, a short handle per member that the exports show; the key
  from handle to member is the member list the organiser downloads (its `pseudonym` column), kept apart.
- **named**: the exports give each answer with the member's id on the list (a dwelling or member number).

An open room (anyone with the join code answers) has no link to a person at all: it is always anonymous.

A mode promises something to those who answered under it, so a room can move to a more private mode at any time
but to a less private one only while nobody has answered; once sealed it stays as it is.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from .errors import N_, Invalid
from .i18n import gettext as _

ANONYMOUS, PSEUDONYMOUS, NAMED = "anonymous", "pseudonymous", "named"
MODES = (NAMED, PSEUDONYMOUS, ANONYMOUS)  # from the least private to the most
LABELS = {
    ANONYMOUS: N_("Anonymous"),
    PSEUDONYMOUS: N_("Under a pseudonym"),
    NAMED: N_("Named"),
}


def check(mode: object) -> str:
    if mode not in MODES:
        raise Invalid(N_('Choose "anonymous", "pseudonymous" or "named".'))
    return str(mode)


def less_private(new: str, old: str) -> bool:
    return MODES.index(new) < MODES.index(old)


def effective(mode: str, access: str) -> str:
    """The mode that holds: an open room has no member list to link an answer to."""
    return mode if access == "codes" else ANONYMOUS


@dataclass(frozen=True)
class Sealed:
    """A vote whose link from codes to answers was erased: when, and the turnout as it stood, per round
    (`"question/round"`: members who answered, their weight, and how many of them by proxy)."""

    at_ms: int
    eligible: int
    eligible_weight: float
    turnout: dict[str, tuple[int, float, int]] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps({"at_ms": self.at_ms, "eligible": self.eligible, "eligible_weight": self.eligible_weight,
                           "turnout": {k: list(v) for k, v in self.turnout.items()}})  # fmt: skip

    @classmethod
    def from_json(cls, text: str | None) -> Sealed | None:
        if not text:
            return None
        data = json.loads(text)
        turnout = {str(k): (int(v[0]), float(v[1]), int(v[2])) for k, v in data["turnout"].items()}
        return cls(int(data["at_ms"]), int(data["eligible"]), float(data["eligible_weight"]), turnout)

    @staticmethod
    def key(question: int, round_: int) -> str:
        return f"{question}/{round_}"


def choices() -> list[tuple[str, str, str]]:
    """The modes as the console offers them, from the most private: (mode, name, what it means), translated."""
    return [
        (ANONYMOUS, _(LABELS[ANONYMOUS]), _("Nobody sees who answered what. When you end the vote, the link between "
                                            "the codes and the answers is erased.")),
        (PSEUDONYMOUS, _(LABELS[PSEUDONYMOUS]), _("The exports give each member's answers under a pseudonym; the codes "
                                                  "as CSV are the key from pseudonym to member.")),
        (NAMED, _(LABELS[NAMED]), _("The exports give each answer with the member's id on the list.")),
    ]  # fmt: skip


def notice(mode: str, access: str, sealed: bool = False) -> str:
    """What a participant is told before answering, in plain words (translated in the current language)."""
    match effective(mode, access):
        case "anonymous" if access == "codes" and sealed:
            return _("Anonymous: the vote has ended, and the link between the codes and the answers has been erased.")
        case "named":
            return _("Named: the organisation sees what you answer, with your number on the member list.")
        case "pseudonymous":
            return _("Under a pseudonym: your answers are kept under a number, not under your name. Only the "
                     "organisation can link that number to its member list.")  # fmt: skip
        case _ if access == "codes":
            return _("Anonymous: your code only makes sure that you answer once. Nobody can see what you answer. "
                     "When the vote ends, the link between your code and your answers is erased.")  # fmt: skip
        case _:
            return _("Anonymous: nobody can see what you answer.")


def methods(mode: str, access: str, sealed: str | None) -> str:
    """The report's sentence on anonymity; `sealed`: when the link was erased (a date, already formatted)."""
    match effective(mode, access):
        case "named":
            return _("Answers were given by name: the organiser can see each member's answers, with their number on "
                     "the member list. This report names nobody; the answers per member are in the Excel and CSV "
                     "exports.")  # fmt: skip
        case "pseudonymous":
            return _(
                "Answers were kept under a pseudonym: a short code per member instead of their name or number. "
                "Only the organiser can link a pseudonym to the member list. This report names nobody."
            )
        case _ if access == "codes" and sealed:
            return _("Answers were anonymous. A member's code only made sure that each member answered once; on "
                     "%(date)s the link between codes and answers was erased, so nobody, the organiser included, "
                     "can tell who answered what.", date=sealed)  # fmt: skip
        case _ if access == "codes":
            return _("Answers are anonymous: nobody can see who answered what. The link between a member's code and "
                     "its answers is kept only while the vote is open, to take one answer per member; it is erased "
                     "when the organiser ends the vote.")  # fmt: skip
        case _:
            return _("The report names nobody. Which participant gave which answer is not in it.")
