"""`render: auto` against always rendering, on server-rendered pages (issue 25), in one run.

    .venv/bin/python benchmarks/render_modes.py [--rounds 11] [--concurrency 2]

The daemon benchmark's small pages as a server renders them (the comment in the HTML, no script),
one watch per page per contender, checked through the daemon's dispatcher and local executor at the
same concurrency, the contenders taking turns each round; every fifth page's comment is edited each
round. `auto` renders and fetches plainly on a watch's first check and every
SCRAPER_RENDER_VERIFY_EVERY (10) checks, and fetches plainly in between: the rounds include those
verifications (the first round, the baseline, is not timed). Target: >= 5x the checks/min of
`always`, with the same records (the snapshot hashes of each page's last check compared).
Exit status 1 when a record differs or the target is missed.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

from sqlmodel import Session, col, select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.bench_site import BenchSite
from benchmarks.contenders import Scraper
from scraper.browser import BrowserSession
from scraper.config.settings import load_settings
from scraper.store import Check

ROOT = Path(__file__).resolve().parents[1]
TARGET = 5.0


def last_hashes(scraper: Scraper) -> list[str | None]:
    with Session(scraper.engine) as session:
        return [session.exec(select(Check.snapshot_hash).where(Check.watch_id == i)
                             .order_by(col(Check.id).desc()).limit(1)).first() for i in scraper.ids]


def paths_taken(scraper: Scraper) -> dict[str, int]:
    with Session(scraper.engine) as session:
        rows = session.exec(select(Check.render_path)).all()
    return {p: rows.count(p) for p in sorted({str(r) for r in rows})}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=11)
    parser.add_argument("--pages", type=int, default=20)
    parser.add_argument("--concurrency", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, BenchSite(args.pages) as site:
        os.environ["SCRAPER_HOME"] = tmp
        os.environ["SCRAPER_PROFILES"] = str(ROOT / "selectors")
        with BrowserSession(load_settings()) as browser:
            contenders = {"auto": Scraper(site.served_urls, "auto", browser, render="auto"),
                          "always": Scraper(site.served_urls, "always", browser, render="always")}
            for scraper in contenders.values():
                scraper.run(args.concurrency)  # the first checks: baselines
            rates: dict[str, list[float]] = {name: [] for name in contenders}
            names = list(contenders)
            for r in range(args.rounds):
                site.next_round(r + 1)
                for name in names[r % 2:] + names[:r % 2]:
                    rates[name].append(60 * args.pages / contenders[name].run(args.concurrency))
            same = last_hashes(contenders["auto"]) == last_hashes(contenders["always"])
            taken = paths_taken(contenders["auto"])
            failed = sum(s.failed for s in contenders.values())
    auto, always = (statistics.median(rates[n]) for n in ("auto", "always"))
    # The rounds' total time, verifications included, is the honest rate for a long run.
    auto_all = len(rates["auto"]) / sum(1 / r for r in rates["auto"])
    always_all = len(rates["always"]) / sum(1 / r for r in rates["always"])
    print(f"concurrency {args.concurrency}, {args.pages} server-rendered pages, {args.rounds} rounds")
    print(f"auto:   {auto:.0f} checks/min (median round), {auto_all:.0f} over all rounds; paths {taken}")
    print(f"always: {always:.0f} checks/min (median round), {always_all:.0f} over all rounds")
    print(f"auto / always: {auto_all / always_all:.2f}x over all rounds (target >= {TARGET}x); "
          f"same records: {'yes' if same else 'NO'}; failed checks: {failed}")
    return 0 if same and not failed and auto_all / always_all >= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
