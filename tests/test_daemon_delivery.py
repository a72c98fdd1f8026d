"""Report delivery is a job of its own in the daemon: a mail server that hangs holds the delivery's
thread, never a check slot, and the checks of other watches go on meanwhile."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from scraper.browser import BrowserSession
from scraper.config.settings import load_settings
from scraper.daemon.executor import CheckOutcome
from scraper.daemon.scheduler import WatchScheduler
from scraper.demo.site import DemoSite
from scraper.pipeline.check import run_check
from scraper.store import Outbox
from scraper.watches.operations import WatchSpec, add_watch
from tests.fixtures.hung import LOOPBACK, HungServer
from tests.test_scheduler import every_second

pytestmark = pytest.mark.browser

WAIT = 150.0  # seconds: the bound on each wait below, should the daemon hang


class HungSmtp(HungServer):
    """A mail server on loopback that accepts connections and never says a word (no greeting):
    a client waits on it until its own timeout."""


@pytest.fixture
def hung_smtp(monkeypatch: pytest.MonkeyPatch) -> Iterator[HungSmtp]:
    server = HungSmtp()
    monkeypatch.setenv("SCRAPER_SMTP_HOST", LOOPBACK)
    monkeypatch.setenv("SCRAPER_SMTP_PORT", str(server.port))
    monkeypatch.setenv("SCRAPER_SMTP_SECURITY", "none")
    # The hang lasts as long as the send may (default 30 s), and the daemon's shutdown waits it out:
    # 15 s still holds the delivery across several of the other watch's 1-second rounds.
    monkeypatch.setenv("SCRAPER_SEND_TIMEOUT", "15")
    try:
        yield server
    finally:
        server.stop()


class DuringHang:
    """The daemon's listener: keeps, per watch, the checks that started and ended while the mail
    server held the first delivery (the one a check's report started)."""

    def __init__(self, server: HungSmtp) -> None:
        self.server = server
        self.outcomes: list[CheckOutcome] = []
        self.during: dict[int, list[CheckOutcome]] = {}
        self.changed = threading.Condition()

    def __call__(self, outcome: CheckOutcome) -> None:
        opened, closed = self.server.first_hang()
        with self.changed:
            self.outcomes.append(outcome)
            if opened is not None and closed is None and outcome.started > opened \
                    and outcome.result is not None:
                self.during.setdefault(outcome.task.watch_id, []).append(outcome)
            self.changed.notify_all()


@pytest.mark.timeout(2 * WAIT + 60)  # its own bounds speak first: two waits of WAIT, a 30 s grace
def test_a_hung_mail_server_holds_the_delivery_and_never_a_check_slot(
    local_engine: Engine, chromium: BrowserSession, demo_site: DemoSite, hung_smtp: HungSmtp,
) -> None:
    settings = load_settings()
    reported = add_watch(local_engine, WatchSpec(url=demo_site.article_url, name="reported",
                                                 email="desk@example.org", every="5s"), settings)
    other = add_watch(local_engine, WatchSpec(url=demo_site.article_url, name="other", every="5s"),
                      settings, allow_duplicate=True)
    assert reported.id is not None and other.id is not None
    for watch_id in (reported.id, other.id):
        every_second(local_engine, watch_id)
    assert run_check(local_engine, reported.id, chromium).baseline  # its next check: in 1 s
    demo_site.add_comment("Ann", "A comment whose report meets a hung server.")

    listener = DuringHang(hung_smtp)
    # One worker: a delivery run in a check's thread would leave no slot for any other check.
    sched = WatchScheduler(local_engine, chromium, workers=1, settings=settings,
                           reload_every=3600, on_check=listener)
    sched.start()
    try:
        with hung_smtp.changed:  # the report's delivery reached the server, which hangs
            assert hung_smtp.changed.wait_for(lambda: hung_smtp.spans, WAIT), "no delivery came"
        with listener.changed:  # and meanwhile the other watch is checked, again and again
            listener.changed.wait_for(lambda: len(listener.during.get(other.id or 0, [])) >= 2
                                      or hung_smtp.first_hang()[1] is not None, WAIT)
            assert len(listener.during.get(other.id or 0, [])) >= 2, \
                [(o.task.name, o.skipped) for o in listener.outcomes]
        assert all(o.result.check.status == "ok" for o in listener.during[other.id]
                   if o.result is not None)
        with Session(local_engine) as session:  # the report is not sent: it waits in the outbox
            assert [row.status for row in session.exec(select(Outbox)).all()] == ["queued"]
    finally:
        assert sched.shutdown(grace=30)  # every check finished by itself, delivery or not
    assert [o.skipped for o in listener.outcomes if o.skipped] == []
    hung_smtp.stop()  # the delivery's connection ends: its thread ends too
    assert sched.delivery.join(30)
