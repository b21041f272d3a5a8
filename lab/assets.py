"""lab's static files (scripts, styles, the icon) and the question types' style sheet, answered from memory.

A phone's first visit fetches about a dozen of them. Starlette's StaticFiles read a file through a worker thread on
every request (a stat, an open, the reads and a close: each a hand-over between threads of about a hundred
microseconds of CPU), and GZipMiddleware compressed it again every time: 0.8 to 1.9 ms of the server's CPU a file,
some 12 ms a phone, two minutes of one core for a congress of 10,000 phones arriving (docs/performance.md, "Static
files from memory"). lab's files are a few hundred kilobytes that do not change while it runs: they are read once,
compressed once (at the strongest level, since it is only once), and answered from memory. The ETag is a hash of the
content, the same in every lab process behind one proxy; `no-cache` has browsers ask again on each visit, so a phone
never keeps a script from before an upgrade, and the answer to asking again is a 304 of a few bytes.
"""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
from dataclasses import dataclass
from pathlib import Path

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

COMPRESSED_TYPES = ("text/", "application/javascript", "application/json", "image/svg+xml")
MINIMUM_SIZE = 500  # smaller files gain too little from compression to be worth a second variant


@dataclass(frozen=True, slots=True)
class Asset:
    body: bytes
    compressed: bytes | None  # gzip, when that is smaller enough to be worth it
    media_type: str
    etag: str

    @classmethod
    def of(cls, body: bytes, media_type: str) -> Asset:
        compressed = None
        if media_type.startswith(COMPRESSED_TYPES) and len(body) >= MINIMUM_SIZE:
            squeezed = gzip.compress(body, compresslevel=9, mtime=0)  # (mtime 0: the same bytes on every start)
            compressed = squeezed if len(squeezed) < len(body) * 0.9 else None
        return cls(body, compressed, media_type, '"' + hashlib.sha256(body).hexdigest()[:16] + '"')

    def response(self, request: Request) -> Response:
        """This file for this request: 304 when the browser has it, compressed when it takes gzip."""
        headers = {"ETag": self.etag, "Cache-Control": "no-cache"}
        if self.compressed is not None:
            headers["Vary"] = "Accept-Encoding"
        if _matches(request.headers.get("if-none-match"), self.etag):
            return Response(status_code=304, headers=headers)
        body = self.body
        if self.compressed is not None and "gzip" in request.headers.get("accept-encoding", ""):
            body = self.compressed
            headers["Content-Encoding"] = "gzip"
        return Response(body, media_type=self.media_type, headers=headers)


def _matches(if_none_match: str | None, etag: str) -> bool:
    """Whether If-None-Match names this ETag (a list, weak forms, or `*`), as RFC 9110 compares them for a GET."""
    if if_none_match is None:
        return False
    wanted = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
    return etag in wanted or "*" in wanted


class Assets:
    """The files under a folder, read at start; `serve` is the route's endpoint (`/static/{path:path}`)."""

    def __init__(self, folder: Path) -> None:
        self.files: dict[str, Asset] = {}
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                self.files[path.relative_to(folder).as_posix()] = Asset.of(path.read_bytes(), media_type)

    async def serve(self, request: Request) -> Response:
        asset = self.files.get(request.path_params["path"])
        if asset is None:
            raise HTTPException(404)
        return asset.response(request)
