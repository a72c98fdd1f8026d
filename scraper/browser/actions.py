"""A profile's or a watch's actions (click "load more", scroll an infinite thread, wait for an
element, fill a login form), each bounded by the job's deadline, each recorded in the render's
trace, each saying when it left the page possibly incomplete.

Built-in profiles run them on every page, so each costs about a round trip when there is nothing to
do: a click only when a matching control is visible. Scrolling starts as soon as the page has
loaded (`follow_to_bottom`), so what loads when reached loads during the ready wait; after it, a
page at its bottom whose requests have been quiet since well after its last scroll is done.
Otherwise each scroll is followed by another only when it made the page ask for more (a script,
fetch or document request, or a taller page) within a short window, counted from when the page's
reaction to the scroll has run (its scroll listeners and intersection callbacks, the timers and
frames they set: `_REACT`), however slow a busy machine makes that. A page with nothing that a
scroll can set off (`REACTIONS`: no scroll listener, IntersectionObserver or frame) is not probed
at all: that window was the largest fixed cost of a check left (issue 25).
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import Sequence
from functools import lru_cache, partial
from typing import TYPE_CHECKING

from cssselect import SelectorError
from cssselect import parse as parse_css

from scraper.base.errors import JobFailed
from scraper.browser import effects, forms, navigate
from scraper.browser.steps import frame_of, locator, ms, playwright_timeout
from scraper.browser.trace import Step, Trace
from scraper.profiles.schema import Action, ClickAction, ScrollAction, WaitAction, is_xpath

if TYPE_CHECKING:
    from playwright.async_api import Page, Request

# After a scroll, how long the page has to start loading more before it is called stable. A page
# that loads on scroll asks within a frame or two (an IntersectionObserver callback, a throttled
# scroll handler): the window is three times what two frames took to render, at least ACTIVITY_S
# and at most ACTIVITY_MAX_S, so a loaded machine (slow frames) waits longer than an idle one.
ACTIVITY_S = 0.1
ACTIVITY_MAX_S = 1.0
_TWO_FRAMES = ("() => new Promise(done => requestAnimationFrame(() =>"
               " requestAnimationFrame(() => setTimeout(done))))")
# Once it loads, how long its requests must stay quiet before the next scroll.
QUIET_S = 0.25
# At most this long waiting for one scroll's loads to settle.
SETTLE_S = 5.0
# How long a click may take to change the page before "click until gone" stops.
CLICK_EFFECT_S = 5.0
# What can bring more content; images, fonts and media (often blocked anyway) cannot.
_LOADS = frozenset({"fetch", "xhr", "script", "document", "eventsource", "websocket", "other"})
_DEADLINE = "the deadline stopped the page's actions early: the thread may be incomplete"


def _left(end: float) -> float:
    return end - asyncio.get_running_loop().time()


class _Loads:
    """The page's requests that can bring more content: how many started, which are in flight."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.started = 0
        self.inflight: set[Request] = set()
        self.changed = asyncio.Event()
        self.last = asyncio.get_running_loop().time()  # when a request last started or ended
        page.on("request", self._start)
        page.on("requestfinished", self._end)
        page.on("requestfailed", self._end)

    def _start(self, request: Request) -> None:
        if request.resource_type in _LOADS:
            self.started += 1
            self.inflight.add(request)
            self._changed()

    def _end(self, request: Request) -> None:
        if request in self.inflight:
            self.inflight.discard(request)
            self._changed()

    def _changed(self) -> None:
        self.last = asyncio.get_running_loop().time()
        self.changed.set()

    def quiet_for(self) -> float:
        """Seconds since the last request started or ended; 0 while one is in flight."""
        return 0.0 if self.inflight else asyncio.get_running_loop().time() - self.last

    def close(self) -> None:
        for event, handler in (("request", self._start), ("requestfinished", self._end),
                               ("requestfailed", self._end)):
            self.page.remove_listener(event, handler)

    async def _changed_within(self, seconds: float) -> bool:
        self.changed.clear()
        try:
            await asyncio.wait_for(self.changed.wait(), max(seconds, 0.001))
        except TimeoutError:
            return False
        return True

    async def started_since(self, count: int, seconds: float) -> bool:
        loop = asyncio.get_running_loop()
        until = loop.time() + seconds
        while self.started <= count:
            if not await self._changed_within(until - loop.time()):
                return self.started > count
        return True

    async def settle(self, end: float) -> None:
        """Until nothing is in flight and nothing new starts for QUIET_S (or `end`)."""
        loop = asyncio.get_running_loop()
        end = min(end, loop.time() + SETTLE_S)
        while _left(end) > 0:
            if self.inflight:
                await self._changed_within(_left(end))
            elif not await self._changed_within(min(QUIET_S, _left(end))):
                return


