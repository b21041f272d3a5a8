"""A load generator: many phones in one process, speaking lab's documented protocol over real websockets.

The coordinator writes one JSON line of configuration to stdin, then commands (`vote`, `stop`), and reads JSON
lines of events from stdout. Every wait has a deadline; the process ends by itself when the coordinator goes.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import random
import re
import sys
import time
from typing import Any

import websockets
from websockets.asyncio.client import ClientConnection

from .common import LOAD_CPU, OPTIONS, pin, raise_open_files

HANDSHAKES_IN_FLIGHT = 200
# What a phone's browser sends with every request and socket (Chrome on Android, Dutch first), for `--scenario
# browser`: the server parses more headers, Accept-Language among them, as in the hall; and the phone fetches what
# the page links, compressed, as a browser does on its first visit.
BROWSER_HEADERS = {
    "User-Agent": "Mozilla/5.0 (Linux; Android 14; SM-A546B) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Mobile Safari/537.36",
    "Accept-Language": "nl-NL,nl;q=0.9,en-US;q=0.8,en;q=0.7",
    "Accept-Encoding": "gzip, deflate, br, zstd",
    "Cache-Control": "no-cache",
    "Pragma": "no-cache",
}
PAGE_HEADERS = {
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8",
    "Upgrade-Insecure-Requests": "1",
    "Sec-Fetch-Dest": "document",
    "Sec-Fetch-Mode": "navigate",
    "Sec-Fetch-Site": "none",
    "Sec-Fetch-User": "?1",
}
DEADLINE = 300.0  # no phase of a run takes longer than this
REACTION_SECONDS = 3.0  # a reacting phone taps for this long, through the vote burst
SETTLE = 2.0  # after the trickle's last answer, phones watch the results this long
SAMPLE = 50  # in the trickle, every 50th phone notes when each results message came and what it said


def emit(event: str, **data: Any) -> None:
    sys.stdout.write(json.dumps({"event": event, **data}) + "\n")
    sys.stdout.flush()


def backoff(attempt: int) -> float:
    """Seconds before reconnect attempt `attempt`, as `backoff()` in lab/static/socket.js: full jitter in the upper
    half of 0.5 s doubled per attempt, at most 15 s."""
    ceiling = min(15.0, 0.5 * 2.0**attempt)
    return ceiling / 2 + random.random() * ceiling / 2


def _get(host: str, port: int, path: str, headers: dict[str, str]) -> bytes:
    """A GET request's bytes, as a browser sends it."""
    lines = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
    return f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\n{lines}\r\n".encode()


async def http_get(
    host: str, port: int, path: str, headers: dict[str, str] | None = None, *, body: bool = False
) -> tuple[str, bytes]:
    """GET on a connection of its own (a minimal HTTP/1.1 client): the response's head, and its body when `body`
    (read until the server closes, as `Connection: close` asks it to)."""
    reader, writer = await asyncio.open_connection(host, port)
    try:
        writer.write(_get(host, port, path, {**(headers or {}), "Connection": "close"}))
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 60)
        rest = await asyncio.wait_for(reader.read(), 60) if body else b""
    finally:
        writer.close()
    return head.decode("latin-1"), rest


def cookie_of(head: str, path: str) -> str:
    for line in head.split("\r\n"):
        if line.lower().startswith("set-cookie:"):
            return line.split(":", 1)[1].split(";", 1)[0].strip()
    raise RuntimeError(f"no cookie from {path}: {head.splitlines()[0]}")


async def join_cookie(host: str, port: int, path: str, headers: dict[str, str] | None = None) -> str:
    """GET the room's page as a phone does and return its session cookie."""
    head, _ = await http_get(host, port, path, headers)
    return cookie_of(head, path)


