"""Word cloud: one to three words per participant; frequent words show larger.

Words are counted by a normalised key (case, surrounding spaces and punctuation, accents merged) and shown in
their most common spelling, so "Samenwerking", "samenwerking!" and " samenwérking" are one word.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Mapping

from .base import JSON, N_, Aggregate, AnswerError, QuestionType, integer

MAX_WORD_LENGTH = 40
SHOWN_WORDS = 60


def _is_edge(char: str) -> bool:
    return char.isspace() or unicodedata.category(char)[0] in "PSZC"


def tidy_word(word: str) -> str:
    """A word as typed, without surrounding spaces and punctuation, and with inner runs of space folded."""
    start, end = 0, len(word)
    while start < end and _is_edge(word[start]):
        start += 1
    while end > start and _is_edge(word[end - 1]):
        end -= 1
    return " ".join(word[start:end].split())


def normalise_word(word: str) -> str:
    """The key a word is counted by: tidied, accents removed, case folded."""
    decomposed = unicodedata.normalize("NFKD", tidy_word(word))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


class WordAggregate(Aggregate):
    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.spellings: dict[str, Counter[str]] = {}
        self.respondents = 0

    def add(self, participant: str, value: JSON) -> None:
        self.respondents += 1
        for word in value:
            key = normalise_word(word)
            self.counts[key] += 1
            self.spellings.setdefault(key, Counter())[word] += 1

    def remove(self, participant: str, value: JSON) -> None:
        self.respondents -= 1
        for word in value:
            key = normalise_word(word)
            self.counts[key] -= 1
            self.spellings[key][word] -= 1
            if not self.counts[key]:
                del self.counts[key], self.spellings[key]
            elif not self.spellings[key][word]:
                del self.spellings[key][word]

    def results(self, *, facilitator: bool = False) -> dict[str, JSON]:
        words = [
            {"word": self.spellings[key].most_common(1)[0][0], "count": count}
            for key, count in sorted(self.counts.items(), key=lambda item: (-item[1], item[0]))[:SHOWN_WORDS]
        ]
        return {"respondents": self.respondents, "words": words}


class WordCloud(QuestionType):
    name = "wordcloud"
    label = N_("Word cloud")
    settings_keys = frozenset({"max_words"})
    cosmetic_keys = frozenset({"max_words"})

    def check_settings(self, raw: Mapping[str, object]) -> dict[str, JSON]:
        return {"max_words": integer(raw, "max_words", 3, low=1, high=3)}

    def normalise_answer(self, settings: Mapping[str, JSON], value: object) -> JSON:
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(word, str) for word in value):
            raise AnswerError("Type one or more words.")
        words: list[str] = []
        keys: set[str] = set()
        for raw in value:
            word = tidy_word(raw)
            if len(word) > MAX_WORD_LENGTH:
                raise AnswerError("A word can be at most %(max)d characters.", max=MAX_WORD_LENGTH)
            key = normalise_word(word)
            if key and key not in keys:
                keys.add(key)
                words.append(word)
        if not words:
            raise AnswerError("Type one or more words.")
        if len(words) > settings["max_words"]:
            raise AnswerError("Type at most %(max)d words.", max=settings["max_words"])
        return words

    def new_aggregate(self, settings: Mapping[str, JSON]) -> Aggregate:
        return WordAggregate()

    def answer_text(self, settings: Mapping[str, JSON], value: JSON) -> str:
        return "; ".join(value)