_HEIGHT = "document.documentElement.scrollHeight"
# Until what the page set off in reaction to a scroll has run (quiet.OBSERVER's `react`: its scroll
# listeners and intersection callbacks, the timers and frames they set), at most `capMs`: a page
# that reacts for ever (an animation loop started on scroll) is not waited out. On a busy machine
# the reaction takes longer, and is waited for all the same.
_REACT = """capMs => {
  const state = window.__scraperQuiet;
  if (!state || !state.react) return null;
  return Promise.race([state.react(), new Promise(done => state.setTimeout(done, capMs))]);
}"""
# Scrolls to the bottom; the page's height before, once its reaction has run.
_TO_BOTTOM = f"""async capMs => {{
  const h = document.documentElement.scrollHeight;
  window.scrollTo(0, h);
  await ({_REACT})(capMs);
  return h;
}}"""
# Keeps the window at the bottom of the page while it loads (every time the document grows), until
# the page changes its address (a stream of next articles) or the scroll action stops it. The
# scroll waits for the next frame, and only if the page has not grown again meanwhile: a loader's
# IntersectionObserver must see its sentinel pushed out of view by new content (a frame rendered
# so) before it sees it come back. Only while the page has something a scroll can set off
# (`REACTIONS`, an `onscroll` handler, a frame or embed, which load lazily by themselves, and
# `loading=lazy` images when they are not blocked): scrolling a page that nothing watches only
# made the renderer draw it to its bottom, about 15 ms of Chromium's CPU a check (issue 25). What
# a page sets up later without growing is the scroll action's to find (`_UNFOLLOW` tests the same,
# and more).
_FOLLOW = """lazy => {
  const root = document.documentElement, address = location.href;
  if (!root) return;  // a document being replaced: the next one is followed, if it stays
  const state = window.__scraperQuiet;
  const loaders = lazy ? "iframe, frame, object, embed, [loading=lazy]" : "iframe, frame, object, embed";
  const reacts = () => window.__scraperReacts || window.onscroll || document.onscroll
    || document.querySelector(loaders);
  const bottom = () => {
    if (!reacts()) return;
    window.scrollTo(0, root.scrollHeight);
    window.__scraperScrolled = performance.now();
    if (state && state.react) state.react();  // what it sets off is waited for when following stops
  };
  const follow = new ResizeObserver(() => {
    if (location.href !== address) follow.disconnect();
    else {
      const height = root.scrollHeight;
      requestAnimationFrame(() => {
        if (window.__scraperFollow === follow && root.scrollHeight === height) bottom();
      });
    }
  });
  follow.observe(root);
  bottom();
  window.__scraperFollow = follow;
}"""
# Installed in every document before its scripts (with the quiet window's observer): notes the
# first thing the page sets up that a scroll can set off, which is all that can make scrolling
# load more: a scroll listener, an IntersectionObserver (lazy loaders, infinite threads). Natives
# are wrapped in a Proxy, which calls them unchanged and still reads as native code. A page
# polling its scroll position on a timer is not seen; the probe's window of a few frames missed
# such a page's load as often as not anyway.
REACTIONS = """(() => {
  if ("__scraperReacts" in window) return;
  window.__scraperReacts = "";
  const seen = what => { if (!window.__scraperReacts) window.__scraperReacts = what; };
  const wrap = (owner, name, test, what) => {
    const native = owner && owner[name];
    if (typeof native !== "function") return;
    owner[name] = new Proxy(native, {apply(target, self, args) {
      if (!window.__scraperReacts && test(args)) seen(what);
      return Reflect.apply(target, self, args);
    }});
  };
  wrap(window.IntersectionObserver && IntersectionObserver.prototype, "observe", () => true,
       "an IntersectionObserver");
  wrap(window.EventTarget && EventTarget.prototype, "addEventListener",
       ([type]) => typeof type !== "string" || /^scroll/i.test(type), "a scroll listener");
})();"""
# Stops following; then, unless the page has nothing a scroll can set off (`REACTIONS`, an
# `onscroll` handler, a frame: [null, 0, 0]), once the page's reaction to the last scroll has run
# (`_REACT`), whether the window is at the bottom of the page, how long ago (ms) the last scroll to
# it was, and how long two frames take now (ms).
_UNFOLLOW = f"""async ([framed, capMs]) => {{
  if (window.__scraperFollow) window.__scraperFollow.disconnect();
  delete window.__scraperFollow;
  const noted = window.__scraperReacts;
  if (noted === "" && !framed && !window.onscroll && !document.onscroll
      && !document.querySelector("iframe, frame, object, embed")) return [null, 0, 0];
  await ({_REACT})(capMs);
  const root = document.documentElement, start = performance.now();
  await new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)));
  const now = performance.now();
  return [window.scrollY + window.innerHeight >= root.scrollHeight - 2,
          now - (window.__scraperScrolled || 0), now - start];
}}"""


