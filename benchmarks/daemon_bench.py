"""The daemon at full speed (issue 10): three contenders interleaved in one run on the same pages,
with the same readiness and concurrency, and the single figures beside them.

    .venv/bin/python benchmarks/daemon_bench.py            # the full run (`make bench`)
    .venv/bin/python benchmarks/daemon_bench.py --quick    # 1-2 minutes (`make bench-quick`, CI)
    .venv/bin/python benchmarks/daemon_bench.py --small-only   # or --article-only: one kind's
                                                             # scraper/floor throughput, printed

Writes benchmarks/results/daemon.json and daemon.md, and docs/bench-daemon.png (with the `bench`
extra's matplotlib); a quick run, daemon-quick.json, .md and .png in benchmarks/results/.
Exit status 1: the full run missed a target of the issue; the quick run only on a gross regression
(QUICK_LIMITS), since a shared 2-core CI machine cannot hold tight ratios.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import bench_figures, bench_report
from benchmarks.bench_site import BenchSite
from benchmarks.contenders import Scraper, floor, per_check, per_script
from scraper.browser import BrowserSession
from scraper.browser.memory import descendants, pss_mib, rss_mib, tree_pss_mib, tree_rss_mib
from scraper.config.settings import load_settings
from scraper.store import open_db

ROOT = Path(__file__).resolve().parents[1]
TARGETS = {"vs_floor": 0.9, "vs_floor_small": 0.9, "vs_per_check": 3.0, "peak_rss_mib": 600,
           "peak_pss_mib": 600, "steady_growth": 0.10,
           "extract_5000_s": 1.0, "diff_10000_s": 0.1, "db_growth_per_1000_mib": 1.0,
           "ready_10000_s": 10.0, "idle_cpu_percent": 2.0}
# Gross regressions only: a shared 2-core CI machine moves the ratios by a third from run to run.
QUICK_LIMITS = {"vs_floor": 0.4, "vs_floor_small": 0.4, "vs_per_check": 0.8, "extract_5000_s": 5.0,
                "diff_10000_s": 1.0, "ready_10000_s": 60.0, "db_growth_per_1000_mib": 10.0}
NOBLOCK_PROFILE = "name: bench-noblock\nextends: wordpress\nblock: []\n"


class RssSampler:
    """Peak memory of this process tree (Python, Playwright's drivers, every Chromium): the sum of
    each process's RSS (shared pages counted once per process) and the PSS (counted once)."""

    def __init__(self) -> None:
        self.peak = 0.0
        self.peak_pss = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.1):  # the sampling period
            pids = descendants(os.getpid())
            self.peak = max(self.peak, rss_mib(pids))
            self.peak_pss = max(self.peak_pss, pss_mib(pids))

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def throughput(site: BenchSite, home: Path, levels: list[int], rounds: int,
               small: bool = False, floor_only: bool = False) -> dict[str, Any]:
    """checks/min per contender and concurrency; the contenders take turns within each round.
    `small`: the small pages (issue 25), with the scraper and the floor only, and no memory pass;
    `floor_only`: the article pages so (`--article-only`)."""
    browser = BrowserSession(load_settings())
    urls = site.small_urls if small else site.urls
    scraper = Scraper(urls, "small" if small else "watches", browser)
    # Watch names are per page kind: both kinds' contenders share one data folder.
    noblock = Scraper(urls, "small-noblock" if small else "noblock", browser, profile="bench-noblock")
    scraper.run(2)  # baselines: the first check of a watch stores its record without comparing
    if not (small or floor_only):
        noblock.run(2)
    runs: dict[str, dict[int, list[float]]] = {}
    peak: dict[int, float] = {}
    peak_pss: dict[int, float] = {}
    n = len(urls)
    for c in levels:
        for r in range(rounds):
            site.next_round(r + 1)
            contenders: list[tuple[str, Callable[[int], float]]] = [
                ("scraper", scraper.run),
                ("scraper, nothing blocked", noblock.run),
                ("bare Playwright (floor)", lambda level: floor(urls, level)),
                ("browser per check", lambda level: per_check(urls, level)),
                ("script per check", lambda level: per_script(urls, level)),
            ]
            if small or floor_only:
                contenders = [contenders[0], contenders[2]]
            turn = r % len(contenders)  # a different contender goes first each round
            for name, run in contenders[turn:] + contenders[:turn]:
                runs.setdefault(name, {}).setdefault(c, []).append(60 * n / run(c))
        # Memory in passes of its own: a /proc sample of the tree costs ~12 ms of CPU every 0.1 s,
        # which the timed runs would pay (only the sampled contender's, at that).
        for r in range(0 if small or floor_only else rounds):
            site.next_round(rounds + r + 1)
            with RssSampler() as rss:
                scraper.run(c)
            peak[c] = max(peak.get(c, 0.0), rss.peak)
            peak_pss[c] = max(peak_pss.get(c, 0.0), rss.peak_pss)
    failed = scraper.failed + noblock.failed
    scraper.close()
    noblock.close()
    browser.close()
    rates = {name: {c: round(statistics.median(v), 1) for c, v in by_c.items()}
             for name, by_c in runs.items()}
    return {"checks_per_min": rates, "peak_rss_mib": {c: round(v) for c, v in peak.items()},
            "peak_pss_mib": {c: round(v) for c, v in peak_pss.items()},
            "failed_checks": failed}


