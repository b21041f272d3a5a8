"""QR codes for the join link: SVG for pages, text for the terminal (the qrcode library does the work)."""

from __future__ import annotations

import io
from functools import lru_cache

import qrcode
import qrcode.image.svg


@lru_cache(maxsize=256)
def svg(url: str) -> bytes:
    """The QR code of `url` as a standalone SVG document, black on white, scaled by its viewBox."""
    code = qrcode.QRCode(border=2, error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(url)
    image = code.make_image(image_factory=qrcode.image.svg.SvgPathFillImage)
    return bytes(image.to_string(encoding="unicode").encode())


def terminal(url: str) -> str:
    """The QR code of `url` drawn with block characters, for `lab serve` to print."""
    code = qrcode.QRCode(border=2)
    code.add_data(url)
    out = io.StringIO()
    code.print_ascii(out=out, invert=True)
    return out.getvalue()
