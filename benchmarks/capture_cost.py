"""Whole-process cost of `scraper capture URL --json` against a bare Playwright script.

Both run as fresh processes against the bundled demo site's article and the daemon benchmark's
small page (issue 25: ~30 KB, one comment fetched 300 ms after the script runs; the bare script
waits for `li.comment` on every animation frame), alternating, several rounds; the
target (issue 10; issue 2 had 1.5x) is a median wall time at most 1.3x the bare script's. Beside
it, the peak resident memory of the largest process in each run's tree (getrusage of the
waited-for children).
Exit status 1 when the target is missed.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.bench_site import BenchSite
from benchmarks.contenders import READY_JS
from scraper.browser.discovery import find_chromium
from scraper.demo.site import DemoSite

HERE = Path(__file__).resolve().parent
TARGET = 1.3


def timed(cmd: list[str]) -> tuple[float, int]:
    """Wall seconds and the peak RSS (MiB) of the largest process in the command's tree."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{cmd} failed: {proc.stderr.read().decode() if proc.stderr else ''}")
    return elapsed, usage.ru_maxrss // 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    chromium = find_chromium(os.environ.get("SCRAPER_BROWSER"), None)
    scraper = str(Path(sys.executable).parent / "scraper")
    bare = [sys.executable, str(HERE / "bare_playwright.py")]
    worst = 0.0
    with DemoSite() as site, BenchSite(2) as bench:
        for kind, url, ready in (("demo article", site.article_url, []),
                                 ("small page", bench.small_urls[0], [READY_JS])):
            runs = {"bare playwright": [*bare, url, chromium, *ready],
                    "scraper capture": [scraper, "capture", url, "--json"]}
            timed(runs["bare playwright"])  # warm the OS page cache for both
            results: dict[str, list[tuple[float, int]]] = {name: [] for name in runs}
            for _ in range(args.rounds):
                for name, cmd in runs.items():
                    results[name].append(timed(cmd))
            medians = {name: statistics.median(t for t, _ in r) for name, r in results.items()}
            print(kind)
            for name, r in results.items():
                print(f"  {name:16} median {medians[name]:.2f}s  min {min(t for t, _ in r):.2f}s  "
                      f"peak RSS {max(m for _, m in r)} MiB")
            ratio = medians["scraper capture"] / medians["bare playwright"]
            print(f"  ratio {ratio:.2f} (target <= {TARGET})")
            worst = max(worst, ratio)
    return 0 if worst <= TARGET else 1

if __name__ == "__main__":
    sys.exit(main())
