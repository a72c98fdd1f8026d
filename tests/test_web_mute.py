"""A report's mute link: pause a watch from the email, without logging in to the dashboard.

A real check on the demo site queues a report, sent to a real SMTP server with SCRAPER_BASE_URL
set; the link in its text and HTML parts opens the real dashboard (an admin password set, no one
logged in), which asks first (a GET only asks: mail scanners open links) and pauses on the button.
A token of another watch, or one changed by a character, is refused.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import Session

from scraper.browser import BrowserSession
from scraper.config.settings import load_settings
from scraper.demo.site import DemoSite
from scraper.pipeline.check import run_check
from scraper.reports.delivery import deliver
from scraper.store import Watch
from scraper.watches.operations import WatchSpec, add_watch
from tests.fixtures.smtp import SmtpServer
from tests.fixtures.web import Dashboard

LINK = re.compile(r"https://dash\.example\.org/mute/(\d+)/([0-9a-f]{32})")


def test_the_mute_link_pauses_the_watch_without_a_login(
    page: Page, dashboard_with: Callable[..., Dashboard], demo_site: DemoSite, smtp_server: SmtpServer,
    chromium: BrowserSession, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SCRAPER_BASE_URL", "https://dash.example.org")
    dashboard = dashboard_with(SCRAPER_ADMIN_PASSWORD="correct horse battery")
    engine = dashboard.engine
    watch = add_watch(engine, WatchSpec(url=demo_site.article_url, name="lavrov", email="desk@example.org"),
                      load_settings())
    other = add_watch(engine, WatchSpec(url=demo_site.lazy_url, name="lazy"), load_settings())
    assert watch.id is not None and other.id is not None
    assert run_check(engine, watch.id, chromium).baseline
    demo_site.add_comment("Ann", "The truce will not hold.")
    assert run_check(engine, watch.id, chromium).changes
    assert [o.status for o in deliver(engine, load_settings())] == ["sent"]
    (email,) = smtp_server.wait_for(1)
    text = str(email.message.get_body(("plain",)).get_content())  # type: ignore[union-attr]
    html = str(email.message.get_body(("html",)).get_content())  # type: ignore[union-attr]
    found = LINK.search(text)
    assert found is not None and found.group(1) == str(watch.id)
    assert found.group(0) in html
    path = f"/mute/{found.group(1)}/{found.group(2)}"

    page.goto(dashboard.base_url + path)  # no login: the token is the permission
    expect(page.locator("h1")).to_have_text("Pause lavrov?")
    with Session(engine) as session:
        assert session.get_one(Watch, watch.id).paused is False  # opening the link changed nothing
    page.get_by_role("button", name="Pause the watch").click()
    expect(page.locator("h1")).to_have_text("lavrov is paused")
    with Session(engine) as session:
        assert session.get_one(Watch, watch.id).paused is True

    forged = found.group(2)[:-1] + ("0" if found.group(2)[-1] != "0" else "1")
    for bad in (f"/mute/{watch.id}/{forged}", f"/mute/{other.id}/{found.group(2)}"):
        response = page.goto(dashboard.base_url + bad)
        assert response is not None and response.status == 404
    with Session(engine) as session:
        assert session.get_one(Watch, other.id).paused is False
