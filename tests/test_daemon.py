"""The daemon with real checks: caps and host gaps from the check rows' own times, the ramp after a
restart, retries inside the budget, the failure streak through the daemon, browser recycling."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from scraper import store
from scraper.browser import BrowserSession
from scraper.browser import session as session_module
from scraper.config.settings import Settings, load_settings
from scraper.daemon.dispatch import Dispatcher, HostLimits
from scraper.daemon.executor import CheckOutcome, CheckTask, LocalExecutor
from scraper.daemon.scheduler import RAMP_STEP, WatchScheduler
from scraper.store import Check
from scraper.watches.operations import WatchSpec, add_watch
from tests.sites.hostile import HostileSite
from tests.test_scheduler import Runs

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def site() -> Iterator[HostileSite]:
    with HostileSite() as hostile:
        yield hostile


def rows(engine: Engine) -> list[Check]:
    with Session(engine) as session:
        return sorted(session.exec(select(Check)).all(), key=lambda c: c.started_at)


def span(check: Check) -> tuple[float, float]:
    start = check.started_at.timestamp()
    return start, start + check.duration_ms / 1000


def most_at_once(checks: list[Check]) -> int:
    events = sorted([(s, 1) for s, _ in map(span, checks)] + [(e, -1) for _, e in map(span, checks)],
                    key=lambda ev: (ev[0], ev[1]))  # an end before a start at the same instant
    level = peak = 0
    for _, step in events:
        level += step
        peak = max(peak, level)
    return peak


def test_workers_and_per_host_limits_hold(
    local_engine: Engine, chromium: BrowserSession, site: HostileSite, settings: Settings,
) -> None:
    settings = replace(settings, host_cap=1, host_gap=0.4)
    hosts = {"127.0.0.1": [], "localhost": []}  # two host names, one server: two hosts to the daemon
    for host, ids in hosts.items():
        for n in range(3):
            watch = add_watch(local_engine, WatchSpec(url=site.url(f"/ok?n={n}", host), name=f"{host}-{n}",
                                                      every="1h"), settings)
            ids.append(watch.id)
    runs = Runs()
    sched = WatchScheduler(local_engine, chromium, workers=3, settings=settings, on_check=runs)
    try:
        assert sched.run_once() == 6
    finally:
        sched.shutdown()
    assert runs.errors == []
    checks = rows(local_engine)
    assert len(checks) == 6 and all(c.status == "ok" for c in checks)
    assert most_at_once(checks) <= 2  # the per-host cap of 1, on two hosts, under 3 workers
    for ids in hosts.values():
        mine = [c for c in checks if c.watch_id in ids]
        assert most_at_once(mine) == 1
        for before, after in pairwise(mine):
            assert span(after)[0] - span(before)[1] >= 0.4, "the host's gap after its previous check"


def test_overdue_watches_run_once_each_spread_over_the_ramp(
    local_engine: Engine, chromium: BrowserSession, site: HostileSite,
) -> None:
    settings = load_settings()
    ids = []
    long_ago = datetime.now(UTC) - timedelta(hours=3)
    for n in range(4):
        watch = add_watch(local_engine, WatchSpec(url=site.url(f"/ok?ramp={n}"), name=f"r{n}", every="1h"),
                          settings)
        with Session(local_engine) as session:  # its last check was before the daemon went down
            store.add_check(session, session.get_one(store.Watch, watch.id), started_at=long_ago,
                            duration_ms=10, status="failed", error="down", error_kind="network")
            session.commit()
        ids.append(watch.id)
    runs = Runs()
    sched = WatchScheduler(local_engine, chromium, workers=4, settings=settings, on_check=runs,
                           reload_every=3600)
    before, wall_before = time.monotonic(), datetime.now(UTC)  # the ramp starts after these
    sched.start()
    try:
        for watch_id in ids:
            assert runs.wait(f"watch-{watch_id}", 1, timeout=60)
        starts = sorted(o.started for o in runs.outcomes)  # when the dispatcher started each
    finally:
        sched.shutdown()
    assert sorted(runs.counts.values()) == [1, 1, 1, 1]  # once each, not once per missed hour
    fresh = [c for c in rows(local_engine) if c.started_at > long_ago]
    assert len(fresh) == 4
    # Spread: the n-th check started no sooner than n steps of the ramp (a quarter of a second)
    # after the daemon did, not all in the same second. A lower bound only: a busy machine may start
    # any of them later, the first too (seen: the first 0.07 s late, the four 0.68 s apart).
    for n, started in enumerate(starts):
        assert started - before >= n * RAMP_STEP, (n, [s - before for s in starts])
    # The rows agree: each is stamped as its check begins, after the dispatcher started it (the
    # rows' clock is the wall clock: a millisecond allowed for the two clocks' readings).
    first = sorted(span(c)[0] for c in fresh)
    for n, started in enumerate(first):
        assert started - wall_before.timestamp() >= n * RAMP_STEP - 0.001, (n, first)


def dispatch(engine: Engine, browser: BrowserSession, watch_ids: list[int], workers: int = 2
             ) -> list[CheckOutcome]:
    """Each watch's check through the daemon's own dispatcher and executor, all due at once."""
    done: list[CheckOutcome] = []
    lock = threading.Lock()

    def collect(outcome: CheckOutcome) -> None:
        with lock:
            done.append(outcome)

    dispatcher = Dispatcher(LocalExecutor(engine, browser, workers), workers, on_done=collect)
    for watch_id in watch_ids:
        dispatcher.due(CheckTask(watch_id, str(watch_id), "h"), HostLimits())
    assert dispatcher.wait_idle(timeout=120)
    dispatcher.stop(grace=0)
    return done


def test_a_transient_failure_is_retried_inside_the_check(
    local_engine: Engine, chromium: BrowserSession, site: HostileSite,
) -> None:
    # Rendered only: with `render: auto` the first check would also fetch the page plainly.
    watch = add_watch(local_engine, WatchSpec(url=site.url("/flaky"), name="flaky", render="always"),
                      load_settings())
    assert watch.id is not None
    site.fail(1)  # one 503, as from a server restarting
    before = site.requests("/flaky")
    (outcome,) = dispatch(local_engine, chromium, [watch.id])
    assert outcome.result is not None and outcome.result.check.status == "ok"
    assert site.requests("/flaky") - before == 2  # the 503, then the page, in one check
    assert len(rows(local_engine)) == 1


def test_the_failure_streak_through_the_daemon_is_reported_once_and_resets(
    local_engine: Engine, chromium: BrowserSession, site: HostileSite, settings: Settings,
) -> None:
    # Said at the 2nd failure in a row; one request per check.
    saved, chromium.settings = chromium.settings, replace(settings, failing_after=2, tries=1)
    try:
        watch = add_watch(local_engine, WatchSpec(url=site.url("/flaky"), name="streak",
                                                  email="desk@example.org"), settings)
        assert watch.id is not None
        kinds = []
        for fails in (True, True, True, False, True, True):
            site.fail(1 if fails else 0)
            (outcome,) = dispatch(local_engine, chromium, [watch.id])
            assert outcome.result is not None
            kinds.append([c.kind for c in outcome.result.changes if c.notify])
    finally:
        chromium.settings = saved
    # Said at the 2nd failure in a row, not at the 3rd; the success ends the run; a new run is said.
    assert [k == ["failing"] for k in kinds] == [False, True, False, False, False, True]
    with Session(local_engine) as session:
        queued = session.exec(select(store.Outbox)).all()
    assert len(queued) == 2  # each `failing` went to the outbox once


def test_recycling_the_browser_loses_no_check(
    local_engine: Engine, site: HostileSite, settings: Settings,
) -> None:
    settings = replace(settings, recycle_pages=2)
    ids = []
    for n in range(7):
        watch = add_watch(local_engine, WatchSpec(url=site.url(f"/ok?rc={n}"), name=f"rc{n}"), settings)
        ids.append(watch.id)
    with BrowserSession(settings) as browser:
        outcomes = dispatch(local_engine, browser, ids, workers=3)
        launches = browser.launches
    assert launches >= 3  # a new browser every two pages
    assert sorted(o.task.watch_id for o in outcomes) == sorted(ids)
    assert all(o.result is not None and o.result.check.status == "ok" for o in outcomes)
    assert len(rows(local_engine)) == 7


def test_a_browser_past_its_memory_limit_is_recycled_and_loses_no_check(
    local_engine: Engine, site: HostileSite, monkeypatch: pytest.MonkeyPatch, settings: Settings,
) -> None:
    monkeypatch.setattr(session_module, "MEMORY_EVERY", 2)  # measured every second page
    # Only the memory limit recycles, and every browser is past it.
    settings = replace(settings, recycle_pages=0, recycle_mib=1)
    ids = [add_watch(local_engine, WatchSpec(url=site.url(f"/ok?mem={n}"), name=f"mem{n}"), settings).id or 0
           for n in range(6)]
    with BrowserSession(settings) as browser:
        outcomes = dispatch(local_engine, browser, ids, workers=2)
        launches = browser.launches
    assert launches >= 2  # measured past the limit at least once: a new browser
    assert sorted(o.task.watch_id for o in outcomes) == sorted(ids)
    assert all(o.result is not None and o.result.check.status == "ok" for o in outcomes)
    assert len(rows(local_engine)) == 6
