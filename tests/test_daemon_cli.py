"""`scraper run` as people run it: --once, --log-format json, `scraper status`, and SIGTERM during
a check (no half-written row, no Chromium left)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import Session, select

from scraper import store
from scraper.browser.memory import descendants
from scraper.cli import main
from scraper.config.settings import load_settings
from scraper.store import open_db
from scraper.watches.operations import WatchSpec, add_watch
from tests.processes import run_ok
from tests.sites.hostile import HostileSite

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def site() -> Iterator[HostileSite]:
    with HostileSite() as hostile:
        yield hostile
        hostile.gate.set()  # let any held request end before the server stops


def test_run_once_checks_each_due_watch_then_status_shows_them(
    site: HostileSite, capsys: pytest.CaptureFixture[str],
) -> None:
    settings = load_settings()
    engine = open_db(settings)
    add_watch(engine, WatchSpec(url=site.url("/ok"), name="fine", every="1h"), settings)
    add_watch(engine, WatchSpec(url="http://127.0.0.1:9/refused", name="down", every="1h"), settings)
    add_watch(engine, WatchSpec(url=site.url("/ok?manual"), name="manual"), settings)  # no schedule
    assert main(["run", "--once", "--log-format", "json"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert sorted((d["watch"], d["status"]) for d in lines) == [("down", "failed"), ("fine", "baseline")]
    assert main(["run", "--once"]) == 0  # nothing is due an hour early
    assert capsys.readouterr().out == ""

    assert main(["status", "--json"]) == 0
    status = {w["name"]: w for w in json.loads(capsys.readouterr().out)["watches"]}
    assert status["fine"]["last_check"]["status"] == "ok" and status["fine"]["failing"] is None
    assert status["fine"]["next_run"] > status["fine"]["last_check"]["started_at"]
    assert status["down"]["failing"]["checks"] == 1
    assert status["manual"]["last_check"] is None and status["manual"]["next_run"] is None
    assert main(["status"]) == 0
    assert "fine" in capsys.readouterr().out


def test_sigterm_during_a_check_leaves_no_row_and_no_chromium(
    site: HostileSite, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    env = {**os.environ, "SCRAPER_HOME": str(tmp_path / "run-home"), "SCRAPER_GRACE": "1"}
    scraper = [sys.executable, "-m", "scraper"]
    run_ok([*scraper, "watch", "add", site.url("/gated"), "--every", "1h", "--name", "held"], env=env)
    held = site.requests("/gate (held)")
    proc = subprocess.Popen([*scraper, "run"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    watchdog = threading.Timer(120, proc.kill)
    watchdog.start()
    try:
        assert site.wait_for_request("/gate (held)", held + 1, timeout=90), "the check never started"
        tree = descendants(proc.pid) - {proc.pid}
        assert tree, "a browser runs under the daemon"
        proc.send_signal(signal.SIGTERM)
        out, errors = proc.communicate(timeout=60)
        assert proc.returncode == 0, errors
        assert "Traceback" not in errors
    finally:
        watchdog.cancel()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert "held  skipped" in out  # the check was cancelled, and said so
    left = [pid for pid in tree if _alive(pid)]
    assert left == [], "Chromium (or the driver) outlived the daemon"
    monkeypatch.setenv("SCRAPER_HOME", str(tmp_path / "run-home"))
    engine = open_db(load_settings())
    with Session(engine) as session:
        assert session.exec(select(store.Check)).all() == []  # cancelled: no row at all
        (watch,) = session.exec(select(store.Watch)).all()
        assert watch.lease_owner is None  # and the lease is released
    engine.dispose()


def _alive(pid: int) -> bool:
    """Running, not a zombie waiting for a parent that does not reap (PID 1 here)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"
