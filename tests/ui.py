"""How a person uses each question type in a browser, for the browser tests of every type (tests/test_a11y.py,
tests/test_types_live.py). Each type's own file `tests/types/ui_<name>.py` defines `CASES`: one or more `Case`s,
so a new type joins every browser test without a line changed here or there."""

from __future__ import annotations

import importlib.util
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from playwright.async_api import Locator, Page

from lab.questions import TYPES

Tr = Callable[..., str]
"""What the interface says, in the page's language: tr("Word %(n)s", n=1)."""


@dataclass(frozen=True)
class Case:
    question: dict[str, Any]
    """The question as a deck has it (realistic Dutch: long compound words are what wraps badly)."""
    votes: list[Any]
    """Five answers as phones send them, one per participant, for projectors and consoles."""
    revealed: str
    """A text the projector shows only once the results are revealed."""
    ready: Callable[[Page, Tr], Locator]
    """What shows that the phone is ready for an answer."""
    answer: Callable[[Page, Tr], Awaitable[None]]
    """Give an answer through the phone's interface and send it (the caller awaits the receipt)."""
    answerable: bool = True
    """False for a type that takes no answers (a content slide)."""
    setup: Callable[[Any], Awaitable[None]] | None = None
    """What the room needs before its question can be shown (an image to pin on): called with the new room."""


async def prepare(room: Any, questions: list[dict[str, Any]]) -> None:
    """Give a new room what its cases need (their `setup`), for the questions it was made with."""
    for case in CASES.values():
        if case.setup is not None and case.question in questions:
            await case.setup(room)


def _load() -> dict[str, Case]:
    found: dict[str, Case] = {}
    for path in sorted((Path(__file__).parent / "types").glob("ui_*.py")):
        spec = importlib.util.spec_from_file_location(f"ui_types.{path.stem}", path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        found.update(module.CASES)
    order = list(TYPES)
    return dict(sorted(found.items(), key=lambda item: (order.index(item[1].question["type"]), item[0])))


CASES: dict[str, Case] = _load()
"""Every case of every type, in the editor's order of types."""

missing = set(TYPES) - {case.question["type"] for case in CASES.values()}
assert not missing, f"no tests/types/ui_<name>.py for: {sorted(missing)}"
