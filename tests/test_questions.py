"""The contract every question type fulfils, checked for every type in the registry from its own examples, so a new
type is tested here without a line changed. (Each type's own rules are tested in tests/types/.)"""

from __future__ import annotations

import inspect
import re
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import lab
from lab.decks import parse_question
from lab.questions import TYPES, AnswerError, QuestionType, Table, strings
from lab.records import HIDDEN, PENDING, SHOWN, Answer

KINDS = list(TYPES.values())
ANSWERED = [kind for kind in KINDS if kind.answerable]  # a content slide takes no answers


def settings_of(kind: QuestionType) -> dict[str, Any]:
    return dict(parse_question({"type": kind.name, "prompt": kind.examples.prompt, **kind.examples.settings}).settings)


@pytest.mark.parametrize("kind", ANSWERED, ids=lambda k: k.name)
def test_every_example_answer_fits_and_every_invalid_one_is_refused(kind: QuestionType) -> None:
    config = settings_of(kind)
    normalised = [kind.normalise_answer(config, value) for value in kind.examples.answers]
    assert len({repr(v) for v in normalised}) >= 2, "examples should not all be alike"
    assert [kind.normalise_answer(config, v) for v in normalised] == normalised  # normalising is idempotent
    for value in kind.examples.invalid:
        with pytest.raises(AnswerError):
            kind.normalise_answer(config, value)


@pytest.mark.parametrize("kind", ANSWERED, ids=lambda k: k.name)
def test_every_type_says_how_its_answers_read_and_tabulates_them(kind: QuestionType) -> None:
    config = settings_of(kind)
    agg = kind.new_aggregate(config)
    for n, value in enumerate(kind.examples.answers):
        stored = kind.normalise_answer(config, value)
        assert kind.answer_text(config, stored).strip()
        agg.add(Answer(1, 1, f"p{n}", stored))
    table = agg.table()
    assert isinstance(table, Table) and table.headers and table.rows
    assert agg.results()["respondents"] == len(kind.examples.answers)


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.name)
def test_only_cosmetic_settings_keep_answers(kind: QuestionType) -> None:
    config = settings_of(kind)
    assert kind.answers_still_fit(kind.name, config, config)
    assert not kind.answers_still_fit("another type", config, config)
    for key in kind.cosmetic_keys:
        assert kind.answers_still_fit(kind.name, config, {**config, key: config.get(key)})


def test_type_names_and_renderer_strings_are_sound() -> None:
    for name, kind in TYPES.items():
        assert name == kind.name and kind.label and (kind.examples.answers or not kind.answerable)
    assert strings()  # the renderers' strings merge without two meanings for one key


@st.composite
def histories(draw: st.DrawFn) -> tuple[QuestionType, list[tuple[str, str, int, str]]]:
    """A type and a sequence of steps: (what, participant, example answer, status), where `what` is an answer (new
    or changed: it becomes the newest), a moderation decision (it keeps its place), or a withdrawal."""
    kind = draw(st.sampled_from(ANSWERED))
    steps = st.tuples(
        st.sampled_from(["answer", "answer", "moderate", "withdraw"]),
        st.sampled_from("abcdef"),
        st.integers(0, len(kind.examples.answers) - 1),
        st.sampled_from([SHOWN, SHOWN, HIDDEN, PENDING]),
    )
    return kind, draw(st.lists(steps, max_size=40))


@settings(max_examples=300, deadline=None)
@given(histories())
def test_incremental_results_equal_a_recount_for_every_type(history: tuple[QuestionType, list[Any]]) -> None:
    """Any sequence of answers, changes, withdrawals and moderation gives the same results as counting the records
    that are left, in their order (as a room rebuilds them from the database at start)."""
    kind, steps = history
    config = settings_of(kind)
    agg = kind.new_aggregate(config)
    current: dict[str, Answer] = {}  # in order: a changed answer moves to the end, a moderated one stays
    for what, participant, index, status in steps:
        old = current.get(participant)
        if what == "answer":
            new = Answer(1, 1, participant, kind.normalise_answer(config, kind.examples.answers[index]), status)
            if old is not None:
                agg.remove(current.pop(participant))
            agg.add(new)
            current[participant] = new
        elif what == "moderate" and old is not None:
            current[participant] = replace(old, status=status)
            agg.replace(old, current[participant])
        elif what == "withdraw" and old is not None:
            agg.remove(current.pop(participant))
    recount = kind.new_aggregate(config)
    for answer in current.values():
        recount.add(answer)
    assert agg.results(facilitator=True) == recount.results(facilitator=True)
    assert agg.results() == recount.results()
    assert agg.table() == recount.table()


def test_a_record_change_of_status_is_a_new_record() -> None:
    answer = Answer(1, 1, "a", [0])
    assert replace(answer, status=HIDDEN).counted is False and answer.counted is True


LAB = Path(lab.__file__).parent
ROOT = LAB.parent


def own_files(kind: QuestionType) -> set[Path]:
    """The files of a type: its module, its editor partial, its renderer (and its own tests)."""
    module = Path(inspect.getfile(type(kind)))
    return {
        module, LAB / "templates" / f"_editor_{kind.name}.html", LAB / "static" / "types" / f"{kind.name}.js",
        *(ROOT / "tests" / "types").glob("*.py"),
    }  # fmt: skip


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.name)
def test_a_type_is_its_module_its_editor_partial_and_its_renderer(kind: QuestionType) -> None:
    for path in own_files(kind):
        assert path.is_file(), path
    renderer = (LAB / "static" / "types" / f"{kind.name}.js").read_text()
    for export in ("input", "describe", "results", "update"):
        assert re.search(rf"^export function {export}\(", renderer, re.M), f"{kind.name}.js lacks {export}()"


def test_nothing_outside_a_types_own_files_names_its_module_or_classes() -> None:
    """So adding a type never means editing a list elsewhere (docs/architecture.md names the files it touches)."""
    sources = [
        p for p in (*LAB.rglob("*.py"), *LAB.rglob("*.html"), *LAB.rglob("*.js"), *(ROOT / "tests").glob("*.py"))
    ]
    for kind in KINDS:
        module = sys.modules[type(kind).__module__]
        short = module.__name__.rsplit(".", 1)[1]
        names = [n for n, v in vars(module).items() if inspect.isclass(v) and v.__module__ == module.__name__]
        own = own_files(kind)
        for path in sources:
            if path in own:
                continue
            text = path.read_text()
            assert f"questions.{short}" not in text and f"questions import {short}" not in text, (path, short)
            for name in names:
                assert not re.search(rf"\b{name}\b", text), (path, name)
