"""A room's details for its report (verslag): where and when the session was held, who led it, and the time zone
that times in the report and the exports are written in. Set in the deck (top-level keys) or the console."""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from zoneinfo import ZoneInfo, available_timezones

from .errors import N_
from .questions import SettingsError

DEFAULT_TIMEZONE = "Europe/Amsterdam"
KEYS = ("place", "facilitator", "date", "timezone")
TEXT_LENGTH = 120


@dataclass(frozen=True)
class Details:
    place: str = ""
    facilitator: str = ""
    date: str = ""  # ISO date (2026-11-19); empty: the day the room was made
    timezone: str = DEFAULT_TIMEZONE

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def as_dict(self) -> dict[str, str]:
        return asdict(self)

    def to_json(self) -> str:
        return json.dumps({k: v for k, v in asdict(self).items() if v != getattr(Details, k)}, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> Details:
        """As stored (checked when it was written); an unknown key from a newer version is left out."""
        data = json.loads(text or "{}")
        return cls(**{k: str(data[k]) for k in KEYS if k in data})


def check_details(raw: Mapping[str, object]) -> Details:
    """Details from a deck or the console; SettingsError names the field. Missing keys take their defaults."""
    unknown = sorted(set(raw) - set(KEYS))
    if unknown:
        raise SettingsError(unknown[0], N_("unknown setting"))
    values: dict[str, str] = {}
    for key in ("place", "facilitator"):
        value = raw.get(key, "")
        if not isinstance(value, str):
            raise SettingsError(key, N_("must be text"))
        if len(value.strip()) > TEXT_LENGTH:
            raise SettingsError(key, N_("must be at most %(max)d characters"), max=TEXT_LENGTH)
        values[key] = " ".join(value.split())
    date = raw.get("date", "")
    if isinstance(date, dt.datetime):
        date = date.date()
    if isinstance(date, dt.date):
        date = date.isoformat()
    if not isinstance(date, str):
        raise SettingsError("date", N_("must be a date such as 2026-11-19"))
    date = date.strip()
    if date:
        try:
            date = dt.date.fromisoformat(date).isoformat()
        except ValueError:
            raise SettingsError("date", N_("must be a date such as 2026-11-19")) from None
    values["date"] = date
    zone = raw.get("timezone", DEFAULT_TIMEZONE) or DEFAULT_TIMEZONE
    if not isinstance(zone, str) or zone not in _zones():
        raise SettingsError("timezone", N_("must be a time zone such as Europe/Amsterdam"))
    values["timezone"] = zone
    return Details(**values)


@functools.cache
def _zones() -> frozenset[str]:
    """The time zones this machine knows (read from disk once)."""
    return frozenset(available_timezones())
