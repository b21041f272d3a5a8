"""Where lab keeps its data: the interface (lab.store.base), the SQL both stores share (lab.store.sql), SQLite
(lab.store.sqlite, the default: one file) and PostgreSQL (lab.store.postgres: several processes, one database).

The domain sees only `Store` and the records and operations in `base`; which database sits behind it is chosen
here, from the settings.
"""

from __future__ import annotations

from pathlib import Path

from ..settings import is_postgres
from .base import (
    AddQuestion,
    BallotEntry,
    ChangePost,
    DeleteQuestion,
    EditQuestion,
    ExportRow,
    Moderate,
    MoveQuestion,
    NewPost,
    NewQuestion,
    NewRound,
    Outcome,
    Push,
    QuestionRow,
    RemoveParticipant,
    RoomChange,
    RoomData,
    RoomOp,
    RoomRow,
    RoundRow,
    SetLanguage,
    SetStatus,
    SetTimer,
    ShowResults,
    Step,
    Store,
    StoreError,
    TimeUp,
    Vote,
)  # fmt: skip
from .sqlite import SqliteStore, StoreInUse

__all__ = [
    "AddQuestion", "BallotEntry", "ChangePost", "DeleteQuestion", "EditQuestion", "ExportRow", "Moderate",
    "MoveQuestion", "NewPost", "NewQuestion",
    "NewRound", "Outcome", "Push", "QuestionRow", "RemoveParticipant", "RoomChange", "RoomData", "RoomOp", "RoomRow",
    "RoundRow",
    "SetLanguage", "SetStatus", "SetTimer", "ShowResults", "SqliteStore", "Step", "Store", "StoreError",
    "StoreInUse", "TimeUp", "Vote",
    "open_store",
]  # fmt: skip


def open_store(target: str | Path, commit_window: float = 0.002, *, lock: bool = True) -> Store:
    """The store for a database setting (not yet opened): a postgresql:// URL, or the path of a SQLite file (held
    with a lock unless `lock` is False, for reading beside a running server)."""
    if is_postgres(target):
        from .postgres import PostgresStore  # asyncpg is imported only by those who use it

        return PostgresStore(str(target), commit_window)
    return SqliteStore(Path(target), commit_window, lock=lock)
