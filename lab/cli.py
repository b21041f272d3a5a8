"""The `lab` command: serve, check, export, report, codes, ballot, purge."""

from __future__ import annotations

import argparse
import asyncio
import socket
import sys
from pathlib import Path
from typing import Any

import ifaddr
import uvicorn
from starlette.applications import Starlette

from . import collector, qr, server, tasks
from .app import create_app
from .decks import DeckError, load_deck
from .errors import LabError
from .hub import Hub
from .rooms import Room, Rooms
from .settings import Settings, is_postgres, shown
from .store import Store, StoreError, StoreInUse, open_store


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
    overrides: dict[str, Any] = {"host": args.host, "port": args.port, "deck": args.deck}
    if args.db:  # a postgresql:// URL, or a SQLite file
        overrides.update({"database_url": args.db} if is_postgres(args.db) else {"db_path": Path(args.db)})
    settings = Settings.from_env(**overrides)
    if settings.deck:
        try:
            load_deck(Path(settings.deck))
        except DeckError as error:
            return fail(str(error), 2)
    if not settings.public_url:
        settings = Settings.from_env(**overrides, public_url=public_url(settings.host, settings.port))
    try:
        sock = server.bind(settings.host, settings.port)
    except server.CannotListen as error:
        return fail(str(error))
    server.raise_open_files_limit()
    store = open_store(settings.database, settings.commit_window_ms / 1000)
    app = create_app(settings, store)
    lab = LabServer(server.config(app, settings), app, settings, store)
    try:
        lab.run(sockets=[sock])
    except SystemExit as exit_:  # uvicorn's own way out when the application cannot start
        return int(exit_.code or 0) if isinstance(exit_.code, int) else 1
    finally:
        sock.close()
    return lab.exit_code


DB_HELP = "a SQLite file or a postgresql:// URL; default LAB_DATABASE_URL, else LAB_DB_PATH (lab.db)"


def database(given: str | None) -> str | Path:
    """The database a command works on: --db (a SQLite file or a postgresql:// URL), else the settings'."""
    if given:
        return given if is_postgres(given) else Path(given)
    return Settings.from_env().database


def missing(target: str | Path) -> str | None:
    """Why a command cannot use `target`: a SQLite file that is not there (a command never makes one)."""
    if isinstance(target, Path) and not target.is_file():
        return f"{target}: no such database"
    return None


def fail(message: str, code: int = 1) -> int:
    """One clear line on standard error, and the exit status."""
    print(f"lab: {message}", file=sys.stderr)
    return code


class LabServer(uvicorn.Server):
    """uvicorn that opens the store first (a database it cannot use is one clear line and a non-zero exit, never a
    hang), prints lab's links once it really listens, and keeps garbage collection out of vote bursts."""

    def __init__(self, config: uvicorn.Config, app: Starlette, settings: Settings, store: Store) -> None:
        super().__init__(config)
        self.app = app
        self.settings = settings
        self.store = store
        self.exit_code = 0
        self._collector: asyncio.Task[None] | None = None

    async def serve(self, sockets: list[socket.socket] | None = None) -> None:
        try:
            await self.store.open()
        except StoreError as error:
            self.exit_code = fail(str(error))
            return
        try:
            await super().serve(sockets)
        finally:
            await self.store.close()  # the app's lifespan closed it, unless the app never started

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self.started:
            announce(self.app.state, self.settings)
            collector.configure()
            self._collector = tasks.start("collector", collector.collect_when_quiet)

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        await tasks.stop(self._collector)
        await super().shutdown(sockets)


def announce(state: Any, settings: Settings) -> None:
    base = settings.public_url
    room: Room | None = state.deck_room
    print(f"\nlab is running. Database: {shown(settings.database)}")
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

    async def load() -> tuple[str, str | bytes, int] | None:
        store = open_store(args.db, lock=False)  # reading only: a running server may hold the file
        await store.open()
        try:
            room = await Rooms(store, Hub()).get(args.code)
            if room is None:
                return None
            answers = exporter.answers(room, await store.export_rows(room.id))
            if kind == "csv":
                body: str | bytes = exporter.to_csv(answers, dutch=args.dutch_excel)
                return exporter.filename(room, "csv"), body, len(answers.lines)
            body = exporter.to_xlsx(exporter.book(room, answers))
            return exporter.filename(room, "xlsx"), body, len(answers.lines)
        finally:
            await store.close()

    kind = args.format or ("csv" if args.dutch_excel else "xlsx")
    if args.dutch_excel and kind != "csv":
        return fail("--dutch-excel is for CSV files (an XLSX file holds numbers, shown as Excel's language says)", 2)
    if problem := missing(args.db):
        return fail(problem)
    try:
        found = asyncio.run(load())
    except StoreError as error:
        return fail(str(error))
    if found is None:
        return fail(f"no room with code {args.code} in {shown(args.db)}")
    name, body, count = found
    out = Path(args.output or name)
    if isinstance(body, str):
        out.write_text(body, encoding="utf-8")
    else:
        out.write_bytes(body)
    print(f"{out}: {count} answers")
    return 0


