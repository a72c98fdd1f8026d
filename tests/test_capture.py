"""Render, extract, capture: the demo site through the real Chromium, record by record.

Every capture here uses the session-wide `chromium` (loopback only). Test profiles come from
tests/sites/profiles; a capture on a session reads its profiles from the settings it is given.
"""

from __future__ import annotations

import re
import socket
import time
import urllib.request
from typing import TYPE_CHECKING, Any

import pytest
from parsel import Selector

from scraper.base.errors import JobFailed
from scraper.config.settings import load_settings
from scraper.demo.site import DemoSite
from scraper.model.record import Record
from scraper.pipeline.capture import capture
from tests.sites import (
    BOILERPLATE,
    FETCHED_AT,
    SEED_ARTICLE,
    SEED_COMMENT,
    failed_for_its_deadline,
    seed_record,
    use_test_profiles,
)

if TYPE_CHECKING:
    from playwright.async_api import Browser

    from scraper.browser import BrowserSession

_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def snap(url: str, session: BrowserSession, profile: str | None = None,
         deadline: float | None = None) -> Record:
    """Capture with the profiles the environment names now (the test profiles included)."""
    return capture(url, profile=profile, deadline=deadline, session=session,
                   settings=load_settings())


def comments_of(record: Record) -> list[dict[str, Any]]:
    return [c.model_dump(mode="json") for c in record.comments]


def thread_of(site: DemoSite, name: str) -> list[dict[str, Any]]:
    """A demo thread as the record must give it: page order, the demo's own ids and text."""
    return [{"id": c.id, "parent_id": c.parent_id, "author": c.author,
             "published": c.published, "text": c.text} for c in site.state.thread(name)]


@pytest.fixture
def with_test_profiles(monkeypatch: pytest.MonkeyPatch) -> None:
    use_test_profiles(monkeypatch)


# -- the seed page --

def test_a_plain_fetch_misses_what_javascript_draws(demo_site: DemoSite) -> None:
    with _DIRECT.open(demo_site.article_url, timeout=10) as response:
        page = Selector(text=response.read().decode())
    text = re.sub(r"\s+", " ", "".join(page.xpath("//body//text()[not(ancestor::script)]").getall()))
    assert "%d bloggers like this:" in text
    assert "Tags: , , , , , , , , , , , , , ," in text  # 15 empty tag links
    assert "Reblogged this on" not in text and not page.css("li.comment")


@pytest.mark.browser
def test_seed_page_comes_back_exactly(demo_site: DemoSite, chromium: BrowserSession) -> None:
    record = capture(demo_site.article_url, session=chromium)  # no --profile: detected
    data = record.to_dict()
    assert FETCHED_AT.match(data["fetched_at"])
    assert data == seed_record(demo_site.article_url, data["fetched_at"])
    assert record.profile == "wordpress"
    text = record.article.text or ""
    for boilerplate in BOILERPLATE:
        assert boilerplate not in text, boilerplate


@pytest.mark.browser
def test_a_reply_and_special_characters_come_back_exactly(
    demo_site: DemoSite, chromium: BrowserSession
) -> None:
    reply = demo_site.add_comment("Ann", "Agreed.\n\nWell put.", parent_id="4521")
    special = demo_site.add_comment("O'Brien & <Co>", '<b>x</b> & "y"')
    assert (reply, special) == ("4550", "4551")
    record = capture(demo_site.article_url, session=chromium)
    assert comments_of(record) == [
        SEED_COMMENT,
        {"id": "4550", "parent_id": "4521", "author": "Ann",
         "published": "2016-10-19T15:41:00+00:00", "text": "Agreed.\n\nWell put."},
        {"id": "4551", "parent_id": None, "author": "O'Brien & <Co>",
         "published": "2016-10-19T15:42:00+00:00", "text": '<b>x</b> & "y"'},
    ]


# -- actions and frames --

@pytest.mark.browser
@pytest.mark.parametrize("variant", ["lazy", "infinite", "framed"])
def test_threads_are_complete_with_the_built_in_profile(
    demo_site: DemoSite, chromium: BrowserSession, variant: str
) -> None:
    """"Load more" clicked until gone, the infinite list scrolled until it stops, the comment iframe
    read: every comment, with no site profile and no warning."""
    thread = "article" if variant == "framed" else variant
    if variant == "framed":
        demo_site.add_comment("Ann", "Framed reply.", parent_id="4521")
    expected = thread_of(demo_site, thread)
    record = capture(getattr(demo_site, f"{variant}_url"), session=chromium)
    assert record.profile == "wordpress"
    assert comments_of(record) == expected
    assert len(expected) == (2 if variant == "framed" else 14)
    assert record.warnings == []
    assert record.article.title == SEED_ARTICLE["title"]


