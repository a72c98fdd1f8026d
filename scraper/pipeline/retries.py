"""Transient failures of a capture are tried again, with backoff, inside the check's own budget.

Transient: the network (a refused or reset connection), a server's 5xx, the browser crashing, and a
timeout that left time for another try. A 4xx, a page or profile error, or a deadline used up is
not. A retry starts only when enough of the budget is left for it to finish (`MIN_TRY` seconds, or
a quarter of what the first try took, whichever is more), so a retried check still ends in time.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import TypeVar

from loguru import logger
from tenacity import RetryCallState, Retrying, retry_if_exception, wait_exponential

from scraper.base.errors import Cancelled, InputError
from scraper.base.failures import classify
from scraper.base.terminal import safe_line

T = TypeVar("T")
MIN_TRY = 5.0  # seconds a retry needs at least
_SERVER_ERROR = re.compile(r"HTTP 5\d\d\b")


def transient(exc: BaseException) -> bool:
    if isinstance(exc, Cancelled | InputError) or not isinstance(exc, Exception):
        return False
    failure = classify(exc)
    if failure.kind == "http":
        return bool(_SERVER_ERROR.search(failure.message))
    return failure.kind in ("network", "browser", "timeout")


def retrying(attempt: Callable[[], T], *, url: str, until: float, tries: int = 3) -> T:
    """`attempt()`, again after a transient failure while the budget (`until`, monotonic) allows,
    `tries` times in all at most (SCRAPER_TRIES)."""
    started = time.monotonic()

    def stop(state: RetryCallState) -> bool:
        took = (time.monotonic() - started) / max(state.attempt_number, 1)
        left = until - time.monotonic() - _backoff(state)
        return state.attempt_number >= tries or left < max(MIN_TRY, took / 4)

    def log(state: RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome else None
        logger.info("{}: {}; trying again ({} of {})", safe_line(url),
                    classify(error) if error else "failed", state.attempt_number + 1, tries)

    for try_ in Retrying(retry=retry_if_exception(transient), stop=stop, wait=_backoff,
                         before_sleep=log, reraise=True):
        with try_:
            return attempt()
    raise AssertionError("tenacity returns or raises")  # pragma: no cover


def _backoff(state: RetryCallState) -> float:
    return float(wait_exponential(multiplier=0.5, max=4)(state))
