"""Getting to a readable page: navigate, let it settle, and read its DOM within bounds.

Hostile or clumsy pages do three things this module rides out:
- a `load` event that never fires (an image whose onerror adds another image, a stalled request):
  the page is navigated to its DOMContentLoaded, `load` is waited for within a bound, and then the
  DOM is read as it stands, with a warning;
- navigation while the DOM is read (a meta refresh, a script redirect, a reload loop): reading is
  retried after the next load, up to a bound, then it fails with a clear error;
- a DOM too large to read safely: its size is asked first, and a page over `max_html` fails
  ("page too large") instead of costing gigabytes in the driver and the parser;
- third parties that accept a connection and never answer, holding the parser on a `<script src>`
  in `<head>`: once the page's own document has come, DOMContentLoaded is waited for a third of
  the time left; then the page is loaded again without the hosts still loading (their requests
  fail at once), with a warning naming them. A page whose own document never comes still fails;
- a navigation that ends on the browser's error page (`chrome-error://`) or on the SSRF guard's
  refusal (a script or meta redirect to a private address) fails, never reads as an empty page.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit

from loguru import logger

from scraper.base.errors import JobFailed
from scraper.base.terminal import safe_line
from scraper.base.unicode import well_formed
from scraper.browser.guard import BLOCKED_HEADER

if TYPE_CHECKING:
    from playwright.async_api import Frame, Page, Request, Response, Route

T = TypeVar("T")

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
# At most this many navigations of the main frame after load may replace the document being read
# (interstitials, consent hops, script redirects) before a capture stops following the page.
MAX_HOPS = 8
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
# The share of the time left, once the page's document has come, that its parsing may wait for
# other hosts (scripts and stylesheets in <head> hold it) before it is loaded without them.
THIRD_PARTY_SHARE = 1 / 3


@dataclass
class Observations:
    """What a render noticed about the page that the record should say (render warnings)."""

    warnings: list[str] = field(default_factory=list)
    loaded: bool = True  # False: `load` never fired (so no network idle will come either)
    too_large: int | None = None  # a document announced this many bytes, over max_html
    tasks: set[asyncio.Future[None]] = field(default_factory=set)  # CDP handlers in flight
    pending: dict[Request, str] = field(default_factory=dict)  # sub-requests in flight: host
    failed_navigation: str | None = None  # the page's last navigation that failed: why
    refused: Response | None = None  # the page's navigation the SSRF guard answered
    navigated: asyncio.Event = field(default_factory=asyncio.Event)  # the main frame committed
    starts: int = 0  # the main frame's navigations started (requests for a new document)
    first: int | None = None  # `starts` when the main frame's first document committed
    asked: int = 0  # of `starts`, those the watch's own steps made (a login form sent)
    leaving: set[Request] = field(default_factory=set)  # those still in flight
    left: asyncio.Event = field(default_factory=asyncio.Event)  # one of them ended
    begun: asyncio.Event = field(default_factory=asyncio.Event)  # one of them started

    def warn(self, message: str) -> None:
        logger.warning("{}", message)
        self.warnings.append(message)


def watch_requests(page: Page, seen: Observations) -> None:
    """Keep, in `seen`, the sub-requests in flight and how the page's own navigations end."""
    def own(request: Request) -> bool:
        return request.is_navigation_request() and request.frame == page.main_frame

    def started(request: Request) -> None:
        if not own(request):
            seen.pending[request] = urlsplit(request.url).netloc
        else:
            seen.starts += 1
            seen.leaving.add(request)
            seen.begun.set()

    def finished(request: Request) -> None:
        seen.pending.pop(request, None)
        if own(request):
            seen.leaving.discard(request)
            seen.left.set()

    def failed(request: Request) -> None:
        seen.pending.pop(request, None)
        if own(request):
            seen.leaving.discard(request)
            seen.left.set()
        if own(request) and request.failure != "net::ERR_ABORTED":  # not one replaced by the next
            seen.failed_navigation = f"{request.url}: {request.failure or 'failed'}"

    def answered(response: Response) -> None:
        if own(response.request):
            seen.failed_navigation = None
            seen.refused = response if response.headers.get(BLOCKED_HEADER.lower()) else None

    page.on("request", started)
    page.on("requestfinished", finished)
    page.on("requestfailed", failed)
    page.on("response", answered)
    def committed(frame: Frame) -> None:
        if frame == page.main_frame:
            if seen.first is None:
                seen.first = seen.starts
            seen.navigated.set()

    page.on("framenavigated", committed)


async def landed(page: Page, seen: Observations) -> None:
    """Fail when the page ended on the browser's error page or on the SSRF guard's refusal."""
    from playwright.async_api import Error as PlaywrightError

    if seen.refused is not None:
        message = f"refused: {seen.refused.url} is not a public address (SCRAPER_BLOCK_PRIVATE=1)"
        with contextlib.suppress(PlaywrightError):
            message = await seen.refused.text()
        raise JobFailed(safe_line(message), "network")
    if page.url.startswith("chrome-error://"):
        why = seen.failed_navigation or "the browser showed its error page"
        raise JobFailed(f"the browser could not load {safe_line(why)}", "network")


