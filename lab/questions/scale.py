"""Scales: several statements, each rated 1 to N, with "weet niet / sla over" per statement.

This is how the Participatielab rated last year's performance agreements on several aspects at once.
Results per statement: the average of the ratings given, the distribution, and how many skipped.
"""

from __future__ import annotations

from collections.abc import Mapping

from .base import JSON, N_, Aggregate, AnswerError, QuestionType, boolean, integer, text, text_list


class ScaleAggregate(Aggregate):
    def __init__(self, statements: list[str], scale_max: int) -> None:
        self.statements = statements
        self.distribution = [[0] * scale_max for _ in statements]
        self.skipped = [0] * len(statements)
        self.respondents = 0

    def _apply(self, value: JSON, step: int) -> None:
        self.respondents += step
        for index, rating in enumerate(value):
            if rating is None:
                self.skipped[index] += step
            else:
                self.distribution[index][rating - 1] += step

    def add(self, participant: str, value: JSON) -> None:
        self._apply(value, 1)

    def remove(self, participant: str, value: JSON) -> None:
        self._apply(value, -1)

    def results(self, *, facilitator: bool = False) -> dict[str, JSON]:
        statements = []
        for label, counts, skipped in zip(self.statements, self.distribution, self.skipped, strict=True):
            answered = sum(counts)
            total = sum(rating * count for rating, count in enumerate(counts, start=1))
            statements.append(
                {
                    "label": label,
                    "average": round(total / answered, 2) if answered else None,
                    "answered": answered,
                    "skipped": skipped,
                    "distribution": list(counts),
                }
            )
        return {"respondents": self.respondents, "statements": statements}


class Scale(QuestionType):
    name = "scale"
    label = N_("Scales")
    settings_keys = frozenset({"statements", "scale_max", "min_label", "max_label", "allow_skip"})
    cosmetic_keys = frozenset({"min_label", "max_label"})

    def check_settings(self, raw: Mapping[str, object]) -> dict[str, JSON]:
        return {
            "statements": text_list(raw, "statements", low=1, high=12, max_length=160),
            "scale_max": integer(raw, "scale_max", 5, low=2, high=10),
            "min_label": text(raw, "min_label", "", max_length=40),
            "max_label": text(raw, "max_label", "", max_length=40),
            "allow_skip": boolean(raw, "allow_skip", True),
        }

    def normalise_answer(self, settings: Mapping[str, JSON], value: object) -> JSON:
        statements = settings["statements"]
        if not isinstance(value, list) or len(value) != len(statements):
            raise AnswerError("Give a rating for every statement.")
        ratings: list[int | None] = []
        for rating in value:
            if rating is None:
                if not settings["allow_skip"]:
                    raise AnswerError("Give a rating for every statement.")
            elif isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= settings["scale_max"]:
                raise AnswerError("A rating must be from 1 to %(max)d.", max=settings["scale_max"])
            ratings.append(rating)
        return ratings

    def new_aggregate(self, settings: Mapping[str, JSON]) -> Aggregate:
        return ScaleAggregate(settings["statements"], settings["scale_max"])

    def answer_text(self, settings: Mapping[str, JSON], value: JSON) -> str:
        return "; ".join(
            f"{statement}: {'-' if rating is None else rating}"
            for statement, rating in zip(settings["statements"], value, strict=True)
        )
