"""Waiting for what another thread or process does (a server, a daemon, a row in a database), which
sends no event to wait on: the condition is polled, and one not met in time fails the test saying
what was awaited."""

from __future__ import annotations

import time
from collections.abc import Callable

WAIT = 30.0  # seconds: the default bound of a wait


def wait_until(condition: Callable[[], object], what: str | Callable[[], object],
               timeout: float = WAIT, interval: float = 0.05) -> None:
    """Return once `condition()` is true; fail with `what` (a callable: called then, to show the
    state at the time) when it is still false after `timeout` seconds."""
    give_up = time.monotonic() + timeout
    while not condition():
        if time.monotonic() >= give_up:
            said = what() if callable(what) else what
            raise AssertionError(f"{said}: not within {timeout:g}s")
        time.sleep(interval)  # a poll interval between looks, not a synchronisation
