"""Watch schedules: `--every 30s|15m|2h|1d` or a five-field `--cron` expression, validated early."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

from scraper.errors import InputError

_EVERY = re.compile(r"^\s*(\d+)\s*(s|m|h|d)\s*$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}
MIN_INTERVAL = timedelta(seconds=5)


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
    m = _EVERY.match(spec)
    if not m:
        raise InputError(f"--every {spec!r}: give a number and a unit, e.g. 30s, 15m, 2h or 1d")
    schedule = Schedule("interval", f"{int(m.group(1))}{m.group(2)}")
    if schedule.interval() < MIN_INTERVAL:
        raise InputError(f"--every {spec!r}: the shortest interval is {MIN_INTERVAL.seconds}s")
    return schedule


def parse_cron(spec: str) -> Schedule:
    from apscheduler.triggers.cron import CronTrigger

    spec = " ".join(spec.split())
    if len(spec.split()) != 5:
        raise InputError(f"--cron {spec!r}: give five fields (minute hour day month weekday)")
    try:
        CronTrigger.from_crontab(spec, timezone="UTC")
    except ValueError as exc:
        raise InputError(f"--cron {spec!r}: {exc}") from None
    return Schedule("cron", spec)


def parse_schedule(every: str | None, cron: str | None) -> Schedule | None:
    if every and cron:
        raise InputError("give --every or --cron, not both")
    if every:
        return parse_every(every)
    if cron:
        return parse_cron(cron)
    return None
