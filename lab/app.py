"""create_app(settings) -> Starlette: the one route table, the middleware, and the lifespan.

Nothing connects at import time: the database, hub and rooms are made in the lifespan and kept on `app.state`,
so every test builds a fresh app on a temporary database.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import functools
import json
import logging
import re
import secrets
import threading
import time
from base64 import b64decode
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from argon2 import PasswordHasher
from itsdangerous import BadSignature
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import ClientDisconnect, HTTPConnection, Request
from starlette.routing import Route, WebSocketRoute
from starlette.templating import Jinja2Templates
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from . import i18n, jsstrings, live, pages, questions, tasks
from .access import CodeGuard, LoginGuard
from .assets import Assets
from .decks import load_deck
from .hub import Backend, Hub
from .moderation import word_filter
from .owners import Exchange, ToOwner
from .report import workers as report_workers
from .rooms import Room, Rooms
from .settings import Settings
from .store import Store, open_store

if TYPE_CHECKING:
    from .redis_hub import Leases

log = logging.getLogger(__name__)
HERE = Path(__file__).parent

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "font-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
SECURITY_HEADERS = [
    ("content-security-policy", CSP),
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "no-referrer"),
    ("x-frame-options", "DENY"),
    ("permissions-policy", "camera=(), microphone=(), geolocation=()"),
]
SECURITY_RAW = tuple((name.encode("latin-1"), value.encode("latin-1")) for name, value in SECURITY_HEADERS)


@functools.cache
def static_files() -> Assets:
    """lab/static, the question types' styles in one sheet (lab.questions.styles: one request for a phone on a slow
    line, however many types there are) and the screens' strings in each language (lab.jsstrings), read and made
    once per process (lab.assets)."""
    made = {"types.css": questions.styles().encode(), **jsstrings.scripts()}
    return Assets(HERE / "static", "/static/", SECURITY_RAW, made=made)


def routes() -> list[Route | WebSocketRoute]:
    """The route table, grouped by audience. Every route is named; templates use url_for."""
    return [
        # participants
        Route("/", pages.home, name="home"),
        Route("/join", pages.join, name="join"),
        Route("/r/{code}", pages.phone, name="phone"),
        Route("/r/{code}/member", pages.member_code, methods=["POST"], name="member_code"),
        Route("/r/{code}/next", pages.next_person, methods=["POST"], name="next_person"),
        Route("/r/{code}/proxy", pages.vote_by_proxy, methods=["POST"], name="vote_by_proxy"),
        Route("/r/{code}/qr.svg", pages.qr_code, name="qr"),
        Route("/r/{code}/images/{name}", pages.image, name="image"),
        WebSocketRoute("/ws/r/{code}", live.SOCKETS, name="phone_socket"),
        # screens
        Route("/p/{code}", pages.projector, name="projector"),
        WebSocketRoute("/ws/p/{code}", live.SOCKETS, name="projector_socket"),
        Route("/f/{code}", pages.console, name="console"),
        Route("/f/{code}/export.csv", pages.export_csv, name="export_csv"),
        Route("/f/{code}/export.xlsx", pages.export_xlsx, name="export_xlsx"),
        Route("/f/{code}/report.{kind}", pages.report_file, name="report_file"),
        Route("/f/{code}/charts/{name}.{kind}", pages.report_chart, name="report_chart"),
        Route("/f/{code}/themes/{question}/{round}", pages.report_themes, name="report_themes"),
        Route("/f/{code}/delete", pages.room_delete, methods=["POST"], name="room_delete"),
        WebSocketRoute("/ws/f/{code}", live.SOCKETS, name="facilitator_socket"),
        Route("/api/rooms/{code}/questions", pages.questions_create, methods=["POST"], name="questions_create"),
        Route("/api/rooms/{code}/images", pages.image_upload, methods=["POST"], name="image_upload"),
        Route("/api/rooms/{code}/members", pages.members_add, methods=["POST"], name="members_add"),
        Route("/api/rooms/{code}/members/withdraw", pages.members_withdraw, methods=["POST"], name="members_withdraw"),
        Route("/api/rooms/{code}/members/proxy", pages.members_proxy, methods=["POST"], name="members_proxy"),
        Route("/api/rooms/{code}/members/reissue", pages.members_reissue, methods=["POST"], name="members_reissue"),
        Route("/api/rooms/{code}/access", pages.room_access, methods=["PUT"], name="room_access"),
        Route("/api/rooms/{code}/seal", pages.room_seal, methods=["POST"], name="room_seal"),
        Route("/api/rooms/{code}/ballots", pages.ballots, methods=["GET", "POST"], name="ballots"),
        Route("/f/{code}/members/{kind}", pages.member_file, name="member_file"),
        Route("/f/{code}/ballot.pdf", pages.paper_ballot, name="paper_ballot"),
        Route("/api/rooms/{code}/questions/{question}", pages.question_update, methods=["PUT"], name="question_update"),
        Route(
            "/api/rooms/{code}/questions/{question}", pages.question_delete, methods=["DELETE"], name="question_delete"
        ),
        Route(
            "/api/rooms/{code}/questions/{question}/move", pages.question_move, methods=["POST"], name="question_move"
        ),
        # organisers
        Route("/organiser", pages.organiser_page, name="organiser"),
        Route("/organiser/login", pages.organiser_login, methods=["POST"], name="organiser_login"),
        Route("/organiser/logout", pages.organiser_logout, methods=["POST"], name="organiser_logout"),
        Route("/organiser/rooms", pages.organiser_create_room, methods=["POST"], name="organiser_create_room"),
        # everyone
        Route("/lang/{lang}", pages.set_language, name="set_language"),
        Route("/healthz", pages.healthz, name="healthz"),
        # Scripts and styles go out compressed (61 KB become about 18 on a phone's first visit; at a congress that is
        # most of what the venue's wifi carries), from memory (lab.assets). Pages are not compressed: they hold keys
        # and tokens next to text a visitor can put in (BREACH), and are small.
        Route("/static/{path:path}", static_files().serve, name="static"),
    ]


class Lab(Starlette):
    """Starlette, with the two things every phone asks for sent past Starlette's own layers (its error pages,
    exception handling and router) through lab's middlewares straight to lab: a room's socket to lab.live, and the
    room's page (`GET /r/<code>`) to lab.pages. Any other request is routed as usual.

    A socket would keep each of those layers' coroutine frames alive, and the garbage collector tracking them, for
    its whole life (4.5 KB a phone in all, by tracemalloc), and they do nothing for it that lab.live does not do
    itself. The page is the one request of a join storm that reaches the application (the files it links are served
    from lab.assets); past the layers, a storm of 10,000 phones costs the server about 3% less CPU
    (docs/performance.md). Should the page, or a middleware on its way, fail before it is answered, the request goes
    the usual way after all, so its error is answered and logged as any other request's."""

    def __call__(self, scope: Scope, receive: Receive, send: Send) -> Awaitable[None]:  # type: ignore[override]
        """As Starlette's, but a plain function that returns the stack's coroutine rather than awaiting it, as each
        of lab's layers does: Starlette's would keep a coroutine for every socket's whole life. A server that looks
        for a coroutine function to tell ASGI 3 from ASGI 2 must be told: lab.server.config tells uvicorn, and a
        test that drives the application with Starlette's TestClient wraps it in a coroutine function
        (tests/test_fuzz.py)."""
        scope["app"] = self
        if self.middleware_stack is None:
            self.middleware_stack = self.build_middleware_stack()
        return self.middleware_stack(scope, receive, send)

    def build_middleware_stack(self) -> ASGIApp:
        def through_middleware(app: ASGIApp) -> ASGIApp:
            for cls, args, kwargs in reversed(self.user_middleware):
                app = cls(app, *args, **kwargs)
            return app

        return _Split(
            super().build_middleware_stack(), through_middleware(live.SOCKETS), static_files(),
            through_middleware(_phone_page),
        )  # fmt: skip


