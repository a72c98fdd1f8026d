"""`scraper serve --with-scheduler` as a user runs it: a process that serves the dashboard and
checks the watches on their schedule, and stops cleanly on SIGTERM."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time

import httpx
import pytest

from scraper.cli import main
from scraper.demo.site import DemoSite
from tests.processes import stop

pytestmark = pytest.mark.browser


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
        give_up = time.monotonic() + 60
        page = ""
        while time.monotonic() < give_up:  # the watch is due at once: the scheduler checks it
            page = httpx.get(url + "/watches/1", timeout=30).text
            if 'id="check-1"' in page:
                break
            time.sleep(0.2)
        row = re.search(r'id="check-1".*?</tr>', page, re.S)
        assert row is not None, page
        assert "daveyone1" in page, row.group(0)  # the check's row says how it went
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
