"""The dashboard in a real browser (pytest-playwright's Chromium) against a real uvicorn server:
add a watch through the form, check it, change the demo site, check again, see the changes; the
diff of two picked checks; an outbox retry; a capture's download. Hostile page text stays text."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Dialog, Page, expect
from sqlmodel import Session, select

from scraper.browser import BrowserSession
from scraper.config.settings import load_settings
from scraper.demo.site import DemoSite
from scraper.service import watches
from scraper.store import Outbox
from scraper.watches.operations import WatchSpec, add_watch
from tests.fixtures.scaleout import WAIT
from tests.fixtures.web import Dashboard
from tests.sites.hostile import HostileSite
from tests.waiting import wait_until

pytestmark = pytest.mark.browser
HOSTILE = "<script>alert('x')</script></textarea><img src=x onerror=alert(2)> Mallory's note"


def watch_dialogs(page: Page) -> list[str]:
    fired: list[str] = []

    def on_dialog(dialog: Dialog) -> None:
        fired.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    return fired


def add_watch_through_form(page: Page, dashboard: Dashboard, url: str) -> str:
    page.goto(dashboard.base_url + "/")
    page.get_by_role("link", name="+ Add a watch").click()
    page.fill("#in-url", url)
    page.fill("#in-name", "demo-blog")
    page.fill("#in-every", "5x")  # refused, next to the field, nothing stored
    page.click("#save")
    expect(page.locator("#field-every .error")).to_contain_text("'5x': give a number and a unit")
    page.fill("#in-every", "1h")
    page.fill("#in-email", "desk@example.org")
    page.click("#save")
    expect(page.locator("h1")).to_contain_text("demo-blog")
    return page.url.rsplit("/", 1)[1]


def check_now(page: Page) -> None:
    with page.expect_navigation():
        page.click("#check-now")


def test_check_now_keeps_its_button_disabled_until_the_check_is_shown(
        page: Page, dashboard: Dashboard) -> None:
    """The check-now form goes through htmx: while the check runs (held mid-render by the site),
    its button is disabled, so a second click cannot ask again; then the page shows the check. A
    refused check now (the watch removed meanwhile) shows its error page, not nothing."""
    with HostileSite() as site:
        try:
            settings = load_settings()
            held = add_watch(dashboard.engine, WatchSpec(url=site.url("/gated"), name="held"), settings)
            page.goto(f"{dashboard.base_url}/watches/{held.id}")
            button = page.locator("#check-now")
            button.click()
            expect(button).to_be_disabled()
            wait_until(lambda: site.requests("/gate (held)") >= 1, "the check reaching the held request",
                       timeout=WAIT)
            expect(button).to_be_disabled()  # still: the check is held, its answer not in yet
            assert page.url == f"{dashboard.base_url}/watches/{held.id}"
            site.gate.set()
            expect(page).to_have_url(re.compile(rf"/watches/{held.id}#check-\d+$"), timeout=120_000)
            expect(page.locator("tr[id^=check-] .badge").first).to_have_text("ok")
            expect(page.locator("#check-now")).to_be_enabled()
        finally:
            site.gate.set()

    gone = add_watch(dashboard.engine, WatchSpec(url="https://example.org/gone", name="gone"), settings)
    page.goto(f"{dashboard.base_url}/watches/{gone.id}")
    watches.remove(dashboard.engine, str(gone.id))
    page.locator("#check-now").click()
    expect(page.locator("p.error")).to_contain_text(f"no watch '{gone.id}'")
    expect(page.locator("h1")).to_have_text("404")


def test_watch_check_change_diff_outbox_and_capture(
        page: Page, dashboard: Dashboard, demo_site: DemoSite, tmp_path: Path) -> None:
    dialogs = watch_dialogs(page)
    watch_id = add_watch_through_form(page, dashboard, demo_site.article_url)

    check_now(page)
    expect(page.locator("#check-1 .badge")).to_have_text("ok")
    expect(page.locator("section.record")).to_contain_text("daveyone1")  # the thread, as the page

    new_id = demo_site.add_comment("Mallory", HOSTILE)
    demo_site.edit_comment("4521", "Reblogged this on World Peace Forum, with a second thought.")
    check_now(page)
    changes = page.locator("section.side")
    expect(changes).to_contain_text("+ new comment")
    expect(changes).to_contain_text("~ comment text edited")
    expect(changes.locator(".change.kind-comment_added .pagetext")).to_have_text(HOSTILE)
    expect(changes.locator(".change.kind-comment_edited ins").first).to_contain_text("second thought")
    expect(page.locator(f"#comment-{new_id}")).to_contain_text(HOSTILE)  # nested thread, literal

    # Pick the two checks and see their diff.
    page.check("input[name=from][value='1']")
    page.check("input[name=to][value='2']")
    page.click("#compare")
    expect(page.locator("h1")).to_have_text("Check 1 → check 2")
    expect(page.locator("#diff")).to_contain_text(HOSTILE)
    expect(page.locator("#diff .kind-comment_edited")).to_contain_text("second thought")

    # The check queued a report; it failed to go out: retry it from the outbox.
    with Session(dashboard.engine) as session:
        row = session.exec(select(Outbox).where(Outbox.check_id == 2)).one()
        row.status, row.last_error, row.attempts = "failed", "SMTP 421 try later", 3
        session.add(row)
        session.commit()
        row_id = row.id
    page.goto(dashboard.base_url + "/outbox")
    report = page.locator(f"#report-{row_id}")
    expect(report).to_contain_text("SMTP 421 try later")
    report.get_by_role("button", name="Retry").click()
    expect(page.locator(f"#report-{row_id} .badge")).to_have_text("sent")

    # An evidence capture, made through the API, listed, verified and downloaded in the page.
    made = dashboard.api().post("/captures", json={"url": demo_site.article_url, "case": "c-1"})
    assert made.status_code == 201, made.text
    page.goto(dashboard.base_url + "/captures")
    row_view = page.locator(".capture-row").first
    expect(row_view).to_contain_text("c-1")
    expect(row_view.locator(".badge")).to_have_text("verified")  # loaded by htmx
    with page.expect_download() as download:
        row_view.get_by_role("link", name="WACZ").click()
    saved = tmp_path / "bundle.wacz"
    download.value.save_as(saved)
    assert hashlib.sha256(saved.read_bytes()).hexdigest() == made.json()["bundle"]["sha256"]

    # Every page that shows the hostile comment shows it as text, and no dialog ever fired.
    for path in ("/", f"/watches/{watch_id}", f"/watches/{watch_id}/checks/2",
                 f"/watches/{watch_id}/diff?from=1&to=2"):
        page.goto(dashboard.base_url + path)
        assert page.locator("script:not([src])").count() == 0
        assert page.locator("img[src=x]").count() == 0
    assert dialogs == []


def test_edit_pause_and_remove_a_watch(page: Page, dashboard: Dashboard, demo_site: DemoSite) -> None:
    watch_id = add_watch_through_form(page, dashboard, demo_site.article_url)
    page.goto(dashboard.base_url + "/")
    page.fill("#q", "no-such-watch")  # htmx filters as one types, and keeps the filter in the URL
    expect(page.locator(".empty")).to_contain_text("No watches match")
    expect(page).to_have_url(f"{dashboard.base_url}/?q=no-such-watch&tag=&status=")
    page.fill("#q", "demo")
    expect(page.locator(".watch-row")).to_have_count(1)
    page.get_by_role("link", name="demo-blog").click()
    page.get_by_role("link", name="Edit").click()
    page.fill("#in-every", "")
    page.fill("#in-cron", "every hour")
    page.click("#save")
    expect(page.locator("#field-cron .error")).to_contain_text("'every hour'")
    page.fill("#in-cron", "0 * * * *")
    page.click("#save")
    expect(page.locator(".facts")).to_contain_text("cron 0 * * * *")
    page.get_by_role("button", name="Pause").click()
    expect(page.locator("h1 .badge")).to_have_text("paused")
    page.get_by_role("button", name="Resume").click()
    expect(page.locator("h1 .badge")).to_have_text("new")
    page.get_by_role("link", name="Remove").click()
    expect(page.locator("h1")).to_contain_text("Remove demo-blog?")
    page.click("#confirm-remove")
    expect(page.locator(".empty")).to_contain_text("No watches yet")
    assert dashboard.api().get(f"/watches/{watch_id}").status_code == 404


def test_profile_test_and_status_pages(dashboard: Dashboard, demo_site: DemoSite) -> None:
    import httpx

    tested = httpx.get(dashboard.base_url + "/profiles",
                       params={"url": demo_site.article_url, "profile": "wordpress"}, timeout=120)
    assert tested.status_code == 200
    assert "profile wordpress</strong>" in tested.text and "comments.author" in tested.text
    assert 'class="used"' in tested.text  # the alternative that matched is marked
    refused = httpx.get(dashboard.base_url + "/profiles", params={"url": "javascript:alert(1)"})
    assert refused.status_code == 422 and "URLs are not allowed" in refused.text
    status = httpx.get(dashboard.base_url + "/status", timeout=60)
    assert status.status_code == 200 and "database" in status.text and "profiles" in status.text


def test_watch_and_check_pages_show_the_render_path(dashboard: Dashboard, demo_site: DemoSite) -> None:
    """Which path a check took (rendered, plain, or both) is on the watch's page, in its history
    rows, and on the check's own page, as `watch show` and `history` say it; stored text, escaped."""
    import html
    import re
    from datetime import UTC, datetime

    import httpx

    from scraper import store

    api = dashboard.api()
    watch = api.post("/watches", json={"url": demo_site.article_url, "render": "auto"}).json()
    checked = api.post(f"/watches/{watch['id']}/check")
    assert checked.status_code == 200, checked.text
    check_id = checked.json()["check"]["id"]
    path = api.get(f"/watches/{watch['id']}/checks").json()["items"][0]["render_path"]
    assert path in ("verified", "diverged")  # auto's first check does both

    def shown(text: str, pattern: str) -> str:
        """The text a part of the page shows (escaped in the HTML: no `<` of its own)."""
        found = re.search(pattern, text, re.S)
        assert found is not None, f"nothing matches {pattern!r}"
        assert "<" not in found.group(1)
        return html.unescape(found.group(1))

    def path_in_row(text: str, id_: int) -> str:
        return shown(text, rf'<tr id="check-{id_}".*?<td class="path">(.*?)</td>')

    page = httpx.get(f"{dashboard.base_url}/watches/{watch['id']}", timeout=60).text
    assert path_in_row(page, check_id) == path
    assert shown(page, r'<dd id="render-path">(.*?)</dd>') == f"auto; last check: {path}"
    detail = httpx.get(f"{dashboard.base_url}/watches/{watch['id']}/checks/{check_id}", timeout=60).text
    assert shown(detail, r'<span id="render-path">(.*?)</span>') == path

    # A stored path is outside text as far as the page goes: escaped, never markup.
    with Session(dashboard.engine) as session:
        row_watch = store.get_watch(session, str(watch["id"]))
        hostile = store.add_check(session, row_watch, started_at=datetime.now(UTC), duration_ms=1,
                                  status="failed", error="gone", error_kind="http", render_path=HOSTILE)
        session.commit()
        hostile_id = hostile.id
    assert hostile_id is not None
    page = httpx.get(f"{dashboard.base_url}/watches/{watch['id']}", timeout=60).text
    assert path_in_row(page, hostile_id) == HOSTILE
    assert shown(page, r'<dd id="render-path">(.*?)</dd>') == f"auto; last check: {HOSTILE}"
    detail = httpx.get(f"{dashboard.base_url}/watches/{watch['id']}/checks/{hostile_id}", timeout=60).text
    assert shown(detail, r'<span id="render-path">(.*?)</span>') == HOSTILE


