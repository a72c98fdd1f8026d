"""The scale-out (issue 22): one scheduler (`scraper run --executor dramatiq`) and `scraper worker`
processes on a real redis-server, a real PostgreSQL, real Chromium (tests/fixtures/scaleout.py):
each due watch dispatched and checked once, a standby scheduler, the host cap and gap across
workers, a profile file sent as its text, and the refusals. What happens when a worker or the broker
is lost is tests/test_scaleout_faults.py's (two modules: `--dist loadfile` runs each whole on one
worker, and the two take about as long).

Nothing sleeps to synchronise: each wait is for a condition (a request seen, a row written, a
process ended).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from itertools import pairwise
from pathlib import Path

import pytest

from scraper.store import upgrade
from tests.fixtures.redis import RedisServer
from tests.fixtures.scaleout import ROOT, WAIT, Cluster, Output, finished, kill_tree, no_browser
from tests.sites.hostile import HostileSite
from tests.waiting import wait_until

pytestmark = [pytest.mark.distributed, pytest.mark.postgres, pytest.mark.browser]


@pytest.fixture(scope="module")
def site() -> Iterator[HostileSite]:
    with HostileSite() as hostile:
        yield hostile


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


def test_refusals_name_their_fix(
    pg_url: str, redis_server: RedisServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SCRAPER_BROKER_URL": redis_server.url}

    def scraper(*args: str, **extra: str) -> subprocess.Popen[str]:
        return subprocess.Popen([sys.executable, "-m", "scraper", *args], env={**env, **extra},
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

    upgrade(pg_url, "0008")  # a database a revision behind this code
    # All started at once, each refused on its own: the interpreters start in parallel.
    on_sqlite = [scraper(*args) for args in (("run", "--executor", "dramatiq", "--once"), ("worker",))]
    behind = scraper("worker", SCRAPER_DATABASE_URL=pg_url)
    nomad = scraper("run", "--executor", "nomad", "--once")
    serve = scraper("serve", "--with-scheduler", SCRAPER_EXECUTOR="dramatiq")
    for process in on_sqlite:  # the embedded SQLite
        code, output = finished(process)
        assert code == 2 and "needs PostgreSQL" in output and "SCRAPER_DATABASE_URL" in output, output
        assert "Traceback" not in output
    code, output = finished(behind)
    assert code == 2 and "scraper db upgrade" in output, output
    code, output = finished(nomad)
    assert code == 2 and "local or dramatiq" in output, output
    code, output = finished(serve)
    assert code == 2 and "scraper run --executor dramatiq" in output, output


def test_a_worker_with_another_evidence_key_refuses_evidence_checks(
    cluster: Cluster, site: HostileSite, tmp_path: Path,
) -> None:
    site.gate.set()
    watch_id = cluster.watch(site.url("/ok?evidence"), "evidence", evidence_on_change=True)
    plain_id = cluster.watch(site.url("/ok?plain"), "plain")
    cluster.worker(2, env={"SCRAPER_HOME": str(tmp_path / "elsewhere")})  # a key of its own, or none
    code, output = finished(cluster.scraper("run", "--executor", "dramatiq", "--once", env=no_browser()))
    assert code == 0, output
    assert "differs from the scheduler's" in output and "keys folder" in output, output
    assert [c.watch_id for c in cluster.checks()] == [plain_id], "nothing written for the refused"
    assert watch_id != plain_id


def test_a_second_scheduler_stands_by_and_takes_over(cluster: Cluster, site: HostileSite) -> None:
    site.gate.set()
    ids = [cluster.watch(site.url(f"/ok?s={n}"), f"s{n}") for n in range(3)]
    cluster.worker(2)
    # Both started at once: the one that takes the lock is active, the other says it stands by.
    both = [cluster.scraper("run", "--executor", "dramatiq", env=no_browser()) for _ in range(2)]
    outputs = [Output(process) for process in both]
    wait_until(lambda: any("standing by" in o.text() for o in outputs), "a scheduler standing by",
               timeout=WAIT)
    which = next(n for n, o in enumerate(outputs) if "standing by" in o.text())
    active, standby, said = both[1 - which], both[which], outputs[which]
    wait_until(lambda: len(cluster.checks()) == 3, "the active scheduler's first checks", timeout=WAIT)
    # Added now, seen by the scheduler that syncs next: the one taking over, at its start.
    late = cluster.watch(site.url("/ok?s=late"), "late")
    kill_tree(active)
    killed = time.monotonic()
    took_over = said.wait_for("taking over") - killed
    assert took_over < 10, f"took over {took_over:.1f}s after the active scheduler died (bound 10 s)"
    wait_until(lambda: any(c.watch_id == late for c in cluster.checks()), "the new scheduler's check",
               timeout=WAIT)
    kill_tree(standby, signal.SIGTERM)
    assert standby.returncode == 0, said.text()
    counts = {i: sum(c.watch_id == i for c in cluster.checks()) for i in [*ids, late]}
    assert counts == dict.fromkeys([*ids, late], 1), "no watch checked twice within its interval"


def test_host_cap_and_gap_hold_across_three_workers(
    cluster: Cluster, site: HostileSite, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SCRAPER_HOST_CAP", "2")
    monkeypatch.setenv("SCRAPER_HOST_GAP", "1")
    site.gate.set()
    for n in range(6):
        cluster.watch(site.url(f"/polite?n={n}"), f"p{n}")
    outputs = [Output(cluster.worker(2)) for _ in range(3)]
    for said in outputs:  # warm: the gaps the site sees are the scheduler's, not a launch's
        said.wait_for("worker running")
    code, output = finished(cluster.scraper("run", "--executor", "dramatiq", "--once", "--workers",
                                            "6", env=no_browser()))
    assert code == 0, output
    assert len(cluster.checks()) == 6
    # Each check, as the site saw it: from its page's request to the end of the page's /linger.
    log = site.log()
    spans = []
    for n in range(6):
        start = min(s for path, s, _ in log if path == f"/polite?n={n}")
        end = max(e for path, _, e in log if path == f"/linger?n={n}")
        spans.append((start, end))
    events = sorted([(s, 1) for s, _ in spans] + [(e, -1) for _, e in spans])
    level = peak = 0
    for _, step in events:
        level += step
        peak = max(peak, level)
    assert peak <= 2, f"{peak} checks of one host at once (cap 2)"
    starts = sorted(s for s, _ in spans)
    # The scheduler spaces its dispatches by the gap; between a dispatch and its page request a
    # worker takes the message and opens a context, which varies by a fraction of a second on a
    # busy machine: the site sees each gap less that jitter (allowed: 0.75 s), and five of them.
    gaps = [b - a for a, b in pairwise(starts)]
    assert min(gaps) >= 0.25, f"page requests {min(gaps):.2f}s apart (gap 1 s, jitter 0.75 s)"
    assert starts[-1] - starts[0] >= 5 * 1.0 - 0.75, f"six starts within {starts[-1] - starts[0]:.2f}s"


def test_the_doctor_checks_the_broker_the_clock_and_the_shared_folder(cluster: Cluster) -> None:
    from scraper.doctor.distributed import check_scale_out
    from scraper.evidence import signing

    assert check_scale_out(replace(cluster.settings, executor="local")) == ()
    settings = replace(cluster.settings, executor="dramatiq")
    broker, clock, shared = check_scale_out(settings)
    assert broker.ok and clock.ok, (broker, clock)
    assert abs(clock.facts["skew_seconds"]) <= 2
    assert not shared.ok and "no evidence key" in shared.detail, shared
    signing.load_or_create(settings.keys_dir)  # what the scheduler makes at its start
    assert check_scale_out(settings)[2].ok
    cluster.redis.stop()
    broker = check_scale_out(settings)[0]
    assert not broker.ok and broker.fix and "SCRAPER_BROKER_URL" in broker.fix
    assert cluster.redis.url not in broker.detail


def test_a_watch_profile_file_travels_as_its_text(
    cluster: Cluster, site: HostileSite, tmp_path: Path,
) -> None:
    site.gate.set()
    mine = tmp_path / "only-here" / "quick-here.yaml"
    mine.parent.mkdir()
    mine.write_text("name: quick-here\nextends: generic\nready:\n  network_idle: false\n"
                    "  required: false\n", encoding="utf-8")
    watch_id = cluster.watch(site.url("/ok?profile"), "profiled", profile=str(mine))
    mine.unlink()  # the scheduler's machine had it; the worker's has not
    cluster.worker(1, env={"SCRAPER_HOME": str(tmp_path / "worker-home")})
    code, output = finished(cluster.scraper("run", "--executor", "dramatiq", "--once", env=no_browser()))
    assert code == 0, output
    [check] = cluster.checks()
    assert (check.watch_id, check.status, check.profile) == (watch_id, "ok", "quick-here"), check.error
