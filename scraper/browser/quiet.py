"""Readiness by a quiet window: no request in flight and no DOM mutation for a short while.

Playwright's `networkidle` waits for 500 ms without a connection, on every page, even once the
thread the profile reads is on screen; that wait was the largest part of a check (issue 10). Here
the page is ready when the network has nothing in flight and neither it nor the DOM has moved for:
- `QUIET_LONG` (as long as networkidle) while the profile's comment items are not in the page: a
  thread may still be on its way (drawn after a timer, fetched after load);
- `QUIET_SHORT` once they are: the thread is drawn, and a short quiet spell catches the batches
  that follow and the likes and tags drawn with it.
Requests are counted from Playwright's events (every frame's); DOM mutations by an observer the
page gets before its first script runs. Nothing polls: the wait is one promise in the page that
settles when the DOM and the network have both been still for the window (its timer set for just
the time that is left, an item's arrival shortening the window at once), and, while requests are in
flight, an event set when the last one ends (polling cost each check ~0.2 s, or a round trip per
25 ms). Every wait is bounded by the caller's budget.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from playwright.async_api import BrowserContext, Page, Request

QUIET_LONG = 0.5
QUIET_SHORT = 0.05
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
# Resolves, with whether an item is there, once the DOM and the network (quiet for `netMs` when
# called, as the caller saw it) have been still for the window: `shortMs` once an item is there,
# else `longMs`. A timer for the time left, set again when the DOM moved meanwhile; an observer
# that ends the long window as soon as an item comes. One round trip, however long it takes.
_SETTLED = f"""([item, netMs, longMs, shortMs]) => new Promise(done => {{ {_HAS}
  const state = window.__scraperQuiet;
  const called = performance.now();
  let timer = null, observer = null, over = false;
  const check = () => {{
    if (over) return;
    const found = has(item);
    const now = performance.now();
    const still = Math.min(state ? now - state.last : 1e9, netMs + now - called);
    const left = (found ? shortMs : longMs) - still;
    clearTimeout(timer);
    if (left <= 0) {{
      over = true;
      if (observer) observer.disconnect();
      return done(found);
    }}
    if (found && observer) {{ observer.disconnect(); observer = null; }}
    timer = setTimeout(check, left);
  }};
  if (item && !has(item)) {{
    observer = new MutationObserver(() => {{ if (has(item)) check(); }});
    observer.observe(document, {{subtree: true, childList: true}});
  }}
  check();
}})"""


class QuietWatch:
    """Counts a context's requests in flight and when the network last moved."""

    def __init__(self) -> None:
        self.inflight = 0
        self.last = 0.0
        self._idle = asyncio.Event()  # set while nothing is in flight
        self._idle.set()

    async def attach(self, context: BrowserContext, also: str = "") -> None:
        """Watch the context's requests; install the DOM observer, and the init script `also`
        with it (one round trip for both)."""
        self.last = asyncio.get_running_loop().time()
        await context.add_init_script(OBSERVER + also)
        context.on("request", self._started)
        context.on("requestfinished", self._ended)
        context.on("requestfailed", self._ended)

    def _started(self, request: Request) -> None:
        self.inflight += 1
        self.last = asyncio.get_running_loop().time()
        self._idle.clear()

    def _ended(self, request: Request) -> None:
        self.inflight = max(0, self.inflight - 1)
        self.last = asyncio.get_running_loop().time()
        if self.inflight == 0:
            self._idle.set()

    async def wait(self, page: Page, item: str | None, budget: float) -> None:
        """Return once the page is quiet (see the module); TimeoutError after `budget` seconds."""
        loop = asyncio.get_running_loop()
        # The network is watched for a whole window from now at least: what a page starts just
        # after `load` (a meta refresh's navigation, a fetch on a zero-delay timer) is seen.
        begun = loop.time()
        async with asyncio.timeout(budget):
            while True:
                await self._idle.wait()
                found = await _settled(page, item, loop.time() - max(self.last, begun))
                if found is None:  # the document was replaced: wait for the new one
                    continue
                # A request that came and went while the page waited: wait again from it.
                window = QUIET_SHORT if found else QUIET_LONG
                if self.inflight == 0 and loop.time() - max(self.last, begun) >= window:
                    return


async def _settled(page: Page, item: str | None, net_quiet: float, long: float = QUIET_LONG,
                   short: float = QUIET_SHORT) -> bool | None:
    """Until the page's DOM and (from `net_quiet` seconds now) its network have been still for
    the window (`short` once an item is there, else `long`): whether an item is there. A document
    being replaced (a meta refresh, a redirect by script) has just changed: None, after a short
    window in which the new one comes in."""
    from playwright.async_api import Error as PlaywrightError

    try:
        found = await page.evaluate(_SETTLED, [item, net_quiet * 1000, long * 1000, short * 1000])
    except PlaywrightError:
        if page.is_closed():
            raise
        await asyncio.sleep(short)  # not a poll: the new document's own wait comes next
        return None
    return bool(found)
