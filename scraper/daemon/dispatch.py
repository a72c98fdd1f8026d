"""The dispatcher: which due check starts next, and when, within the daemon's limits.

Due checks wait in a queue in the order they came due (a watch is queued once, however often it
comes due meanwhile). One thread starts the first of them that every limit allows:
- at most `workers` checks at a time, and one per watch;
- per host, at most `cap` at a time, and a `gap` in seconds after the host's previous check started
  or ended;
- not before the check's own `not_before` (an active window's opening, a start-up ramp);
- fairness: watches whose last check was slow (it ran past half its deadline, or timed out) hold at
  most half of the workers, so pages that hang cannot starve the others.
The executor runs the check (executor.py); the dispatcher only decides.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from scraper.daemon.executor import CheckOutcome, CheckTask, Executor


@dataclass(frozen=True)
class HostLimits:
    gap: float = 0.0  # seconds
    cap: int = 0  # 0: no limit but the workers


@dataclass
class _Queued:
    task: CheckTask
    limits: HostLimits
    not_before: float  # time.monotonic()


@dataclass
class _Host:
    running: int = 0
    last: float = -1e18  # the latest start or end of one of its checks


@dataclass
class DispatchStats:
    running: dict[int, tuple[CheckTask, float]] = field(default_factory=dict)
    queued: int = 0


class Dispatcher:
    def __init__(self, executor: Executor, workers: int, *,
                 on_done: Callable[[CheckOutcome], None] | None = None,
                 on_start: Callable[[CheckTask], None] | None = None,
                 slow_after: float = float("inf"),
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.executor, self.workers, self.clock = executor, workers, clock
        self.on_done = on_done
        self.on_start = on_start  # called with the lock held: it must only take note, never wait
        self.slow_after = slow_after  # seconds: a check that took longer makes its watch slow
        self.slow_cap = max(1, workers // 2)
        self._queue: dict[int, _Queued] = {}  # insertion order = the order checks came due
        self._running: dict[int, tuple[CheckTask, float]] = {}
        self._hosts: dict[str, _Host] = {}
        self._slow: set[int] = set()
        self._cond = threading.Condition()
        self._accepting = True
        self._thread = threading.Thread(target=self._loop, name="dispatcher", daemon=True)
        self._thread.start()

    def due(self, task: CheckTask, limits: HostLimits, not_before: float = 0.0, *,
            hasten: bool = False) -> bool:
        """Queue a check; False when the watch is already queued or running, or when stopping.
        With `hasten`, a watch already queued keeps its place but starts no later than this
        `not_before` (a check now does not wait for the active window its scheduled check waits
        for)."""
        with self._cond:
            queued = self._queue.get(task.watch_id)
            if hasten and queued is not None and not_before < queued.not_before:
                queued.not_before = not_before
                self._cond.notify_all()
            if not self._accepting or queued is not None or task.watch_id in self._running:
                return False
            self._queue[task.watch_id] = _Queued(task, limits, not_before)
            self._cond.notify_all()
            return True

    def drop(self, watch_id: int) -> None:
        """Forget a queued check (its watch was paused or removed); a running one finishes."""
        with self._cond:
            self._queue.pop(watch_id, None)

    def stats(self) -> DispatchStats:
        with self._cond:
            return DispatchStats(dict(self._running), len(self._queue))

    def idle(self) -> bool:
        with self._cond:
            return not self._queue and not self._running

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Until nothing is queued or running (True), or the timeout (False)."""
        with self._cond:
            return self._cond.wait_for(lambda: not self._queue and not self._running, timeout)

    def stop(self, grace: float) -> bool:
        """Take no more checks; let those running finish within `grace` seconds, then cancel them.
        True when every check finished by itself."""
        with self._cond:
            self._accepting = False
            self._queue.clear()
            self._cond.notify_all()
            finished = self._cond.wait_for(lambda: not self._running, grace)
        if not finished:
            self.executor.cancel()
            with self._cond:
                self._cond.wait_for(lambda: not self._running)
        self._thread.join()
        return finished

    def _loop(self) -> None:
        with self._cond:
            while self._accepting:
                now = self.clock()
                picked, wake = self._pick(now)
                if picked is None:
                    self._cond.wait(None if wake is None else max(wake - now, 0.001))
                    continue
                self._start(picked, now)

    def _pick(self, now: float) -> tuple[_Queued | None, float | None]:
        """The first queued check every limit allows now, else when to look again (None: when
        something changes)."""
        wake: float | None = None
        if len(self._running) >= self.workers:
            return None, None
        slow_running = sum(1 for watch_id in self._running if watch_id in self._slow)
        for item in self._queue.values():
            task, limits = item.task, item.limits
            host = self._hosts.get(task.host) or _Host()
            ready_at = max(item.not_before, host.last + limits.gap if limits.gap else 0.0)
            if ready_at > now:
                wake = ready_at if wake is None else min(wake, ready_at)
                continue
            if limits.cap and host.running >= limits.cap:
                continue
            if task.watch_id in self._slow and slow_running >= self.slow_cap:
                continue
            return item, None
        return None, wake

    def _start(self, item: _Queued, now: float) -> None:
        task = item.task
        del self._queue[task.watch_id]
        host = self._hosts.setdefault(task.host, _Host())
        host.running += 1
        host.last = now
        self._running[task.watch_id] = (task, now)
        if self.on_start is not None:
            self.on_start(task)
        self.executor.submit(task, self._finished)

    def _finished(self, outcome: CheckOutcome) -> None:
        task = outcome.task
        with self._cond:
            self._running.pop(task.watch_id, None)
            host = self._hosts[task.host]
            host.running -= 1
            host.last = max(host.last, self.clock())
            if outcome.duration > self.slow_after or _timed_out(outcome):
                self._slow.add(task.watch_id)
            else:
                self._slow.discard(task.watch_id)
            self._cond.notify_all()
        if self.on_done is not None:
            self.on_done(outcome)


def _timed_out(outcome: CheckOutcome) -> bool:
    check = outcome.result.check if outcome.result else None
    return check is not None and check.error_kind == "timeout"
