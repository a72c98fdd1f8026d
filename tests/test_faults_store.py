"""Database trouble: a lock held past the busy timeout is ridden out within the check's budget
(the capture is kept), one held past the budget and a full disk end as one classified line, and
the next check reports what the failed one could not store."""

from __future__ import annotations

import sqlite3
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from loguru import logger
from sqlalchemy import Engine
from sqlmodel import Session

from scraper import store
from scraper.base.failures import Classified
from scraper.browser import BrowserSession
from scraper.cli import main
from scraper.config.settings import Settings, load_settings
from scraper.pipeline.check import CheckResult, run_check
from scraper.store import open_db
from scraper.watches.operations import WatchSpec, add_watch
from tests.sites.hostile import PAGES, HostileSite

pytestmark = pytest.mark.browser


DEADLINE = 5  # a capture of the gated page takes a fraction of a second once the gate opens


@pytest.fixture
def hostile() -> Iterator[HostileSite]:
    with HostileSite() as site:
        yield site


@pytest.fixture
def quick(settings: Settings, chromium: BrowserSession) -> Iterator[BrowserSession]:
    """The shared Chromium, with a busy timeout of half a second and a short deadline."""
    saved = chromium.settings
    chromium.settings = replace(settings, busy_timeout=0.5, deadline=15)
    yield chromium
    chromium.settings = saved


class Said:
    """Collects the scraper's log lines; `wait(text)` blocks until one contains it."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self._seen = threading.Condition()

    def __call__(self, message: object) -> None:
        with self._seen:
            self.lines.append(str(message))
            self._seen.notify_all()

    def wait(self, text: str, timeout: float = 30) -> bool:
        with self._seen:
            return self._seen.wait_for(lambda: any(text in line for line in self.lines), timeout)


@pytest.fixture
def said() -> Iterator[Said]:
    sink = Said()
    logger.enable("scraper")
    handler = logger.add(sink, level="DEBUG", format="{message}")
    yield sink
    logger.remove(handler)
    logger.disable("scraper")


def locker(engine: Engine) -> sqlite3.Connection:
    """Another writer: a connection of its own that takes the write lock and keeps it."""
    database = engine.url.database
    assert database is not None
    conn = sqlite3.connect(database, timeout=30, isolation_level=None)
    conn.execute("BEGIN EXCLUSIVE")
    return conn


def in_thread(
    engine: Engine, watch_id: int, browser: BrowserSession
) -> tuple[threading.Thread, list[object]]:
    outcome: list[object] = []

    def check() -> None:
        try:
            outcome.append(run_check(engine, watch_id, browser))
        except Exception as exc:
            outcome.append(exc)

    thread = threading.Thread(target=check)
    thread.start()
    return thread, outcome


def gated_watch(engine: Engine, site: HostileSite) -> int:
    site.add_page("/w", PAGES["/gated"])
    site.gate.set()
    # Always rendered: the page is held at its gate by its script, which a plain fetch never runs.
    watch = add_watch(engine, WatchSpec(url=site.url("/w"), name="gated", render="always"),
                      load_settings())
    assert watch.id is not None
    return watch.id


def test_a_lock_past_the_busy_timeout_is_ridden_out_and_the_capture_kept(
    quick: BrowserSession, hostile: HostileSite, said: Said
) -> None:
    engine = open_db(quick.settings)
    watch_id = gated_watch(engine, hostile)
    assert run_check(engine, watch_id, quick).check.status == "ok"  # the baseline
    hostile.gate.clear()
    hostile.add_page("/w", PAGES["/gated"].replace("First.", "First, edited."))
    thread, outcome = in_thread(engine, watch_id, quick)
    assert hostile.wait_for_request("/gate (held)")  # the check is rendering, held at the gate
    conn = locker(engine)
    hostile.gate.set()
    assert said.wait("retrying the write"), said.lines  # a write failed on the lock, not given up
    conn.execute("ROLLBACK")
    thread.join(timeout=60)
    result = outcome[0]
    assert isinstance(result, CheckResult) and result.check.status == "ok", outcome
    assert [c.kind for c in result.changes] == ["comment_edited"]


def test_a_lock_past_the_budget_is_one_storage_line_and_nothing_is_lost(
    quick: BrowserSession, hostile: HostileSite, said: Said, capsys: pytest.CaptureFixture[str]
) -> None:
    # This test waits out the whole budget, then the lease the locked store kept the held check
    # from releasing (budget + the teardown grace): a deadline far above the capture's second, not
    # 15 s, and a grace of 1 s, not 15 (the capture is done once the gate opens: nothing to tear down).
    quick.settings = replace(quick.settings, deadline=DEADLINE, teardown_grace=1)
    engine = open_db(quick.settings)
    watch_id = gated_watch(engine, hostile)
    assert run_check(engine, watch_id, quick).check.status == "ok"
    hostile.gate.clear()
    hostile.add_page("/w", PAGES["/gated"].replace("First.", "First, edited."))
    thread, outcome = in_thread(engine, watch_id, quick)
    assert hostile.wait_for_request("/gate (held)")
    conn = locker(engine)
    hostile.gate.set()
    thread.join(timeout=90)  # far past the budget: DEADLINE + 0.5 s busy timeout
    assert not thread.is_alive(), "the held check outlived its budget"
    conn.execute("ROLLBACK")
    failure = outcome[0]
    assert isinstance(failure, Classified) and failure.failure.kind == "storage", outcome
    assert "could not be stored" in str(failure) and "locked" in str(failure)
    # Once the held check's lease has expired, the edit the failed check saw is reported.
    again = run_check(engine, watch_id, quick)
    assert [c.kind for c in again.changes] == ["comment_edited"]


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    """A 3 MB tmpfs, mounted for the test (root only; skipped where mounting is not allowed)."""
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(mount)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=True)


def fill(disk: Path) -> Path:
    filler = disk / "filler"
    with filler.open("wb") as handle:
        try:
            while True:
                handle.write(b"\0" * 65536)
                handle.flush()
        except OSError:
            pass  # ENOSPC: the disk is full, as wanted
    return filler


def test_a_full_disk_is_one_storage_line_then_the_next_check_catches_up(
    tiny_disk: Path, hostile: HostileSite, monkeypatch: pytest.MonkeyPatch,
    chromium: BrowserSession, capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("SCRAPER_HOME", str(tiny_disk))
    engine = open_db(load_settings())
    watch_id = gated_watch(engine, hostile)
    assert main(["check", str(watch_id)]) == 0
    capsys.readouterr()
    # Enough new text that the snapshot cannot fit in what SQLite has free in its file.
    hostile.add_page("/w", PAGES["/gated"].replace("First.", "Long. " * 20000))
    filler = fill(tiny_disk)
    code = main(["check", str(watch_id)])
    err = capsys.readouterr().err
    assert code == 1 and "Traceback" not in err
    lines = [line for line in err.splitlines() if line.startswith("error:")]
    assert len(lines) == 1 and "disk is full" in lines[0] and "(storage)" in lines[0], err
    filler.unlink()
    with Session(engine) as session:
        failed = [c for c in store.list_checks(session, watch_id) if c.status == "failed"]
    assert all(c.error_kind == "storage" for c in failed)  # a row where the disk took that much
    result = run_check(engine, watch_id, chromium)
    assert result.check.status == "ok" and [c.kind for c in result.changes] == ["comment_edited"]
    engine.dispose()
