"""The scale-out (issue 22): one scheduler (`scraper run --executor dramatiq`) and `scraper worker`
processes on a real redis-server, a real PostgreSQL, real Chromium, real SMTP on loopback.

Checks are held mid-render by the test site's gate (`HostileSite.gate`, the page fetches /gate), so
kills land at a known moment. Nothing sleeps to synchronise: each wait is for a condition (a
request seen, a row written, a notification heard, a process ended).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from itertools import pairwise
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from scraper.store import Change, Outbox, upgrade
from scraper.store import dispatch as dispatches
from tests.fixtures.redis import RedisServer
from tests.fixtures.scaleout import (
    ROOT,
    WAIT,
    Cluster,
    Output,
    finished,
    kill_tree,
    no_browser,
    wait_until,
)
from tests.fixtures.smtp import SmtpServer
from tests.sites.hostile import ARTICLE, HostileSite

pytestmark = [pytest.mark.distributed, pytest.mark.postgres, pytest.mark.browser]

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


def changes_of(engine: Engine, kind: str) -> list[Change]:
    with Session(engine) as session:
        return list(session.exec(select(Change).where(Change.kind == kind)).all())


def outbox(engine: Engine) -> list[Outbox]:
    with Session(engine) as session:
        return list(session.exec(select(Outbox)).all())


def test_a_worker_killed_mid_check_loses_nothing_and_sends_nothing_twice(
    cluster: Cluster, site: HostileSite, smtp_server: SmtpServer,
) -> None:
    site.gate.clear()
    site.add_page("/killed", page("Killed"))
    watch_id = cluster.watch(site.url("/killed"), "killed", email="desk@example.org")
    completions = Completions(cluster.settings.database_url)
    first = cluster.worker(2)
    # The baseline, dispatched straight to the worker: no scheduler's start-up to wait for.
    enqueue(cluster.redis.url, watch_id, "baseline", 1)
    completions.wait_for("baseline", 1)
    assert [c.status for c in cluster.checks()] == ["ok"], "the baseline"
    cluster.age_checks(hours=2)  # due again: the baseline was two hours ago

    site.add_page("/killed", page("Killed", more=SECOND, gated=True))  # a new comment, held
    held = site.requests("/gate (held)")
    scheduler = cluster.scraper("run", "--executor", "dramatiq", "--once", env=no_browser())
    assert site.wait_for_request("/gate (held)", held + 1, timeout=WAIT), "the check never started"
    kill_tree(first)  # with its browser, mid-render
    site.gate.set()
    cluster.worker(2)  # the other worker, which gets the dispatch again once it is written off
    code, output = finished(scheduler)
    assert code == 0, output
    assert "dispatching it again" in output, output

    checks = cluster.checks()
    assert [c.status for c in checks] == ["ok", "ok"], [(c.status, c.error) for c in checks]
    added = changes_of(cluster.engine, "comment_added")
    assert len(added) == 1 and added[0].watch_id == watch_id
    rows = outbox(cluster.engine)
    assert len(rows) == 1 and rows[0].check_id == checks[1].id, "one outbox row for one target"
    mails = smtp_server.wait_for(1)
    assert [m.message["Message-ID"] for m in mails] == [rows[0].message_id]


def enqueue(redis_url: str, watch_id: int, dispatch_id: str, times: int) -> None:
    """What the broker delivers when a worker dies after its commit and before its ack: the same
    dispatch again."""
    from dramatiq import Message

    from scraper.daemon.broker import ACTOR, QUEUE, make_broker

    broker = make_broker(redis_url)
    try:
        for _ in range(times):
            broker.enqueue(Message(queue_name=QUEUE, actor_name=ACTOR, args=(watch_id, dispatch_id, None),
                                   kwargs={}, options={"max_age": 60_000}))
    finally:
        broker.close()


class Completions:
    """The completions the workers send (LISTEN on the scheduler's channel)."""

    def __init__(self, url: str) -> None:
        conninfo = url.replace("postgresql+psycopg://", "postgresql://")
        self.connection = psycopg.connect(conninfo, autocommit=True)
        self.connection.execute(f"LISTEN {dispatches.CHANNEL}")
        self.heard: list[dict[str, Any]] = []

    def wait_for(self, dispatch_id: str, count: int) -> list[dict[str, Any]]:
        give_up = time.monotonic() + WAIT
        while sum(n["id"] == dispatch_id for n in self.heard) < count:
            left = give_up - time.monotonic()
            assert left > 0, f"{count} completions of {dispatch_id}: heard {self.heard}"
            for note in self.connection.notifies(timeout=left, stop_after=1):
                self.heard.append(json.loads(note.payload))
        return [n for n in self.heard if n["id"] == dispatch_id]


def test_a_dispatch_delivered_again_after_its_commit_writes_nothing(
    cluster: Cluster, site: HostileSite,
) -> None:
    site.gate.set()
    site.add_page("/again", page("Again"))
    watch_id = cluster.watch(site.url("/again"), "again", email="desk@example.org")
    failing_id = cluster.watch(site.url("/error"), "failing")
    completions = Completions(cluster.settings.database_url)
    cluster.worker(2)
    enqueue(cluster.redis.url, watch_id, "baseline", 1)
    completions.wait_for("baseline", 1)
    site.add_page("/again", page("Again", more=SECOND))
    for dispatch_id, which in (("changed", watch_id), ("failed", failing_id)):
        enqueue(cluster.redis.url, which, dispatch_id, 1)
        completions.wait_for(dispatch_id, 1)  # committed (the completion is sent at commit)
        enqueue(cluster.redis.url, which, dispatch_id, 1)  # ... and delivered again
        notes = completions.wait_for(dispatch_id, 2)
        assert all(n["skipped"] is None for n in notes), notes  # both say: the row is there

    checks = cluster.checks()
    assert [(c.watch_id, c.dispatch_id) for c in checks] == [
        (watch_id, "baseline"), (watch_id, "changed"), (failing_id, "failed")]
    assert len(changes_of(cluster.engine, "comment_added")) == 1
    assert len(outbox(cluster.engine)) == 1, "one report"
    assert sum(c.status == "failed" for c in checks) == 1, "the failure streak counted once"


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
    wait_until(lambda: any("standing by" in o.text() for o in outputs), "a scheduler standing by")
    which = next(n for n, o in enumerate(outputs) if "standing by" in o.text())
    active, standby, said = both[1 - which], both[which], outputs[which]
    wait_until(lambda: len(cluster.checks()) == 3, "the active scheduler's first checks")
    # Added now, seen by the scheduler that syncs next: the one taking over, at its start.
    late = cluster.watch(site.url("/ok?s=late"), "late")
    kill_tree(active)
    killed = time.monotonic()
    took_over = said.wait_for("taking over") - killed
    assert took_over < 10, f"took over {took_over:.1f}s after the active scheduler died (bound 10 s)"
    wait_until(lambda: any(c.watch_id == late for c in cluster.checks()), "the new scheduler's check")
    kill_tree(standby, signal.SIGTERM)
    assert standby.returncode == 0, said.text()
    counts = {i: sum(c.watch_id == i for c in cluster.checks()) for i in [*ids, late]}
    assert counts == dict.fromkeys([*ids, late], 1), "no watch checked twice within its interval"


def test_sigterm_to_a_worker_mid_check_sends_the_check_back_at_once(
    cluster: Cluster, site: HostileSite, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SCRAPER_DEADLINE", "30")  # the held check outlasts the worker's grace
    monkeypatch.setenv("SCRAPER_GRACE", "2")  # ... which is all this test waits on before the cancel
    site.gate.clear()
    site.add_page("/held", page("Held", gated=True))
    watch_id = cluster.watch(site.url("/held"), "held")
    first = cluster.worker(2)
    held = site.requests("/gate (held)")
    scheduler = cluster.scraper("run", "--executor", "dramatiq", "--once", env=no_browser())
    assert site.wait_for_request("/gate (held)", held + 1, timeout=WAIT), "the check never started"
    cluster.worker(2)  # starting while the first stops: it takes the check sent back
    first.send_signal(signal.SIGTERM)
    code, worker_output = finished(first)
    assert code == 0, worker_output
    site.gate.set()
    code, output = finished(scheduler)
    assert code == 0, output
    assert "stopped mid-check; dispatching it again" in output, output + worker_output
    assert "after its dispatch" not in output, "sent back at once, not after the write-off"
    assert [(c.watch_id, c.status) for c in cluster.checks()] == [(watch_id, "ok")]


def test_redis_lost_with_messages_queued_every_due_watch_is_checked_once(
    cluster: Cluster, site: HostileSite,
) -> None:
    import redis

    site.gate.set()
    ids = [cluster.watch(site.url(f"/ok?r={n}"), f"r{n}") for n in range(4)]
    scheduler = cluster.scraper("run", "--executor", "dramatiq", "--once", "--workers", "4",
                                env=no_browser())
    client = redis.Redis.from_url(cluster.redis.url)
    wait_until(lambda: client.llen("dramatiq:scraper-checks") == 4, "four messages queued")
    client.close()
    cluster.redis.stop()  # everything queued is gone
    cluster.redis.start()  # an empty broker on the same address
    cluster.worker(2)
    code, output = finished(scheduler)
    assert code == 0, output
    assert sorted(c.watch_id for c in cluster.checks()) == sorted(ids), "each due watch once"


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
