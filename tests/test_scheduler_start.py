"""The scheduler's start: the watches due then go straight into the dispatcher's queue, in the
ramp's order and at its times, and each one's job waits for the run after (APScheduler does not
fire 100,000 jobs one by one at once); the others' jobs wait for their next time."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine
from sqlmodel import Session

from scraper import store
from scraper.config.settings import Settings
from scraper.daemon.scheduler import RAMP_STEP, WatchScheduler
from scraper.watches.operations import WatchSpec, add_watch
from tests.test_dispatch import HeldExecutor

HOUR = timedelta(hours=1)


def checked(engine: Engine, watch_id: int | None, at: datetime) -> None:
    with Session(engine) as session:
        store.add_check(session, session.get_one(store.Watch, watch_id), started_at=at,
                        duration_ms=10, status="failed", error="down", error_kind="network")
        session.commit()


def test_due_watches_are_queued_at_start_and_their_jobs_wait_for_the_run_after(
    local_engine: Engine, settings: Settings,
) -> None:
    # The scheduler's clock, a day ahead: APScheduler (on the real clock) fires no job meanwhile.
    now = (datetime.now(UTC) + timedelta(days=1)).replace(hour=10, minute=20, second=0,
                                                         microsecond=0)
    watches = {}
    for name, options in {
        "never": {"every": "1h"}, "hourly": {"cron": "0 * * * *"},
        "jittered": {"every": "1h", "jitter": "5m"},
        "closed": {"every": "1h", "active_window": "daily 14:00-15:00"},
        "overdue": {"every": "1h"}, "recent": {"every": "1h"},
    }.items():
        watch = add_watch(local_engine, WatchSpec(url=f"http://127.0.0.1:9/{name}", name=name,
                                                  **options), settings)
        watches[name] = watch.id
    checked(local_engine, watches["overdue"], now - 3 * HOUR)  # down over two of its runs
    checked(local_engine, watches["recent"], now - timedelta(minutes=10))
    executor = HeldExecutor()
    sched = WatchScheduler(local_engine, executor=executor, workers=8, reload_every=3600,
                           clock=lambda: now, settings=replace(settings, ramp=30.0))
    try:
        sched.start()
        # Longest waiting first (never checked, by id), a ramp step apart: the closed window's
        # check waits in the queue for its opening, the others start in that order.
        ramp = ["never", "hourly", "jittered", "closed", "overdue"]
        assert executor.wait_started(4), f"started: {executor.started}"
        assert executor.started == [watches[n] for n in ramp if n != "closed"]
        assert sched.dispatcher.stats().queued == 1, "the closed window's check waits queued"
        assert watches["recent"] not in executor.running

        def next_run(name: str) -> datetime:
            job = sched.scheduler.get_job(f"watch-{watches[name]}")
            assert job is not None
            return job.next_run_time  # type: ignore[no-any-return]

        first = {name: now + timedelta(seconds=i * RAMP_STEP) for i, name in enumerate(ramp)}
        # Each due watch's job at the run after its first: as if APScheduler had fired it then.
        for name in ("never", "closed", "overdue"):
            assert next_run(name) == first[name] + HOUR, name
        assert first["jittered"] + HOUR <= next_run("jittered") <= first["jittered"] + HOUR \
            + timedelta(minutes=5)
        assert next_run("hourly") == now.replace(minute=0) + HOUR  # the next full hour
        assert next_run("recent") == now + timedelta(minutes=50)  # not due: its regular time
    finally:
        sched.shutdown(grace=0)
