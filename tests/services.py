"""Real servers for the tests (and the benchmark): each runs in a temporary directory of its own, on a free loopback
port, and is stopped by its own process id. Nothing here waits with sleeps: a server is ready when its log says so.

    with PostgresServer() as postgres:
        url = postgres.create_database()  # postgresql://lab@127.0.0.1:PORT/NAME, empty
        ...
        postgres.drop_database(url)
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import itertools
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
from collections.abc import Callable, Coroutine
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Self, TypeVar

T = TypeVar("T")

INSTALL = "scripts/install-services"  # installs PostgreSQL, Redis and nginx from Debian's packages


class ServiceError(RuntimeError):
    """A server could not be started or stopped; the message says why (and shows the end of its log)."""


def run_async(make: Callable[[], Coroutine[Any, Any, T]], timeout: float) -> T:
    """The result of the coroutine `make()`, run on an event loop of its own in a thread of its own, so that it can be
    called from plain code and from inside a running event loop alike (that loop waits meanwhile). Raises
    TimeoutError after `timeout` seconds."""
    done: list[T] = []
    failed: list[BaseException] = []

    def run() -> None:
        try:
            done.append(asyncio.run(asyncio.wait_for(make(), timeout)))
        except BaseException as error:  # handed to the caller's thread
            failed.append(error)

    thread = threading.Thread(target=run, name="run-async", daemon=True)
    thread.start()
    thread.join(timeout + 5)  # wait_for ends it after `timeout`; the margin is for cancelling and closing the loop
    if thread.is_alive():
        raise TimeoutError(f"did not finish within {timeout} s")
    if failed:
        raise failed[0]
    return done[0]


def free_port() -> int:
    """A loopback port that nothing listens on now (a server that then fails to bind it is started again)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class Forwarder:
    """A TCP forwarder on a loopback port (free, or given) to `port` on 127.0.0.1, for tests that come between a
    client and its server. `hold`: bytes from a client that contain it wait, with everything after them on that
    connection, until `release()` (`held` is set when they arrive). `cut()` closes every connection at once.

        async with Forwarder(redis.port, hold=b"SUBSCRIBE") as forwarder:
            ...  # connect to forwarder.port
    """

    def __init__(self, port: int, *, listen: int = 0, hold: bytes | None = None) -> None:
        self.target = port
        self.port = listen or free_port()
        self.hold = hold
        self.held = asyncio.Event()
        self._released = asyncio.Event()
        self._writers: set[asyncio.StreamWriter] = set()
        self._handlers: set[asyncio.Future[None]] = set()
        self._server: asyncio.Server | None = None
        self._closing = False

    async def __aenter__(self) -> Self:
        self._server = await asyncio.start_server(self._forward, "127.0.0.1", self.port)
        return self

    async def __aexit__(self, *_: object) -> None:
        assert self._server is not None
        self._server.close()  # no new connections
        self._closing = True
        self.release()
        self.cut()
        await asyncio.gather(*self._handlers)  # ended by the cut, not cancelled (3.11's streams log that as an error)
        await self._server.wait_closed()

    def release(self) -> None:
        self._released.set()

    def cut(self) -> None:
        for writer in self._writers:
            writer.transport.abort()

    async def _forward(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        handler = asyncio.get_running_loop().create_future()
        self._handlers.add(handler)
        self._writers.add(writer)
        up: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
        with contextlib.suppress(OSError):  # nothing there: the client's connection ends
            up = await asyncio.open_connection("127.0.0.1", self.target)
        try:
            if up is not None:
                up_reader, up_writer = up
                self._writers.add(up_writer)
                if self._closing:  # (cut while this connection was being made)
                    self.cut()
                await asyncio.gather(  # until either side closes or is cut
                    self._pipe(reader, up_writer, self.hold), self._pipe(up_reader, writer, None),
                    return_exceptions=True,
                )  # fmt: skip
        finally:
            for each in (writer, *(up[1:] if up is not None else ())):
                self._writers.discard(each)
                each.transport.abort()
            handler.set_result(None)
            self._handlers.discard(handler)

    async def _pipe(self, source: asyncio.StreamReader, target: asyncio.StreamWriter, hold: bytes | None) -> None:
        tail = b""  # the end of the bytes before, for a mark cut in two by the reads
        while data := await source.read(65536):
            if hold is not None and not self._released.is_set():
                if hold in tail + data:
                    self.held.set()
                    await self._released.wait()
                tail = (tail + data)[-len(hold) :]
            target.write(data)
            await target.drain()
        target.close()


def postgres_bindir() -> Path:
    """The folder with PostgreSQL's server programs (initdb, postgres): the one pg_config names, else the newest of
    Debian's versioned folders, else the one on PATH."""
    candidates: list[Path] = []
    if pg_config := shutil.which("pg_config"):
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            named = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, timeout=10).stdout.strip()
            if named:
                candidates.append(Path(named))

    def version(folder: Path) -> tuple[int, ...]:
        return tuple(int(n) for n in re.findall(r"\d+", folder.parent.name))

    candidates += sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=version, reverse=True)
    if on_path := shutil.which("postgres"):
        candidates.append(Path(on_path).parent)
    for folder in candidates:
        if (folder / "initdb").is_file() and (folder / "postgres").is_file():
            return folder
    raise ServiceError(
        f"PostgreSQL's server programs (initdb, postgres) are not installed: run {INSTALL} "
        "(Debian's postgresql package)"
    )


