"""The `scraper` program starts a one-off capture's browser before it loads the command line
(scraper/cli/early.py, issue 25): the capture is the same record, and no browser or driver outlives
the program, whether the command took the browser or refused its input first."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from scraper.cli import early
from scraper.demo.site import DemoSite
from tests.processes import chromium_browsers
from tests.sites import FETCHED_AT, seed_record
from tests.waiting import wait_until

SCRAPER = [sys.executable, "-m", "scraper"]
MARK = "SCRAPER_TEST_PROCESS_MARK"  # an environment variable every process of one run inherits


def marked(mark: str) -> list[int]:
    """The processes (the program's driver and Chromium included) whose environment has `mark`."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and f"{MARK}={mark}".encode() in (entry / "environ").read_bytes():
                found.append(int(entry.name))
        except OSError:
            continue
    return found


@pytest.mark.parametrize(("args", "one_off"), [
    (["capture", "https://example.org/post/"], True),
    (["-v", "capture", "https://example.org/post/", "--json", "-o", "x.json"], True),
    (["capture", "https://example.org/post/", "--evidence"], False),
    (["capture", "--from-file", "urls.txt", "--evidence"], False),
    (["capture", "--help"], False),
    (["--version", "capture", "https://example.org/post/"], False),
    (["check", "capture"], False),
    (["watch", "add", "https://example.org/capture"], False),
    (["capture", "https://example.org/post/", "--", "--evidence"], True),
    ([], False),
])
def test_only_a_one_off_capture_starts_a_browser_early(args: list[str], one_off: bool) -> None:
    assert early.one_off_capture(args) is one_off


@pytest.mark.browser
def test_a_browser_started_early_and_never_taken_is_closed(demo_site: DemoSite) -> None:
    before = set(chromium_browsers(os.getpid()))
    early.start(["capture", demo_site.article_url])
    try:
        wait_until(lambda: set(chromium_browsers(os.getpid())) - before,
                   "no Chromium came up after the early start", timeout=60)
    finally:
        early.discard()
    assert early.take() is None
    assert not set(chromium_browsers(os.getpid())) - before  # closed before discard() returned


@pytest.mark.browser
def test_the_program_captures_and_leaves_no_process_behind(demo_site: DemoSite, tmp_path: Path) -> None:
    mark = uuid.uuid4().hex
    env = {**os.environ, MARK: mark}
    done = subprocess.run([*SCRAPER, "capture", demo_site.article_url, "--json"], env=env,
                          capture_output=True, text=True, timeout=120)
    assert (done.returncode, done.stderr) == (0, "")
    record = json.loads(done.stdout)
    assert FETCHED_AT.match(record["fetched_at"])
    assert record == seed_record(demo_site.article_url, record["fetched_at"])

    # Bad input found after the browser started: exit 2, nothing written, the browser closed.
    refused = subprocess.run([*SCRAPER, "capture", demo_site.article_url, "--json", "--out",
                              str(tmp_path / "bundle")], env=env, capture_output=True, text=True,
                             timeout=120)
    assert refused.returncode == 2 and refused.stdout == ""
    assert json.loads(refused.stderr)["error"] == "--out belongs to an evidence capture: add --evidence"
    assert not (tmp_path / "bundle").exists()
    # Each program waited for its driver and Chromium to end (a killed process may still be
    # leaving /proc for a moment); one left running would stay.
    wait_until(lambda: not marked(mark), lambda: f"left running: {marked(mark)}", timeout=10)
