"""Stopping mid-way leaves nothing behind: SIGTERM to `scraper check` releases the watch's lease
(the next check does not wait for it to expire), a driver that dies leaves one line and no
"exception was never retrieved", and the lease lasts as long as the check may (its profile's
deadline when longer)."""

from __future__ import annotations

import asyncio
import gc
import os
import signal
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from scraper.store.lease import WatchBusy
from tests.processes import descendants, run_ok, stop
from tests.sites.hostile import PAGES, HostileSite

PROFILES = Path(__file__).parent / "sites" / "profiles"
SCRAPER = [sys.executable, "-m", "scraper"]
DEADLINE = 20  # SCRAPER_DEADLINE; the watch's profile says 120


@pytest.fixture(scope="module")
def site() -> Iterator[HostileSite]:
    with HostileSite() as hostile:
        yield hostile


def lease(home: Path) -> tuple[str | None, datetime | None]:
    with sqlite3.connect(home / "scraper.db", timeout=30) as conn:
        owner, until = conn.execute("SELECT lease_owner, lease_until FROM watches").fetchone()
    return owner, datetime.fromisoformat(until).replace(tzinfo=UTC) if until else None


def held_check(site: HostileSite, name: str, env: dict[str, str]) -> subprocess.Popen[str]:
    """`scraper check` of a watch whose page waits for /gate (held): a check stopped mid-render."""
    site.add_page(f"/{name}", PAGES["/gated"])
    site.gate.clear()
    run_ok([*SCRAPER, "watch", "add", site.url(f"/{name}"), "--name", name,
            "--profile", str(PROFILES / "long-deadline.yaml")], env=env)
    held = site.requests("/gate (held)")
    check = subprocess.Popen([*SCRAPER, "check", name], env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    assert site.wait_for_request("/gate (held)", held + 1)  # mid-check
    return check


@pytest.mark.browser
def test_sigterm_to_a_check_releases_its_lease_and_the_next_check_does_not_wait(
    site: HostileSite,
) -> None:
    home = Path(os.environ["SCRAPER_HOME"])
    env = {**os.environ, "SCRAPER_DEADLINE": str(DEADLINE), "SCRAPER_TRIES": "1"}
    check = held_check(site, "t", env)
    try:
        owner, until = lease(home)
        assert owner is not None and until is not None
        # The lease lasts the profile's deadline (120 s), not SCRAPER_DEADLINE's (20 s).
        assert (until - datetime.now(UTC)).total_seconds() > 120
        check.send_signal(signal.SIGTERM)
        out, err = check.communicate(timeout=60)
    finally:
        stop(check)
        site.gate.set()
    assert check.returncode == 130, err
    assert (out, err) == ("", "")  # as after Ctrl-C: nothing left running to complain
    assert lease(home) == (None, None)  # released: the next check starts at once
    site.add_page("/t", PAGES["/ok"])
    again = subprocess.run([*SCRAPER, "check", "t"], env={**env, "SCRAPER_TRIES": "1"},
                           capture_output=True, text=True, timeout=120)
    assert again.returncode == 0, again.stderr


def driver_of(pid: int) -> list[int]:
    """Playwright's Node driver below `pid`."""
    found = []
    for child in descendants(pid):
        try:
            if b"run-driver" in Path(f"/proc/{child}/cmdline").read_bytes():
                found.append(child)
        except OSError:
            continue
    return found


@pytest.mark.browser
def test_a_driver_killed_mid_check_leaves_one_line_and_no_unretrieved_error(site: HostileSite) -> None:
    env = {**os.environ, "SCRAPER_DEADLINE": str(DEADLINE), "SCRAPER_TRIES": "1"}
    check = held_check(site, "d", env)
    try:
        (driver,) = driver_of(check.pid)
        os.kill(driver, signal.SIGKILL)
        _, err = check.communicate(timeout=90)
    finally:
        stop(check)
        site.gate.set()
    assert check.returncode == 1, err
    assert "never retrieved" not in err and "Traceback" not in err, err
    assert err.count("\n") == 1 and err.startswith("error: watch 1 (d) check 1 failed: "), err


def test_the_daemon_s_skip_of_a_busy_watch_never_says_it_waited_0s() -> None:
    skipped = str(WatchBusy(3, "host:41:abcd", 0))
    assert skipped == "watch 3 is being checked by another process (by host:41): try again later"
    assert "0s" not in str(WatchBusy(3, None, 0))
    assert "(waited 83s)" in str(WatchBusy(3, "host:41:abcd", 83))


def test_a_recording_whose_browser_closed_leaves_no_unretrieved_task() -> None:
    from playwright._impl._errors import TargetClosedError

    from scraper.evidence.network import WarcRecorder

    unheard: list[dict[str, Any]] = []

    async def body_fetch_after_close() -> None:
        raise TargetClosedError("Target page, context or browser has been closed")

    async def main() -> None:
        asyncio.get_running_loop().set_exception_handler(lambda _, ctx: unheard.append(ctx))
        recorder = WarcRecorder.__new__(WarcRecorder)
        recorder._tasks = set()
        recorder._spawn(body_fetch_after_close())  # a requestfinished as the context closed
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        del recorder
        gc.collect()

    # A loop of its own, in a thread of its own: pytest-playwright's sync API may already run one
    # in this thread (asyncio.run refuses to start inside it).
    thread = threading.Thread(target=lambda: asyncio.run(main()))
    thread.start()
    thread.join(timeout=60)
    gc.collect()
    assert not thread.is_alive() and unheard == []
