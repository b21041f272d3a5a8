"""lab's static files (scripts, styles, the icon) and the question types' style sheet, answered from memory.

A phone's first visit fetches about two dozen of them. Starlette's StaticFiles read a file through a worker thread
on every request (a stat, an open, the reads and a close: each a hand-over between threads of about a hundred
microseconds of CPU), and GZipMiddleware compressed it again every time: 0.8 to 1.9 ms of the server's CPU a file,
some 12 ms a phone, two minutes of one core for a congress of 10,000 phones arriving (docs/performance.md, "Static
files from memory"). lab's files are a few hundred kilobytes that do not change while it runs: they are read once,
compressed once (at the strongest level, since it is only once), and answered from memory. The ETag is a hash of the
content, the same in every lab process behind one proxy. The compressed form has an ETag of its own (RFC 9110: a
validator per representation). A Range request gets the whole file, as HTTP allows (browsers ask no ranges of
scripts and styles).

**Addresses that last.** Pages link every file under the folder's version, `/static/v/<version>/lab.css`, where the
version is a hash of all the files: a browser keeps what it fetched there for a year without asking again
(`immutable`), so a phone that opens the page again (the link once more, a tab the browser had put to sleep) loads
none of its two dozen files, where each was a round trip on the venue's wifi for a 304. The modules import each
other by relative paths, so they all stay under the version of the page that loaded them. Any change to any file
is a new version, hence new addresses: a phone never keeps a script from before an upgrade. A page from before an
upgrade that asks for its old version gets today's file, not to be kept (`no-cache`); so do plain `/static/<file>`
addresses.
"""

from __future__ import annotations

import dataclasses
import gzip
import hashlib
import mimetypes
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

COMPRESSED_TYPES = ("text/", "application/javascript", "application/json", "image/svg+xml")
# lab's own kinds of file, fixed: `mimetypes` reads the machine's tables, and a module script sent as anything but
# JavaScript is refused by the browser (nosniff)
MEDIA_TYPES = {".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml", ".json": "application/json"}
MINIMUM_SIZE = 500  # smaller files gain too little from compression to be worth a second variant
ASK_AGAIN = b"no-cache"
LASTING = b"max-age=31536000, immutable"  # a year, and not asked for again on a reload


Header = tuple[bytes, bytes]


@dataclass(frozen=True, slots=True)
class Asset:
    body: bytes
    compressed: bytes | None  # gzip, when that is smaller enough to be worth it
    media_type: str
    etag: str
    extra: tuple[Header, ...] = ()  # headers every answer carries (lab's security headers, for the direct path)
    cache: bytes = ASK_AGAIN  # Cache-Control: LASTING at a versioned address

    @classmethod
    def of(cls, body: bytes, media_type: str, extra: tuple[Header, ...] = ()) -> Asset:
        compressed = None
        if media_type.startswith(COMPRESSED_TYPES) and len(body) >= MINIMUM_SIZE:
            squeezed = gzip.compress(body, compresslevel=9, mtime=0)  # (mtime 0: the same bytes on every start)
            compressed = squeezed if len(squeezed) < len(body) * 0.9 else None
        if media_type.startswith("text/"):
            media_type += "; charset=utf-8"
        return cls(body, compressed, media_type, '"' + hashlib.sha256(body).hexdigest()[:16] + '"', extra)

    def answer(self, if_none_match: str | None, accept_encoding: str) -> tuple[int, bytes, list[Header]]:
        """Status, body and headers for a GET of this file: compressed when the browser takes gzip, 304 when it has
        that form already."""
        body, etag, headers = self.body, self.etag, [(b"cache-control", self.cache), *self.extra]
        if self.compressed is not None:
            headers.append((b"vary", b"Accept-Encoding"))
            if "gzip" in accept_encoding:
                body, etag = self.compressed, self.etag[:-1] + '-gz"'
                headers.append((b"content-encoding", b"gzip"))
        headers.append((b"etag", etag.encode()))
        if _matches(if_none_match, etag):
            return 304, b"", headers
        headers += [(b"content-type", self.media_type.encode()), (b"content-length", str(len(body)).encode())]
        return 200, body, headers

    def response(self, request: Request) -> Response:
        """This file as a route's response."""
        status, body, headers = self.answer(
            request.headers.get("if-none-match"), request.headers.get("accept-encoding", "")
        )
        response = Response(body, status)
        response.raw_headers = headers
        return response

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """This file as an ASGI application, for a GET or HEAD that no middleware needs to see."""
        headers = dict(scope["headers"])
        if_none_match = headers.get(b"if-none-match")
        status, body, raw = self.answer(
            None if if_none_match is None else if_none_match.decode("latin-1"),
            headers.get(b"accept-encoding", b"").decode("latin-1"),
        )
        await send({"type": "http.response.start", "status": status, "headers": raw})
        await send({"type": "http.response.body", "body": body})


def _matches(if_none_match: str | None, etag: str) -> bool:
    """Whether If-None-Match names this ETag (a list, weak forms, or `*`), as RFC 9110 compares them for a GET."""
    if if_none_match is None:
        return False
    wanted = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
    return etag in wanted or "*" in wanted


class Assets:
    """The files under a folder, read at start, and any made by lab (`made`: name -> content). `url` is a file's
    lasting address (see the module's docstring); `find` gives the file a request asks for, so that the application
    can answer it before its middleware (a file needs no session, language or error page; `extra` has the headers
    every answer needs); `serve` is the route's endpoint (`/static/{path:path}`) for everything else: a file that
    is not there (the friendly 404) or a method that is not allowed."""

    def __init__(
        self, folder: Path, prefix: str, extra: tuple[Header, ...] = (), made: dict[str, bytes] | None = None
    ) -> None:
        self.prefix = prefix
        contents: dict[str, Path | bytes] = {
            path.relative_to(folder).as_posix(): path for path in folder.rglob("*") if path.is_file()
        }
        contents.update(made or {})
        self.files: dict[str, Asset] = {}
        for name, content in sorted(contents.items()):
            body = content.read_bytes() if isinstance(content, Path) else content
            suffix = PurePosixPath(name).suffix
            media_type = MEDIA_TYPES.get(suffix) or mimetypes.guess_type(name)[0] or "application/octet-stream"
            self.files[name] = Asset.of(body, media_type, extra)
        everything = "\n".join(f"{name} {asset.etag}" for name, asset in self.files.items())
        self.version = hashlib.sha256(everything.encode()).hexdigest()[:12]
        self.lasting = {name: dataclasses.replace(asset, cache=LASTING) for name, asset in self.files.items()}

    def url(self, name: str) -> str:
        """The address to link a file by: under this version when there is such a file."""
        return f"{self.prefix}v/{self.version}/{name}" if name in self.files else self.prefix + name

    def find(self, scope: Scope) -> Asset | None:
        """The file an HTTP GET or HEAD asks for, if there is one."""
        path: str = scope["path"]
        if not path.startswith(self.prefix) or scope["method"] not in ("GET", "HEAD"):
            return None
        return self.named(path[len(self.prefix) :])

    def named(self, name: str) -> Asset | None:
        """The file at `name` (below the prefix): `v/<version>/<file>`, kept as long as the browser likes if it is
        this version; today's file to ask for again next time if it is an earlier one; or a plain `<file>`."""
        if name.startswith("v/"):
            version, _, name = name[2:].partition("/")
            if version == self.version:
                return self.lasting.get(name)
        return self.files.get(name)

    async def serve(self, request: Request) -> Response:
        asset = self.named(request.path_params["path"])
        if asset is None:
            raise HTTPException(404)
        return asset.response(request)
