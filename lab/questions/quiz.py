"""Quiz: one right answer to choose from the options, or to type; points for a right answer, with an optional speed
bonus (off by default: it disadvantages slower participants). The right answer stays secret until the question is
closed; then phones say who was right, and the room keeps a leaderboard by nickname (lab.rooms: `leaderboard`)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from types import MappingProxyType

from ..figures import Bars
from ..records import Answer
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

SHOWN_ANSWERS = 20  # typed answers: the most given ones on a screen; exports have them all
SPEED_WINDOW_S = 30  # without a countdown, the speed bonus runs down over this many seconds


def fold(text: str) -> str:
    """A typed answer as it is compared: case, accents, punctuation and spacing do not matter ("Overlegwet!" is
    "overlegwet"). static/types/quiz.js folds the same way, so a phone says what the server counts."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", text.casefold()) if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^\w\s]", " ", plain).split())


class QuizAggregate(Aggregate):
    """The answers of one round in the order they came in (a changed answer is the newest), with how many chose
    each option (or typed each answer) and who was right."""

    def __init__(self, settings: Mapping[str, JSON]) -> None:
        self.settings = settings
        self.options: list[str] | None = settings.get("options") or None
        self.answers: dict[str, Answer] = {}  # shown ones only, by participant, in order of arrival
        self.counts: dict[JSON, int] = {}  # option index, or folded typed answer -> how many
        self.typed: dict[str, str] = {}  # folded typed answer -> how it was first written

    def add(self, answer: Answer) -> None:
        if answer.counted:
            self.answers.pop(answer.participant, None)
            self.answers[answer.participant] = answer
            self._count(answer.value, 1)

    def remove(self, answer: Answer) -> None:
        if answer.counted and self.answers.pop(answer.participant, None) is not None:
            self._count(answer.value, -1)

    def _count(self, value: JSON, step: int) -> None:
        key = value if self.options else fold(value)
        self.counts[key] = self.counts.get(key, 0) + step
        if not self.options:
            if self.counts[key]:
                self.typed.setdefault(key, value)
            else:
                del self.counts[key]
                self.typed.pop(key, None)

    def right(self, value: JSON) -> bool:
        return TYPE.is_right(self.settings, value)

    def points(self) -> dict[str, int]:
        """Points per participant who answered (0 when wrong). With the speed bonus a right answer earns from half
        to all of `points`: all of them at once, half after the countdown (or SPEED_WINDOW_S), measured from the
        first answer in the room, so a slow network that delays everyone's question costs nobody points."""
        full = self.settings["points"]
        if not self.answers:
            return {}
        first = min(a.received_ms for a in self.answers.values())
        window = 1000 * (self.settings.get("timer") or SPEED_WINDOW_S)
        scores = {}
        for participant, answer in self.answers.items():
            if not self.right(answer.value):
                scores[participant] = 0
            elif self.settings.get("speed_bonus"):
                late = min(1.0, (answer.received_ms - first) / window)
                scores[participant] = round(full * (1 - late / 2))
            else:
                scores[participant] = full
        return scores

    def results(self, *, facilitator: bool = False) -> dict[str, JSON]:
        respondents = len(self.answers)
        right = sum(self.right(a.value) for a in self.answers.values())
        results: dict[str, JSON] = {"respondents": respondents, "right": right}
        if self.options:
            results["options"] = [
                {"label": label, "count": self.counts.get(i, 0), "percent": percent(self.counts.get(i, 0), respondents)}
                for i, label in enumerate(self.options)
            ]
        else:
            ranked = sorted(self.counts.items(), key=lambda item: (-item[1], item[0]))[:SHOWN_ANSWERS]
            results["answers"] = [{"text": self.typed[key], "count": count} for key, count in ranked]
        return results

    def table(self) -> Table:
        yes, no = Term(N_("yes")), Term(N_("no"))
        rows: list[list[str | int | float | None]]
        if self.options:
            rows = [
                [o["label"], o["count"], o["percent"], yes if self.right(i) else no]
                for i, o in enumerate(self.results()["options"])
            ]
            return Table([Term(N_("Option")), Term(N_("Count")), Term(N_("Percent")), Term(N_("Right"))], rows)
        ranked = sorted(self.counts.items(), key=lambda item: (-item[1], item[0]))
        rows = [[self.typed[key], count, yes if self.right(key) else no] for key, count in ranked]
        return Table([Term(N_("Answer")), Term(N_("Count")), Term(N_("Right"))], rows)


