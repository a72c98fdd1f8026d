"""Quiet-window readiness (issue 10) in a real Chromium: the page's wait finds the profile's items
by CSS or XPath, and ends when an item comes, not at its long window's bound."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

import pytest
from playwright.async_api import Browser, Page

from scraper.browser import BrowserSession
from scraper.browser.actions import REACTIONS
from scraper.browser.quiet import OBSERVER, TIMER_S, _settled

# An item drawn 0.3 s after load, as the comment widgets of the demo site draw theirs.
PAGE = """<!doctype html><body><ol class="comment-list"></ol><script>
setTimeout(() => { document.querySelector("ol").innerHTML = '<li class="comment">hi</li>'; }, 300);
</script></body>"""
# The same item drawn 0.3 s after the test's cue: it cannot come before the test has looked (on a
# busy machine, 0.3 s after load may pass before the first look).
ON_CUE = """<!doctype html><body><ol class="comment-list"></ol><script>
window.cue = () => setTimeout(() => {
  document.querySelector("ol").innerHTML = '<li class="comment">hi</li>';
}, 300);
</script></body>"""
BOUND = 60.0  # the long window (no item yet): far beyond what the test allows it
SHORT = 0.05  # the short window (an item is there)


async def _probe(page: Page, item: str) -> bool | None:
    """Whether an item is there now: the wait with windows of nothing (and no timer waited for)."""
    return await _settled(page, item, 0, long=0, short=0, timers=0)


T = TypeVar("T")


def _run(chromium: BrowserSession, body: str, check: Callable[[Page], Awaitable[T]]) -> T:
    async def job(browser: Browser) -> T:
        context = await browser.new_context()
        try:
            await context.add_init_script(OBSERVER)
            page = await context.new_page()
            await page.set_content(body)
            return await check(page)
        finally:
            await context.close()

    return chromium.run(job, 90)


def test_the_probe_finds_items_by_css_and_by_xpath(chromium: BrowserSession) -> None:
    async def probes(page: Page) -> list[bool]:
        found = []
        for item in ("li.comment", "xpath://li[contains(@class, 'comment')]", "li.reply",
                     "xpath://li[@id='none']", "li[", "xpath:(("):  # the last two: broken
            found.append(await _probe(page, item))
        return found

    body = '<ol><li class="comment">a</li></ol>'
    assert _run(chromium, body, probes) == [True, True, False, False, False, False]


def test_the_arrival_wait_ends_when_an_item_comes(chromium: BrowserSession) -> None:
    async def arrival(page: Page) -> tuple[bool | None, bool | None, float]:
        before = await _probe(page, "li.comment")
        await page.evaluate("cue()")
        started = time.monotonic()
        async with asyncio.timeout(30):  # a wait that ran to its bound would fail here
            found = await _settled(page, "li.comment", 0, long=BOUND, short=SHORT)
        waited = time.monotonic() - started
        return before, found, waited

    before, after, waited = _run(chromium, ON_CUE, arrival)
    assert not before and after
    assert waited < BOUND / 2


def test_the_arrival_wait_gives_up_at_its_bound(chromium: BrowserSession) -> None:
    async def arrival(page: Page) -> bool | None:
        return await _settled(page, "li.never", 0, long=0.2, short=SHORT)

    assert _run(chromium, PAGE, arrival) == 0


# A timer that will do something (a redirect, here a title) 2 s after the page is written.
TIMER_PAGE = """<!doctype html><body><p>Just a moment.</p><script>
setTimeout(() => { document.title = "fired"; }, 2000);
</script></body>"""


@pytest.mark.parametrize(("timers", "fired"), [(TIMER_S, True), (0.1, False)])
def test_with_no_item_the_wait_ends_after_a_short_timer_not_after_a_later_one(
    chromium: BrowserSession, timers: float, fired: bool,
) -> None:
    # The long window (0.05 s) ends before the timer is due; a timer due within `timers` of the
    # first wait is waited for (it may send the page away), one due after it is not.
    async def wait(page: Page) -> str:
        await _settled(page, "li.comment", 0, long=0.05, short=SHORT, timers=timers)
        return str(await page.evaluate("document.title"))

    assert (_run(chromium, TIMER_PAGE, wait) == "fired") is fired


# The first item drawn 0.3 s after load; then, on a timer of 40 ms (within the short window, past
# the calm one and its two frames), a second batch: the wait sees the batch the timer drew.
BATCHES = """<!doctype html><body><ol class="comment-list"></ol><script>
setTimeout(() => {
  const ol = document.querySelector("ol");
  ol.innerHTML = '<li class="comment">1</li>';
  setTimeout(() => { ol.insertAdjacentHTML("beforeend", '<li class="comment">2</li>'); }, 40);
}, 300);
</script></body>"""


def _calm_run(chromium: BrowserSession, body: str) -> tuple[int | None, int]:
    """The wait's answer on `body` (with the scroll reactions noted, as a render has them), and
    how many items were there when it ended."""
    async def job(browser: Browser) -> tuple[int | None, int]:
        context = await browser.new_context()
        try:
            await context.add_init_script(OBSERVER + REACTIONS)
            page = await context.new_page()
            await page.set_content(body)
            async with asyncio.timeout(30):
                found = await _settled(page, "li.comment", 0, long=BOUND, short=SHORT)
            return found, await page.evaluate("document.querySelectorAll('li.comment').length")
        finally:
            await context.close()

    return chromium.run(job, 90)


def test_a_calm_page_ends_the_window_early_and_a_busy_one_does_not(chromium: BrowserSession) -> None:
    assert _calm_run(chromium, PAGE) == (2, 1)  # nothing scheduled after the item: calm
    assert _calm_run(chromium, BATCHES)[1] == 2  # a timer due: not calm until it has drawn
    # An animation that keeps asking for frames, a frame, something that reacts to scrolling:
    # never calm.
    for extra in ("<script>const f = () => requestAnimationFrame(f); f();</script>",
                  "<iframe srcdoc='<p>x</p>'></iframe>",
                  "<script>new IntersectionObserver(() => {}).observe(document.body);</script>"):
        assert _calm_run(chromium, PAGE + extra) == (1, 1), extra
