"""One Chromium per process, driven from a private event-loop thread.

Callers (the CLI, the daemon's worker threads, tests) submit jobs from any thread; each job gets a
fresh browser context that is closed after it, and a crashed or disconnected browser is relaunched
for the next job. The launch cost is paid once per process.

Long runs: after `recycle_pages` jobs, or once the browser's process tree passes `recycle_mib`, the
next job gets a new browser and the old one is closed when its last job has ended (no job is cut
short). `cancel_jobs()` ends the jobs in flight with `Cancelled` (the daemon stopping).
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Awaitable, Callable
from concurrent.futures import CancelledError as FutureCancelled
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from typing import TYPE_CHECKING, Any, TypeVar

from loguru import logger

from scraper.base.errors import Cancelled, JobFailed
from scraper.browser.discovery import QUIET_FLAGS, bundled_path, find_chromium
from scraper.browser.driver import start_driver
from scraper.browser.guard import GuardProxy, Resolver
from scraper.browser.memory import descendants, rss_mib
from scraper.config.settings import Settings

if TYPE_CHECKING:
    from playwright.async_api import Browser, Playwright

T = TypeVar("T")
# How often (in jobs) the browser's memory is measured: reading /proc costs a few milliseconds.
MEMORY_EVERY = 10


def gone(exc: BaseException | None) -> bool:
    """An error that only says the browser or its driver went away (closed, killed, stopped)."""
    if exc is None:
        return False
    from playwright.async_api import Error as PlaywrightError

    text = str(exc)
    return (type(exc).__name__ == "TargetClosedError" or "Connection closed" in text
            or (isinstance(exc, PlaywrightError) and "has been closed" in text))


def unheard(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    """The browser loop's handler of errors nobody awaited. When the browser or its driver goes
    (Ctrl-C, SIGTERM, a killed driver), Playwright fails the futures of every call in flight,
    some of which nobody waits on any more: that is the stop itself, not news (debug log), never
    "Future exception was never retrieved" above a clean summary. Anything else is reported."""
    if gone(context.get("exception")):
        logger.debug("after the browser went: {}", context.get("exception"))
        return
    loop.default_exception_handler(context)


class BrowserSession:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._loop = asyncio.new_event_loop()
        self._loop.set_exception_handler(unheard)
        self._thread = threading.Thread(target=self._loop.run_forever, name="browser", daemon=True)
        self._playwright: Playwright | None = None
        self._browser: Browser | None = None
        self._lock: asyncio.Lock | None = None
        # SCRAPER_BLOCK_PRIVATE: every request goes through the guard's proxy (see guard.py).
        self.guard = Resolver(self.settings.browser_args) if self.settings.block_private else None
        self._proxy: GuardProxy | None = None
        self.recycle_pages = self.settings.recycle_pages
        self.recycle_mib = self.settings.recycle_mib
        self.launches = 0  # browsers launched (recycled and relaunched ones included)
        self._pages = 0  # jobs given to the current browser
        self._inflight: dict[Browser, int] = {}
        self._retired: set[Browser] = set()
        self._futures: set[Future[Any]] = set()
        self._jobs: set[asyncio.Task[Any]] = set()  # the tasks running jobs, on the loop
        self._futures_lock = threading.Lock()
        self._cancelling = False
        self._warming: asyncio.Task[Any] | None = None  # warm()'s launch and first reads
        self._thread.start()

    def __enter__(self) -> BrowserSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def warm(self) -> None:
        """Start the driver and launch the browser now, in the background: a one-off capture
        launches while it loads the rest of itself (issue 25). A launch that fails here is tried
        again, and reported, by the first job."""
        asyncio.run_coroutine_threadsafe(self._warm(), self._loop)

    async def _warm(self) -> None:
        self._warming = asyncio.current_task()
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            if self._browser is not None:
                return
            try:
                browser = self._browser = await self._launch()
            except Exception as exc:
                logger.debug("early launch failed ({}); the first job tries again", exc)
                return
            self.launches += 1
            self._pages = 0
        # What every job asks of a new browser first (its user agent; its client hints, read in a
        # page of their own), read now too, while the caller still loads its profiles.
        from scraper.browser.context import default_user_agent
        from scraper.browser.hints import headful_hints

        await default_user_agent(browser)
        await headful_hints(browser)

    def run(self, job: Callable[[Browser], Awaitable[T]], deadline: float) -> T:
        """Run `job` with a browser; it is cancelled (and its context closed) at the deadline."""
        with self._futures_lock:
            if self._cancelling:
                raise Cancelled("the browser session is stopping")
            future = asyncio.run_coroutine_threadsafe(self._run(job, deadline), self._loop)
            self._futures.add(future)
        try:
            # Extra time for tearing a timed-out job down before the caller gives up on it.
            return future.result(timeout=deadline + self.settings.teardown_grace)
        except FutureTimeout:
            future.cancel()
            raise JobFailed(f"job did not finish within its deadline of {deadline:g}s", "timeout") from None
        except FutureCancelled:
            raise Cancelled("the job was cancelled (the daemon is stopping)") from None
        finally:
            with self._futures_lock:
                self._futures.discard(future)

    def cancel_jobs(self) -> None:
        """End every job in flight (its context is closed by its own cleanup), and refuse new ones."""
        with self._futures_lock:
            self._cancelling = True
            futures = list(self._futures)
        for future in futures:
            future.cancel()

    async def _run(self, job: Callable[[Browser], Awaitable[T]], deadline: float) -> T:
        task = asyncio.current_task()
        if task is not None:
            self._jobs.add(task)
            task.add_done_callback(self._jobs.discard)
        browser = await self._ensure_browser()  # a launch is not part of the job's deadline
        try:
            async with asyncio.timeout(deadline):
                try:
                    return await self._on_browser(browser, job)
                except Exception as exc:
                    # A browser killed a moment ago still reads as connected until its driver
                    # notices; a job refused its very first step (a context) for that has done
                    # nothing yet, so it runs once more on a new browser.
                    if not str(exc).startswith("Browser.new_context:") or "closed" not in str(exc):
                        raise
                    logger.warning("browser gone; relaunching")
                    await self._drop_browser()
                    return await self._on_browser(await self._ensure_browser(), job)
        except TimeoutError:
            raise JobFailed(f"deadline of {deadline:g}s passed before the page was captured",
                            "timeout") from None
        except Exception:
            if self._cancelling:
                # Cancelled by cancel_jobs(): whatever the teardown raised, nobody waits for it any
                # more (asyncio would print it as an exception never retrieved).
                raise asyncio.CancelledError from None
            raise

    async def _on_browser(self, browser: Browser, job: Callable[[Browser], Awaitable[T]]) -> T:
        self._inflight[browser] = self._inflight.get(browser, 0) + 1
        try:
            return await job(browser)
        finally:
            self._inflight[browser] -= 1
            if browser in self._retired and not self._inflight[browser]:
                await self._retire(browser)

    async def _drop_browser(self) -> None:
        """The next job gets a new browser; the old one closes once its jobs have ended."""
        async with self._lock or asyncio.Lock():
            old, self._browser = self._browser, None
        if old is None:
            return
        if self._inflight.get(old):
            self._retired.add(old)
        else:
            await self._retire(old)

    async def _retire(self, browser: Browser) -> None:
        self._retired.discard(browser)
        self._inflight.pop(browser, None)
        try:
            await browser.close()
        except Exception as exc:  # already gone
            logger.debug("closing a recycled browser: {}", exc)

    async def _worn(self) -> bool:
        """Whether the current browser has served its pages or grown past its memory limit."""
        if self.recycle_pages and self._pages >= self.recycle_pages:
            logger.info("recycling the browser after {} pages", self._pages)
            return True
        if self.recycle_mib and self._pages and self._pages % MEMORY_EVERY == 0:
            # Off the loop: a walk of /proc takes milliseconds (more on a machine with many
            # processes), in which the pages in flight would hear nothing from their browser.
            size = await asyncio.to_thread(lambda: rss_mib(descendants(os.getpid()) - {os.getpid()}))
            if size > self.recycle_mib:
                logger.info("recycling the browser at {:.0f} MiB (limit {:g})", size, self.recycle_mib)
                return True
        return False

    async def _ensure_browser(self) -> Browser:
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            if self._browser is not None and self._browser.is_connected():
                if not await self._worn():
                    self._pages += 1
                    return self._browser
                old = self._browser
                self._retired.add(old)
                if not self._inflight.get(old):
                    await self._retire(old)
            elif self._browser is not None:
                logger.warning("browser disconnected; relaunching")
            self._browser = await self._launch()
            self.launches += 1
            self._pages = 1
            return self._browser

    async def _launch(self) -> Browser:
        if self._playwright is None:
            self._playwright = await start_driver(self.settings.driver_heap_mib)
        chromium = self._playwright.chromium
        if ws := self.settings.browser_ws:
            if ws.startswith("http") or "/devtools/" in ws:
                return await chromium.connect_over_cdp(ws)
            return await chromium.connect(ws)
        path = find_chromium(self.settings.browser_path, bundled_path(self._playwright))
        logger.debug("launching {}", path)
        return await chromium.launch(
            executable_path=path, args=[*QUIET_FLAGS, *self.settings.browser_args,
                                        *await self._guard_flags()]
        )

    async def _guard_flags(self) -> list[str]:
        if self.guard is None:
            return []
        if self._proxy is None:
            self._proxy = GuardProxy(self.guard)
            self._proxy_url = await self._proxy.start()
        # `<-loopback>`: loopback too goes through the proxy (Chromium bypasses it by default).
        return [f"--proxy-server={self._proxy_url}", "--proxy-bypass-list=<-loopback>"]

    def close(self) -> None:
        if not self._thread.is_alive():
            return
        asyncio.run_coroutine_threadsafe(self._shutdown(), self._loop).result(timeout=30)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=30)
        self._loop.close()

    async def _shutdown(self) -> None:
        if self._lock is not None:
            async with self._lock:  # a launch under way (`warm`) ends first: its browser closes below
                pass
        if self._warming is not None:  # and the reads that follow it (they use the browser)
            await asyncio.wait([self._warming], timeout=self.settings.teardown_grace)
        # Jobs still running (their caller was interrupted: Ctrl-C, SIGTERM) end first, their
        # contexts closed by their own cleanup; else asyncio reports them "destroyed but pending".
        # Only jobs: Playwright's own tasks (its connection to the driver) must outlive them.
        running = list(self._jobs)
        for task in running:
            task.cancel()
        if running:
            await asyncio.wait(running, timeout=self.settings.teardown_grace)
        for old in list(self._retired):
            await self._retire(old)
        if self._browser is not None:
            try:
                await self._browser.close()
            except Exception as exc:  # already gone: nothing left to close
                logger.debug("browser close: {}", exc)
        if self._playwright is not None:
            await self._playwright.stop()
        if self._proxy is not None:
            await self._proxy.close()
        self._browser = self._playwright = self._proxy = None

