"""The scroll probe (issue 25) in a real Chromium: a page with nothing a scroll can set off is not
probed; a page with a scroll listener, an IntersectionObserver or a frame is, and loads all it has,
also when its loader waits on a timer and on a CPU slowed down as a busy machine's (issue 21)."""

from __future__ import annotations

import asyncio

import pytest
from playwright.async_api import Browser

from scraper.browser import BrowserSession
from scraper.browser.actions import REACTIONS, follow_to_bottom, scroll_until_stable
from scraper.browser.quiet import OBSERVER
from scraper.profiles.schema import ScrollAction

TALL = '<div style="height: 3000px">The article.</div><ol id="list"></ol>'
# Three more batches, each drawn when the end of the list comes into view (IntersectionObserver),
# or on a scroll event; the list's end is below the window until the last one.
LOADER = """<script>
let batches = 0;
const more = () => {
  if (batches >= 3) return;
  batches += 1;
  const li = document.createElement("li");
  li.className = "comment";
  li.style.height = "2000px";
  li.textContent = "batch " + batches;
  document.getElementById("list").append(li);
};
%s
</script>"""
BY_OBSERVER = LOADER % ('const end = document.createElement("div"); document.body.append(end);'
                        "new IntersectionObserver(es => es.some(e => e.isIntersecting) && more())"
                        ".observe(end);")
BY_LISTENER = LOADER % "window.addEventListener('scroll', () => setTimeout(more, 0));"
# A debounced handler: it loads once the scrolling has stopped for 300 ms (within quiet.REACT_S).
BY_DEBOUNCE = LOADER % ("let wait; window.addEventListener('scroll', () => "
                        "{ clearTimeout(wait); wait = setTimeout(more, 300); });")
FRAMED = TALL + '<iframe srcdoc="<p>A widget.</p>"></iframe>'
SKIPPED = "nothing on the page loads more when scrolled"


def _followed(chromium: BrowserSession, body: str, lazy_images: bool = True) -> bool:
    """Whether `follow_to_bottom` scrolled the page `body` (to its bottom, as the page loads)."""
    async def job(browser: Browser) -> bool:
        context = await browser.new_context()
        try:
            await context.add_init_script(OBSERVER + REACTIONS)
            page = await context.new_page()
            await page.set_content(body)
            loads = await follow_to_bottom(page, [ScrollAction(scroll="until-stable")], lazy_images)
            assert loads is not None
            loads.close()
            return bool(await page.evaluate("window.scrollY > 0"))
        finally:
            await context.close()

    return chromium.run(job, 60)


def _scroll(chromium: BrowserSession, body: str, slower: float = 1) -> tuple[str, int, bool]:
    """The scroll action's outcome on `body`, how many batches loaded, whether the wrapped natives
    still read as native code. `slower`: the page's CPU slowed down so many times (DevTools)."""
    async def job(browser: Browser) -> tuple[str, int, bool]:
        context = await browser.new_context()
        try:
            await context.add_init_script(OBSERVER + REACTIONS)
            page = await context.new_page()
            if slower > 1:
                devtools = await context.new_cdp_session(page)
                await devtools.send("Emulation.setCPUThrottlingRate", {"rate": slower})
            await page.set_content(body)
            action = ScrollAction(scroll="until-stable", max=10)
            loads = await follow_to_bottom(page, [action])
            end = asyncio.get_running_loop().time() + 30
            _, outcome, _, ok = await scroll_until_stable(page, action, end, loads)
            assert ok, outcome
            batches = await page.evaluate("document.querySelectorAll('li.comment').length")
            native = await page.evaluate(
                "[EventTarget.prototype.addEventListener, IntersectionObserver.prototype.observe]"
                ".every(f => Function.prototype.toString.call(f).includes('[native code]'))")
            return outcome, batches, native
        finally:
            await context.close()

    return chromium.run(job, 60)


LOADERS = pytest.mark.parametrize("loader", [BY_OBSERVER, BY_LISTENER, BY_DEBOUNCE],
                                  ids=["observer", "listener", "debounced"])


@LOADERS
def test_a_page_that_loads_on_scroll_is_probed_and_loads_it_all(
        chromium: BrowserSession, loader: str) -> None:
    outcome, batches, native = _scroll(chromium, TALL + loader)
    assert outcome != SKIPPED
    assert batches == 3, outcome
    assert native


@LOADERS
def test_on_a_busy_machine_the_probe_still_loads_it_all(
        chromium: BrowserSession, loader: str) -> None:
    # Frames and timers 20 times slower: the probe waits for the page's reaction to each scroll
    # (its listener, its observer's callback, the timers they set), not for a time (it stopped
    # after 1 or 2 of the 3 batches, 2 runs in 5 at this rate, with a window of a few frames).
    outcome, batches, _ = _scroll(chromium, TALL + loader, slower=20)
    assert batches == 3, outcome


def test_a_page_with_nothing_a_scroll_sets_off_is_not_probed(chromium: BrowserSession) -> None:
    outcome, batches, native = _scroll(chromium, TALL)
    assert outcome == SKIPPED
    assert batches == 0 and native


def test_a_page_with_a_frame_is_probed(chromium: BrowserSession) -> None:
    # What a frame of another origin set up cannot be seen from the page: it is probed.
    outcome, _, _ = _scroll(chromium, FRAMED)
    assert outcome != SKIPPED


# The follow scrolls only a page that something could load more on (issue 25: scrolling the others
# cost the renderer about 15 ms a check, drawing the page to its bottom for nothing).
@pytest.mark.parametrize(("body", "followed"), [
    (TALL, False),
    (TALL + BY_OBSERVER, True),
    (TALL + BY_LISTENER, True),
    (TALL + "<script>window.onscroll = () => {};</script>", True),
    (FRAMED, True),
    (TALL + '<iframe loading="lazy" srcdoc="<p>A widget.</p>"></iframe>', True),
], ids=["nothing", "observer", "listener", "onscroll", "frame", "lazy-frame"])
def test_the_follow_scrolls_only_a_page_a_scroll_can_set_off(
        chromium: BrowserSession, body: str, followed: bool) -> None:
    assert _followed(chromium, body) is followed


def test_lazy_images_are_followed_only_when_they_load(chromium: BrowserSession) -> None:
    # An evidence capture loads every image (they are recorded); a profile that blocks them does not.
    lazy = TALL + '<img loading="lazy" src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">'
    assert _followed(chromium, lazy, lazy_images=True)
    assert not _followed(chromium, lazy, lazy_images=False)