PHONE_PAGE = re.compile(r"/r/([^/]+)")  # the route "/r/{code}" (lab.pages.phone)


ANSWERING = "lab.answering"  # in a phone page's scope once its response is on its way


async def _phone_page(scope: Scope, receive: Receive, send: Send) -> None:
    """lab.pages.phone as its route would call it, for `_Split`."""
    response = await pages.phone(Request(scope, receive, send))
    scope[ANSWERING] = True
    await response(scope, receive, send)


class _Split:
    """A room's socket to `sockets`, a static file that is there straight from `assets` (with the security headers
    it carries: a phone's first visit asks for a dozen, and no layer of the stack has anything to do for them), a
    room's page to `phone`, everything else to `app` (a plain function: no frame of its own either)."""

    def __init__(self, app: ASGIApp, sockets: ASGIApp, assets: Assets, phone: ASGIApp) -> None:
        self.app = app
        self.sockets = sockets
        self.assets = assets
        self.phone = phone

    def __call__(self, scope: Scope, receive: Receive, send: Send) -> Awaitable[None]:
        if scope["type"] == "websocket" and live.is_socket(scope["path"]):
            return self.sockets(scope, receive, send)
        if scope["type"] == "http":
            if (asset := self.assets.find(scope)) is not None:
                return asset(scope, receive, send)
            if scope["method"] == "GET" and (page := PHONE_PAGE.fullmatch(scope["path"])) is not None:
                return self._phone(page[1], scope, receive, send)
        return self.app(scope, receive, send)

    async def _phone(self, code: str, scope: Scope, receive: Receive, send: Send) -> None:
        scope["path_params"] = {"code": code}
        scope.setdefault("router", scope["app"].router)  # (for the page's url_for, as the router would set it)
        try:
            await self.phone(scope, receive, send)
        except Exception as error:
            if scope.get(ANSWERING):
                raise
            # Nothing was sent: the usual way answers, and logs the error if it happens again there.
            log.warning("the page of room %s failed on its short way (%r); it goes the usual way", code, error)
            await self.app(scope, _empty_body_first(receive), send)


