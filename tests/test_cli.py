"""The `lab` command: serve (as a real process), check and export."""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path

import httpx2 as httpx
import openpyxl
import pytest
from db import Target, one, rows

from lab.cli import lan_address, main, public_url
from lab.decks import load_deck
from lab.hub import Hub
from lab.rooms import Rooms
from lab.settings import PROJECT_DIR
from lab.store import SqliteStore

DECK = PROJECT_DIR / "sessions" / "prestatieafspraken.toml"


def free_port() -> int:
    """A free port below the ephemeral range, so no client's outgoing connection can take it while a server that
    the test killed is started again on it."""
    low = 32768
    with contextlib.suppress(OSError, ValueError):
        low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    for _ in range(200):
        port = random.randrange(10000, low)
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port found")


async def start_serve(
    db: Target, port: int, *args: str, environment: dict[str, str] | None = None
) -> tuple[asyncio.subprocess.Process, dict[str, str]]:
    """`lab serve` in its own process; returns it and the links it printed, read until the facilitator link. The
    report workers are not started with it (seconds of imports for each test's server) unless `environment` says."""
    env = {**os.environ, "LAB_ORGANISER_PASSWORD": "", "LAB_WARM_REPORTS": "0", **(environment or {})}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "lab", "serve", "--host", "127.0.0.1", "--port", str(port), "--db", str(db), *args,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT, env=env,
    )  # fmt: skip
    assert process.stdout is not None
    printed: dict[str, str] = {}
    while "Facilitator" not in printed:
        line = (await asyncio.wait_for(process.stdout.readline(), 20)).decode()
        assert line, "lab serve ended before it printed its links"
        if match := re.match(r"(Organiser page|Organiser password|Participants|Projector|Facilitator):\s+(.*)", line):
            printed[match[1]] = match[2].strip()
        elif "█" in line or "▀" in line or "▄" in line:
            printed["qr"] = printed.get("qr", "") + line
    return process, printed


async def stop(process: asyncio.subprocess.Process) -> None:
    process.send_signal(signal.SIGINT)
    await asyncio.wait_for(process.wait(), 20)


async def test_serve_prints_the_links_and_keeps_the_room_across_restarts(store_target: Target) -> None:
    db, port = store_target, free_port()
    process, printed = await start_serve(db, port, "--deck", str(DECK))
    try:
        code = re.fullmatch(r"http://127\.0\.0\.1:\d+\s+code (\d{6})", printed["Participants"])
        assert code is not None
        assert printed["qr"].count("\n") > 10  # a QR code drawn in the terminal
        assert len(printed["Organiser password"]) >= 12
        async with httpx.AsyncClient() as http:
            assert (await http.get(f"http://127.0.0.1:{port}/r/{code[1]}")).status_code == 200
            granted = await http.get(printed["Facilitator"])
            assert granted.status_code == 303
            assert (await http.get(f"http://127.0.0.1:{port}/f/{code[1]}")).status_code == 200
    finally:
        await stop(process)
    process, again = await start_serve(db, port, "--deck", str(DECK))
    await stop(process)
    assert again["Participants"] == printed["Participants"] and again["Facilitator"] == printed["Facilitator"]
    assert one(db, "SELECT count(*) FROM rooms") == (1,)


def test_check_accepts_good_decks_and_names_what_is_wrong(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(DECK)]) == 0
    assert capsys.readouterr().out.startswith(f"{DECK}: ok, ")
    bad = tmp_path / "kapot.toml"
    bad.write_text(
        'title = "Kapot"\n\n[[questions]]\ntype = "scale"\nprompt = "Hoe?"\nscale_max = 20\nstatements = ["a"]\n'
    )
    assert main(["check", str(bad)]) == 1
    assert capsys.readouterr().err == "kapot.toml:6: question 1: scale_max: must be from 2 to 10\n"


