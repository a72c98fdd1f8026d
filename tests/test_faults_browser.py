"""Browser and page failures end as failed check rows, classified and escaped, never tracebacks."""

from __future__ import annotations

import dataclasses
import os
import signal
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from scraper import store
from scraper.base.errors import JobFailed
from scraper.browser import BrowserSession
from scraper.cli import main
from scraper.config.settings import load_settings
from scraper.pipeline.capture import capture
from scraper.pipeline.check import CheckResult, run_check
from scraper.pipeline.retries import MIN_TRY
from scraper.watches.operations import WatchSpec, add_watch
from tests.processes import chromium_browsers, run_ok, stop, zombies
from tests.sites import use_test_profiles
from tests.sites.hostile import PAGES, HostileSite
from tests.waiting import wait_until

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def hostile() -> Iterator[HostileSite]:
    with HostileSite() as site:
        yield site


SMALL_HEAP = "--js-flags=--max-old-space-size=64"


@pytest.fixture(scope="module")
def small_heap() -> Iterator[BrowserSession]:
    """A Chromium of our own (these tests kill it) whose renderers die at 64 MB of JS heap: a real
    out-of-memory crash, in a second instead of after gigabytes."""
    settings = load_settings()
    args = (*settings.browser_args, SMALL_HEAP)
    with BrowserSession(dataclasses.replace(settings, browser_args=args, deadline=20)) as session:
        yield session


def small_heap_browsers() -> list[int]:
    """The Chromium of `small_heap` alone (by its own flag): the session-wide browsers of other
    tests (the `chromium` fixture, pytest-playwright's) live in this process tree too, and a test
    that killed them would fail whatever test uses them next."""
    found = []
    for pid in chromium_browsers(os.getpid()):
        try:
            if SMALL_HEAP.encode() in Path(f"/proc/{pid}/cmdline").read_bytes():
                found.append(pid)
        except OSError:  # gone meanwhile
            continue
    return found


def watch_on(engine: Engine, url: str, name: str) -> int:
    watch = add_watch(engine, WatchSpec(url=url, name=name), load_settings())
    assert watch.id is not None
    return watch.id


def test_chromium_killed_mid_check_is_tried_again_in_a_new_chromium(
    local_engine: Engine, hostile: HostileSite, small_heap: BrowserSession
) -> None:
    hostile.add_page("/hang", PAGES["/ok"])
    watch_id = watch_on(local_engine, hostile.url("/hang"), "hang")
    assert run_check(local_engine, watch_id, small_heap).check.status == "ok"  # the baseline
    hostile.add_page("/hang", PAGES["/never-loads"])  # the next check stays busy loading
    results: list[CheckResult] = []
    checking = threading.Thread(target=lambda: results.append(run_check(local_engine, watch_id,
                                                                          small_heap)))
    checking.start()
    assert hostile.wait_for_request("/hang", 2)  # mid-check: the page is loading
    browsers = small_heap_browsers()
    assert browsers, "no Chromium of small_heap in our process tree"
    hostile.add_page("/hang", PAGES["/ok"])  # what the second try will find
    for pid in browsers:
        os.kill(pid, signal.SIGKILL)
    checking.join(timeout=60)
    # A browser crash is transient: the check tries again in a new Chromium within its deadline.
    assert results and results[0].check.status == "ok", results[0].check.error if results else None
    assert hostile.requests("/hang") >= 3
    # The killed ones leave the process table once their parent reaps them (on a busy machine,
    # not at once): a new Chromium, not the killed one.
    wait_until(lambda: not set(browsers) & set(chromium_browsers(os.getpid())),
               lambda: f"killed {browsers} still among {chromium_browsers(os.getpid())}")
    with Session(local_engine) as session:
        assert len(store.list_checks(session, watch_id)) == 2  # one row for the check, not one per try
    wait_until(lambda: not zombies(os.getpid()), lambda: f"zombies {zombies(os.getpid())}")


