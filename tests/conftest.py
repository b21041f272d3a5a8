"""Shared fixtures: a fresh app on a temporary database (a SQLite file, or with `--store=postgres` a PostgreSQL
database of its own), a real uvicorn server on a free loopback port, and small clients that speak lab's protocol over
real websockets."""

from __future__ import annotations

import asyncio
import json
import os
import socket
from collections.abc import AsyncIterator, Callable, Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import db
import httpx2 as httpx
import pytest
import uvicorn
import websockets
from playwright.async_api import Browser, BrowserContext, ConsoleMessage, Page, async_playwright
from services import PostgresServer
from websockets.asyncio.client import ClientConnection

from lab.app import create_app
from lab.decks import QuestionSpec, parse_question
from lab.rooms import Room
from lab.server import config
from lab.settings import PROJECT_DIR, Settings

TIMEOUT = 10.0
PASSWORD = "test-organiser-password"


# -- the store the tests run on ------------------------------------------------------------------------------


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--store", choices=db.STORES, default=None,
        help="the store the tests run on: sqlite (a file per test) or postgres (a database per test on a PostgreSQL "
        "server that the tests start); default: $LAB_TEST_STORE, else sqlite",
    )  # fmt: skip


def pytest_configure(config: pytest.Config) -> None:
    try:
        db.choose(config.getoption("store"))
    except ValueError as error:
        raise pytest.UsageError(f"LAB_TEST_STORE: {error}") from None


def pytest_report_header(config: pytest.Config) -> str:
    return f"store: {db.chosen()}"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On PostgreSQL, only the tests that a store can change: those that use one (the `store_target` fixture, itself
    or through `settings` or `server`), but for those in a browser, whose screens draw what the protocol sends, and
    the protocol is tested on both stores. Every other test would run exactly as it ran on SQLite.
    `@pytest.mark.sqlite_only("why")`: skipped on any other store."""
    if not db.on_postgres():
        return
    kept, left = [], []
    for item in items:
        uses_store = "store_target" in getattr(item, "fixturenames", ())
        (kept if uses_store and not item.get_closest_marker("browser") else left).append(item)
    if left:
        config.hook.pytest_deselected(items=left)
        items[:] = kept
    for item in kept:
        if marker := item.get_closest_marker("sqlite_only"):
            why = marker.args[0] if marker.args else marker.kwargs.get("reason", "")
            item.add_marker(pytest.mark.skip(reason=f"SQLite only: {why}" if why else "SQLite only"))


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """One PostgreSQL server for the session (for each pytest-xdist worker), started when a test first needs it."""
    with PostgresServer() as server:
        yield server


@pytest.fixture
def store_target(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[db.Target]:
    """Where this test's store keeps its data: a fresh, empty PostgreSQL database (its URL) with `--store=postgres`,
    dropped afterwards; else a SQLite file in the test's temporary folder."""
    if not db.on_postgres():
        yield tmp_path / "lab.db"
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    url = server.create_database()
    yield url
    server.drop_database(url)


@pytest.fixture
def settings(tmp_path: Path, store_target: db.Target, request: pytest.FixtureRequest) -> Settings:
    """The test server's settings; `@pytest.mark.settings(name=value, ...)` changes some for one test."""
    marker = request.node.get_closest_marker("settings")
    chosen: dict[str, Any] = {
        "db_path": tmp_path / "lab.db",
        "database_url": store_target if isinstance(store_target, str) else "",
        "organiser_password": PASSWORD,
        "commit_window_ms": 1.0,
        "results_interval_ms": 50.0,
        "phone_results_interval_ms": 50.0,
        "sessions_dir": PROJECT_DIR / "sessions",
        "warm_reports": False,  # the report workers start with the first report, in the tests that make one
    }
    return Settings(**(chosen | (marker.kwargs if marker else {})))


def spec(**raw: Any) -> QuestionSpec:
    return parse_question(raw)


CHOICE = {"type": "choice", "prompt": "Hoe was de samenwerking?", "options": ["Goed", "Matig", "Slecht"]}
SCALE = {
    "type": "scale",
    "prompt": "Beoordeel de prestatieafspraken",
    "statements": ["Samenwerking", "Inbreng van huurders"],
    "scale_max": 5,
}
WORDS = {"type": "wordcloud", "prompt": "Welk woord past erbij?", "max_words": 3}
OPEN = {"type": "open", "prompt": "Wat moet beter?", "max_length": 100}


