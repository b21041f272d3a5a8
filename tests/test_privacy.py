"""Privacy (AVG): nothing about devices is stored, and a deleted room leaves no trace in the database (nor, on
SQLite, in its file)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from conftest import OPEN, TIMEOUT, Client, Server, facilitator, page_data, phone, spec
from db import Target, everything, execute, one, rows

from lab.cli import main
from lab.rooms import Room
from lab.settings import PROJECT_DIR, Settings

AGENT = "PrivacyProbe/1.0 (Linux; Android 14)"


def all_text(where: Target) -> str:
    """Every value in every table, as text."""
    return "\n".join(repr(row) for table in everything(where).values() for row in table)


def file_bytes(db: Path) -> bytes:
    """The database file and its write-ahead log, as they are on disk."""
    return b"".join(p.read_bytes() for p in (db, Path(f"{db}-wal")) if p.exists())


def left_behind(where: Target) -> bytes:
    """What could still be read of deleted data: every value in the database, and for SQLite the bytes of its file
    and write-ahead log too (a PostgreSQL server's files are its own: deleted rows there are not readable through
    it)."""
    stored = all_text(where).encode()
    return stored + file_bytes(where) if isinstance(where, Path) else stored


async def run_session(server: Server, clients: Callable[[], Client], title: str) -> tuple[Room, Client]:
    room: Room = await server.rooms.create(title, [spec(**OPEN)])
    boss, _ = await facilitator(clients, room)
    await boss.send({"type": "push", "question": room.questions[0].id})
    for index in range(3):
        voter = clients()
        voter.http.headers["User-Agent"] = AGENT
        await voter.get(f"/r/{room.code}")
        await voter.connect(f"/ws/r/{room.code}", **{"User-Agent": AGENT})
        await voter.send({"type": "nickname", "nickname": f"Naam{title}{index}"})
        await voter.send(
            {
                "type": "vote",
                "round": 1,
                "id": f"privacy-{index}-x",
                "question": room.questions[0].id,
                "value": f"Antwoord{title}{index}",
            }
        )
        await voter.expect("ack")
    return room, boss


async def test_no_addresses_or_user_agents_are_stored(server: Server, clients: Callable[[], Client]) -> None:
    await run_session(server, clients, "Kamerzeventien")
    stored = all_text(server.settings.database)
    assert "Antwoord" in stored and "Naam" in stored  # the scan sees what is stored
    assert "127.0.0.1" not in stored
    assert "PrivacyProbe" not in stored and "Android" not in stored


async def test_deleting_a_room_from_the_console_leaves_no_trace(server: Server, clients: Callable[[], Client]) -> None:
    keep, _ = await run_session(server, clients, "Blijfkamer")
    gone, boss = await run_session(server, clients, "Weggooikamer")
    voter, _ = await phone(clients, gone)
    page = await boss.get(f"/f/{gone.code}")
    csrf = page_data(page.text)["csrf"]

    refused = await boss.http.post(f"/f/{gone.code}/delete", data={"csrf": "wrong"})
    assert refused.status_code == 403
    response = await boss.http.post(f"/f/{gone.code}/delete", data={"csrf": csrf})
    assert response.status_code == 200
    assert voter.ws is not None
    await asyncio.wait_for(voter.ws.wait_closed(), TIMEOUT)
    assert voter.ws.close_code == 4404  # the phone learns that the room is gone

    raw = left_behind(server.settings.database)
    for marker in ("Weggooikamer", "AntwoordWeggooikamer", "NaamWeggooikamer", gone.facilitator_key):
        assert marker.encode() not in raw, marker
    assert b"AntwoordBlijfkamer0" in raw  # the other room is untouched
    assert (await boss.get(f"/r/{gone.code}")).status_code == 404
    assert (await boss.get(f"/r/{keep.code}")).status_code == 200


async def test_purge_and_retention_from_the_command_line(server: Server, clients: Callable[[], Client]) -> None:
    room, _ = await run_session(server, clients, "Purgeerkamer")
    old, _ = await run_session(server, clients, "Oudekamer")
    await server.stop()
    db = server.settings.database
    execute(db, "UPDATE rooms SET created_at = '2020-01-01T00:00:00+00:00' WHERE id = ?", (old.id,))
    assert await asyncio.to_thread(main, ["purge", room.code, "--db", str(db)]) == 0
    assert await asyncio.to_thread(main, ["purge", "--older-than", "180", "--db", str(db)]) == 0
    assert await asyncio.to_thread(main, ["purge", "111111", "--db", str(db)]) == 1
    raw = left_behind(db)
    for marker in ("Purgeerkamer", "Oudekamer", "AntwoordPurgeerkamer1", "AntwoordOudekamer2"):
        assert marker.encode() not in raw, marker
    for table in ("rooms", "answers", "participants"):
        assert one(db, f"SELECT count(*) FROM {table}") == (0,), table


async def test_retention_never_deletes_the_room_lab_serve_shows(settings: Settings) -> None:
    """The deck's room of a long-running `lab serve` is older than the retention period: announcing it and deleting
    it in the same start would print a QR code for a room that is gone."""
    server = Server(replace(settings, deck=str(PROJECT_DIR / "sessions" / "prestatieafspraken.toml")))
    await server.start()
    shown: Room = server.app.state.deck_room
    await server.rooms.create("Oude kamer", [])
    await server.stop()
    execute(settings, "UPDATE rooms SET created_at = '2020-01-01T00:00:00+00:00'")
    await server.start()
    try:
        await asyncio.wait_for(server.app.state.retention_passed.wait(), TIMEOUT)
        assert server.app.state.deck_room.code == shown.code
        assert rows(settings, "SELECT code FROM rooms") == [(shown.code,)]
    finally:
        await server.stop()
