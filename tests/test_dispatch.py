"""The dispatcher's decisions (fairness, not_before, stopping) and active windows, with an executor
whose checks end when the test says: the order of events is the test's, never a sleep's."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest

from scraper.cli import main
from scraper.daemon.delivery import DeliveryWorker
from scraper.daemon.dispatch import Dispatcher, HostLimits
from scraper.daemon.executor import CheckOutcome, CheckTask, Done
from scraper.model.window import parse_window


class HeldExecutor:
    """Runs nothing: a check stays "running" until `finish(watch_id, seconds)`."""

    def __init__(self) -> None:
        self.running: dict[int, tuple[CheckTask, Done]] = {}
        self.started: list[int] = []
        self.cancelled = False
        self._cond = threading.Condition()

    def submit(self, task: CheckTask, done: Done) -> None:
        with self._cond:
            self.running[task.watch_id] = (task, done)
            self.started.append(task.watch_id)
            self._cond.notify_all()

    def finish(self, watch_id: int, took: float = 0.1) -> None:
        with self._cond:
            task, done = self.running.pop(watch_id)
        done(CheckOutcome(task, 0.0, took))

    def wait_started(self, count: int) -> bool:
        with self._cond:
            return self._cond.wait_for(lambda: len(self.started) >= count, timeout=10)

    def cancel(self) -> None:
        self.cancelled = True
        for watch_id in list(self.running):
            task, done = self.running.pop(watch_id)
            outcome = CheckOutcome(task, 0.0, 0.0, skipped="cancelled")
            done(outcome)

    def shutdown(self) -> None:
        pass


def task(watch_id: int, host: str = "h") -> CheckTask:
    return CheckTask(watch_id, f"w{watch_id}", host)


def test_slow_watches_hold_at_most_half_the_workers() -> None:
    executor = HeldExecutor()
    dispatcher = Dispatcher(executor, workers=2, slow_after=5.0)
    try:
        for hanging in (1, 2):  # two pages that hang until the deadline
            dispatcher.due(task(hanging, f"hang{hanging}"), HostLimits())
        assert executor.wait_started(2)
        executor.finish(1, took=30.0)
        executor.finish(2, took=30.0)
        assert dispatcher.wait_idle(timeout=10)
        # Both come due again, before the fast one: only one of them may take a worker.
        dispatcher.due(task(1, "hang1"), HostLimits())
        dispatcher.due(task(2, "hang2"), HostLimits())
        dispatcher.due(task(3, "fast"), HostLimits())
        assert executor.wait_started(4)
        assert executor.started[2] == 1
        assert set(executor.running) == {1, 3}, "the fast watch got the other worker"
        executor.finish(3)
        executor.finish(1, took=30.0)
        assert executor.wait_started(5) and executor.started[4] == 2
        executor.finish(2, took=30.0)
    finally:
        dispatcher.stop(grace=5)


def test_a_watch_is_queued_once_and_not_before_its_time() -> None:
    executor = HeldExecutor()
    clock_now = [100.0]
    dispatcher = Dispatcher(executor, workers=4, clock=lambda: clock_now[0])
    try:
        assert dispatcher.due(task(1), HostLimits(), not_before=0)
        assert executor.wait_started(1)
        assert not dispatcher.due(task(1), HostLimits()), "running: not queued again"
        assert dispatcher.due(task(2), HostLimits(), not_before=10_000.0)
        assert not dispatcher.due(task(2), HostLimits()), "queued: not twice"
        executor.finish(1)
        assert dispatcher.stats().queued == 1 and executor.started == [1]
    finally:
        dispatcher.stop(grace=5)


def test_stop_cancels_what_outlives_the_grace() -> None:
    executor = HeldExecutor()
    dispatcher = Dispatcher(executor, workers=2)
    dispatcher.due(task(1), HostLimits())
    assert executor.wait_started(1)
    assert dispatcher.stop(grace=0.2) is False  # it did not finish by itself
    assert executor.cancelled and dispatcher.idle()
    assert not dispatcher.due(task(2), HostLimits()), "a stopped dispatcher takes nothing"


def test_active_windows() -> None:
    window = parse_window("mon-fri 08:00-20:00 Europe/Paris")
    monday_7_utc = datetime(2026, 11, 30, 7, 0, tzinfo=UTC)  # 08:00 in Paris
    assert window.contains(monday_7_utc)
    assert not window.contains(datetime(2026, 11, 30, 19, 0, tzinfo=UTC))  # 20:00 in Paris
    saturday = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)
    assert window.next_open(saturday) == datetime(2026, 12, 7, 7, 0, tzinfo=UTC)  # Monday 08:00
    night = parse_window("daily 22:00-06:00")
    assert night.contains(datetime(2026, 12, 1, 23, 0, tzinfo=UTC))
    assert night.contains(datetime(2026, 12, 2, 5, 59, tzinfo=UTC))
    assert not night.contains(datetime(2026, 12, 2, 6, 0, tzinfo=UTC))


@pytest.mark.parametrize(("option", "value", "message"), [
    ("--window", "weekdays 8-20", "days are mon..sun"),
    ("--window", "mon-fri 08:00-25:00", "times are HH:MM"),
    ("--window", "mon 08:00-20:00 Mars/Olympus", "unknown time zone"),
    ("--jitter", "-5s", "give seconds"),
    ("--host-gap", "2 days", "give seconds"),
    ("--host-cap", "-1", "from 0 (no limit)"),
])
def test_bad_daemon_options_are_refused_and_nothing_is_written(
    option: str, value: str, message: str, capsys: pytest.CaptureFixture[str], tmp_path: Path,
) -> None:
    assert main(["watch", "add", "http://127.0.0.1:9/p", option, value]) == 2
    error = capsys.readouterr().err
    assert option in error and message in error
    assert not (tmp_path / "home" / "scraper.db").exists()


def test_daemon_options_are_stored_and_shown(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["watch", "add", "http://127.0.0.1:9/p", "--name", "w", "--window",
                 "sat,sun  10:00-12:00", "--jitter", "1m", "--host-gap", "2.5", "--host-cap", "1",
                 "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert (shown["active_window"], shown["jitter"], shown["host_gap"], shown["host_cap"]) == (
        "sat,sun 10:00-12:00", 60.0, 2.5, 1)


def test_the_check_lines_and_the_live_panel_escape_page_text() -> None:
    import io
    from datetime import timedelta

    from rich.console import Console

    from scraper.daemon.console import CheckPrinter
    from scraper.daemon.dispatch import DispatchStats
    from scraper.pipeline.check import CheckResult
    from scraper.store import Check, Watch

    evil = "blog\x1b[2J\u202e"
    watch = Watch(id=7, name=evil, url="http://x/")
    failed = Check(id=3, watch_id=7, started_at=datetime.now(UTC), duration_ms=1200, status="failed",
                   error="HTTP 500 Oops\x1b]52;c;cHduZWQ=\x07", error_kind="http", url="http://x/")
    stream = io.StringIO()
    printer = CheckPrinter("text", stream=stream, live=True)
    printer(CheckOutcome(CheckTask(7, evil, "x"), 0.0, 1.25, result=CheckResult(watch, failed, [])))
    shown = stream.getvalue()
    assert "\x1b[2J" not in shown and "\u202e" not in shown and "\x07" not in shown
    assert "blog\\x1b[2J\\u202e" in shown and "failed" in shown and "1.2s" in shown
    stats = DispatchStats({7: (CheckTask(7, evil, "x"), 0.0)}, queued=2)
    console = Console(file=io.StringIO(), width=120)
    console.print(printer._panel(stats, [(evil, datetime.now(UTC) + timedelta(seconds=30))]))
    panel = console.file.getvalue()  # type: ignore[attr-defined]
    assert "1 checks, 2 queued" in panel and "running" in panel and "failing" in panel
    assert "\x1b[2J" not in panel and "blog\\x1b[2J" in panel


class Sends:
    """A delivery that counts its runs; `hold` makes the next run wait until `release`."""

    def __init__(self) -> None:
        self.runs = 0
        self.held = threading.Event()
        self.go = threading.Event()
        self.go.set()
        self.changed = threading.Condition()

    def __call__(self) -> None:
        with self.changed:
            self.runs += 1
            self.changed.notify_all()
        if not self.go.is_set():
            self.held.set()
            self.go.wait(30)

    def wait(self, runs: int) -> bool:
        with self.changed:
            return self.changed.wait_for(lambda: self.runs >= runs, 30)


def test_delivery_runs_at_start_on_each_nudge_and_for_a_report_queued_before_stop() -> None:
    sends = Sends()
    worker = DeliveryWorker(sends, every=3600)  # no periodic run within the test
    worker.start()
    assert sends.wait(1)  # at start: what became due while the daemon was down
    worker.nudge()
    assert sends.wait(2)
    sends.go.clear()
    worker.nudge()
    assert sends.held.wait(30)  # a run under way (a slow server)...
    worker.nudge()  # ...while a check queues another report, then the daemon stops
    worker.stop()
    assert not worker.join(0)  # the run under way holds the delivery's thread, nothing else
    sends.go.set()
    assert worker.join(30)
    assert sends.runs == 4  # the report queued during the last run went out before the end


def test_each_host_waits_in_its_own_lane_and_the_order_they_came_due_holds() -> None:
    """A capped host's long queue holds back none of the others; within it and across hosts,
    checks start in the order they came due; a watch's own limits, a dropped check, a gap and a
    not_before each hold back only what they apply to."""
    executor = HeldExecutor()
    clock_now = [100.0]
    dispatcher = Dispatcher(executor, workers=3, clock=lambda: clock_now[0])
    capped = HostLimits(cap=1)
    try:
        for watch_id in range(1, 51):  # 50 checks of one host with a cap of 1, queued first
            dispatcher.due(task(watch_id, "big"), capped)
        dispatcher.due(task(100, "a"), HostLimits())
        dispatcher.due(task(200, "big"), HostLimits())  # its own limits: no cap
        assert executor.wait_started(3)
        assert executor.started == [1, 100, 200], "the capped host's queue held back the others"
        dispatcher.due(task(101, "a"), HostLimits())  # came due after 2..50
        dispatcher.drop(2)
        executor.finish(200)  # the host's cap counts every check of the host: 1 still runs
        assert executor.wait_started(4) and executor.started[3] == 101
        executor.finish(1)
        assert executor.wait_started(5) and executor.started[4] == 3, "dropped 2; 3 is next"
        assert set(executor.running) == {3, 100, 101}
        # All workers busy: what comes due now starts in that order, whatever its host.
        dispatcher.due(task(300, "c"), HostLimits())
        dispatcher.due(task(301, "d"), HostLimits(gap=5.0))
        dispatcher.due(task(302, "c"), HostLimits())
        for running in (100, 101):
            executor.finish(running)
        assert executor.wait_started(7) and executor.started[5:] == [300, 301]
        executor.finish(300)
        assert executor.wait_started(8) and executor.started[7] == 302
        # A gap holds its host's next check until it has passed; a not_before only its own.
        dispatcher.due(task(303, "d"), HostLimits(gap=5.0))
        dispatcher.due(task(304, "e"), HostLimits(), not_before=clock_now[0] + 60)
        executor.finish(301)
        executor.finish(302)
        assert dispatcher.stats().queued == 49 and set(executor.running) == {3}
        clock_now[0] += 6  # past the gap: the next event lets the dispatcher look again
        dispatcher.due(task(305, "f"), HostLimits())
        assert executor.wait_started(10) and executor.started[8:] == [303, 305]
        clock_now[0] += 60
        executor.finish(303)
        assert executor.wait_started(11) and executor.started[10] == 304
        assert 4 not in executor.started, "the capped host still runs one at a time"
    finally:
        dispatcher.stop(grace=0)  # the clean-up: what is still held is cancelled


def test_a_hastened_check_keeps_its_place_and_waits_no_longer() -> None:
    executor = HeldExecutor()
    clock_now = [100.0]
    dispatcher = Dispatcher(executor, workers=1, clock=lambda: clock_now[0])
    try:
        dispatcher.due(task(1, "a"), HostLimits())  # takes the one worker
        assert executor.wait_started(1)
        dispatcher.due(task(2, "b"), HostLimits(), not_before=160.0)  # waits for its window
        dispatcher.due(task(3, "c"), HostLimits())
        assert not dispatcher.due(task(2, "b"), HostLimits(), hasten=True), "already queued"
        executor.finish(1)
        assert executor.wait_started(2) and executor.started[1] == 2, "2 came due before 3"
        executor.finish(2)
        assert executor.wait_started(3) and executor.started[2] == 3
    finally:
        dispatcher.stop(grace=0)  # the clean-up: what is still held is cancelled