async def follow_to_bottom(page: Page, actions: Sequence[Action], lazy_images: bool = True) -> _Loads | None:
    """When the profile scrolls at all, keep the window at the bottom of the page from the moment it
    has loaded, and watch its requests: a thread that loads when reached then loads during the ready
    wait, and a page that went quiet at its bottom well after its last scroll has nothing more to
    load. `lazy_images`: whether the page's images load (not blocked), so that its `loading=lazy`
    ones are a reason to follow it. The watch goes to `run_actions`."""
    if not any(isinstance(action, ScrollAction) for action in actions):
        return None
    loads = _Loads(page)
    try:
        await navigate.steady(page, _FOLLOW, lazy_images, navigate.SETTLE_SECONDS)  # rides out a redirect
    except BaseException:  # failed, or given up as the page leaves: its watch goes too
        loads.close()
        raise
    return loads


async def warm_locators(page: Page, actions: Sequence[Action]) -> None:
    """Playwright injects its selector engine into a page at the first locator query (~30 ms of
    a check, measured): run as a task while the page still loads its thread, instead of at the
    profile's first step that needs it. A click the page answers for itself (`_MAY_CLICK`) does
    not: on most pages it finds nothing to click, and the engine is never injected. Never raises:
    a page closed meanwhile is the actions' to report."""
    if any(isinstance(action, WaitAction) or (isinstance(action, ClickAction) and not _asked_first(action))
           for action in actions):
        with contextlib.suppress(Exception):
            await page.locator(":root").count()


# Whether a control to click may be on the page, asked of the page before Playwright's selector
# engine is: injecting that engine cost the renderer ~20 ms of every check (issue 25, measured),
# and most pages have no "load more" to click. It errs one way only: it finds every element the
# locator of `click_until_gone` would (the CSS in the document and in its open shadow roots, as
# Playwright's CSS engine runs it; the text as Playwright reads it for `has_text`, its
# `elementText`; visibility is not tested), so its "no" is the locator's too. A selector with a
# combinator (which Playwright's engine carries across shadow roots) is left to the locator.
_MAY_CLICK = """([css, source]) => {
  let re = null;
  if (source !== null) {
    try { re = new RegExp(source, "i"); } catch (e) { return true; }
  }
  const skipped = el => el.nodeName === "SCRIPT" || el.nodeName === "NOSCRIPT" || el.nodeName === "STYLE"
    || (document.head && document.head.contains(el));
  const text = node => {
    if (node.nodeType === Node.ELEMENT_NODE && skipped(node)) return "";
    const input = node instanceof HTMLInputElement && ["submit", "button", "reset"].includes(node.type);
    if (input) return node.value;
    let full = "";
    for (let child = node.firstChild; child; child = child.nextSibling) {
      if (child.nodeType === Node.TEXT_NODE) full += child.nodeValue || "";
      else if (child.nodeType === Node.ELEMENT_NODE) full += text(child);
    }
    return node.shadowRoot ? full + text(node.shadowRoot) : full;
  };
  const roots = [document];
  for (let i = 0; i < roots.length; i++) {
    let found;
    try { found = roots[i].querySelectorAll(css); } catch (e) { return true; }
    for (const el of found) {
      if (re === null) return true;
      re.lastIndex = 0;
      if (re.test(text(el))) return true;
    }
    for (const el of roots[i].querySelectorAll("*")) if (el.shadowRoot) roots.push(el.shadowRoot);
  }
  return false;
}"""


