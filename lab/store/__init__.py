"""Where lab keeps its data: the interface (lab.store.base) and its SQLite implementation (lab.store.sqlite).

The domain sees only `Store` and the records and operations in `base`; which database sits behind it is chosen
here, from the settings.
"""

from __future__ import annotations

from pathlib import Path

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


def open_store(path: Path, commit_window: float = 0.002, *, lock: bool = True) -> Store:
    """The store for these settings (not yet opened)."""
    return SqliteStore(path, commit_window, lock=lock)
