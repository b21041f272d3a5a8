"""Images a facilitator uploads (a slide's picture, a map of the neighbourhood to pin on).

lab keeps them itself, so no screen ever loads anything from elsewhere. An upload is checked by decoding it with
Pillow, not by its name or the type the browser claims: only PNG, JPEG and WebP, at most `max_bytes` and 40
megapixels (a small file that unpacks into gigabytes is refused). It is then stored anew: turned upright, made at
most 2400 pixels on its longer side (phones on venue wifi), and without its metadata (a phone photo carries where
it was taken). The stored bytes' SHA-256 names it, so the same image uploaded twice is one image.
"""

from __future__ import annotations

import hashlib
import io
import re
import warnings
from dataclasses import dataclass
from typing import Any

from PIL import Image, ImageOps, UnidentifiedImageError

from .errors import N_, Invalid, TooLarge

FORMATS = {"PNG": ("png", "image/png"), "JPEG": ("jpg", "image/jpeg"), "WEBP": ("webp", "image/webp")}
SAVED_AS = {"MPO": "JPEG"}  # many phone cameras write a JPEG with a second picture in it: its first one is kept
MIME = {extension: mime for extension, mime in FORMATS.values()}
NAME = re.compile(r"[0-9a-f]{64}\.(png|jpg|webp)")
SAVE_OPTIONS: dict[str, dict[str, Any]] = {
    "PNG": {"optimize": True}, "JPEG": {"quality": 85, "optimize": True}, "WEBP": {"quality": 85},
}  # fmt: skip
LONGEST = 2400
MAX_PIXELS = 40_000_000


@dataclass(frozen=True)
class StoredImage:
    name: str
    mime: str
    width: int
    height: int
    data: bytes


def prepare(upload: bytes, max_bytes: int) -> StoredImage:
    """The image as lab stores it; Invalid (or TooLarge) with a sentence for the facilitator when it cannot be."""
    if len(upload) > max_bytes:
        raise TooLarge(N_("An image can be at most %(mb)s MB."), mb=max_bytes // 1_000_000)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(upload)) as probe:
                kind = SAVED_AS.get(probe.format or "", probe.format)
                if kind not in FORMATS:
                    raise Invalid(N_("Only PNG, JPEG and WebP images can be used."))
                if probe.width * probe.height > MAX_PIXELS:
                    raise TooLarge(N_("This image has too many pixels. Make it smaller first."))
                probe.verify()
            with Image.open(io.BytesIO(upload)) as image:
                image.load()
                picture = ImageOps.exif_transpose(image)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError,
            Image.DecompressionBombWarning):  # fmt: skip
        raise Invalid(N_("This file is not an image that can be used (PNG, JPEG or WebP).")) from None
    picture.thumbnail((LONGEST, LONGEST))
    extension, mime = FORMATS[kind]
    if kind == "JPEG" and picture.mode not in ("RGB", "L"):
        picture = picture.convert("RGB")
    out = io.BytesIO()
    options = SAVE_OPTIONS[kind]
    picture.save(out, kind, **options)  # a new file: nothing of the upload's metadata is written
    data = out.getvalue()
    return StoredImage(f"{hashlib.sha256(data).hexdigest()}.{extension}", mime, picture.width, picture.height, data)
