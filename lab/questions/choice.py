"""Multiple choice: one option, or several up to a maximum. Results are counts and percentages per option."""

from __future__ import annotations

from collections.abc import Mapping

from .base import JSON, N_, Aggregate, AnswerError, QuestionType, SettingsError, integer, percent, text_list


class ChoiceAggregate(Aggregate):
    def __init__(self, options: list[str]) -> None:
        self.options = options
        self.counts = [0] * len(options)
        self.respondents = 0

    def add(self, participant: str, value: JSON) -> None:
        self.respondents += 1
        for index in value:
            self.counts[index] += 1

    def remove(self, participant: str, value: JSON) -> None:
        self.respondents -= 1
        for index in value:
            self.counts[index] -= 1

    def results(self, *, facilitator: bool = False) -> dict[str, JSON]:
        return {
            "respondents": self.respondents,
            "options": [
                {"label": label, "count": count, "percent": percent(count, self.respondents)}
                for label, count in zip(self.options, self.counts, strict=True)
            ],
        }


class Choice(QuestionType):
    name = "choice"
    label = N_("Multiple choice")
    settings_keys = frozenset({"options", "max_choices"})

    def check_settings(self, raw: Mapping[str, object]) -> dict[str, JSON]:
        options = text_list(raw, "options", low=2, high=12, max_length=120)
        folded = [option.casefold() for option in options]
        if len(set(folded)) != len(folded):
            raise SettingsError("options", "has the same option twice")
        max_choices = integer(raw, "max_choices", 1, low=1, high=len(options))
        return {"options": options, "max_choices": max_choices}

    def normalise_answer(self, settings: Mapping[str, JSON], value: object) -> JSON:
        if isinstance(value, int) and not isinstance(value, bool):
            value = [value]
        if not isinstance(value, list) or not value:
            raise AnswerError("Choose an option.")
        if any(isinstance(i, bool) or not isinstance(i, int) for i in value):
            raise AnswerError("Choose an option.")
        chosen = sorted(set(value))
        if chosen[0] < 0 or chosen[-1] >= len(settings["options"]):
            raise AnswerError("That option does not exist.")
        if len(chosen) > settings["max_choices"]:
            raise AnswerError("Choose at most %(max)d options.", max=settings["max_choices"])
        return chosen

    def new_aggregate(self, settings: Mapping[str, JSON]) -> Aggregate:
        return ChoiceAggregate(settings["options"])

    def answer_text(self, settings: Mapping[str, JSON], value: JSON) -> str:
        return "; ".join(settings["options"][index] for index in value)
