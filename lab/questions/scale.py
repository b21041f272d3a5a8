"""Scales: several statements, each rated 1 to N, with "weet niet / sla over" per statement.

This is how the Participatielab rated last year's performance agreements on several aspects at once.
Results per statement: the average of the ratings given, the distribution, and how many skipped ("weet niet" is
kept apart: it is not a rating and never enters the average).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from ..figures import Rating, Ratings
from .base import (
    JSON,
    N_,
    Aggregate,
    AnswerError,
    Counting,
    Examples,
    QuestionType,
    Table,
    Term,
    boolean,
    integer,
    text,
    text_list,
)  # fmt: skip


class ScaleAggregate(Counting):
    def __init__(self, statements: list[str], scale_max: int) -> None:
        super().__init__()
        self.statements = statements
        self.scale_max = scale_max
        self.distribution = [[0] * scale_max for _ in statements]
        self.skipped = [0] * len(statements)

    def count(self, value: JSON, step: int) -> None:
        for index, rating in enumerate(value):
            if rating is None:
                self.skipped[index] += step
            else:
                self.distribution[index][rating - 1] += step

    def results(self, *, facilitator: bool = False) -> dict[str, JSON]:
        statements = []
        for label, counts, skipped in zip(self.statements, self.distribution, self.skipped, strict=True):
            answered = sum(counts)
            total = sum(rating * count for rating, count in enumerate(counts, start=1))
            statements.append(
                {
                    "label": label,
                    # Not rounded here: screens and exports round it once, for display.
                    "average": total / answered if answered else None,
                    "answered": answered,
                    "skipped": skipped,
                    "distribution": list(counts),
                }
            )
        return {"respondents": self.respondents, "statements": statements}

    def table(self) -> Table:
        headers = [Term(N_("Statement")), Term(N_("Average")), Term(N_("Answered")), Term(N_("Skipped"))]
        rows = [
            [s["label"], None if s["average"] is None else round(s["average"], 2), s["answered"], s["skipped"],
             *s["distribution"]]
            for s in self.results()["statements"]
        ]  # fmt: skip
        return Table([*headers, *range(1, self.scale_max + 1)], rows)


class Scale(QuestionType):
    name = "scale"
    on_paper = True
    label = N_("Scales")
    order = 20
    settings_keys = frozenset({"statements", "scale_max", "min_label", "max_label", "allow_skip"})
    cosmetic_keys = frozenset({"min_label", "max_label"})
    strings = MappingProxyType(
        {
            "skip": N_("Don't know / skip"),
            "skipped": N_("%(n)s skipped"),
            "send": N_("Send"),
            "rate_every": N_("Choose a score for: %(statement)s"),
            "distribution": N_("Answers per score: %(counts)s"),
        }
    )
    examples = Examples(
        prompt="Beoordeel de prestatieafspraken",
        settings={"statements": ["Samenwerking", "Inbreng van huurders"], "scale_max": 5},
        answers=[[5, 4], [3, None], [4, 2], [None, None]],
        invalid=[[1], [0, 1], [6, 1], [True, 1], [2.5, 1], "5", None, {"a": 1}],
    )

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
            raise AnswerError(N_("Give a rating for every statement."))
        ratings: list[int | None] = []
        for rating in value:
            if rating is None:
                if not settings["allow_skip"]:
                    raise AnswerError(N_("Give a rating for every statement."))
            elif isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= settings["scale_max"]:
                raise AnswerError(N_("A rating must be from 1 to %(max)d."), max=settings["scale_max"])
            ratings.append(rating)
        return ratings

    def new_aggregate(self, settings: Mapping[str, JSON]) -> Aggregate:
        return ScaleAggregate(settings["statements"], settings["scale_max"])

    def figure(self, settings: Mapping[str, JSON], aggregate: Aggregate) -> Ratings:
        assert isinstance(aggregate, ScaleAggregate)
        statements = [
            Rating(s["label"], s["average"], s["answered"], s["skipped"], s["distribution"])
            for s in aggregate.results()["statements"]
        ]
        return Ratings(settings["scale_max"], statements, settings["min_label"], settings["max_label"])

    def answer_text(self, settings: Mapping[str, JSON], value: JSON) -> str:
        return "; ".join(
            f"{statement}: {'-' if rating is None else rating}"
            for statement, rating in zip(settings["statements"], value, strict=True)
        )

    def answer_columns(self, settings: Mapping[str, JSON], value: JSON) -> list[tuple[str, str | int | float | None]]:
        """A column per statement with its rating; empty for "weet niet"."""
        return list(zip(settings["statements"], value, strict=True))


TYPE = Scale()