class Quiz(QuestionType):
    name = "quiz"
    label = N_("Quiz: a question with a right answer")
    order = 80
    settings_keys = frozenset({"options", "correct", "points", "speed_bonus", "max_length"})
    cosmetic_keys = frozenset({"max_length"})
    secret_keys = frozenset({"correct"})
    scores = True
    strings = MappingProxyType(
        {
            "quiz_send": N_("Send"),
            "quiz_your_answer": N_("Your answer"),
            "quiz_type_first": N_("Type your answer first."),
            "quiz_right": N_("Right!"),
            "quiz_wrong": N_("Not right."),
            "quiz_no_answer": N_("You did not answer."),
            "quiz_answer_was": N_("The right answer: %(answer)s"),
            "quiz_answers_were": N_("Right answers: %(answer)s"),
            "quiz_points": N_("+%(n)s points"),
            "quiz_total": N_("You have %(n)s points in all."),
            "quiz_rank": N_("You are number %(rank)s of %(of)s."),
            "quiz_no_name": N_("Give a name on the waiting screen to appear in the leaderboard."),
            "quiz_right_count": N_("%(n)s of %(of)s right"),
            "quiz_correct_mark": N_("right answer"),
            "quiz_leaderboard": N_("Leaderboard"),
            "quiz_final": N_("Final standings"),
            "quiz_points_short": N_("%(n)s pt"),
            "quiz_nobody": N_("Nobody with a name has points yet."),
            "quiz_speed": N_("Faster right answers earn more points."),
        }
    )
    examples = Examples(
        prompt="Wat regelt de Overlegwet?",
        settings={
            "options": ["Huurprijzen", "Overleg tussen huurders en verhuurder", "Woningtoewijzing"],
            "correct": ["Overleg tussen huurders en verhuurder"],
            "points": 100,
        },
        answers=[1, 0, 1, 2],
        invalid=[3, -1, "1", [1], None, True, 1.5],
    )

    def check_settings(self, raw: Mapping[str, object]) -> dict[str, JSON]:
        options = text_list(raw, "options", low=2, high=8, max_length=120) if raw.get("options") else []
        if len({o.casefold() for o in options}) != len(options):
            raise SettingsError("options", N_("has the same option twice"))
        correct = text_list(raw, "correct", low=1, high=10, max_length=120)
        if options and any(c not in options for c in correct):
            raise SettingsError("correct", N_("must each be one of the options, written the same"))
        if options and len(correct) == len(options):
            raise SettingsError("correct", N_("cannot be every option"))
        if not options and any(not fold(c) for c in correct):
            raise SettingsError("correct", N_("must hold letters or digits"))
        return {
            "options": options,
            "correct": correct,
            "points": integer(raw, "points", 100, low=10, high=1000),
            "speed_bonus": boolean(raw, "speed_bonus", False),
            "max_length": integer(raw, "max_length", 60, low=10, high=200),
        }

    def is_right(self, settings: Mapping[str, JSON], value: JSON) -> bool:
        if settings.get("options"):
            return settings["options"][value] in settings["correct"]
        return fold(value) in {fold(c) for c in settings["correct"]}

    def normalise_answer(self, settings: Mapping[str, JSON], value: object) -> JSON:
        if settings.get("options"):
            if isinstance(value, bool) or not isinstance(value, int):
                raise AnswerError(N_("Choose an option."))
            if not 0 <= value < len(settings["options"]):
                raise AnswerError(N_("That option does not exist."))
            return value
        if not isinstance(value, str) or not fold(value):
            raise AnswerError(N_("Type your answer first."))
        value = " ".join(value.split())
        if len(value) > settings["max_length"]:
            raise AnswerError(N_("An answer can be at most %(max)d characters."), max=settings["max_length"])
        return value

    def new_aggregate(self, settings: Mapping[str, JSON]) -> Aggregate:
        return QuizAggregate(settings)

    def figure(self, settings: Mapping[str, JSON], aggregate: Aggregate) -> Bars:
        assert isinstance(aggregate, QuizAggregate)
        rows = aggregate.table().rows  # every option, or every typed answer (most given first)
        marked = frozenset(i for i, row in enumerate(rows) if row[-1] == N_("yes"))
        respondents = len(aggregate.answers)
        right = sum(aggregate.right(a.value) for a in aggregate.answers.values())
        return Bars([str(row[0]) for row in rows[:20]], [float(row[1] or 0) for row in rows[:20]], respondents,
                    marked=frozenset(i for i in marked if i < 20),
                    headline=[100 * right / respondents if respondents else None])  # fmt: skip

    def answer_text(self, settings: Mapping[str, JSON], value: JSON) -> str:
        return settings["options"][value] if settings.get("options") else str(value)


TYPE = Quiz()
