"""Readiness by a quiet window: no request in flight and no DOM mutation for a short while.

Playwright's `networkidle` waits for 500 ms without a connection, on every page, even once the
thread the profile reads is on screen; that wait was the largest part of a check (issue 10). Here
the page is ready when the network has nothing in flight and neither it nor the DOM has moved for:
- `QUIET_LONG` (as long as networkidle) while the profile's comment items are not in the page: a
  thread may still be on its way (drawn after a timer, fetched after load);
- `QUIET_SHORT` once they are: the thread is drawn, and a short quiet spell catches the batches
  that follow and the likes and tags drawn with it.
Requests are counted from Playwright's events (every frame's); DOM mutations by an observer the
page gets before its first script runs. Until the items are there, the wait is one call into the
page that returns as soon as one is (polling for them cost each check ~0.2 s, or a round trip per
25 ms). Every wait is bounded by the caller's budget.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from playwright.async_api import BrowserContext, Page, Request

QUIET_LONG = 0.5
QUIET_SHORT = 0.05
POLL = 0.025
# Installed in every document before its scripts: the time of the latest DOM change, watched from
# the end of parsing. The parser's own insertions queued a record each (~90 MB of the renderer on
# a 20,000-comment page), and the wait starts after `load` anyway.
OBSERVER = """(() => {
  if (window.__scraperQuiet) return;
  const state = window.__scraperQuiet = {last: performance.now()};
  const observe = () => {
    state.last = performance.now();
    new MutationObserver(() => { state.last = performance.now(); })
      .observe(document, {subtree: true, childList: true, characterData: true, attributes: true});
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", observe);
  else observe();
})();"""
# Whether the profile's items are in the page (CSS, or `xpath:`); an expression the page cannot
# run finds nothing.
_HAS = """const has = item => {
  try {
    if (!item) return false;
    if (item.startsWith("xpath:")) return document.evaluate(item.slice(6), document, null,
      XPathResult.FIRST_ORDERED_NODE_TYPE, null).singleNodeValue !== null;
    return document.querySelector(item) !== null;
  } catch (e) { return false; }
};"""
# [ms since the latest DOM change, whether the profile's items are in the page]
_PROBE = f"""item => {{ {_HAS}
  const state = window.__scraperQuiet;
  return [state ? performance.now() - state.last : 1e9, has(item)];
}}"""
# Resolves as soon as an item is in the page, or after `ms`: one round trip, however long it takes.
_ARRIVAL = f"""([item, ms]) => new Promise(done => {{ {_HAS}
  if (has(item)) return done(true);
  const end = found => {{ observer.disconnect(); clearTimeout(timer); done(found); }};
  const observer = new MutationObserver(() => {{ if (has(item)) end(true); }});
  const timer = setTimeout(() => end(false), ms);
  observer.observe(document, {{subtree: true, childList: true}});
}})"""


class QuietWatch:
    """Counts a context's requests in flight and when the network last moved."""

    def __init__(self) -> None:
        self.inflight = 0
        self.last = 0.0

    async def attach(self, context: BrowserContext) -> None:
        self.last = asyncio.get_running_loop().time()
        await context.add_init_script(OBSERVER)
        context.on("request", self._started)
        context.on("requestfinished", self._ended)
        context.on("requestfailed", self._ended)

    def _started(self, request: Request) -> None:
        self.inflight += 1
        self.last = asyncio.get_running_loop().time()

    def _ended(self, request: Request) -> None:
        self.inflight = max(0, self.inflight - 1)
        self.last = asyncio.get_running_loop().time()

    async def wait(self, page: Page, item: str | None, budget: float) -> None:
        """Return once the page is quiet (see the module); TimeoutError after `budget` seconds."""
        loop = asyncio.get_running_loop()
        # The network is watched for a whole window from now at least: what a page starts just
        # after `load` (a meta refresh's navigation, a fetch on a zero-delay timer) is seen.
        begun = loop.time()
        async with asyncio.timeout(budget):
            while True:
                if self.inflight == 0:
                    since_dom, found = await _probe(page, item)
                    window = QUIET_SHORT if found else QUIET_LONG
                    since = min(loop.time() - max(self.last, begun), since_dom / 1000)
                    if self.inflight == 0 and since >= window:
                        return
                    pause = max(POLL, window - since)
                    if found or item is None:
                        await asyncio.sleep(pause)
                    else:  # the items' arrival shortens the window: be there when they come
                        await _arrival(page, item, pause)
                else:
                    await asyncio.sleep(POLL)


async def _probe(page: Page, item: str | None) -> tuple[float, bool]:
    """[ms since the DOM last changed, whether an item is there]; a document being replaced (a
    meta refresh, a redirect by script) has just changed."""
    from playwright.async_api import Error as PlaywrightError

    try:
        since_dom, found = await page.evaluate(_PROBE, item)
    except PlaywrightError:
        if page.is_closed():
            raise
        return 0.0, False
    return float(since_dom), bool(found)


async def _arrival(page: Page, item: str, seconds: float) -> None:
    """Until an item is in the page, or `seconds`; a document being replaced ends the wait."""
    from playwright.async_api import Error as PlaywrightError

    try:
        await page.evaluate(_ARRIVAL, [item, seconds * 1000])
    except PlaywrightError:
        if page.is_closed():
            raise
