"""Wrong admin passwords, counted per client: after a few, each next try waits longer.

In memory, per server process: a restart forgets (the log keeps what happened). Per client address,
so one guesser cannot lock the admin out from elsewhere; bounded, so a flood of addresses cannot
grow it without end (the quietest are forgotten first).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

FREE_TRIES = 3  # wrong passwords tried without a wait (typos happen); the last earns the first
MAX_DELAY = 300.0  # seconds: the wait stops growing here
FORGET_AFTER = 3600.0  # seconds without a try: the count starts again
MAX_CLIENTS = 10_000


@dataclass
class _Record:
    failures: int = 0
    last: float = 0.0
    until: float = 0.0  # no try before this moment


def delay_after(failures: int) -> float:
    """Seconds to wait after `failures` wrong passwords in a row: 0, 0, 0, then 1, 2, 4 … 300."""
    if failures < FREE_TRIES:
        return 0.0
    return min(MAX_DELAY, 2.0 ** (failures - FREE_TRIES))


class LoginThrottle:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._clients: OrderedDict[str, _Record] = OrderedDict()
        self._lock = threading.Lock()

    def wait(self, client: str) -> float:
        """Seconds before `client` may try again (0: now)."""
        with self._lock:
            record = self._clients.get(client)
            return 0.0 if record is None else max(0.0, record.until - self._clock())

    def failed(self, client: str) -> tuple[int, float]:
        """Count a wrong password: the failures in a row, and the wait before the next try."""
        now = self._clock()
        with self._lock:
            record = self._clients.pop(client, None) or _Record()
            if now - record.last > FORGET_AFTER:
                record = _Record()
            record.failures += 1
            record.last = now
            delay = delay_after(record.failures)
            record.until = now + delay
            self._clients[client] = record  # the newest at the end
            while len(self._clients) > MAX_CLIENTS:
                self._clients.popitem(last=False)
            return record.failures, delay

    def succeeded(self, client: str) -> None:
        with self._lock:
            self._clients.pop(client, None)
