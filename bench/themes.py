"""`python -m bench.themes`: how well lab/themes.py groups short Dutch open answers into themes, measured on the
labelled answers in bench/themes_nl.toml, and how fast it is on 1,000 answers.

The method was tuned (threshold, lexicon) on the answers to the first two questions only; the answers to the last
two are held out. Each half is grouped on its own, as a report groups one question's answers, and the whole set
together. Beside lab's method stand two baselines: everything in one group, and plain TF-IDF of the words as typed
(no stemming, no lexicon, no compounds, no typos) with its threshold tuned on the same half. `--sweep` prints the
figures on the tuning half for a range of thresholds, which is how the default was chosen.
"""

from __future__ import annotations

import argparse
import statistics
import time
import tomllib
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from sklearn.metrics import adjusted_rand_score, homogeneity_completeness_v_measure  # type: ignore[import-untyped]

from lab.themes import DEFAULT, OTHER, Theme, Tuning, group

DATA = Path(__file__).with_name("themes_nl.toml")
THRESHOLDS = [round(0.40 + 0.05 * n, 2) for n in range(12)]  # 0.40 .. 0.95
WORDS_ONLY = Tuning(lexicon=False, stem=False, compounds=False, typos=False, idf=True)
NO_LEXICON = Tuning(lexicon=False)


@dataclass(frozen=True)
class Answer:
    key: str
    question: int  # 1-based, in file order
    label: str
    text: str


@dataclass(frozen=True)
class Figures:
    ari: float
    homogeneity: float
    completeness: float
    v_measure: float
    groups: int  # themes made, OTHER included
    labels: int
    other: float  # share of the answers put in OTHER
    seconds: float


def load(path: Path = DATA) -> list[Answer]:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    themes = set(data["themes"])
    answers = []
    for q, question in enumerate(data["question"], 1):
        for n, (label, text) in enumerate(question["answers"], 1):
            if label not in themes:
                raise ValueError(f"question {q}, answer {n}: {label!r} is not a theme")
            answers.append(Answer(f"q{q}-{n}", q, label, text))
    return answers


def measure(answers: Sequence[Answer], grouping: Callable[[list[tuple[str, str]]], list[Theme]]) -> Figures:
    started = time.perf_counter()
    themes = grouping([(a.key, a.text) for a in answers])
    seconds = time.perf_counter() - started
    made = {key: n for n, theme in enumerate(themes) for key in theme.items}
    truth = [a.label for a in answers]
    found = [made[a.key] for a in answers]
    homogeneity, completeness, v_measure = homogeneity_completeness_v_measure(truth, found)
    other = sum(len(t.items) for t in themes if t.name == OTHER)
    return Figures(
        adjusted_rand_score(truth, found),
        homogeneity,
        completeness,
        v_measure,
        len(themes),
        len(set(truth)),
        other / len(answers),
        seconds,
    )


def lab(tuning: Tuning) -> Callable[[list[tuple[str, str]]], list[Theme]]:
    return lambda answers: group(answers, tuning=tuning)


def one_group(answers: list[tuple[str, str]]) -> list[Theme]:
    return [Theme("alles", tuple(key for key, _ in answers))]


def tuned(tuning: Tuning, answers: Sequence[Answer]) -> Tuning:
    """`tuning` with the threshold that gives the best adjusted Rand index on `answers`."""
    return max((replace(tuning, threshold=t) for t in THRESHOLDS), key=lambda t: measure(answers, lab(t)).ari)


def row(name: str, figures: Figures) -> str:
    f = figures
    return (
        f"  {name:<34} ARI {f.ari:5.2f}  hom {f.homogeneity:4.2f}  compl {f.completeness:4.2f}  V {f.v_measure:4.2f}  "
        f"groups {f.groups:2d}/{f.labels:2d}  other {f.other:4.0%}  {f.seconds * 1000:5.0f} ms"
    )


def show(answers: Sequence[Answer], themes: list[Theme]) -> None:
    """Each theme with its answers' labels; an answer whose label is not the theme's commonest is marked "!"."""
    by_key = {a.key: a for a in answers}
    for theme in themes:
        labels = Counter(by_key[key].label for key in theme.items)
        common = labels.most_common(1)[0][0]
        summary = ", ".join(f"{label} {count}" for label, count in labels.most_common())
        print(f"\n{theme.name} ({len(theme.items)}): {summary}")
        for key in theme.items:
            answer = by_key[key]
            mark = " " if answer.label == common or theme.name == OTHER else "!"
            print(f"  {mark} {answer.label:<14} {answer.text}")


def thousand(answers: Sequence[Answer]) -> list[tuple[str, str]]:
    """1,000 different answers made from the labelled ones: each as written, then pairs of them joined."""
    texts = [a.text for a in answers]
    made = list(texts)
    k = 0
    while len(made) < 1000:
        made.append(f"{texts[k % len(texts)]} en {texts[(7 * k + 3) % len(texts)]}")
        k += 1
    return [(str(n), text) for n, text in enumerate(made)]


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.themes", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sweep", action="store_true", help="figures on the tuning half for each threshold")
    parser.add_argument("--quiet", action="store_true", help="leave out the groups of the whole set")
    args = parser.parse_args()
    answers = load()
    tuning_half = [a for a in answers if a.question <= 2]
    held_out = [a for a in answers if a.question > 2]
    print(f"{len(answers)} labelled answers to 4 questions, {len({a.label for a in answers})} labels")
    print(f"tuning half: questions 1-2 ({len(tuning_half)} answers); held out: questions 3-4 ({len(held_out)})")
    print(f"lab: {DEFAULT}")
    print("ARI: adjusted Rand index; groups: themes made (Other included) / labels (overig included);")
    print("other: share of the answers put in Other; the baselines' thresholds are the best on the tuning half")

    if args.sweep:
        print("\nsweep on the tuning half only")
        for name, base in [("lab", DEFAULT), ("no lexicon", NO_LEXICON), ("words only", WORDS_ONLY)]:
            for t in THRESHOLDS:
                print(row(f"{name}, threshold {t:.2f}", measure(tuning_half, lab(replace(base, threshold=t)))))

    words_only = tuned(WORDS_ONLY, tuning_half)
    no_lexicon = tuned(NO_LEXICON, tuning_half)
    methods: list[tuple[str, Callable[[list[tuple[str, str]]], list[Theme]]]] = [
        ("lab", lab(DEFAULT)),
        (f"ablation: no lexicon ({no_lexicon.threshold:.2f})", lab(no_lexicon)),
        (f"baseline: words only ({words_only.threshold:.2f})", lab(words_only)),
        ("baseline: one group", one_group),
    ]
    for title, part in [
        ("whole set, grouped together", answers),
        ("tuning half (questions 1-2)", tuning_half),
        ("held-out half (questions 3-4), not tuned on", held_out),
    ]:
        print(f"\n{title}")
        for name, grouping in methods:
            print(row(name, measure(part, grouping)))

    big = thousand(answers)
    times = []
    for _ in range(5):
        started = time.perf_counter()
        themes = group(big)
        times.append(time.perf_counter() - started)
    median, slowest = statistics.median(times) * 1000, max(times) * 1000
    print(f"\n1,000 answers, 5 runs: median {median:.0f} ms, slowest {slowest:.0f} ms, {len(themes)} themes")

    if not args.quiet:
        print("\ngroups of the whole set (! = label not the group's commonest)")
        show(answers, group([(a.key, a.text) for a in answers]))


if __name__ == "__main__":
    main()
