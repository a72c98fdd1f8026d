"""The small async steps of one render: guard, block, wait until ready, read the DOM (the actions
between them live in `actions`).

Every wait is bounded by the job's deadline (the caller wraps the whole job in one timeout) and
waits for a condition in the page, never for a fixed time.
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING

from loguru import logger

from scraper.base.errors import JobFailed
from scraper.browser.quiet import QuietWatch
from scraper.browser.trace import Ready
from scraper.profiles.schema import ReadySpec, is_xpath

if TYPE_CHECKING:
    from playwright.async_api import BrowserContext, Dialog, Frame, Locator, Page

def playwright_selector(expr: str) -> str:
    return "xpath=" + expr.removeprefix("xpath:") if is_xpath(expr) else expr


def guard(context: BrowserContext, page: Page) -> None:
    """Dismiss dialogs, close popups: nothing a page opens may stall or outlive the job."""

    async def dismiss(dialog: Dialog) -> None:
        await dialog.dismiss()

    async def close_popup(popup: Page) -> None:
        if popup is not page:
            await popup.close()

    page.on("dialog", dismiss)
    context.on("page", close_popup)


async def locator(page: Page, selector: str, frame: str | None) -> Locator:
    if frame is None:
        return page.locator(playwright_selector(selector))
    return page.frame_locator(playwright_selector(frame)).locator(playwright_selector(selector))


def ms(seconds: float) -> float:
    return max(seconds, 0.001) * 1000


async def wait_ready(page: Page, ready: ReadySpec, remaining: float,
                     quiet: QuietWatch | None = None, item: str | None = None) -> Ready:
    """Wait for the profile's ready conditions. One that never comes fails the job when required;
    otherwise the page is read as it stands, and the Ready returned says so (`warning`).
    `network_idle` is the quiet window of `quiet` (see quiet.py; `item`, the comment selector,
    shortens it) or, without one, Playwright's."""
    budget = min(ready.timeout, remaining) if ready.timeout else remaining
    conditions = " + ".join(c for c in ("network idle" if ready.network_idle else "",
                                        _selector_name(ready) or "", ready.js or "") if c)
    started = time.monotonic()
    # The condition being waited for, named if it never comes (the first one until it is met).
    what = "network idle" if ready.network_idle else _selector_name(ready) or ready.js or "ready"
    stop = asyncio.get_running_loop().time() + budget

    def left() -> float:  # each wait gets what is left, so Playwright's own timeout ends it on time
        return stop - asyncio.get_running_loop().time()

    try:
        async with asyncio.timeout(budget):
            if ready.network_idle and quiet is not None:
                await quiet.wait(page, item, left())
            elif ready.network_idle:
                await page.wait_for_load_state("networkidle", timeout=ms(left()))
            if ready.selector:
                what = _selector_name(ready) or ready.selector
                loc = await locator(page, ready.selector, ready.frame)
                await loc.first.wait_for(state="attached", timeout=ms(left()))
            if ready.js:
                what = ready.js
                await page.wait_for_function(ready.js, timeout=ms(left()))
    except (TimeoutError, playwright_timeout()) as exc:
        if ready.required:
            raise JobFailed(f"page never became ready ({what}) within {budget:.1f}s", "timeout") from exc
        logger.debug("ready condition not met in {:g}s; going on", budget)
        return Ready(conditions, False, time.monotonic() - started, budget, False, what)
    return Ready(conditions, True, time.monotonic() - started, budget, ready.required)


def _selector_name(ready: ReadySpec) -> str | None:
    if ready.selector is None:
        return None
    return ready.selector if ready.frame is None else f"{ready.selector} in {ready.frame}"


def playwright_timeout() -> type[Exception]:
    from playwright.async_api import TimeoutError as PlaywrightTimeout

    return PlaywrightTimeout


async def frame_of(page: Page, frame: str | None) -> Page | Frame:
    if frame is None:
        return page
    handle = await page.wait_for_selector(playwright_selector(frame), state="attached")
    content = await handle.content_frame() if handle else None
    if content is None:
        raise JobFailed(f"frame {frame!r} has no document", "page")
    return content


async def frame_html(page: Page, frame: str, max_html: int) -> str | None:
    """The HTML of the first iframe matching `frame` (cross-origin frames included)."""
    from scraper.browser.navigate import SETTLE_SECONDS, content

    handle = await page.query_selector(playwright_selector(frame))
    document = await handle.content_frame() if handle else None
    return await content(document, max_html, SETTLE_SECONDS) if document else None


async def frames_html(page: Page, frames: str, max_html: int, limit: int = 5) -> dict[str, str]:
    """The HTML of the iframes matching `frames` (at most `limit`), keyed `SELECTOR #N`."""
    from scraper.browser.navigate import SETTLE_SECONDS, content

    found: dict[str, str] = {}
    if len(page.frames) <= 1:  # no iframe at all (Playwright tracks them): no query of the page
        return found
    for n, handle in enumerate((await page.query_selector_all(playwright_selector(frames)))[:limit]):
        document = await handle.content_frame()
        html = await content(document, max_html, SETTLE_SECONDS) if document else None
        if html is not None:
            found[f"{frames} #{n}"] = html
    return found
