"""Moments as text: the one ISO-8601 form scraper writes (UTC, to the second, a trailing Z).

`2026-11-27T11:42:30Z` is what records, reports, JSON output, logs and evidence all carry, so one
function makes it and one reads it back.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import overload

ISO_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


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
