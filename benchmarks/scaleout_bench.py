"""The cost of the scale-out's queue, without browsers (issue 22, part of its benchmark).

The scheduler's real dispatcher and Dramatiq executor send every admitted check through Redis to
Dramatiq worker threads in this process, whose actor writes a check row and its completion in one
transaction exactly as `scraper worker` does (`pg_notify`), but captures no page. What is left is
what the queue costs: dispatch latency (admitted -> the actor started), completion latency
(admitted -> the scheduler heard the row), and how many checks a minute one scheduler dispatches.

    .venv/bin/python benchmarks/scaleout_bench.py --database-url postgresql+psycopg://... \
        --broker-url redis://127.0.0.1:6379/0 [--checks 2000] [--threads 8]

The database must be upgraded (`scraper db upgrade`); the bench adds its own watches. Not written
yet: the local executor against Dramatiq with real browsers at the same concurrency, and the
scheduler's ceiling with 100,000 watches (see docs/scale-out.md).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import threading
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlmodel import Session

from scraper.config.settings import load_settings
from scraper.daemon.broker import ACTOR, QUEUE, make_broker
from scraper.daemon.dispatch import Dispatcher, HostLimits
from scraper.daemon.distributed import DramatiqExecutor
from scraper.daemon.executor import CheckOutcome, CheckTask
from scraper.store import Watch, add_check, make_engine
from scraper.store import dispatch as dispatches


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--broker-url", required=True)
    parser.add_argument("--checks", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--watches", type=int, default=200)
    args = parser.parse_args()

    from dramatiq import Actor, Worker

    settings = replace(load_settings(), database_url=args.database_url, default_database=False,
                       broker_url=args.broker_url)
    engine = make_engine(args.database_url)
    with Session(engine) as session:
        watches = [Watch(name=f"bench-{time.time_ns()}-{n}", url=f"https://h{n % 10}.example/{n}")
                   for n in range(args.watches)]
        session.add_all(watches)
        session.commit()
        ids = [w.id for w in watches if w.id is not None]

    admitted: dict[int, float] = {}  # watch id -> when the dispatcher admitted its check
    dispatch_latencies: list[float] = []  # admitted -> the actor started (one check per watch)

    def perform(watch_id: int, dispatch_id: str, key: str | None) -> None:
        dispatch_latencies.append(time.monotonic() - admitted[watch_id])
        with Session(engine) as session:
            watch = session.get_one(Watch, watch_id)
            check = add_check(session, watch, started_at=datetime.now(UTC), duration_ms=0,
                              status="failed", error="bench", error_kind="network")
            check.dispatch_id = dispatch_id
            dispatches.notify(session, dispatch_id)
            session.commit()

    worker_broker = make_broker(args.broker_url)
    Actor(perform, broker=worker_broker, actor_name=ACTOR, queue_name=QUEUE, priority=0,
          options={"max_retries": 0})
    from scraper.daemon.worker import consumer  # `scraper worker`'s own poll and prefetch

    worker: Worker = consumer(worker_broker, args.threads)
    worker.start()

    latencies: list[float] = []
    done_count = 0
    finished = threading.Event()
    lock = threading.Lock()

    class Timed(DramatiqExecutor):
        def submit(self, task: CheckTask, done: object) -> None:
            admitted[task.watch_id] = time.monotonic()
            super().submit(task, done)  # type: ignore[arg-type]

    def on_done(outcome: CheckOutcome) -> None:
        nonlocal done_count
        with lock:
            latencies.append(time.monotonic() - admitted[outcome.task.watch_id])
            done_count += 1
            if done_count >= args.checks:
                finished.set()

    executor = Timed(engine, settings, key=None)
    dispatcher = Dispatcher(executor, args.threads, on_done=on_done)
    t0 = time.monotonic()
    queued = 0
    while queued < args.checks:  # keep every watch queued again as soon as it is free
        for watch_id in ids:
            if queued < args.checks and dispatcher.due(CheckTask(watch_id, "b", f"h{watch_id % 10}"),
                                                       HostLimits()):
                queued += 1
        time.sleep(0.001)  # the bench's own feeding loop: a pause between passes, not a sync
    finished.wait()
    elapsed = time.monotonic() - t0
    dispatcher.stop(5)
    executor.shutdown()
    worker.stop()

    result = {
        "checks": args.checks, "threads": args.threads, "seconds": round(elapsed, 2),
        "checks_per_minute": round(args.checks / elapsed * 60),
        "dispatch_latency_ms": {"p50": round(statistics.median(dispatch_latencies) * 1000, 1),
                                "p95": round(statistics.quantiles(dispatch_latencies, n=20)[18] * 1000, 1)},
        "completion_latency_ms": {"p50": round(statistics.median(latencies) * 1000, 1),
                                  "p95": round(statistics.quantiles(latencies, n=20)[18] * 1000, 1)},
    }
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
