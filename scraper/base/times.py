"""Time as text: moments in the one ISO-8601 form scraper writes (UTC, to the second, a trailing
Z), and durations in the one grammar every option takes (`30`, `30s`, `15m`, `1.5h`, `1d`).

`2026-11-27T11:42:30Z` is what records, reports, JSON output, logs and evidence all carry, so one
function makes it and one reads it back.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from fractions import Fraction
from typing import overload

ISO_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
DURATION_UNITS: dict[str, int] = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd])?\s*$")


@overload
def iso(moment: datetime) -> str: ...


@overload
def iso(moment: None) -> None: ...


@overload
def iso(moment: datetime | None) -> str | None: ...


def iso(moment: datetime | None) -> str | None:
    """An aware datetime in UTC as `2026-11-27T11:42:30Z` (fractions of a second dropped); None
    stays None."""
    return None if moment is None else moment.astimezone(UTC).strftime(ISO_FORMAT)


def iso_now() -> str:
    """The current moment, as `iso` writes it."""
    return iso(datetime.now(UTC))


def from_iso(text: str) -> datetime:
    """The aware UTC datetime `iso` wrote; ValueError for any other form."""
    return datetime.strptime(text, ISO_FORMAT).replace(tzinfo=UTC)


@dataclass(frozen=True)
class Duration:
    """A duration as written: a number and its unit (None for a bare number, read as seconds)."""

    number: Fraction  # exact: `1.1m` is 66 seconds, not 66.00000000000001
    unit: str | None

    @property
    def exact_seconds(self) -> Fraction:
        return self.number * DURATION_UNITS[self.unit or "s"]

    @property
    def seconds(self) -> float:
        return float(self.exact_seconds)


def parse_duration(value: str | float) -> Duration:
    """A number, optionally with a unit: s, m, h or d (`30`, `30s`, `1.5m`, `2h`, `1d`; a watch file
    may give a plain number). ValueError naming no option (the caller knows how it was given, and
    which forms it asks for) if `value` is none of these."""
    m = _DURATION.match(str(value))
    if not m:
        raise ValueError(f"{value!r} is not a duration")
    return Duration(Fraction(m.group(1)), m.group(2))
