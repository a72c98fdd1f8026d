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

from scraper.base.errors import JobFailed
from scraper.base.terminal import safe_line
from scraper.base.unicode import well_formed
from scraper.browser.guard import BLOCKED_HEADER

if TYPE_CHECKING:
    from playwright.async_api import Frame, Page

# How long a page may keep navigating (refresh or redirect chains, reload loops) before we stop
# waiting for it to hold still; at most the time left in the job.
SETTLE_SECONDS = 10.0
# The DOM as page.content() gives it (doctype + outerHTML), in one round trip, and only when it is
# no larger than the cap: [length, html or null].
_READ_DOM = """max => {
  const root = document.documentElement;
  if (!root) return [0, ''];
  const html = root.outerHTML;
  if (html.length > max) return [html.length, null];
  const d = document.doctype;
  const doctype = !d ? '' : '<!DOCTYPE ' + d.name + (d.publicId ? ' PUBLIC "' + d.publicId + '"' : '')
    + (!d.publicId && d.systemId ? ' SYSTEM' : '') + (d.systemId ? ' "' + d.systemId + '"' : '') + '>';
  return [html.length, doctype + html];
}"""
# A meta refresh to another address within this many seconds is followed before the page is read.
REFRESH_S = 3.0
_REFRESH = """limit => {
  try {
    const meta = document.querySelector('meta[http-equiv="refresh" i]');
    const found = meta && /^\\s*(\\d+(?:\\.\\d+)?)\\s*[;,]\\s*(?:url\\s*=\\s*)?(\\S+)/i.exec(meta.content);
    return !!found && parseFloat(found[1]) <= limit && new URL(found[2].replace(/^['"]|['"]$/g, ''),
      location.href).href !== location.href;
  } catch (e) { return false; }
}"""
# How long to wait for `load` when no profile says (its ready timeout would).
LOAD_SECONDS = 10.0


@dataclass
class Observations:
    """What a render noticed about the page that the record should say (render warnings)."""

    warnings: list[str] = field(default_factory=list)
    loaded: bool = True  # False: `load` never fired (so no network idle will come either)
    too_large: int | None = None  # a document announced this many bytes, over max_html
    tasks: set[asyncio.Future[None]] = field(default_factory=set)  # CDP handlers in flight

    def warn(self, message: str) -> None:
        logger.warning("{}", message)
        self.warnings.append(message)


async def goto(page: Page, url: str, load_timeout: float, seen: Observations, max_html: int) -> None:
    """Navigate to `url`; wait for `load` at most `load_timeout` seconds, then go on without it."""
    from playwright.async_api import Error as PlaywrightError

    try:
        response = await page.goto(url, wait_until="domcontentloaded")
    except PlaywrightError as exc:
        if seen.too_large is not None:
            raise too_large(seen.too_large, max_html, "bytes") from None
        from scraper.base.failures import Classified, classify

        raise Classified(classify(exc, url)) from None
    if response is not None and response.headers.get(BLOCKED_HEADER.lower()):
        raise JobFailed(await response.text(), "network")  # a redirect led to a private address
    if response is not None and response.status >= 400:
        reason = safe_line(response.status_text)  # the server's words: escaped at the source
        raise JobFailed(f"cannot load {url}: the server answered HTTP {response.status} "
                        f"{reason}".rstrip(), "http", where=url)
    seen.loaded = await _loaded(page, load_timeout)
    if not seen.loaded:
        seen.warn(f"the page's load event never fired within {load_timeout:.1f}s; "
                  "captured from its DOM as it stood")
    else:
        address = page.url
        if await _refreshes_soon(page):
            await _followed(page, address, load_timeout)


async def _refreshes_soon(page: Page) -> bool:
    """Whether the page is a redirect by meta refresh (to another address, within REFRESH_S): the
    page it leads to is the page, whenever the browser gets round to following it."""
    from playwright.async_api import Error as PlaywrightError

    try:
        return bool(await page.evaluate(_REFRESH, REFRESH_S))
    except PlaywrightError:  # the document is being replaced already: it is followed below
        return True


async def _followed(page: Page, address: str, seconds: float) -> None:
    from playwright.async_api import Error as PlaywrightError

    with contextlib.suppress(PlaywrightError):  # not followed in time: read as it stands
        await page.wait_for_url(lambda url: url != address, timeout=_ms(seconds))
        await page.wait_for_load_state("load", timeout=_ms(seconds))


async def _loaded(page: Page, seconds: float) -> bool:
    from playwright.async_api import Error as PlaywrightError

    try:
        await page.wait_for_load_state("load", timeout=_ms(seconds))
    except PlaywrightError:
        if page.is_closed() or not page.context.browser or not page.context.browser.is_connected():
            raise  # the browser went away (killed, crashed): that is the failure, not a slow page
        return False
    return True


async def content(page: Page | Frame, max_html: int, budget: float) -> str:
    """The DOM as HTML, waiting out navigations for at most `budget` seconds."""
    from playwright.async_api import Error as PlaywrightError

    loop = asyncio.get_running_loop()
    end = loop.time() + max(budget, 0.5)
    while True:
        try:
            size, html = await page.evaluate(_READ_DOM, max_html)
            if html is None:
                raise too_large(int(size), max_html, "characters")
            return well_formed(str(html))  # a script's lone surrogates would fail the parser
        except PlaywrightError as exc:
            if not _navigating(exc) or loop.time() >= end:
                if _navigating(exc):
                    raise JobFailed(
                        f"the page kept navigating (meta refresh, script redirect or reload loop) "
                        f"for {budget:.1f}s: nothing stable to read", "page") from None
                raise
            await _next_load(page, end - loop.time())


def too_large(size: int, max_html: int, unit: str) -> JobFailed:
    return JobFailed(f"page too large: {size:,} {unit} of HTML (max_html is {max_html:,}); "
                     "raise the profile's max_html to read it", "page")


async def _next_load(page: Page | Frame, remaining: float) -> None:
    from playwright.async_api import Error as PlaywrightError

    with contextlib.suppress(PlaywrightError):  # still navigating: the caller's bound decides
        await page.wait_for_load_state("load", timeout=_ms(remaining))


def _navigating(exc: Exception) -> bool:
    text = str(exc).lower()
    return "navigating" in text or "execution context was destroyed" in text


def _ms(seconds: float) -> float:
    return max(seconds, 0.001) * 1000
