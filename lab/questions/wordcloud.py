"""Word cloud: one to three words per participant; frequent words show larger.

Words are counted by a normalised key (case, surrounding spaces and punctuation, accents merged) and shown in
their most common spelling, so "Samenwerking", "samenwerking!" and " samenwérking" are one word.
"""

from __future__ import annotations

import heapq
import unicodedata
from collections import Counter
from collections.abc import Callable, Mapping
from types import MappingProxyType

from ..figures import Cloud
from .base import JSON, N_, Aggregate, AnswerError, Counting, Examples, QuestionType, Table, Term, integer

MAX_WORD_LENGTH = 40
SHOWN_WORDS = 60  # a screen shows at most this many (the most frequent); exports have them all
PHONE_WORDS = 30  # a phone shows the most frequent this many


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


class WordAggregate(Counting):
    def __init__(self) -> None:
        super().__init__()
        self.counts: Counter[str] = Counter()
        self.spellings: dict[str, Counter[str]] = {}

    def count(self, value: JSON, step: int) -> None:
        for word in value:
            key = normalise_word(word)
            self.counts[key] += step
            spellings = self.spellings.setdefault(key, Counter())
            spellings[word] += step
            if not self.counts[key]:
                del self.counts[key], self.spellings[key]
            elif not spellings[word]:
                del spellings[word]

    def _ranked(self, most: int | None = None) -> list[tuple[str, int]]:
        """(word in its most common spelling, count), most frequent first, ties by key; the first `most` only,
        if given (a vocabulary of 10,000 words is not sorted whole for the 60 a screen shows). Equally common
        spellings are settled by the spelling itself, never by arrival order, so a room rebuilt at start shows
        the same."""
        order: Callable[[tuple[str, int]], tuple[int, str]] = lambda item: (-item[1], item[0])  # noqa: E731
        items = self.counts.items()
        ranked = sorted(items, key=order) if most is None else heapq.nsmallest(most, items, key=order)
        return [(min(self.spellings[key].items(), key=lambda s: (-s[1], s[0]))[0], count) for key, count in ranked]

    def results(self, *, facilitator: bool = False) -> dict[str, JSON]:
        words = [{"word": word, "count": count} for word, count in self._ranked(SHOWN_WORDS)]
        return {"respondents": self.respondents, "words": words}

    def table(self) -> Table:
        return Table([Term(N_("Word")), Term(N_("Count"))], [[word, count] for word, count in self._ranked()])


class WordCloud(QuestionType):
    name = "wordcloud"
    label = N_("Word cloud")
    order = 30
    settings_keys = frozenset({"max_words"})
    cosmetic_keys = frozenset({"max_words"})
    has_text = True
    strings = MappingProxyType(
        {"word": N_("Word %(n)s"), "type_word": N_("Type at least one word."), "send": N_("Send")}
    )
    examples = Examples(
        prompt="Welk woord past erbij?",
        settings={"max_words": 3},
        answers=[["Samenwerking!", "huurders"], "overleg", [" samenwérking", "Wonen"]],
        invalid=[[], ["", "!!"], [1], ["a", "b", "c", "d"], ["x" * 41], None, {"a": 1}],
    )

    def for_phones(self, results: dict[str, JSON]) -> dict[str, JSON]:
        words = results["words"]
        assert isinstance(words, list)
        return {**results, "words": words[:PHONE_WORDS]} if len(words) > PHONE_WORDS else results

    def check_settings(self, raw: Mapping[str, object]) -> dict[str, JSON]:
        return {"max_words": integer(raw, "max_words", 3, low=1, high=3)}

    def normalise_answer(self, settings: Mapping[str, JSON], value: object) -> JSON:
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(word, str) for word in value):
            raise AnswerError(N_("Type one or more words."))
        words: list[str] = []
        keys: set[str] = set()
        for raw in value:
            word = tidy_word(raw)
            if len(word) > MAX_WORD_LENGTH:
                raise AnswerError(N_("A word can be at most %(max)d characters."), max=MAX_WORD_LENGTH)
            key = normalise_word(word)
            if key and key not in keys:
                keys.add(key)
                words.append(word)
        if not words:
            raise AnswerError(N_("Type one or more words."))
        if len(words) > settings["max_words"]:
            raise AnswerError(N_("Type at most %(max)d words."), max=settings["max_words"])
        return words

    def new_aggregate(self, settings: Mapping[str, JSON]) -> Aggregate:
        return WordAggregate()

    def figure(self, settings: Mapping[str, JSON], aggregate: Aggregate) -> Cloud:
        assert isinstance(aggregate, WordAggregate)
        return Cloud(aggregate._ranked())

    def answer_text(self, settings: Mapping[str, JSON], value: JSON) -> str:
        return "; ".join(value)

    def texts(self, value: JSON) -> list[str]:
        return list(value)


TYPE = WordCloud()
