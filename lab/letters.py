"""What lab prints, as PDF, written by WeasyPrint from templates:

- letters and labels with member codes (lab.members): one A4 letter per member, or a sheet of labels (3 by 8 on
  A4) to stick on cards. Each carries the member's code in large type, the QR code that opens the room with the
  code filled in, and the address and join code for whoever types instead, in plain words and in the room's
  language (`letters.html`);
- the paper version of a deck (`ballot.html`), for members who answer on paper (lab.paper counts it): large type,
  one question per block that never breaks over a page, boxes to cross, the box for the member's code (or, in a
  room open to all, the ballot's number for the tellers), numbered as the tellers' form in the console numbers the
  questions.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from . import i18n, qr
from .anonymity import ANONYMOUS, notice
from .members import Member
from .questions import JSON, get_type

TEMPLATES = Path(__file__).parent / "templates"
_env = i18n.templates(TEMPLATES)


def link(base: str, room_code: str, member: Member) -> str:
    """The address in a member's QR code: the room's page with their code filled in."""
    return f"{base.rstrip('/')}/r/{room_code}?member={quote(member.code)}"


def html(
    title: str, lang: str, base: str, room_code: str, members: Sequence[Member], kind: str = "letters",
    mode: str = ANONYMOUS,
) -> str:  # fmt: skip
    """`mode`: the room's anonymity (lab.anonymity), which each letter tells its member before they answer."""
    token = i18n.current.set(lang)
    try:
        return _env.get_template("letters.html").render(
            title=title, lang=lang, kind=kind, host=base.split("://", 1)[-1].rstrip("/"), room_code=room_code,
            privacy=notice(mode, "codes"),
            members=[(m, _qr(link(base, room_code, m))) for m in members if not m.withdrawn],
        )  # fmt: skip
    finally:
        i18n.current.reset(token)


def pdf(
    title: str, lang: str, base: str, room_code: str, members: Sequence[Member], kind: str = "letters",
    mode: str = ANONYMOUS,
) -> bytes:  # fmt: skip
    return _pdf(html(title, lang, base, room_code, members, kind, mode))


def _pdf(page: str) -> bytes:
    from weasyprint import HTML  # imported here: it loads Pango, which only printing needs

    body: bytes = HTML(string=page, base_url=str(TEMPLATES)).write_pdf()
    return body


def _qr(url: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(qr.svg(url)).decode()


@dataclass(frozen=True)
class Printed:
    """A question as the paper version prints it."""

    number: int  # as the console numbers it: its place among all the deck's questions
    type: str
    prompt: str
    settings: Mapping[str, JSON]
    on_paper: bool  # False: answered on a phone only (the paper says so)


def printed(questions: Iterable[tuple[str, str, Mapping[str, JSON]]]) -> list[Printed]:
    """A deck's or room's questions `(type, prompt, settings)` as the paper prints them: those that ask something."""
    out = []
    for number, (name, prompt, settings) in enumerate(questions, start=1):
        kind = get_type(name)
        if kind.asks:
            out.append(Printed(number, name, prompt, settings, kind.on_paper))
    return out


def ballot_html(
    title: str, lang: str, questions: Sequence[Printed], codes: bool, mode: str = ANONYMOUS, deadline: str = ""
) -> str:
    """`codes`: members write their code in a box (else the tellers number the ballot); `deadline`: when to hand
    it in, as it is to be read."""
    token = i18n.current.set(lang)
    try:
        return _env.get_template("ballot.html").render(
            title=title, lang=lang, questions=questions, codes=codes, deadline=deadline,
            privacy=notice(mode, "codes" if codes else "open"),
        )  # fmt: skip
    finally:
        i18n.current.reset(token)


def ballot_pdf(
    title: str, lang: str, questions: Sequence[Printed], codes: bool, mode: str = ANONYMOUS, deadline: str = ""
) -> bytes:
    return _pdf(ballot_html(title, lang, questions, codes, mode, deadline))
