"""What `--screenshots` costs per check (issue 24): the same page checked by two watches, one
with pictures and one without, alternating, in one process and one Chromium, on the bundled demo
site: checks that find nothing, and checks that find a new comment (each watch sees the same one).
Prints the median check time of each, the difference, and the bytes the pictures keep.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import func
from sqlmodel import Session, select


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as home:
        os.environ["SCRAPER_HOME"] = home
        return measure(args.rounds, Path(home))


def measure(rounds: int, home: Path) -> int:
    from scraper.browser import BrowserSession
    from scraper.config.settings import load_settings
    from scraper.demo.site import DemoSite
    from scraper.evidence.on_change import check_hook
    from scraper.pipeline.check import run_check
    from scraper.store import CheckCrop, Crop, Screen, open_db
    from scraper.watches.operations import WatchSpec, add_watch

    settings = load_settings()
    engine = open_db(settings)
    hook = check_hook(settings, engine)
    times: dict[tuple[str, bool], list[float]] = {}
    with DemoSite() as site, BrowserSession(settings) as browser:
        ids = {}
        for name, shots in (("plain", False), ("screenshots", True)):
            watch = add_watch(engine, WatchSpec(url=site.article_url, name=name, screenshots=shots),
                              settings, allow_duplicate=True)
            assert watch.id is not None
            ids[name] = watch.id
            run_check(engine, watch.id, browser, hook=hook)  # the baseline (and a warm browser)
        for round_ in range(rounds):
            changed = round_ % 2 == 1
            if changed:
                site.add_comment("Bench", f"Comment {round_} of the benchmark.")
            for name, watch_id in ids.items():
                t0 = time.perf_counter()
                result = run_check(engine, watch_id, browser, hook=hook)
                times.setdefault((name, changed), []).append(time.perf_counter() - t0)
                assert bool(result.changes) == changed, (name, round_, result.changes)
    with Session(engine) as session:
        crops = session.exec(select(func.count(), func.sum(func.length(Crop.content)))).one()
        items = session.exec(select(func.count()).select_from(CheckCrop)).one()
        screen = session.exec(select(func.sum(func.length(Screen.image)))).one()
    for changed in (False, True):
        plain = statistics.median(times[("plain", changed)]) * 1000
        shots = statistics.median(times[("screenshots", changed)]) * 1000
        what = "with changes   " if changed else "without changes"
        print(f"{what}: plain {plain:.0f} ms, --screenshots {shots:.0f} ms, "
              f"+{shots - plain:.0f} ms ({(shots / plain - 1) * 100:+.0f}%), "
              f"{len(times[('plain', changed)])} checks each")
    count, total = crops
    print(f"pictures kept: {items} items, {count} crops, {total or 0} bytes "
          f"({(total or 0) // max(count, 1)} per crop); the watch's last screenshot {screen or 0} bytes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
