"""Decision rules: whether a vote carried, counted as an organisation's rules or the law say it must be.

A multiple-choice question with one choice per person can carry a rule. One of its options says yes ("Ja, ik ga
akkoord"); optionally another is a blank vote (blanco, onthouding) that counts as not cast. The rules:

- `majority`: more than half of the votes cast say yes;
- `two_thirds`: at least two thirds of the votes cast say yes;
- `eligible`: at least `share` percent (70 by default) of everyone who may vote says yes, so a member who does not
  answer counts as not agreeing (a renovation: 70% of the tenants of a complex, art. 7:220 BW).

Any rule can add a `quorum`: at least that percent of everyone who may vote must have voted (a blank vote counts
as voting). Rules that need "everyone who may vote" can be judged only in a room for members with a code; in an
open room lab does not know who could have voted, and says so instead of guessing.

Everything is counted with the members' weights, where the member list gives them (1 each otherwise). Weights
are kept in thousandths (lab.members reads them with at most three decimals), so sums are exact.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Final

from babel.numbers import format_decimal

from .errors import N_
from .i18n import translate
from .records import JSON

MILLI: Final = 1000  # weights are counted in thousandths

RULES: Final = {
    "majority": N_("More than half of the votes cast"),
    "two_thirds": N_("At least two thirds of the votes cast"),
    "eligible": N_("At least %(share)s%% of everyone who may vote"),
}
KEYS: Final = frozenset({"rule", "rule_for", "rule_blank", "rule_share", "quorum"})


@dataclass(frozen=True)
class Rule:
    kind: str  # a key of RULES
    option: int  # the option that says yes (0-based)
    blank: int | None = None  # an option that counts as not cast
    share: int = 70  # `eligible`: percent of everyone who may vote
    quorum: int = 0  # percent of everyone who may vote who must have voted; 0: none

    @classmethod
    def of(cls, settings: Mapping[str, JSON]) -> Rule | None:
        """The rule a question's (validated) settings carry, or None. Options are numbered from 1 in settings, as a
        deck and the editor name them."""
        kind = settings.get("rule") or ""
        if not kind:
            return None
        blank = settings.get("rule_blank", 0)
        return cls(kind, settings["rule_for"] - 1, blank - 1 if blank else None, settings.get("rule_share", 70),
                   settings.get("quorum", 0))  # fmt: skip

    @property
    def needs_members(self) -> bool:
        return self.kind == "eligible" or self.quorum > 0


@dataclass(frozen=True)
class Verdict:
    """A rule applied to a round: `met` is None when it cannot be judged (it needs a member list). Figures are
    weighed (in whole votes where every weight is 1)."""

    rule: str
    share: int
    quorum: int
    option: str  # the yes option's label
    favour: float  # yes votes
    cast: float  # votes cast (without blank votes)
    voted: float  # everyone who voted, blank votes too
    eligible: float | None  # everyone who may vote; None in an open room
    met: bool | None
    quorum_met: bool | None

    def public(self, lang: str) -> dict[str, JSON]:
        """As screens get it: the figures, and the outcome and its reasons in words in `lang`."""
        outcome, reasons = self.words(lang)
        return {**asdict(self), "outcome": outcome, "text": reasons}

    def words(self, lang: str) -> tuple[str, str]:
        """The outcome ("Aangenomen") and its reasons, in plain words in `lang`, for screens and the report."""

        def say(message: str, **params: object) -> str:
            return translate(lang, message, params)

        def figure(value: float) -> str:
            return format_decimal(value, format="#,##0.###", locale=lang)

        def share(part: float, whole: float | None) -> str:
            return figure(round(100 * part / whole)) if whole else "0"

        outcome = {True: say(N_("Carried")), False: say(N_("Not carried")), None: say(N_("Cannot be judged"))}[self.met]
        favour, option = figure(self.favour), self.option
        if self.rule == "eligible" and self.eligible is not None:
            reasons = [say(N_("%(favour)s of all %(eligible)s who may vote are for “%(option)s” (%(percent)s%%): "
                              "whoever did not vote counts as not in favour. Needed: at least %(share)s%%."),
                           favour=favour, eligible=figure(self.eligible), option=option,
                           percent=share(self.favour, self.eligible), share=self.share)]  # fmt: skip
        elif self.rule == "eligible":
            reasons = [say(N_("Votes for “%(option)s”: %(favour)s. Needed: at least %(share)s%% of everyone who "
                              "may vote, which only a session for members with a code knows."),
                           favour=favour, option=option, share=self.share)]  # fmt: skip
        else:
            needed = say(N_("more than half")) if self.rule == "majority" else say(N_("at least two thirds"))
            reasons = [say(N_("%(favour)s of the %(cast)s votes cast are for “%(option)s” (%(percent)s%%). "
                              "Needed: %(needed)s."),
                           favour=favour, cast=figure(self.cast), option=option,
                           percent=share(self.favour, self.cast), needed=needed)]  # fmt: skip
        if self.quorum and self.eligible is not None:
            reached = say(N_("reached")) if self.quorum_met else say(N_("not reached"))
            reasons.append(say(N_("Turnout %(voted)s of %(eligible)s (%(percent)s%%); quorum %(quorum)s%%: "
                                  "%(reached)s."),
                               voted=figure(self.voted), eligible=figure(self.eligible),
                               percent=share(self.voted, self.eligible), quorum=self.quorum,
                               reached=reached))  # fmt: skip
        elif self.quorum:
            reasons.append(say(N_("A quorum of %(quorum)s%% can be judged only in a session for members with a "
                                  "code."), quorum=self.quorum))  # fmt: skip
        return outcome, " ".join(reasons)


def judge(rule: Rule, option: str, favour: int, blank: int, voted: int, eligible: int | None) -> Verdict:
    """Apply `rule`; the counts are in thousandths (MILLI) of a vote: yes votes, blank votes, everyone who voted,
    and everyone who may vote (None: not known)."""
    cast = voted - blank
    met: bool | None
    if rule.kind == "majority":
        met = cast > 0 and favour * 2 > cast
    elif rule.kind == "two_thirds":
        met = cast > 0 and favour * 3 >= cast * 2
    else:
        met = None if not eligible else favour * 100 >= rule.share * eligible
    quorum_met: bool | None = None
    if rule.quorum:
        quorum_met = None if not eligible else voted * 100 >= rule.quorum * eligible
        met = None if met is None or quorum_met is None else met and quorum_met
    return Verdict(rule.kind, rule.share, rule.quorum, option, favour / MILLI, cast / MILLI, voted / MILLI,
                   None if eligible is None else eligible / MILLI, met, quorum_met)  # fmt: skip


def milli(weight: float) -> int:
    return round(weight * MILLI)
