"""Where one check's time goes: per-phase timers around the steps of `run_check`, on each kind of
the daemon benchmark's page (issue 25), in one warm process.

    .venv/bin/python benchmarks/check_phases.py [--checks 20]

Phases (medians over the checks, in ms): `context` (a fresh context, its init script, the DevTools
session that blocks and caps), `render` (navigation until `load`), `wait` (the ready wait), `actions`
(the "load more" and scroll probes), `read` (the DOM and frames read back), `page` (the rest of
the render: the new page, its client hints, the context closed),
`extract`, `compare` (the diff against the base record), `write` (the database transaction, the
comparison excepted), and `other`: the check's wall time less all of them (lease, profile
resolution, scheduling between steps).
"""

from __future__ import annotations

import argparse
import functools
import os
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.bench_site import BenchSite
from scraper.browser import BrowserSession, actions, context, devtools, navigate, quiet, render, steps
from scraper.config.settings import load_settings
from scraper.pipeline import capture, check
from scraper.store import open_db
from scraper.watches.operations import WatchSpec, add_watch

ROOT = Path(__file__).resolve().parents[1]
PHASES = ("context", "render", "wait", "actions", "read", "page", "extract", "compare", "write")
spent: dict[str, float] = defaultdict(float)


def timed_async(phase: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(fn)
    async def wrapper(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return await fn(*args, **kwargs)
        finally:
            spent[phase] += time.perf_counter() - start
    return wrapper


def timed(phase: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            spent[phase] += time.perf_counter() - start
    return wrapper


def instrument() -> None:
    """Wrap the steps where the render and the check call them (their own module's names)."""
    render.open_context = timed_async("context", context.open_context)  # type: ignore[attr-defined]
    devtools.prepare = timed_async("context", devtools.prepare)
    quiet.QuietWatch.attach = timed_async("context", quiet.QuietWatch.attach)  # type: ignore[method-assign]
    navigate.goto = timed_async("render", navigate.goto)
    steps.wait_ready = timed_async("wait", steps.wait_ready)
    for name in ("run_actions", "follow_to_bottom"):  # warm_locators runs beside the wait
        setattr(render, name, timed_async("actions", getattr(actions, name)))
    navigate.content = timed_async("read", navigate.content)
    render._frames = timed_async("read", render._frames)  # type: ignore[attr-defined]
    capture.extract = timed("extract", capture.extract)  # type: ignore[attr-defined]
    check.detect_changes = timed("compare", check.detect_changes)  # type: ignore[attr-defined]
    check.persist.write = timed("write", check.persist.write)  # type: ignore[attr-defined]
    original_render = render._render  # type: ignore[attr-defined]

    async def render_and_close(*args: Any, **kwargs: Any) -> Any:
        # The rest of `_render`: the new page, the client hints, the context closed.
        start = time.perf_counter()
        before = {p: spent[p] for p in PHASES}
        try:
            return await original_render(*args, **kwargs)
        finally:
            inner = sum(spent[p] - before[p] for p in PHASES)
            spent["page"] += time.perf_counter() - start - inner
    render._render = render_and_close  # type: ignore[attr-defined]


def phases(urls: list[str], checks: int) -> dict[str, float]:
    settings = load_settings()
    engine = open_db(settings)
    samples: dict[str, list[float]] = defaultdict(list)
    with BrowserSession(settings) as browser:
        ids = [add_watch(engine, WatchSpec(url=u, name=u), settings).id or 0
               for i, u in enumerate(urls)]
        for watch_id in ids:  # baselines, and a warm browser
            check.run_check(engine, watch_id, browser)
        for n in range(checks):
            spent.clear()
            start = time.perf_counter()
            result = check.run_check(engine, ids[n % len(ids)], browser)
            total = time.perf_counter() - start
            if result.check.status != "ok":
                raise SystemExit(f"check failed: {result.check.error}")
            spent["write"] -= spent["compare"]  # the comparison runs inside the write
            for phase in PHASES:
                samples[phase].append(spent[phase])
            samples["other"].append(total - sum(spent[p] for p in PHASES))
            samples["check"].append(total)
    engine.dispose()
    return {p: round(statistics.median(v) * 1000, 1) for p, v in samples.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--checks", type=int, default=20)
    args = parser.parse_args()
    instrument()
    rows = {}
    with tempfile.TemporaryDirectory() as tmp, BenchSite(5) as site:
        os.environ["SCRAPER_HOME"] = tmp
        os.environ["SCRAPER_PROFILES"] = str(ROOT / "selectors")
        rows["small page"] = phases(site.small_urls, args.checks)
        rows["article page"] = phases(site.urls, args.checks)
    columns = [*PHASES, "other", "check"]
    print(f"| ms (median of {args.checks} checks) | " + " | ".join(columns) + " |")
    print("| --- |" + " ---: |" * len(columns))
    for kind, row in rows.items():
        print(f"| {kind} | " + " | ".join(f"{row[c]:.0f}" for c in columns) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
