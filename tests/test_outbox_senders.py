"""Several senders on one outbox, each a process of its own (issue 22, test 5), and the database's
clock for claims and leases.

Three `scraper outbox retry` processes (an operator's command on three machines, or beside the
scheduler's delivery job: the same `deliver`) send 30 queued reports to a real SMTP server on
loopback, against SQLite and PostgreSQL. The server holds the first messages until three are in
at once, so the three senders really send at the same time. Every Message-ID arrives once, and
each recipient gets its reports in the order they were queued.

A process whose clock is ten minutes ahead (`faketime`) works against PostgreSQL as if its clock
were right: it cannot take a lease or an outbox row another process still holds, since both are
stamped and compared in the database's time; so are a report's sent time and the schedulers'
heartbeats, which the dashboard on another machine ages. A worker that far off refuses to start.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from scraper import store
from scraper.reports.outbox import LEASE, claim
from scraper.store import Heartbeat, Watch, lease
from scraper.store.clock import engine_now
from scraper.store.heartbeat import stale
from tests.cli import run_json
from tests.fixtures.smtp import SmtpServer
from tests.processes import stop
from tests.test_reports_delivery import checked, comment_added, rows, watch

ROOT = Path(__file__).resolve().parent.parent
SENDERS = 3
RECIPIENTS = ("ann@example.org", "bob@example.org", "cat@example.org")
REPORTS = 30
WAIT = 120.0  # seconds a sender may take (30 sends on a busy machine), far above what it needs
SKEW = "+10m"  # the faked clock: beyond the outbox's lease (5 min), so a local clock would steal
SEND_TIMEOUT = "120"  # seconds: the gate holds the first sends (GATE_WAIT at most), within this


def scraper(db_url: str, *args: str, clock: str | None = None) -> subprocess.Popen[str]:
    """`scraper ARGS` in a process of its own, on `db_url`; `clock`: its clock off by this much."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SCRAPER_DATABASE_URL": db_url,
           "SCRAPER_SEND_TIMEOUT": SEND_TIMEOUT}
    command = [sys.executable, "-m", "scraper", *args]
    if clock is not None:
        command = ["faketime", "-f", clock, *command]
    return subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def outcomes(process: subprocess.Popen[str]) -> list[dict[str, object]]:
    try:
        out, err = process.communicate(timeout=WAIT)
    finally:
        stop(process)
    assert process.returncode == 0, f"exit {process.returncode}: {err}"
    found: list[dict[str, object]] = json.loads(out)
    return found


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = store.open_store(db_url, auto_upgrade=True)
    try:
        yield engine
    finally:
        engine.dispose()


