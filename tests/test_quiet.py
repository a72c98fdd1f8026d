"""Quiet-window readiness (issue 10) in a real Chromium: the probe finds the profile's items by CSS
or XPath, and the arrival wait ends when an item comes, not at its bound."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from playwright.async_api import Browser, Page

from scraper.browser import BrowserSession
from scraper.browser.quiet import OBSERVER, _arrival, _probe

# An item drawn 0.3 s after load, as the comment widgets of the demo site draw theirs.
PAGE = """<!doctype html><body><ol class="comment-list"></ol><script>
setTimeout(() => { document.querySelector("ol").innerHTML = '<li class="comment">hi</li>'; }, 300);
</script></body>"""
BOUND = 60.0  # the arrival wait's own limit: far beyond what the test allows it


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
            found.append((await _probe(page, item))[1])
        return found

    body = '<ol><li class="comment">a</li></ol>'
    assert _run(chromium, body, probes) == [True, True, False, False, False, False]


def test_the_arrival_wait_ends_when_an_item_comes(chromium: BrowserSession) -> None:
    async def arrival(page: Page) -> tuple[bool, bool, float]:
        before = (await _probe(page, "li.comment"))[1]
        started = time.monotonic()
        async with asyncio.timeout(30):  # a wait that ran to its bound would fail here
            await _arrival(page, "li.comment", BOUND)
        waited = time.monotonic() - started
        return before, (await _probe(page, "li.comment"))[1], waited

    before, after, waited = _run(chromium, PAGE, arrival)
    assert not before and after
    assert waited < BOUND / 2


def test_the_arrival_wait_gives_up_at_its_bound(chromium: BrowserSession) -> None:
    async def arrival(page: Page) -> bool:
        await _arrival(page, "li.never", 0.2)
        return (await _probe(page, "li.never"))[1]

    assert _run(chromium, PAGE, arrival) is False
