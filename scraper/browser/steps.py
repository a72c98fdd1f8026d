"""The small async steps of one render: guard, block, wait until ready, act, read the DOM.

Every wait is bounded by the job's deadline (the caller wraps the whole job in one timeout) and
waits for a condition in the page, never for a fixed time.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import TYPE_CHECKING

from loguru import logger

from scraper.browser.quiet import QuietWatch
from scraper.errors import JobFailed
from scraper.profiles.schema import (
    Action,
    ClickAction,
    ReadySpec,
    ScrollAction,
    WaitAction,
    is_xpath,
)

if TYPE_CHECKING:
    from playwright.async_api import BrowserContext, Dialog, Frame, Locator, Page

BLOCK_PATTERNS = {
    "image": ("*.png", "*.jpg", "*.jpeg", "*.gif", "*.webp", "*.avif", "*.svg", "*.ico", "*.bmp"),
    "media": ("*.mp4", "*.webm", "*.ogg", "*.ogv", "*.mp3", "*.wav", "*.m4a", "*.mov", "*.m3u8"),
    "font": ("*.woff", "*.woff2", "*.ttf", "*.otf", "*.eot"),
    "stylesheet": ("*.css",),
}
# How long the page may stay unchanged before "scroll until stable" calls it stable.
STABLE_MS = 1500
# How long a click may take to change the page before "click until gone" stops.
CLICK_EFFECT_MS = 5000


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


async def block(context: BrowserContext, page: Page, kinds: Sequence[str]) -> None:
    """Block heavy resources in the network layer, leaving Chromium's HTTP cache on for the rest."""
    patterns = [p for k in kinds for p in BLOCK_PATTERNS.get(k, (k,))]
    if not patterns:
        return
    try:
        cdp = await context.new_cdp_session(page)
    except Exception:  # a non-Chromium remote browser has no CDP: load everything
        logger.debug("no CDP session; resources not blocked")
        return
    await cdp.send("Network.enable")
    await cdp.send("Network.setBlockedURLs", {"urls": patterns})


async def _locator(page: Page, selector: str, frame: str | None) -> Locator:
    if frame is None:
        return page.locator(playwright_selector(selector))
    return page.frame_locator(playwright_selector(frame)).locator(playwright_selector(selector))


def _ms(seconds: float) -> float:
    return max(seconds, 0.001) * 1000


async def wait_ready(page: Page, ready: ReadySpec, remaining: float,
                     quiet: QuietWatch | None = None, item: str | None = None) -> None:
    """Wait for the profile's ready conditions. `network_idle` is the quiet window of `quiet`
    (see quiet.py; `item`, the comment selector, shortens it) or, without one, Playwright's."""
    budget = min(ready.timeout, remaining) if ready.timeout else remaining
    # The condition being waited for, named if it never comes (the first one until it is met).
    what = "network idle" if ready.network_idle else _selector_name(ready) or ready.js or "ready"
    try:
        async with asyncio.timeout(budget):
            if ready.network_idle and quiet is not None:
                await quiet.wait(page, item, budget)
            elif ready.network_idle:
                await page.wait_for_load_state("networkidle", timeout=_ms(budget))
            if ready.selector:
                what = _selector_name(ready) or ready.selector
                loc = await _locator(page, ready.selector, ready.frame)
                await loc.first.wait_for(state="attached", timeout=_ms(budget))
            if ready.js:
                what = ready.js
                await page.wait_for_function(ready.js, timeout=_ms(budget))
    except (TimeoutError, _playwright_timeout()) as exc:
        if ready.required:
            raise JobFailed(f"page never became ready ({what}) within {budget:.1f}s", "timeout") from exc
        logger.debug("ready condition not met in {:g}s; going on", budget)


def _selector_name(ready: ReadySpec) -> str | None:
    if ready.selector is None:
        return None
    return ready.selector if ready.frame is None else f"{ready.selector} in {ready.frame}"


def _playwright_timeout() -> type[Exception]:
    from playwright.async_api import TimeoutError as PlaywrightTimeout

    return PlaywrightTimeout


async def _scroll_until_stable(page: Page, action: ScrollAction) -> None:
    for _ in range(action.max):
        height = await page.evaluate("document.documentElement.scrollHeight")
        await page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
        try:
            await page.wait_for_function(
                "h => document.documentElement.scrollHeight > h", arg=height, timeout=STABLE_MS
            )
        except _playwright_timeout():
            return  # the page stopped growing


async def _click_until_gone(page: Page, action: ClickAction) -> None:
    loc = (await _locator(page, action.click, action.frame)).first
    for _ in range(action.max):
        if not await loc.count() or not await loc.is_visible():
            return
        nodes = await _count_nodes(page, action.frame)
        await loc.click()
        try:
            await _wait_dom_change(page, action.frame, nodes)
        except _playwright_timeout():
            return  # clicking did nothing: stop rather than spin


async def _count_nodes(page: Page, frame: str | None) -> int:
    target = await _frame(page, frame)
    return int(await target.evaluate("document.getElementsByTagName('*').length"))


async def _wait_dom_change(page: Page, frame: str | None, nodes: int) -> None:
    target = await _frame(page, frame)
    await target.wait_for_function(
        "n => document.getElementsByTagName('*').length !== n", arg=nodes, timeout=CLICK_EFFECT_MS
    )


async def _frame(page: Page, frame: str | None) -> Page | Frame:
    if frame is None:
        return page
    handle = await page.wait_for_selector(playwright_selector(frame), state="attached")
    content = await handle.content_frame() if handle else None
    if content is None:
        raise JobFailed(f"frame {frame!r} has no document", "page")
    return content


async def run_actions(page: Page, actions: Sequence[Action]) -> None:
    for action in actions:
        if isinstance(action, ScrollAction):
            await _scroll_until_stable(page, action)
        elif isinstance(action, ClickAction):
            await _click_until_gone(page, action)
        elif isinstance(action, WaitAction):
            loc = await _locator(page, action.wait_for, action.frame)
            try:
                await loc.first.wait_for(state="attached")
            except _playwright_timeout():
                if action.required:
                    raise JobFailed(f"wait_for {action.wait_for!r}: never appeared", "timeout") from None


async def frame_html(page: Page, frame: str, max_html: int) -> str | None:
    """The HTML of the first iframe matching `frame` (cross-origin frames included)."""
    from scraper.browser.navigate import SETTLE_SECONDS, content

    handle = await page.query_selector(playwright_selector(frame))
    document = await handle.content_frame() if handle else None
    return await content(document, max_html, SETTLE_SECONDS) if document else None