@pytest.mark.timeout(300)  # three processes starting on a busy machine, then 30 sends
def test_three_senders_send_each_report_once_in_order_per_recipient(
    engine: Engine, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = SmtpServer(gate=SENDERS).start()
    server.configure(monkeypatch)
    try:
        watches = {to: watch(engine, to.split("@")[0], email=to) for to in RECIPIENTS}
        order = [to for to in RECIPIENTS for _ in range(REPORTS // len(RECIPIENTS))]
        random.Random(22).shuffle(order)  # the recipients' reports interleaved, as checks queue them
        for n, to in enumerate(order):
            checked(engine, watches[to], comment_added(n))
        queued = rows(engine)
        assert [r.target for r in queued] == order

        senders = [scraper(db_url, "outbox", "retry", "--json") for _ in range(SENDERS)]
        results = [outcomes(process) for process in senders]
        received = server.wait_for(REPORTS)
    finally:
        server.stop()

    assert server.handler.peak == SENDERS, (
        f"{server.handler.peak} of the {SENDERS} senders were sending at once (the gate waits for all)")
    sent_by = [[o["id"] for o in result if o["status"] == "sent"] for result in results]
    assert all(sent_by), f"each sender sent some: {sent_by}"
    assert sorted(i for ids in sent_by for i in ids) == [r.id for r in queued], (
        f"every report sent by exactly one sender: {sent_by}")
    ids = Counter(str(m.message["Message-ID"]) for m in received)
    assert ids == Counter(r.message_id for r in queued), "each Message-ID received once"
    for to in RECIPIENTS:
        got = [str(m.message["Message-ID"]) for m in received if m.recipients == [to]]
        assert got == [r.message_id for r in queued if r.target == to], f"{to}: in the queued order"
    assert {(r.status, r.attempts) for r in rows(engine)} == {("sent", 1)}


def test_a_later_report_waits_for_its_targets_earlier_one(engine: Engine) -> None:
    """The claim itself keeps a recipient's order: a sender that tries a later row while an earlier
    one is being sent elsewhere (or backing off) does not get it."""
    watch_id = watch(engine, "w", email="desk@example.org")
    for n in range(2):
        checked(engine, watch_id, comment_added(n))
    earlier, later = rows(engine)
    assert earlier.id is not None and later.id is not None
    assert claim(engine, earlier.id) is not None  # another sender is sending it
    assert claim(engine, later.id) is None
    assert claim(engine, later.id, engine_now(engine) + LEASE + timedelta(seconds=1)) is None, (
        "an earlier row whose claim lapsed is sent again first, not skipped")


def test_retrying_one_report_sends_its_targets_earlier_ones_first(
    engine: Engine, db_url: str, smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    watch_id = watch(engine, "w", email="desk@example.org")
    for n in range(3):
        checked(engine, watch_id, comment_added(n))
    queued = rows(engine)
    monkeypatch.setenv("SCRAPER_DATABASE_URL", db_url)
    sent = run_json(capsys, "outbox", "retry", str(queued[-1].id))
    assert [(o["id"], o["status"]) for o in sent] == [(r.id, "sent") for r in queued]
    received = smtp_server.wait_for(len(queued))
    assert [str(m.message["Message-ID"]) for m in received] == [r.message_id for r in queued]


# --- the database's clock ---------------------------------------------------------------------------

@pytest.fixture
def pg_engine(pg_url: str) -> Iterator[tuple[Engine, str]]:
    if shutil.which("faketime") is None:
        pytest.fail("faketime not found: `apt-get install faketime` (scripts/bootstrap.sh --test)")
    engine = store.open_store(pg_url, auto_upgrade=True)
    try:
        yield engine, pg_url
    finally:
        engine.dispose()


TAKE_LEASE = """
import json, sys
from datetime import UTC, datetime
from scraper.store import lease, make_engine
engine = make_engine(sys.argv[1])
taken = lease.try_acquire(engine, int(sys.argv[2]), "skewed", 60)
print(json.dumps({"local": datetime.now(UTC).isoformat(), "taken": taken}))
"""


def skewed_lease(url: str, watch_id: int) -> tuple[datetime, bool]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(["faketime", "-f", SKEW, sys.executable, "-c", TAKE_LEASE, url, str(watch_id)],
                          env=env, cwd=ROOT, capture_output=True, text=True, timeout=WAIT, check=False)
    assert done.returncode == 0, done.stderr
    said = json.loads(done.stdout)
    return datetime.fromisoformat(said["local"]), bool(said["taken"])


def test_a_clock_ten_minutes_ahead_cannot_take_a_live_lease(pg_engine: tuple[Engine, str]) -> None:
    engine, url = pg_engine
    watch_id = watch(engine, "w")
    assert lease.try_acquire(engine, watch_id, "here", 60)  # held for a minute of the database's time

    local, taken = skewed_lease(url, watch_id)
    db_now = engine_now(engine)
    assert local - db_now > timedelta(minutes=9), f"the process's clock is faked ({local} vs {db_now})"
    assert not taken, "a clock ahead of the lease's end must not take it"
    assert lease.holder(engine, watch_id)[0] == "here"

    lease.release(engine, watch_id, "here")
    assert skewed_lease(url, watch_id)[1]  # free: the skewed process takes it...
    with Session(engine) as session:
        until = session.get_one(Watch, watch_id).lease_until
    assert until is not None
    # ...until the database's time + 60 s, not its own clock's (ten minutes later)
    assert until - engine_now(engine) < timedelta(seconds=60 + 30), until


def test_a_clock_ten_minutes_ahead_cannot_send_a_claimed_report(
    pg_engine: tuple[Engine, str], smtp_server: SmtpServer
) -> None:
    engine, url = pg_engine
    checked(engine, watch(engine, "w", email="desk@example.org"), comment_added(1))
    (row,) = rows(engine)
    assert row.id is not None
    assert claim(engine, row.id) is not None  # a sender on a machine with a right clock holds it

    assert outcomes(scraper(url, "outbox", "retry", "--json", clock=SKEW)) == []
    assert smtp_server.received == []

    with Session(engine) as session:  # that sender is gone: its claim lapses, in the database's time
        held = session.get_one(store.Outbox, row.id)
        held.claimed_until = engine_now(engine) - timedelta(seconds=1)
        session.add(held)
        session.commit()
    sent = outcomes(scraper(url, "outbox", "retry", "--json", clock=SKEW))
    assert [(o["id"], o["status"]) for o in sent] == [(row.id, "sent")]
    assert len(smtp_server.wait_for(1)) == 1
    with Session(engine) as session:
        sent_at = session.get_one(store.Outbox, row.id).sent_at
    assert sent_at is not None
    assert abs(sent_at - engine_now(engine)) < timedelta(minutes=5), (
        f"sent at {sent_at}: stamped in the database's time, not the sender's clock ({SKEW})")


# A scheduler's beat and the dashboard's look at it, each in a process of its own.
BEAT = """
import sys
from scraper.config.settings import load_settings
from scraper.daemon.scheduler import WatchScheduler
from scraper.store import make_engine

class NoChecks:  # the beat runs no check
    def submit(self, task, done): raise AssertionError("no check runs here")
    def cancel(self): pass
    def shutdown(self): pass

WatchScheduler(make_engine(sys.argv[1]), executor=NoChecks(), settings=load_settings(), workers=1).beat()
"""
NOTICE = """
import json, sys
from scraper.service.heartbeat import scheduler_notice
from scraper.store import make_engine
print(json.dumps(scheduler_notice(make_engine(sys.argv[1]))))
"""


def skewed(script: str, url: str, clock: str) -> str:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(["faketime", "-f", clock, sys.executable, "-c", script, url],
                          env=env, cwd=ROOT, capture_output=True, text=True, timeout=WAIT, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.parametrize(("scheduler", "dashboard"), [("-10m", None), (None, SKEW)],
                         ids=["scheduler-behind", "dashboard-ahead"])
def test_a_beating_scheduler_is_seen_whatever_the_clocks_say(
    pg_engine: tuple[Engine, str], scheduler: str | None, dashboard: str | None
) -> None:
    """The heartbeat is stamped and aged in the database's time: a scheduler whose clock is ten
    minutes behind, or a dashboard whose clock is ten minutes ahead, still shows it running (on
    the local clocks its beat would be five of its two-minute bounds old)."""
    engine, url = pg_engine
    watch(engine, "w", every="15m")
    skewed(BEAT, url, scheduler or "+0")
    said = json.loads(skewed(NOTICE, url, dashboard or "+0"))
    assert said is None, f"the dashboard (clock {dashboard or 'right'}) says: {said}"
    with Session(engine) as session:
        (row,) = session.exec(select(Heartbeat)).all()
        assert abs(row.seen_at - engine_now(engine)) < timedelta(minutes=1), (
            f"beat at {row.seen_at}: in the database's time, not the scheduler's clock ({scheduler})")
        assert stale(session, row, row.seen_at + timedelta(seconds=2 * row.interval + 1)), (
            "two beats missed in the database's time: gone")


@pytest.mark.parametrize("command", [["worker"], ["run", "--executor", "dramatiq"]],
                         ids=["worker", "scheduler"])
def test_a_worker_or_scheduler_whose_clock_is_off_refuses_to_start(
    pg_engine: tuple[Engine, str], command: list[str]
) -> None:
    """A worker stamps its checks with its own clock and the scheduler plans from them with its
    own: beyond MAX_SKEW (2 s) off the database's, either refuses (exit 2), naming the fix."""
    _, url = pg_engine
    worker = scraper(url, *command, clock=SKEW)
    try:
        out, err = worker.communicate(timeout=WAIT)
    finally:
        stop(worker)
    assert worker.returncode == 2, f"exit {worker.returncode}: {out}{err}"
    assert re.search(r"this machine's clock is \+(599|600)\.\ds off the database's \(at most 2s\)", err), err
    assert "timedatectl set-ntp true" in err, err
    assert "Traceback" not in out + err
