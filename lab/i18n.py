"""Interface language: gettext catalogs (Babel .po files in lab/locale), Dutch first, English second.

Catalogs are read from the .po files at start and compiled in memory, so there is no build step and no binary
file in the repository. The language of a request follows the session's choice, else the browser's
Accept-Language, else Dutch. Message ids are English.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Mapping
from contextvars import ContextVar
from pathlib import Path

import jinja2
from babel import Locale, UnknownLocaleError
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

LOCALE_DIR = Path(__file__).parent / "locale"
LANGUAGES = {"nl": "Nederlands", "en": "English"}
DEFAULT = "nl"

_catalogs: dict[str, NullTranslations] = {}
current: ContextVar[str] = ContextVar("lab_language", default=DEFAULT)


def translations(lang: str) -> NullTranslations:
    """The compiled catalog for a language (cached); an empty one when there is no .po file."""
    if lang not in _catalogs:
        path = LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po"
        if path.exists():
            with path.open("rb") as source:
                catalog = read_po(source, locale=lang)
            buffer = io.BytesIO()
            write_mo(buffer, catalog)
            buffer.seek(0)
            _catalogs[lang] = Translations(buffer)
        else:
            _catalogs[lang] = NullTranslations()
    return _catalogs[lang]


def templates(folder: Path) -> jinja2.Environment:
    """lab's Jinja environment for the templates in `folder`: autoescaped, strict, with `_()` and `ngettext()`
    translating into the current language (pages, and documents such as the member letters)."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(folder), autoescape=True, extensions=["jinja2.ext.i18n"],
        undefined=jinja2.StrictUndefined,
        auto_reload=False,  # templates do not change while lab runs: no file-date check on every page
    )  # fmt: skip
    env.install_gettext_callables(gettext, ngettext, newstyle=True)  # type: ignore[attr-defined]
    return env


def gettext(message: str, **params: object) -> str:
    """Translate into the current language; `params` fill %(name)s placeholders."""
    text = translations(current.get()).gettext(message)
    return text % params if params else text


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural form for `n`; templates fill in %(num)d themselves (Jinja's newstyle gettext)."""
    return translations(current.get()).ngettext(singular, plural, n)


def translate(lang: str, message: str, params: Mapping[str, object] | None = None) -> str:
    """Translate into a given language (for websocket messages, which have no request)."""
    text = translations(lang).gettext(message)
    return text % dict(params) if params else text


def choose(accept_language: str, chosen: object = None) -> str:
    """The language for a request: an explicit choice, else the best match in Accept-Language, else Dutch."""
    if isinstance(chosen, str) and chosen in LANGUAGES:
        return chosen
    if len(accept_language) <= 256:  # what browsers send: a handful of different headers among thousands of phones
        return _from_header(accept_language)
    return _from_header.__wrapped__(accept_language)


@functools.lru_cache(maxsize=1024)
def _from_header(accept_language: str) -> str:
    """The best match in an Accept-Language header, else Dutch (Babel's parsing of each tag is the costly part)."""
    weighted = []
    for index, part in enumerate(accept_language.split(",")[:20]):
        tag, _, q = part.strip().partition(";q=")
        try:
            weight = float(q) if q else 1.0
            lang = Locale.parse(tag.strip(), sep="-").language if tag.strip() not in ("", "*") else ""
        except (ValueError, UnknownLocaleError):
            continue
        if lang in LANGUAGES:
            weighted.append((-weight, index, lang))
    return min(weighted)[2] if weighted else DEFAULT