class _DataBlock(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.inside = False
        self.text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.inside = tag == "script" and ("id", "lab-data") in attrs

    def handle_data(self, data: str) -> None:
        if self.inside:
            self.text += data

    def handle_endtag(self, tag: str) -> None:
        self.inside = False


def page_data(html: str) -> dict[str, Any]:
    """The JSON data block a page hands its script (`<script type="application/json" id="lab-data">`)."""
    parser = _DataBlock()
    parser.feed(html)
    data: dict[str, Any] = json.loads(parser.text)
    return data


class _Uvicorn(uvicorn.Server):
    """uvicorn that tells when it listens, so tests await that instead of polling."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.listening = asyncio.Event()

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        self.listening.set()


class Server:
    """A real uvicorn serving lab on 127.0.0.1, on a port that stays the same across restarts."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        from test_cli import free_port  # below the ephemeral range: safe to bind again after a restart

        self.port = free_port()
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", self.port))
        self.base = f"http://127.0.0.1:{self.port}"
        self.ws_base = f"ws://127.0.0.1:{self.port}"
        self._server: _Uvicorn | None = None
        self._task: asyncio.Task[None] | None = None
        self.app: Any = None

    async def start(self) -> None:
        self.app = create_app(self.settings)
        self._server = _Uvicorn(config(self.app, self.settings))
        if self.sock.fileno() == -1:  # closed by the previous run: bind the same port again
            self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            self.sock.bind(("127.0.0.1", self.port))
        self._task = asyncio.create_task(self._server.serve(sockets=[self.sock]))
        await asyncio.wait_for(self._server.listening.wait(), TIMEOUT)

    async def stop(self) -> None:
        assert self._server is not None and self._task is not None
        self._server.should_exit = True
        await asyncio.wait_for(self._task, TIMEOUT)
        self.sock.close()

    @property
    def rooms(self) -> Any:
        return self.app.state.rooms


@pytest.fixture
async def server(settings: Settings) -> AsyncIterator[Server]:
    srv = Server(settings)
    await srv.start()
    yield srv
    if srv._task is not None and not srv._task.done():
        await srv.stop()


class Client:
    """A browser-like client: an HTTP session (cookies) and one websocket speaking lab's JSON protocol."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.http = httpx.AsyncClient(base_url=server.base, timeout=TIMEOUT)
        self.ws: ClientConnection | None = None
        self.path = ""
        self.seen: list[dict[str, Any]] = []

    async def get(self, path: str) -> httpx.Response:
        return await self.http.get(path)

    async def connect(self, path: str, **headers: str) -> dict[str, Any]:
        """Open the websocket at `path` with this client's cookies; returns the snapshot."""
        self.path = path
        cookie = "; ".join(f"{k}={v}" for k, v in self.http.cookies.items())
        extra = {"Cookie": cookie, **headers} if cookie else headers
        # max_queue=None: a test that leaves messages unread (a console it only steers with) must not have its close
        # wait 10 s for a close frame stuck behind them (the client stops reading at a full queue)
        self.ws = await websockets.connect(
            self.server.ws_base + path, additional_headers=extra, max_size=2**22, max_queue=None
        )
        return await self.expect("snapshot")

    async def send(self, message: dict[str, Any] | str) -> None:
        assert self.ws is not None
        await self.ws.send(message if isinstance(message, str) else json.dumps(message))

    async def expect(
        self, kind: str, where: Callable[[dict[str, Any]], bool] = lambda m: True, timeout: float = TIMEOUT
    ) -> dict[str, Any]:
        """The next message of this type that fits `where`, skipping others; fails after `timeout` seconds."""
        assert self.ws is not None

        async def wait() -> dict[str, Any]:
            assert self.ws is not None
            while True:
                message = json.loads(await self.ws.recv())
                self.seen.append(message)
                if message["type"] == kind and where(message):
                    return message

        return await asyncio.wait_for(wait(), timeout)

    async def expect_since(
        self, mark: int, kind: str, where: Callable[[dict[str, Any]], bool] = lambda m: True, timeout: float = TIMEOUT
    ) -> dict[str, Any]:
        """Like `expect`, but a fitting message already read since `seen[mark]` counts: one the server may send
        before or after another that the test awaited first (a board flush racing an acknowledgement)."""
        for message in self.seen[mark:]:
            if message["type"] == kind and where(message):
                return message
        return await self.expect(kind, where, timeout)

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
        await self.http.aclose()


@pytest.fixture
async def clients(server: Server) -> AsyncIterator[Callable[[], Client]]:
    made: list[Client] = []

    def make() -> Client:
        client = Client(server)
        made.append(client)
        return client

    yield make
    await asyncio.gather(*(c.close() for c in made), return_exceptions=True)


async def phone(make: Callable[[], Client], room: Room) -> tuple[Client, dict[str, Any]]:
    """A participant who opened the room's page and connected; returns the client and its snapshot."""
    client = make()
    assert (await client.get(f"/r/{room.code}")).status_code == 200
    return client, await client.connect(f"/ws/r/{room.code}")


async def facilitator(make: Callable[[], Client], room: Room) -> tuple[Client, dict[str, Any]]:
    client = make()
    response = await client.get(f"/f/{room.code}?key={room.facilitator_key}")
    assert response.status_code == 303
    return client, await client.connect(f"/ws/f/{room.code}")


async def projector(make: Callable[[], Client], room: Room) -> tuple[Client, dict[str, Any]]:
    client = make()
    response = await client.get(f"/p/{room.code}?key={room.projector_key}")
    assert response.status_code == 303
    return client, await client.connect(f"/ws/p/{room.code}")


# -- browsers ----------------------------------------------------------------------------------------------

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-quic",
         "--no-first-run", "--disable-component-update", "--disable-sync"]  # fmt: skip
PHONE = {"viewport": {"width": 390, "height": 780}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
SCREEN = {"viewport": {"width": 1280, "height": 720}}

BROWSER = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists() and not os.environ.get("CI"),
        reason="Chromium is not installed (apt-get install chromium)",
    ),
]
"""Marks for browser tests: skipped without Chromium, except under CI, where a missing browser fails."""


def in_browser(test: Any) -> Any:
    """The BROWSER marks on one test, for a module whose other tests need no browser."""
    for mark in BROWSER:
        test = mark(test)
    return test


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        yield browser
        await browser.close()


class Watched:
    """A page whose console errors, failed requests and requests to other origins are collected."""

    def __init__(self, page: Page, origin: str) -> None:
        self.page = page
        self.errors: list[str] = []
        self.foreign: list[str] = []

        def on_console(message: ConsoleMessage) -> None:
            if message.type == "error":
                self.errors.append(message.text)

        page.on("console", on_console)
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.on("request", lambda r: None if r.url.startswith((origin, "data:")) else self.foreign.append(r.url))


async def open_page(browser: Browser, server: Server, path: str, lang: str = "nl", **options: Any) -> Watched:
    context: BrowserContext = await browser.new_context(locale=lang, **options)
    page = await context.new_page()
    watched = Watched(page, server.base)
    await page.goto(server.base + path)
    return watched
