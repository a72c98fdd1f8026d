"""Where a check runs. The dispatcher decides when and in what order; an executor runs it.

`LocalExecutor` runs checks on threads of this process, sharing one browser. Another executor (a
task queue whose workers run `run_check` on other machines) implements the same three methods and
is passed to the scheduler; nothing in the scheduler or the dispatcher changes.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Protocol

from loguru import logger
from sqlalchemy import Engine

from scraper.base.errors import Cancelled
from scraper.base.failures import classify
from scraper.pipeline.check import CheckResult, run_check
from scraper.pipeline.hooks import CheckHook


@dataclass(frozen=True)
class CheckTask:
    watch_id: int
    name: str
    host: str


@dataclass
class CheckOutcome:
    task: CheckTask
    started: float  # time.monotonic()
    ended: float
    result: CheckResult | None = None  # None: no row was written (busy, cancelled, store failed)
    skipped: str | None = None  # why no row: "busy", "cancelled", or the storage error

    @property
    def duration(self) -> float:
        return self.ended - self.started


Done = Callable[[CheckOutcome], None]


class Executor(Protocol):
    def submit(self, task: CheckTask, done: Done) -> None:
        """Start the check; call `done` exactly once, from any thread, when it has ended."""

    def cancel(self) -> None:
        """Cancel the checks in flight: each ends without writing a row (`skipped="cancelled"`)."""

    def shutdown(self) -> None:
        """Release what the executor holds, after every submitted check called `done`."""


class LocalExecutor:
    """Checks on `workers` threads of this process, all sharing one browser session; `hook` is
    passed to each check (`scraper.pipeline.hooks`: evidence for the watches that keep it)."""

    def __init__(self, engine: Engine, browser: object, workers: int,
                 hook: CheckHook | None = None) -> None:
        from scraper.browser import BrowserSession

        assert isinstance(browser, BrowserSession)
        self.engine, self.browser, self.hook = engine, browser, hook
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="check")
        self._cancelled = threading.Event()

    def submit(self, task: CheckTask, done: Done) -> None:
        self._pool.submit(self._run, task, done)

    def _run(self, task: CheckTask, done: Done) -> None:
        from scraper.store.lease import WatchBusy

        started = time.monotonic()
        outcome = CheckOutcome(task, started, started)
        try:
            if self._cancelled.is_set():
                raise Cancelled("the daemon is stopping")
            outcome.result = run_check(self.engine, task.watch_id, self.browser, wait=0,
                                       hook=self.hook)
        except WatchBusy as exc:
            outcome.skipped = f"busy: {exc}"
        except Cancelled:
            outcome.skipped = "cancelled"
        except Exception as exc:  # the store failed: the check's row could not be written
            logger.opt(exception=exc).debug("watch {}: check not stored", task.watch_id)
            outcome.skipped = str(classify(exc))
        finally:
            outcome.ended = time.monotonic()
            done(outcome)

    def cancel(self) -> None:
        self._cancelled.set()
        self.browser.cancel_jobs()

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True)
