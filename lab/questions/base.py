"""The plug-in contract every question type fulfils, and helpers to validate settings.

A question type is one module in this package that defines `TYPE`, an instance of a `QuestionType` subclass; the
registry (`lab.questions.TYPES`) finds it by itself. A type says how its settings are validated (deck and editor),
how an answer is validated and normalised, how answer records aggregate incrementally, what its results and export
table look like, which interface strings its browser renderer needs, and example settings and answers that the
generic tests, the fuzzer and the benchmark use. Its other two files are a template partial
(`templates/_editor_<name>.html`) and a browser renderer (`static/types/<name>.js`). Nothing outside these files
names a type (docs/architecture.md).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar

from ..errors import N_, Invalid
from ..errors import Term as Term  # defined with the errors (no import cycle with lab.figures); types take it here
from ..records import JSON, Answer, Post

if TYPE_CHECKING:
    from ..figures import Figure
    from ..rules import Verdict

__all__ = [
    "COMMON_KEYS",
    "JSON",
    "N_",
    "PRIVATE_KEYS",
    "Aggregate",
    "AnswerError",
    "Counting",
    "Examples",
    "QuestionType",
    "SettingsError",
    "Table",
]


COMMON_KEYS = frozenset({"allow_change", "timer", "notes", "planned_minutes"})
"""Settings every question has, whatever its type: whether an answer may be changed, the countdown it starts with
(seconds, 0: none), and the facilitator's presenter notes and planned minutes (the run-sheet). None of them changes
what an answer means."""

PRIVATE_KEYS = frozenset({"notes", "planned_minutes"})
"""Settings only the console is sent: never phones or projectors."""


class SettingsError(Invalid):
    """A question's settings (from a deck or the editor) do not fit its type. `field` names the offending setting;
    the message id reads well in `lab check` (English) and, translated, in the console."""

    def __init__(self, field: str, msgid: str, /, **params: object) -> None:
        super().__init__(msgid, **params)
        self.field = field

    def __str__(self) -> str:
        return f"{self.field}: {super().__str__()}"


class AnswerError(Invalid):
    """A participant's answer does not fit the question."""


@dataclass(frozen=True)
class Table:
    """Every figure of a result, for exports and the report: no display limits. Header cells are Terms or
    numbers; row cells are participant or deck text, numbers, or Terms."""

    headers: Sequence[str | int]
    rows: Sequence[Sequence[str | int | float | None]] = field(default_factory=list)


@dataclass(frozen=True)
class Examples:
    """What a type looks like in use: a deck table (without `type` and `prompt`), answers as a phone sends them
    (at least three, not all alike), and answers that must be refused."""

    prompt: str
    settings: Mapping[str, JSON]
    answers: Sequence[JSON]
    invalid: Sequence[JSON]


class Aggregate(ABC):
    """Results of one round of a question, kept up to date one answer record at a time.

    Replacing an answer is a `remove` of the old record and an `add` of the new one; a change of status (hidden,
    approved) is the same. Aggregates are rebuilt from the stored records at start, and must give exactly what
    a recount from those records gives (a property test checks every type)."""

    @abstractmethod
    def add(self, answer: Answer) -> None: ...

    @abstractmethod
    def remove(self, answer: Answer) -> None: ...

    def replace(self, old: Answer, new: Answer) -> None:
        """The same answer with another status (hidden, approved): by default a remove and an add. An aggregate
        that keeps answers in order overrides this to keep the answer where it was."""
        self.remove(old)
        self.add(new)

    def post(self, post: Post) -> None:
        """A Q&A post, new or changed (its status, answered, pinned): only a type that takes posts keeps them."""
        raise TypeError(f"{type(self).__name__} takes no posts")

    def points(self) -> dict[str, int]:
        """Points per participant who answered, for a type that scores (a quiz); none for the others."""
        return {}

    def set_hands(self, counts: list[int]) -> int:
        """A show of hands as the facilitator counted it now (per option; [] takes it away), for a type that
        `counts_hands`; returns how many respondents the hands are."""
        raise TypeError(f"{type(self).__name__} takes no show of hands")

    def upvotes(self, item: str, count: int) -> None:
        """How many participants upvote an item now (a post, a card): a type that shows upvotes keeps the count."""
        return None

    @abstractmethod
    def results(self, *, facilitator: bool = False) -> dict[str, JSON]:
        """The results as sent to screens (docs/api.md), within display limits; `facilitator` includes what is not
        shown (hidden or pending answers) for the console."""

    @abstractmethod
    def table(self) -> Table:
        """Every figure, for exports and the report."""