@lru_cache(maxsize=256)
def _compound_only(css: str) -> bool:
    """Whether `css` is a list of compound selectors (no descendant, child or sibling combinator,
    nothing relative), which a root's `querySelectorAll` matches as Playwright's engine does."""
    if is_xpath(css):
        return False
    try:
        trees = [repr(selector.parsed_tree) for selector in parse_css(css)]
    except SelectorError:
        return False
    return not any("CombinedSelector" in tree or "Relation" in tree for tree in trees)


def _asked_first(action: ClickAction) -> bool:
    return action.frame is None and _compound_only(action.click)


async def _may_click(page: Page, action: ClickAction) -> bool:
    if not _asked_first(action):
        return True
    from playwright.async_api import Error as PlaywrightError

    try:
        return bool(await page.evaluate(_MAY_CLICK, [action.click, action.text]))
    except PlaywrightError:  # a navigation meanwhile: the locator meets it, as it always did
        return True


# What one action did: (clicks or scrolls made, what happened in words, a warning if it may have
# left the page incomplete, whether it did what it was for).
Done = tuple[int, str, str | None, bool]
_STABLE = "the page stopped growing"


def _times(n: int) -> str:
    return "once" if n == 1 else f"{n} times"


async def scroll_until_stable(page: Page, action: ScrollAction, end: float,
                              loads: _Loads | None = None) -> Done:
    """Scroll to the bottom until the page stops asking for more. `loads`: the page's requests
    since `follow_to_bottom`, if it was followed."""
    at_bottom, since, frames = await page.evaluate(
        _UNFOLLOW, [len(page.frames) > 1, ms(min(SETTLE_S, max(_left(end), 0)))])
    if at_bottom is None:  # nothing on the page can load more when scrolled
        return 0, "nothing on the page loads more when scrolled", None, True
    followed = loads is not None
    loads = loads or _Loads(page)
    # Whatever loads on a scroll asks within a frame or two: a page at its bottom, with no request
    # since well after its last scroll there, has nothing more to load. The same window as after a
    # scroll below (three times two frames, at least ACTIVITY_S), waited out if not yet passed:
    # cheaper than another scroll, and the common case (issue 10 measured 0.2 s per check here).
    if followed and at_bottom:
        window = min(max(3 * frames / 1000, ACTIVITY_S), ACTIVITY_MAX_S)
        started, quiet = loads.started, min(since / 1000, loads.quiet_for())
        if quiet < window and not loads.inflight:
            await loads.started_since(started, min(window - quiet, _left(end)))
        if loads.started == started and not loads.inflight:
            return 0, f"followed to the bottom as it loaded; {_STABLE}", None, True
    if not await page.evaluate(f"{_HEIGHT} > window.innerHeight + 1"):
        return 0, "the page fits the window: nothing to scroll", None, True
    address = page.url
    for n in range(action.max):
        if _left(end) <= 0:
            return n, f"scrolled {_times(n)}; the deadline stopped it", _DEADLINE, False
        if page.url != address:  # a stream of next articles, not this page's thread: stop there
            return n, f"scrolled {_times(n)}; the page went to {page.url}", None, True
        if loads.inflight:
            await loads.settle(end)
        started = loads.started
        height = await page.evaluate(_TO_BOTTOM, ms(min(SETTLE_S, max(_left(end), 0))))
        window = max(ACTIVITY_S, 3 * await _frames_took(page))
        asked = await loads.started_since(started, min(window, ACTIVITY_MAX_S, _left(end)))
        if not asked and not await page.evaluate(f"h => {_HEIGHT} > h", height):
            return n + 1, f"scrolled {_times(n + 1)}; {_STABLE}", None, True  # it asked for no more
        await loads.settle(end)
    return (action.max, f"scrolled {_times(action.max)}; stopped at max: {action.max}",
            f"the page was still growing after {action.max} scrolls", False)


