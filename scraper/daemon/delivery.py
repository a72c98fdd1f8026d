"""Report delivery, a job of its own: one thread that sends the outbox's due reports when a check
queued one (`nudge`) and every `every` seconds (retries, digests that became due).

Never in a check's thread: a slow or hung mail server holds this thread, not a check slot, and the
dispatcher's view of its workers stays true. One delivery at a time in this process; the outbox's
claims keep other processes from sending a row twice. A send still running at shutdown is left
behind (its thread is a daemon's): its row's claim lapses and the next start sends it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from loguru import logger


class DeliveryWorker:
    def __init__(self, send: Callable[[], object], every: float) -> None:
        self.send = send
        self.every = every
        self._wake = threading.Event()
        self._nudged = False  # a report was queued since the current run began
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="delivery", daemon=True)

    def start(self) -> None:
        """Run a delivery now (what is due since the last run), then on each nudge or period."""
        self._thread.start()

    def nudge(self) -> None:
        """A check queued a report: deliver soon (at once when idle, else right after this run)."""
        self._nudged = True
        self._wake.set()

    def stop(self) -> None:
        """No delivery after the one running, and the one for the reports queued meanwhile."""
        self._stopping.set()
        self._wake.set()

    def join(self, timeout: float) -> bool:
        """True when the thread has ended (or never started) within `timeout` seconds."""
        if self._thread.ident is None:
            return True
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def _loop(self) -> None:
        while True:
            self._wake.clear()  # a nudge from now on means another run
            self._nudged = False
            try:
                self.send()
            except Exception as exc:  # the next run tries again; the daemon goes on
                logger.error("delivering reports: {}", exc)
            if not self._stopping.is_set():
                self._wake.wait(self.every)
            if self._stopping.is_set() and not self._nudged:
                return