async def goto(page: Page, url: str, load_timeout: float, seen: Observations, max_html: int,
               end: float | None = None) -> None:
    """Navigate to `url`; wait for `load` at most `load_timeout` seconds, then go on without it.
    `end` (loop time): the job's; a share of what is left of it bounds waiting on other hosts."""
    from playwright.async_api import Error as PlaywrightError

    watch_requests(page, seen)
    answers: list[Response] = []  # the main frame's answers: what a download was, if one comes

    def on_response(response: Response) -> None:
        if response.frame == page.main_frame and response.request.is_navigation_request():
            answers.append(response)

    page.on("response", on_response)
    try:
        response = await page.goto(url, wait_until="commit")
    except PlaywrightError as exc:
        if seen.too_large is not None:
            raise too_large(seen.too_large, max_html, "bytes") from None
        if "download is starting" in str(exc).lower():
            raise JobFailed(_download(url, answers), "page", where=url) from None
        from scraper.base.failures import Classified, classify

        raise Classified(classify(exc, url)) from None
    finally:
        page.remove_listener("response", on_response)
    if response is not None and response.headers.get(BLOCKED_HEADER.lower()):
        raise JobFailed(await response.text(), "network")  # a redirect led to a private address
    if response is not None and response.status >= 400:
        reason = safe_line(response.status_text)  # the server's words: escaped at the source
        raise JobFailed(f"cannot load {url}: the server answered HTTP {response.status} "
                        f"{reason}".rstrip(), "http", where=url)
    loop = asyncio.get_running_loop()
    await _parsed(page, seen, THIRD_PARTY_SHARE * ((end or loop.time() + 30) - loop.time()))
    await _arrived(page, seen, load_timeout)


def hops(seen: Observations) -> int:
    """The main frame's navigations since its first document came that the capture did not ask for
    (interstitials, script redirects, meta refreshes): counted as they start, so the same page
    makes the same count however far behind the reads are (MAX_HOPS)."""
    return 0 if seen.first is None else seen.starts - seen.first - seen.asked


def moved(seen: Observations, mark: int) -> bool:
    """Whether the main frame started a navigation since `seen.starts` was `mark`, or has one in
    flight: the document being read is going away."""
    return seen.starts != mark or bool(seen.leaving)


class Moved(Exception):
    """The page's main frame started another navigation during a read."""


async def unless_moved(wait: Coroutine[Any, Any, T], seen: Observations, mark: int) -> T:
    """`wait`'s result; Moved as soon as the main frame starts a navigation (since `mark`): a
    ready wait is not spent on a document that is going away."""
    if moved(seen, mark):
        wait.close()
        raise Moved
    seen.begun.clear()
    waiting, moving = asyncio.ensure_future(wait), asyncio.ensure_future(seen.begun.wait())
    try:
        await asyncio.wait((waiting, moving), return_when=asyncio.FIRST_COMPLETED)
    finally:
        moving.cancel()
        if not waiting.done():
            waiting.cancel()
            await asyncio.wait((waiting,))  # its end, not its error (our own cancel goes through)
            if not waiting.cancelled():
                waiting.exception()  # retrieved: a failure of the abandoned wait is no failure
    if moved(seen, mark):
        raise Moved  # even when the wait ended too: it may have ended on the old document
    return waiting.result()


async def follow(page: Page, seen: Observations, load_timeout: float) -> None:
    """After a navigation started: its request ended (Playwright reports that after the next
    document committed; a download or a 204 leaves the document as it was), then the document's
    `load`, all within `load_timeout` seconds. A navigation whose address never answers fails:
    the page it left is not the page."""
    loop = asyncio.get_running_loop()
    end = loop.time() + load_timeout
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(load_timeout):
            while seen.leaving:
                seen.left.clear()
                await seen.left.wait()
    if seen.leaving:
        raise _unanswered(seen, load_timeout)
    await _arrived(page, seen, max(end - loop.time(), 0.001))


def _unanswered(seen: Observations, seconds: float) -> JobFailed:
    where = safe_line(next(iter(seen.leaving)).url)
    return JobFailed(f"the page went on to {where}, which did not answer within {seconds:.1f}s",
                     "timeout", where=where)


async def _arrived(page: Page, seen: Observations, load_timeout: float) -> None:
    """The document's `load` (within `load_timeout`; else a warning), then a meta refresh it
    makes at once followed."""
    seen.loaded = await _loaded(page, load_timeout)
    if not seen.loaded:
        seen.warn(f"the page's load event never fired within {load_timeout:.1f}s; "
                  "captured from its DOM as it stood")
    else:
        seen.navigated.clear()
        if await _refreshes_soon(page, seen):
            await _followed(page, seen, load_timeout)


