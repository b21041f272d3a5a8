"""Ranking: every participant puts 2 to 10 items in order, number 1 at the top.

A phone orders them by dragging or with "Omhoog" / "Omlaag" buttons per item; the deck's order is where it starts
(sending it unchanged is an answer like any other). Results per item: the average place (1 is the top), the items
ordered by it (ties keep the deck's order), and how many put it in each place.
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
    text_list,
)  # fmt: skip

MAX_ITEMS = 10


class RankingAggregate(Counting):
    def __init__(self, items: list[str]) -> None:
        super().__init__()
        self.items = items
        # distribution[item][place - 1]: how many participants put the item in that place
        self.distribution = [[0] * len(items) for _ in items]

    def count(self, value: JSON, step: int) -> None:
        for place, item in enumerate(value):
            self.distribution[item][place] += step

    def _ranked(self) -> list[dict[str, JSON]]:
        rows = []
        for index, (label, counts) in enumerate(zip(self.items, self.distribution, strict=True)):
            placed = sum(counts)
            total = sum(place * count for place, count in enumerate(counts, start=1))
            # Not rounded here: screens and exports round it once, for display.
            average = total / placed if placed else None
            rows.append({"index": index, "label": label, "average": average, "distribution": list(counts)})
        # Best (lowest) average first; equal averages, or none at all, keep the deck's order.
        return sorted(rows, key=lambda row: (row["average"] is None, row["average"] or 0, row["index"]))

    def results(self, *, facilitator: bool = False) -> dict[str, JSON]:
        return {"respondents": self.respondents, "items": self._ranked()}

    def table(self) -> Table:
        rows = [
            [row["label"], None if row["average"] is None else round(row["average"], 2), *row["distribution"]]
            for row in self._ranked()
        ]
        return Table([Term(N_("Item")), Term(N_("Average place")), *range(1, len(self.items) + 1)], rows)


class Ranking(QuestionType):
    name = "ranking"
    label = N_("Ranking")
    order = 22
    settings_keys = frozenset({"items"})
    strings = MappingProxyType(
        {
            "rank_hint": N_("Put them in order, with number 1 at the top. Drag them, or use the buttons Move up and "
                            "Move down."),
            "rank_up": N_("Move up"),
            "rank_down": N_("Move down"),
            "rank_moved": N_("%(item)s is now in place %(place)s of %(total)s."),
            "rank_top": N_("%(item)s is already at the top."),
            "rank_bottom": N_("%(item)s is already at the bottom."),
            "rank_caption": N_("Average place (1 = top)"),
            "rank_average": N_("average place"),
            "rank_places": N_("Times in each place: %(counts)s"),
            "rank_place_n": N_("place %(n)s"),
            "send": N_("Send"),
        }
    )  # fmt: skip
    examples = Examples(
        prompt="Welke onderwerpen zijn volgend jaar het belangrijkst?",
        settings={"items": ["Betaalbaarheid", "Onderhoud en verduurzaming", "Leefbaarheid in de wijk"]},
        answers=[[0, 1, 2], [1, 0, 2], [2, 0, 1], [1, 2, 0]],
        invalid=[[], [0, 1], [0, 1, 2, 3], [0, 0, 1], [0, 1, 3], [-1, 0, 1], [True, 0, 2], [0.0, 1, 2], ["0", 1, 2],
                 "0,1,2", 0, None, {"0": 0}],
    )  # fmt: skip

    def check_settings(self, raw: Mapping[str, object]) -> dict[str, JSON]:
        items = text_list(raw, "items", low=2, high=MAX_ITEMS, max_length=120)
        folded = [item.casefold() for item in items]
        if len(set(folded)) != len(folded):
            raise SettingsError("items", N_("has the same item twice"))
        return {"items": items}

    def normalise_answer(self, settings: Mapping[str, JSON], value: object) -> JSON:
        size = len(settings["items"])
        if not isinstance(value, list) or len(value) != size:
            raise AnswerError(N_("Put all %(n)d items in order."), n=size)
        if any(isinstance(i, bool) or not isinstance(i, int) for i in value) or sorted(value) != list(range(size)):
            raise AnswerError(N_("Every item must have exactly one place."))
        return list(value)

    def new_aggregate(self, settings: Mapping[str, JSON]) -> Aggregate:
        return RankingAggregate(settings["items"])

    def figure(self, settings: Mapping[str, JSON], aggregate: Aggregate) -> Bars:
        items = aggregate.results()["items"]  # best first
        averages = [i["average"] for i in items]
        return Bars([i["label"] for i in items], [a or 0.0 for a in averages], measure=Term(N_("Average place")),
                    scale=(1, len(items)), headline=averages)  # fmt: skip

    def answer_text(self, settings: Mapping[str, JSON], value: JSON) -> str:
        return "; ".join(f"{place}. {settings['items'][item]}" for place, item in enumerate(value, start=1))


TYPE = Ranking()
