"""Integrity under faults: a real `lab serve` process is killed with SIGKILL in the middle of a burst of 300
participants and started again on the same database. Phones behave as the real page does: they keep every vote
until it is acknowledged and send it again after reconnecting. Afterwards every acknowledged vote is stored,
nothing is stored twice, and the projector's counts equal the rows in the database."""

from __future__ import annotations

import asyncio
import json
import os
import random
import re
import signal
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest
import websockets
from db import Target, rows
from test_cli import free_port

PARTICIPANTS = 300
DECK = """title = "Storing"

[[questions]]
type = "choice"
prompt = "Kies een optie"
options = ["A", "B", "C", "D"]
"""


def backoff(attempt: int) -> float:
    """Seconds before reconnect attempt `attempt`: the same as `backoff()` in lab/static/socket.js."""
    ceiling = min(15.0, 0.5 * 2**attempt)
    return ceiling / 2 + random.random() * ceiling / 2


class LabProcess:
    """`lab serve` as a child process that the test may kill at any moment."""

    def __init__(self, tmp: Path, db: Target) -> None:
        self.db = db
        self.deck = tmp / "storing.toml"
        self.deck.write_text(DECK)
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process: asyncio.subprocess.Process | None = None
        self.links: dict[str, str] = {}
        self.output: list[str] = []  # what every start printed, for the message when something fails

    async def start(self) -> None:
        """Start `lab serve` and return once it listens (it prints its links only then)."""
        self.links = {}
        env = {
            **os.environ,
            "LAB_ORGANISER_PASSWORD": "x",
            "LAB_CONNECTIONS_PER_ADDRESS": "2000",
            "LAB_WARM_REPORTS": "0",
        }
        self.process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "lab", "serve", "--host", "127.0.0.1", "--port", str(self.port),
            "--db", str(self.db), "--deck", str(self.deck),
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT, env=env,
        )  # fmt: skip
        assert self.process.stdout is not None
        while "Facilitator" not in self.links:
            line = (await asyncio.wait_for(self.process.stdout.readline(), 20)).decode()
            self.output.append(line)
            assert line, "lab serve stopped before it was ready:\n" + "".join(self.output)
            if match := re.match(r"(Participants|Projector|Facilitator):\s+(.*)", line):
                self.links[match[1]] = match[2].strip()
        self.code = re.findall(r"code (\d{6})", self.links["Participants"])[0]
        self._drainer = asyncio.get_running_loop().create_task(self._drain(self.process))

    async def _drain(self, process: asyncio.subprocess.Process) -> None:
        assert process.stdout is not None
        while line := await process.stdout.readline():
            self.output.append(line.decode())

    def kill(self) -> float:
        """SIGKILL, at once (no await in between, so no further acknowledgement is read first); returns when."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        return time.monotonic()

    async def killed(self) -> None:
        assert self.process is not None
        await asyncio.wait_for(self.process.wait(), 10)

    async def stop(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
            await asyncio.wait_for(self.process.wait(), 20)


@dataclass
class Phone:
    """A participant's phone as phone.js behaves: pending votes survive disconnects and are sent again."""

    lab: LabProcess
    index: int
    cookie: str = ""
    pending: dict[str, Any] | None = None
    acked: list[dict[str, Any]] = field(default_factory=list)
    snapshots: list[dict[str, Any]] = field(default_factory=list)
    reconnects: list[float] = field(default_factory=list)
    votes_left: int = 2
    done: asyncio.Event = field(default_factory=asyncio.Event)
    offline: asyncio.Event = field(default_factory=asyncio.Event)  # set while it has no open socket
    on_ack: Any = None

    async def join(self, http: httpx.AsyncClient) -> None:
        response = await http.get(f"{self.lab.base}/r/{self.lab.code}")
        assert response.status_code == 200
        self.cookie = f"lab={response.cookies['lab']}"

    def next_vote(self, question: int, round_: int) -> None:
        self.votes_left -= 1
        self.pending = {"type": "vote", "id": f"p{self.index}-v{self.votes_left}-{random.getrandbits(32):x}",
                        "question": question, "round": round_, "value": [random.randrange(4)]}  # fmt: skip

    async def run(self, deadline: float) -> None:
        attempt = 0
        while time.monotonic() < deadline and not self.done.is_set():
            try:
                async with websockets.connect(
                    f"ws://127.0.0.1:{self.lab.port}/ws/r/{self.lab.code}", additional_headers={"Cookie": self.cookie},
                    compression=None, open_timeout=5,
                ) as ws:  # fmt: skip
                    attempt = 0
                    self.offline.clear()
                    await self.talk(ws)
            except (TimeoutError, OSError, websockets.WebSocketException):
                pass
            finally:
                self.offline.set()
            if not self.done.is_set():
                await asyncio.sleep(backoff(attempt))  # jittered, as the page does
                attempt += 1
                self.reconnects.append(time.monotonic())

    async def talk(self, ws: websockets.ClientConnection) -> None:
        async for raw in ws:
            message = json.loads(raw)
            if message["type"] == "snapshot":
                self.snapshots.append(message)
                question = message["question"]
                if self.pending is None and not self.acked and question and question["status"] == "open":
                    self.next_vote(question["id"], question["round"])
                if self.pending is not None:
                    await ws.send(json.dumps(self.pending))
            elif message["type"] == "state" and message["question"] and self.pending is None and not self.acked:
                self.next_vote(message["question"]["id"], message["question"]["round"])
                await ws.send(json.dumps(self.pending))
            elif message["type"] == "ack" and self.pending is not None and message["id"] == self.pending["id"]:
                self.acked.append(self.pending)
                self.pending = None
                self.on_ack()
                if self.votes_left and self.index % 2 == 0:  # half of them change their answer once
                    self.next_vote(message["question"], message["round"])
                    await ws.send(json.dumps(self.pending))
                else:
                    self.done.set()
                    return