def test_export_writes_csv_and_xlsx(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "lab.db"
    assert main(["export", "123456", "--db", str(db)]) == 1
    assert capsys.readouterr().err == f"lab: {db}: no such database\n"

    async def fill() -> str:
        store = SqliteStore(db)
        await store.open()
        room = await Rooms(store, Hub()).create("Evaluatie", load_deck(DECK).questions)
        await room.join("p1")
        first = room.questions[0]
        await room.push(first.id)
        await room.vote("p1", "vote-0001", first.id, 1, first.type.examples.answers[0])
        await store.close()
        return room.code

    code = asyncio.run(fill())
    out = tmp_path / "verslag.csv"
    assert main(["export", code, "--db", str(db), "--format", "csv", "-o", str(out)]) == 0
    assert capsys.readouterr().out == f"{out}: 1 answers\n"
    assert out.read_text(encoding="utf-8").count("\n") == 2
    xlsx = tmp_path / "verslag.xlsx"
    assert main(["export", code, "--db", str(db), "-o", str(xlsx)]) == 0
    assert openpyxl.load_workbook(xlsx)["Antwoorden"].max_row == 2
    assert main(["export", "000000", "--db", str(db)]) == 1


def test_public_url_uses_the_lan_address_when_serving_every_interface() -> None:
    assert public_url("127.0.0.1", 8000) == "http://127.0.0.1:8000"
    assert public_url("0.0.0.0", 8000) == f"http://{lan_address() or '127.0.0.1'}:8000"


def run_serve(db: Path, port: int, *args: str, wrap: list[str] | None = None) -> subprocess.CompletedProcess[str]:
    """`lab serve` that is expected to stop by itself; bounded in time."""
    command = [sys.executable, "-m", "lab", "serve", "--host", "127.0.0.1", "--port", str(port), "--db", str(db), *args]
    return subprocess.run(
        (wrap or []) + command,
        capture_output=True,
        text=True,
        timeout=30,
        env={**os.environ, "LAB_ORGANISER_PASSWORD": "x", "LAB_WARM_REPORTS": "0"},
    )


def assert_one_clear_line(done: subprocess.CompletedProcess[str], *words: str) -> None:
    assert done.returncode != 0, done
    assert done.stdout == "" and done.stderr.count("\n") == 1 and done.stderr.startswith("lab: "), done.stderr
    for word in words:
        assert word in done.stderr, done.stderr


def test_a_damaged_database_stops_the_start_with_one_clear_line(tmp_path: Path) -> None:
    db = tmp_path / "lab.db"
    db.write_bytes(b"not a database at all " * 500)
    assert_one_clear_line(run_serve(db, free_port()), "is not a lab database, or it is damaged")


def test_a_port_in_use_stops_the_start_with_one_clear_line(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert_one_clear_line(run_serve(tmp_path / "lab.db", port), f"port {port} is in use", "--port")
    assert not (tmp_path / "lab.db").exists()  # nothing was written


def test_a_read_only_disk_stops_the_start_with_one_clear_line(tmp_path: Path) -> None:
    """A read-only file system, made for real in a mount namespace (a folder's permissions do not stop root)."""
    if shutil.which("unshare") is None or subprocess.run(["unshare", "-rm", "true"], capture_output=True).returncode:
        pytest.skip("this machine cannot make a mount namespace (unshare -rm)")
    disk = tmp_path / "disk"
    disk.mkdir()
    script = f'mount -t tmpfs tmpfs {disk} && mount -o remount,ro {disk} && exec "$@"'
    done = run_serve(disk / "lab.db", free_port(), wrap=["unshare", "-rm", "sh", "-c", script, "sh"])
    assert_one_clear_line(done, "Read-only file system")


async def test_purge_is_refused_while_lab_serve_runs_on_the_same_file(tmp_path: Path) -> None:
    """Purging behind a running server's back would leave it acknowledging votes for a room that no longer exists."""
    db, port = tmp_path / "lab.db", free_port()
    process, printed = await start_serve(db, port, "--deck", str(DECK))
    code = re.findall(r"code (\d{6})", printed["Participants"])[0]
    try:
        done = await asyncio.to_thread(
            subprocess.run, [sys.executable, "-m", "lab", "purge", code, "--db", str(db)],
            capture_output=True, text=True, timeout=30,
        )  # fmt: skip
        assert done.returncode == 1
        assert done.stderr.startswith(f"lab: {db} is in use by a running lab server (process {process.pid}).")
        assert "console" in done.stderr and "stop the server" in done.stderr
        async with httpx.AsyncClient() as http:
            assert (await http.get(f"http://127.0.0.1:{port}/r/{code}")).status_code == 200
    finally:
        await stop(process)
    assert await asyncio.to_thread(main, ["purge", code, "--db", str(db)]) == 0  # stopped: now it may
    assert one(db, "SELECT count(*) FROM rooms") == (0,)


async def test_serve_brings_back_its_own_room_not_one_an_organiser_made_from_the_same_deck(
    store_target: Target,
) -> None:
    db, port = store_target, free_port()
    process, printed = await start_serve(db, port, "--deck", str(DECK))
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
            csrf = re.findall(r'name="csrf" value="([^"]+)"', (await http.get("/organiser")).text)[0]
            login = {"csrf": csrf, "password": printed["Organiser password"]}
            assert (await http.post("/organiser/login", data=login)).status_code == 303
            made = await http.post("/organiser/rooms", data={"csrf": csrf, "deck": DECK.name, "title": ""})
            assert made.status_code == 303
    finally:
        await stop(process)
    assert one(db, "SELECT count(*) FROM rooms WHERE deck = ?", (DECK.name,)) == (2,)
    process, again = await start_serve(db, port, "--deck", str(DECK))
    await stop(process)
    assert again["Participants"] == printed["Participants"] and again["Facilitator"] == printed["Facilitator"]


def database_from_before_rounds(db: Path) -> None:
    """A database as lab wrote it before Core v2 (schema 001): the deck room, an organiser's older room from the same
    deck, answers (one hidden), receipts."""
    schema = (PROJECT_DIR / "lab" / "store" / "migrations" / "001_initial.sql").read_text()
    with sqlite3.connect(db) as conn:
        conn.executescript(f"{schema}\nPRAGMA user_version = 1;")
        for room, code in ((1, "111111"), (2, "222222")):
            conn.execute(
                "INSERT INTO rooms (id, code, title, deck, facilitator_key, projector_key, created_at)"
                " VALUES (?, ?, 'Oud', ?, ?, ?, '2026-11-01T10:00:00+00:00')",
                (room, code, DECK.name, f"f{room}", f"p{room}"),
            )
        conn.execute(
            "INSERT INTO questions (id, room_id, position, type, prompt, settings, status, round)"
            " VALUES (7, 2, 0, 'open', 'Wat moet beter?', '{\"max_length\":100,\"allow_change\":true}', 'open', 1)"
        )
        conn.execute("UPDATE rooms SET current_question_id = 7 WHERE id = 2")
        for n, (text, hidden) in enumerate([("Meer overleg", 0), ("Onaardig", 1)]):
            conn.execute("INSERT INTO participants (id, room_id, joined_at) VALUES (?, 2, '2026-11-01T10:00:00+00:00')",
                         (f"p{n}",))  # fmt: skip
            conn.execute(
                "INSERT INTO answers (question_id, participant_id, value, vote_id, hidden, answered_at)"
                " VALUES (7, ?, ?, ?, ?, '2026-11-01T10:05:00+00:00')",
                (f"p{n}", f'"{text}"', f"vote-{n}-xxxx", hidden),
            )
            conn.execute("INSERT INTO receipts (participant_id, vote_id, question_id) VALUES (?, ?, 7)",
                         (f"p{n}", f"vote-{n}-xxxx"))  # fmt: skip


async def test_a_database_from_before_rounds_keeps_its_answers_and_its_deck_room(tmp_path: Path) -> None:
    db, port = tmp_path / "lab.db", free_port()
    await asyncio.to_thread(database_from_before_rounds, db)
    process, printed = await start_serve(db, port, "--deck", str(DECK))
    await stop(process)
    assert printed["Participants"].endswith("code 222222")  # the room lab serve showed before: same code, same QR
    assert rows(db, "SELECT code, serve_deck IS NOT NULL FROM rooms ORDER BY id") == [("111111", 0), ("222222", 1)]
    assert rows(db, "SELECT round, value, status, received_ms FROM answers ORDER BY seq") == [
        (2, '"Meer overleg"', "shown", 1_793_527_500_000), (2, '"Onaardig"', "hidden", 1_793_527_500_000),
    ]  # fmt: skip
    assert rows(db, "SELECT question_id, number FROM rounds") == [(7, 2)]
    assert rows(db, "SELECT round FROM receipts") == [(2,), (2,)]
    assert one(db, "SELECT count(*) FROM meta WHERE key = 'serve_deck_unclaimed'") == (0,)
