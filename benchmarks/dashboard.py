"""The dashboard at scale: with 10,000 watches and 100,000 checks (and 20,000 changes), the watch
list (first page, a later page, filtered by status and by text) and a watch's page answer in
≤ 200 ms on loopback, measured over HTTP against a real uvicorn server.

The baseline, in the same run, is the same server answering a small static file: what loopback
HTTP costs on this machine under its current load. Each figure is the median of `--repeat` requests
(the p95 is printed too). Exit status 1 when a median is over 200 ms.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import insert

from scraper.config.settings import load_settings
from scraper.store import Change, Check, Watch, open_db
from scraper.web.app import create_app
from scraper.web.server import serve_in_thread

TARGET_MS = 200.0
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def seed(engine: Any, watches: int, checks: int, changes: int) -> None:
    rng = random.Random(13)
    now = datetime.now(UTC)
    with engine.begin() as conn:
        conn.execute(insert(Watch), [
            {"id": n, "name": f"watch-{n:05}", "url": f"https://blog{n % 97}.example.org/post/{n}",
             "schedule_kind": "interval", "schedule": "1h", "paused": n % 10 == 0, "created_at": T0,
             "notify_on": None, "ignore": [], "normalise": [], "notify": [], "confirm": 1,
             "pending_count": 0, "evidence_on_change": False}
            for n in range(1, watches + 1)])
        per = checks // watches
        rows = []
        for n in range(1, watches + 1):
            for k in range(per):
                # One watch in eight ends with a run of failures (the list shows the streak).
                failed = n % 8 == 0 and k >= per - 3
                rows.append({"watch_id": n, "started_at": now - timedelta(hours=per - k),
                             "duration_ms": rng.randint(800, 4000), "url": f"https://x/{n}",
                             "status": "failed" if failed else "ok",
                             "error": "HTTP 503 Service Unavailable" if failed else None,
                             "error_kind": "http" if failed else None})
        conn.execute(insert(Check), rows)
        conn.execute(insert(Change), [
            {"check_id": (n % checks) + 1, "watch_id": ((n % checks) // per) + 1, "kind": "comment_added",
             "data": {"kind": "comment_added", "comment": {"id": str(n), "author": "a", "text": "t"}},
             "notify": True} for n in range(0, changes * 5, 5)])


def timed(client: httpx.Client, path: str, repeat: int) -> tuple[float, float]:
    client.get(path).raise_for_status()  # warm: templates compiled, pages cached by SQLite
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        client.get(path).raise_for_status()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--watches", type=int, default=10_000)
    parser.add_argument("--checks", type=int, default=100_000)
    parser.add_argument("--changes", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="scraper-dash-") as home:
        os.environ["SCRAPER_HOME"] = home
        os.environ.pop("SCRAPER_DATABASE_URL", None)
        settings = load_settings()
        engine = open_db(settings)
        started = time.perf_counter()
        seed(engine, args.watches, args.checks, args.changes)
        size = Path(home, "scraper.db").stat().st_size >> 20
        print(f"seeded {args.watches:,} watches, {args.checks:,} checks, {args.changes:,} changes "
              f"in {time.perf_counter() - started:.1f} s ({size} MiB)")
        server, thread, base_url = serve_in_thread(create_app(settings, engine))
        middle = args.watches // 2
        paths = {
            "baseline: /static/app.css": "/static/app.css",
            "watch list, first page": "/",
            "watch list, a page in the middle": f"/?after={middle}",
            "watch list, status failing": "/?status=failing",
            "watch list, text filter": "/?q=blog42.example",
            "a watch's page": f"/watches/{middle}",
            "API: /api/v1/watches?limit=50": "/api/v1/watches?limit=50",
        }
        from sqlmodel import Session

        from scraper.store.tokens import create_token

        with Session(engine) as session:
            _, token = create_token(session, "bench")
            session.commit()
        failed = []
        with httpx.Client(base_url=base_url,
                          headers={"Authorization": f"Bearer {token}"}) as client:
            print(f"{'request':40} {'median':>9} {'p95':>9}")
            for label, path in paths.items():
                median, p95 = timed(client, path, args.repeat)
                print(f"{label:40} {median:7.1f}ms {p95:7.1f}ms")
                if not label.startswith("baseline") and median > TARGET_MS:
                    failed.append(label)
        server.should_exit = True
        thread.join(timeout=30)
    if failed:
        print(f"over {TARGET_MS:.0f} ms: {', '.join(failed)}")
        return 1
    print(f"every page under {TARGET_MS:.0f} ms (median)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