def report(args: argparse.Namespace) -> int:
    from .report import load_and_render  # imports matplotlib and the document writers: only this command needs them

    if problem := missing(args.db):
        return fail(problem)
    try:
        made = asyncio.run(
            load_and_render(args.db, args.code, args.format, args.compare or args.merge, bool(args.merge))
        )
    except StoreError as error:
        return fail(str(error))
    except LookupError as error:
        return fail(f"no room with code {error.args[0]} in {shown(args.db)}")
    name, body, questions = made
    out = Path(args.output or name)
    out.write_bytes(body)
    print(f"{out}: {questions} questions")
    return 0


def ballot(args: argparse.Namespace) -> int:
    """The paper version of a deck file, or of a room's questions (with its codes, anonymity and deadline)."""
    from . import letters
    from .consultation import deadline

    source = Path(args.source)
    if source.suffix == ".toml":
        try:
            deck = load_deck(source, images=False)
        except DeckError as error:
            return fail(str(error), 2)
        title, lang, specs = deck.title, deck.language, [(q.type, q.prompt, q.settings) for q in deck.questions]
        codes, mode = deck.access == "codes", deck.anonymity
        due = deadline(deck.consultation, deck.details.zone, lang)
        slug = source.stem
    else:
        if problem := missing(args.db):
            return fail(problem)

        async def load() -> Room | None:
            store = open_store(args.db, lock=False)  # reading only: a running server may hold the file
            await store.open()
            try:
                return await Rooms(store, Hub()).get(args.source)
            finally:
                await store.close()

        try:
            room = asyncio.run(load())
        except StoreError as error:
            return fail(str(error))
        if room is None:
            return fail(f"no room with code {args.source} in {shown(args.db)} (or give a deck file, *.toml)")
        title, lang, specs = room.title, room.lang, [(q.type.name, q.prompt, q.settings) for q in room.questions]
        codes, mode = room.access == "codes", room.anonymity
        due = deadline(room.consultation, room.details.zone, lang)
        slug = f"{room.code}"
    questions = letters.printed(specs)
    out = Path(args.output or f"stembiljet-{slug}.pdf")
    out.write_bytes(letters.ballot_pdf(title, lang, questions, codes, mode, due))
    print(f"{out}: {sum(q.on_paper for q in questions)} questions on paper, {len(questions)} in all")
    return 0


def purge(args: argparse.Namespace) -> int:
    if problem := missing(args.db):
        return fail(problem)
    if not args.codes and args.older_than is None:
        return fail("name the rooms' codes, or --older-than DAYS", 2)

    async def run() -> tuple[list[str], list[str]]:
        store = open_store(args.db)  # the lock: never behind a running server's back
        await store.open()
        try:
            rooms = Rooms(store, Hub())
            deleted = [code for code in args.codes if await rooms.delete(code)]
            if args.older_than is not None:
                deleted += await rooms.delete_older_than(args.older_than)
            return deleted, [code for code in args.codes if code not in deleted]
        finally:
            await store.close()

    try:
        deleted, unknown = asyncio.run(run())
    except StoreInUse as error:
        return fail(
            f'{error} Delete the room from that server\'s console ("Delete this session"), or stop the server and '
            "run lab purge again."
        )
    except StoreError as error:
        return fail(str(error))
    for code in deleted:
        print(f"deleted room {code}")
    for code in unknown:
        print(f"no room with code {code}", file=sys.stderr)
    return 1 if unknown else 0


