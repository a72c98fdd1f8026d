"""The one ISO-8601 form scraper writes and reads back (scraper.base.times)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from scraper.base.times import from_iso, iso, iso_now


def test_iso_writes_utc_to_the_second_with_a_z() -> None:
    moment = datetime(2026, 11, 27, 11, 42, 30, 987654, tzinfo=UTC)
    assert iso(moment) == "2026-11-27T11:42:30Z"


def test_iso_converts_other_zones_to_utc() -> None:
    paris = timezone(timedelta(hours=1))
    assert iso(datetime(2026, 11, 27, 12, 42, 30, tzinfo=paris)) == "2026-11-27T11:42:30Z"


def test_iso_keeps_none() -> None:
    assert iso(None) is None


def test_from_iso_reads_back_what_iso_wrote() -> None:
    moment = datetime(2026, 11, 27, 11, 42, 30, tzinfo=UTC)
    assert from_iso(iso(moment)) == moment
    assert from_iso(iso_now()).tzinfo is UTC


def test_from_iso_refuses_other_forms() -> None:
    with pytest.raises(ValueError):
        from_iso("2026-11-27 11:42:30")