class Counting(Aggregate):
    """An aggregate of figures over the shown answers: hidden and pending answers count nowhere.
    Subclasses implement `count`, which adds (`step` 1) or takes away (`step` -1) one answer's value."""

    def __init__(self) -> None:
        self.respondents = 0

    def add(self, answer: Answer) -> None:
        if answer.counted:
            self.respondents += 1
            self.count(answer.value, 1)

    def remove(self, answer: Answer) -> None:
        if answer.counted:
            self.respondents -= 1
            self.count(answer.value, -1)

    @abstractmethod
    def count(self, value: JSON, step: int) -> None: ...


class QuestionType(ABC):
    """One kind of question. Subclasses set the class attributes and implement the abstract methods."""

    name: ClassVar[str]  # the deck's `type`, the renderer's file name: [a-z][a-z0-9_]*
    label: ClassVar[str]  # English msgid, shown translated in the editor
    order: ClassVar[int]  # place in the editor's list
    settings_keys: ClassVar[frozenset[str]]
    # Settings that change how a question looks but not what its answers mean; changing another setting (or the
    # type) of a question that has answers starts a new round.
    cosmetic_keys: ClassVar[frozenset[str]] = frozenset()
    # Settings that phones and projectors learn only once the question is closed (the right answer of a quiz or
    # an estimate): while it is open they are left out of what is sent to them; the console always has them.
    secret_keys: ClassVar[frozenset[str]] = frozenset()
    # False for a type that takes no answers (a content slide): phones show it, the room refuses votes for it.
    answerable: ClassVar[bool] = True
    # True for a type whose answers earn points (a quiz): the room keeps a leaderboard over its closed questions.
    scores: ClassVar[bool] = False
    # True for a type that participants can use whenever it is not closed, current or not (a Q&A: a question can
    # come up at any moment of the session). Such a type takes posts and upvotes, not answers.
    anytime: ClassVar[bool] = False
    # True for a type whose answers hold participants' own words: they pass the word filter (lab.moderation) and
    # the question can hold every answer for the facilitator's approval first (the setting `premoderate`).
    has_text: ClassVar[bool] = False
    # True for a type whose answers are short texts that the report groups by theme (lab.themes), and that the
    # facilitator can regroup in the console.
    themed: ClassVar[bool] = False
    # True for a type that a paper ballot can ask (lab.paper): the paper deck prints it and tellers enter it.
    on_paper: ClassVar[bool] = False
    # True for a type whose answers can also be counted as a show of hands (per option, by the facilitator).
    counts_hands: ClassVar[bool] = False
    # Interface strings the browser renderer uses: key -> English msgid (handed to pages translated).
    strings: ClassVar[Mapping[str, str]] = {}
    examples: ClassVar[Examples]

    @property
    def asks(self) -> bool:
        """Whether participants give it something (answers, or a Q&A's questions): the report has a part for it."""
        return self.answerable or self.anytime

    def validate_settings(self, raw: Mapping[str, object]) -> dict[str, JSON]:
        """Check and complete a question's settings; raise SettingsError naming the field."""
        unknown = sorted(set(raw) - self.settings_keys - COMMON_KEYS - ({"premoderate"} if self.has_text else set()))
        if unknown:
            raise SettingsError(unknown[0], N_("unknown setting for this question type"))
        settings = self.check_settings(raw)
        settings["allow_change"] = boolean(raw, "allow_change", True)
        settings["timer"] = integer(raw, "timer", 0, low=0, high=3600)
        if 0 < settings["timer"] < 5:
            raise SettingsError("timer", N_("must be 0 (no timer) or from %(low)d to %(high)d"), low=5, high=3600)
        settings["notes"] = text(raw, "notes", "", max_length=2000)
        settings["planned_minutes"] = integer(raw, "planned_minutes", 0, low=0, high=480)
        if self.has_text:
            settings["premoderate"] = boolean(raw, "premoderate", False)
        return settings

    def answers_still_fit(self, old_type: str, old: Mapping[str, JSON], new: Mapping[str, JSON]) -> bool:
        """Whether answers given under `old` settings keep their meaning under `new` ones."""
        keep = self.cosmetic_keys | COMMON_KEYS | {"premoderate"}
        return old_type == self.name and {k: v for k, v in old.items() if k not in keep} == {
            k: v for k, v in new.items() if k not in keep
        }

    @abstractmethod
    def check_settings(self, raw: Mapping[str, object]) -> dict[str, JSON]: ...

    @abstractmethod
    def normalise_answer(self, settings: Mapping[str, JSON], value: object) -> JSON:
        """Check a participant's answer and return it in the one form that is stored; raise AnswerError."""

    def takes_upvotes(self, settings: Mapping[str, JSON]) -> bool:
        """Whether participants upvote items of this question (a Q&A's posts; open answers with `voting`)."""
        return self.anytime

    def normalise_post(self, settings: Mapping[str, JSON], text: object) -> str:
        """Check a question a participant sends to a type that takes them (`anytime`) and return it as stored."""
        raise AnswerError(N_("This question takes no questions from the room."))

    @abstractmethod
    def new_aggregate(self, settings: Mapping[str, JSON]) -> Aggregate: ...

    @abstractmethod
    def answer_text(self, settings: Mapping[str, JSON], value: JSON) -> str:
        """How a stored answer reads in an export (one cell)."""

    def for_phones(self, results: dict[str, JSON]) -> dict[str, JSON]:
        """Results as phones get them: what a phone's screen shows. A type whose results hold a long list (cards,
        words, pins) sends phones the first part of it; the projector and the console get the whole."""
        return results

    def answer_columns(self, settings: Mapping[str, JSON], value: JSON) -> list[tuple[str, str | int | float | None]]:
        """How a stored answer fills an export's columns, as (header, cell) pairs. A header that is a `Term` is
        one of the export's own columns: by default the answer reads as its text under "Answer". Any other header
        is deck text (a scale's statement), and the export gives it a column of its own for this question, so a
        spreadsheet can count with each part of an answer."""
        return [(Term(N_("Answer")), self.answer_text(settings, value))]

    def figure(self, settings: Mapping[str, JSON], aggregate: Aggregate) -> Figure | None:
        """The round's results as the report draws them (lab.figures); None: the report shows the table alone."""
        return None

    def verdict(self, settings: Mapping[str, JSON], aggregate: Aggregate, eligible: float | None) -> Verdict | None:
        """Whether the round met the decision rule its settings carry (lab.rules), given the weight of everyone who
        may answer (None: not known, an open room); None for a question without a rule."""
        return None

    def texts(self, value: JSON) -> list[str]:
        """The participant's own words in an answer (for the word filter); none unless the type `has_text`."""
        return []