def test_a_check_committed_between_the_watch_pages_reads_is_never_listed_without_its_record(
    dashboard: Dashboard, demo_site: DemoSite, chromium: BrowserSession, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The watch page is several reads, each a transaction of its own, and a check may commit
    between any two (seen: the history listed the new check, the record said "No record yet").
    Whichever gap it lands in, the newest check listed is the one the record and the summary show."""
    import httpx

    from scraper.pipeline.check import run_check
    from scraper.service import checks, requests

    watch = add_watch(dashboard.engine, WatchSpec(url=demo_site.article_url, name="reads",
                                                  render="never"), load_settings())
    assert watch.id is not None
    reads = [(checks, "history"), (checks, "changes"), (checks, "current"), (watches, "show"),
             (requests, "latest_open")]
    calls: list[str] = []
    gap = -1  # the check commits before the page's read number `gap`

    def wrapped(name: str, read: Any) -> Any:
        def call(*args: Any, **kwargs: Any) -> Any:
            if len(calls) == gap:
                run_check(dashboard.engine, watch.id, chromium)  # type: ignore[arg-type]
            calls.append(name)
            return read(*args, **kwargs)
        return call

    for module, name in reads:
        monkeypatch.setattr(module, name, wrapped(name, getattr(module, name)))
    for gap in range(len(reads)):
        calls.clear()
        page = httpx.get(f"{dashboard.base_url}/watches/{watch.id}", timeout=60).text
        assert len(calls) > gap, f"the page made {len(calls)} reads, none in gap {gap}"
        listed = [int(n) for n in re.findall(r'<tr id="check-(\d+)"', page)]
        assert len(listed) in (gap, gap + 1), (gap, listed)  # with this gap's check or without
        # The record is at least as new as the newest check listed, and the summary has a check.
        shown = re.search(r"as check (\d+) saw it", page)
        assert shown is not None and int(shown[1]) >= max(listed), (gap, calls, listed)
        assert "<dd>never</dd>" not in page, (gap, calls)
