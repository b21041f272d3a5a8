"""Group short open answers into themes, for the facilitator's report.

Open answers are two to thirty words typed on a phone ("huren omlaag", "schimmel in de badkamer", "onderhout loopt
achter"), so two answers about one theme often share no word at all. Each answer becomes a list of features: its
words are lowercased and stripped of accents and punctuation, stopwords dropped, and each word is looked up in a
small housing lexicon (lab/words/themes_nl.txt) as typed, as stemmed (Snowball), one letter off (typos) and split
as a Dutch compound ("drugsoverlast", "zwerfafval"); a listed word counts as its concept ("lekkage" and "schimmel" are
both `onderhoud`), any other word as its stem. Answers are clustered by the cosine distance of their feature
vectors with average linkage up to a distance threshold, so the number of themes follows from the answers rather
than being chosen beforehand. Groups smaller than 2 answers, or than 1 in 50 of them, and answers with no features
left (only stopwords, emoji, numbers) go to one last theme, `OTHER`.

Why this method: a laptop without internet has no word embeddings, and short answers share too few words to group
by words alone: on the 240 labelled answers of bench/themes_nl.toml plain TF-IDF of the words reaches an adjusted
Rand index of about 0.0, this method 0.68 (0.49 on the half it was not tuned on; `python -m bench.themes`). The
lexicon does most of that; stems, compounds and typos add the rest. Features are weighted by count (sublinear TF)
without IDF: a concept many answers share is what makes a theme, and IDF would weigh exactly those down (equal on
the tuning half, and three answers about "bankjes" stay together). Average linkage keeps a theme from growing by
chains of single shared words, as single linkage does (at best 0.73 instead of 0.89 on the tuning half); complete
linkage does as well here. The threshold lies well inside the range that scores best on the tuning half (0.45-0.78).

A theme is named after the feature most of its answers share: a concept's name, or a word in its commonest typed
form. Themes a facilitator has corrected (`fixed`) are kept exactly; a new answer joins the fixed theme it is on
average most like (its members and its name) when that is within the threshold, and the rest are grouped as above.
Pure and synchronous: it runs in a worker thread, reads only its own word lists, and gives the same themes for the
same input.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from math import ceil
from pathlib import Path
from typing import Any

import numpy as np
import snowballstemmer  # type: ignore[import-untyped]
from sklearn.cluster import AgglomerativeClustering  # type: ignore[import-untyped]
from sklearn.feature_extraction.text import TfidfVectorizer  # type: ignore[import-untyped]

OTHER = "Other"  # the msgid of the last theme, of answers that fit no other; the caller translates it
WORDS = Path(__file__).parent / "words"
STEMMERS = {"nl": "dutch", "en": "english"}
_WORD = re.compile(r"[^\W\d_]+")
_LINKS = ("s", "en", "e")  # the letters Dutch puts between the parts of a compound: "veiligheid-s-gevoel"


@dataclass(frozen=True)
class Theme:
    """A group of answers: a short label and the keys of its answers, in input order."""

    name: str
    items: tuple[str, ...]


@dataclass(frozen=True)
class Tuning:
    """What the grouping may use, and how close answers must be. The defaults are the measured best
    (`python -m bench.themes`); the others exist to show what each part adds."""

    threshold: float = 0.65  # cosine distance (average linkage) under which answers form one theme
    concept_weight: int = 2  # how many times a lexicon concept counts against a plain word in one answer
    share: int = 50  # a theme needs at least 1 in `share` of the answers grouped (and at least 2)
    idf: bool = False  # weigh features by inverse document frequency (TF-IDF) rather than by count alone (TF)
    lexicon: bool = True
    stem: bool = True
    compounds: bool = True
    typos: bool = True


DEFAULT = Tuning()


@dataclass(frozen=True)
class _Language:
    stemmer: str
    stop: frozenset[str]
    concepts: Mapping[str, str]  # a listed word as typed -> its concept
    stems: Mapping[str, str]  # a listed word's stem -> its concept
    near: Mapping[str, str]  # a listed word of 7 letters or more, and it less one letter -> its concept


def group(
    answers: Sequence[tuple[str, str]], *, lang: str = "nl", fixed: Sequence[Theme] = (), tuning: Tuning = DEFAULT
) -> list[Theme]:
    """Themes of `answers` ((key, text) pairs): every key exactly once, the largest theme first (ties: the one whose
    first answer came first), `OTHER` last. `fixed` themes keep their name and members (less keys no longer among the
    answers), even when empty; a fixed theme named `OTHER` stays in the last theme and takes no new answers."""
    position: dict[str, int] = {}
    for key, _ in answers:
        if key in position:
            raise ValueError(f"answer key {key!r} is given twice")
        position[key] = len(position)
    reader = _Reader(_language(lang), [text for _, text in answers], tuning)
    found = [reader.features(text) for _, text in answers]
    space = _Space.of([[feature for feature, _ in features] for features in found], tuning.idf)

    held: list[tuple[str, list[int]]] = []  # the fixed themes other than OTHER, with their members
    other: list[int] = []
    taken: set[int] = set()
    for theme in fixed:
        members = [position[key] for key in theme.items if key in position]
        if taken.intersection(members) or len(set(members)) < len(members):
            raise ValueError(f"an answer is in a fixed theme twice or in two of them ({theme.name!r})")
        taken.update(members)
        if theme.name == OTHER:
            other.extend(members)
        else:
            held.append((theme.name, members))

    free = [i for i in range(len(answers)) if i not in taken and i in space.rows]
    joined = _join(free, held, space, reader, tuning.threshold)
    placed = {i for members in joined.values() for i in members}
    loose = [i for i in free if i not in placed]
    clusters = _cluster(loose, space, tuning.threshold)
    smallest = max(2, ceil(len(loose) / tuning.share))
    other.extend(i for i in range(len(answers)) if i not in taken and i not in space.rows)
    other.extend(i for cluster in clusters if len(cluster) < smallest for i in cluster)

    names = {name.casefold() for name, _ in held} | {OTHER.casefold()}
    themes: list[tuple[str, list[int], int]] = []  # name, members, where it comes among equals
    for n, (name, members) in enumerate(held):
        members = sorted(members + joined.get(n, []))
        themes.append((name, members, members[0] if members else len(answers) + n))
    for cluster in clusters:
        if len(cluster) >= smallest:
            name = _name(cluster, found, names)
            names.add(name.casefold())
            themes.append((name, cluster, cluster[0]))
    themes.sort(key=lambda theme: (-len(theme[1]), theme[2]))
    result = [Theme(name, tuple(answers[i][0] for i in members)) for name, members, _ in themes]
    if other:
        result.append(Theme(OTHER, tuple(answers[i][0] for i in sorted(other))))
    return result


class _Reader:
    """Turns texts into (feature, word as typed) pairs. Its caches and its stemmer (which is not thread-safe) live
    for one call. A concept's feature starts with "#" so that it never equals a plain word's stem."""

    def __init__(self, language: _Language, texts: Sequence[str], tuning: Tuning) -> None:
        self.language = language
        self.tuning = tuning
        self.stemmer = snowballstemmer.stemmer(language.stemmer)
        self.seen = {_plain(word) for text in texts for word in _typed(text)}  # for the parts of compounds
        self.stems: dict[str, str] = {}
        self.known: dict[str, list[str]] = {}

    def features(self, text: str) -> list[tuple[str, str]]:
        found: list[tuple[str, str]] = []
        for typed in _typed(text):
            word = _plain(typed)
            if len(word) < 2:
                continue
            if word not in self.known:
                self.known[word] = self._lookup(word)
            found.extend((feature, typed) for feature in self.known[word])
        return found

    def _stem(self, word: str) -> str:
        if not self.tuning.stem:
            return word
        if word not in self.stems:
            self.stems[word] = str(self.stemmer.stemWord(word))
        return self.stems[word]

    def _concept(self, word: str) -> str | None:
        """The concept of a listed word, as typed or stemmed; None for a word not listed."""
        language = self.language
        if not self.tuning.lexicon:
            return None
        return language.concepts.get(word) or language.stems.get(self._stem(word))

    def _lookup(self, word: str) -> list[str]:
        if word in self.language.stop:
            return []
        weight = self.tuning.concept_weight
        concept = self._concept(word)
        if concept is None and self.tuning.typos and self.tuning.lexicon and len(word) >= 7:
            concept = _near(word, self.language.near)
        if concept is not None:
            return [f"#{concept}"] * weight
        if self.tuning.compounds:
            parts = self._split(word)
            if parts is not None:
                return parts
        return [self._stem(word)]

    def _split(self, word: str) -> list[str] | None:
        """The features of a Dutch compound: two known parts ("drugs-overlast", "afval-containers"), or one unknown
        part beside a listed word of five letters or more ("zwerf-afval"). The head (right part) is preferred long,
        and parts that are concepts over plain words. None: not a compound."""
        best: tuple[int, int, int, list[str]] | None = None
        for cut in range(3, len(word) - 2):
            right = word[cut:]
            for link in ("", *_LINKS):
                left = word[: cut - len(link)]
                if not word[:cut].endswith(link) or len(left) < 3:
                    continue
                kinds = [(left, self._kind(left)), (right, self._kind(right))]
                concepts = [part for part, kind in kinds if kind.startswith("#")]
                if any(kind == "?" for _, kind in kinds) and not any(len(part) >= 5 for part in concepts):
                    continue
                features = [kind for _, kind in kinds if kind not in ("", "?")]
                if features and (best is None or (len(concepts), len(features), len(right)) > best[:3]):
                    best = (len(concepts), len(features), len(right), features)
        if best is None:
            return None
        return [f for f in best[3] for _ in range(self.tuning.concept_weight if f.startswith("#") else 1)]

    def _kind(self, part: str) -> str:
        """A compound part as a feature: "#concept", a stem, "" for a stopword, "?" for a part not known."""
        if part in self.language.stop:
            return ""
        concept = self._concept(part)
        if concept is not None:
            return f"#{concept}"
        return self._stem(part) if len(part) >= 4 and part in self.seen else "?"


@dataclass(frozen=True)
class _Space:
    """The vectors of the answers that have features, and the cosine similarity of every two of them."""

    vectorizer: TfidfVectorizer | None
    rows: dict[int, int]  # answer index -> its row; answers without features have none
    vectors: Any
    similar: np.ndarray

    @classmethod
    def of(cls, docs: list[list[str]], idf: bool) -> _Space:
        rows: dict[int, int] = {}
        for i, doc in enumerate(docs):
            if doc:
                rows[i] = len(rows)
        if not rows:
            return cls(None, rows, None, np.zeros((0, 0)))
        vectorizer = TfidfVectorizer(analyzer=_as_is, sublinear_tf=True, use_idf=idf)
        vectors = vectorizer.fit_transform([docs[i] for i in rows])
        return cls(vectorizer, rows, vectors, np.asarray((vectors @ vectors.T).toarray()))

    def like(self, answers: list[int], others: list[int], name: list[str]) -> np.ndarray:
        """How like `others` (and a text with the features `name`) each of `answers` is on average; -1 if `others`
        and `name` give nothing to compare with."""
        theirs = [self.rows[i] for i in others if i in self.rows]
        mine = [self.rows[i] for i in answers]
        columns = [self.similar[np.ix_(mine, theirs)]]
        if self.vectorizer is not None and name:
            named = self.vectorizer.transform([name])
            if named.nnz:
                columns.append(np.asarray((self.vectors[mine] @ named.T).toarray()))
        together = np.hstack(columns)
        return together.mean(axis=1) if together.shape[1] else np.full(len(answers), -1.0)


def _as_is(features: list[str]) -> list[str]:
    return features


def _join(
    free: list[int], held: list[tuple[str, list[int]]], space: _Space, reader: _Reader, threshold: float
) -> dict[int, list[int]]:
    """Which new answers join which fixed theme (by its place in `held`): the one each is on average most like, its
    name counting as one more member, when that average distance is under `threshold`."""
    joined: dict[int, list[int]] = {}
    if not held or not free:
        return joined
    scores = np.column_stack(
        [space.like(free, members, [f for f, _ in reader.features(name)]) for name, members in held]
    )
    for row, i in enumerate(free):
        best = int(np.argmax(scores[row]))  # the first of equals: the fixed theme given first
        if 1.0 - scores[row, best] < threshold:
            joined.setdefault(best, []).append(i)
    return joined


def _cluster(answers: list[int], space: _Space, threshold: float) -> list[list[int]]:
    """`answers` in groups by average-linkage clustering on cosine distance, each group in input order, the groups
    in the order of their first answer."""
    if len(answers) < 2:
        return [answers] if answers else []
    mine = [space.rows[i] for i in answers]
    distance = np.clip(1.0 - space.similar[np.ix_(mine, mine)], 0.0, 2.0)
    np.fill_diagonal(distance, 0.0)
    labels = AgglomerativeClustering(
        n_clusters=None, metric="precomputed", linkage="average", distance_threshold=threshold
    ).fit_predict(distance)
    groups: dict[int, list[int]] = {}
    for i, label in zip(answers, labels, strict=True):
        groups.setdefault(int(label), []).append(i)
    return list(groups.values())


def _name(members: list[int], found: list[list[tuple[str, str]]], taken: set[str]) -> str:
    """The feature most members share (ties: the one met first): a concept's name, or a word as most often typed.
    A name already taken gives way to the next feature, and at last to a number after the first name."""
    shared: Counter[str] = Counter()
    typed: dict[str, Counter[str]] = {}
    for i in members:
        shared.update(list(dict.fromkeys(f for f, _ in found[i])))  # once per answer, in the order met
        for feature, word in found[i]:
            typed.setdefault(feature, Counter())[word] += 1
    names = [f[1:] if f.startswith("#") else typed[f].most_common(1)[0][0] for f, _ in shared.most_common()]
    for name in names:
        if name.casefold() not in taken:
            return name
    n = 2
    while f"{names[0]} {n}".casefold() in taken:
        n += 1
    return f"{names[0]} {n}"


def _typed(text: str) -> list[str]:
    """The words of a text as typed, lowercased: letters only, so no digits, emoji or punctuation."""
    return _WORD.findall(unicodedata.normalize("NFC", text.casefold()))


def _plain(word: str) -> str:
    """A word without accents, as the lexicon is compared: "geïsoleerd" -> "geisoleerd"."""
    return "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c))


def _without_one(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(1, len(word))}  # the first letter is rarely the typo


def _near(word: str, near: Mapping[str, str]) -> str | None:
    """The concept of the listed word one letter off `word` (a letter missing, extra, changed or two swapped), if
    exactly one concept is that close."""
    concepts = {near[w] for w in (word, *_without_one(word)) if w in near}
    return concepts.pop() if len(concepts) == 1 else None


@cache
def _language(lang: str) -> _Language:
    """The stopwords and lexicon of a language, read once from lab/words/themes_<lang>.txt."""
    if lang not in STEMMERS:
        raise ValueError(f"no word lists for language {lang!r}; there are: {', '.join(STEMMERS)}")
    stemmer = snowballstemmer.stemmer(STEMMERS[lang])
    sections: dict[str, list[str]] = {}
    section = ""
    for line in (WORDS / f"themes_{lang}.txt").read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or not line.strip():
            continue
        if line.startswith("["):
            section = line.strip("[] ")
        elif section == "concepts" and not line[0].isspace():
            sections.setdefault(section, []).append(line)
        elif section == "concepts":
            sections[section][-1] += " " + line
        else:
            sections.setdefault(section, []).append(line)
    stop = frozenset(_plain(w) for line in sections.get("stop", []) for w in line.casefold().split())
    concepts: dict[str, str] = {}
    stems: dict[str, str] = {}
    for line in sections.get("concepts", []):
        concept, _, words = line.partition(":")
        for word in words.casefold().split():
            plain = _plain(word.lstrip("="))
            concepts.setdefault(plain, concept.strip())
            if not word.startswith("="):
                stems.setdefault(str(stemmer.stemWord(plain)), concept.strip())
    near: dict[str, str | None] = {}
    for word, concept in concepts.items():
        if len(word) >= 7:
            for variant in (word, *_without_one(word)):
                near[variant] = concept if near.get(variant, concept) == concept else None
    return _Language(STEMMERS[lang], stop, concepts, stems, {w: c for w, c in near.items() if c is not None})