# -- settings helpers ------------------------------------------------------------------------------------------


def text(raw: Mapping[str, object], key: str, default: str | None = None, *, max_length: int = 200) -> str:
    value = raw.get(key, default)
    if value is None:
        raise SettingsError(key, N_("is required"))
    if not isinstance(value, str):
        raise SettingsError(key, N_("must be text"))
    value = value.strip()
    if len(value) > max_length:
        raise SettingsError(key, N_("must be at most %(max)d characters"), max=max_length)
    return value


def integer(raw: Mapping[str, object], key: str, default: int, *, low: int, high: int) -> int:
    value = raw.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int):
        raise SettingsError(key, N_("must be a whole number"))
    if not low <= value <= high:
        raise SettingsError(key, N_("must be from %(low)d to %(high)d"), low=low, high=high)
    return value


def boolean(raw: Mapping[str, object], key: str, default: bool) -> bool:
    value = raw.get(key, default)
    if not isinstance(value, bool):
        raise SettingsError(key, N_("must be true or false"))
    return value


def text_list(raw: Mapping[str, object], key: str, *, low: int, high: int, max_length: int = 200) -> list[str]:
    value = raw.get(key)
    if not isinstance(value, list):
        raise SettingsError(key, N_("must be a list of texts"))
    if not low <= len(value) <= high:
        raise SettingsError(key, N_("must have from %(low)d to %(high)d entries"), low=low, high=high)
    items = []
    for index, item in enumerate(value):
        if not isinstance(item, str) or not item.strip():
            raise SettingsError(f"{key}[{index}]", N_("must be a text that is not empty"))
        if len(item.strip()) > max_length:
            raise SettingsError(f"{key}[{index}]", N_("must be at most %(max)d characters"), max=max_length)
        items.append(item.strip())
    return items


def percent(count: int, total: int) -> float:
    """A share as a percentage with one decimal (the only rounding it gets); 0.0 when nobody answered."""
    return round(100 * count / total, 1) if total else 0.0
