"""The plug-in interface every question type implements, and helpers to validate settings.

A question type is one module in this package. It says how its settings are validated (deck and editor),
how an answer is validated and normalised, how answers aggregate incrementally, and how an answer reads in
an export. Nothing here knows about HTTP, SQL or websockets.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import Any, ClassVar

JSON = Any
"""A value that survives `json.dumps` / `json.loads` unchanged."""


def N_(message: str) -> str:
    """Marks an English message id for extraction; it is translated where it is shown."""
    return message


class SettingsError(ValueError):
    """A question's settings (from a deck or the editor) do not fit its type.

    `field` names the offending setting; `msgid` is an English gettext message id, formatted with `params`,
    so the same error reads well in `lab check` (English) and in the console (Dutch).
    """

    def __init__(self, field: str, msgid: str, **params: object) -> None:
        self.field = field
        self.msgid = msgid
        self.params = params
        super().__init__(f"{field}: {msgid % params if params else msgid}")


class AnswerError(ValueError):
    """A participant's answer does not fit the question. `code` is the error code sent on the socket."""

    def __init__(self, msgid: str, code: str = "invalid", **params: object) -> None:
        self.code = code
        self.msgid = msgid
        self.params = params
        super().__init__(msgid % params if params else msgid)


class Aggregate(ABC):
    """Results of one question, kept up to date one answer at a time.

    `add` and `remove` take the normalised value and the participant's id; replacing an answer is a `remove` of
    the old value and an `add` of the new one. Aggregates are rebuilt from the stored rows at start.
    """

    @abstractmethod
    def add(self, participant: str, value: JSON) -> None: ...

    @abstractmethod
    def remove(self, participant: str, value: JSON) -> None: ...

    @abstractmethod
    def results(self, *, facilitator: bool = False) -> dict[str, JSON]:
        """The results as sent to screens (see docs/api.md); `facilitator` includes what is hidden."""


class QuestionType(ABC):
    """One kind of question. Subclasses set `name` and `label` and implement the abstract methods."""

    name: ClassVar[str]
    label: ClassVar[str]  # English msgid, shown translated in the editor
    settings_keys: ClassVar[frozenset[str]]
    # Settings that change how a question looks but not what its stored answers mean; changing any other
    # setting (or the type) deletes the question's answers.
    cosmetic_keys: ClassVar[frozenset[str]] = frozenset()

    def validate_settings(self, raw: Mapping[str, object]) -> dict[str, JSON]:
        """Check and complete a question's settings; raise SettingsError naming the field."""
        unknown = sorted(set(raw) - self.settings_keys - {"allow_change"})
        if unknown:
            raise SettingsError(unknown[0], "unknown setting for this question type")
        settings = self.check_settings(raw)
        settings["allow_change"] = boolean(raw, "allow_change", True)
        return settings

    def answers_still_fit(self, old_type: str, old: Mapping[str, JSON], new: Mapping[str, JSON]) -> bool:
        """Whether answers given under `old` settings keep their meaning under `new` ones."""
        keep = self.cosmetic_keys | {"allow_change"}
        return old_type == self.name and {k: v for k, v in old.items() if k not in keep} == {
            k: v for k, v in new.items() if k not in keep
        }

    @abstractmethod
    def check_settings(self, raw: Mapping[str, object]) -> dict[str, JSON]: ...

    @abstractmethod
    def normalise_answer(self, settings: Mapping[str, JSON], value: object) -> JSON:
        """Check a participant's answer and return it in the one form that is stored; raise AnswerError."""

    @abstractmethod
    def new_aggregate(self, settings: Mapping[str, JSON]) -> Aggregate: ...

    @abstractmethod
    def answer_text(self, settings: Mapping[str, JSON], value: JSON) -> str:
        """How a stored answer reads in an export (one cell)."""


# -- settings helpers ------------------------------------------------------------------------------------------


def text(raw: Mapping[str, object], key: str, default: str | None = None, *, max_length: int = 200) -> str:
    value = raw.get(key, default)
    if value is None:
        raise SettingsError(key, "is required")
    if not isinstance(value, str):
        raise SettingsError(key, "must be text")
    value = value.strip()
    if len(value) > max_length:
        raise SettingsError(key, "must be at most %(max)d characters", max=max_length)
    return value


def integer(raw: Mapping[str, object], key: str, default: int, *, low: int, high: int) -> int:
    value = raw.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int):
        raise SettingsError(key, "must be a whole number")
    if not low <= value <= high:
        raise SettingsError(key, "must be from %(low)d to %(high)d", low=low, high=high)
    return value


def boolean(raw: Mapping[str, object], key: str, default: bool) -> bool:
    value = raw.get(key, default)
    if not isinstance(value, bool):
        raise SettingsError(key, "must be true or false")
    return value


def text_list(raw: Mapping[str, object], key: str, *, low: int, high: int, max_length: int = 200) -> list[str]:
    value = raw.get(key)
    if not isinstance(value, list):
        raise SettingsError(key, "must be a list of texts")
    if not low <= len(value) <= high:
        raise SettingsError(key, "must have from %(low)d to %(high)d entries", low=low, high=high)
    items = []
    for index, item in enumerate(value):
        if not isinstance(item, str) or not item.strip():
            raise SettingsError(f"{key}[{index}]", "must be a text that is not empty")
        if len(item.strip()) > max_length:
            raise SettingsError(f"{key}[{index}]", "must be at most %(max)d characters", max=max_length)
        items.append(item.strip())
    return items


def percent(count: int, total: int) -> float:
    """A share as a percentage with one decimal; 0.0 when nobody answered."""
    return round(100 * count / total, 1) if total else 0.0
