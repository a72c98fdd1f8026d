"""Where a check's CPU goes (issue 25): the CPU of the whole process tree per check, by process
type (Python, Playwright's driver, Chromium's browser, renderers, GPU and utility processes), for
the scraper (through the daemon's dispatcher, as `daemon_bench.py` runs it) or the floor, on one
kind of the daemon benchmark's page at one concurrency; for the scraper also its check threads'
and its browser thread's share.

    .venv/bin/python benchmarks/check_cpu.py scraper article 4 [--rounds 2]
    .venv/bin/python benchmarks/check_cpu.py floor small 4

CPU time is what a busy machine changes least: compare contenders by it, taking turns.
A process's figure is its own time and that of the children it reaped (Chromium's zygote reaps
the renderers of closed contexts); the floor's browser is measured before it closes.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import threading
import time
from collections import defaultdict
from concurrent.futures import Future
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import contenders
from benchmarks.bench_site import BenchSite
from scraper.browser import BrowserSession
from scraper.browser.discovery import QUIET_FLAGS, find_chromium
from scraper.config.settings import load_settings
from scraper.daemon import executor

ROOT = Path(__file__).resolve().parents[1]
TICK = os.sysconf("SC_CLK_TCK")


def by_process() -> dict[str, float]:
    """CPU seconds of this process and its descendants, by name and Chromium `--type`."""
    children: dict[int, list[tuple[int, list[str], str]]] = defaultdict(list)
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            raw = Path(f"/proc/{entry}/stat").read_text()
            command = Path(f"/proc/{entry}/cmdline").read_text()
        except OSError:
            continue
        name = raw[raw.index("(") + 1:raw.rindex(")")]
        # Chromium rewrites its command line into one string: its arguments end at a space too.
        _, _, after = command.replace("\0", " ").partition("--type=")
        kind = after.split(" ", 1)[0]
        fields = raw.rsplit(")", 1)[1].split()
        if "multiprocessing.spawn" in command:
            name = "site"  # the benchmark's site (bench_site.BenchSite), not a contender's
        children[int(fields[1])].append((int(entry), fields, f"{name} {kind}".strip()))
    me = Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()
    spent = {"python": (int(me[11]) + int(me[12])) / TICK}
    stack = [os.getpid()]
    while stack:
        for pid, fields, name in children.get(stack.pop(), []):
            spent[name] = spent.get(name, 0.0) + sum(int(x) for x in fields[11:15]) / TICK
            stack.append(pid)
    return spent


def report(before: dict[str, float], after: dict[str, float], checks: int) -> None:
    for name in sorted(after, key=lambda n: before.get(n, 0.0) - after[n]):
        if (spent := after[name] - before.get(name, 0.0)) > 0:
            print(f"{1000 * spent / checks:7.1f} ms a check  {name}")
    total = sum(after.values()) - sum(before.values())
    print(f"{1000 * total / checks:7.1f} ms a check  in all")


def scraper(urls: list[str], concurrency: int, rounds: int, site: BenchSite) -> None:
    check_cpu = [0.0]
    lock = threading.Lock()
    run = executor.LocalExecutor._run

    def timed(self: executor.LocalExecutor, task: Any, done: Any) -> None:
        start = time.thread_time()
        try:
            run(self, task, done)
        finally:
            with lock:
                check_cpu[0] += time.thread_time() - start

    executor.LocalExecutor._run = timed  # type: ignore[method-assign]
    browser = BrowserSession(load_settings())

    def loop_cpu() -> float:
        answer: Future[float] = Future()
        browser._loop.call_soon_threadsafe(lambda: answer.set_result(time.thread_time()))
        return answer.result()

    watches = contenders.Scraper(urls, "cpu", browser)
    watches.run(concurrency)  # baselines
    check_cpu[0] = 0.0
    before, loop_before = by_process(), loop_cpu()
    for r in range(rounds):
        site.next_round(r + 1)
        watches.run(concurrency)
    after, loop_after = by_process(), loop_cpu()
    checks = len(urls) * rounds
    report(before, after, checks)
    print(f"{1000 * check_cpu[0] / checks:7.1f} ms a check  of Python: the check threads")
    print(f"{1000 * (loop_after - loop_before) / checks:7.1f} ms a check  of Python: the browser thread")
    watches.close()
    browser.close()


async def _floor(urls: list[str], concurrency: int, rounds: int, site: BenchSite) -> None:
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=find_chromium(None, None), args=list(QUIET_FLAGS))
        await contenders._page(browser, urls[0], True)  # warm, as the daemon's browser is
        gate = asyncio.Semaphore(concurrency)

        async def one(url: str) -> None:
            async with gate:
                await contenders._page(browser, url, True)

        before = by_process()
        for r in range(rounds):
            site.next_round(r + 1)
            await asyncio.gather(*(one(u) for u in urls))
        report(before, by_process(), len(urls) * rounds)
        await browser.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("contender", choices=("scraper", "floor"))
    parser.add_argument("kind", choices=("article", "small"))
    parser.add_argument("concurrency", type=int)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, BenchSite(20) as site:
        os.environ["SCRAPER_HOME"] = tmp
        os.environ["SCRAPER_PROFILES"] = str(ROOT / "selectors")
        urls = site.small_urls if args.kind == "small" else site.urls
        if args.contender == "scraper":
            scraper(urls, args.concurrency, args.rounds, site)
        else:
            asyncio.run(_floor(urls, args.concurrency, args.rounds, site))
    return 0


if __name__ == "__main__":
    sys.exit(main())
