"""The daemon's per-watch options, checked in one place: `--window`, `--jitter`, `--host-gap`,
`--host-cap` (and the same keys in watch files). Each value maps to one column of `watches`.
"""

from __future__ import annotations

import math
import re
from typing import Any

from scraper.daemon.window import parse_window
from scraper.errors import InputError

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h)?\s*$")
_SECONDS = {"s": 1, "m": 60, "h": 3600, None: 1}
MAX_JITTER = 86400.0
MAX_GAP = 86400.0
MAX_CAP = 1000


def seconds(option: str, value: str | float, high: float) -> float:
    """`30`, `30s`, `5m` or `1h` as seconds, from 0 to `high`."""
    m = _DURATION.match(str(value))
    number = float(m.group(1)) * _SECONDS[m.group(2)] if m else math.nan
    if not (math.isfinite(number) and 0 <= number <= high):
        raise InputError(f"{option} {value!r}: give seconds (30, 30s, 5m, 1h) from 0 to {high:g}s")
    return number


def daemon_fields(window: str | None = None, jitter: str | float | None = None,
                  host_gap: str | float | None = None, host_cap: int | None = None) -> dict[str, Any]:
    """The `watches` columns of these options; None leaves a setting to the profile or installation."""
    if host_cap is not None and not 0 <= host_cap <= MAX_CAP:
        raise InputError(f"--host-cap {host_cap}: give a whole number of checks from 0 (no limit) "
                         f"to {MAX_CAP}")
    return {
        "active_window": parse_window(window).spec if window else None,
        "jitter": seconds("--jitter", jitter, MAX_JITTER) if jitter is not None else None,
        "host_gap": seconds("--host-gap", host_gap, MAX_GAP) if host_gap is not None else None,
        "host_cap": host_cap,
    }
