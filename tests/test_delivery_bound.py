"""Every send is bounded (SCRAPER_SEND_TIMEOUT): a mail server that takes the message and never
confirms it, or a webhook that never answers, costs one send that long, recorded as a failed try
with a line that says so, and the outbox sends the report again later, once."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import Engine

from scraper.cli import main
from scraper.config.settings import load_settings
from scraper.demo.site import DemoSite
from scraper.reports.delivery import GIVE_UP_SLACK, deliver
from scraper.reports.outbox import now_utc
from tests.fixtures.hung import HungServer
from tests.fixtures.smtp import SmtpServer
from tests.test_reports_delivery import checked, comment_added, rows, watch

BOUND = 2.0  # seconds: SCRAPER_SEND_TIMEOUT in these tests
# Only a hang reaches it (ten times the bound, as the deadline tests; one failed once at 3x on a
# machine at load 26): before the bound, one report took 93 s (3 tries of 30 s).
CEILING = 10 * (BOUND + GIVE_UP_SLACK)


@pytest.fixture(autouse=True)
def _bound(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCRAPER_SEND_TIMEOUT", str(BOUND))


@pytest.fixture
def holding_smtp(monkeypatch: pytest.MonkeyPatch) -> Iterator[SmtpServer]:
    """A real SMTP server that takes MAIL, RCPT and DATA, then never answers the message."""
    server = SmtpServer().start()
    server.configure(monkeypatch)
    server.handler.hold = True
    try:
        yield server
    finally:
        server.stop()


def test_a_mail_server_that_never_confirms_the_message_costs_one_bounded_send(
    local_engine: Engine, holding_smtp: SmtpServer,
) -> None:
    checked(local_engine, watch(local_engine, "w", email="desk@example.org"), comment_added(1))
    started = time.monotonic()
    (outcome,) = deliver(local_engine, load_settings())
    took = time.monotonic() - started
    assert holding_smtp.handler.holding.is_set()  # the message was sent; its answer never came
    assert outcome.status == "queued"
    assert outcome.error == (f"SMTP server 127.0.0.1:{holding_smtp.port} did not answer in time "
                             "(SCRAPER_SEND_TIMEOUT); the report stays in the outbox")
    assert took < CEILING, took
    (row,) = rows(local_engine)
    assert (row.status, row.attempts) == ("queued", 1) and row.due_at is not None

    holding_smtp.handler.hold = False  # the server is itself again: the outbox's retry sends it
    later = now_utc() + timedelta(minutes=2)
    assert [o.status for o in deliver(local_engine, load_settings(), now=later)] == ["sent"]
    assert len(holding_smtp.wait_for(1)) == 1
    assert [o.status for o in deliver(local_engine, load_settings(), now=later)] == []  # once


def test_a_webhook_that_never_answers_costs_one_bounded_send(
    local_engine: Engine, hung: HungServer,
) -> None:
    checked(local_engine, watch(local_engine, "w", notify=[f"http://127.0.0.1:{hung.port}/"]),
            comment_added(1))
    started = time.monotonic()
    (outcome,) = deliver(local_engine, load_settings())
    took = time.monotonic() - started
    assert hung.connections == 1  # one try: no time was left for another within the bound
    assert outcome.status == "queued"
    assert outcome.error is not None and "did not answer in time (SCRAPER_SEND_TIMEOUT)" in outcome.error
    assert took < CEILING, took


def test_a_channel_with_waits_of_its_own_is_given_up_at_the_bound(
    local_engine: Engine, hung: HungServer, monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Apprise's json:// told to wait a minute for each answer: the send is given up at the bound.
    monkeypatch.setenv("HOOK", f"json://127.0.0.1:{hung.port}/?cto=60&rto=60")
    checked(local_engine, watch(local_engine, "w", notify=["${ENV:HOOK}"]), comment_added(1))
    started = time.monotonic()
    (outcome,) = deliver(local_engine, load_settings())
    took = time.monotonic() - started
    assert outcome.status == "queued"
    assert outcome.error is not None and f"within {BOUND:g}s (SCRAPER_SEND_TIMEOUT)" in outcome.error
    assert took < CEILING, took


@pytest.mark.browser
def test_check_send_on_a_hung_mail_server_is_bounded_and_says_so(
    holding_smtp: SmtpServer, demo_site: DemoSite, capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["watch", "add", demo_site.article_url, "--name", "desk",
                 "--email", "desk@example.org"]) == 0
    assert main(["check", "desk"]) == 0  # the base
    demo_site.add_comment("Ann", "A comment whose report meets a hung server.")
    capsys.readouterr()
    started = time.monotonic()
    code = main(["check", "desk", "--send"])
    took = time.monotonic() - started
    out, err = capsys.readouterr()
    assert code == 1  # the check is stored; its report is not out
    assert "did not answer in time (SCRAPER_SEND_TIMEOUT)" in out
    assert "1 report(s) could not be sent; they stay in the outbox" in err
    assert took < CEILING + load_settings().deadline, took  # the check, then one bounded send
    assert "Traceback" not in out + err
