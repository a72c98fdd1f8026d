"""A long-running watcher stays flat: time per check and memory after many checks, against the
first checks of the same run.

One process, one Chromium (as `scraper run` has), the bundled demo site changing every few checks
so changes are detected and stored. Memory is the resident size of the whole process tree (Python,
Playwright's driver, every Chromium process). Exit status 1 when the last checks are more than
1.5x slower or the tree more than 25% larger than the first ones.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time

from scraper.browser import BrowserSession
from scraper.browser.memory import tree_rss_mib
from scraper.config.settings import load_settings
from scraper.demo.site import DemoSite
from scraper.pipeline.check import run_check
from scraper.store import open_db
from scraper.watches.operations import WatchSpec, add_watch

WINDOW = 5
MAX_SLOWER, MAX_GROWTH = 1.5, 1.25


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--checks", type=int, default=40)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as home:
        os.environ["SCRAPER_HOME"] = home
        settings = load_settings()
        engine = open_db(settings)
        times: list[float] = []
        memory: list[float] = []
        with DemoSite() as site, BrowserSession(settings) as browser:
            watch = add_watch(engine, WatchSpec(url=site.article_url, name="loop"), settings)
            assert watch.id is not None
            for n in range(args.checks):
                if n and n % 4 == 0:
                    site.add_comment(f"Reader {n}", f"Comment number {n}.")
                start = time.perf_counter()
                result = run_check(engine, watch.id, browser)
                times.append(time.perf_counter() - start)
                memory.append(tree_rss_mib(os.getpid()))
                if result.check.status != "ok":
                    print(f"check {n} failed: {result.check.error}", file=sys.stderr)
                    return 1
    # The first check pays for the browser launch: the baseline starts after it.
    first_t, last_t = statistics.median(times[1:WINDOW + 1]), statistics.median(times[-WINDOW:])
    first_m, last_m = statistics.median(memory[1:WINDOW + 1]), statistics.median(memory[-WINDOW:])
    print(f"checks {args.checks}: time per check {first_t:.2f}s -> {last_t:.2f}s "
          f"(x{last_t / first_t:.2f}, limit x{MAX_SLOWER})")
    print(f"process tree RSS {first_m:.0f} MiB -> {last_m:.0f} MiB "
          f"(x{last_m / first_m:.2f}, limit x{MAX_GROWTH})")
    ok = last_t / first_t <= MAX_SLOWER and last_m / first_m <= MAX_GROWTH
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