def codes(args: argparse.Namespace) -> int:
    from . import export, letters, members

    if problem := missing(args.db):
        return fail(problem)
    try:
        new = members.parse_list(Path(args.from_file).read_text(encoding="utf-8-sig")) if args.from_file else None
    except OSError as error:
        return fail(f"{args.from_file}: {error.strerror}")
    except UnicodeDecodeError:
        return fail(f'{args.from_file}: not UTF-8 text. In Excel, save it as "CSV UTF-8".', 2)
    except LabError as error:
        return fail(f"{args.from_file}: {error}", 2)

    async def run() -> tuple[Room, list[members.Member]] | None:
        store = open_store(args.db)  # the lock: a running server keeps its rooms in memory
        await store.open()
        try:
            room = await Rooms(store, Hub()).get(args.code)
            if room is None:
                return None
            added = []
            if args.count or new:
                added = await room.add_members(new or members.counted(args.count, room.next_number()))
            for ref in args.withdraw or ():
                await room.withdraw_member(ref)
                print(f"withdrew the code of {ref}", file=sys.stderr)
            for ref in args.reissue or ():  # a lost letter: a new code in place of the old one
                added.append(await room.reissue(ref))
                print(f"gave {ref} a new code; the old one answers no more", file=sys.stderr)
            if added and room.access != "codes":  # codes made: from now on only members answer
                given = room.answers_given()
                await room.set_access("codes", confirmed=True)
                print(f"room {room.code} now asks for member codes", file=sys.stderr)
                if given:
                    print(f"note: the {given} answers given before without a code stay counted", file=sys.stderr)
            return room, added
        finally:
            await store.close()

    try:
        done = asyncio.run(run())
    except StoreInUse as error:
        return fail(f"{error} Make the codes in its console (Ledencodes), or stop the server and run lab codes again.")
    except StoreError as error:
        return fail(str(error))
    except LabError as error:
        return fail(str(error), 2)
    if done is None:
        return fail(f"no room with code {args.code} in {shown(args.db)}")
    room, added = done
    listed = added or [m for m in room.members if not m.withdrawn]  # without new ones: the codes there are
    table = export.codes_csv(listed, room if room.anonymity == "pseudonymous" else None)
    if args.output:
        Path(args.output).write_text(table, encoding="utf-8")
    else:
        print(table, end="")
    base = args.url or Settings.from_env().public_url or public_url("0.0.0.0", 8000)  # noqa: S104 (naming it)
    for kind, out in (("letters", args.letters), ("labels", args.labels)):
        if out:
            Path(out).write_bytes(letters.pdf(room.title, room.lang, base, room.code, listed, kind, room.anonymity))
            print(f"{out}: {len(listed)} {kind}", file=sys.stderr)
    print(f"{len(added)} new codes, {sum(not m.withdrawn for m in room.members)} in room {room.code}", file=sys.stderr)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="lab", description="Live polling for participation workshops.")
    commands = parser.add_subparsers(dest="command", required=True)

    p = commands.add_parser("serve", help="start the server")
    p.add_argument("--deck", help="a deck file (sessions/*.toml) to run; its room is kept across restarts")
    p.add_argument("--host", help="address to listen on (0.0.0.0: the local network); default 127.0.0.1")
    p.add_argument("--port", type=int, help="port; default 8000")
    p.add_argument("--db", help=DB_HELP)
    p.set_defaults(run=serve)

    p = commands.add_parser("check", help="validate deck files")
    p.add_argument("files", nargs="+")
    p.set_defaults(run=check)

    p = commands.add_parser("export", help="write a room's results as CSV or XLSX")
    p.add_argument("code", help="the room's join code")
    p.add_argument("--db", help=DB_HELP)
    p.add_argument("--format", choices=["csv", "xlsx"], help="default xlsx; csv with --dutch-excel")
    p.add_argument(
        "--dutch-excel", action="store_true",
        help="CSV for Excel set to Dutch: ';' between columns and a decimal comma (3,5), so that it opens in columns",
    )  # fmt: skip
    p.add_argument("--output", "-o", help="file to write; default <title>-<code>.<format>")
    p.set_defaults(run=export)

    p = commands.add_parser("report", help="write a room's report (verslag) as PDF, Word or HTML")
    p.add_argument("code", help="the room's join code")
    p.add_argument("--db", help=DB_HELP)
    p.add_argument("--format", choices=["pdf", "docx", "html"], default="pdf")
    p.add_argument("--output", "-o", help="file to write; default <title>-<code>.<format>")
    other = p.add_mutually_exclusive_group()
    other.add_argument("--compare", metavar="CODE2", help="set the same questions of another room beside these")
    other.add_argument(
        "--merge", metavar="CODE2", help="count the answers of another room to the same questions together with these"
    )
    p.set_defaults(run=report)

    p = commands.add_parser("ballot", help="write the paper version of a deck or a room's questions (PDF)")
    p.add_argument("source", help="a deck file (*.toml) or a room's join code")
    p.add_argument("--db", help=f"for a room: {DB_HELP}")
    p.add_argument("--output", "-o", help="file to write; default stembiljet-<deck or code>.pdf")
    p.set_defaults(run=ballot)

    p = commands.add_parser("codes", help="make member codes for a room, with letters or labels to print")
    p.add_argument("code", help="the room's join code")
    made = p.add_mutually_exclusive_group()
    made.add_argument("--count", type=int, metavar="N", help="make N codes (numbered on from the last ones)")
    made.add_argument(
        "--from",
        dest="from_file",
        metavar="FILE.csv",
        help="make a code for each line of a member list (columns id, and optionally group, weight)",
    )
    p.add_argument("--withdraw", nargs="+", metavar="ID", help="withdraw the codes of these ids: they answer no more")
    p.add_argument(
        "--reissue",
        nargs="+",
        metavar="ID",
        help="give these ids a new code (a lost letter): the old one answers no more",
    )
    p.add_argument("--db", help=DB_HELP)
    p.add_argument("--output", "-o", help="write the codes as CSV to this file; default: print them")
    p.add_argument("--letters", metavar="FILE.pdf", help="write an A4 letter per code")
    p.add_argument("--labels", metavar="FILE.pdf", help="write labels, 24 to an A4 sheet")
    p.add_argument("--url", help="the address members open (default LAB_PUBLIC_URL, or this machine on port 8000)")
    p.set_defaults(run=codes)

    p = commands.add_parser("purge", help="delete rooms completely, with every answer")
    p.add_argument("codes", nargs="*", help="join codes of the rooms to delete")
    p.add_argument("--older-than", type=int, metavar="DAYS", help="also delete rooms created more than DAYS ago")
    p.add_argument("--db", help=DB_HELP)
    p.set_defaults(run=purge)

    args = parser.parse_args(argv)
    if args.command not in ("serve", "check"):
        args.db = database(args.db)
    result: int = args.run(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
