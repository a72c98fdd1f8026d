"""Schedules keep running (cron watches with history, after a restart), a rebase moves the base,
checks of one watch are serialised across processes, and a run of failures is one `failing`."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from scraper import store
from scraper.browser import BrowserSession
from scraper.cli import main
from scraper.config.settings import Settings, load_settings
from scraper.daemon.scheduler import WatchScheduler
from scraper.demo.site import DemoSite
from scraper.pipeline.check import run_check
from scraper.store import lease
from scraper.store.lease import WatchBusy
from scraper.watches.operations import WatchSpec, add_watch
from tests.test_scheduler import Runs

pytestmark = pytest.mark.browser


class Clock:
    """A clock the test moves by hand, for the scheduler and for APScheduler inside it."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    import apscheduler.schedulers.base as base

    driven = Clock(datetime.now(UTC))

    class DrivenDatetime(datetime):
        @classmethod
        def now(cls, tz: Any = None) -> Any:
            return driven.now.astimezone(tz) if tz else driven.now

    monkeypatch.setattr(base, "datetime", DrivenDatetime)
    return driven


@pytest.fixture
def driven(
    local_engine: Engine, chromium: BrowserSession, clock: Clock
) -> Iterator[tuple[WatchScheduler, Runs]]:
    runs = Runs()
    sched = WatchScheduler(local_engine, chromium, reload_every=3600, clock=clock, on_check=runs)
    yield sched, runs
    sched.shutdown()


def count_checks(engine: Engine, watch_id: int) -> int:
    with Session(engine) as session:
        return len(store.list_checks(session, watch_id, limit=1000))


def test_cron_watch_with_history_runs_at_its_next_fire_time(
    local_engine: Engine, chromium: BrowserSession, demo_site: DemoSite, clock: Clock,
    driven: tuple[WatchScheduler, Runs],
) -> None:
    sched, runs = driven
    watch = add_watch(local_engine, WatchSpec(url=demo_site.article_url, name="hourly",
                                              cron="0 * * * *"), load_settings())
    assert watch.id is not None
    run_check(local_engine, watch.id, chromium)  # history: it was checked a moment ago
    sched.start()
    job = sched.scheduler.get_job(f"watch-{watch.id}")
    top = (clock.now + timedelta(hours=1)).replace(minute=0, second=0, microsecond=0)
    assert job is not None and job.next_run_time == top, "a cron job with history is not paused"
    clock.now = top + timedelta(seconds=1)
    sched.scheduler.wakeup()
    assert runs.wait(f"watch-{watch.id}", 1, timeout=60)
    assert runs.errors == [] and count_checks(local_engine, watch.id) == 2
    job = sched.scheduler.get_job(f"watch-{watch.id}")
    assert job is not None and job.next_run_time == top + timedelta(hours=1)


def test_a_missed_cron_time_runs_at_once_after_a_restart(
    local_engine: Engine, chromium: BrowserSession, demo_site: DemoSite, clock: Clock,
    driven: tuple[WatchScheduler, Runs],
) -> None:
    sched, runs = driven
    watch = add_watch(local_engine, WatchSpec(url=demo_site.article_url, name="missed",
                                              cron="0 * * * *"), load_settings())
    assert watch.id is not None
    run_check(local_engine, watch.id, chromium)
    clock.now += timedelta(hours=2)  # the daemon was down over a fire time
    sched.start()
    assert runs.wait(f"watch-{watch.id}", 1, timeout=60)
    assert count_checks(local_engine, watch.id) == 2


def test_rebase_makes_the_next_check_compare_with_the_page_as_it_is(
    local_engine: Engine, chromium: BrowserSession, demo_site: DemoSite,
    capsys: pytest.CaptureFixture[str],
) -> None:
    watch = add_watch(local_engine, WatchSpec(url=demo_site.article_url, name="emptied"),
                      load_settings())
    assert watch.id is not None
    demo_site.add_comment("Bob", "A second voice.")  # two or more vanishing at once: a mismatch
    assert run_check(local_engine, watch.id, chromium).baseline
    for comment in demo_site.state.comments:  # the thread is really emptied
        demo_site.delete_comment(comment.id)
    first = run_check(local_engine, watch.id, chromium)
    assert first.check.status == "mismatch" and [c.kind for c in first.changes] == ["profile_mismatch"]
    assert run_check(local_engine, watch.id, chromium).check.status == "mismatch"  # stays so
    assert main(["watch", "rebase", "emptied"]) == 0
    assert "is the new baseline" in capsys.readouterr().out
    after = run_check(local_engine, watch.id, chromium)
    assert (after.check.status, after.changes) == ("ok", [])
    demo_site.add_comment("Ann", "A fresh start.")
    assert [c.kind for c in run_check(local_engine, watch.id, chromium).changes] == ["comment_added"]


def test_a_watch_being_checked_is_not_checked_twice(
    local_engine: Engine, chromium: BrowserSession, demo_site: DemoSite
) -> None:
    watch = add_watch(local_engine, WatchSpec(url=demo_site.article_url, name="busy"), load_settings())
    assert watch.id is not None
    other = "elsewhere:4242:cafe"  # another process, mid-check
    assert lease.try_acquire(local_engine, watch.id, other, ttl=60)
    with pytest.raises(WatchBusy, match="being checked by another process"):
        run_check(local_engine, watch.id, chromium, wait=0.5)
    done = threading.Event()
    result: list[Any] = []

    def second() -> None:
        result.append(run_check(local_engine, watch.id, chromium, wait=60))  # type: ignore[arg-type]
        done.set()

    threading.Thread(target=second).start()
    assert not done.wait(1.0), "it must wait while the other holds the lease"
    lease.release(local_engine, watch.id, other)
    assert done.wait(60) and result[0].check.status == "ok"
    assert lease.holder(local_engine, watch.id) == (None, None)  # released after the check


def test_an_expired_lease_does_not_wedge_the_watch(local_engine: Engine, demo_site: DemoSite) -> None:
    watch = add_watch(local_engine, WatchSpec(url=demo_site.article_url, name="killed"), load_settings())
    assert watch.id is not None
    assert lease.try_acquire(local_engine, watch.id, "dead:1:beef", ttl=-1)  # a SIGKILLed holder
    assert lease.try_acquire(local_engine, watch.id, "alive:2:f00d", ttl=60)


def test_failures_in_a_row_make_one_failing_change(
    local_engine: Engine, chromium: BrowserSession, settings: Settings,
) -> None:
    saved, chromium.settings = chromium.settings, replace(settings, failing_after=2)
    try:
        with socket.socket() as probe:  # a port nobody listens on: connection refused
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        watch = add_watch(local_engine, WatchSpec(url=f"http://127.0.0.1:{port}/down", name="down"),
                          settings)
        assert watch.id is not None
        kinds = [[c.kind for c in run_check(local_engine, watch.id, chromium).changes]
                 for _ in range(3)]
    finally:
        chromium.settings = saved
    assert kinds == [[], ["failing"], []]  # said once, at the second failure in a row
    with Session(local_engine) as session:
        checks = store.list_checks(session, watch.id)
        assert checks[1].id is not None
        (change,) = store.changes_for_check(session, checks[1].id)
    assert change.data["checks"] == 2 and change.data["error_kind"] == "network"
    assert change.data["since"] == checks[2].started_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert "refused the connection" in change.data["error"]