def _empty_body_first(receive: Receive) -> Receive:
    """`receive` for a phone page's second try: its (empty) body first, which the first try may have read already
    (an edge forwards the request to the room's owner with it), then the server's own, for the disconnect."""
    given = False

    async def again() -> Message:
        nonlocal given
        if not given:
            given = True
            return {"type": "http.request", "body": b"", "more_body": False}
        return await receive()

    return again


class SecurityHeaders:
    """Adds the Content-Security-Policy and friends to every HTTP response.

    This and the next middlewares are plain functions that return the next layer's coroutine for a websocket,
    rather than coroutines that await it: a socket lives for an hour, and an awaiting layer would keep a frame of its
    own alive (and tracked by the garbage collector) all that time, for each of 10,000 phones."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    def __call__(self, scope: Scope, receive: Receive, send: Send) -> Awaitable[None]:
        if scope["type"] != "http":
            return self.app(scope, receive, send)
        return self._http(scope, receive, send)

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":  # each one its response has not set itself
                headers = list(message.get("headers", ()))
                present = {name.lower() for name, _ in headers}
                headers.extend(header for header in SECURITY_RAW if header[0] not in present)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


class Sessions:
    """Starlette's signed-cookie sessions, keyed with the secret the lifespan read from the database."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.inner: SessionMiddleware | None = None

    def __call__(self, scope: Scope, receive: Receive, send: Send) -> Awaitable[None]:
        if scope["type"] not in ("http", "websocket"):
            return self.app(scope, receive, send)
        if self.inner is None:
            state = scope["app"].state
            self.inner = SessionMiddleware(
                self.app, state.secret, session_cookie="lab", max_age=state.settings.cookie_days * 86400,
                same_site="lax", https_only=state.settings.https,
            )  # fmt: skip
        if scope["type"] == "websocket":
            # A socket only reads the session. Passing `send` through untouched spares every one of the
            # thousands of messages a busy socket sends a wrapper call.
            scope["session"] = self._read(HTTPConnection(scope).cookies.get("lab"))
            return self.app(scope, receive, send)
        return self.inner(scope, receive, send)

    def _read(self, cookie: str | None) -> dict[str, Any]:
        """The session in a cookie, as SessionMiddleware reads it; empty when absent, forged or expired."""
        assert self.inner is not None
        if cookie is None:
            return {}
        try:
            data = self.inner.signer.unsign(cookie.encode(), max_age=self.inner.max_age)
            session = json.loads(b64decode(data))
        except (BadSignature, ValueError):
            return {}
        return session if isinstance(session, dict) else {}


