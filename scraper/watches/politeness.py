"""Checks of the daemon's per-watch options (declared in `scraper.watches.options`, checked by
`scraper.watches.validate`): `--window`, `--jitter`, `--host-gap`, `--host-cap`. Each raises ValueError
saying what is wrong; the caller names the option.
"""

from __future__ import annotations

import math

from scraper.base.times import parse_duration
from scraper.model.window import parse_window

MAX_JITTER = 86400.0
MAX_GAP = 86400.0
MAX_CAP = 1000


def check_window(text: str) -> str:
    """The window as stored: its parts separated by single spaces."""
    return parse_window(text).spec


def check_seconds(value: str | float, high: float) -> float:
    """`30`, `30s`, `5m`, `1h` or `1d` (or a number of seconds, from a watch file) as seconds."""
    try:
        number = parse_duration(value).seconds
    except ValueError:
        number = math.nan
    if not (math.isfinite(number) and 0 <= number <= high):
        raise ValueError(f"give seconds (30, 30s, 5m, 1h, 1d) from 0 to {high:g}")
    return number


def check_host_cap(value: int) -> int:
    if not 0 <= value <= MAX_CAP:
        raise ValueError(f"give a whole number of checks from 0 (no limit) to {MAX_CAP}")
    return value
