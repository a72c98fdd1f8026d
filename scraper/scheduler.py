"""The scheduler: APScheduler runs each active watch's checks on its interval or cron schedule.

The watch table is the source of truth: `sync()` (run at start and every `reload_every` seconds)
adds, reschedules and drops jobs to match it, so `scraper watch add/pause/remove` take effect in a
running scheduler without a restart. A watch that is due (never checked, or overdue) runs at once.

Reports: after a check with something to report, and every minute (retries, digests that became
due), the scheduler calls the one delivery function (`scraper.reports.delivery.deliver`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from loguru import logger
from sqlalchemy import Engine
from sqlmodel import Session

from scraper import store
from scraper.browser import BrowserSession
from scraper.changes import summarise
from scraper.checking import run_check
from scraper.failures import classify
from scraper.reports.delivery import deliver
from scraper.schedule import Schedule
from scraper.settings import load_settings
from scraper.store import Watch
from scraper.store.lease import WatchBusy
from scraper.watches import schedule_of

SYNC_JOB = "sync-watches"
OUTBOX_JOB = "deliver-reports"
OUTBOX_EVERY = 60.0  # seconds between outbox runs: retries and digests that became due


def _trigger(schedule: Schedule) -> IntervalTrigger | CronTrigger:
    if schedule.kind == "interval":
        return IntervalTrigger(seconds=schedule.interval().total_seconds(), timezone=UTC)
    return CronTrigger.from_crontab(schedule.spec, timezone=UTC)


class WatchScheduler:
    def __init__(self, engine: Engine, browser: BrowserSession, *, workers: int = 2,
                 reload_every: float = 30.0, deliver_every: float = OUTBOX_EVERY,
                 clock: Callable[[], datetime] | None = None) -> None:
        self.engine = engine
        self.clock = clock or (lambda: datetime.now(UTC))
        self.browser = browser
        self.reload_every = reload_every
        self.deliver_every = deliver_every
        self._jobs: dict[int, Schedule] = {}
        self._lock = threading.Lock()
        self._delivering = threading.Lock()
        self.scheduler = BackgroundScheduler(
            timezone=UTC,
            executors={"default": ThreadPoolExecutor(max_workers=workers)},
            # A watch never runs twice at once, and missed runs collapse into one.
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600},
        )

    def start(self) -> None:
        self.sync()
        self.scheduler.add_job(self.sync, IntervalTrigger(seconds=self.reload_every), id=SYNC_JOB)
        self.scheduler.add_job(self.deliver, IntervalTrigger(seconds=self.deliver_every), id=OUTBOX_JOB,
                               next_run_time=datetime.now(UTC))
        self.scheduler.start()

    def shutdown(self) -> None:
        self.scheduler.shutdown(wait=True)

    def scheduled(self) -> dict[int, Schedule]:
        with self._lock:
            return dict(self._jobs)

    def sync(self) -> None:
        with Session(self.engine) as session:
            wanted = {
                w.id: (schedule, self._first_run(session, w, schedule))
                for w in store.list_watches(session, paused=False)
                if w.id is not None and (schedule := schedule_of(w)) is not None
            }
        with self._lock:
            for watch_id in set(self._jobs) - set(wanted):
                self.scheduler.remove_job(f"watch-{watch_id}")
                del self._jobs[watch_id]
            for watch_id, (schedule, first) in wanted.items():
                if self._jobs.get(watch_id) == schedule:
                    continue
                self.scheduler.add_job(
                    self._check, _trigger(schedule), args=[watch_id], id=f"watch-{watch_id}",
                    replace_existing=True, next_run_time=first,
                )
                self._jobs[watch_id] = schedule
                logger.info("watch {} scheduled {}", watch_id, schedule.describe())

    def _first_run(self, session: Session, watch: Watch, schedule: Schedule) -> datetime:
        """Now when the watch is due (never checked, or a run missed), else its next regular time.

        Always a time: APScheduler 3 adds a job whose next_run_time is None as *paused*, which is
        how cron watches once stopped after their first check.
        """
        assert watch.id is not None
        now = self.clock()
        last = store.list_checks(session, watch.id, limit=1)
        if not last:
            return now
        if schedule.kind == "interval":
            following: datetime | None = last[0].started_at + schedule.interval()
        else:
            following = _trigger(schedule).get_next_fire_time(None, last[0].started_at)
        return now if following is None or following <= now else following

    def _check(self, watch_id: int) -> None:
        try:
            # No waiting here: a watch another process is checking right now is not checked twice.
            result = run_check(self.engine, watch_id, self.browser, wait=0)
        except WatchBusy as exc:
            logger.info("{}", exc)
            return
        except Exception as exc:  # the store failed (the check's row could not be written)
            logger.opt(exception=exc).debug("watch {}: check not stored", watch_id)
            logger.error("watch {}: {}", watch_id, classify(exc))
            return
        if result.check.status == "failed":
            logger.warning("watch {} check {} failed: {} ({})", watch_id, result.check.id,
                           result.check.error, result.check.error_kind)
        reported = [c for c in result.changes if c.notify]
        logger.info("watch {} check {}: {} · {}", watch_id, result.check.id, result.check.status,
                    summarise(reported) if reported else "no changes")
        if reported:
            self.deliver()

    def deliver(self) -> None:
        """Send the outbox's due reports (the check's own, retries, digests). One delivery at a
        time in this process; the outbox's claims keep other processes from sending twice."""
        with self._delivering:
            try:
                deliver(self.engine, load_settings())
            except Exception as exc:  # the next run tries again; a check must not fail for it
                logger.error("delivering reports: {}", exc)


def run_forever(engine: Engine, browser: BrowserSession, stop: threading.Event) -> None:
    scheduler = WatchScheduler(engine, browser)
    scheduler.start()
    try:
        stop.wait()
    finally:
        scheduler.shutdown()


__all__ = ["WatchScheduler", "run_forever"]
