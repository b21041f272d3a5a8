"""`python -m bench`: one laptop, a congress hall. Drives a real `lab serve` process (and the reference server)
with load-generator processes through join storm, push, vote burst and projector, then checks integrity and
cost, and prints one summary line last. Loopback only; every wait is bounded; it stops by itself.

Scenarios (`--scenario`), each with its own summary line (docs/performance.md says what each measures):
`arrival` (the default: every phone answers the moment the question reaches it, as phones in a hall do), `burst`
(every phone has the question, then all answer at one command: the earlier default), `browser` (as `arrival`, with
a phone browser's headers, Accept-Language among them, on every request and socket, and the scripts, styles and
icon the page links fetched by every phone, as on a first visit), `words` (as `arrival`, a word
cloud answered from a vocabulary of 10,000 words; lab alone), `reconnect` (the server restarts under every phone:
how long until each has its snapshot again, then the burst) and `trickle` (results shown on every phone while
`--rate` answers a second arrive for `--seconds`, to a question of type `--question`; lab alone).

`--edges N` serves the room from an owner and N edge processes on Redis and PostgreSQL (lab.owners), with every
phone on an edge; `--rooms N` deals the phones over N rooms of one process, each pushed by its own console."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import re
import socket
import sqlite3
import statistics
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import websockets

from .common import LOAD_CPU, SERVER_CPU, as_server, cpu_seconds, on_core, pin, raise_open_files, rss_kb

DECK = Path(__file__).with_name("deck.toml")
PHASE = 300.0  # the longest any phase may take, in seconds
SETTLE = 2.0  # after the trickle's last answer, the load generators watch the results this long (bench.loader)


@dataclass
class Figures:
    server: str
    participants: int
    connected: int = 0
    join_errors: int = 0
    join_s: float = 0.0
    push_p50_ms: float = 0.0
    push_p99_ms: float = 0.0
    push_max_ms: float = 0.0
    vote_p50_ms: float = 0.0
    vote_p99_ms: float = 0.0
    vote_max_ms: float = 0.0
    votes_per_s: float = 0.0
    projector_lag_ms: float = 0.0
    acked: int = 0
    stored: int = 0
    shown: int = 0
    lost: int = 0
    duplicated: int = 0
    vote_errors: int = 0
    cpu_s_per_1000_votes: float = 0.0
    join_cpu_s_per_1000: float = 0.0  # the server's CPU seconds during the join storm per 1,000 phones joined
    rss_kb_per_participant: float = 0.0
    # the trickle: the server's share of a core while answers trickle in; how old the results a phone shows get
    # (p99 and worst, over the sampled phones, just before their next results arrive); results messages a second
    # per phone, and their average size
    server_cpu: float = 0.0
    results_age_p99_ms: float = 0.0
    results_age_max_ms: float = 0.0
    phone_results_per_s: float = 0.0
    phone_results_bytes: float = 0.0
    # the reconnect storm: from the restart's signal until the new server listens, and until every phone has its
    # snapshot again
    restart_s: float = 0.0
    reconnect_s: float = 0.0
    # --edges: the share of the processes' CPU time, from the push to the last acknowledgement, that the owner used
    owner_cpu_share: float = 0.0
    # how busy the load generators were from the push until every phone had it: their CPU seconds together over that
    # time. They share one core (LOAD_CPU), so 1.0 is that core busy all along: the instrument itself had no time to
    # spare, and the push's figures are partly its own
    load_cpu_push: float = 0.0
    # --edges: the cores that the lab processes, Redis and PostgreSQL may run on (the load generators run on another)
    server_cores: str = ""


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


QUESTIONS = {
    "choice": 'type = "choice"\nprompt = "Hoe beoordeelt u de samenwerking?"\n'
              'options = ["Goed", "Voldoende", "Matig", "Slecht"]',
    "scale": 'type = "scale"\nprompt = "Hoe ging het vorig jaar?"\nscale_max = 5\nstatements = ["De samenwerking", '
             '"Ruimte om mee te praten", "Duidelijke afspraken", "De informatie", "Het geld"]',
    "wordcloud": 'type = "wordcloud"\nprompt = "Zeg het in 1, 2 of 3 woorden."\nmax_words = 3',
    "open": 'type = "open"\nprompt = "Wat moet beter?"\nmax_length = 200',
}  # fmt: skip


def deck(folder: Path, kind: str) -> Path:
    """A deck of one question of this type."""
    path = folder / f"{kind}.toml"
    path.write_text(f'title = "Benchmark"\n\n[[questions]]\n{QUESTIONS[kind]}\n')
    return path


async def start_server(
    kind: str, port: int, db: Path | str, deck_file: Path | None = DECK, env: dict[str, str] | None = None
) -> tuple[asyncio.subprocess.Process, dict[str, str]]:
    """A server on `port`, on the server's core, and the links it printed; lab with `deck_file` (None: an edge, which
    shows no room of its own) and more `env` (LAB_... settings)."""
    if kind == "lab":
        command = ["-m", "lab", "serve", "--host", "127.0.0.1", "--port", str(port), "--db", str(db)]
        command += ["--deck", str(deck_file)] if deck_file is not None else []
    else:
        command = ["-m", "bench.reference", "--port", str(port)]
    settings = {**os.environ, "LAB_ORGANISER_PASSWORD": "bench", "LAB_CONNECTIONS_PER_ADDRESS": "1000000"}
    settings.update(env or {})
    process = await asyncio.create_subprocess_exec(
        sys.executable, *command, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT, env=settings,
        preexec_fn=as_server,
    )  # fmt: skip
    assert process.stdout is not None
    links: dict[str, str] = {}
    ready = "Facilitator" if kind == "reference" or deck_file is not None else "Organiser page"
    while ready not in links:
        line = (await asyncio.wait_for(process.stdout.readline(), 60)).decode()
        if not line:
            raise RuntimeError(f"{kind} server stopped before it was ready")
        if match := re.match(r"(Participants|Projector|Facilitator|Organiser page):\s+(.*)", line):
            links[match[1]] = match[2].strip()
    if "Participants" in links:
        links["code"] = re.findall(r"code (\d+)", links["Participants"])[0]
    asyncio.get_running_loop().create_task(_drain(process))
    return process, links


class Edges:
    """`--edges N`: one room in N + 1 lab processes on Redis and PostgreSQL (lab.owners). The first process starts
    with the deck and owns its room; the screens are on it, and the phones on the N others, its edges. Redis and
    PostgreSQL are started as the tests start them (tests/services.py), in temporary directories, and stopped. All
    of them run on the server's core, as one lab process does, and not on the load generators' core, which they would
    inherit from this process (docs/performance.md)."""

    def __init__(self, count: int) -> None:
        sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
        from services import PostgresServer, RedisServer

        self.count = count
        self.redis = RedisServer()
        self.postgres = PostgresServer(options={"fsync": "off", "synchronous_commit": "off"})
        self.url = ""
        self.edges: list[asyncio.subprocess.Process] = []
        self.ports: list[int] = []

    async def start(self, deck_file: Path) -> tuple[asyncio.subprocess.Process, dict[str, str], int]:
        """Redis, PostgreSQL and the owner; returns the owner, its links and its port. Then `start_edges`."""
        with on_core(SERVER_CPU):  # with lab's processes: the load generators keep their core to themselves
            self.redis.start()
            self.postgres.start()
        self.url = await self.postgres.create_database_async()
        port = free_port()
        owner, links = await start_server("lab", port, self.url, deck_file, self.env)
        return owner, links, port

    async def start_edges(self) -> None:
        """After the owner has its room (its screens connected): the edges, each of which then serves it."""
        for _ in range(self.count):
            port = free_port()
            edge, _ = await start_server("lab", port, self.url, None, self.env)
            self.edges.append(edge)
            self.ports.append(port)

    def cores(self, lab: list[int]) -> str:
        """The cores that these lab processes, Redis and PostgreSQL may run on, as "0" or "0,1"."""
        pids = [*lab, *(service.process.pid for service in (self.redis, self.postgres) if service.process is not None)]
        return ",".join(str(cpu) for cpu in sorted(set().union(*(os.sched_getaffinity(pid) for pid in pids))))

    @property
    def env(self) -> dict[str, str]:
        # no report workers: four processes' worth would take the memory and cores the phones need here
        return {"LAB_DATABASE_URL": self.url, "LAB_BROKER_URL": self.redis.url, "LAB_WARM_REPORTS": "0"}

    async def stored(self) -> int:
        import asyncpg

        connection = await asyncpg.connect(self.url)
        try:
            return int(await connection.fetchval("SELECT count(*) FROM answers"))
        finally:
            await connection.close()

    def stop(self) -> None:
        self.postgres.stop()
        self.redis.stop()


async def _drain(process: asyncio.subprocess.Process) -> None:
    assert process.stdout is not None
    while await process.stdout.read(65536):
        pass


async def screen(port: int, link: str, path: str) -> websockets.ClientConnection:
    """Open a screen as a browser would: the key link sets the cookie, then the socket."""
    from .loader import join_cookie

    cookie = await join_cookie("127.0.0.1", port, link.split(str(port), 1)[1])
    # A console the bench only steers with is never read: without max_queue=None its unread messages stop the
    # client reading at all, pongs included, and the keepalive closes it mid-run (seen after a few minutes).
    return await websockets.connect(
        f"ws://127.0.0.1:{port}{path}",
        additional_headers={"Cookie": cookie},
        compression=None,
        max_size=2**24,
        max_queue=None,
        ping_interval=None,
    )


class Projector:
    """Watches `results` and notes when each answer count was first shown."""

    def __init__(self, ws: websockets.ClientConnection) -> None:
        self.ws = ws
        self.shown_at: dict[int, float] = {}
        self.latest = 0
        self.target = -1
        self.reached = asyncio.Event()
        self.task = asyncio.get_running_loop().create_task(self.watch())

    async def watch(self) -> None:
        with contextlib.suppress(websockets.ConnectionClosed):
            async for raw in self.ws:
                message = json.loads(raw)
                if message["type"] == "results" and message.get("question"):
                    self.latest = message["answers"]
                    self.shown_at.setdefault(message["answers"], time.monotonic())
                    if message["answers"] == self.target:
                        self.reached.set()

    async def wait_for(self, count: int) -> float:
        """When the projector first showed `count` answers (NaN if it did not within 30 s)."""
        self.target = count
        if count not in self.shown_at:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.reached.wait(), 30)
        return self.shown_at.get(count, float("nan"))


@dataclass(frozen=True)
class Trickle:
    question: str = "choice"
    rate: float = 200.0  # answers a second
    seconds: float = 10.0


@dataclass(frozen=True)
class Plan:
    """What a scenario does (see the module's docstring)."""

    name: str = "arrival"
    question: str = "choice"
    on_arrival: bool = True
    browser: bool = False
    restart: bool = False
    trickle: Trickle | None = None

    @property
    def lab_only(self) -> bool:
        """The reference server answers a choice question and shows no results on phones."""
        return self.question != "choice" or self.trickle is not None


PLANS = {
    "arrival": Plan(),
    "burst": Plan("burst", on_arrival=False),
    "browser": Plan("browser", browser=True),
    "words": Plan("words", question="wordcloud"),
    "reconnect": Plan("reconnect", on_arrival=False, restart=True),
}
SCENARIOS = (*PLANS, "trickle")


def plan(name: str, trickling: Trickle) -> Plan:
    if name == "trickle":
        return Plan("trickle", question=trickling.question, on_arrival=False, trickle=trickling)
    return PLANS[name]


async def scenario(
    kind: str, participants: int, loaders: int, reactions: int = 0, tap_rate: float = 1.0, chosen: Plan = Plan(),
    edges: int = 0, rooms: int = 1,
) -> Figures:  # fmt: skip
    figures = Figures(kind, participants)
    trickling = chosen.trickle
    with tempfile.TemporaryDirectory(prefix="lab-bench-") as tmp:
        db = Path(tmp) / "bench.db"
        port = free_port()
        question_type = chosen.question
        deck_file = DECK if question_type == "choice" and not trickling else deck(Path(tmp), question_type)
        cluster = Edges(edges) if kind == "lab" and edges else None
        others = await more_rooms(db, rooms - 1, deck_file)  # `--rooms`: made in the store before lab starts
        if cluster is not None:
            server, links, port = await cluster.start(deck_file)
        else:
            server, links = await start_server(kind, port, db, deck_file)
        workers: list[asyncio.subprocess.Process] = []
        try:
            boss, viewer, question = await screens(port, links)
            projector = Projector(viewer)
            consoles = [await console(port, code, key) for code, key in others]
            if cluster is not None:
                await cluster.start_edges()
            ports = cluster.ports if cluster is not None else [port]  # where the phones go
            pids = [server.pid, *(edge.pid for edge in cluster.edges)] if cluster is not None else [server.pid]
            if cluster is not None:
                figures.server_cores = cluster.cores(pids)
            rss_before = sum(rss_kb(pid) for pid in pids)
            cpu_at_join = cpu_of(pids)

            # 1. join storm
            shares = [participants // loaders + (1 if i < participants % loaders else 0) for i in range(loaders)]
            started = time.monotonic()
            first = 0
            for index, share in enumerate(shares):
                worker = await asyncio.create_subprocess_exec(
                    sys.executable, "-m", "bench.loader", stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
                    limit=2**26,
                )  # fmt: skip
                assert worker.stdin is not None
                config = {"host": "127.0.0.1", "port": ports[index % len(ports)],
                          "codes": [links["code"], *(code for code, _ in others)],
                          "count": share, "first": first,
                          "reactions": reactions if kind == "lab" else 0, "tap_rate": tap_rate,
                          "question_type": question_type, "on_arrival": chosen.on_arrival,
                          "browser": chosen.browser}  # fmt: skip
                worker.stdin.write(json.dumps(config).encode() + b"\n")
                first += share
                workers.append(worker)
            joined = await _events(workers, "joined")
            figures.connected = sum(e["ok"] for e in joined)
            figures.join_errors = sum(e["errors"] for e in joined)
            figures.join_s = round(max(e["at"] for e in joined) - started, 2)
            figures.join_cpu_s_per_1000 = round((cpu_of(pids) - cpu_at_join) / max(1, figures.connected) * 1000, 3)
            rss_after = sum(rss_kb(pid) for pid in pids)
            figures.rss_kb_per_participant = round((rss_after - rss_before) / max(1, figures.connected), 1)

            # 2. push (with votes on arrival, the burst's CPU time counts from here)
            loading = [worker.pid for worker in workers]
            cpu_at_push, owner_at_push, load_at_push = cpu_of(pids), cpu_seconds(server.pid), cpu_of(loading)
            pushed_at = time.monotonic()
            await boss.send(json.dumps({"type": "push", "question": question}))
            for ws, first in consoles:
                await ws.send(json.dumps({"type": "push", "question": first}))
            pushes = [1000 * (t - pushed_at) for e in await _events(workers, "pushed") for t in e["times"]]
            figures.load_cpu_push = round((cpu_of(loading) - load_at_push) / max(1e-6, time.monotonic() - pushed_at), 2)
            figures.push_p50_ms, figures.push_p99_ms, figures.push_max_ms = (
                round(percentile(pushes, q), 1) for q in (0.5, 0.99, 1.0)
            )

            if chosen.restart:
                await boss.close()
                await viewer.close()
                server = await restart(figures, kind, server, port, db, deck_file, workers)
                pids = [server.pid]
                boss, viewer, question = await screens(port, links)
                projector = Projector(viewer)
            if trickling is not None:
                await boss.send(json.dumps({"type": "show_results", "question": question, "target": "phones",
                                            "show": True}))  # fmt: skip
                await trickle(figures, pids, workers, trickling)
            else:
                since = cpu_at_push if chosen.on_arrival else None
                await burst(figures, pids, workers, projector if not others else None, since)
                if cluster is not None:
                    used = cpu_of(pids) - cpu_at_push
                    figures.owner_cpu_share = round((cpu_seconds(server.pid) - owner_at_push) / max(1e-6, used), 2)

            # 5. integrity
            if trickling is None:
                figures.shown = projector.latest if not others else figures.acked  # (one room's projector)
            if cluster is not None:
                figures.stored = await cluster.stored()
            elif kind == "lab":
                with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as conn:
                    figures.stored = conn.execute("SELECT count(*) FROM answers").fetchone()[0]
            else:
                figures.stored = projector.latest
            figures.lost = max(0, figures.acked - figures.stored)
            figures.duplicated = max(0, figures.stored - figures.acked) + max(0, figures.shown - figures.stored)
            for worker in workers:
                assert worker.stdin is not None
                worker.stdin.write(b"stop\n")
            await boss.close()
            await viewer.close()
            for ws, _ in consoles:
                await ws.close()
        finally:
            processes = [*workers, server, *(cluster.edges if cluster is not None else [])]
            for process in processes:
                if process.returncode is None:
                    process.terminate()
            for process in processes:
                try:
                    await asyncio.wait_for(process.wait(), 20)
                except TimeoutError:
                    process.kill()
                    await process.wait()
            if cluster is not None:
                cluster.stop()
    return figures


async def more_rooms(db: Path, count: int, deck_file: Path) -> list[tuple[str, str]]:
    """`--rooms`: `count` rooms besides the deck's, each with the deck's first question, made in the SQLite store
    before lab starts (as organisers would have made them); their codes and facilitator keys."""
    if not count:
        return []
    from lab.decks import load_deck
    from lab.store import NewQuestion, open_store

    spec = load_deck(deck_file).questions[0]
    store = open_store(db)
    await store.open()
    made = []
    try:
        for n in range(count):
            code, keys = str(300_001 + n), (f"bench-console-{n:05d}", f"bench-screen-{n:05d}")
            row = await store.create_room(code, f"Zaal {n + 2}", None, None, keys, [
                NewQuestion(spec.type, spec.prompt, dict(spec.settings))])  # fmt: skip
            assert row is not None
            made.append((code, keys[0]))
    finally:
        await store.close()
    return made


async def console(port: int, code: str, key: str) -> tuple[websockets.ClientConnection, int]:
    """The console of one of the `--rooms`, and its first question."""
    ws = await screen(port, f"http://127.0.0.1:{port}/f/{code}?key={key}", f"/ws/f/{code}")
    snapshot = json.loads(await ws.recv())
    return ws, snapshot["questions"][0]["id"]


async def screens(
    port: int, links: dict[str, str]
) -> tuple[websockets.ClientConnection, websockets.ClientConnection, int]:
    """The console and the projector, with the projector showing the first question's results."""
    boss = await screen(port, links["Facilitator"], f"/ws/f/{links['code']}")
    snapshot = json.loads(await boss.recv())
    question: int = snapshot["questions"][0]["id"]
    viewer = await screen(port, links["Projector"], f"/ws/p/{links['code']}")
    await boss.send(json.dumps({"type": "show_results", "question": question, "target": "projector", "show": True}))
    return boss, viewer, question


async def restart(
    figures: Figures, kind: str, server: asyncio.subprocess.Process, port: int, db: Path, deck_file: Path,
    workers: list[asyncio.subprocess.Process],
) -> asyncio.subprocess.Process:  # fmt: skip
    """The server stops (SIGTERM, as a restart does) and starts again on the same port and store while every phone
    is connected; they reconnect as socket.js does. Returns the new server."""
    for worker in workers:
        assert worker.stdin is not None
        worker.stdin.write(b"restart\n")
    await _events(workers, "ready")
    started = time.monotonic()
    server.terminate()
    await exited(server)
    server, _ = await start_server(kind, port, db, deck_file)
    figures.restart_s = round(time.monotonic() - started, 2)
    back = [t for e in await _events(workers, "back") for t in e["times"]]
    figures.reconnect_s = round(max(back) - started, 2) if len(back) == figures.connected else float("nan")
    return server


async def exited(process: asyncio.subprocess.Process) -> None:
    """Returns once the process has ended (its return code is known), within PHASE seconds. Not `process.wait()`:
    that waits for its output pipe too, which lab's report workers hold until they notice the server has gone."""
    deadline = time.monotonic() + PHASE
    while process.returncode is None:
        if time.monotonic() > deadline:
            raise TimeoutError(f"the server did not stop within {PHASE} s")
        await asyncio.sleep(0.01)  # the return code is set by the child watcher; no event tells it


async def burst(
    figures: Figures, pids: list[int], workers: list[asyncio.subprocess.Process], projector: Projector | None,
    cpu_before: float | None = None,
) -> None:  # fmt: skip
    """3. every phone answers (at this command, or already as the question came: then the CPU time counts from
    `cpu_before`, the push); 4. the projector shows the count."""
    cpu_before = cpu_of(pids) if cpu_before is None else cpu_before
    for worker in workers:
        assert worker.stdin is not None
        worker.stdin.write(b"vote\n")
    voted = await _events(workers, "voted")
    figures.vote_errors = sum(e["errors"] for e in voted)
    figures.acked = sum(e["acked"] for e in voted)
    latencies = [1000 * t for e in voted for t in e["latencies"]]
    figures.vote_p50_ms, figures.vote_p99_ms, figures.vote_max_ms = (
        round(percentile(latencies, q), 1) for q in (0.5, 0.99, 1.0)
    )
    if figures.acked:
        first_sent = min(e["first_sent"] for e in voted if e["first_sent"])
        last_ack = max(e["last_ack"] for e in voted)
        figures.votes_per_s = round(figures.acked / max(1e-6, last_ack - first_sent))
        if projector is not None:  # (with `--rooms`, it shows one room of many: no lag to tell)
            shown_at = await projector.wait_for(figures.acked)
            figures.projector_lag_ms = round(1000 * (shown_at - last_ack), 1)
        else:
            figures.projector_lag_ms = float("nan")
    cpu_after = cpu_of(pids)
    figures.cpu_s_per_1000_votes = round((cpu_after - cpu_before) / max(1, figures.acked) * 1000, 3)


async def trickle(figures: Figures, pids: list[int], workers: list[asyncio.subprocess.Process], plan: Trickle) -> None:
    """Answers trickle in while every phone shows the results: the server's share of a core, how old the results
    on the phones get, and the acknowledgements' latency."""
    share = plan.rate / len(workers)
    cpu_before, started = cpu_of(pids), time.monotonic()
    for worker in workers:
        assert worker.stdin is not None
        worker.stdin.write(f"trickle {share} {plan.seconds}\n".encode())
    done = await _events(workers, "trickled")
    last = max((ack for e in done for _, ack in e["acks"]), default=started)
    figures.server_cpu = round((cpu_of(pids) - cpu_before) / max(1e-6, last - started), 2)
    figures.vote_errors = sum(e["errors"] for e in done)
    acks = sorted(ack for e in done for _, ack in e["acks"])
    figures.acked = len(acks)
    latencies = [1000 * (ack - sent) for e in done for sent, ack in e["acks"]]
    figures.vote_p50_ms, figures.vote_p99_ms, figures.vote_max_ms = (
        round(percentile(latencies, q), 1) for q in (0.5, 0.99, 1.0)
    )
    figures.votes_per_s = round(figures.acked / max(1e-6, last - started))
    ages: list[float] = []
    finals: list[int] = []
    for seen in (phone for e in done for phone in e["seen"]):
        seen.sort()
        finals.append(seen[-1][1] if seen else 0)
        for (_shown_at, answers, _), end in zip(seen, [s[0] for s in seen[1:]] + [last + SETTLE], strict=True):
            # shown until the next results came (`end`); outdated since the next answer was acknowledged
            if answers < len(acks) and acks[answers] < end:
                ages.append(1000 * (end - acks[answers]))
    figures.results_age_p99_ms = round(percentile(ages, 0.99), 1) if ages else 0.0
    figures.results_age_max_ms = round(max(ages), 1) if ages else 0.0
    figures.shown = min(finals) if finals else 0  # every sampled phone ends with every answer shown
    phones = sum(e["phones"] for e in done)
    window = max(1e-6, last + SETTLE - started)
    figures.phone_results_per_s = round(sum(e["results"] for e in done) / max(1, phones) / window, 2)
    figures.phone_results_bytes = round(sum(e["results_bytes"] for e in done) / max(1, sum(e["results"] for e in done)))


def cpu_of(pids: list[int]) -> float:
    """The CPU time these processes have used (the server's: with `--edges`, the owner's and every edge's)."""
    return sum(cpu_seconds(pid) for pid in pids)


async def _events(workers: list[asyncio.subprocess.Process], name: str) -> list[dict[str, Any]]:
    async def one(worker: asyncio.subprocess.Process) -> dict[str, Any]:
        assert worker.stdout is not None
        while True:
            line = await asyncio.wait_for(worker.stdout.readline(), PHASE)
            if not line:
                raise RuntimeError(f"a load generator stopped before '{name}'")
            event: dict[str, Any] = json.loads(line)
            if event["event"] == name:
                return event

    return list(await asyncio.gather(*(one(w) for w in workers)))


def median(runs: list[Figures], field: str) -> float:
    return float(statistics.median(getattr(r, field) for r in runs))


def ratio_of(lab: list[Figures], reference: list[Figures], field: str) -> float:
    """lab's median of `field` over the bare server's, to two places; nan without the bare server, or when its figure
    is 0 (the CPU of 20 joins can be less than the system's tick)."""
    below = median(reference, field) if reference else 0.0
    return round(median(lab, field) / below, 2) if below else float("nan")


def summary(lab: list[Figures], reference: list[Figures]) -> str:
    def fmt(value: float) -> str:
        return str(int(value)) if float(value).is_integer() else f"{value:g}"

    fields = [
        ("participants", lab[0].participants), ("connected", median(lab, "connected")),
        ("push_p99_ms", median(lab, "push_p99_ms")), ("vote_p99_ms", median(lab, "vote_p99_ms")),
        ("votes_per_s", median(lab, "votes_per_s")), ("projector_lag_ms", median(lab, "projector_lag_ms")),
        ("lost", max(r.lost for r in lab)), ("duplicated", max(r.duplicated for r in lab)),
        ("rss_kb_per_participant", median(lab, "rss_kb_per_participant")),
        ("ratio_votes", ratio_of(lab, reference, "votes_per_s")),
        ("ratio_push", ratio_of(lab, reference, "push_p99_ms")),
    ]  # fmt: skip
    return "bench " + " ".join(f"{name}={fmt(value)}" for name, value in fields)


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--participants", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=1, help="runs of each server; medians are reported")
    parser.add_argument("--loaders", type=int, default=0, help="load-generator processes (default: 1 per 5,000)")
    parser.add_argument("--no-reference", action="store_true", help="skip the reference server")
    parser.add_argument("--json", action="store_true", help="print every run's figures as JSON lines too")
    parser.add_argument(
        "--reactions", type=int, default=0,
        help="this many of lab's phones tap reactions all through the vote burst (for 3 seconds)",
    )  # fmt: skip
    parser.add_argument(
        "--tap-rate", type=float, default=1.0,
        help="taps a second per reacting phone: 1 as the phone's buttons allow (the default), up to 10, the most "
        "the server takes from one socket",
    )  # fmt: skip
    parser.add_argument("--scenario", choices=SCENARIOS, default="arrival", help="what the phones do (see above)")
    parser.add_argument("--question", choices=sorted(QUESTIONS), default="choice", help="the trickle's question type")
    parser.add_argument("--rate", type=float, default=200.0, help="the trickle's answers a second")
    parser.add_argument("--seconds", type=float, default=10.0, help="how long answers trickle in")
    parser.add_argument(
        "--rooms", type=int, default=1,
        help="deal the phones over this many rooms, each with its console, all answering at once (lab alone)",
    )  # fmt: skip
    parser.add_argument(
        "--edges", type=int, default=0,
        help="serve lab's room from this many edge processes and one owner, on Redis and PostgreSQL (lab.owners)",
    )  # fmt: skip
    args = parser.parse_args()
    if not 0.1 <= args.tap_rate <= 10:
        parser.error("--tap-rate: from 0.1 to 10 taps a second")
    if not 0 <= args.edges <= 8:
        parser.error("--edges: from 0 (one process) to 8")
    if not 1 <= args.rooms <= 1000 or (args.rooms > 1 and (args.edges or args.scenario != "arrival")):
        parser.error("--rooms: from 1 to 1,000, in one process, with the arrival scenario")
    if not 1 <= args.participants <= 20000 * max(1, args.edges):
        parser.error("--participants: from 1 to 20,000 per process that holds phones (the open-files limit)")
    loaders = args.loaders or max(1, -(-args.participants // 5000), args.edges)
    pin(LOAD_CPU)
    raise_open_files()

    chosen = plan(args.scenario, Trickle(args.question, args.rate, args.seconds))
    if chosen.restart and args.edges:
        parser.error("--scenario reconnect restarts one process: not with --edges")
    trickling = chosen.trickle
    if trickling is not None and not (1 <= args.rate <= 2000 and 1 <= args.seconds <= 120):
        parser.error("--rate from 1 to 2,000 answers a second, --seconds from 1 to 120")
    lab: list[Figures] = []
    reference: list[Figures] = []
    for run in range(args.runs):
        for kind, runs in (("lab", lab), ("reference", reference)):
            if kind == "reference" and (args.no_reference or chosen.lab_only or args.rooms > 1):
                continue
            figures = asyncio.run(
                scenario(
                    kind, args.participants, loaders, args.reactions, args.tap_rate, chosen, args.edges, args.rooms
                )
            )
            runs.append(figures)
            line = " ".join(f"{k}={v}" for k, v in asdict(figures).items())
            print(f"run {run + 1} {line}", flush=True)
            if args.json:
                print(json.dumps(asdict(figures)), flush=True)
    storm = f" reactions={args.reactions} tap_rate={args.tap_rate:g}" if args.reactions else ""
    storm += f" scenario={chosen.name}"
    if reference:  # the join's CPU against the bare server's (the aim: at most 1.3), medians as the ratios above
        storm += f" ratio_join_cpu={ratio_of(lab, reference, 'join_cpu_s_per_1000'):g}"
    storm += f" rooms={args.rooms}" if args.rooms > 1 else ""
    if args.edges:
        storm += f" edges={args.edges} owner_cpu_share={median(lab, 'owner_cpu_share'):g}"
        storm += f" load_cpu_push={median(lab, 'load_cpu_push'):g}"
        storm += f" server_cores={'/'.join(sorted({figures.server_cores for figures in lab}))}"
    if chosen.restart:
        storm += f" restart_s={median(lab, 'restart_s'):g} reconnect_s={median(lab, 'reconnect_s'):g}"
        storm += f" ratio_reconnect={ratio_of(lab, reference, 'reconnect_s'):g}"
    if trickling is not None:
        storm += f" question={trickling.question} rate={trickling.rate:g} " + " ".join(
            f"{name}={median(lab, name):g}"
            for name in ("server_cpu", "results_age_p99_ms", "results_age_max_ms", "phone_results_per_s",
                         "phone_results_bytes")
        )  # fmt: skip
    print(summary(lab, reference) + storm)
    return 0


if __name__ == "__main__":
    sys.exit(main())
