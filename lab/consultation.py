"""A consultation at the participant's own pace: all of a room's questions on the phone, in order, with back and
next, open from a start to a deadline (days or weeks), results hidden until the organiser publishes them, and
afterwards a short outcome ("Wat is er met uw mening gedaan?") on the same link.

A room runs either live (the facilitator puts one question at a time on the screen) or at the participants' own
pace; the same deck can do both, in two rooms, and the report compares them. At the own pace every question that
takes answers is open at once and closes at the deadline (the questions' own countdowns, which hold across a
restart); before the start the room refuses answers. Progress is kept by the server: a phone, or with a member code
another phone, goes on at the first question not yet answered.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from zoneinfo import ZoneInfo

from babel.dates import format_date

from .errors import N_
from .questions import SettingsError

LIVE = "live"
SELF = "self"
OUTCOME_LENGTH = 4000
KEYS = ("pace", "starts", "ends", "published", "outcome")


@dataclass(frozen=True)
class Consultation:
    pace: str = LIVE  # LIVE or SELF
    starts_ms: int | None = None  # answers are taken from then (ms since 1970, UTC); None: at once
    ends_ms: int | None = None  # the deadline; None: until the organiser closes the questions
    published: bool = False  # participants see the results
    outcome: str = ""  # what came of it, in the organiser's words, shown on the phone

    @property
    def paced(self) -> bool:
        return self.pace == SELF

    def to_json(self) -> str:
        return json.dumps({k: v for k, v in asdict(self).items() if v != getattr(Consultation, k)}, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> Consultation:
        """As stored (checked when it was written); an unknown key from a newer version is left out."""
        data = json.loads(text or "{}")
        return cls(**{k: data[k] for k in ("pace", "starts_ms", "ends_ms", "published", "outcome") if k in data})

    def public(self, zone: ZoneInfo) -> dict[str, object]:
        """As screens get it: times also as local date and time in the room's time zone (for the console's fields),
        and that time zone (phones say the deadline in it, wherever they are)."""

        def local(ms: int | None) -> str:
            return "" if ms is None else dt.datetime.fromtimestamp(ms / 1000, zone).strftime("%Y-%m-%dT%H:%M")

        return {**asdict(self), "starts": local(self.starts_ms), "ends": local(self.ends_ms), "timezone": zone.key}


def deadline(consultation: Consultation, zone: ZoneInfo, lang: str) -> str:
    """The deadline as a letter or ballot says it ("14 december 2026, 17:00"); "" when there is none."""
    if consultation.ends_ms is None:
        return ""
    moment = dt.datetime.fromtimestamp(consultation.ends_ms / 1000, dt.UTC).astimezone(zone)
    return f"{format_date(moment.date(), format='long', locale=lang)}, {moment:%H:%M}"


def check(raw: Mapping[str, object], zone: ZoneInfo) -> Consultation:
    """A consultation's settings from a deck or the console: `pace` ("live" or "self"), `starts` and `ends` as local
    date and time in the room's time zone ("2026-12-14T17:00", a TOML datetime, or empty), `published`, `outcome`.
    SettingsError names the field."""
    unknown = sorted(set(raw) - set(KEYS))
    if unknown:
        raise SettingsError(unknown[0], N_("unknown setting"))
    pace = raw.get("pace", LIVE)
    if pace not in (LIVE, SELF):
        raise SettingsError("pace", N_('must be "live" or "self"'))
    starts, ends = _moment(raw, "starts", zone), _moment(raw, "ends", zone)
    if starts is not None and ends is not None and ends <= starts:
        raise SettingsError("ends", N_("The deadline must be after the start."))
    published = raw.get("published", False)
    if not isinstance(published, bool):
        raise SettingsError("published", N_("must be true or false"))
    outcome = raw.get("outcome", "")
    if not isinstance(outcome, str):
        raise SettingsError("outcome", N_("must be text"))
    if len(outcome.strip()) > OUTCOME_LENGTH:
        raise SettingsError("outcome", N_("must be at most %(max)d characters"), max=OUTCOME_LENGTH)
    return Consultation(str(pace), starts, ends, published, outcome.strip())


def _moment(raw: Mapping[str, object], key: str, zone: ZoneInfo) -> int | None:
    value = raw.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            raise SettingsError(key, N_("Give a date and a time, such as 2026-12-14T17:00.")) from None
    if not isinstance(value, dt.datetime):
        raise SettingsError(key, N_("Give a date and a time, such as 2026-12-14T17:00."))
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone)
    return int(value.timestamp() * 1000)
