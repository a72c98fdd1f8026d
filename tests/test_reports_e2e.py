"""Change reports end to end: the demo site changes, a real check (Chromium) stores the changes
and queues the report in the same transaction, and the delivery sends it to a real SMTP server.
The HTML part is then opened in the real Chromium."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import lxml.html
import pytest
from playwright.async_api import Browser
from sqlalchemy import Engine
from sqlmodel import Session, select

from scraper.browser import BrowserSession
from scraper.cli import main
from scraper.config.settings import load_settings
from scraper.demo import seed
from scraper.demo.site import DemoSite
from scraper.evidence.on_change import EvidenceOnChange
from scraper.pipeline.check import run_check
from scraper.reports.delivery import deliver
from scraper.reports.outbox import LEASE
from scraper.store import Outbox
from scraper.watches.operations import WatchSpec, add_watch
from tests.fixtures.smtp import Received, SmtpServer
from tests.fixtures.tsa import Tsa

pytestmark = pytest.mark.browser

P3_OLD = seed.PARAGRAPHS[1]
P3_NEW = P3_OLD.replace("an official visit", "a two-day visit")
EDITED = "Reblogged this on World Peace Forum and on Peace News."
DEADLINE = 30.0


def watched(engine: Engine, url: str) -> int:
    watch = add_watch(engine, WatchSpec(url=url, name="lavrov", email="desk@example.org"), load_settings())
    assert watch.id is not None
    return watch.id


def parts(received: Received) -> tuple[str, str]:
    message = received.message
    text, html = message.get_body(("plain",)), message.get_body(("html",))
    assert text is not None and html is not None
    return str(text.get_content()).replace("\r\n", "\n"), str(html.get_content())


def look(chromium: BrowserSession, html: str) -> dict[str, Any]:
    """Open the HTML in Chromium, light then dark: what a reader sees."""
    async def job(browser: Browser) -> dict[str, Any]:
        page = await browser.new_page(color_scheme="light")
        try:
            await page.set_content(html)
            seen = {
                "sections": await page.locator(".section").all_inner_texts(),
                "visible": await page.locator(".section").first.is_visible(),
                "light": await page.evaluate("getComputedStyle(document.body).backgroundColor"),
                "struck": await page.evaluate(  # a report with no word change has no <del>
                    "document.querySelector('del') && "
                    "getComputedStyle(document.querySelector('del')).textDecorationLine"),
                "pwned": await page.evaluate("window.pwned === true"),
            }
            await page.emulate_media(color_scheme="dark")
            seen["dark"] = await page.evaluate("getComputedStyle(document.body).backgroundColor")
            return seen
        finally:
            await page.context.close()

    return chromium.run(job, DEADLINE)


def test_one_check_gives_one_email_with_exactly_its_changes(
    local_engine: Engine, chromium: BrowserSession, demo_site: DemoSite, smtp_server: SmtpServer,
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    demo_site.add_comment("Sam", "This one will be deleted.")  # 4550
    watch_id = watched(local_engine, demo_site.article_url)
    assert run_check(local_engine, watch_id, chromium).baseline
    assert deliver(local_engine, load_settings()) == []  # the baseline reports nothing

    demo_site.add_comment("Ann", "The truce will not hold.\n\nNot past Friday.")  # 4551
    demo_site.add_comment("Bob", "Friday is three days away.", parent_id="4551")  # 4552
    demo_site.edit_comment("4521", EDITED)
    demo_site.delete_comment("4550")
    demo_site.edit_paragraph(1, P3_NEW)
    result = run_check(local_engine, watch_id, chromium)
    assert [c.kind for c in result.changes] == [
        "article_edited", "comment_removed", "comment_edited", "comment_added", "comment_added"]
    assert [o.status for o in deliver(local_engine, load_settings())] == ["sent"]
    (email,) = smtp_server.wait_for(1)
    assert email.recipients == ["desk@example.org"]
    assert str(email.message["Subject"]) == (
        "[scraper] 2 new comments, 1 edited, 1 removed, paragraph 3 edited · Russia seeks ‘honest’…")

    text, html = parts(email)
    headings = [line for line in text.splitlines() if line.isupper() and not line.startswith(" ")]
    assert headings == ["NEW COMMENTS (2)", "EDITED COMMENTS (1)", "REMOVED COMMENTS (1)", "ARTICLE TEXT"]
    new = text.split("NEW COMMENTS (2)")[1].split("EDITED COMMENTS")[0]
    assert "Ann · 2016-10-19 15:42 UTC · #4551" in new
    assert f"{demo_site.article_url}#comment-4551" in new
    assert "      The truce will not hold.\n\n      Not past Friday." in new  # paragraphs kept
    assert new.index("Ann") < new.index("↳ Bob · 2016-10-19 15:43 UTC · #4552")
    assert "Reblogged this on World Peace [-Forum.-]{+Forum and on Peace News.+}" in text
    assert "Sam · 2016-10-19 15:41 UTC · #4550\n      This one will be deleted." in text
    assert "Paragraph 3 edited:" in text and "[-an official-]{+a two-day+}" in text
    assert text.count("#45") == 4 and "Paragraph" in text and text.count("Paragraph ") == 1

    doc = lxml.html.fromstring(html)  # it parses
    assert [len(doc.find_class(k)) for k in ("added", "reply", "edited", "removed")] == [1, 1, 2, 1]
    assert [d.text_content() for d in doc.iter("del")][:2] == ["Forum.", "an official"]

    seen = look(chromium, html)
    assert seen["sections"] == ["NEW COMMENTS 2", "EDITED COMMENTS 1", "REMOVED COMMENTS 1", "ARTICLE TEXT 1"]
    assert seen["visible"] and seen["struck"] == "line-through"
    assert (seen["light"], seen["dark"]) == ("rgb(246, 248, 250)", "rgb(13, 17, 23)")

    # The preview renders the same report from the store, without sending anything.
    assert main(["report", "preview", "lavrov", "--text", "--html", str(tmp_path / "r.html")]) == 0
    assert capsys.readouterr().out == text
    assert lxml.html.fromstring((tmp_path / "r.html").read_text()).find_class("section")
    assert len(smtp_server.received) == 1


def test_the_report_of_a_check_with_evidence_waits_for_its_bundle_and_names_it(
    local_engine: Engine, chromium: BrowserSession, demo_site: DemoSite, smtp_server: SmtpServer,
    tsa: Tsa, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("SCRAPER_TSA_URL", tsa.url)
    watch = add_watch(local_engine, WatchSpec(url=demo_site.article_url, name="lavrov",
                                              email="desk@example.org", evidence_on_change=True),
                      load_settings())
    hook = EvidenceOnChange(load_settings())  # as the CLI, the dashboard and the daemon pass it
    assert watch.id is not None and run_check(local_engine, watch.id, chromium, hook=hook).baseline
    demo_site.add_comment("Ann", "Kept as evidence.")
    tsa.gate.clear()  # the TSA holds its answer: the check is caught sealing its bundle
    tsa.asked.clear()
    with ThreadPoolExecutor(1) as pool:
        checking = pool.submit(run_check, local_engine, watch.id, chromium, hook=hook)
        try:
            assert tsa.asked.wait(120), "the check never got to stamping its bundle"
            # Its changes and its report are committed, but the report waits for the bundle.
            with Session(local_engine) as session:
                (row,) = session.exec(select(Outbox)).all()
            assert row.status == "queued"
            assert deliver(local_engine, load_settings()) == []
        finally:
            tsa.gate.set()
        result = checking.result(timeout=120)
    assert result.evidence is not None and [c.kind for c in result.changes] == ["comment_added"]
    assert [o.status for o in deliver(local_engine, load_settings())] == ["sent"]

    (email,) = smtp_server.wait_for(1)
    text, html = parts(email)
    wacz = result.evidence / f"{result.evidence.name}.wacz"
    sha256 = hashlib.sha256(wacz.read_bytes()).hexdigest()
    assert f"Evidence bundle: {result.evidence}\n  {wacz.name} · SHA-256 {sha256}\n" in text
    (named,) = lxml.html.fromstring(html).find_class("evidence")
    assert str(result.evidence) in named.text_content() and sha256 in named.text_content()
    assert main(["report", "preview", "lavrov", "--text"]) == 0
    assert capsys.readouterr().out == text  # the preview names the same bundle
    assert main(["verify", str(result.evidence)]) == 0  # the bundle it names is whole and signed


def test_a_hostile_comment_is_inert_and_literal(
    local_engine: Engine, chromium: BrowserSession, demo_site: DemoSite, smtp_server: SmtpServer,
) -> None:
    watch_id = watched(local_engine, demo_site.article_url)
    assert run_check(local_engine, watch_id, chromium).baseline
    demo_site.add_comment("Eve\r\nBcc: victim@example.org",
                          "<script>window.pwned = true</script> <b>bold</b> {{ 7*7 }}")
    run_check(local_engine, watch_id, chromium)
    deliver(local_engine, load_settings())
    (email,) = smtp_server.wait_for(1)
    assert email.recipients == ["desk@example.org"] and email.message["Bcc"] is None
    text, html = parts(email)
    assert "<script>window.pwned = true</script> <b>bold</b> {{ 7*7 }}" in text
    doc = lxml.html.fromstring(html)
    assert doc.xpath("//script") == [] and doc.xpath("//b") == []
    (para,) = doc.find_class("added")[0].find_class("para")
    assert para.text_content() == "<script>window.pwned = true</script> <b>bold</b> {{ 7*7 }}"
    assert "Bcc: victim@example.org" in doc.find_class("added")[0].find_class("author")[0].text_content()
    assert look(chromium, html)["pwned"] is False


def test_sigkill_while_sending_loses_nothing_and_sends_once(
    local_engine: Engine, chromium: BrowserSession, demo_site: DemoSite, monkeypatch: pytest.MonkeyPatch,
) -> None:
    server = SmtpServer().start()
    server.handler.hold = True  # takes the message, never answers: the sender is mid-send
    server.configure(monkeypatch)
    try:
        watch_id = watched(local_engine, demo_site.article_url)
        assert run_check(local_engine, watch_id, chromium).baseline
        demo_site.add_comment("Ann", "Sent while the sender dies.")
        proc = subprocess.Popen([sys.executable, "-m", "scraper", "check", "lavrov", "--send"],
                                env=os.environ.copy(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            assert server.handler.holding.wait(timeout=120), "the check never got to sending"
            proc.send_signal(signal.SIGKILL)  # after the commit, before the server's answer
            assert proc.wait(timeout=30) == -signal.SIGKILL
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        with Session(local_engine) as session:
            (row,) = session.exec(select(Outbox)).all()
        assert (row.status, row.attempts, row.sent_at) == ("queued", 1, None)
        assert server.received == []
        server.handler.hold = False
        # Once the dead sender's lease ends, the next delivery sends it, once.
        later = datetime.now(UTC) + LEASE + timedelta(seconds=1)
        assert [o.status for o in deliver(local_engine, load_settings(), now=later)] == ["sent"]
        assert deliver(local_engine, load_settings(), now=later + timedelta(hours=1)) == []
        (email,) = server.wait_for(1)
        assert "Sent while the sender dies." in parts(email)[0]
        assert email.message["Message-ID"] == row.message_id
    finally:
        server.stop()


def test_check_send_sends_at_once(
    local_engine: Engine, chromium: BrowserSession, demo_site: DemoSite, smtp_server: SmtpServer,
    capsys: pytest.CaptureFixture[str],
) -> None:
    watch_id = watched(local_engine, demo_site.article_url)
    assert run_check(local_engine, watch_id, chromium).baseline
    demo_site.add_comment("Ann", "Hello.")
    assert main(["check", "lavrov", "--send", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert [(r["to"], r["status"]) for r in result["reports"]] == [("desk@example.org", "sent")]
    assert len(smtp_server.wait_for(1)) == 1


def test_a_change_waiting_for_confirmation_sends_nothing_yet(
    local_engine: Engine, chromium: BrowserSession, demo_site: DemoSite
) -> None:
    watch = add_watch(local_engine, WatchSpec(url=demo_site.article_url, name="careful", confirm=2,
                                              email="desk@example.org"), load_settings())
    assert watch.id is not None

    def queued() -> int:
        with Session(local_engine) as session:
            return len(session.exec(select(Outbox)).all())

    assert run_check(local_engine, watch.id, chromium).baseline and queued() == 0
    demo_site.add_comment("Ann", "Seen once.")
    assert run_check(local_engine, watch.id, chromium).pending and queued() == 0
    assert [c.kind for c in run_check(local_engine, watch.id, chromium).changes] == ["comment_added"]
    assert queued() == 1
