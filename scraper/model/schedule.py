"""Watch schedules: an interval (`every: 30s|15m|2h|1d`) or a five-field cron expression (UTC)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

_EVERY = re.compile(r"^\s*(\d+)\s*(s|m|h|d)\s*$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}
_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
MIN_INTERVAL = timedelta(seconds=5)
MAX_INTERVAL = timedelta(days=366)


@dataclass(frozen=True)
class Schedule:
    kind: Literal["interval", "cron"]
    spec: str

    def interval(self) -> timedelta:
        m = _EVERY.match(self.spec)
        assert m and self.kind == "interval"
        return timedelta(**{_UNITS[m.group(2)]: int(m.group(1))})

    def describe(self) -> str:
        return f"every {self.spec}" if self.kind == "interval" else f"cron {self.spec}"


def parse_every(spec: str) -> Schedule:
    """ValueError (naming no option: the caller knows how it was given) if `spec` is no interval."""
    m = _EVERY.match(spec)
    if not m:
        raise ValueError("give a number and a unit, e.g. 30s, 15m, 2h or 1d")
    # Checked as a number of seconds first: a huge count overflows timedelta.
    seconds = int(m.group(1)) * _SECONDS[m.group(2)]
    if seconds < MIN_INTERVAL.total_seconds():
        raise ValueError(f"the shortest interval is {MIN_INTERVAL.seconds}s")
    if seconds > MAX_INTERVAL.total_seconds():
        raise ValueError(f"the longest interval is {MAX_INTERVAL.days}d")
    return Schedule("interval", f"{int(m.group(1))}{m.group(2)}")


def parse_cron(spec: str) -> Schedule:
    from apscheduler.triggers.cron import CronTrigger

    spec = " ".join(spec.split())
    if len(spec.split()) != 5:
        raise ValueError("give five fields (minute hour day month weekday)")
    try:
        CronTrigger.from_crontab(spec, timezone="UTC")
    except ValueError as exc:
        raise ValueError(str(exc)) from None
    return Schedule("cron", spec)


def next_run(schedule: Schedule, last: datetime | None, now: datetime) -> datetime:
    """When the scheduler runs the watch next: at once when it never ran or is overdue, else one
    interval (or the next cron time) after its last check."""
    from apscheduler.triggers.cron import CronTrigger

    if last is None:
        return now
    if schedule.kind == "interval":
        due = last + schedule.interval()
    else:
        fire = CronTrigger.from_crontab(schedule.spec, timezone=UTC).get_next_fire_time(None, last)
        due = fire if fire is not None else now
    return max(due, now)