def watch_log(
    name: str, stream: IO[bytes], log: collections.deque[str], ready: str
) -> tuple[threading.Event, threading.Thread]:
    """Read a server's log on a thread of its own for as long as it runs (an unread pipe would stop the server once
    full), keeping its last lines in `log`; the event is set when a line holds `ready`, or when the log ends. Join the
    thread before closing the stream (closing it under the thread's read fails in that thread)."""
    settled = threading.Event()

    def read() -> None:
        for raw in stream:
            log.append(raw.decode(errors="replace"))
            if ready in log[-1]:
                settled.set()
        settled.set()

    reader = threading.Thread(target=read, name=name, daemon=True)
    reader.start()
    return settled, reader


class Service:
    """A server the tests start, used as a context manager: started on entry, stopped on exit."""

    def start(self) -> Self:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()


class PostgresServer(Service):
    """A PostgreSQL server of its own: initdb in a temporary directory, then `postgres` on a free port of 127.0.0.1,
    its socket in that directory too. Every client connects as the superuser `lab` without a password (trust, on
    loopback only). As root, the server runs as the `postgres` user (PostgreSQL refuses to run as root).

    `start()` returns once the server's log says it accepts connections; `stop()` asks for a fast shutdown (SIGINT to
    its own process id), waits for the process to end and removes the directory."""

    USER = "lab"
    READY = "database system is ready to accept connections"

    def __init__(
        self, *, max_connections: int = 200, timeout: float = 60.0, options: dict[str, str] | None = None
    ) -> None:
        """`options`: more server settings (`-c name=value`), such as {"log_min_duration_statement": "0"}."""
        self.timeout = timeout
        self.options = {"max_connections": str(max_connections), **(options or {})}
        self.port = 0
        self.directory: Path | None = None
        self.process: subprocess.Popen[bytes] | None = None
        self._log: collections.deque[str] = collections.deque(maxlen=200)
        self._reader: threading.Thread | None = None
        self._ready = False
        self._settled = threading.Event()  # set when the log said "ready", or when it ended (the server stopped)
        self._names = itertools.count(1)

    # -- running ------------------------------------------------------------------------------------------------

    def start(self) -> PostgresServer:
        bindir = postgres_bindir()
        self.directory = Path(tempfile.mkdtemp(prefix="lab-postgres-"))
        try:
            self._as_owner(self.directory)
            self._initdb(bindir)
            for attempt in range(3):  # another process may take the free port before the server binds it
                self.port = free_port()
                if self._launch(bindir):
                    return self
                if attempt == 2 or "could not bind" not in self.log():
                    break
            raise ServiceError(f"PostgreSQL did not start:\n{self.log()}")
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        """Stops the server (if it runs) and removes its directory; safe to call more than once."""
        process, self.process = self.process, None
        if process is not None:
            self._end(process)
        if self.directory is not None:
            shutil.rmtree(self.directory, ignore_errors=True)
            self.directory = None

    def log(self) -> str:
        """The last lines the server (or initdb) wrote, for messages."""
        return "".join(self._log)

    @property
    def data(self) -> Path:
        assert self.directory is not None, "the server is not started"
        return self.directory / "data"

    def _owner(self) -> tuple[int, int] | None:
        """The postgres user's (uid, gid) when running as root; None otherwise (the server runs as this user)."""
        if os.geteuid() != 0:
            return None
        try:
            user = pwd.getpwnam("postgres")
        except KeyError:
            raise ServiceError(
                f"running as root, but there is no postgres user to run PostgreSQL as: run {INSTALL}"
            ) from None
        return user.pw_uid, user.pw_gid

    def _as_owner(self, path: Path) -> None:
        if owner := self._owner():
            os.chown(path, *owner)

    def _user(self) -> dict[str, Any]:
        """subprocess arguments that run a program as the server's user."""
        owner = self._owner()
        return {} if owner is None else {"user": owner[0], "group": owner[1], "extra_groups": []}

    def _initdb(self, bindir: Path) -> None:
        assert self.directory is not None
        command = [str(bindir / "initdb"), "-D", str(self.data), "-A", "trust", "-U", self.USER, "-E", "UTF8",
                   "--no-locale", "--no-sync", "--no-instructions"]  # fmt: skip
        try:
            done = subprocess.run(
                command, cwd=self.directory, capture_output=True, text=True, timeout=self.timeout, **self._user()
            )
        except subprocess.TimeoutExpired as error:
            raise ServiceError(f"initdb did not finish within {self.timeout} s") from error
        if done.returncode != 0:
            self._log.extend((done.stdout + done.stderr).splitlines(keepends=True))
            raise ServiceError(f"initdb failed ({done.returncode}):\n{self.log()}")

    def _launch(self, bindir: Path) -> bool:
        """Starts `postgres` and waits for its log to say it is ready; False if it ended first."""
        assert self.directory is not None
        options = {
            "listen_addresses": "127.0.0.1",
            "unix_socket_directories": str(self.directory),
            "lc_messages": "C",  # the log line that says "ready" is read in English
            # A server for tests, its data thrown away afterwards: nothing is forced to disk. A commit is still
            # written (to the operating system) before it returns, so a killed server keeps what it acknowledged.
            "fsync": "off",
            "full_page_writes": "off",
            **self.options,
        }
        command = [str(bindir / "postgres"), "-D", str(self.data), "-p", str(self.port)]
        for name, value in options.items():
            command += ["-c", f"{name}={value}"]
        self._ready = False
        self._settled.clear()
        self._log.clear()
        self.process = subprocess.Popen(
            command, cwd=self.directory, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            **self._user(),
        )  # fmt: skip
        self._reader = threading.Thread(target=self._read, args=(self.process,), name="postgres-log", daemon=True)
        self._reader.start()
        if not self._settled.wait(self.timeout):
            raise ServiceError(f"PostgreSQL was not ready within {self.timeout} s:\n{self.log()}")
        if self._ready:
            return True
        process, self.process = self.process, None
        self._end(process)  # it ended by itself: collect it
        return False

    def _read(self, process: subprocess.Popen[bytes]) -> None:
        """Reads the server's log for as long as it runs (an unread pipe would stop the server once full)."""
        assert process.stderr is not None
        for raw in process.stderr:
            line = raw.decode(errors="replace")
            self._log.append(line)
            if not self._ready and self.READY in line:
                self._ready = True
                self._settled.set()
        self._settled.set()

    def _end(self, process: subprocess.Popen[bytes]) -> None:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)  # fast shutdown: clients are disconnected, nothing is lost
            try:
                process.wait(self.timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(self.timeout)
        if self._reader is not None:
            self._reader.join(self.timeout)
            self._reader = None
        if process.stderr is not None:
            process.stderr.close()

    # -- databases ----------------------------------------------------------------------------------------------

    def url(self, database: str = "postgres") -> str:
        """The URL of one of this server's databases."""
        assert self.port, "the server is not started"
        return f"postgresql://{self.USER}@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str | None = None) -> str:
        """A new, empty database (named `name`, or a name of its own); returns its URL."""
        return run_async(lambda: self.create_database_async(name), self.timeout)

    def drop_database(self, name_or_url: str) -> None:
        """Drops a database, closing whatever connections it still has."""
        run_async(lambda: self.drop_database_async(name_or_url), self.timeout)

    async def create_database_async(self, name: str | None = None) -> str:
        name = name or f"lab_{os.getpid()}_{next(self._names)}"
        await self._admin(f"CREATE DATABASE {_identifier(name)}")
        return self.url(name)

    async def drop_database_async(self, name_or_url: str) -> None:
        name = name_or_url.rsplit("/", 1)[-1]
        await self._admin(f"DROP DATABASE IF EXISTS {_identifier(name)} WITH (FORCE)")

    async def _admin(self, statement: str) -> None:
        import asyncpg  # only the tests on PostgreSQL need it

        conn = await asyncpg.connect(self.url(), timeout=self.timeout)
        try:
            await conn.execute(statement)
        finally:
            await conn.close()


def _identifier(name: str) -> str:
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", name):
        raise ValueError(f"not a plain database name: {name!r}")
    return f'"{name}"'


class RedisServer(Service):
    """A Redis server of its own: `redis-server` on a port of 127.0.0.1 (free, or given: the same port again after a
    restart), with no persistence, in a temporary directory. `start()` returns once its log says it accepts
    connections; `stop()` ends it by its own process id (SIGTERM), `kill()` with SIGKILL, as a crash would."""

    READY = "Ready to accept connections"

    def __init__(self, *, port: int = 0, timeout: float = 30.0) -> None:
        self.port = port
        self.timeout = timeout
        self.directory: Path | None = None
        self.process: subprocess.Popen[bytes] | None = None
        self._reader: threading.Thread | None = None
        self._log: collections.deque[str] = collections.deque(maxlen=200)

    @property
    def url(self) -> str:
        assert self.port, "the server is not started"
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        binary = shutil.which("redis-server")
        if binary is None:
            raise ServiceError(f"redis-server is not installed: run {INSTALL}")
        self.directory = Path(tempfile.mkdtemp(prefix="lab-redis-"))
        self.port = self.port or free_port()
        command = [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                   "--dir", str(self.directory), "--daemonize", "no", "--loglevel", "notice"]  # fmt: skip
        self._log.clear()
        process = subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=self.directory
        )
        self.process = process
        assert process.stdout is not None
        ready, self._reader = watch_log("redis-log", process.stdout, self._log, self.READY)
        if not ready.wait(self.timeout) or process.poll() is not None:
            self.stop()
            raise ServiceError(f"Redis did not start:\n{''.join(self._log)}")
        return self

    def stop(self, sig: signal.Signals = signal.SIGTERM) -> None:
        """Ends the server (if it runs) and removes its directory; the port stays this server's for `start()`."""
        process, self.process = self.process, None
        if process is not None:
            if process.poll() is None:
                process.send_signal(sig)
            try:
                process.wait(self.timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(self.timeout)
            if self._reader is not None:  # the log read to its end
                self._reader.join(self.timeout)
                self._reader = None
            if process.stdout is not None:
                process.stdout.close()
        if self.directory is not None:
            shutil.rmtree(self.directory, ignore_errors=True)
            self.directory = None

    def kill(self) -> None:
        """Ends the server at once (SIGKILL), as a crash would."""
        self.stop(signal.SIGKILL)


class NginxServer(Service):
    """nginx of its own, in front of lab processes: a site configuration (deploy/nginx.conf) run as it is, with only
    its `listen` port and its upstream servers changed, inside a minimal main configuration in a temporary folder.
    Its access log names, for every request, the upstream that served it (`upstreams()`)."""

    def __init__(self, site: Path, upstreams: list[int], *, balance: str | None = None, timeout: float = 30.0) -> None:
        """`balance`: another line in place of the site's `hash ...;` line (as docs/deploy.md says for one room
        served by every process, `least_conn;`)."""
        self.site = site
        self.upstream_ports = upstreams
        self.balance = balance
        self.timeout = timeout
        self.port = 0
        self.directory: Path | None = None
        self.process: subprocess.Popen[bytes] | None = None
        self._reader: threading.Thread | None = None
        self._log: collections.deque[str] = collections.deque(maxlen=200)
        self._served = ""

    def start(self) -> NginxServer:
        binary = shutil.which("nginx") or "/usr/sbin/nginx"
        if not Path(binary).exists():
            raise ServiceError(f"nginx is not installed: run {INSTALL}")
        self.directory = Path(tempfile.mkdtemp(prefix="lab-nginx-"))
        os.chmod(self.directory, 0o755)
        self.port = free_port()
        site = self.site.read_text()
        servers = "".join(f"    server 127.0.0.1:{port};\n" for port in self.upstream_ports)
        site, count = re.subn(r"(?m)^    server 127\.0\.0\.1:\d+;\n(?:    server 127\.0\.0\.1:\d+;\n)*", servers, site)
        assert count == 1, "deploy/nginx.conf: the upstream servers were not found"
        site, count = re.subn(r"(?m)^    listen 80;$", f"    listen 127.0.0.1:{self.port};", site)
        assert count == 1, "deploy/nginx.conf: `listen 80;` was not found"
        if self.balance is not None:
            site, count = re.subn(r"(?m)^    hash \$lab_room consistent;", f"    {self.balance}", site)
            assert count == 1, "deploy/nginx.conf: `hash $lab_room consistent;` was not found"
        (self.directory / "site.conf").write_text(site)
        d = self.directory
        (d / "nginx.conf").write_text(
            f"daemon off;\nworker_processes 1;\npid {d}/nginx.pid;\nerror_log stderr notice;\n"
            f"events {{ worker_connections 4096; }}\n"
            f"http {{\n  log_format lab '$request_uri $upstream_addr';\n  access_log {d}/access.log lab;\n"
            f"  client_body_temp_path {d}/body; proxy_temp_path {d}/proxy; fastcgi_temp_path {d}/fastcgi;\n"
            f"  uwsgi_temp_path {d}/uwsgi; scgi_temp_path {d}/scgi;\n  include {d}/site.conf;\n}}\n"
        )
        check = subprocess.run([binary, "-t", "-p", str(d), "-c", str(d / "nginx.conf")], capture_output=True,
                               text=True, timeout=self.timeout)  # fmt: skip
        if check.returncode != 0:
            raise ServiceError(f"nginx refused the configuration:\n{check.stderr}")
        self.process = subprocess.Popen(
            [binary, "-p", str(d), "-c", str(d / "nginx.conf")], stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )  # fmt: skip
        process = self.process
        assert process.stderr is not None  # the master has bound the port once it starts its workers
        ready, self._reader = watch_log("nginx-log", process.stderr, self._log, "start worker process")
        if not ready.wait(self.timeout) or process.poll() is not None:
            self.stop()
            raise ServiceError(f"nginx did not start:\n{self.log()}")
        return self

    def log(self) -> str:
        return "".join(self._log)

    def upstreams(self) -> list[tuple[str, str]]:
        """(request path with its query, the upstream address that served it) for each request nginx has logged: a
        websocket once it has closed; after `stop()`, every request it served."""
        if self.directory is not None:
            self._served = (self.directory / "access.log").read_text()
        return [tuple(line.rsplit(" ", 1)) for line in self._served.splitlines()]  # type: ignore[misc]

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is not None:
            if process.poll() is None:
                process.send_signal(signal.SIGQUIT)  # graceful: requests in progress finish and are logged
            try:
                process.wait(self.timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(self.timeout)
            if self._reader is not None:  # the log read to its end
                self._reader.join(self.timeout)
                self._reader = None
            if process.stderr is not None:
                process.stderr.close()
        if self.directory is not None:
            self.upstreams()  # what it logged, kept
            shutil.rmtree(self.directory, ignore_errors=True)
            self.directory = None
