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

from . import media
from .anonymity import ANONYMOUS, MODES
from .consultation import Consultation
from .consultation import check as check_consultation
from .details import KEYS as DETAIL_KEYS
from .details import Details, check_details
from .errors import N_, LabError
from .groups import FLOOR, MOST_FLOOR
from .i18n import DEFAULT as DEFAULT_LANGUAGE
from .i18n import LANGUAGES
from .media import StoredImage
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
    images: Mapping[str, StoredImage] = field(default_factory=lambda: MappingProxyType({}))  # by stored name
    details: Details = field(default_factory=Details)  # place, facilitator, date, time zone: for the report
    access: str = "open"  # "codes": only members answer, with the code on their letter (lab.members)
    consultation: Consultation = field(default_factory=Consultation)  # at the participants' own pace, or live
    privacy_floor: int = FLOOR  # no group with fewer respondents is shown apart (lab.groups)
    anonymity: str = ANONYMOUS  # with member codes: how the link from a code to its answers is kept (lab.anonymity)


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


def parse_deck(source: str, file: str = "<deck>", folder: Path | None = None, images: bool = True) -> Deck:
    """Parse a deck's TOML text. Raises DeckError with file, line, question and field. An `image` that names a file
    (a slide's picture, a map to pin on) is read from `folder` (the deck's own folder), checked and made ready to
    store with the room (lab.media); without `images` only its name is checked (a list of decks need not decode
    every picture)."""
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
    unknown = sorted(
        set(data)
        - {
            "title",
            "description",
            "language",
            "access",
            "anonymity",
            "consultation",
            "privacy_floor",
            "questions",
            *DETAIL_KEYS,
        }
    )
    if unknown:
        raise DeckError(f"{file}: {unknown[0]}: unknown setting at the top of the deck")
    access = data.get("access", "open")
    if access not in ("open", "codes"):
        raise DeckError(f'{file}: access: must be "open" (anyone with the join code) or "codes" (members with a code)')
    anonymity = data.get("anonymity", ANONYMOUS)
    if anonymity not in MODES:
        raise DeckError(f'{file}: anonymity: must be "anonymous", "pseudonymous" or "named"')
    try:
        details = check_details({key: data[key] for key in DETAIL_KEYS if key in data})
    except SettingsError as error:
        raise DeckError(f"{file}: {error}") from None
    privacy_floor = data.get("privacy_floor", FLOOR)
    if type(privacy_floor) is not int or not 1 <= privacy_floor <= MOST_FLOOR:
        raise DeckError(f"{file}: privacy_floor: must be a whole number from 1 to {MOST_FLOOR}")
    raw_consultation = data.get("consultation", {})
    if not isinstance(raw_consultation, Mapping):
        raise DeckError(f"{file}: consultation: must be a table ([consultation])")
    try:
        consultation = check_consultation(raw_consultation, details.zone)
    except SettingsError as error:
        raise DeckError(f"{file}: consultation: {error}") from None
    raw_questions = data.get("questions", [])
    if not isinstance(raw_questions, list) or not raw_questions:
        raise DeckError(f"{file}: questions: add at least one [[questions]] table")
    if len(raw_questions) > MAX_QUESTIONS:
        raise DeckError(f"{file}: questions: at most {MAX_QUESTIONS} questions")
    starts = _question_lines(source)
    questions = []
    prepared: dict[str, StoredImage] | None = {} if images else None
    for index, raw in enumerate(raw_questions):
        try:
            questions.append(parse_question(_with_image(raw, folder, prepared)))
        except (SettingsError, LabError) as error:
            if not isinstance(error, SettingsError):  # the image file: not an image, too large
                error = SettingsError("image", error.msgid, **error.params)
            line = _field_line(source, starts, index, error.field)
            where = f"{file}:{line}" if line else file
            raise DeckError(f"{where}: question {index + 1}: {error}") from None
    return Deck(
        title.strip(), description.strip(), tuple(questions), file, language, MappingProxyType(prepared or {}), details,
        access, consultation, privacy_floor, anonymity,
    )  # fmt: skip


IMAGE_LIMIT = 5_000_000  # a deck's image, as the console's upload limit


PLACEHOLDER = "0" * 64 + ".png"  # an image's stored name, for a deck read without decoding its images


def _with_image(raw: object, folder: Path | None, images: dict[str, StoredImage] | None) -> object:
    """The question's table with an image file replaced by the name lab stores it under (`images` None: the file
    must exist, and is not read)."""
    if not isinstance(raw, Mapping) or not isinstance(raw.get("image"), str):
        return raw
    image = raw["image"].strip()
    if not image or media.NAME.fullmatch(image):
        return raw
    if folder is None:
        raise SettingsError("image", N_("must be an image file next to the deck"))
    path = (folder / image).resolve()
    if folder.resolve() not in path.parents or not path.is_file():
        raise SettingsError("image", N_("must be an image file next to the deck"))
    if images is None:
        return {**raw, "image": PLACEHOLDER}
    try:
        upload = path.read_bytes()
    except OSError:
        raise SettingsError("image", N_("must be an image file next to the deck")) from None
    stored = media.prepare(upload, IMAGE_LIMIT)
    images[stored.name] = stored
    return {**raw, "image": stored.name}


def load_deck(path: Path, images: bool = True) -> Deck:
    """Read and parse a deck file (with its images decoded and ready to store, unless told not to)."""
    try:
        source = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise DeckError(f"{path}: cannot be read: {error}") from None
    return parse_deck(source, path.name, path.parent, images)


def list_decks(folder: Path) -> list[Deck]:
    """Every valid deck in a folder, by file name; invalid ones are left out (`lab check` explains them)."""
    decks = []
    for path in sorted(folder.glob("*.toml")):
        try:
            decks.append(load_deck(path, images=False))
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
