"""One Settings object, read once from the environment (LAB_*) and the command line.

Each setting has a name, a default and help text; docs/settings.md is checked against this table by a test.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

PROJECT_DIR = Path(__file__).resolve().parent.parent


def _setting(default: Any, help: str) -> Any:
    return field(default=default, metadata={"help": help})


@dataclass(frozen=True)
class Settings:
    db_path: Path = _setting(Path("lab.db"), "SQLite database file; created with its tables on first start.")
    database_url: str = _setting(
        "",
        "postgresql://user:password@host:port/database: keep the data in PostgreSQL instead (several lab processes "
        "can share it). A file path: that SQLite file. Empty: the SQLite file of LAB_DB_PATH.",
    )
    broker_url: str = _setting(
        "",
        "redis://host:port/0: share live messages and presence between several lab processes through Redis. Empty: "
        "within this one process.",
    )
    host: str = _setting("127.0.0.1", "Address to listen on; 0.0.0.0 serves the local network (venue wifi).")
    port: int = _setting(8000, "TCP port to listen on.")
    public_url: str = _setting(
        "", "Base URL participants use (join link and QR). Empty: the machine's LAN address when serving 0.0.0.0."
    )
    deck: str = _setting("", "A deck file to run at start; its room is reused on every start (same code and QR).")
    sessions_dir: Path = _setting(PROJECT_DIR / "sessions", "Folder of decks offered on the organiser page.")
    organiser_password: str = _setting(
        "", "Password for the organiser page (creating rooms). Empty: a new one is generated and printed at start."
    )
    https: bool = _setting(False, "Set when served over https (behind a proxy): cookies get the Secure flag.")
    commit_window_ms: float = _setting(
        2.0, "How long the database writer waits to gather more votes into one commit, in milliseconds."
    )
    results_interval_ms: float = _setting(
        100.0, "At most one results update per room this often, in milliseconds (coalescing)."
    )
    phone_results_interval_ms: float = _setting(
        650.0,
        "Where results are shown on phones: at most one update to the phones this often, in milliseconds (each goes "
        "to every phone of the room; the projector and the console keep LAB_RESULTS_INTERVAL_MS). A Q&A's list of "
        "questions reaches phones at this pace too.",
    )
    send_queue: int = _setting(
        256, "Messages waiting for one socket before it counts as stuck and is closed (it resyncs on reconnect)."
    )
    max_message_bytes: int = _setting(8192, "Largest websocket message a client may send.")
    messages_per_second: float = _setting(
        10.0, "Messages per second a client may send on average (bursts of twice that are allowed)."
    )
    upvotes_per_second: float = _setting(
        3.0, "Upvotes (Q&A questions, ideas) per second one phone may give on average (bursts of twice that)."
    )
    questions_per_minute: float = _setting(
        12.0, "Questions one phone may send to a Q&A per minute on average (bursts of three, or more at a higher rate)."
    )
    connections_per_address: int = _setting(
        5000, "Open sockets allowed from one network address (lenient: a whole room may share one wifi address)."
    )
    sockets_per_participant: int = _setting(
        4, "Open sockets allowed for one participant (a few browser tabs); more are refused with a clear error."
    )
    pending_per_address: int = _setting(
        1024, "HTTP connections from one address that have not yet sent their request headers; more are closed."
    )
    header_timeout_s: float = _setting(
        10.0, "Seconds a connection may take to send a request (headers and body) before it is closed (slow senders)."
    )
    max_header_bytes: int = _setting(
        32768, "Largest request line plus headers, in bytes; larger requests get 431 and are closed."
    )
    login_attempts: int = _setting(
        5, "Wrong organiser passwords allowed per address per minute; more get 429 without being checked."
    )
    blocked_words: str = _setting(
        "",
        "The organiser's own words and phrases, separated by commas, that hold an answer or name for approval, besides "
        "lab's Dutch and English lists (docs/moderation.md). A word ending in * also catches words that start with it.",
    )
    image_max_bytes: int = _setting(
        5_000_000, "Largest image a facilitator may upload (a slide's picture, a map to pin on), in bytes."
    )
    retention_days: int = _setting(180, "Rooms older than this many days are deleted completely, with their answers.")
    cookie_days: int = _setting(30, "How long the session cookie (participant id, screen grants) is kept.")
    warm_reports: bool = _setting(
        True,
        "Start the report workers with the server (seconds of imports, in processes of their own), so that the first "
        "report does not wait for them. Off: they start with the first report.",
    )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Settings from LAB_<NAME> environment variables, then explicit overrides (the command line)."""
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = environ.get(f"LAB_{f.name.upper()}")
            if raw is not None:
                values[f.name] = _convert(f.default, raw, f.name)
        values.update({k: v for k, v in overrides.items() if v is not None})
        return replace(cls(), **values)

    @property
    def database(self) -> str | Path:
        """Where the data is kept: a PostgreSQL URL, or the path of a SQLite file."""
        if not self.database_url:
            return self.db_path
        return self.database_url if is_postgres(self.database_url) else Path(self.database_url)

    @property
    def blocked(self) -> tuple[str, ...]:
        """`blocked_words` as a list."""
        return tuple(word.strip() for word in self.blocked_words.split(",") if word.strip())

    @staticmethod
    def describe() -> list[tuple[str, str, str]]:
        """(environment variable, default, help) for every setting."""
        return [(f"LAB_{f.name.upper()}", str(f.default), f.metadata["help"]) for f in fields(Settings)]


def _convert(default: Any, raw: str, name: str) -> Any:
    try:
        if isinstance(default, bool):
            if raw.lower() not in ("1", "0", "true", "false", "yes", "no"):
                raise ValueError(raw)
            return raw.lower() in ("1", "true", "yes")
        if isinstance(default, Path):
            return Path(raw)
        return type(default)(raw)
    except ValueError:
        raise SystemExit(f"LAB_{name.upper()}: cannot use {raw!r}") from None


def is_postgres(target: str | Path) -> bool:
    """Whether a database setting names a PostgreSQL server (rather than a SQLite file)."""
    return isinstance(target, str) and target.startswith(("postgresql://", "postgres://"))


def shown(target: str | Path) -> str:
    """A database setting as it may be printed: a SQLite file's path, or a PostgreSQL server's host, port and
    database, never its password."""
    if not is_postgres(target):
        return str(target)
    parts = urlsplit(str(target))
    return f"PostgreSQL {parts.hostname or 'localhost'}:{parts.port or 5432}{parts.path}"
