"""A page that sends itself elsewhere by script after `load` (an interstitial, a consent hop) is
read at its target, whenever in the read the navigation starts; a meta-refresh loop and a chain of
interstitials fail with the message a person can act on; a page that goes nowhere waits for no
timer it need not wait for."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest

from scraper.base.errors import JobFailed
from scraper.base.failures import classify
from scraper.browser import BrowserSession
from scraper.browser.navigate import MAX_HOPS
from scraper.browser.quiet import TIMER_S
from scraper.browser.trace import Trace
from scraper.cli import main
from scraper.pipeline.capture import capture, capture_target, resolve
from tests.fixtures.hung import HungServer
from tests.sites.hostile import ARTICLE, HostileSite

pytestmark = pytest.mark.browser

DELAYS = (0, 100, 200, 500, 1500, 3000)  # ms after load; 3000 is TIMER_S, the bound


def interstitial(delay_ms: int, to: str = "/ok") -> str:
    return ("<html><head><title>Just a moment</title></head><body><p>Redirecting you.</p><script>"
            f"addEventListener('load', () => setTimeout(() => location.replace('{to}'), {delay_ms}))"
            "</script></body></html>")


# An article without comments whose script sets a timer that goes nowhere (an analytics beacon,
# an ad refresh), due beyond the bound; and an article with its thread and a timer within it.
NO_THREAD = ("<html><head><title>Quiet</title></head><body><article><h1 class='entry-title'>Quiet"
             "</h1><p>No thread here.</p></article><script>addEventListener('load', () => "
             f"setTimeout(() => document.title = 'late', {round(TIMER_S * 1000) + 5000}))"
             "</script></body></html>")
THREAD = ARTICLE.format(title="Threaded", text="A thread is here.").replace(
    "</body>", f"<script>setTimeout(() => document.title = 'late', {round(TIMER_S * 1000)})"
               "</script></body>")


@pytest.fixture(scope="module")
def site() -> Iterator[HostileSite]:
    pages = {f"/after-{ms}": interstitial(ms) for ms in DELAYS}
    # A hop to a hop to ... (each after 50 ms): more documents than a capture follows.
    pages |= {f"/hop-{n}": interstitial(50, f"/hop-{n + 1}") for n in range(MAX_HOPS + 3)}
    # The same, each hop as the document is parsed: over before the first read can count it.
    pages |= {f"/fast-{n}": f"<script>location.replace('/fast-{n + 1}')</script>"
              for n in range(MAX_HOPS + 3)}
    pages |= {"/no-thread": NO_THREAD, "/thread": THREAD}
    with HostileSite(pages) as hostile:
        yield hostile


@pytest.mark.parametrize("delay_ms", DELAYS)
def test_a_script_redirect_after_load_is_followed_to_its_target(
    site: HostileSite, chromium: BrowserSession, delay_ms: int,
) -> None:
    record = capture(site.url(f"/after-{delay_ms}"), session=chromium, deadline=30)
    assert record.final_url == site.url("/ok")
    assert record.article.title == "Arrived"
    assert [c.text for c in record.comments] == ["First."]


@pytest.mark.parametrize("delay_ms", [1500])
def test_a_redirect_during_a_profile_s_ready_wait_is_read_on_its_target(
    site: HostileSite, chromium: BrowserSession, delay_ms: int,
) -> None:
    # wordpress expects a thread (the quiet window with its items): the interstitial has none
    record = capture(site.url(f"/after-{delay_ms}"), profile="wordpress", session=chromium,
                     deadline=30)
    assert record.final_url == site.url("/ok")
    assert [c.author for c in record.comments] == ["Ann"]


@pytest.mark.parametrize("chain", ["/hop-0", "/fast-0"])
def test_a_chain_of_interstitials_longer_than_the_bound_fails_saying_so(
    site: HostileSite, chromium: BrowserSession, chain: str,
) -> None:
    # The chain ends on a page (a 404) after MAX_HOPS + 3 hops: every hop counts, however many
    # went by unseen between two reads (a busy machine's, or /fast-'s, over within the first).
    with pytest.raises(JobFailed) as failed:
        capture(site.url(chain), session=chromium, deadline=30)
    failure = classify(failed.value)
    assert failure.kind == "page"
    assert "kept navigating" in failure.message, failure.message
    counted = re.search(r"(\d+) navigations after load", failure.message)
    assert counted and MAX_HOPS < int(counted[1]) <= MAX_HOPS + 3, failure.message


@pytest.mark.parametrize(("path", "comments"), [("/no-thread", 0), ("/thread", 1)])
def test_a_page_that_goes_nowhere_waits_for_no_timer_beyond_its_window(
    site: HostileSite, chromium: BrowserSession, path: str, comments: int,
) -> None:
    # /no-thread: its timer is due past the bound; /thread: its items are there (short window)
    trace = Trace()
    target = resolve(site.url(path), chromium.settings)
    record = capture_target(target, chromium, deadline=30, trace=trace)
    assert record.final_url == site.url(path)
    assert len(record.comments) == comments
    assert trace.ready is not None and trace.ready.met
    # A wait for the timer would have taken TIMER_S at least; the window is 0.5 s at most.
    assert trace.ready.seconds < TIMER_S, trace.ready.to_dict()


def test_a_redirect_to_an_address_that_never_answers_fails_the_capture(
    site: HostileSite, chromium: BrowserSession, hung: HungServer,
) -> None:
    # The interstitial is not the page: a failed capture (a failed check), never its record.
    target = f"http://127.0.0.1:{hung.port}/target"
    site.add_page("/to-hung", interstitial(100, target))
    with pytest.raises(JobFailed) as failed:
        capture(site.url("/to-hung"), session=chromium, deadline=12)
    failure = classify(failed.value)
    assert failure.kind == "timeout", failure
    assert f"the page went on to {target}, which did not answer" in failure.message
    assert hung.connections >= 1


def test_a_meta_refresh_loop_fails_with_the_user_s_message(
    site: HostileSite, chromium: BrowserSession,
) -> None:
    for _ in range(3):
        try:
            capture(site.url("/refresh-loop"), session=chromium, deadline=20)
        except Exception as exc:  # as a check or `capture` says it: classified, one line
            failure = classify(exc)
            assert failure.kind == "page"
            assert "kept navigating" in failure.message, failure.message
            assert "ResizeObserver" not in failure.message


def test_an_evidence_capture_and_a_watch_s_check_follow_it_too(
    site: HostileSite, capsys: pytest.CaptureFixture[str],
) -> None:
    # The CLI's own browsers, as a person runs them: `capture --evidence` and a watch's check
    url = site.url("/after-1500")
    for argv in (["capture", url, "--evidence", "--json"], ["watch", "add", url, "--name", "hop"],
                 ["check", "hop", "--json"]):
        assert main(argv) == 0, argv
        out = capsys.readouterr().out
        if argv[0] == "capture":
            assert json.loads(out)["record"]["final_url"] == site.url("/ok")
        if argv[0] == "check":
            assert json.loads(out)["check"]["final_url"] == site.url("/ok")
