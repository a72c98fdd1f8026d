"""Watch schedules: an interval (`every: 30s|15m|2h|1d`) or a five-field cron expression (UTC)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Literal, Protocol

from scraper.base.times import DURATION_UNITS, parse_duration

MIN_INTERVAL = timedelta(seconds=5)
MAX_INTERVAL = timedelta(days=366)


@dataclass(frozen=True)
class Schedule:
    kind: Literal["interval", "cron"]
    spec: str

    def interval(self) -> timedelta:
        assert self.kind == "interval"
        return _interval(self.spec)

    def describe(self) -> str:
        return f"every {self.spec}" if self.kind == "interval" else f"cron {self.spec}"


@lru_cache(maxsize=4096)
def _interval(spec: str) -> timedelta:
    # A stored spec is one of a few ("15m", "1h"), read for every watch of every list and plan.
    return timedelta(seconds=parse_duration(spec).seconds)


def parse_every(spec: str) -> Schedule:
    """The interval as stored (a whole number in the largest unit written or below: `1.5h` is
    `90m`). The unit is required here: a bare `15` is too easily meant as minutes. ValueError
    (naming no option: the caller knows how it was given) if `spec` is no interval."""
    try:
        duration = parse_duration(spec)
    except ValueError:
        duration = None
    if duration is None or duration.unit is None:
        raise ValueError("give a number and a unit, e.g. 30s, 15m, 2h or 1d")
    # Checked as a number of seconds first: a huge count overflows timedelta.
    seconds = duration.exact_seconds
    if seconds < MIN_INTERVAL.total_seconds():
        raise ValueError(f"the shortest interval is {MIN_INTERVAL.seconds}s")
    if seconds > MAX_INTERVAL.total_seconds():
        raise ValueError(f"the longest interval is {MAX_INTERVAL.days}d")
    if duration.number.denominator == 1:
        return Schedule("interval", f"{duration.number}{duration.unit}")
    if seconds.denominator != 1:
        raise ValueError("give whole seconds, e.g. 1.5m (90s), not 1.01m")
    whole = int(seconds)
    units = list(DURATION_UNITS)[: list(DURATION_UNITS).index(duration.unit)]
    unit = next(u for u in reversed(units) if whole % DURATION_UNITS[u] == 0)
    return Schedule("interval", f"{whole // DURATION_UNITS[unit]}{unit}")


_CRON_FROM = datetime(2000, 1, 1, tzinfo=UTC)


def parse_cron(spec: str) -> Schedule:
    from apscheduler.triggers.cron import CronTrigger

    spec = " ".join(spec.split())
    if len(spec.split()) != 5:
        raise ValueError("give five fields (minute hour day month weekday)")
    try:
        trigger = CronTrigger.from_crontab(spec, timezone="UTC")
    except ValueError as exc:
        raise ValueError(_cron_field_error(spec, str(exc))) from None
    # Five fields have no year, so a time that comes once after any fixed date comes again;
    # none at all (`* * 31 2 *`, the 31st of February) would leave the watch to run only at start.
    if trigger.get_next_fire_time(None, _CRON_FROM) is None:
        raise ValueError("this schedule never fires (no such date: e.g. the 31st of February); "
                         "check the day and month fields")
    return Schedule("cron", spec)


CRON_FIELDS = ("minute", "hour", "day of month", "month", "day of week")
_CRON_WILD = ("*", "*", "*", "*", "*")


def _cron_field_error(spec: str, message: str) -> str:
    """APScheduler's message with the field at fault named: each field is tried alone, the
    others left as `*`."""
    from apscheduler.triggers.cron import CronTrigger

    fields = spec.split()
    for i, name in enumerate(CRON_FIELDS):
        alone = list(_CRON_WILD)
        alone[i] = fields[i]
        try:
            CronTrigger.from_crontab(" ".join(alone), timezone="UTC")
        except ValueError as exc:
            said = re.sub(r"^Error validating expression '[^']*': ", "", str(exc))
            return f"field {i + 1} ({name}) {fields[i]!r}: {said}"
    return message


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


class Scheduled(Protocol):
    """What holds a schedule: a watch's row (its two columns)."""

    schedule_kind: str | None
    schedule: str | None


def schedule_of(watch: Scheduled) -> Schedule | None:
    """The schedule a watch's columns hold; None for a manual watch."""
    if watch.schedule is None or watch.schedule_kind not in ("interval", "cron"):
        return None
    return Schedule("interval" if watch.schedule_kind == "interval" else "cron", watch.schedule)