async def _parsed(page: Page, seen: Observations, bound: float) -> None:
    """Wait for DOMContentLoaded; past `bound` seconds with other hosts still loading, load the
    page again with their requests failing at once (the parser goes on without them)."""
    if await _dom_ready(page, bound):
        return
    stalled = sorted(set(seen.pending.values()))
    if not stalled:  # the page's own document is slow: it has the rest of the deadline
        await _dom_ready(page, None)
        return
    seen.warn(f"{', '.join(stalled)} did not answer within {bound:.1f}s once the page's document "
              f"had come; the page was read without {'it' if len(stalled) == 1 else 'them'}")

    async def fail(route: Route) -> None:
        await route.abort("timedout")

    await page.route(lambda address: urlsplit(address).netloc in stalled, fail)
    seen.pending.clear()
    await page.reload(wait_until="domcontentloaded")


# How often a wait for the document asks the driver something: a load-state wait is kept by the
# client alone, so a driver that died never ends it; a request to the driver fails at once.
PROBE_S = 1.0


async def _dom_ready(page: Page, seconds: float | None) -> bool:
    """Whether DOMContentLoaded came within `seconds` (None: however long the job lasts)."""
    from playwright.async_api import TimeoutError as PlaywrightTimeout

    loop = asyncio.get_running_loop()
    end = None if seconds is None else loop.time() + seconds
    while end is None or loop.time() < end:
        step = PROBE_S if end is None else min(PROBE_S, end - loop.time())
        try:
            await page.wait_for_load_state("domcontentloaded", timeout=_ms(max(step, 0.001)))
            return True
        except PlaywrightTimeout:  # not yet; anything else (a crash, a closed page) is the failure
            pass
        await page.context.cookies()  # fails at once when the driver or the browser is gone
    return False


def _download(url: str, answers: list[Response]) -> str:
    """What a person reads when the URL is a file the browser saves instead of showing."""
    headers = answers[-1].headers if answers else {}
    what = headers.get("content-type", "").split(";")[0].strip()
    if not what and "attachment" in headers.get("content-disposition", "").lower():
        what = "an attachment"
    return safe_line(f"cannot load {url}: the URL is a download ({what or 'a file'}), not a page; "
                     "give the address of the page that shows or links it")


async def _refreshes_soon(page: Page, seen: Observations) -> bool:
    """Whether the page is a redirect by meta refresh (to another address, within REFRESH_S): the
    page it leads to is the page, whenever the browser gets round to following it. A navigation
    that starts meanwhile (a script redirect just after `load`) is followed as well: the question
    is not waited for then, as its answer may never come while that navigation hangs (seen on a
    busy machine, with the redirect's address never answering)."""
    from playwright.async_api import Error as PlaywrightError

    try:
        return bool(await unless_moved(page.evaluate(_REFRESH, REFRESH_S), seen, seen.starts))
    except (Moved, PlaywrightError):  # the document is being replaced: it is followed below
        return True


async def _followed(page: Page, seen: Observations, seconds: float) -> None:
    """Wait for the next document (a reload too: a refresh to the same address) and its load. A
    navigation that started and never answered fails, as in `follow`: the page it left is not
    the page, and it cannot even be read while that navigation hangs (an evaluation in it never
    returns)."""
    from playwright.async_api import Error as PlaywrightError

    with contextlib.suppress(PlaywrightError, TimeoutError):  # not followed in time: read as it is
        async with asyncio.timeout(seconds):
            await seen.navigated.wait()
        await page.wait_for_load_state("load", timeout=_ms(seconds))
    if seen.leaving and not seen.navigated.is_set():
        raise _unanswered(seen, seconds)


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
    size, html = await steady(page, _READ_DOM, max_html, budget)
    if html is None:
        raise too_large(int(size), max_html, "characters")
    return well_formed(str(html))  # a script's lone surrogates would fail the parser


async def steady(page: Page | Frame, script: str, arg: object, budget: float) -> Any:
    """`script` evaluated in the page's document, again in the next one while the page navigates
    (a script redirect, a meta refresh), for at most `budget` seconds; then "kept navigating"."""
    from playwright.async_api import Error as PlaywrightError

    loop = asyncio.get_running_loop()
    end = loop.time() + max(budget, 0.5)
    while True:
        try:
            return await page.evaluate(script, arg)
        except PlaywrightError as exc:
            if not _navigating(exc) or loop.time() >= end:
                if _navigating(exc):
                    raise kept_navigating(f"for {budget:.1f}s") from None
                raise
            await _next_load(page, end - loop.time())


def kept_navigating(what: str) -> JobFailed:
    return JobFailed(f"the page kept navigating (meta refresh, script redirect or reload loop): "
                     f"{what}, nothing stable to read", "page")


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