async def fetch_all(host: str, port: int, paths: list[bytes], headers: dict[str, str]) -> None:
    """GET each path in turn on one kept-alive connection, as a browser fetches what a page links, reading each
    response to its end (Content-Length)."""
    if not paths:
        return
    reader, writer = await asyncio.open_connection(host, port)
    try:
        for path in paths:
            writer.write(_get(host, port, path.decode(), headers))
            head = (await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 60)).decode("latin-1")
            length = re.search(r"(?im)^content-length:\s*(\d+)", head)
            if not head.startswith("HTTP/1.1 200") or length is None:
                raise RuntimeError(f"{path.decode()}: {head.splitlines()[0]}")
            await asyncio.wait_for(reader.readexactly(int(length[1])), 60)
    finally:
        writer.close()


# What a page has a browser fetch: its style sheets, icon, preloaded modules and scripts (all on the same site).
LINKED = re.compile(rb'<(?:link|script)\b[^>]*?\b(?:href|src)="(/[^"]+)"')


class Phone:
    def __init__(self, crowd: Crowd, index: int) -> None:
        self.crowd = crowd
        self.index = index
        self.code = crowd.codes[index % len(crowd.codes)]  # its room (`--rooms`: phones are dealt over the rooms)
        self.ws: ClientConnection | None = None
        self.state_at = 0.0
        self.sent_at = 0.0
        self.ack_at = 0.0
        self.question: int | None = None
        self.round = 1
        self.seen: list[tuple[float, int, int]] | None = [] if index % SAMPLE == 0 else None  # (at, answers, bytes)
        self.cookie = ""
        self.back_at = 0.0  # when the snapshot came after a restart

    async def join(self) -> None:
        crowd = self.crowd
        async with crowd.handshakes:
            if crowd.headers:  # a browser: the page, then everything it links (a first visit: nothing cached)
                path = f"/r/{self.code}"
                head, page = await http_get(crowd.host, crowd.port, path, crowd.headers | PAGE_HEADERS, body=True)
                self.cookie = cookie_of(head, path)
                await fetch_all(crowd.host, crowd.port, LINKED.findall(page), crowd.headers | {"Cookie": self.cookie})
            else:
                self.cookie = await join_cookie(crowd.host, crowd.port, f"/r/{self.code}")
            await self.open()
        asyncio.get_running_loop().create_task(self.listen())

    async def open(self) -> None:
        """The socket and its snapshot, as the phone's page opens it (with the page's origin, in a browser)."""
        crowd = self.crowd
        headers = {"Cookie": self.cookie, **crowd.headers}
        if crowd.headers:
            headers["Origin"] = f"http://{crowd.host}:{crowd.port}"
        self.ws = await websockets.connect(
            f"ws://{crowd.host}:{crowd.port}/ws/r/{self.code}", additional_headers=headers,
            compression=None, open_timeout=60, ping_interval=None, close_timeout=2,
        )  # fmt: skip
        snapshot = json.loads(await asyncio.wait_for(self.ws.recv(), 60))
        assert snapshot["type"] == "snapshot"
        if snapshot.get("question"):
            self.question = snapshot["question"]["id"]
            self.round = snapshot["question"]["round"]

    async def listen(self) -> None:
        """Take what the server sends; after a restart (`crowd.restarting`), reconnect as socket.js does and go on."""
        while True:
            await self.read()
            if not self.crowd.restarting or not await self.reconnect():
                return

    async def reconnect(self) -> bool:
        """Attempts with socket.js's backoff until a snapshot comes (bounded by DEADLINE); True once back."""
        deadline = time.monotonic() + DEADLINE
        attempt = 0
        while time.monotonic() < deadline:
            await asyncio.sleep(backoff(attempt))  # the page's backoff, not a wait for an event
            attempt += 1
            try:
                await self.open()
            except (OSError, websockets.InvalidHandshake, websockets.ConnectionClosed, TimeoutError, AssertionError):
                continue
            self.back_at = time.monotonic()
            self.crowd.arrived("back")
            return True
        return False

    async def read(self) -> None:
        assert self.ws is not None
        try:
            async for raw in self.ws:
                message = json.loads(raw)
                kind = message["type"]
                if kind == "state" and message["question"] and not self.state_at:
                    self.state_at = time.monotonic()
                    self.question = message["question"]["id"]
                    self.round = message["question"]["round"]
                    self.crowd.arrived("pushed")
                    if self.crowd.on_arrival:  # the answer goes the moment the question is there
                        task = asyncio.get_running_loop().create_task(self.vote(self.crowd.kind))
                        self.crowd.voting.add(task)
                        task.add_done_callback(self.crowd.voting.discard)
                elif kind == "results" and message.get("results") is not None:
                    self.crowd.results += 1
                    self.crowd.results_bytes += len(raw)
                    if self.seen is not None:
                        self.seen.append((time.monotonic(), message["answers"], len(raw)))
                elif kind == "ack":
                    self.ack_at = time.monotonic()
                    self.crowd.arrived("acked")
                elif kind == "error":
                    self.crowd.errors += 1
                    self.crowd.arrived("acked")
        except websockets.ConnectionClosed:
            pass

    async def vote(self, kind: str = "choice") -> None:
        assert self.ws is not None and self.question is not None
        self.sent_at = time.monotonic()
        vote = {
            "type": "vote",
            "id": f"bench-{self.index:06d}",
            "question": self.question,
            "round": self.round,
            "value": answer(kind, self.index),
        }
        await self.ws.send(json.dumps(vote))

    async def react_storm(self, rate: float) -> None:
        """A phone tapping reactions through the vote burst, `rate` taps a second for REACTION_SECONDS (bounded: it
        stops by itself), within the server's per-socket message rate."""
        assert self.ws is not None
        kinds = ("like", "heart", "question", "louder")
        with contextlib.suppress(websockets.ConnectionClosed):
            for tap in range(max(1, round(REACTION_SECONDS * rate))):
                await self.ws.send(json.dumps({"type": "react", "reaction": kinds[(self.index + tap) % 4]}))
                await asyncio.sleep(1 / rate)


