"""JSON as lab reads it from clients and writes it everywhere: one place for both directions."""

from __future__ import annotations

import json
from json.encoder import c_make_encoder, encode_basestring  # type: ignore[attr-defined]
from typing import Any

# One encoder, made once, for every message: `json.dumps` makes one per call (with a dict to catch circular
# references, which messages built from parsed JSON, numbers and strings cannot have), and half a vote's JSON time
# went to making them (an ack and the stored value per vote). Arguments: circular-reference markers (none), what
# to do with an unknown type, how to write a string (non-ASCII kept), indent, the separators, sort keys, skip keys,
# NaN allowed.
_encode = c_make_encoder(None, json.JSONEncoder().default, encode_basestring, None, ":", ",", False, False, True)


def dumps(value: Any) -> str:
    """Compact JSON, non-ASCII kept as is (smaller for Dutch text, and what SQLite's JSON functions read)."""
    return "".join(_encode(value, 0))


def loads(raw: str | bytes) -> Any:
    """Parse what a client sent. Raises ValueError for anything that is not UTF-8 JSON, and for JSON that names a lone
    surrogate (`"\\ud800"`): Python accepts that, but it cannot be stored or sent as UTF-8, so letting it in would
    fail later, in the middle of a group commit with other participants' votes."""
    if isinstance(raw, bytes):  # strictly UTF-8: json.loads would let encoded surrogates through
        raw = raw.decode("utf-8")
    try:
        value = json.loads(raw)
    except RecursionError:  # thousands of nested brackets: no message of ours looks like that
        raise ValueError("nested too deeply") from None
    if "\\u" in raw:  # only then can a surrogate be in it
        try:
            dumps(value).encode()
        except UnicodeEncodeError:
            raise ValueError("a lone surrogate is not text") from None
    return value