async def _frames_took(page: Page) -> float:
    """Seconds for the page to render two frames: by then a scroll's observers have run."""
    loop = asyncio.get_running_loop()
    started = loop.time()
    await page.evaluate(_TWO_FRAMES)
    return loop.time() - started


async def click_until_gone(page: Page, action: ClickAction, end: float) -> Done:
    if not await _may_click(page, action):
        return 0, "not on the page: nothing to click", None, True
    found = await locator(page, action.click, action.frame)
    if action.text is not None:
        found = found.filter(has_text=re.compile(action.text, re.IGNORECASE))
    control = found.filter(visible=True).first
    target = await frame_of(page, action.frame)
    clicks, outcome = 0, "gone"
    while clicks < action.max and await control.count():
        if _left(end) <= 0:
            return clicks, f"clicked {_times(clicks)}; the deadline stopped it", _DEADLINE, False
        seconds = min(CLICK_EFFECT_S, _left(end))
        try:
            effect = await effects.act(page, target, partial(control.click, timeout=ms(seconds)),
                                       seconds)
        except playwright_timeout():
            outcome = "the control could not be clicked"
            break
        clicks += 1
        if effect == "navigated":  # a form's submit button: the page it opened is the page now
            return clicks, f"clicked {_times(clicks)}; it opened {page.url}", None, True
        if effect == "nothing":  # clicking did nothing: stop rather than spin
            outcome = "the last click changed nothing"
            break
    if not clicks:
        return 0, "not on the page: nothing to click", None, True
    if await control.count():
        what = action.text or action.click
        return (clicks, f"clicked {_times(clicks)}; {outcome}",
                f"a 'load more' control is still on the page after {clicks} clicks ({what[:60]})", False)
    return clicks, f"clicked {_times(clicks)}; gone", None, True


async def _wait_for(page: Page, action: WaitAction, end: float) -> Done:
    loc = await locator(page, action.wait_for, action.frame)
    loop = asyncio.get_running_loop()
    started, remaining = loop.time(), _left(end)
    try:
        await loc.first.wait_for(state="attached", timeout=ms(remaining))
    except playwright_timeout():
        if action.required:
            raise JobFailed(f"never appeared within {remaining:.1f}s", "timeout") from None
        return 0, f"never appeared within {remaining:.1f}s (required: false)", None, False
    return 0, f"appeared after {loop.time() - started:.1f}s", None, True


def describe(action: Action) -> tuple[str, str]:
    """(kind, target) of an action, as its YAML names them."""
    if isinstance(action, ScrollAction):
        return "scroll", action.scroll
    if isinstance(action, ClickAction):
        return "click", action.click
    if isinstance(action, WaitAction):
        return "wait_for", action.wait_for
    return forms.describe(action)


async def _act(page: Page, action: Action, end: float, loads: _Loads | None) -> Done:
    if isinstance(action, ScrollAction):
        return await scroll_until_stable(page, action, end, loads)
    if isinstance(action, ClickAction):
        return await click_until_gone(page, action, end)
    if isinstance(action, WaitAction):
        return await _wait_for(page, action, end)
    target = await frame_of(page, action.frame)
    return 0, await forms.run(page, action, target, _left(end)), None, True


async def run_actions(page: Page, actions: Sequence[Action], end: float,
                      loads: _Loads | None = None, *, source: str = "profile",
                      trace: Trace | None = None) -> list[str]:
    """Run the actions in order until `end` (event-loop time), recording each one's outcome in
    `trace`; the warnings they leave. A required step that fails ends the render with an error
    naming the step. `loads`: what `follow_to_bottom` returned."""
    trace = trace if trace is not None else Trace()
    loop = asyncio.get_running_loop()
    warnings: list[str] = []
    try:
        for action in actions:
            index = len(trace.steps) + 1
            kind, target = describe(action)
            started = loop.time()
            try:
                count, outcome, warning, ok = await _act(page, action, end, loads)
            except JobFailed as exc:
                trace.steps.append(Step(index, source, kind, target, False, str(exc), 0,
                                        loop.time() - started))
                raise JobFailed(f"{source} step {index} ({kind} {target}): {exc}", exc.kind) from None
            trace.steps.append(Step(index, source, kind, target, ok, outcome, count,
                                    loop.time() - started))
            if warning:
                warnings.append(warning)
    finally:
        if loads is not None:
            loads.close()
    return warnings
