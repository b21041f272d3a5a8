"""Question types: each is one module in this package that defines `TYPE`. The registry below finds them by
itself, so adding a type adds a module here, never a line to a list elsewhere (docs/architecture.md)."""

from __future__ import annotations

import importlib
import pkgutil
import re
from pathlib import Path

from .base import JSON, N_, Aggregate, AnswerError, Examples, QuestionType, SettingsError, Table, Term

__all__ = [
    "JSON", "TYPES", "Aggregate", "AnswerError", "Examples", "QuestionType", "SettingsError", "Table", "Term",
    "get_type", "strings", "styles",
]  # fmt: skip

NAME = re.compile(r"[a-z][a-z0-9_]*")


def _discover() -> dict[str, QuestionType]:
    found: list[QuestionType] = []
    for module in pkgutil.iter_modules(__path__):
        if module.name == "base":
            continue
        kind = getattr(importlib.import_module(f"{__name__}.{module.name}"), "TYPE", None)
        if not isinstance(kind, QuestionType) or not NAME.fullmatch(kind.name):
            raise TypeError(f"lab.questions.{module.name} must define TYPE, a QuestionType named [a-z][a-z0-9_]*")
        found.append(kind)
    return {kind.name: kind for kind in sorted(found, key=lambda kind: (kind.order, kind.name))}


TYPES: dict[str, QuestionType] = _discover()
"""Every question type by name, in the editor's order."""


def get_type(name: object) -> QuestionType:
    """The question type called `name`; SettingsError names the field when there is none."""
    if not isinstance(name, str) or name not in TYPES:
        raise SettingsError("type", N_("must be one of: %(types)s"), types=", ".join(TYPES))
    return TYPES[name]


def styles() -> str:
    """The question types' own styles (`static/types/<name>.css`, where a type has one), as one stylesheet: one
    request for a phone on a slow line, however many types there are."""
    folder = Path(__file__).parent.parent / "static" / "types"
    parts = []
    for name in TYPES:
        path = folder / f"{name}.css"
        if path.is_file():
            parts.append(f"/* {name} */\n{path.read_text(encoding='utf-8')}")
    return "\n".join(parts)


def strings() -> dict[str, str]:
    """Every interface string the types' browser renderers use: key -> English msgid."""
    merged: dict[str, str] = {}
    for kind in TYPES.values():
        for key, msgid in kind.strings.items():
            if merged.setdefault(key, msgid) != msgid:
                raise ValueError(f"string {key!r} of question type {kind.name} means something else elsewhere")
    return merged
