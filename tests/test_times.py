"""The one ISO-8601 form scraper writes and reads back, and the one duration grammar every option
takes (scraper.base.times)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from fractions import Fraction

import pytest

from scraper.base.times import Duration, from_iso, iso, iso_now, parse_duration
from scraper.model.schedule import parse_every
from scraper.watches.politeness import MAX_JITTER, check_seconds


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


@pytest.mark.parametrize(("text", "number", "unit", "seconds"), [
    ("30", "30", None, 30), ("30s", "30", "s", 30), (" 15 m ", "15", "m", 900), ("1.5h", "1.5", "h", 5400),
    ("1d", "1", "d", 86400), ("1.1m", "1.1", "m", 66), (45.0, "45", None, 45),
])
def test_the_duration_grammar(text: str | float, number: str, unit: str | None, seconds: float) -> None:
    duration = parse_duration(text)
    assert duration == Duration(Fraction(number), unit)
    assert duration.seconds == seconds


@pytest.mark.parametrize("text", ["", "5 minutes", "2 days", "-5s", "1w", "inf", "nan", "1e3", "1.s", "s"])
def test_what_is_no_duration(text: str) -> None:
    with pytest.raises(ValueError, match="is not a duration"):
        parse_duration(text)


def test_every_and_jitter_take_the_same_units() -> None:
    for text, seconds in (("30s", 30), ("5m", 300), ("2h", 7200), ("1d", 86400), ("1.5m", 90)):
        assert parse_every(text).interval() == timedelta(seconds=seconds)
        assert check_seconds(text, MAX_JITTER) == seconds


def test_every_stores_a_whole_number_in_the_unit_given_or_below() -> None:
    assert [parse_every(text).spec for text in ("15m", " 2 h ", "1.0h", "1.5h", "2.5d", "1.1m")] == [
        "15m", "2h", "1h", "90m", "60h", "66s"]
    with pytest.raises(ValueError, match="give whole seconds"):
        parse_every("1.01m")


def test_every_needs_a_unit_and_jitter_does_not() -> None:
    with pytest.raises(ValueError, match=r"give a number and a unit, e\.g\. 30s, 15m, 2h or 1d"):
        parse_every("30")
    assert check_seconds("30", MAX_JITTER) == 30


def test_the_bounds_keep_their_messages() -> None:
    with pytest.raises(ValueError, match="the shortest interval is 5s"):
        parse_every("4s")
    with pytest.raises(ValueError, match="the longest interval is 366d"):
        parse_every("99999999999999999999d")
    with pytest.raises(ValueError, match=r"give seconds \(30, 30s, 5m, 1h, 1d\) from 0 to 86400"):
        check_seconds("2d", MAX_JITTER)
