"""The scheduler: APScheduler says when each active watch is due; the dispatcher runs it.

The watch table is the source of truth: `sync()` (run at start and every `reload_every` seconds)
adds, reschedules and drops jobs to match it, so `scraper watch add/pause/remove` take effect in a
running scheduler without a restart. A watch that is due (never checked, or overdue) runs at once;
at start, the overdue ones are spread over a short ramp (at most `SCRAPER_RAMP` seconds, a quarter
of a second apart) instead of all in the same second, and go straight into the dispatcher's queue
(each at its time in the ramp), their jobs waiting for the run after. A job only queues its check
(`Dispatcher.due`): the dispatcher applies the limits (workers, hosts, fairness) and an executor runs
it (scraper/daemon/). A check due outside its watch's active window waits for the window to open.

Reports are delivered by a job of their own (`DeliveryWorker`, one thread): a check that queued
a report nudges it, and it runs every minute too (retries, digests that became due). No check
thread ever sends, so a hung mail server costs no check slot and never holds up `_due`.
"""

from __future__ import annotations

import contextlib
import inspect
import os
import socket
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from loguru import logger
from sqlalchemy import Engine

from scraper.config.settings import Settings, default_workers
from scraper.daemon.delivery import DeliveryWorker
from scraper.daemon.dispatch import Dispatcher
from scraper.daemon.executor import CheckOutcome, CheckTask, Executor, LocalExecutor
from scraper.daemon.manual import ManualChecks
from scraper.daemon.plan import PlanMemo, Planned, active_watches
from scraper.evidence.on_change import check_hook
from scraper.model.schedule import Schedule, next_run
from scraper.pipeline.hooks import CheckHook
from scraper.profiles import load_profiles
from scraper.reports.delivery import deliver
from scraper.store import heartbeat
from scraper.watches import retention