def test_chromium_killed_with_no_time_left_to_try_again_is_a_failed_check(
    local_engine: Engine, hostile: HostileSite, small_heap: BrowserSession,
) -> None:
    hostile.add_page("/late", PAGES["/never-loads"])
    watch_id = watch_on(local_engine, hostile.url("/late"), "late")
    short = dataclasses.replace(small_heap.settings, deadline=MIN_TRY)
    saved, small_heap.settings = small_heap.settings, short
    try:
        results: list[CheckResult] = []
        checking = threading.Thread(target=lambda: results.append(run_check(local_engine, watch_id,
                                                                              small_heap)))
        checking.start()
        assert hostile.wait_for_request("/late", 1)
        for pid in small_heap_browsers():
            os.kill(pid, signal.SIGKILL)
        checking.join(timeout=60)
    finally:
        small_heap.settings = saved
    assert results and results[0].check.status == "failed"
    assert results[0].check.error_kind == "browser"
    assert hostile.url("/late") in (results[0].check.error or "")


def test_renderer_out_of_memory_is_a_failed_page_check(
    local_engine: Engine, hostile: HostileSite, small_heap: BrowserSession
) -> None:
    watch_id = watch_on(local_engine, hostile.url("/eat-memory"), "greedy")
    result = run_check(local_engine, watch_id, small_heap)
    assert (result.check.status, result.check.error_kind) == ("failed", "page")
    assert "crashed" in (result.check.error or "")
    ok = watch_on(local_engine, hostile.url("/ok"), "after-crash")
    assert run_check(local_engine, ok, small_heap).check.status == "ok"  # same browser goes on


def test_meta_refresh_is_followed(
    local_engine: Engine, hostile: HostileSite, chromium: BrowserSession
) -> None:
    result = run_check(local_engine, watch_on(local_engine, hostile.url("/meta-refresh"), "m"),
                       chromium)
    assert result.check.status == "ok", result.check.error
    assert result.check.final_url == hostile.url("/ok")
    with Session(local_engine) as session:
        assert store.load_record(session, result.check).article.title == "Arrived"


def test_a_download_url_fails_saying_it_is_a_download(
    local_engine: Engine, hostile: HostileSite, chromium: BrowserSession,
    capsys: pytest.CaptureFixture[str],
) -> None:
    url = hostile.url("/report.pdf")
    result = run_check(local_engine, watch_on(local_engine, url, "pdf"), chromium)
    assert result.check.status == "failed" and result.check.error_kind == "page"
    assert result.check.error == (f"cannot load {url}: the URL is a download (application/pdf), "
                                  "not a page; give the address of the page that shows or links it")
    assert main(["capture", url]) == 1
    err = capsys.readouterr().err
    assert "the URL is a download (application/pdf), not a page" in err
    assert "Download is starting" not in err


@pytest.mark.parametrize("path", ["/refresh-loop", "/js-reload"])
def test_navigation_loops_fail_clearly(
    local_engine: Engine, hostile: HostileSite, chromium: BrowserSession, path: str
) -> None:
    result = run_check(local_engine, watch_on(local_engine, hostile.url(path), "loop"), chromium)
    # Either it held still long enough to be read, or it failed saying why: never a traceback.
    if result.check.status == "failed":
        assert result.check.error_kind == "page"
        assert "kept navigating" in (result.check.error or "")


def test_page_whose_load_never_fires_is_read_from_its_dom(
    local_engine: Engine, hostile: HostileSite, chromium: BrowserSession,
) -> None:
    from loguru import logger

    warnings: list[str] = []
    logger.enable("scraper")
    handler = logger.add(warnings.append, level="WARNING", format="{message}")
    try:
        result = run_check(local_engine, watch_on(local_engine, hostile.url("/never-loads"), "nl"),
                           chromium)
    finally:
        logger.remove(handler)
        logger.disable("scraper")
    assert result.check.status == "ok", result.check.error
    assert any("load event never fired" in w for w in warnings), warnings
    with Session(local_engine) as session:
        assert store.load_record(session, result.check).article.title == "Never loads"


