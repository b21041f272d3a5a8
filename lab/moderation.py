"""Which participant text waits for the facilitator's approval before anyone else sees it.

Nothing is deleted and nothing is changed: an answer that trips the word list is stored as `pending`, seen only in
the console's queue, and reaches the projector and phones when the facilitator approves it. The lists are
lab/words/nl.txt and en.txt (from LDNOOBW, CC BY 4.0, trimmed of everyday Dutch; see their headers), plus the
organiser's own words (LAB_BLOCKED_WORDS).

Text is compared the way people get around a filter: case, accents and spacing do not matter, nor common letter
swaps (0 for o, 1 for i, 3 for e, 4 or @ for a, 5 or $ for s, 7 for t) or a letter typed many times ("kuuut"). A
listed word matches a whole word (so "hoer" does not flag "hoera"); a listed phrase matches those words in a row; a
word listed with a trailing * also matches words that start with it, for Dutch curse compounds ("klotebeleid").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import cache
from pathlib import Path

WORDS = Path(__file__).parent / "words"
_SWAPS = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "@": "a", "5": "s", "$": "s", "7": "t"})
_REPEATS = re.compile(r"(.)\1{2,}")
_WORD = re.compile(r"[^\W_]+")
# Dutch and English plural and diminutive endings: "hufters", "hoeren", "klootzakken" (a doubled consonant), "lulletje".
_ENDINGS = ("s", "es", "en", "n", "e", "je", "jes", "tje", "tjes", "etje", "etjes")


def words_of(text: str) -> list[str]:
    """The words of a text as the filter compares them."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).translate(_SWAPS)
    return _WORD.findall(_REPEATS.sub(r"\1", plain))


class WordFilter:
    """Listed words, phrases and prefixes; `flags(text)` says which of them a text contains."""

    def __init__(self, entries: Iterable[str]) -> None:
        self.words: set[str] = set()
        self.prefixes: list[str] = []
        self.phrases: dict[str, list[tuple[str, ...]]] = {}  # by their first word: checked only where it occurs
        for entry in entries:
            prefix = entry.strip().endswith("*")
            parts = tuple(words_of(entry.strip().rstrip("*")))
            if not parts:
                continue
            if prefix and len(parts) == 1:
                self.prefixes.append(parts[0])
            elif len(parts) == 1:
                self.words.add(parts[0])
            else:
                self.phrases.setdefault(parts[0], []).append(parts)
        alternatives = "|".join(re.escape(p) for p in sorted(self.prefixes, key=len, reverse=True))
        self._prefixed = re.compile(f"(?:{alternatives})") if self.prefixes else None

    def flags(self, text: str) -> list[str]:
        """The listed words and phrases found in `text`, in the order they occur (empty: nothing to hold back)."""
        words = words_of(text)
        listed = {w for w in set(words) if self._matches(w)}  # each distinct word is looked up once
        found = [w for w in words if w in listed]
        for i, word in enumerate(words):  # a phrase is looked for only where its first word is
            for phrase in self.phrases.get(word, ()):
                if tuple(words[i : i + len(phrase)]) == phrase and " ".join(phrase) not in found:
                    found.append(" ".join(phrase))
        return found

    def _matches(self, word: str) -> bool:
        if word in self.words or (self._prefixed is not None and self._prefixed.match(word)):
            return True
        for ending in _ENDINGS:
            if word.endswith(ending) and len(word) > len(ending) + 2:
                base = word[: -len(ending)]
                if base in self.words or (base[-1:] == base[-2:-1] and base[:-1] in self.words):
                    return True
        return False


def _listed(path: Path) -> list[str]:
    return [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip() and not line.startswith("#")]


@cache
def word_filter(extra: tuple[str, ...] = ()) -> WordFilter:
    """lab's lists for Dutch and English, and the organiser's own words."""
    return WordFilter([*_listed(WORDS / "nl.txt"), *_listed(WORDS / "en.txt"), *extra])