def answer(kind: str, index: int) -> Any:
    """Phone `index`'s answer to a question of this type, as its page would send it."""
    if kind == "scale":  # five statements, rated 1 to 5, one of them skipped now and then
        return [None if (index + n) % 7 == 0 else 1 + (index * (n + 3)) % 5 for n in range(5)]
    if kind == "wordcloud":  # a vocabulary of 10,000 words, a few of them much more common
        common = ["samenwerking", "overleg", "traag", "goed", "communicatie", "huurders"]
        return [common[index % len(common)], f"woord{(index * 7919) % 10_000}"]
    if kind == "open":
        return f"Antwoord {index}: meer overleg met de corporatie over onderhoud en de huur"
    return [index % OPTIONS]


class Crowd:
    """All phones of this process, and counters that wake the phases when everyone has arrived."""

    def __init__(self, config: dict[str, Any]) -> None:
        self.host, self.port = config["host"], config["port"]
        self.codes: list[str] = config["codes"]
        self.kind: str = config.get("question_type", "choice")
        self.on_arrival: bool = config.get("on_arrival", False)
        self.headers: dict[str, str] = BROWSER_HEADERS if config.get("browser") else {}
        self.phones = [Phone(self, config["first"] + i) for i in range(config["count"])]
        self.handshakes = asyncio.Semaphore(HANDSHAKES_IN_FLIGHT)
        self.counts = {"pushed": 0, "acked": 0, "back": 0}
        self.done = {"pushed": asyncio.Event(), "acked": asyncio.Event(), "back": asyncio.Event()}
        self.voting: set[asyncio.Task[None]] = set()  # votes sent on arrival (kept: a task needs a reference)
        self.restarting = False
        self.errors = 0
        self.joined = 0
        self.results = 0  # results messages that reached phones, and their size
        self.results_bytes = 0

    def arrived(self, phase: str) -> None:
        self.counts[phase] += 1
        if self.counts[phase] >= self.joined:
            self.done[phase].set()