def test_escape_sequences_from_the_server_never_reach_the_terminal(
    hostile: HostileSite, capsys: pytest.CaptureFixture[str]
) -> None:
    url = hostile.url("/error")
    code = main(["check", url])
    captured = capsys.readouterr()
    assert code == 1
    assert "\x1b" not in captured.out + captured.err and "\x07" not in captured.err
    assert r"HTTP 500 Oops\x1b[2J\x1b]52;c;cHduZWQ=\x07" in captured.err
    assert "Traceback" not in captured.err
    error_lines = [line for line in captured.err.splitlines() if line.startswith("error:")]
    assert len(error_lines) == 1 and "(http)" in error_lines[0]
    assert "WARNING" not in captured.err  # the failure is said once
    assert main(["history", "1", "--wide"]) == 0  # the whole error, not cut to the width
    shown = capsys.readouterr().out
    assert "\x1b" not in shown and "\\x1b" in shown
    assert main(["history", "1", "--json"]) == 0
    assert "\\u001b" not in capsys.readouterr().out  # stored escaped, not raw


def test_bidi_and_escapes_in_urls_and_names_are_shown_escaped(
    capsys: pytest.CaptureFixture[str],
) -> None:
    url = "http://127.0.0.1:9/a\x1b[2Jb"
    assert main(["watch", "add", url, "--name", "evil\u202egnp.exe"]) == 0
    for argv in (["watch", "list"], ["watch", "show", "1"]):
        assert main(argv) == 0
        shown = capsys.readouterr().out
        assert "\x1b" not in shown and "\u202e" not in shown
        assert "\\u202e" in shown and "\\x1b" in shown


def test_chromium_killed_under_the_daemon_is_a_failed_check_then_the_next_one_is_ok(
    hostile: HostileSite, home_db: Path
) -> None:
    hostile.add_page("/d", PAGES["/ok"])
    # One try only: the kill leaves a failed check (with retries, the next try would succeed).
    env = {**os.environ, "SCRAPER_DEADLINE": "20", "SCRAPER_TRIES": "1"}
    scraper = [sys.executable, "-m", "scraper"]
    # Rendered every time: with `render: auto` this server-rendered page would be fetched plainly.
    run_ok([*scraper, "watch", "add", hostile.url("/d"), "--every", "5s", "--name", "d",
            "--render", "always"], env=env)
    daemon = subprocess.Popen([*scraper, "run"], env=env, stderr=subprocess.DEVNULL)
    try:
        wait_until(lambda: statuses(home_db) == ["ok"], lambda: f"statuses {statuses(home_db)}",
                   timeout=60)
        hostile.add_page("/d", PAGES["/never-loads"])
        seen = hostile.requests("/d")
        assert hostile.wait_for_request("/d", seen + 1)  # the daemon is mid-check
        browsers = chromium_browsers(daemon.pid)
        assert browsers
        for pid in browsers:
            os.kill(pid, signal.SIGKILL)
        wait_until(lambda: "failed" in statuses(home_db), lambda: f"statuses {statuses(home_db)}",
                   timeout=60)
        hostile.add_page("/d", PAGES["/ok"])
        wait_until(lambda: statuses(home_db)[-1:] == ["ok"] and len(statuses(home_db)) > 2,
                   lambda: f"statuses {statuses(home_db)}", timeout=90)
        wait_until(lambda: not zombies(daemon.pid), lambda: f"zombies {zombies(daemon.pid)}")
        with sqlite3.connect(home_db) as conn:
            kinds = [k for (k,) in conn.execute("SELECT error_kind FROM checks WHERE status='failed'")]
        assert kinds and set(kinds) == {"browser"}
        daemon.send_signal(signal.SIGTERM)
        assert daemon.wait(timeout=60) == 0
    finally:
        stop(daemon)


