"""Readiness by a quiet window: no request in flight and no DOM mutation for a short while.

Playwright's `networkidle` waits for 500 ms without a connection, on every page, even once the
thread the profile reads is on screen; that wait was the largest part of a check (issue 10). Here
the page is ready when the network has nothing in flight and neither it nor the DOM has moved for:
- `QUIET_LONG` (as long as networkidle) while the profile's comment items are not in the page: a
  thread may still be on its way (drawn after a timer, fetched after load);
- `QUIET_SHORT` once they are: the thread is drawn, and a short quiet spell catches the batches
  that follow and the likes and tags drawn with it.
While the items are not there, one-shot timers the top document set for at most `TIMER_S` must
have fired too: an interstitial's redirect by script is mostly one, and the capture then reads the
page it leads to (render.py starts the read over on a new document). A timer set later, or longer,
cannot be waited for without slowing every page with no comments: that is the documented bound.
Requests are counted from Playwright's events (every frame's); DOM mutations by an observer the
page gets before its first script runs. Nothing polls: the wait is one promise in the page that
settles when the DOM and the network have both been still for the window (its timer set for just
the time that is left, an item's arrival shortening the window at once), and, while requests are in
flight, an event set when the last one ends (polling cost each check ~0.2 s, or a round trip per
25 ms). Every wait is bounded by the caller's budget.

The short window waits for what the page may still draw; a page with nothing left to run draws
nothing more. So once the items are in, `QUIET_CALM` is enough when the page has nothing scheduled
(`OBSERVER` notes, as the page asks, its timers due within the short window, its intervals,
animation frames and idle callbacks not yet run, its posted messages), has set up nothing that a
scroll sets off (`actions.REACTIONS`) and holds no frame (whose page cannot be seen), and two
frames have been drawn since the DOM last changed (observer callbacks have run by then). That was
~30 ms of every check of a simple page (issue 25).
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from scraper.browser.navigate import REFRESH_S

if TYPE_CHECKING:
    from playwright.async_api import BrowserContext, Page, Request

QUIET_LONG = 0.5
QUIET_SHORT = 0.05
QUIET_CALM = 0.02
# While the profile's items are not in the page, the quiet window also waits for the top document's
# one-shot timers of at most this long (set before the window ends, due within this long of the
# window's start): one may be a redirect. As long as a meta refresh that is followed (REFRESH_S).
TIMER_S = REFRESH_S
# A timer a scroll's reaction sets for at most this long is part of the reaction (`react` below):
# a throttled or debounced scroll handler's loader. One set for longer is not waited for.
REACT_S = 1.0
# ... and those its timers and frames set in turn, for this many generations: a debounce is one or
# two, an animation loop started on scroll (never ending) is no loader.
REACT_DEPTH = 10
# Installed in every document before its scripts: the time of the latest DOM change, watched from
# the end of parsing. The parser's own insertions queued a record each (~90 MB of the renderer on
# a 20,000-comment page), and the wait starts after `load` anyway. In the top document also: when
# each one-shot timer of at most TIMER_S is due (a redirect by script is mostly one: an
# interstitial's `setTimeout(() => location.replace(...), 1500)`), and the document starting to
# leave (the Navigation API's `navigate`, fired as a script sends the page elsewhere) counts as a
# change. The native setTimeout is kept for the wait's own timers. In every document: what the
# page asks to run later (timers, intervals, animation frames, idle callbacks, posted messages),
# for the calm window; natives wrapped in a Proxy, which calls them unchanged and still reads as
# native code.
OBSERVER = """(() => {
  if (window.__scraperQuiet) return;
  const state = window.__scraperQuiet = {last: performance.now(), timers: new Map(),
                                         setTimeout: window.setTimeout.bind(window),
                                         frame: window.requestAnimationFrame.bind(window)};
  const observe = () => {
    state.last = performance.now();
    new MutationObserver(() => { state.last = performance.now(); })
      .observe(document, {subtree: true, childList: true, characterData: true, attributes: true});
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", observe);
  else observe();
  const top = window === window.top;
  const scheduled = new Map(), repeating = new Set(), frames = new Set(), idle = new Set();
  let posted = -Infinity;
  state.pending = within => {
    const now = performance.now();
    if (repeating.size || frames.size || idle.size || posted > now - within) return true;
    for (const due of scheduled.values()) if (due <= now + within) return true;
    return false;
  };
  const wrap = (owner, name, call) => {
    const native = owner && owner[name];
    if (typeof native === "function")
      owner[name] = new Proxy(native, {apply: (target, self, args) => call(target, self, args)});
  };
  // What a scroll sets off (actions.py): the timers (due within REACT_MS) and animation frames set
  // while the page reacts to a scroll (`react` opens the reaction: a scroll listener, an
  // IntersectionObserver callback run until the rendering update after it has been delivered),
  // and those their callbacks set in turn, for REACT_DEPTH generations (an animation loop started
  // on scroll is no loader). A callback of anything set before it (a polling loop) is no
  // reaction, nor what it sets. `react()` resolves once all of them have run.
  const caused = new Map(), waiters = [];
  // The native observe: a page's own (REACTIONS notes those) is what can load more when scrolled.
  const Observer = window.IntersectionObserver, observeNative = Observer && Observer.prototype.observe;
  // inside: in a tracked callback, its generation as a reaction (0: none); null outside them
  let reacting = 0, inside = null;
  const settle = () => {
    if (!reacting && !caused.size) waiters.splice(0).forEach(done => done());
  };
  state.react = () => new Promise(done => {
    waiters.push(done);
    const root = document.documentElement;
    if (!root || typeof observeNative !== "function") return settle();
    reacting += 1;
    // An observer's first entry comes with the intersection callbacks of the rendering update
    // after the scroll (the scroll events were dispatched before them): one task later they ran.
    const marker = new Observer(() => {
      marker.disconnect();
      state.setTimeout(() => { reacting -= 1; settle(); });
    });
    Reflect.apply(observeNative, marker, [root]);
  });
  const track = (set, due, kind, reacts) => (native, self, args) => {
    if (typeof args[0] !== "function") {
      posted = performance.now() + (Number(args[1]) || 0);
      return Reflect.apply(native, self, args);
    }
    const fn = args[0], box = {};
    const depth = !reacts(args) ? 0 : inside === null ? (reacting > 0 ? 1 : 0) : inside && inside + 1;
    box.id = Reflect.apply(native, self, [function () {
      set.delete(box.id);
      const was = inside;
      inside = caused.get(kind + box.id) || 0;
      caused.delete(kind + box.id);
      try {
        return fn.apply(this, arguments);
      } finally {
        inside = was;
        settle();
      }
    }, ...args.slice(1)]);
    if (set instanceof Map) set.set(box.id, due(args)); else set.add(box.id);
    if (depth > 0 && depth <= REACT_DEPTH) caused.set(kind + box.id, depth);
    return box.id;
  };
  const timers = state.timers;  // the top document's one-shot timers of at most TIMER_MS
  const timeout = track(scheduled, args => performance.now() + Math.max(0, Number(args[1]) || 0),
                        "t", args => (Number(args[1]) || 0) <= REACT_MS);
  wrap(window, "setTimeout", (native, self, args) => {
    const id = timeout(native, self, args), delay = Math.max(Number(args[1]) || 0, 0);
    if (top && delay <= TIMER_MS) {
      const now = performance.now();
      if (timers.size > 1000) timers.forEach((due, key) => { if (due <= now) timers.delete(key); });
      timers.set(id, now + delay);
    }
    return id;
  });
  wrap(window, "requestAnimationFrame", track(frames, null, "f", () => true));
  wrap(window, "requestIdleCallback", track(idle, null, "i", () => false));
  wrap(window, "setInterval", (native, self, args) => {
    const id = Reflect.apply(native, self, args);
    repeating.add(id);
    return id;
  });
  const forget = (kind, ...sets) => (native, self, args) => {
    for (const set of sets) set.delete(args[0]);
    if (caused.delete(kind + args[0])) settle();
    return Reflect.apply(native, self, args);
  };
  wrap(window, "clearTimeout", forget("t", scheduled, repeating, timers));
  wrap(window, "clearInterval", forget("t", scheduled, repeating, timers));
  wrap(window, "cancelAnimationFrame", forget("f", frames));
  wrap(window, "cancelIdleCallback", forget("i", idle));
  const post = (native, self, args) => {
    posted = performance.now();
    return Reflect.apply(native, self, args);
  };
  wrap(window, "postMessage", post);
  wrap(window.MessagePort && MessagePort.prototype, "postMessage", post);
  if (top && window.navigation) window.navigation.addEventListener("navigate", event => {
    if (!event.destination.sameDocument) state.last = performance.now();
  });
})();""".replace("TIMER_MS", str(round(TIMER_S * 1000))).replace(
    "REACT_MS", str(round(REACT_S * 1000))).replace("REACT_DEPTH", str(REACT_DEPTH))
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
# Resolves, with whether an item is there (0 no, 1 yes, 2 yes and the page calm: see the module),
# once the DOM and the network (quiet for `netMs` when called, as the caller saw it) have been
# still for the window: `shortMs` once an item is there (`calmMs` when calm), else `longMs`, and,
# with no item, no timer pending that is due before the document's horizon (TIMER_S after its
# first wait). A timer for the time left, set again when the DOM moved meanwhile; an observer that
# ends the long window as soon as an item comes. One round trip, however long it takes.
_SETTLED = f"""([item, netMs, longMs, shortMs, timerMs, calmMs]) => new Promise(done => {{ {_HAS}
  const state = window.__scraperQuiet;
  const later = state ? state.setTimeout : setTimeout;
  const called = performance.now();
  if (state && state.horizon === undefined) state.horizon = called + timerMs;
  let timer = null, observer = null, over = false, ticking = false, drawn = null, frames = 0;
  const calm = () => !!state && !!state.pending && window.__scraperReacts === "" && !state.pending(shortMs)
    && !document.querySelector("iframe, frame, object, embed");
  // Frames drawn since the DOM last changed, on the page's own frames (the native call).
  const tick = () => {{
    if (over) return;
    if (state.last !== drawn) {{ drawn = state.last; frames = 0; }} else frames += 1;
    state.frame(tick);
    if (frames >= 2) check();
  }};
  const pending = now => {{  // the latest due time of the timers that may still send the page away
    let last = 0;
    if (state) state.timers.forEach((due, id) => {{
      if (due <= now) state.timers.delete(id);
      else if (due <= state.horizon) last = Math.max(last, due);
    }});
    return last;
  }};
  const check = () => {{
    if (over) return;
    const found = has(item);
    const now = performance.now();
    const still = Math.min(state ? now - state.last : 1e9, netMs + now - called);
    const quiet = found && calm();
    if (quiet && !ticking) {{ ticking = true; drawn = state.last; state.frame(tick); }}
    let left = (found ? (quiet ? calmMs : shortMs) : longMs) - still;
    if (item && !found) left = Math.max(left, pending(now) + 10 - now);  // just after it fired
    clearTimeout(timer);
    if (left <= 0 && (!quiet || (drawn === state.last && frames >= 2))) {{
      over = true;
      if (observer) observer.disconnect();
      return done(found ? (quiet ? 2 : 1) : 0);
    }}
    if (found && observer) {{ observer.disconnect(); observer = null; }}
    if (left > 0) timer = later(check, left);  // else the frames still to come call it
  }};
  if (item && !has(item)) {{
    observer = new MutationObserver(() => {{ if (has(item)) check(); }});
    observer.observe(document, {{subtree: true, childList: true}});
  }}
  check();
}})"""


class QuietWatch:
    """Counts a page's requests in flight (its frames' included) and when the network last moved."""

    def __init__(self) -> None:
        self.inflight = 0
        self.last = 0.0
        self._idle = asyncio.Event()  # set while nothing is in flight
        self._idle.set()

    async def attach(self, context: BrowserContext, page: Page, also: str = "") -> None:
        """Watch the page's requests; install the DOM observer in the context, and the init script
        `also` with it (one round trip for both). The page's own events, not the context's: the
        render subscribes the page to them anyway (`navigate.watch_requests`), so the driver is
        asked to send them once, not twice (issue 25: three messages of every check); the
        context's other pages are popups, closed as they open (`steps.guard`)."""
        self.last = asyncio.get_running_loop().time()
        await context.add_init_script(OBSERVER + also)
        page.on("request", self._started)
        page.on("requestfinished", self._ended)
        page.on("requestfailed", self._ended)

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
                window = (QUIET_LONG, QUIET_SHORT, QUIET_CALM)[found]
                if self.inflight == 0 and loop.time() - max(self.last, begun) >= window:
                    return


async def _settled(page: Page, item: str | None, net_quiet: float, long: float = QUIET_LONG,
                   short: float = QUIET_SHORT, timers: float = TIMER_S,
                   calm: float = QUIET_CALM) -> int | None:
    """Until the page's DOM and (from `net_quiet` seconds now) its network have been still for
    the window (`short` once an item is there, `calm` if the page is calm, else `long`): 0 no item
    there, 1 an item, 2 an item and the page calm. A document being replaced (a meta refresh, a
    redirect by script) has just changed: None, after a short window in which the new one comes in."""
    from playwright.async_api import Error as PlaywrightError

    try:
        found = await page.evaluate(_SETTLED, [item, net_quiet * 1000, long * 1000, short * 1000,
                                               timers * 1000, calm * 1000])
    except PlaywrightError:
        if page.is_closed():
            raise
        await asyncio.sleep(short)  # not a poll: the new document's own wait comes next
        return None
    return int(found)
