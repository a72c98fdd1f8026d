"""The scale-out (issue 22): one scheduler (`scraper run --executor dramatiq`) and `scraper worker`
processes on a real redis-server, a real PostgreSQL, real Chromium, real SMTP on loopback.

Checks are held mid-render by the test site's gate (`HostileSite.gate`, the page fetches /gate), so
kills land at a known moment. Nothing sleeps to synchronise: each wait is for a condition (a
request seen, a row written, a notification heard, a process ended).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from scraper.config.settings import Settings
from scraper.store import Check, make_engine, upgrade
from scraper.watches.operations import WatchSpec, add_watch
from tests.fixtures.postgres import PostgresServer
from tests.fixtures.redis import RedisServer
from tests.processes import descendants
from tests.sites.hostile import ARTICLE, HostileSite

pytestmark = [pytest.mark.distributed, pytest.mark.postgres, pytest.mark.browser]

ROOT = Path(__file__).resolve().parents[1]
# Small bounds so a written-off dispatch comes back within seconds: deadline + busy timeout +
# the browser's teardown grace (15 s), plus the deadline a message may wait in the queue.
BOUNDS = {"SCRAPER_DEADLINE": "5", "SCRAPER_DB_BUSY_TIMEOUT": "2", "SCRAPER_GRACE": "5",
          "SCRAPER_TRIES": "1", "SCRAPER_RAMP": "0"}
WAIT = 90.0  # seconds: the longest any condition below is waited for

THREAD = ARTICLE.replace("</ol>", "{more}</ol>")
SECOND = ('<li class="comment" id="comment-2"><div class="comment-author"><cite class="fn">Bo'
          '</cite></div><div class="comment-content"><p>Second.</p></div></li>')
GATE = "<script>fetch('/gate')</script></body>"


def page(title: str, *, more: str = "", gated: bool = False) -> str:
    html = THREAD.format(title=title, text="A thread.", more=more)
    return html.replace("</body>", GATE) if gated else html


@pytest.fixture(scope="module")
def site() -> Iterator[HostileSite]:
    with HostileSite() as hostile:
        yield hostile


@pytest.fixture
def pg_url(postgres_server: PostgresServer) -> Iterator[str]:
    name = f"scale_{uuid.uuid4().hex[:12]}"
    postgres_server.create_database(name)
    try:
        yield postgres_server.url(name)
    finally:
        postgres_server.drop_database(name)


@pytest.fixture
def cluster(pg_url: str, redis_server: RedisServer, settings: Settings,
            monkeypatch: pytest.MonkeyPatch) -> Iterator[Cluster]:
    upgrade(pg_url)
    monkeypatch.setenv("SCRAPER_DATABASE_URL", pg_url)
    monkeypatch.setenv("SCRAPER_BROKER_URL", redis_server.url)
    for name, value in BOUNDS.items():
        monkeypatch.setenv(name, value)
    settings = replace(settings, database_url=pg_url, default_database=False, deadline=5,
                       busy_timeout=2, grace=5, tries=1, ramp=0, broker_url=redis_server.url)
    engine = make_engine(pg_url)
    with Cluster(engine, settings, redis_server) as running:
        yield running
    engine.dispose()


class Cluster:
    """The processes of one test: workers and schedulers, each a `scraper` command."""

    def __init__(self, engine: Engine, settings: Settings, redis: RedisServer) -> None:
        self.engine, self.settings, self.redis = engine, settings, redis
        self.processes: list[subprocess.Popen[str]] = []

    def __enter__(self) -> Cluster:
        return self

    def __exit__(self, *exc: object) -> None:
        for process in self.processes:
            kill_tree(process)

    def scraper(self, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
        environment = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
        process = subprocess.Popen([sys.executable, "-m", "scraper", *args], env=environment,
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                   start_new_session=True)
        self.processes.append(process)
        return process

    def worker(self, threads: int = 2, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
        return self.scraper("worker", "--threads", str(threads), env=env)

    def watch(self, url: str, name: str, **options: Any) -> int:
        watch = add_watch(self.engine, WatchSpec(url=url, name=name, every="1h", **options),
                          self.settings)
        assert watch.id is not None
        return watch.id

    def checks(self) -> list[Check]:
        with Session(self.engine) as session:
            return list(session.exec(select(Check).order_by(col(Check.id))).all())


def kill_tree(process: subprocess.Popen[str], sig: int = signal.SIGKILL) -> None:
    """The process and everything it started (its browser): its own session, by its pids."""
    if process.poll() is None:
        for child in descendants(process.pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(child, sig)
        process.send_signal(sig)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def wait_until(condition: Callable[[], object], what: str, timeout: float = WAIT) -> None:
    give_up = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < give_up, f"{what}: not within {timeout:g}s"
        time.sleep(0.1)  # a poll interval between looks at the database, not a synchronisation


def finished(process: subprocess.Popen[str], timeout: float = WAIT) -> tuple[int, str]:
    output, _ = process.communicate(timeout=timeout)
    return process.returncode, output


def no_browser(env: dict[str, str] | None = None) -> dict[str, str]:
    """A scheduler that could not start a browser if it tried."""
    return {"SCRAPER_BROWSER": "/nonexistent/chromium", **(env or {})}


def test_six_watches_two_workers_each_checked_once_by_a_scheduler_without_chromium(
    cluster: Cluster, site: HostileSite,
) -> None:
    ids = [cluster.watch(site.url(f"/ok?n={n}"), f"w{n}") for n in range(6)]
    workers = [cluster.worker(2), cluster.worker(2)]
    scheduler = cluster.scraper("run", "--executor", "dramatiq", "--once", "--workers", "4",
                                env=no_browser())
    code, output = finished(scheduler)
    assert code == 0, output
    checks = cluster.checks()
    assert sorted(c.watch_id for c in checks) == sorted(ids), "each watch checked exactly once"
    assert all(c.status == "ok" and c.dispatch_id for c in checks), [(c.status, c.error) for c in checks]
    assert len({c.dispatch_id for c in checks}) == 6
    assert all(w.poll() is None for w in workers), "the workers keep running"
