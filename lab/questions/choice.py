"""Multiple choice: one option, or several up to a maximum. Results are counts and percentages per option."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from ..figures import Bars
from .base import (
    JSON,
    N_,
    Aggregate,
    AnswerError,
    Counting,
    Examples,
    QuestionType,
    SettingsError,
    Table,
    Term,
    integer,
    percent,
    text_list,
)  # fmt: skip


class ChoiceAggregate(Counting):
    def __init__(self, options: list[str]) -> None:
        super().__init__()
        self.options = options
        self.counts = [0] * len(options)

    def count(self, value: JSON, step: int) -> None:
        for index in value:
            self.counts[index] += step

    def results(self, *, facilitator: bool = False) -> dict[str, JSON]:
        return {
            "respondents": self.respondents,
            "options": [
                {"label": label, "count": count, "percent": percent(count, self.respondents)}
                for label, count in zip(self.options, self.counts, strict=True)
            ],
        }

    def table(self) -> Table:
        rows = [[o["label"], o["count"], o["percent"]] for o in self.results()["options"]]
        return Table([Term(N_("Option")), Term(N_("Count")), Term(N_("Percent"))], rows)


class Choice(QuestionType):
    name = "choice"
    label = N_("Multiple choice")
    order = 10
    settings_keys = frozenset({"options", "max_choices"})
    strings = MappingProxyType(
        {
            "choose_up_to": N_("Choose up to %(max)s"),
            "choose_one": N_("Choose at least one answer."),
            "earlier_choice": N_("your earlier choice"),
            "send": N_("Send"),
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
        return {"options": options, "max_choices": max_choices}

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
        return ChoiceAggregate(settings["options"])

    def figure(self, settings: Mapping[str, JSON], aggregate: Aggregate) -> Bars:
        assert isinstance(aggregate, ChoiceAggregate)
        return Bars(list(aggregate.options), [float(c) for c in aggregate.counts], aggregate.respondents)

    def answer_text(self, settings: Mapping[str, JSON], value: JSON) -> str:
        return "; ".join(settings["options"][index] for index in value)


TYPE = Choice()