def test_chromium_killed_under_scraper_check_is_one_line_and_a_failed_row(
    hostile: HostileSite, home_db: Path
) -> None:
    hostile.add_page("/c", PAGES["/gated"])  # loads, then waits for /gate (held): mid-render
    hostile.gate.clear()
    env = {**os.environ, "SCRAPER_DEADLINE": "30", "SCRAPER_TRIES": "1"}  # one try: a failed row
    scraper = [sys.executable, "-m", "scraper"]
    run_ok([*scraper, "watch", "add", hostile.url("/c"), "--name", "c"], env=env)
    held = hostile.requests("/gate (held)")
    check = subprocess.Popen([*scraper, "check", "c"], env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    try:
        assert hostile.wait_for_request("/gate (held)", held + 1)  # mid-check
        for pid in chromium_browsers(check.pid):
            os.kill(pid, signal.SIGKILL)
        out, err = check.communicate(timeout=90)
    finally:
        stop(check)
    assert check.returncode == 1
    assert err.count("\n") == 1 and err.startswith("error: watch 1 (c) check 1 failed: "), err
    assert "(browser)" in err and "Traceback" not in err and out == ""
    assert statuses(home_db) == ["failed"]
    hostile.gate.set()
    hostile.add_page("/c", PAGES["/ok"])
    again = subprocess.run([*scraper, "check", "c"], env=env, capture_output=True, text=True)
    assert again.returncode == 0, again.stderr
    assert statuses(home_db) == ["failed", "ok"]


@pytest.fixture
def home_db() -> Path:
    return Path(os.environ["SCRAPER_HOME"]) / "scraper.db"


def statuses(database: Path) -> list[str]:
    if not database.exists():
        return []
    with sqlite3.connect(database, timeout=30) as conn:
        return [s for (s,) in conn.execute("SELECT status FROM checks ORDER BY id")]


@pytest.mark.parametrize(("path", "unit"), [("/big", "bytes"), ("/grows", "characters")])
def test_a_page_over_max_html_fails_as_too_large(
    hostile: HostileSite, chromium: BrowserSession, monkeypatch: pytest.MonkeyPatch,
    path: str, unit: str,
) -> None:
    use_test_profiles(monkeypatch)
    filler = "<p>" + "words " * 4000 + "</p>"
    hostile.add_page("/big", PAGES["/ok"].replace("</body>", filler + "</body>"))  # said up front
    hostile.add_page("/grows", PAGES["/ok"].replace(  # small on the wire, big once drawn
        "</body>", "<script>document.body.insertAdjacentHTML('beforeend', "
                   "'<p>' + 'words '.repeat(4000) + '</p>')</script></body>"))
    with pytest.raises(JobFailed, match=f"page too large: [0-9,]+ {unit} of HTML .max_html is 10,000."):
        capture(hostile.url(path), profile="tiny-max-html", session=chromium, settings=load_settings())
    assert capture(hostile.url("/ok"), profile="tiny-max-html", session=chromium,
                   settings=load_settings()).article.title == "Arrived"


def test_output_dash_is_stdout_and_a_symlink_is_written_through(
    hostile: HostileSite, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["capture", hostile.url("/ok"), "--output", "-"]) == 0
    assert '"title": "Arrived"' in capsys.readouterr().out
    assert not Path("-").exists()
    real = tmp_path / "record.json"
    real.write_text("old")
    real.chmod(0o640)
    link = tmp_path / "latest.json"
    link.symlink_to(real)
    assert main(["capture", hostile.url("/ok"), "--output", str(link)]) == 0
    assert link.is_symlink() and '"title": "Arrived"' in real.read_text()
    assert real.stat().st_mode & 0o777 == 0o640  # the file it replaced kept its mode
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []
