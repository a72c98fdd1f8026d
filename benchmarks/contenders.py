"""The three contenders of the daemon benchmark, each checking the same pages at a concurrency:

- `Scraper`: full checks (render, extract, compare, store) through the daemon's own dispatcher,
  local executor and `run_check`, with one warm browser, its set-up frozen out of the garbage
  collector's walks (`freeze_setup`), as `scraper run` does;
- `per_check`: a browser launched for every check (what urlwatch does, in one process);
- `per_script`: a Python script per check (`script_per_check.py`: a fresh interpreter,
  Playwright's driver and a browser each time, as a cron job running a Playwright script);
- `floor`: bare Playwright, one warm browser, a fresh context per page, waiting for `li.comment`
  with a check on every animation frame (`READY_JS`), reading the DOM: the least any tool can do
  for the same page. `wait_for_selector` looks again at growing intervals (…, 100, 500, 500 ms)
  and missed a comment drawn 300 ms after `load` by up to half a second (issue 25).
Each returns the wall time of checking every page once.
"""

from __future__ import annotations

import asyncio
import functools
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from scraper.base.heap import freeze_setup
from scraper.browser import BrowserSession
from scraper.browser.discovery import QUIET_FLAGS, find_chromium
from scraper.config.settings import load_settings
from scraper.daemon.dispatch import Dispatcher, HostLimits
from scraper.daemon.executor import CheckOutcome, CheckTask, LocalExecutor
from scraper.store import open_db
from scraper.watches.operations import WatchSpec, add_watch

READY = "li.comment"
READY_JS = f"document.querySelector({READY!r})"
SCRIPT = Path(__file__).with_name("script_per_check.py")


# `scraper run` freezes its set-up once; so does the benchmark's process (a freeze per contender
# would keep the ones before out of every collection for good).
_freeze_once = functools.cache(freeze_setup)


class Scraper:
    """Watches of the pages in a fresh database; `run(c)` checks them all at concurrency c."""

    def __init__(self, urls: Sequence[str], name: str, browser: BrowserSession,
                 profile: str = "wordpress", render: str | None = None) -> None:
        settings = load_settings()
        self.engine: Engine = open_db(settings)
        extra = {"render": render} if render else {}
        # The contenders with their own watches share pages: duplicates on purpose.
        self.ids = [add_watch(self.engine, WatchSpec(url=u, name=f"{name}-{i}", profile=profile, **extra),
                              settings, allow_duplicate=True).id or 0 for i, u in enumerate(urls)]
        self.browser = browser
        self.failed = 0
        _freeze_once()

    def run(self, concurrency: int, ids: Sequence[int] | None = None) -> float:
        outcomes: list[CheckOutcome] = []
        dispatcher = Dispatcher(LocalExecutor(self.engine, self.browser, concurrency), concurrency,
                                on_done=outcomes.append)
        start = time.perf_counter()
        for watch_id in ids or self.ids:
            dispatcher.due(CheckTask(watch_id, str(watch_id), "bench"), HostLimits())
        dispatcher.wait_idle()
        elapsed = time.perf_counter() - start
        dispatcher.stop(grace=0)
        dispatcher.executor.shutdown()
        self.failed += sum(1 for o in outcomes if o.result is None or o.result.check.status != "ok")
        return elapsed

    def close(self) -> None:
        self.engine.dispose()


async def _page(browser: Any, url: str, block: bool) -> int:
    context = await browser.new_context()
    try:
        page = await context.new_page()
        if block:
            await page.route("**/*.png", lambda route: route.abort())
        await page.goto(url)
        await page.wait_for_function(READY_JS, polling="raf")
        return len(await page.content())
    finally:
        await context.close()


async def _floor(urls: Sequence[str], concurrency: int, block: bool) -> float:
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=find_chromium(None, None), args=list(QUIET_FLAGS))
        await _page(browser, urls[0], block)  # warm, as the daemon's browser is
        gate = asyncio.Semaphore(concurrency)

        async def one(url: str) -> None:
            async with gate:
                await _page(browser, url, block)

        start = time.perf_counter()
        await asyncio.gather(*(one(u) for u in urls))
        elapsed = time.perf_counter() - start
        await browser.close()
    return elapsed


async def _per_check(urls: Sequence[str], concurrency: int, block: bool) -> float:
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        gate = asyncio.Semaphore(concurrency)

        async def one(url: str) -> None:
            async with gate:
                browser = await p.chromium.launch(executable_path=find_chromium(None, None),
                                                  args=list(QUIET_FLAGS))
                try:
                    await _page(browser, url, block)
                finally:
                    await browser.close()

        start = time.perf_counter()
        await asyncio.gather(*(one(u) for u in urls))
        return time.perf_counter() - start


def floor(urls: Sequence[str], concurrency: int, block: bool = True) -> float:
    return asyncio.run(_floor(urls, concurrency, block))


def per_check(urls: Sequence[str], concurrency: int, block: bool = True) -> float:
    return asyncio.run(_per_check(urls, concurrency, block))


async def _per_script(urls: Sequence[str], concurrency: int) -> float:
    gate = asyncio.Semaphore(concurrency)
    command = [sys.executable, str(SCRIPT)]
    chromium = find_chromium(None, None)

    async def one(url: str) -> None:
        async with gate:
            process = await asyncio.create_subprocess_exec(
                *command, url, chromium, *QUIET_FLAGS, stdout=subprocess.DEVNULL)
            if await process.wait() != 0:
                raise RuntimeError(f"{SCRIPT.name} failed on {url}")

    start = time.perf_counter()
    await asyncio.gather(*(one(u) for u in urls))
    return time.perf_counter() - start


def per_script(urls: Sequence[str], concurrency: int) -> float:
    return asyncio.run(_per_script(urls, concurrency))
