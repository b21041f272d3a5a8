"""The `lab` command: serve, check, export."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import socket
import sys
from pathlib import Path
from typing import Any

import ifaddr
import uvicorn
from starlette.applications import Starlette

from . import collector, qr
from .app import create_app
from .db import Database
from .decks import DeckError, load_deck
from .hub import Hub
from .rooms import Room, Rooms
from .settings import Settings


def lan_address() -> str | None:
    """This machine's address on the local network (the first private IPv4 address of an interface)."""
    candidates = []
    for adapter in ifaddr.get_adapters():
        for ip in adapter.ips:
            address = ip.ip
            if isinstance(address, str) and not address.startswith("127.") and not address.startswith("169.254."):
                private = address.startswith(("10.", "192.168.")) or (
                    address.startswith("172.") and 16 <= int(address.split(".")[1]) <= 31
                )
                candidates.append((not private, address))
    return min(candidates)[1] if candidates else None


def public_url(host: str, port: int) -> str:
    """The address phones use: the LAN address when serving every interface, else the host itself."""
    if host in ("0.0.0.0", "::", ""):  # noqa: S104 (recognising it, not binding)
        host = lan_address() or "127.0.0.1"
    return f"http://{host}:{port}" if ":" not in host else f"http://[{host}]:{port}"


def serve(args: argparse.Namespace) -> int:
    overrides = {"host": args.host, "port": args.port, "db_path": args.db, "deck": args.deck}
    settings = Settings.from_env(**overrides)
    if settings.deck:
        try:
            load_deck(Path(settings.deck))
        except DeckError as error:
            print(error, file=sys.stderr)
            return 2
    if not settings.public_url:
        settings = Settings.from_env(**overrides, public_url=public_url(settings.host, settings.port))

    app = create_app(settings)
    config = uvicorn.Config(
        app, host=settings.host, port=settings.port, ws="websockets-sansio", ws_per_message_deflate=False,
        ws_max_size=64 * 1024, log_level="warning", proxy_headers=settings.https, lifespan="on",
    )  # fmt: skip
    LabServer(config, app, settings).run()
    return 0


class LabServer(uvicorn.Server):
    """uvicorn that prints lab's links once it really listens (so what it prints works when it appears)."""

    def __init__(self, config: uvicorn.Config, app: Starlette, settings: Settings) -> None:
        super().__init__(config)
        self.app = app
        self.settings = settings
        self._collector: asyncio.Task[None] | None = None

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self.started:
            announce(self.app.state, self.settings)
            collector.configure()
            self._collector = asyncio.create_task(collector.collect_when_quiet())

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        if self._collector is not None:
            self._collector.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._collector
        await super().shutdown(sockets)


def announce(state: Any, settings: Settings) -> None:
    base = settings.public_url
    room: Room | None = state.deck_room
    print(f"\nlab is running. Database: {settings.db_path}")
    print(f"Organiser page:   {base}/organiser")
    if state.organiser_password:
        print(f"Organiser password: {state.organiser_password}")
        print("                  (new at every start; set LAB_ORGANISER_PASSWORD to keep one)")
    if room is not None:
        join = f"{base}/r/{room.code}"
        print(f"\n{room.title}")
        print(qr.terminal(join))
        print(f"Participants:     {base}  code {room.code}")
        print(f"                  {join}")
        print(f"Projector:        {base}/p/{room.code}?key={room.projector_key}")
        print(f"Facilitator:      {base}/f/{room.code}?key={room.facilitator_key}")
    print(flush=True)


def check(args: argparse.Namespace) -> int:
    failed = 0
    for file in args.files:
        try:
            deck = load_deck(Path(file))
        except DeckError as error:
            print(error, file=sys.stderr)
            failed += 1
        else:
            print(f"{file}: ok, {len(deck.questions)} questions ({deck.title})")
    return 1 if failed else 0


def export(args: argparse.Namespace) -> int:
    from . import export as exporter  # imports openpyxl; only this command needs it

    async def load() -> tuple[Room, list[exporter.Row]] | None:
        database = Database(Path(args.db))
        await database.open()
        try:
            room = await Rooms(database, Hub()).get(args.code)
            return None if room is None else (room, exporter.rows(room, await database.answers(room.id)))
        finally:
            await database.close()

    if not Path(args.db).is_file():
        print(f"{args.db}: no such database", file=sys.stderr)
        return 1
    found = asyncio.run(load())
    if found is None:
        print(f"no room with code {args.code} in {args.db}", file=sys.stderr)
        return 1
    room, rows = found
    out = Path(args.output or exporter.filename(room, args.format))
    if args.format == "csv":
        out.write_text(exporter.to_csv(rows), encoding="utf-8")
    else:
        out.write_bytes(exporter.to_xlsx(room, rows))
    print(f"{out}: {len(rows)} answers")
    return 0


def purge(args: argparse.Namespace) -> int:
    if not Path(args.db).is_file():
        print(f"{args.db}: no such database", file=sys.stderr)
        return 1
    if not args.codes and args.older_than is None:
        print("name the rooms' codes, or --older-than DAYS", file=sys.stderr)
        return 2

    async def run() -> tuple[list[str], list[str]]:
        database = Database(Path(args.db))
        await database.open()
        try:
            rooms = Rooms(database, Hub())
            deleted = [code for code in args.codes if await rooms.delete(code)]
            if args.older_than is not None:
                deleted += await rooms.delete_older_than(args.older_than)
            return deleted, [code for code in args.codes if code not in deleted]
        finally:
            await database.close()

    deleted, unknown = asyncio.run(run())
    for code in deleted:
        print(f"deleted room {code}")
    for code in unknown:
        print(f"no room with code {code}", file=sys.stderr)
    return 1 if unknown else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="lab", description="Live polling for participation workshops.")
    commands = parser.add_subparsers(dest="command", required=True)

    p = commands.add_parser("serve", help="start the server")
    p.add_argument("--deck", help="a deck file (sessions/*.toml) to run; its room is kept across restarts")
    p.add_argument("--host", help="address to listen on (0.0.0.0: the local network); default 127.0.0.1")
    p.add_argument("--port", type=int, help="port; default 8000")
    p.add_argument("--db", type=Path, help="SQLite file; default lab.db")
    p.set_defaults(run=serve)

    p = commands.add_parser("check", help="validate deck files")
    p.add_argument("files", nargs="+")
    p.set_defaults(run=check)

    p = commands.add_parser("export", help="write a room's results as CSV or XLSX")
    p.add_argument("code", help="the room's join code")
    p.add_argument("--db", default="lab.db", help="SQLite file; default lab.db")
    p.add_argument("--format", choices=["csv", "xlsx"], default="xlsx")
    p.add_argument("--output", "-o", help="file to write; default <title>-<code>.<format>")
    p.set_defaults(run=export)

    p = commands.add_parser("purge", help="delete rooms completely, with every answer")
    p.add_argument("codes", nargs="*", help="join codes of the rooms to delete")
    p.add_argument("--older-than", type=int, metavar="DAYS", help="also delete rooms created more than DAYS ago")
    p.add_argument("--db", default="lab.db", help="SQLite file; default lab.db")
    p.set_defaults(run=purge)

    args = parser.parse_args(argv)
    result: int = args.run(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
