"""Question types. Each type is one module; this registry is the only list of them."""

from __future__ import annotations

from .base import JSON, Aggregate, AnswerError, QuestionType, SettingsError
from .choice import Choice
from .opentext import OpenText
from .scale import Scale
from .wordcloud import WordCloud

TYPES: dict[str, QuestionType] = {t.name: t for t in (Choice(), Scale(), WordCloud(), OpenText())}

__all__ = ["JSON", "TYPES", "Aggregate", "AnswerError", "QuestionType", "SettingsError", "get_type"]


def get_type(name: object) -> QuestionType:
    """The question type called `name`; SettingsError names the field when there is none."""
    if not isinstance(name, str) or name not in TYPES:
        raise SettingsError("type", "must be one of: %(types)s", types=", ".join(TYPES))
    return TYPES[name]