class Language:
    """Sets the interface language for this request or socket (session choice, Accept-Language, Dutch)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    def __call__(self, scope: Scope, receive: Receive, send: Send) -> Awaitable[None]:
        if scope["type"] not in ("http", "websocket"):
            return self.app(scope, receive, send)
        accept = dict(scope["headers"]).get(b"accept-language", b"").decode("latin-1")
        token = i18n.current.set(i18n.choose(accept, scope.get("session", {}).get("lang")))
        if scope["type"] == "websocket":  # set in the socket's own task, which ends with it: nothing to reset
            return self.app(scope, receive, send)
        return self._http(token, scope, receive, send)

    async def _http(self, token: contextvars.Token[str], scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await self.app(scope, receive, send)
        finally:
            i18n.current.reset(token)


def templates() -> Jinja2Templates:
    return Jinja2Templates(env=i18n.templates(HERE / "templates"))


def path_for(app: Starlette) -> Callable[..., str]:
    """Templates' url_for: the path of a named route, worked out once per route and parameters."""

    @functools.lru_cache(maxsize=4096)
    def cached(name: str, params: tuple[tuple[str, str], ...]) -> str:
        return str(app.url_path_for(name, **dict(params)))

    def url_for(name: str, /, **params: object) -> str:
        if name == "static":  # a file's lasting address
            return static_files().url(str(params["path"]))
        return cached(name, tuple(sorted((k, str(v)) for k, v in params.items())))

    return url_for


def _warm_reports() -> asyncio.Future[bool]:
    """Start the report workers (lab.report.workers.warm) beside the server; a future of whether they started. A
    machine that cannot make reports (a missing PDF library) is told so now, in the log, and serves on.

    The wait is a daemon thread's, not the event loop's default executor's: the server may stop before the fork
    server has finished its imports (seconds, at a low priority on a busy machine), and must not wait for them."""
    loop = asyncio.get_running_loop()
    started: asyncio.Future[bool] = loop.create_future()

    def settle(ok: bool) -> None:
        if not started.done():
            started.set_result(ok)

    def run() -> None:
        try:
            report_workers.warm()
            ok = True
        except Exception:
            log.exception("the report workers did not start; reports will be tried again when asked for")
            ok = False
        with contextlib.suppress(RuntimeError):  # the server stopped meanwhile: nobody is waiting
            loop.call_soon_threadsafe(settle, ok)

    threading.Thread(target=run, name="lab-reports-warm", daemon=True).start()
    return started


def _backend(settings: Settings) -> Backend | None:
    """The hub's backend: Redis when a broker is set (several processes), else the in-memory one."""
    if not settings.broker_url:
        return None
    from .redis_hub import RedisBackend  # redis is imported only by those who use it

    return RedisBackend(settings.broker_url)


async def _share(app: Starlette, hub: Hub) -> tuple[Leases, Exchange]:
    """Rooms shared with other processes through Redis (lab.owners): this process owns some, and serves the
    sockets and pages of every one."""
    from .redis_hub import Leases, RedisBackend

    rooms: Rooms = app.state.rooms
    assert isinstance(hub.backend, RedisBackend)
    leases = Leases(hub.backend.url, hub.backend.name, rooms.lost, rooms.moved)
    exchange = Exchange(hub, hub.backend.name)
    exchange.app = app
    await leases.start()
    await exchange.start()
    rooms.share(leases, exchange)
    app.state.leases = leases  # (tests await its beats)
    return leases, exchange