async def screen(lab: LabProcess, link: str, path: str) -> websockets.ClientConnection:
    """A facilitator's or projector's socket, opened as a browser does: the key link sets the cookie."""
    async with httpx.AsyncClient() as http:
        response = await http.get(link)
        assert response.status_code == 303, "".join(lab.output)
        cookie = http.cookies["lab"]
    return await websockets.connect(f"ws://127.0.0.1:{lab.port}{path}", additional_headers={"Cookie": f"lab={cookie}"})


async def expect(ws: websockets.ClientConnection, kind: str, where: Any = lambda m: True) -> dict[str, Any]:
    async def wait() -> dict[str, Any]:
        while True:
            message = json.loads(await ws.recv())
            if message["type"] == kind and where(message):
                return message

    return await asyncio.wait_for(wait(), 30)


@pytest.mark.parametrize("kill_after", [1, 100, 200])  # of 450 votes; the acks in flight at a kill are many
async def test_sigkill_mid_burst_loses_nothing_and_counts_nothing_twice(
    tmp_path: Path, store_target: Target, kill_after: int
) -> None:
    lab = LabProcess(tmp_path, store_target)
    await lab.start()
    try:
        boss = await screen(lab, lab.links["Facilitator"], f"/ws/f/{lab.code}")
        snapshot = await expect(boss, "snapshot")
        question = snapshot["questions"][0]["id"]
        acks = 0
        killed_at = 0.0
        reached = asyncio.Event()

        def counted() -> None:  # called for every acknowledgement a phone reads: the kill lands mid-burst
            nonlocal acks, killed_at
            acks += 1
            if acks == kill_after:
                killed_at = lab.kill()
                reached.set()

        phones = [Phone(lab, i, on_ack=counted) for i in range(PARTICIPANTS)]
        # 450 joins at once on a test machine that runs other tests beside this one: give each its time (the joins
        # are not what is measured here)
        async with httpx.AsyncClient(limits=httpx.Limits(max_connections=50), timeout=30) as client:
            await asyncio.gather(*(p.join(client) for p in phones))
        deadline = time.monotonic() + 90
        tasks = [asyncio.create_task(p.run(deadline)) for p in phones]
        await boss.send(json.dumps({"type": "push", "question": question}))
        await boss.send(json.dumps({"type": "show_results", "question": question, "target": "projector", "show": True}))

        await asyncio.wait_for(reached.wait(), 30)  # the burst is under way: killed at this many acknowledgements
        await lab.killed()
        # A socket still hands out what the dead server had sent: read it all before noting who was done.
        await asyncio.wait_for(asyncio.gather(*(p.offline.wait() for p in phones)), 10)
        acked_before = {v["id"] for p in phones for v in p.acked}
        seen_before = {
            p.index: [v["value"] for v in p.acked] + ([p.pending["value"]] if p.pending else []) for p in phones
        }
        done_before = {p.index for p in phones if p.done.is_set()}
        snapshots_before = {p.index: len(p.snapshots) for p in phones}
        await lab.start()
        await asyncio.wait_for(asyncio.gather(*(p.done.wait() for p in phones)), 60)
        await asyncio.gather(*tasks)

        stored = dict(rows(lab.db, "SELECT vote_id, value FROM answers"))
        receipts = {vote_id for (vote_id,) in rows(lab.db, "SELECT vote_id FROM receipts")}
        final = {p.acked[-1]["id"]: json.dumps(p.acked[-1]["value"], separators=(",", ":")) for p in phones}
        assert len(stored) == PARTICIPANTS  # one answer per participant, none lost, none twice
        assert stored == final  # each participant's last acknowledged vote is what is stored
        assert acked_before <= receipts  # every vote acknowledged before the kill was committed

        viewer = await screen(lab, lab.links["Projector"], f"/ws/p/{lab.code}")
        shown = await expect(viewer, "snapshot")
        counts = Counter(json.loads(v)[0] for v in stored.values())
        assert shown["answers"] == PARTICIPANTS
        assert [o["count"] for o in shown["results"]["options"]] == [counts[i] for i in range(4)]

        # every phone still busy at the kill came back as the same participant and saw its own answer
        back = [p for p in phones if p.index not in done_before]
        assert back, "every phone had finished before the kill: kill earlier in the burst"
        for p in back:
            assert any(t > killed_at for t in p.reconnects), p.index
            after = p.snapshots[snapshots_before[p.index]]  # the first snapshot from the new server
            assert after["question"]["id"] == question
            if p.acked and p.acked[0]["id"] in acked_before:
                assert after["answer"] in seen_before[p.index], (p.index, after["answer"])
        returns = [min(t for t in p.reconnects if t > killed_at) for p in back]
        spread = max(returns) - min(returns)
        assert spread > 0.15  # jittered: they do not all come back within the same 100 ms
        print(f"kill after {kill_after} acks: {len(acked_before)} acknowledged before, {len(back)} reconnected "
              f"over {spread * 1000:.0f} ms")  # fmt: skip
        await viewer.close()
        await boss.close()
    finally:
        await lab.stop()
