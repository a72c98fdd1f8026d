"""The scheduler runs watches on their schedules, and follows the watch table while it runs."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import Engine
from sqlmodel import Session

from scraper import store
from scraper.browser import BrowserSession
from scraper.config.settings import load_settings
from scraper.daemon.executor import CheckOutcome
from scraper.daemon.scheduler import WatchScheduler
from scraper.demo.site import DemoSite
from scraper.watches.operations import WatchSpec, add_watch
from tests.fixtures.smtp import SmtpServer
from tests.processes import run_ok

pytestmark = pytest.mark.browser


class Runs:
    """Counts finished checks per watch job ("watch-N"); `wait(job, n)` blocks until n checks (or the
    timeout). `errors`: checks that wrote no row (busy, cancelled, the store failed)."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}
        self.errors: list[str] = []
        self.outcomes: list[CheckOutcome] = []
        self._changed = threading.Condition()

    def __call__(self, outcome: CheckOutcome) -> None:
        with self._changed:
            job = f"watch-{outcome.task.watch_id}"
            self.counts[job] = self.counts.get(job, 0) + 1
            self.outcomes.append(outcome)
            if outcome.skipped is not None:
                self.errors.append(outcome.skipped)
            self._changed.notify_all()

    def wait(self, job: str, n: int, timeout: float) -> bool:
        with self._changed:
            return self._changed.wait_for(lambda: self.counts.get(job, 0) >= n, timeout=timeout)


@pytest.fixture
def scheduler(local_engine: Engine, chromium: BrowserSession,
              smtp_server: SmtpServer) -> Iterator[tuple[WatchScheduler, Runs]]:
    """A running scheduler, its settings built once (as `scraper run` does) with the SMTP
    server's."""
    runs = Runs()
    sched = WatchScheduler(local_engine, chromium, reload_every=3600, on_check=runs,
                           settings=load_settings())
    sched.start()
    yield sched, runs
    sched.shutdown()


def every_second(engine: Engine, watch_id: int) -> None:
    """Store an interval of 1 s, below what `--every` accepts (5 s): the scheduler times it as any
    other, and a test waits one second per round instead of five."""
    with Session(engine) as session:
        watch = session.get_one(store.Watch, watch_id)
        assert watch.schedule_kind == "interval"
        watch.schedule = "1s"
        session.commit()


def checks_of(engine: Engine, watch_id: int) -> list[store.Check]:
    with Session(engine) as session:
        return store.list_checks(session, watch_id, limit=100)


def test_interval_watch_runs_at_once_then_on_its_interval(
    local_engine: Engine, demo_site: DemoSite, scheduler: tuple[WatchScheduler, Runs],
    smtp_server: SmtpServer,
) -> None:
    sched, runs = scheduler
    spec = WatchSpec(url=demo_site.article_url, name="every1", every="5s", email="desk@example.org")
    watch = add_watch(local_engine, spec, load_settings())
    assert watch.id is not None
    every_second(local_engine, watch.id)
    synced = datetime.now(UTC)
    sched.sync()  # what the running scheduler does every `reload_every` seconds
    assert runs.wait(f"watch-{watch.id}", 1, timeout=60), "a never-checked watch runs at once"
    demo_site.add_comment("Ann", "Scheduled hello.")
    assert runs.wait(f"watch-{watch.id}", 2, timeout=60), "then again after its interval"
    assert runs.errors == []
    first, second = checks_of(local_engine, watch.id)[::-1][:2]  # the oldest two: more may follow
    # Due at once when synced, then one interval after that time: never sooner, however busy.
    assert first.started_at >= synced and second.started_at >= synced + timedelta(seconds=1)
    with Session(local_engine) as session:
        assert second.id is not None
        kinds = [c.kind for c in store.changes_for_check(session, second.id)]
    assert kinds == ["comment_added"]
    # The daemon delivered the report after the check: one email, for the one change.
    (email,) = smtp_server.wait_for(1)
    assert "Scheduled hello." in email.data.decode()
    assert len(smtp_server.received) == 1


def test_sync_follows_the_watch_table(
    local_engine: Engine, scheduler: tuple[WatchScheduler, Runs]
) -> None:
    sched, _ = scheduler
    settings = load_settings()
    manual = add_watch(local_engine, WatchSpec(url="http://127.0.0.1:9/manual", name="manual"), settings)
    hourly = add_watch(local_engine, WatchSpec(url="http://127.0.0.1:9/h", name="hourly", cron="0 * * * *"),
                       settings)
    sched.sync()
    assert manual.id not in sched.scheduled()  # no schedule: checked by hand only
    assert hourly.id is not None and sched.scheduled()[hourly.id].describe() == "cron 0 * * * *"
    job = sched.scheduler.get_job(f"watch-{hourly.id}")
    assert job is not None and isinstance(job.trigger, CronTrigger)
    # Never checked: its baseline is taken at once, then the cron times follow.
    assert job.next_run_time <= datetime.now(UTC) + timedelta(seconds=1)

    with Session(local_engine) as session:
        store.set_paused(session, store.get_watch(session, "hourly"), True)
        session.commit()
    sched.sync()
    assert hourly.id not in sched.scheduled()
    assert sched.scheduler.get_job(f"watch-{hourly.id}") is None


def test_scraper_run_checks_then_stops_on_sigterm(demo_site: DemoSite, tmp_path: Path) -> None:
    """The real command in its own process: it checks a due watch, and SIGTERM ends it cleanly,
    even sent while it was stopped (SIGSTOP, a frozen container): woken, any of its threads may
    take the signal, and it once hung with its main thread waiting for a stop that never came."""
    env = {**os.environ, "SCRAPER_HOME": str(tmp_path / "run-home")}
    scraper = [sys.executable, "-m", "scraper"]
    run_ok([*scraper, "watch", "add", demo_site.article_url, "--every", "1h", "--name", "d"], env=env)
    proc = subprocess.Popen([*scraper, "run"], env=env, stdout=subprocess.PIPE, text=True)
    watchdog = threading.Timer(120, proc.kill)  # bounds the wait below if the check never comes
    watchdog.start()
    try:
        assert proc.stdout is not None
        seen = []
        for line in proc.stdout:  # one line per check; ends when the process does
            seen.append(line)
            if "  d  baseline  " in line:
                break
        assert any("  d  baseline  " in line for line in seen), "".join(seen)
        proc.send_signal(signal.SIGSTOP)
        proc.send_signal(signal.SIGTERM)
        proc.send_signal(signal.SIGCONT)
        assert proc.wait(timeout=60) == 0
    finally:
        watchdog.cancel()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