def create_app(settings: Settings, store: Store | None = None, clock: Callable[[], float] = time.time) -> Starlette:
    """The application. `store`, when given, is already open (`lab serve` opens it first, so that a database it
    cannot use is reported in one line); otherwise the lifespan opens one from the settings. Either way the
    lifespan closes it when the app stops. Once started, `app.state.deck_room` is the room of `settings.deck`."""
    hasher = PasswordHasher()
    password = settings.organiser_password or secrets.token_urlsafe(9)
    deck = Path(settings.deck).absolute() if settings.deck else None

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        active = store or open_store(settings.database, settings.commit_window_ms / 1000)
        if store is None:
            await active.open()
        hub = Hub(settings.send_queue, _backend(settings))
        await hub.start()
        retention = None
        sharing: tuple[Leases, Exchange] | None = None
        try:
            app.state.store = active
            app.state.secret = await active.set_meta_once("session_secret", secrets.token_urlsafe(32))
            app.state.hub = hub
            app.state.connections = Counter()  # open sockets per client address
            app.state.participant_sockets = Counter()  # open sockets per participant
            words = word_filter(settings.blocked)
            app.state.rooms = Rooms(
                active, hub, settings.results_interval_ms / 1000, clock, words, timers=True,
                phone_interval=settings.phone_results_interval_ms / 1000,
            )  # fmt: skip
            sharing = await _share(app, hub) if settings.broker_url else None
            app.state.report_lock = asyncio.Lock()  # reports are made one at a time (lab.report)
            await app.state.rooms.resume_timers()  # a countdown that ran at a restart still closes on time
            deck_room = await _deck_room(app.state.rooms, deck) if deck else None
            app.state.deck_room = deck_room
            keep = [deck_room.code] if deck_room else []
            app.state.retention_passed = asyncio.Event()  # set after each pass (tests and health checks await it)
            app.state.reports_warm = _warm_reports() if settings.warm_reports else None
            retention = tasks.start(
                "retention",
                functools.partial(
                    _apply_retention, app.state.rooms, settings.retention_days, keep, app.state.retention_passed
                ),
            )
            yield
        finally:
            await tasks.stop(retention)
            if hasattr(app.state, "rooms"):
                app.state.rooms.stop_timers()
            if sharing is not None:
                for part in sharing:
                    await part.stop()
            await hub.stop()
            await active.close()
            warming = getattr(app.state, "reports_warm", None)
            if warming is None or warming.done():
                await asyncio.to_thread(report_workers.shutdown)
            # else the fork server is still importing, and ends by itself when this process does (its workers
            # watch for that too): stopping the pool now would wait for the imports

    app = Lab(
        routes=routes(),
        middleware=[Middleware(ToOwner), Middleware(SecurityHeaders), Middleware(Sessions), Middleware(Language)],
        exception_handlers={404: pages.not_found, 500: pages.server_error, ClientDisconnect: pages.client_gone},
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.templates = templates()
    app.state.templates.env.globals["url_for"] = path_for(app)
    app.state.login_guard = LoginGuard(hasher, hasher.hash(password), attempts=settings.login_attempts)
    app.state.code_guard = CodeGuard()
    app.state.organiser_password = None if settings.organiser_password else password
    return app


async def _apply_retention(
    rooms: Rooms, days: int, keep: Sequence[str], passed: asyncio.Event, every: float = 3600.0
) -> None:
    """Delete rooms past the retention period (but never the room `lab serve` shows): at start, then every hour."""
    while True:
        deleted = await rooms.delete_older_than(days, keep)
        if deleted:
            log.info("deleted %d rooms older than %d days", len(deleted), days)
        passed.set()
        await asyncio.sleep(every)


async def _deck_room(rooms: Rooms, path: Path) -> Room:
    """The room for `lab serve --deck` (`path` is absolute): the one it made for this deck file before, else a new
    one. A room an organiser made from the same deck is another room, and stays so."""
    deck = load_deck(path)
    room = await rooms.for_served_deck(str(path), deck.file) or await rooms.create(
        deck.title,
        deck.questions,
        deck.file,
        str(path),
        deck.language,
        deck.details,
        deck.access,
        deck.consultation,
        deck.privacy_floor,
        deck.anonymity,
    )
    for image in deck.images.values():  # the deck's pictures and maps (the same image again changes nothing)
        await room.add_image(image)
    return room
