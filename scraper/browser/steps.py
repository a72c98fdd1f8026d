"""The small async steps of one render: guard, block, wait until ready, act, read the DOM.

Every wait is bounded by the job's deadline (the caller wraps the whole job in one timeout) and
waits for a condition in the page, never for a fixed time.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

from loguru import logger

from scraper.browser import effects, forms
from scraper.browser.trace import Ready, Step, Trace
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


async def wait_ready(page: Page, ready: ReadySpec, remaining: float) -> Ready:
    """Wait for the profile's ready conditions; say what was waited for, and for how long."""
    budget = min(ready.timeout, remaining) if ready.timeout else remaining
    what = "network idle"  # the condition being waited for, named if it never comes
    conditions = [c for c in ("network idle" if ready.network_idle else "",
                              _ready_selector(ready), ready.js or "") if c]
    started = time.monotonic()
    try:
        async with asyncio.timeout(budget):
            if ready.network_idle:
                await page.wait_for_load_state("networkidle", timeout=_ms(budget))
            if ready.selector:
                what = _ready_selector(ready)
                loc = await _locator(page, ready.selector, ready.frame)
                await loc.first.wait_for(state="attached", timeout=_ms(budget))
            if ready.js:
                what = ready.js
                await page.wait_for_function(ready.js, timeout=_ms(budget))
    except (TimeoutError, _playwright_timeout()) as exc:
        if ready.required:
            raise JobFailed(f"page never became ready ({what}) within {budget:.1f}s") from exc
        logger.debug("ready condition not met in {:g}s; going on", budget)
        return Ready(" + ".join(conditions), False, time.monotonic() - started, budget, False)
    return Ready(" + ".join(conditions), True, time.monotonic() - started, budget, ready.required)


def _ready_selector(ready: ReadySpec) -> str:
    if not ready.selector:
        return ""
    return ready.selector if ready.frame is None else f"{ready.selector} in {ready.frame}"


def _playwright_timeout() -> type[Exception]:
    from playwright.async_api import TimeoutError as PlaywrightTimeout

    return PlaywrightTimeout


async def _scroll_until_stable(page: Page, action: ScrollAction) -> tuple[int, str]:
    for n in range(1, action.max + 1):
        height = await page.evaluate("document.documentElement.scrollHeight")
        await page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
        try:
            await page.wait_for_function(
                "h => document.documentElement.scrollHeight > h", arg=height, timeout=STABLE_MS
            )
        except _playwright_timeout():
            return n, f"scrolled {_times(n)}; the page stopped growing"
    return action.max, f"scrolled {_times(action.max)}; stopped at max: {action.max}"


async def _click_until_gone(page: Page, action: ClickAction) -> tuple[int, str]:
    loc = (await _locator(page, action.click, action.frame)).first
    target = await _frame_or_page(page, action.frame)
    for n in range(action.max):
        if not await loc.count() or not await loc.is_visible():
            return n, f"clicked {_times(n)}; gone" if n else "not on the page: nothing to click"
        effect = await effects.act(page, target, loc.click)
        if effect == "nothing":
            return n + 1, f"clicked {_times(n + 1)}; the last click changed nothing"
        if effect == "navigated":  # a form's submit button: the page it opened is the page now
            return n + 1, f"clicked {_times(n + 1)}; it opened {page.url}"
    return action.max, f"clicked {_times(action.max)}; stopped at max: {action.max}"


def _times(n: int) -> str:
    return "once" if n == 1 else f"{n} times"


async def _frame(page: Page, frame: str | None) -> Page | Frame:
    if frame is None:
        return page
    handle = await page.wait_for_selector(playwright_selector(frame), state="attached")
    content = await handle.content_frame() if handle else None
    if content is None:
        raise JobFailed(f"frame {frame!r} has no document")
    return content


async def run_actions(page: Page, actions: Sequence[Action], source: str, trace: Trace,
                      end: float) -> None:
    """Run the actions in order, recording each one's outcome in `trace`; a required step that
    fails ends the render with an error naming the step. `end` is the loop time to finish by."""
    loop = asyncio.get_running_loop()
    for action in actions:
        index = len(trace.steps) + 1
        kind, target = describe(action)
        started = loop.time()
        try:
            count, outcome, ok = await _act(page, action, end - loop.time())
        except JobFailed as exc:
            trace.steps.append(Step(index, source, kind, target, False, str(exc), 0,
                                    loop.time() - started))
            raise JobFailed(f"{source} step {index} ({kind} {target}): {exc}") from None
        trace.steps.append(Step(index, source, kind, target, ok, outcome, count, loop.time() - started))


async def _act(page: Page, action: Action, remaining: float) -> tuple[int, str, bool]:
    """(clicks or scrolls made, what happened, whether it did what it was for)."""
    if isinstance(action, ScrollAction):
        return (*await _scroll_until_stable(page, action), True)
    if isinstance(action, ClickAction):
        count, outcome = await _click_until_gone(page, action)
        return count, outcome, True
    if isinstance(action, WaitAction):
        loc = await _locator(page, action.wait_for, action.frame)
        started = time.monotonic()
        try:
            await loc.first.wait_for(state="attached", timeout=_ms(remaining))
        except _playwright_timeout():
            if action.required:
                raise JobFailed(f"never appeared within {remaining:.1f}s") from None
            return 0, f"never appeared within {remaining:.1f}s (required: false)", False
        return 0, f"appeared after {time.monotonic() - started:.1f}s", True
    return 0, await forms.run(page, action, await _frame_or_page(page, action.frame), remaining), True


def describe(action: Action) -> tuple[str, str]:
    """(kind, target) of an action, as its YAML names them."""
    if isinstance(action, ScrollAction):
        return "scroll", action.scroll
    if isinstance(action, ClickAction):
        return "click", action.click
    if isinstance(action, WaitAction):
        return "wait_for", action.wait_for
    return forms.describe(action)


async def _frame_or_page(page: Page, frame: str | None) -> Page | Frame:
    return await _frame(page, frame) if frame else page


async def frame_html(page: Page, frame: str) -> str | None:
    """The HTML of the first iframe matching `frame` (cross-origin frames included)."""
    handle = await page.query_selector(playwright_selector(frame))
    content = await handle.content_frame() if handle else None
    return await content.content() if content else None
