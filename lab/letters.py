"""Letters and labels with member codes (lab.members), as a PDF to print: one A4 letter per member, or a sheet of
labels (3 by 8 on A4) to stick on cards. Each carries the member's code in large type, the QR code that opens the
room with the code filled in, and the address and join code for whoever types instead, in plain words and in the
room's language. Written by WeasyPrint from the template `letters.html`.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import quote

from . import i18n, qr
from .members import Member

TEMPLATES = Path(__file__).parent / "templates"
_env = i18n.templates(TEMPLATES)


def link(base: str, room_code: str, member: Member) -> str:
    """The address in a member's QR code: the room's page with their code filled in."""
    return f"{base.rstrip('/')}/r/{room_code}?member={quote(member.code)}"


def html(title: str, lang: str, base: str, room_code: str, members: Sequence[Member], kind: str = "letters") -> str:
    token = i18n.current.set(lang)
    try:
        return _env.get_template("letters.html").render(
            title=title, lang=lang, kind=kind, host=base.split("://", 1)[-1].rstrip("/"), room_code=room_code,
            members=[(m, _qr(link(base, room_code, m))) for m in members if not m.withdrawn],
        )  # fmt: skip
    finally:
        i18n.current.reset(token)


def pdf(title: str, lang: str, base: str, room_code: str, members: Sequence[Member], kind: str = "letters") -> bytes:
    from weasyprint import HTML  # imported here: it loads Pango, which only printing needs

    body: bytes = HTML(string=html(title, lang, base, room_code, members, kind), base_url=str(TEMPLATES)).write_pdf()
    return body


def _qr(url: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(qr.svg(url)).decode()
