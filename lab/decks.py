"""Decks: a session's questions as a TOML file in `sessions/` (format: docs/decks.md).

A deck is parsed into frozen dataclasses. Errors name the file, the question (number and line) and the field,
so `lab check` tells an organiser exactly what to mend.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from .errors import N_
from .i18n import DEFAULT as DEFAULT_LANGUAGE
from .i18n import LANGUAGES
from .questions import JSON, SettingsError, get_type

MAX_QUESTIONS = 100
PROMPT_LENGTH = 300
TITLE_LENGTH = 120


@dataclass(frozen=True)
class QuestionSpec:
    """A question as written in a deck or the editor: its type, prompt and validated settings."""

    type: str
    prompt: str
    settings: Mapping[str, JSON] = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True)
class Deck:
    title: str
    description: str
    questions: tuple[QuestionSpec, ...]
    file: str = ""
    language: str = DEFAULT_LANGUAGE  # of the deck's text; the room's, and its projector's interface language


class DeckError(ValueError):
    """A deck that cannot be used. The message names the file, line, question and field."""


def parse_question(raw: object) -> QuestionSpec:
    """Validate one question (a TOML table or a JSON object). Raises SettingsError naming the field."""
    if not isinstance(raw, Mapping):
        raise SettingsError("question", N_("must be a table of settings"))
    kind = get_type(raw.get("type"))
    prompt = raw.get("prompt")
    if not isinstance(prompt, str) or not prompt.strip():
        raise SettingsError("prompt", N_("is required"))
    if len(prompt.strip()) > PROMPT_LENGTH:
        raise SettingsError("prompt", N_("must be at most %(max)d characters"), max=PROMPT_LENGTH)
    settings = kind.validate_settings({k: v for k, v in raw.items() if k not in ("type", "prompt")})
    return QuestionSpec(kind.name, prompt.strip(), MappingProxyType(settings))


def parse_deck(source: str, file: str = "<deck>") -> Deck:
    """Parse a deck's TOML text. Raises DeckError with file, line, question and field."""
    try:
        data = tomllib.loads(source)
    except tomllib.TOMLDecodeError as error:
        raise DeckError(f"{file}: not valid TOML: {error}") from None
    title = data.get("title")
    if not isinstance(title, str) or not title.strip():
        raise DeckError(f"{file}: title: is required (a text at the top of the file)")
    if len(title) > TITLE_LENGTH:
        raise DeckError(f"{file}: title: must be at most {TITLE_LENGTH} characters")
    description = data.get("description", "")
    if not isinstance(description, str):
        raise DeckError(f"{file}: description: must be text")
    language = data.get("language", DEFAULT_LANGUAGE)
    if language not in LANGUAGES:
        raise DeckError(f"{file}: language: must be one of: {', '.join(LANGUAGES)}")
    unknown = sorted(set(data) - {"title", "description", "language", "questions"})
    if unknown:
        raise DeckError(f"{file}: {unknown[0]}: unknown setting at the top of the deck")
    raw_questions = data.get("questions", [])
    if not isinstance(raw_questions, list) or not raw_questions:
        raise DeckError(f"{file}: questions: add at least one [[questions]] table")
    if len(raw_questions) > MAX_QUESTIONS:
        raise DeckError(f"{file}: questions: at most {MAX_QUESTIONS} questions")
    starts = _question_lines(source)
    questions = []
    for index, raw in enumerate(raw_questions):
        try:
            questions.append(parse_question(raw))
        except SettingsError as error:
            line = _field_line(source, starts, index, error.field)
            where = f"{file}:{line}" if line else file
            raise DeckError(f"{where}: question {index + 1}: {error}") from None
    return Deck(title.strip(), description.strip(), tuple(questions), file, language)


def load_deck(path: Path) -> Deck:
    """Read and parse a deck file."""
    try:
        source = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise DeckError(f"{path}: cannot be read: {error}") from None
    return parse_deck(source, path.name)


def list_decks(folder: Path) -> list[Deck]:
    """Every valid deck in a folder, by file name; invalid ones are left out (`lab check` explains them)."""
    decks = []
    for path in sorted(folder.glob("*.toml")):
        try:
            decks.append(load_deck(path))
        except DeckError:
            continue
    return decks


def _question_lines(source: str) -> list[int]:
    """The line numbers (1-based) of each `[[questions]]` header."""
    return [n for n, line in enumerate(source.splitlines(), start=1) if re.match(r"\s*\[\[\s*questions\s*\]\]", line)]


def _field_line(source: str, starts: list[int], index: int, field_name: str) -> int | None:
    """The line of `field_name` inside the question's table, or else the table's header line."""
    if index >= len(starts):
        return None  # the questions were written as an inline array; no line to point at
    lines = source.splitlines()
    end = starts[index + 1] - 1 if index + 1 < len(starts) else len(lines)
    key = field_name.split("[")[0]
    for number in range(starts[index], end + 1):
        if re.match(rf"\s*{re.escape(key)}\s*=", lines[number - 1]):
            return number
    return starts[index]


def question_as_dict(spec: QuestionSpec) -> dict[str, Any]:
    """A spec back in the shape of a deck's table (for the editor and for tests)."""
    return {"type": spec.type, "prompt": spec.prompt, **spec.settings}
