"""Every interface string is translated, in Dutch (the default) and English; the language follows the browser."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from lab import i18n

ROOT = Path(__file__).parent.parent
LOCALE = ROOT / "lab" / "locale"


def catalog(lang: str) -> dict[object, object]:
    with (LOCALE / lang / "LC_MESSAGES" / "messages.po").open("rb") as f:
        return {m.id: m for m in read_po(f, locale=lang) if m.id}


def test_the_template_is_up_to_date_with_the_code(tmp_path: Path) -> None:
    """Extracting again finds no message that the catalogs lack (run scripts/catalogs.py to fix)."""
    spec = importlib.util.spec_from_file_location("catalogs", ROOT / "scripts" / "catalogs.py")
    assert spec is not None and spec.loader is not None
    catalogs = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(catalogs)
    pot = tmp_path / "messages.pot"
    catalogs.extract(pot)
    with pot.open("rb") as f:
        found = {m.id for m in read_po(f) if m.id}
    assert len(found) > 150  # the extraction sees the code and the templates
    for lang in ("nl", "en"):
        missing = found - set(catalog(lang))
        assert not missing, f"{lang}: {sorted(map(str, missing))}"


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_every_entry_is_translated(lang: str) -> None:
    for message in catalog(lang).values():
        assert not message.fuzzy, message.id
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert all(strings), f"{lang}: {message.id!r} is not translated"


def test_dutch_placeholders_match_the_english_ones() -> None:
    for message in catalog("nl").values():
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = set(re.findall(r"%\(\w+\)[sd]", ids[-1]))
        for string in strings:
            assert set(re.findall(r"%\(\w+\)[sd]", string)) == wanted, message.id


@pytest.mark.parametrize(
    ("header", "chosen", "expected"),
    [
        ("", None, "nl"),
        ("en-GB,en;q=0.9", None, "en"),
        ("de-DE,de;q=0.9,en;q=0.5,nl;q=0.8", None, "nl"),
        ("fr, *;q=0.1", None, "nl"),
        ("en", "nl", "nl"),
        ("nl", "en", "en"),
        ("garbage;;q=x,,", "xx", "nl"),
        ("de;q=0.9," * 40 + "en;q=0.8", None, "nl"),  # a long header (not kept): only its first 20 tags count
        ("en;q=0.8," + "de;q=0.9," * 40, None, "en"),
    ],
)
def test_language_follows_the_choice_then_the_browser(header: str, chosen: str | None, expected: str) -> None:
    assert i18n.choose(header, chosen) == expected
