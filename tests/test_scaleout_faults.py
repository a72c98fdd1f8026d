"""The scale-out (issue 22) when a part is lost: a worker killed or stopped mid-check, a dispatch
the broker delivers again after its commit, a Redis that loses what was queued. One scheduler
(`scraper run --executor dramatiq`) and `scraper worker` processes on a real redis-server, a real
PostgreSQL, real Chromium, real SMTP on loopback (tests/fixtures/scaleout.py); the dispatching
itself is tests/test_scaleout.py's.

Checks are held mid-render by the test site's gate (`HostileSite.gate`, the page fetches /gate), so
kills land at a known moment. Nothing sleeps to synchronise: each wait is for a condition (a
request seen, a row written, a notification heard, a process ended).
"""

from __future__ import annotations

import json
import signal
import time
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from scraper.store import Change, Outbox
from scraper.store import dispatch as dispatches
from tests.fixtures.scaleout import WAIT, Cluster, finished, kill_tree, no_browser
from tests.fixtures.smtp import SmtpServer
from tests.sites.hostile import ARTICLE, HostileSite
from tests.waiting import wait_until

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
    wait_until(lambda: client.llen("dramatiq:scraper-checks") == 4, "four messages queued", timeout=WAIT)
    client.close()
    cluster.redis.stop()  # everything queued is gone
    cluster.redis.start()  # an empty broker on the same address
    cluster.worker(2)
    code, output = finished(scheduler)
    assert code == 0, output
    assert sorted(c.watch_id for c in cluster.checks()) == sorted(ids), "each due watch once"


