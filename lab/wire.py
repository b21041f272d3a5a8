"""JSON as lab reads it from clients and writes it everywhere: one place for both directions."""

from __future__ import annotations

import json
from typing import Any

# One encoder for every message (`json.dumps` with options makes a new one per call: an ack for every vote).
_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def dumps(value: Any) -> str:
    """Compact JSON, non-ASCII kept as is (smaller for Dutch text, and what SQLite's JSON functions read)."""
    return _encode(value)


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