async def main() -> None:
    pin(LOAD_CPU)
    raise_open_files()
    loop = asyncio.get_running_loop()
    stdin = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(stdin), sys.stdin)
    config = json.loads(await stdin.readline())
    crowd = Crowd(config)

    outcomes = await asyncio.gather(*(p.join() for p in crowd.phones), return_exceptions=True)
    failures = [repr(o) for o in outcomes if isinstance(o, BaseException)]
    joined = [p for p, o in zip(crowd.phones, outcomes, strict=True) if not isinstance(o, BaseException)]
    crowd.joined = len(joined)
    if not joined:
        for event in crowd.done.values():
            event.set()
    emit("joined", ok=len(joined), errors=len(failures), sample=failures[:3], at=time.monotonic())
    # An instrument must not pause: a full collection over thousands of client sockets takes half a second here,
    # which would be measured as the server's latency. This process lives for one run, so memory is no concern.
    gc.freeze()
    gc.disable()

    await _wait(crowd.done["pushed"])
    emit("pushed", times=[p.state_at for p in joined if p.state_at])

    command = (await stdin.readline()).decode().strip()
    if command == "restart":  # the server restarts: every phone reconnects, then the burst as usual
        crowd.restarting = True
        emit("ready")
        await _wait(crowd.done["back"])
        emit("back", times=[p.back_at for p in joined if p.back_at])
        crowd.restarting = False
        command = (await stdin.readline()).decode().strip()
    if command == "vote":
        rate = float(config.get("tap_rate", 1.0))
        storm = [asyncio.create_task(p.react_storm(rate)) for p in joined if p.index < config.get("reactions", 0)]
        if not crowd.on_arrival:  # else sent as the question came
            await asyncio.gather(*(p.vote(crowd.kind) for p in joined if p.question is not None))
        await _wait(crowd.done["acked"])
        answered = [p for p in joined if p.ack_at]
        emit(
            "voted", acked=len(answered), errors=crowd.errors, latencies=[p.ack_at - p.sent_at for p in answered],
            first_sent=min((p.sent_at for p in joined if p.sent_at), default=0.0),
            last_ack=max((p.ack_at for p in answered), default=0.0),
        )  # fmt: skip
        await asyncio.gather(*storm)
        await stdin.readline()  # "stop"
    elif command.startswith("trickle"):
        _, per_second, seconds = command.split()
        await trickle(crowd, joined, float(per_second), float(seconds), config.get("question_type", "choice"))
        await stdin.readline()  # "stop"
    await asyncio.gather(*(p.ws.close() for p in joined if p.ws is not None), return_exceptions=True)


async def trickle(crowd: Crowd, joined: list[Phone], rate: float, seconds: float, kind: str) -> None:
    """Answers trickling in: `rate` phones a second answer, one after another, for `seconds` (bounded: at most one
    answer per phone); meanwhile every phone takes the results it is sent. Reports each answer's acknowledgement
    time and what the sampled phones saw, once the last answer is acknowledged and a moment has passed for the
    results to reach every phone."""
    voters = [p for p in joined if p.question is not None][: int(rate * seconds)]
    crowd.joined = len(voters)
    crowd.counts["acked"] = 0
    crowd.done["acked"].clear()
    for phone in voters:
        phone.ack_at = 0.0
    crowd.results = crowd.results_bytes = 0
    for phone in joined:
        if phone.seen is not None:
            phone.seen.clear()
    started = time.monotonic()
    for number, phone in enumerate(voters):
        delay = started + number / rate - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)  # the pace of the trickle, not a wait for an event
        await phone.vote(kind)
    if voters:
        await _wait(crowd.done["acked"])
    await asyncio.sleep(SETTLE)  # the last results on their way to every phone (a phone sees them within a second)
    emit(
        "trickled", acks=[[p.sent_at, p.ack_at] for p in voters if p.ack_at], errors=crowd.errors,
        seen=[p.seen for p in joined if p.seen is not None], results=crowd.results, results_bytes=crowd.results_bytes,
        first_sent=started, phones=len(joined),
    )  # fmt: skip


async def _wait(event: asyncio.Event) -> None:
    with contextlib.suppress(TimeoutError):  # report what arrived; the coordinator counts what is missing
        await asyncio.wait_for(event.wait(), DEADLINE)


if __name__ == "__main__":
    try:
        import uvloop

        uvloop.run(main())
    except ImportError:
        asyncio.run(main())