SYNC_JOB = "sync-watches"
OUTBOX_EVERY = 60.0  # seconds between outbox runs: retries and digests that became due
PRUNE_JOB = "prune-history"
HEARTBEAT_JOB = "heartbeat"
HEARTBEAT_EVERY = 60.0  # seconds between heartbeats: the dashboard warns after two missed
PRUNE_EVERY = 3600.0  # seconds between history retention passes
RAMP_STEP = 0.25  # seconds between overdue checks at start, at most
# Missed runs collapse into one; a watch is queued at most once (the dispatcher). Also given to
# each watch's add_job: APScheduler then has none to fill in, a second pass over the job.
JOB_DEFAULTS: dict[str, Any] = {"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600}


def _trigger(schedule: Schedule, jitter: float = 0.0) -> IntervalTrigger | CronTrigger:
    if schedule.kind == "interval":
        return IntervalTrigger(seconds=schedule.interval().total_seconds(), timezone=UTC,
                               jitter=jitter or None)
    # As CronTrigger.from_crontab reads the five fields, plus the jitter it does not take.
    minute, hour, day, month, day_of_week = schedule.spec.split()
    return CronTrigger(minute=minute, hour=hour, day=day, month=month, day_of_week=day_of_week,
                       timezone=UTC, jitter=jitter or None)


class WatchScheduler:
    def __init__(self, engine: Engine, browser: object | None = None, *, workers: int | None = None,
                 reload_every: float = 30.0, deliver_every: float = OUTBOX_EVERY,
                 clock: Callable[[], datetime] | None = None, executor: Executor | None = None,
                 settings: Settings | None = None,
                 on_check: Callable[[CheckOutcome], None] | None = None,
                 hook: CheckHook | None = None, requests: bool = False) -> None:
        """`settings`: the process's (default: those the browser session was made with); `hook`:
        passed to each check (default: evidence for the watches that keep it); `requests`: take
        the check-now requests of the dashboard and the API (distributed mode, daemon/manual.py)."""
        self.engine = engine
        self.settings = settings or _settings_of(browser)
        self.clock = clock or (lambda: datetime.now(UTC))
        self.reload_every = reload_every
        self.deliver_every = deliver_every
        self.workers = workers or self.settings.workers or default_workers()
        if executor is None:
            assert browser is not None, "a local executor needs the browser session"
            executor = LocalExecutor(engine, browser, self.workers,
                                     hook or check_hook(self.settings, engine))
        self.executor = executor
        self.listeners: list[Callable[[CheckOutcome], None]] = [on_check] if on_check else []
        self.dispatcher = Dispatcher(executor, self.workers, on_done=self._done,
                                     slow_after=self.settings.deadline / 2)
        self.manual: ManualChecks | None = None
        if requests:
            self.manual = ManualChecks(engine, self.settings, self.dispatcher)
            self.dispatcher.on_start = self.manual.started
            self.listeners.append(self.manual.ended)
        self._jobs: dict[int, Planned] = {}
        self._memo = PlanMemo()
        self._lock = threading.Lock()
        self.delivery = DeliveryWorker(self.deliver, deliver_every)
        self._started = False
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        self.scheduler = BackgroundScheduler(
            timezone=UTC,
            # Jobs only queue a check: one thread is plenty.
            executors={"default": ThreadPoolExecutor(max_workers=1)},
            job_defaults=JOB_DEFAULTS,
        )

    def start(self) -> None:
        self.sync()
        self._started = True
        self.scheduler.add_job(self.sync, IntervalTrigger(seconds=self.reload_every), id=SYNC_JOB)
        self.beat()
        self.scheduler.add_job(self.beat, IntervalTrigger(seconds=HEARTBEAT_EVERY), id=HEARTBEAT_JOB)
        self.scheduler.add_job(self.prune, IntervalTrigger(seconds=PRUNE_EVERY), id=PRUNE_JOB,
                               next_run_time=self.clock() + timedelta(seconds=self.reload_every))
        self.scheduler.start()
        self.delivery.start()
        if self.manual is not None:
            self.manual.start()

    def shutdown(self, grace: float | None = None) -> bool:
        """Stop taking checks; those running get `grace` seconds (default SCRAPER_GRACE) to finish,
        then are cancelled. The delivery sends what they queued in what is left of the grace, then
        is left behind (its reports stay in the outbox). True when all checks finished by
        themselves."""
        grace = self.settings.grace if grace is None else grace
        end = time.monotonic() + grace
        if self.scheduler.running:
            self.scheduler.shutdown(wait=True)
        if self._started:
            with contextlib.suppress(Exception):  # the dashboard then says none is running
                heartbeat.forget(self.engine, self.owner)
        finished = self.dispatcher.stop(grace)
        if self.manual is not None:
            self.manual.stop()
        self.executor.shutdown()
        self.delivery.stop()
        if not self.delivery.join(max(end - time.monotonic(), 0.0)):
            logger.warning("stopping during a delivery: its reports stay in the outbox and go out "
                           "on the next run")
        return finished

    def scheduled(self) -> dict[int, Schedule]:
        with self._lock:
            return {watch_id: planned.schedule for watch_id, planned in self._jobs.items()}

    def sync(self) -> None:
        profiles = load_profiles(self.settings.profile_dirs)
        wanted = active_watches(self.engine, self.settings, profiles, self._memo)
        now, mono = self.clock(), self.dispatcher.clock()  # the same moment on both clocks
        with self._lock:
            for watch_id in set(self._jobs) - set(wanted):
                self.scheduler.remove_job(f"watch-{watch_id}")
                self.dispatcher.drop(watch_id)
                del self._jobs[watch_id]
            changed = {i: p for i, p in wanted.items()
                       if i not in self._jobs or self._jobs[i].key() != p.key()}
            starting = not self._started
            first, overdue = self._first_runs(changed, now, ramp=starting)
            jobs: list[tuple[datetime, str, int, IntervalTrigger | CronTrigger]] = []
            # APScheduler's triggers keep no state of a job's: watches alike share one.
            triggers: dict[tuple[Schedule, float], IntervalTrigger | CronTrigger] = {}
            for watch_id, at in first.items():  # the overdue last, longest waiting first
                planned = changed[watch_id]
                kind = (planned.schedule, planned.jitter)
                if kind not in triggers:
                    triggers[kind] = _trigger(*kind)
                trigger = triggers[kind]
                if starting and watch_id in overdue:
                    # Due at start: queued now (at its place in the ramp), its job placed at the
                    # run after, as APScheduler would after firing it. Firing 100,000 jobs one by
                    # one at once cost more CPU than scheduling them (docs/scale-out.md).
                    self.dispatcher.due(CheckTask(watch_id, planned.name, planned.host),
                                        planned.limits, self._not_before(planned, at, now, mono))
                    at = trigger.get_next_fire_time(at, at)
                jobs.append((at, f"watch-{watch_id}", watch_id, trigger))
            # In time order, each job lands at the end of APScheduler's list of jobs (a bisection
            # and an insert into that list per job: in the middle, a copy of half of it).
            for at, job_id, watch_id, trigger in sorted(jobs, key=lambda j: (j[0], j[1])):
                self.scheduler.add_job(_watch_job, trigger, args=(self, watch_id), id=job_id,
                                       name=job_id, replace_existing=True, next_run_time=at,
                                       **JOB_DEFAULTS)
                if not starting:  # at start, a line for each of 100,000 watches says little
                    logger.debug("watch {} scheduled {}", watch_id, changed[watch_id].schedule.describe())
            if starting:
                logger.debug("{} watches scheduled, {} of them due now", len(jobs), len(overdue))
            self._jobs.update(wanted)

    def _first_runs(self, plans: dict[int, Planned], now: datetime,
                    ramp: bool) -> tuple[dict[int, datetime], set[int]]:
        """Now when a watch is due (never checked, or a run missed), else its next regular time.
        Always a time: APScheduler 3 adds a job whose next_run_time is None as *paused*. And which
        are overdue: they come last in the times, longest waiting first.

        With `ramp` (at start), the overdue watches are spread over it."""
        first: dict[int, datetime] = {}
        overdue: list[tuple[datetime, int]] = []
        for watch_id, planned in plans.items():
            following = next_run(planned.schedule, planned.last_started, now)
            if following > now:
                first[watch_id] = following
            else:
                overdue.append((planned.last_started or datetime.min.replace(tzinfo=UTC), watch_id))
        step = min(self.settings.ramp / len(overdue), RAMP_STEP) if ramp and overdue else 0.0
        for i, (_, watch_id) in enumerate(sorted(overdue)):
            first[watch_id] = now + timedelta(seconds=i * step)
        return first, {watch_id for _, watch_id in overdue}

    def run_once(self, stop: threading.Event | None = None) -> int:
        """Queue every watch due now (in its window), wait for their checks (or `stop`), send the
        reports. For cron and systemd timers (`scraper run --once`). Returns how many were queued."""
        profiles = load_profiles(self.settings.profile_dirs)
        wanted = active_watches(self.engine, self.settings, profiles)
        now = self.clock()
        # From cron: seen every run; expected again within the shortest schedule (else an hour).
        self.beat(min((p.schedule.interval().total_seconds() for p in wanted.values()
                       if p.schedule.kind == "interval"), default=3600.0))
        with self._lock:
            self._jobs = wanted
        due = [i for i, at in self._first_runs(wanted, now, ramp=False)[0].items()
               if at <= now + timedelta(seconds=1)
               and (wanted[i].window is None or wanted[i].window.contains(now))]  # type: ignore[union-attr]
        for watch_id in due:
            planned = wanted[watch_id]
            self.dispatcher.due(CheckTask(watch_id, planned.name, planned.host), planned.limits)
        while not self.dispatcher.wait_idle(timeout=0.2):  # the period at which `stop` is looked at
            if stop is not None and stop.is_set():
                return len(due)  # the caller's shutdown lets the running checks finish, or cancels
        self.deliver()
        self.prune()  # from cron too, the history stays within its limits
        return len(due)

    def next_due(self) -> list[tuple[str, datetime]]:
        """The next scheduled checks (name, time), soonest first: for the live status."""
        jobs = [(job.next_run_time, job.args[-1]) for job in self.scheduler.get_jobs()
                if job.id.startswith("watch-") and job.next_run_time is not None]
        with self._lock:
            return [(self._jobs[i].name, at) for at, i in sorted(jobs)[:5] if i in self._jobs]

    def _due(self, watch_id: int) -> None:
        with self._lock:
            planned = self._jobs.get(watch_id)
        if planned is None:
            return
        now = self.clock()
        self.dispatcher.due(CheckTask(watch_id, planned.name, planned.host), planned.limits,
                            self._not_before(planned, now, now, self.dispatcher.clock()))

    def _not_before(self, planned: Planned, at: datetime, now: datetime, mono: float) -> float:
        """When (on the dispatcher's clock, which read `mono` at `now`) the check due `at` may
        start: then, or when the watch's active window opens after it; 0.0 for at once."""
        start = at
        if planned.window is not None:
            start = planned.window.next_open(at)
            if start > at:
                logger.debug("watch {} waits for its window ({})", planned.watch_id,
                             planned.window.spec)
        return mono + (start - now).total_seconds() if start > now else 0.0

    def _done(self, outcome: CheckOutcome) -> None:
        for listener in self.listeners:
            try:
                listener(outcome)
            except Exception as exc:  # a display must never stop the daemon
                logger.opt(exception=exc).debug("check listener failed")
        result = outcome.result
        if result is not None and any(c.notify for c in result.changes):
            self.delivery.nudge()  # the report goes out on the delivery's thread, not this one

    def beat(self, interval: float = 0.0) -> None:
        """The heartbeat the dashboard looks for (store/heartbeat.py), in the database's time: the
        dashboard may run on another machine."""
        try:
            heartbeat.beat(self.engine, self.owner, interval or HEARTBEAT_EVERY)
        except Exception as exc:  # a check must not stop for it; the next beat tries again
            logger.warning("writing the scheduler's heartbeat: {}", exc)

    def prune(self) -> None:
        """History retention (scraper/watches/retention.py): an hourly pass, and once soon after
        the start."""
        try:
            for p in retention.prune(self.engine, self.settings):
                logger.info("watch {} ({}): pruned {} checks without changes", p.watch_id, p.watch,
                            p.checks)
            if self.manual is not None:
                self.manual.prune()
        except Exception as exc:  # the next pass tries again
            logger.error("pruning the history: {}", exc)

    def deliver(self) -> None:
        """Send the outbox's due reports (the checks' own, retries, digests), here and now: the
        delivery job's work, and `run_once`'s last step."""
        try:
            deliver(self.engine, self.settings)
        except Exception as exc:  # the next run tries again; a check must not fail for it
            logger.error("delivering reports: {}", exc)


def _watch_job(scheduler: WatchScheduler, watch_id: int) -> None:
    """What a watch's job calls. Not the bound method: APScheduler checks a job's function against
    its arguments with inspect.signature on every add_job, which for a bound method is worked out
    anew each time (a third of add_job's CPU with 100,000 watches), and refers to it by name (a
    nested function's name makes an exception for each job)."""
    scheduler._due(watch_id)


_watch_job.__signature__ = inspect.signature(_watch_job)  # type: ignore[attr-defined]  # read as is


def _settings_of(browser: object) -> Settings:
    from scraper.browser import BrowserSession

    if not isinstance(browser, BrowserSession):
        raise TypeError("the scheduler needs its settings, or the browser session made with them")
    return browser.settings


__all__ = ["WatchScheduler"]