def steady(site: BenchSite, home: Path, checks: int, early: int) -> dict[str, Any]:
    """RSS after `early` and after `checks` unchanged checks at concurrency 4; database growth."""
    browser = BrowserSession(load_settings())
    scraper = Scraper(site.urls, "steady", browser)
    scraper.run(4)  # baselines
    done, rss, size0 = 0, {}, bench_figures.db_bytes(scraper.engine)
    while done < checks:
        batch = scraper.ids[: min(len(scraper.ids), checks - done)]
        scraper.run(4, batch)
        done += len(batch)
        if done >= early and "early" not in rss:
            rss["early"], rss["early_pss"] = tree_rss_mib(os.getpid()), tree_pss_mib(os.getpid())
    rss["late"], rss["late_pss"] = tree_rss_mib(os.getpid()), tree_pss_mib(os.getpid())
    growth = bench_figures.db_bytes(scraper.engine) - size0
    scraper.close()
    browser.close()
    return {"checks": checks, "rss_after_early_mib": round(rss["early"]), "early": early,
            "rss_after_all_mib": round(rss["late"]), "growth": round(rss["late"] / rss["early"] - 1, 3),
            "pss_after_early_mib": round(rss["early_pss"]), "pss_after_all_mib": round(rss["late_pss"]),
            "db_growth_mib": round(growth / 2**20, 3),
            "db_growth_per_1000_mib": round(growth / 2**20 * 1000 / checks, 3)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="a 1-2 minute run (CI)")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    parser.add_argument("--small-only", action="store_true",
                        help="only the small pages' throughput, printed (no files written)")
    parser.add_argument("--article-only", action="store_true",
                        help="only the article pages' throughput, the scraper against the floor, printed "
                             "(no files written)")
    parser.add_argument("--rounds", type=int, help="rounds per concurrency (default 3; quick 1)")
    args = parser.parse_args()
    quick = args.quick
    pages, rounds = (8, 1) if quick else (20, 3)
    rounds = args.rounds or rounds
    with tempfile.TemporaryDirectory() as tmp, BenchSite(pages) as site:
        home = Path(tmp)
        (home / "profiles").mkdir()
        (home / "profiles" / "bench-noblock.yaml").write_text(NOBLOCK_PROFILE)
        os.environ["SCRAPER_HOME"] = str(home)
        os.environ["SCRAPER_PROFILES"] = f"{ROOT / 'selectors'}{os.pathsep}{home / 'profiles'}"
        results: dict[str, Any] = {
            "mode": "quick" if quick else "full", "cpus": os.cpu_count(), "pages": pages,
            "rounds": rounds, "machine": platform.machine(), "python": platform.python_version(),
            "load_before": os.getloadavg()[0],
        }
        if args.article_only:
            print(json.dumps(throughput(site, home, [1, 2, 4], rounds, floor_only=True), indent=2))
            return 0
        results["small"] = throughput(site, home, [1, 2, 4], rounds, small=True)
        if args.small_only:
            print(json.dumps(results["small"], indent=2))
            return 0
        results.update(throughput(site, home, [1, 2, 4], rounds))
        results["steady"] = steady(site, home, *((60, 20) if quick else (1000, 100)))
        with BrowserSession(load_settings()) as browser:
            timings, count = bench_figures.extraction_seconds(browser, site.big_url)
        results["extract_5000"] = {"seconds": round(statistics.median(timings), 3), "comments": count,
                                   "each_s": [round(t, 3) for t in timings]}
        seconds, count = bench_figures.diff_seconds()
        results["diff_10000"] = {"seconds": round(seconds, 3), "changes": count}
        many_home = home / "many"
        many_home.mkdir()
        os.environ["SCRAPER_HOME"] = str(many_home)
        results["many_watches"] = bench_figures.many_watches(open_db(load_settings()), 10_000,
                                                             10 if quick else 60)
        results["load_after"] = os.getloadavg()[0]
    verdicts = bench_report.verdicts(results, QUICK_LIMITS if quick else TARGETS)
    results["verdicts"] = verdicts
    args.out.mkdir(parents=True, exist_ok=True)
    name = "daemon-quick" if quick else "daemon"
    (args.out / f"{name}.json").write_text(json.dumps(results, indent=2) + "\n")
    table = bench_report.markdown(results)
    (args.out / f"{name}.md").write_text(table)
    # The full run's chart is the README's; a quick run's stays beside its figures.
    chart = bench_report.chart(results, (args.out if quick else ROOT / "docs") / f"bench-{name}.png")
    print(table)
    print(f"chart: {chart or 'not drawn (install the bench extra: pip install -e .[bench])'}")
    missed = [v for v in verdicts if not v["met"]]
    for v in missed:
        print(f"MISSED: {v['figure']} = {v['value']} (limit {v['limit']})", file=sys.stderr)
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
