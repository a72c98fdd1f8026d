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

Each host's checks wait in lanes of their own (one per host, limits and slowness), and only the
lanes' first checks are compared: a host at its cap with 10,000 checks queued behind it costs one
look per start instead of 10,000 (benchmarks/scaleout_bench.py --mode ceiling).
"""

from __future__ import annotations

import heapq
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
    seq: int  # the order it came due
    lane: _Lane
    entered: bool = False  # in its lane (its not_before has come), no longer in `_later`


@dataclass
class _Host:
    running: int = 0
    last: float = -1e18  # the latest start or end of one of its checks


@dataclass(eq=False)
class _Lane:
    """The checks of one host that share their limits and their slowness, in the order they came
    due: whatever holds one of them back (the host's cap or gap, the slow watches' share) holds
    them all, so a lane held back is set aside whole instead of being scanned check by check."""

    key: tuple[str, HostLimits, bool]
    host: _Host
    items: list[tuple[int, int, _Queued]] = field(default_factory=list)  # heap: (seq, id, item)
    entry: int | None = None  # the seq under which the lane stands in the dispatcher's heap
    parked: str | None = None  # why it is set aside: "cap", "slow" or "gap"

    @property
    def host_name(self) -> str:
        return self.key[0]

    @property
    def limits(self) -> HostLimits:
        return self.key[1]

    @property
    def slow(self) -> bool:
        return self.key[2]


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
        self._queue: dict[int, _Queued] = {}
        self._running: dict[int, tuple[CheckTask, float]] = {}
        self._hosts: dict[str, _Host] = {}
        self._slow: set[int] = set()
        self._slow_running = 0
        # Each queued check stands in its lane; the picking looks only at the lanes' first checks
        # (a heap by the order they came due), so a host holding back 10,000 checks costs one
        # look, not 10,000. Lanes held back wait aside until what holds them changes.
        self._lanes: dict[tuple[str, HostLimits, bool], _Lane] = {}
        self._ready: list[tuple[int, int, _Lane]] = []  # heap: (the lane's first seq, id, lane)
        self._gapped: list[tuple[float, int, _Lane]] = []  # heap: (when its gap ends, id, lane)
        self._capped: dict[str, list[_Lane]] = {}  # by host: until one of its checks ends
        self._slow_parked: list[_Lane] = []  # until a slow check ends
        self._later: list[tuple[float, int, _Queued]] = []  # heap: checks before their not_before
        self._seq = 0
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
                if not queued.entered:  # waiting in `_later`: under its new time now
                    if not_before <= self.clock():
                        self._enter(queued)
                    else:
                        heapq.heappush(self._later, (not_before, queued.seq, queued))
                self._cond.notify_all()
            if not self._accepting or queued is not None or task.watch_id in self._running:
                return False
            self._seq += 1
            key = (task.host, limits, task.watch_id in self._slow)
            lane = self._lanes.get(key)
            if lane is None:
                host = self._hosts.setdefault(task.host, _Host())
                lane = self._lanes[key] = _Lane(key, host)
            item = _Queued(task, limits, not_before, self._seq, lane)
            self._queue[task.watch_id] = item
            if not_before > self.clock():
                heapq.heappush(self._later, (not_before, self._seq, item))
            else:
                self._enter(item)
            self._cond.notify_all()
            return True

    def drop(self, watch_id: int) -> None:
        """Forget a queued check (its watch was paused or removed); a running one finishes."""
        with self._cond:
            item = self._queue.pop(watch_id, None)
            if item is not None:
                self._refresh(item.lane)

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
            self._lanes.clear()
            self._ready.clear()
            self._gapped.clear()
            self._capped.clear()
            self._slow_parked.clear()
            self._later.clear()
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

    # --- the lanes -------------------------------------------------------------------------------

    def _enter(self, item: _Queued) -> None:
        """A queued check whose not_before has come takes its place in its lane."""
        self._lanes.setdefault(item.lane.key, item.lane)  # emptied and forgotten meanwhile
        item.entered = True
        heapq.heappush(item.lane.items, (item.seq, item.task.watch_id, item))
        self._refresh(item.lane)

    def _head(self, lane: _Lane) -> _Queued | None:
        """The lane's first check still queued (dropped and started ones are skipped here)."""
        while lane.items:
            item = lane.items[0][2]
            if self._queue.get(item.task.watch_id) is item:
                return item
            heapq.heappop(lane.items)
        return None

    def _refresh(self, lane: _Lane) -> None:
        """Put the lane in the ready heap under its first check, unless it waits aside."""
        head = self._head(lane)
        if head is None:
            lane.entry = None
            if not lane.parked and self._lanes.get(lane.key) is lane:
                del self._lanes[lane.key]
            return
        if lane.parked is None and lane.entry != head.seq:
            lane.entry = head.seq
            heapq.heappush(self._ready, (head.seq, id(lane), lane))

    def _unpark(self, lane: _Lane) -> None:
        lane.parked = None
        self._refresh(lane)

    def _held(self, lane: _Lane, now: float) -> float | str | None:
        """What holds the lane back now: "cap", "slow", the time its host's gap ends, or None."""
        host, limits = lane.host, lane.limits
        if limits.gap and host.last + limits.gap > now:
            return host.last + limits.gap
        if limits.cap and host.running >= limits.cap:
            return "cap"
        if lane.slow and self._slow_running >= self.slow_cap:
            return "slow"
        return None

    def _pick(self, now: float) -> tuple[_Queued | None, float | None]:
        """The first queued check (in the order they came due) every limit allows now, else when
        to look again (None: when something changes)."""
        while self._later and self._later[0][0] <= now:
            item = heapq.heappop(self._later)[2]
            if self._queue.get(item.task.watch_id) is item and not item.entered:
                self._enter(item)
        while self._gapped and self._gapped[0][0] <= now:
            self._unpark(heapq.heappop(self._gapped)[2])
        if len(self._running) < self.workers:
            while self._ready:
                seq, _, lane = self._ready[0]
                head = self._head(lane)
                if lane.parked or lane.entry != seq or head is None or head.seq != seq:
                    heapq.heappop(self._ready)  # stale: the lane stands elsewhere, or is aside
                    if lane.entry == seq:
                        lane.entry = None
                        self._refresh(lane)
                    continue
                held = self._held(lane, now)
                if held is None:
                    return head, None
                heapq.heappop(self._ready)
                lane.entry = None
                if held == "cap":
                    lane.parked = "cap"
                    self._capped.setdefault(lane.host_name, []).append(lane)
                elif held == "slow":
                    lane.parked = "slow"
                    self._slow_parked.append(lane)
                else:
                    assert isinstance(held, float)
                    lane.parked = "gap"
                    heapq.heappush(self._gapped, (held, id(lane), lane))
        wakes = [heap[0][0] for heap in (self._later, self._gapped) if heap]
        return None, min(wakes) if wakes else None

    def _start(self, item: _Queued, now: float) -> None:
        task = item.task
        del self._queue[task.watch_id]
        self._refresh(item.lane)
        host = self._hosts[task.host]
        host.running += 1
        host.last = now
        if task.watch_id in self._slow:
            self._slow_running += 1
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
            if task.watch_id in self._slow:
                self._slow_running -= 1
                for lane in self._slow_parked:
                    self._unpark(lane)
                self._slow_parked.clear()
            for lane in self._capped.pop(task.host, []):
                self._unpark(lane)
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