@pytest.mark.browser
def test_site_profiles_with_their_own_actions_still_work(
    demo_site: DemoSite, chromium: BrowserSession, with_test_profiles: None
) -> None:
    for variant, profile in (("lazy", "demo-lazy"), ("infinite", "demo-infinite"),
                             ("framed", "demo-framed")):
        record = snap(getattr(demo_site, f"{variant}_url"), chromium, profile=profile)
        thread = "article" if variant == "framed" else variant
        assert comments_of(record) == thread_of(demo_site, thread), profile
        assert record.warnings == [], profile


@pytest.mark.browser
def test_a_thread_left_partial_says_so(
    demo_site: DemoSite, chromium: BrowserSession, with_test_profiles: None
) -> None:
    # No actions: 5 of the 14 comments the page announces ("14 Responses to …").
    idle = snap(demo_site.lazy_url, chromium, profile="demo-no-actions")
    assert len(idle.comments) == 5
    assert idle.warnings == ["the page says it has 14 comments; 5 were captured"]
    assert idle.partial
    # One click allowed: the control is still there, and the count still short.
    once = snap(demo_site.lazy_url, chromium, profile="demo-one-click")
    assert len(once.comments) == 10
    assert once.warnings == [
        "a 'load more' control is still on the page after 1 clicks (a.load-more-comments)",
        "the page says it has 14 comments; 10 were captured",
    ]


# -- failures --

@pytest.mark.browser
def test_http_error_fails_the_job(demo_site: DemoSite, chromium: BrowserSession) -> None:
    url = demo_site.base_url + "/no/such/post/"
    with pytest.raises(JobFailed) as failed:
        capture(url, session=chromium)
    assert url in str(failed.value) and "404" in str(failed.value)


def _refused_port() -> int:
    with socket.socket() as probe:  # bound, never listening: connecting is refused
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.browser
def test_connection_refused_fails_the_job(chromium: BrowserSession) -> None:
    url = f"http://127.0.0.1:{_refused_port()}/"
    with pytest.raises(JobFailed) as failed:
        capture(url, session=chromium)
    assert url in str(failed.value) and "ERR_CONNECTION_REFUSED" in str(failed.value)


async def _open_contexts(browser: Browser) -> int:
    return len(browser.contexts)


@pytest.mark.browser
def test_a_ready_condition_that_never_comes_fails_within_the_deadline(
    demo_site: DemoSite, chromium: BrowserSession, with_test_profiles: None
) -> None:
    deadline = 3
    started = time.monotonic()
    with pytest.raises(JobFailed) as failed:
        snap(demo_site.article_url, chromium, profile="demo-never-ready", deadline=deadline)
    elapsed = time.monotonic() - started
    message = str(failed.value)
    assert failed_for_its_deadline(message, deadline) and failed.value.kind == "timeout", message
    # Only a hang fails this ceiling, never a busy machine.
    assert elapsed < 10 * deadline, f"{elapsed:.1f}s for a {deadline}s deadline"
    # The failed job's context is gone and the session still works.
    assert chromium.run(_open_contexts, 10) == 0
    record = capture(demo_site.article_url, session=chromium)
    assert record.to_dict() == seed_record(demo_site.article_url, record.fetched_at)


@pytest.mark.browser
def test_an_optional_ready_condition_that_never_comes_is_not_an_error(
    demo_site: DemoSite, chromium: BrowserSession, with_test_profiles: None
) -> None:
    # Its wait (timeout 15s, from wordpress) is cut short by the 8s deadline, and leaves time to act
    # and read. 8 s, not less: on a busy machine the page load alone has taken 3 s.
    record = snap(demo_site.article_url, chromium, profile="demo-optional-ready", deadline=8)
    expected = seed_record(demo_site.article_url, record.fetched_at)
    assert record.to_dict() == {**expected, "profile": "demo-optional-ready",
                                "warnings": record.warnings}
    # The capture says the page may not have been ready (and, on a loaded machine, that the
    # deadline also cut its scrolling short).
    assert re.fullmatch(r"the page was not ready within \d\.\ds \(#never-there\); "
                        r"captured what it showed by then", record.warnings[0]), record.warnings
    assert record.warnings[1:] in ([], ["the deadline stopped the page's actions early: "
                                        "the thread may be incomplete"])
