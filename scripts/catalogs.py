#!/usr/bin/env python3
"""Extract every interface string into lab/locale/messages.pot and merge it into the nl and en catalogs.

Run after changing interface text: `.venv/bin/python scripts/catalogs.py`. Then translate the new entries
in lab/locale/nl/LC_MESSAGES/messages.po (English needs nothing: its entries are filled with the message ids).
tests/test_i18n.py fails while any entry is untranslated or fuzzy.
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "lab" / "locale"
POT = LOCALE / "messages.pot"
# Functions whose argument is a message id: markers, and the errors that carry one for later translation.
KEYWORDS = ["_", "gettext", "ngettext:1,2", "N_"]


def pybabel(*args: str) -> None:
    CommandLineInterface().run(["pybabel", "-q", *args])


def extract(pot: Path) -> None:
    """Write every message id found in lab/ (Python and templates, as babel.cfg says) to `pot`."""
    keywords = [arg for k in KEYWORDS for arg in ("-k", k)]
    pybabel(
        "extract", "-F", str(ROOT / "babel.cfg"), *keywords, "--no-default-keywords", "--no-location",
        "--sort-output", "--project", "lab", "-o", str(pot), str(ROOT),
    )  # fmt: skip


def main() -> int:
    extract(POT)
    for lang in ("nl", "en"):
        po = LOCALE / lang / "LC_MESSAGES" / "messages.po"
        if po.exists():
            pybabel("update", "-i", str(POT), "-d", str(LOCALE), "-l", lang, "--no-fuzzy-matching", "--ignore-obsolete")
        else:
            pybabel("init", "-i", str(POT), "-d", str(LOCALE), "-l", lang)
    english = LOCALE / "en" / "LC_MESSAGES" / "messages.po"
    with english.open("rb") as f:
        catalog = read_po(f, locale="en")
    for message in catalog:
        if message.id and not all(message.string if isinstance(message.string, tuple) else [message.string]):
            message.string = message.id
    with english.open("wb") as f:
        write_po(f, catalog, omit_header=False, no_location=True, sort_output=True)
    with (LOCALE / "nl" / "LC_MESSAGES" / "messages.po").open("rb") as f:
        todo = [m.id for m in read_po(f, locale="nl") if m.id and not m.string]
    print(f"{len(todo)} Dutch entries to translate", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
