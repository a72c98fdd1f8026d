"""Getting to a readable page: navigate, let it settle, and read its DOM within bounds.

Hostile or clumsy pages do three things this module rides out:
- a `load` event that never fires (an image whose onerror adds another image, a stalled request):
  the page is navigated to its DOMContentLoaded, `load` is waited for within a bound, and then the
  DOM is read as it stands, with a warning;
- navigation while the DOM is read (a meta refresh, a script redirect, a reload loop): reading is
  retried after the next load, up to a bound, then it fails with a clear error;
- a DOM too large to read safely: its size is asked first, and a page over `max_html` fails
  ("page too large") instead of costing gigabytes in the driver and the parser.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from loguru import logger

from scraper.browser.guard import BLOCKED_HEADER
from scraper.errors import JobFailed

if TYPE_CHECKING:
    from playwright.async_api import Frame, Page

# How long a page may keep navigating (refresh or redirect chains, reload loops) before we stop
# waiting for it to hold still; at most the time left in the job.
SETTLE_SECONDS = 10.0
# How long to wait for `load` when no profile says (its ready timeout would).
LOAD_SECONDS = 10.0


@dataclass
class Observations:
    """What a render noticed about the page that the record should say (render warnings)."""

    warnings: list[str] = field(default_factory=list)
    loaded: bool = True  # False: `load` never fired (so the network will not idle either)

    def warn(self, message: str) -> None:
        logger.warning("{}", message)
        self.warnings.append(message)


async def goto(page: Page, url: str, load_timeout: float, seen: Observations) -> None:
    """Navigate to `url`; wait for `load` at most `load_timeout` seconds, then go on without it."""
    from playwright.async_api import Error as PlaywrightError

    try:
        response = await page.goto(url, wait_until="domcontentloaded")
    except PlaywrightError as exc:
        from scraper.failures import Classified, classify

        raise Classified(classify(exc, url)) from None
    if response is not None and response.headers.get(BLOCKED_HEADER.lower()):
        raise JobFailed(await response.text(), "network")  # a redirect led to a private address
    if response is not None and response.status >= 400:
        raise JobFailed(f"{url}: HTTP {response.status} {response.status_text}".rstrip(), "http")
    try:
        await page.wait_for_load_state("load", timeout=_ms(load_timeout))
    except PlaywrightError:
        seen.loaded = False
        seen.warn(f"the page's load event never fired within {load_timeout:.1f}s; "
                  "captured from its DOM as it stood")


async def content(page: Page | Frame, max_html: int, budget: float) -> str:
    """The DOM as HTML, waiting out navigations for at most `budget` seconds."""
    from playwright.async_api import Error as PlaywrightError

    loop = asyncio.get_running_loop()
    end = loop.time() + max(budget, 0.5)
    while True:
        try:
            size = int(await page.evaluate("document.documentElement ? "
                                           "document.documentElement.outerHTML.length : 0"))
            if size > max_html:
                raise JobFailed(f"page too large: {size:,} characters of HTML (max_html is "
                                f"{max_html:,}); raise the profile's max_html to read it", "page")
            return await page.content()
        except PlaywrightError as exc:
            if not _navigating(exc) or loop.time() >= end:
                if _navigating(exc):
                    raise JobFailed(
                        f"the page kept navigating (meta refresh, script redirect or reload loop) "
                        f"for {budget:.1f}s: nothing stable to read", "page") from None
                raise
            await _next_load(page, end - loop.time())


async def _next_load(page: Page | Frame, remaining: float) -> None:
    from playwright.async_api import Error as PlaywrightError

    with contextlib.suppress(PlaywrightError):  # still navigating: the caller's bound decides
        await page.wait_for_load_state("load", timeout=_ms(remaining))


def _navigating(exc: Exception) -> bool:
    text = str(exc).lower()
    return "navigating" in text or "execution context was destroyed" in text


def _ms(seconds: float) -> float:
    return max(seconds, 0.001) * 1000
