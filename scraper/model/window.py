"""Active windows: when a watch may be checked, e.g. `mon-fri 08:00-20:00 Europe/Paris`.

Days (`mon-fri`, `sat,sun`, `daily`), a time range (`08:00-20:00`; `22:00-06:00` spans midnight and
belongs to the day it starts on) and an optional IANA time zone (UTC by default). A check that comes
due outside its window waits for the window's next opening.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


class HasWindow(Protocol):
    active_window: str | None


DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


@dataclass(frozen=True)
class ActiveWindow:
    days: frozenset[int]  # 0 = Monday
    start: time
    end: time
    zone: str
    spec: str

    def _tz(self) -> ZoneInfo:
        return ZoneInfo(self.zone)

    def contains(self, moment: datetime) -> bool:
        local = moment.astimezone(self._tz())
        t = local.time().replace(tzinfo=None)
        if self.start < self.end:
            return local.weekday() in self.days and self.start <= t < self.end
        # Across midnight: the evening part on a listed day, the morning part on the day after one.
        return (local.weekday() in self.days and t >= self.start) or \
            ((local.weekday() - 1) % 7 in self.days and t < self.end)

    def next_open(self, moment: datetime) -> datetime:
        """`moment` when inside the window, else the window's next opening (UTC)."""
        if self.contains(moment):
            return moment
        local = moment.astimezone(self._tz())
        for offset in range(8):
            day = local.date() + timedelta(days=offset)
            opening = datetime.combine(day, self.start, tzinfo=self._tz())
            if day.weekday() in self.days and opening > local:
                return opening.astimezone(UTC)
        raise AssertionError("a window with days opens within a week")  # parse() requires days


def parse_window(spec: str) -> ActiveWindow:
    """`DAYS HH:MM-HH:MM [ZONE]`; ValueError saying what is wrong (the caller names the option)."""
    parts = spec.split()
    if len(parts) not in (2, 3):
        raise ValueError("give days, a time range and optionally a time zone, "
                         "e.g. 'mon-fri 08:00-20:00 Europe/Paris'")
    days = _days(parts[0])
    start_s, _, end_s = parts[1].partition("-")
    start, end = _time(start_s), _time(end_s)
    if start == end:
        raise ValueError("the window starts and ends at the same time")
    zone = parts[2] if len(parts) == 3 else "UTC"
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {zone!r} (an IANA name like Europe/Paris)") from None
    return ActiveWindow(frozenset(days), start, end, zone, " ".join(parts))


def _days(text: str) -> set[int]:
    if text.lower() in ("daily", "*", "all"):
        return set(range(7))
    days: set[int] = set()
    for item in text.lower().split(","):
        first, _, last = item.partition("-")
        if first not in DAYS or (last and last not in DAYS):
            raise ValueError("days are mon..sun, ranges (mon-fri), lists (sat,sun) or daily")
        a, b = DAYS.index(first), DAYS.index(last or first)
        days.update(range(a, b + 1) if a <= b else [*range(a, 7), *range(0, b + 1)])
    return days


def _time(text: str) -> time:
    m = _TIME.match(text)
    if not m:
        raise ValueError("times are HH:MM (00:00-23:59), e.g. 08:00-20:00")
    return time(int(m.group(1)), int(m.group(2)))


def next_in_window(watch: HasWindow, due: datetime) -> datetime:
    """When a check due at `due` runs: then, or at its watch's window's next opening."""
    return parse_window(watch.active_window).next_open(due) if watch.active_window else due
