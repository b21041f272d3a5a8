"""Multiple choice: one option, or several up to a maximum. Results are counts and percentages per option.

A vote (one choice each) can carry a decision rule (lab.rules). Its results then also say whether the rule was met,
counted with the members' weights; where answers came by more than one channel (phones, paper ballots, a show of
hands), the results give each channel's counts beside the total.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from ..figures import Bars
from ..paper import PAPER
from ..records import PHONE, Answer
from ..rules import KEYS as RULE_KEYS
from ..rules import MILLI, RULES, Rule, Verdict, judge, milli
from .base import (
    JSON,
    N_,
    Aggregate,
    AnswerError,
    Examples,
    QuestionType,
    SettingsError,
    Table,
    Term,
    boolean,
    integer,
    percent,
    text_list,
)  # fmt: skip

HANDS = "hands"  # the channel of a show of hands: counted by the facilitator, per option


class ChoiceAggregate(Aggregate):
    """Counts per option, also weighed (in thousandths, lab.rules) and per channel; a show of hands adds counts of
    its own (`set_hands`), each hand one vote of weight 1."""

    def __init__(self, options: list[str], many: bool = False) -> None:
        self.options = options
        self.many = many  # several choices each
        self.respondents = 0  # answer records, plus hands
        self.counts = [0] * len(options)
        self.weight = 0  # of the respondents, in thousandths
        self.weights = [0] * len(options)
        self.channels: dict[str, list[int]] = {}  # counts per channel of the answer records
        self.hands: list[int] = []  # a show of hands, per option; [] when none was counted

    def add(self, answer: Answer) -> None:
        if answer.counted:
            self._count(answer, 1)

    def remove(self, answer: Answer) -> None:
        if answer.counted:
            self._count(answer, -1)

    def _count(self, answer: Answer, step: int) -> None:
        weight = milli(answer.weight) * step
        self.respondents += step
        self.weight += weight
        channel = self.channels.setdefault(answer.channel, [0] * len(self.options))
        for index in answer.value:
            self.counts[index] += step
            self.weights[index] += weight
            channel[index] += step

    def set_hands(self, counts: list[int]) -> int:
        """With one choice each, every hand is a respondent; with several, the hands of the option raised for most
        (who raised a hand more than once cannot be told)."""
        for step, hands in ((-1, self.hands), (1, counts)):
            for index, count in enumerate(hands):
                self.counts[index] += step * count
                self.weights[index] += step * count * MILLI
            self.respondents += step * self._raised(hands)
            self.weight += step * self._raised(hands) * MILLI
        self.hands = list(counts)
        return self._raised(self.hands)

    def _raised(self, hands: list[int]) -> int:
        return max(hands, default=0) if self.many else sum(hands)

    def results(self, *, facilitator: bool = False) -> dict[str, JSON]:
        results: dict[str, JSON] = {
            "respondents": self.respondents,
            "options": [
                {"label": label, "count": count, "percent": percent(count, self.respondents)}
                for label, count in zip(self.options, self.counts, strict=True)
            ],
        }
        if self.weight != self.respondents * MILLI:  # the member list gives weights: the weighted figures too
            results["weighted"] = {"respondents": self.weight / MILLI,
                                  "options": [{"weight": w / MILLI, "percent": percent(w, self.weight)}
                                              for w in self.weights]}  # fmt: skip
        split = self.split()
        if set(split) - {PHONE}:  # answers came on paper or by hands too
            results["channels"] = split
        return results

    def split(self) -> dict[str, list[int]]:
        """The counts per channel that has any (phones first), a show of hands included."""
        split = {name: counts for name, counts in sorted(self.channels.items(), key=lambda c: c[0] != PHONE)
                 if any(counts)}  # fmt: skip
        if any(self.hands):
            split[HANDS] = self.hands
        return split

    def table(self) -> Table:
        results = self.results()
        headers: list[str | int] = [Term(N_("Option")), Term(N_("Count")), Term(N_("Percent"))]
        rows: list[list[str | int | float | None]] = [
            [o["label"], o["count"], o["percent"]] for o in results["options"]
        ]
        if "weighted" in results:
            headers += [Term(N_("Weighted")), Term(N_("Weighted percent"))]
            for row, weighted in zip(rows, results["weighted"]["options"], strict=True):
                row += [weighted["weight"], weighted["percent"]]
        split = results.get("channels", {})
        headers += [Term(CHANNELS[name]) for name in split]
        for index, row in enumerate(rows):
            row += [counts[index] for counts in split.values()]
        return Table(headers, rows)


CHANNELS = {PHONE: N_("Phone"), PAPER: N_("Paper"), HANDS: N_("Show of hands")}


class Choice(QuestionType):
    name = "choice"
    on_paper = True
    label = N_("Multiple choice")
    order = 10
    settings_keys = frozenset({"options", "max_choices", "group_question"}) | RULE_KEYS
    # a rule changes how the answers are judged, and a group question how others are split, not what they mean
    cosmetic_keys = RULE_KEYS | {"group_question"}
    counts_hands = True
    strings = MappingProxyType(
        {
            "choose_up_to": N_("Choose up to %(max)s"),
            "choose_one": N_("Choose at least one answer."),
            "earlier_choice": N_("your earlier choice"),
            "send": N_("Send"),
            "choice_weighted": N_("weighted"),
            "choice_per_channel": N_("Per channel"),
            "choice_option": N_("Option"),
            "channel_phone": N_("Phone"),
            "channel_paper": N_("Paper"),
            "channel_hands": N_("Show of hands"),
        }
    )
    examples = Examples(
        prompt="Hoe was de samenwerking?",
        settings={"options": ["Goed", "Matig", "Slecht"], "max_choices": 2},
        answers=[[0], [1, 2], [2], 0],
        invalid=[[], [3], [-1], [0, 1, 2], ["0"], [True], None, {"a": 1}],
    )

    def check_settings(self, raw: Mapping[str, object]) -> dict[str, JSON]:
        options = text_list(raw, "options", low=2, high=12, max_length=120)
        folded = [option.casefold() for option in options]
        if len(set(folded)) != len(folded):
            raise SettingsError("options", N_("has the same option twice"))
        max_choices = integer(raw, "max_choices", 1, low=1, high=len(options))
        group_question = boolean(raw, "group_question", False)
        if group_question and max_choices > 1:
            raise SettingsError("group_question", N_("needs one choice per person"))
        grouping = {"group_question": True} if group_question else {}
        return {"options": options, "max_choices": max_choices, **grouping, **_rule(raw, len(options), max_choices)}

    def normalise_answer(self, settings: Mapping[str, JSON], value: object) -> JSON:
        if isinstance(value, int) and not isinstance(value, bool):
            value = [value]
        if not isinstance(value, list) or not value:
            raise AnswerError(N_("Choose an option."))
        if any(isinstance(i, bool) or not isinstance(i, int) for i in value):
            raise AnswerError(N_("Choose an option."))
        chosen = sorted(set(value))
        if chosen[0] < 0 or chosen[-1] >= len(settings["options"]):
            raise AnswerError(N_("That option does not exist."))
        if len(chosen) > settings["max_choices"]:
            raise AnswerError(N_("Choose at most %(max)d options."), max=settings["max_choices"])
        return chosen

    def new_aggregate(self, settings: Mapping[str, JSON]) -> Aggregate:
        return ChoiceAggregate(settings["options"], settings["max_choices"] > 1)

    def verdict(self, settings: Mapping[str, JSON], aggregate: Aggregate, eligible: float | None) -> Verdict | None:
        rule = Rule.of(settings)
        if rule is None:
            return None
        assert isinstance(aggregate, ChoiceAggregate)
        blank = aggregate.weights[rule.blank] if rule.blank is not None else 0
        return judge(rule, aggregate.options[rule.option], aggregate.weights[rule.option], blank, aggregate.weight,
                     None if eligible is None else milli(eligible))  # fmt: skip

    def figure(self, settings: Mapping[str, JSON], aggregate: Aggregate) -> Bars:
        assert isinstance(aggregate, ChoiceAggregate)
        return Bars(list(aggregate.options), [float(c) for c in aggregate.counts], aggregate.respondents)

    def answer_text(self, settings: Mapping[str, JSON], value: JSON) -> str:
        return "; ".join(settings["options"][index] for index in value)


def _rule(raw: Mapping[str, object], options: int, max_choices: int) -> dict[str, JSON]:
    """A decision rule's settings (lab.rules), checked: none, or a rule with its yes option (numbered from 1), an
    optional blank option, the share for `eligible` and an optional quorum."""
    kind = raw.get("rule") or ""
    if not kind:
        return {}
    if kind not in RULES:
        raise SettingsError("rule", N_("must be one of: %(rules)s"), rules=", ".join(RULES))
    if max_choices > 1:
        raise SettingsError("rule", N_("needs one choice per person"))
    favour = integer(raw, "rule_for", 1, low=1, high=options)
    blank = integer(raw, "rule_blank", 0, low=0, high=options)
    if blank == favour:
        raise SettingsError("rule_blank", N_("cannot be the option that says yes"))
    share = integer(raw, "rule_share", 70, low=1, high=100)
    quorum = integer(raw, "quorum", 0, low=0, high=100)
    return {"rule": kind, "rule_for": favour, "rule_blank": blank, "rule_share": share, "quorum": quorum}


TYPE = Choice()
