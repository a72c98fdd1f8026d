"""`scraper serve --with-scheduler` as a user runs it: a process that serves the dashboard and
checks the watches on their schedule, and stops cleanly on SIGTERM."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import httpx
import pytest

from scraper.base.failures import FAILURE_KINDS
from scraper.cli import main
from scraper.demo.site import DemoSite
from tests.processes import stop
from tests.waiting import wait_until

pytestmark = pytest.mark.browser
# A row of the watch page's history, newest first.
CHECK_ROW = re.compile(r'<tr id="check-(\d+)" class="status-(\w+)">.*?</tr>', re.S)
ERROR_LINE = re.compile(r'<div class="error-line">(\w+): (.+?)</div>', re.S)


def newest_check(web: httpx.Client, after: int) -> tuple[str, re.Match[str]]:
    """The watch page and its newest check's row, once that check is newer than check `after`."""
    page = ""

    def checked() -> bool:
        nonlocal page
        page = web.get("/watches/1").text
        newest = CHECK_ROW.search(page)
        return newest is not None and int(newest[1]) > after

    wait_until(checked, lambda: f"no check after check {after}: {page}", timeout=60)
    row = CHECK_ROW.search(page)
    assert row is not None
    return page, row


def ok_check_page(web: httpx.Client, tries: int = 3) -> str:
    """The watch page once a check of the served scheduler is ok. The watch is due at once: the
    scheduler checks it. A check may fail on a machine too busy for its deadline: then it is a
    named, human failure, and the next check is asked for (Check now), `tries` checks in all."""
    seen = 0
    for _ in range(tries):
        page, row = newest_check(web, seen)
        if row[2] == "ok":
            return page
        error = ERROR_LINE.search(row[0])
        assert row[2] == "failed" and error is not None, row[0]  # the row says how it went
        assert error[1] in FAILURE_KINDS and "Traceback" not in error[2], row[0]
        seen = int(row[1])
        token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        asked = web.post("/watches/1/check", data={"csrf_token": token})
        assert asked.status_code == 303, asked.text
    raise AssertionError(f"{tries} checks failed, the last: {row[0]}")


def test_serve_with_the_scheduler_checks_watches_and_stops_on_sigterm(demo_site: DemoSite) -> None:
    assert main(["watch", "add", demo_site.article_url, "--every", "1h", "--name", "demo"]) == 0
    server = subprocess.Popen(
        [sys.executable, "-m", "scraper", "serve", "--port", "0", "--with-scheduler"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=os.environ.copy())
    try:
        assert server.stderr is not None
        line = server.stderr.readline()
        assert line.startswith("dashboard on http://127.0.0.1:") and "with the scheduler" in line
        url = line.split(" on ", 1)[1].split("/ ", 1)[0]
        with httpx.Client(base_url=url, timeout=30) as web:
            page = ok_check_page(web)
        assert "daveyone1" in page, page  # the record the ok check took: the demo's comments
        assert 'id="scheduler-notice"' not in page  # a scheduler is running: no banner
        server.terminate()
        assert server.wait(timeout=60) == 0
        assert server.stdout is not None
        printed = server.stdout.read()
        assert re.search(r"\d\d:\d\d:\d\d  demo  baseline", printed), printed  # a line per check, as `run`
        # Stopped, it says so: the dashboard's banner comes back at once.
        from scraper.config.settings import load_settings
        from scraper.service.heartbeat import scheduler_notice
        from scraper.store import open_db

        assert (scheduler_notice(open_db(load_settings())) or "").startswith("No scheduler is running")
    finally:
        stop(server)
