"""Dividing points ("100 punten verdelen"): every participant divides a budget of points over 2 to 10 items.

The phone has a number field with - and + buttons per item and says how many points are still to divide. A total
over the budget is refused; a total under it is allowed unless `spend_all` is set; an answer of no points at all is
refused (it says nothing). Results per item, in the deck's order: the average points over everyone who answered,
the total, and how many participants gave it any points.
"""

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
    boolean,
    integer,
    text_list,
)  # fmt: skip


class PointsAggregate(Counting):
    def __init__(self, items: list[str]) -> None:
        super().__init__()
        self.items = items
        self.totals = [0] * len(items)
        self.given = [0] * len(items)  # participants who gave the item any points

    def count(self, value: JSON, step: int) -> None:
        for index, points in enumerate(value):
            self.totals[index] += step * points
            self.given[index] += step if points else 0

    def results(self, *, facilitator: bool = False) -> dict[str, JSON]:
        n = self.respondents
        return {
            "respondents": n,
            "items": [
                # Not rounded here: screens and exports round it once, for display.
                {"label": label, "average": total / n if n else None, "total": total, "given": given}
                for label, total, given in zip(self.items, self.totals, self.given, strict=True)
            ],
        }

    def table(self) -> Table:
        headers = [Term(N_("Item")), Term(N_("Average")), Term(N_("Total")), Term(N_("Participants who gave points"))]
        rows = [
            [item["label"], None if item["average"] is None else round(item["average"], 2), item["total"],
             item["given"]]
            for item in self.results()["items"]
        ]  # fmt: skip
        return Table(headers, rows)


class PointsDivision(QuestionType):
    name = "points"
    label = N_("Divide points")
    order = 24
    settings_keys = frozenset({"items", "budget", "spend_all"})
    strings = MappingProxyType(
        {
            "points_hint": N_("Divide %(budget)s points. You do not have to use them all."),
            "points_hint_all": N_("Divide exactly %(budget)s points."),
            "points_left": N_("Still to divide: %(n)s points"),
            "points_left_one": N_("Still to divide: 1 point"),
            "points_over": N_("%(n)s points too many: take some away."),
            "points_over_one": N_("1 point too many: take it away."),
            "points_full": N_("All %(budget)s points are divided. To give more here, first take points away "
                              "somewhere else."),
            "points_whole": N_("Fill in a whole number, 0 or more, for: %(item)s"),
            "points_too_many": N_("You have divided more than %(budget)s points. Take some away first."),
            "points_not_all": N_("Divide all %(budget)s points first. Then you can send."),
            "points_none": N_("Give points to at least one item."),
            "points_caption": N_("Average points per participant (of %(budget)s)"),
            "points_total": N_("%(n)s points in total"),
            "points_total_one": N_("1 point in total"),
            "points_givers": N_("%(n)s participants gave points"),
            "points_givers_one": N_("1 participant gave points"),
            "send": N_("Send"),
        }
    )  # fmt: skip
    examples = Examples(
        prompt="Hoe verdeelt u het budget van de huurdersorganisatie?",
        settings={"items": ["Nieuwsbrief", "Cursussen voor bestuursleden", "Bewonersavonden"], "budget": 100},
        answers=[[50, 30, 20], [0, 100, 0], [10, 10, 5], [25, 25, 50]],
        invalid=[[], [50, 50], [40, 40, 40], [-5, 50, 50], [0, 0, 0], [True, 50, 0], [10.5, 20, 0], ["10", 20, 0],
                 [None, 20, 0], "50,30,20", 100, None, {"a": 1}],
    )  # fmt: skip

    def check_settings(self, raw: Mapping[str, object]) -> dict[str, JSON]:
        items = text_list(raw, "items", low=2, high=10, max_length=120)
        folded = [item.casefold() for item in items]
        if len(set(folded)) != len(folded):
            raise SettingsError("items", N_("has the same item twice"))
        return {
            "items": items,
            "budget": integer(raw, "budget", 100, low=10, high=1000),
            "spend_all": boolean(raw, "spend_all", False),
        }

    def normalise_answer(self, settings: Mapping[str, JSON], value: object) -> JSON:
        if not isinstance(value, list) or len(value) != len(settings["items"]):
            raise AnswerError(N_("Give a number of points for every item."))
        if any(isinstance(p, bool) or not isinstance(p, int) or p < 0 for p in value):
            raise AnswerError(N_("Points must be whole numbers, 0 or more."))
        budget, total = settings["budget"], sum(value)
        if total > budget:
            raise AnswerError(N_("You can give at most %(budget)d points in total."), budget=budget)
        if settings["spend_all"] and total != budget:
            raise AnswerError(N_("Divide exactly %(budget)s points."), budget=budget)
        if not total:
            raise AnswerError(N_("Give points to at least one item."))
        return list(value)

    def new_aggregate(self, settings: Mapping[str, JSON]) -> Aggregate:
        return PointsAggregate(settings["items"])

    def figure(self, settings: Mapping[str, JSON], aggregate: Aggregate) -> Bars:
        items = aggregate.results()["items"]
        return Bars([i["label"] for i in items], [i["average"] or 0.0 for i in items],
                    measure=Term(N_("Average points")), scale=(0, settings["budget"]))  # fmt: skip

    def answer_text(self, settings: Mapping[str, JSON], value: JSON) -> str:
        return "; ".join(f"{item}: {points}" for item, points in zip(settings["items"], value, strict=True))


TYPE = PointsDivision()
