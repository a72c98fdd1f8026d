"""The cost of the scale-out's queue (issue 22, part of its benchmark): without browsers, and
with them (`--browsers`).

The scheduler's real dispatcher and Dramatiq executor send every admitted check through Redis to
Dramatiq worker threads in this process, whose actor writes a check row and its completion in one
transaction exactly as `scraper worker` does (`pg_notify`), but captures no page. What is left is
what the queue costs: dispatch latency (admitted -> the actor started), completion latency
(admitted -> the scheduler heard the row), and how many checks a minute one scheduler dispatches.

    .venv/bin/python benchmarks/scaleout_bench.py --database-url postgresql+psycopg://... \
        --broker-url redis://127.0.0.1:6379/0 [--checks 2000] [--threads 8]

The database must be upgraded (`scraper db upgrade`); the bench adds its own watches.

`--browsers`: full checks of the daemon benchmark's pages (benchmarks/bench_site.py) with real
Chromium: the local executor at concurrency 2 and 4 against `scraper worker` processes × threads
(1×2 at 2; 2×2, 1×4 and 4×1 at 4) behind the real dispatcher and Dramatiq executor, in one run,
the contenders taking turns. Without --database-url / --broker-url it starts a throwaway
PostgreSQL and redis-server as the tests do. Writes benchmarks/results/scaleout-browsers.json
(a `--quick` run: 1×2 against local 2 only, scaleout-browsers-quick.json). Exit status 1: Dramatiq
below 0.9× the local executor at the same concurrency (quick: below QUICK_LIMIT).

    .venv/bin/python benchmarks/scaleout_bench.py --browsers [--quick] [--pages 20] [--rounds 5]

Not written yet: the scheduler's ceiling with 100,000 watches (see docs/scale-out.md).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import multiprocessing
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import Engine, func
from sqlmodel import Session, col, select

from benchmarks.bench_site import BenchSite
from benchmarks.scaleout_ceiling import write_check
from scraper.browser import BrowserSession
from scraper.config.settings import Settings, load_settings
from scraper.daemon.broker import ACTOR, QUEUE, make_broker
from scraper.daemon.dispatch import Dispatcher, HostLimits
from scraper.daemon.distributed import DramatiqExecutor
from scraper.daemon.executor import CheckOutcome, CheckTask, Executor, LocalExecutor
from scraper.store import Check, Watch, make_engine, upgrade
from scraper.watches.operations import WatchSpec, add_watch

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="required without --browsers")
    parser.add_argument("--broker-url", help="required without --browsers")
    parser.add_argument("--checks", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--watches", type=int, default=200)
    parser.add_argument("--browsers", action="store_true",
                        help="the local executor against Dramatiq workers, with real Chromium")
    parser.add_argument("--quick", action="store_true", help="with --browsers: a smoke run")
    parser.add_argument("--pages", type=int, help="with --browsers: pages (default 20; quick 6)")
    parser.add_argument("--rounds", type=int, help="with --browsers: rounds (default 5; quick 1)")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    args = parser.parse_args()
    if args.browsers:
        return browsers_main(args)
    if not (args.database_url and args.broker_url):
        parser.error("give --database-url and --broker-url (or --browsers)")
    return queue_only(args)


def queue_only(args: argparse.Namespace) -> int:
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
        write_check(engine, watch_id, dispatch_id)

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


# --- with browsers (--browsers) ----------------------------------------------------------------

# (processes, threads) of the Dramatiq contenders, by the concurrency they match.
SHAPES = {2: [(1, 2)], 4: [(2, 2), (1, 4), (4, 1)]}
TARGET = 0.9  # Dramatiq's checks/min at least this share of the local executor's at one concurrency
QUICK_LIMIT = 0.5  # a gross regression only: a shared 2-core machine moves one round's ratio a lot


@contextmanager
def postgres() -> Iterator[str]:
    """A throwaway PostgreSQL, as the tests start it (tests/fixtures/postgres.py); its URL."""
    from tests.fixtures import postgres as pg

    bin_dir = pg._bin_dir()
    root = Path(tempfile.mkdtemp(prefix="scaleout-bench-pg-"))
    try:
        as_user = pg._as_server_user(root)
        data = root / "data"
        pg._init_cluster(bin_dir, as_user, root, data)
        host, port = "127.0.0.1", pg._free_port()
        server = pg._start(bin_dir, as_user, root, data, host, port)
        try:
            probe = [str(bin_dir / "pg_isready"), "-h", host, "-p", str(port), "-U", pg.SUPERUSER]
            pg._wait_until_ready(server, probe, root / "server.log")
            yield f"postgresql+psycopg://{pg.SUPERUSER}@{host}:{port}/postgres"
        finally:
            pg._stop(bin_dir, as_user, data, server)
    finally:
        shutil.rmtree(root, ignore_errors=True)


@contextmanager
def redis_server() -> Iterator[str]:
    from tests.fixtures.postgres import _free_port
    from tests.fixtures.redis import RedisServer

    server = RedisServer(_free_port())
    server.start()
    try:
        yield f"redis://127.0.0.1:{server.port}"
    finally:
        server.stop()


class SiteProcess:
    """The bench site in a process of its own: the local executor's checks run in this process,
    and serving the pages here would cost them the GIL, which the workers' checks never pay."""

    def __init__(self, pages: int) -> None:
        context = multiprocessing.get_context("fork")  # made first, before this process has threads
        self._pipe, child = context.Pipe()
        self._process = context.Process(target=_serve, args=(pages, child), daemon=True)

    def __enter__(self) -> SiteProcess:
        self._process.start()
        self.urls: list[str] = self._pipe.recv()
        return self

    def next_round(self, number: int) -> None:
        self._pipe.send(number)
        self._pipe.recv()

    def __exit__(self, *exc: object) -> None:
        self._pipe.send(None)
        self._process.join(timeout=30)


def _serve(pages: int, pipe: Connection) -> None:
    with BenchSite(pages) as site:
        pipe.send(site.urls)
        while (number := pipe.recv()) is not None:
            site.next_round(number)
            pipe.send(None)


class Contender:
    """Watches of the bench pages of its own; `run()` checks them all once and says how long that
    took: from the first check admitted to the last one heard back (the scheduler's view, so the
    queue's cost is in it), and from the first check row's start to the last one's end."""

    label: str  # as the figures name it
    concurrency: int

    def __init__(self, engine: Engine, settings: Settings, urls: list[str], name: str) -> None:
        self.engine, self.settings, self.name = engine, settings, name
        self.ids = [add_watch(engine, WatchSpec(url=u, name=f"{name}-{i}", profile="wordpress"),
                              settings, allow_duplicate=True).id or 0 for i, u in enumerate(urls)]
        self.failed = 0

    def executor(self) -> Executor:
        raise NotImplementedError

    def pause(self) -> None:
        """Between its turns (nothing to do by default)."""

    def resume(self) -> None:
        """Before its turn."""

    def run(self) -> tuple[float, float]:
        self.resume()
        try:
            outcomes: list[CheckOutcome] = []
            dispatcher = Dispatcher(self.executor(), self.concurrency, on_done=outcomes.append)
            before = self._last_row()
            start = time.perf_counter()
            for watch_id in self.ids:
                dispatcher.due(CheckTask(watch_id, str(watch_id), "bench"), HostLimits())
            dispatcher.wait_idle()
            elapsed = time.perf_counter() - start
            dispatcher.stop(grace=0)
            dispatcher.executor.shutdown()
        finally:
            self.pause()
        self.failed += sum(1 for o in outcomes if o.result is None or o.result.check.status != "ok")
        return elapsed, self._rows_span(before)

    def _last_row(self) -> int:
        with Session(self.engine) as session:
            return int(session.exec(select(func.coalesce(func.max(Check.id), 0))).one() or 0)

    def _rows_span(self, before: int) -> float:
        with Session(self.engine) as session:
            rows = session.exec(select(Check).where(col(Check.watch_id).in_(self.ids),
                                                    col(Check.id) > before)).all()
        starts = [c.started_at.timestamp() for c in rows]
        ends = [c.started_at.timestamp() + (c.duration_ms or 0) / 1000 for c in rows]
        return max(ends) - min(starts)

    def close(self) -> None:
        pass


class Local(Contender):
    """`scraper run`'s local executor: checks in this process's threads, one warm browser."""

    def __init__(self, engine: Engine, settings: Settings, urls: list[str], browser: BrowserSession,
                 concurrency: int) -> None:
        super().__init__(engine, settings, urls, f"local-{concurrency}")
        self.browser, self.concurrency = browser, concurrency
        self.label = f"local, {concurrency}"

    def executor(self) -> Executor:
        return LocalExecutor(self.engine, self.browser, self.concurrency)


class Workers(Contender):
    """`scraper run --executor dramatiq`'s executor here, and `processes` × `scraper worker
    --threads threads` on a Redis database of their own (the contenders' workers never take one
    another's checks). Between its turns its workers are stopped (SIGSTOP): an idle worker polls
    Redis every 50 ms, which the contender taking its turn would pay for."""

    def __init__(self, engine: Engine, settings: Settings, urls: list[str], broker_url: str,
                 processes: int, threads: int, home: Path) -> None:
        super().__init__(engine, settings, urls, f"dramatiq-{processes}x{threads}")
        self.concurrency = processes * threads
        self.label = f"Dramatiq {processes}×{threads}"
        self.settings = replace(settings, broker_url=broker_url)
        env = {**os.environ, "PYTHONPATH": str(ROOT), "SCRAPER_BROKER_URL": broker_url,
               "SCRAPER_HOME": str(home)}
        self.logs = [home / f"{self.name}-{n}.log" for n in range(processes)]
        self.workers = []
        for log in self.logs:
            with log.open("w") as out:
                self.workers.append(subprocess.Popen(
                    [sys.executable, "-m", "scraper", "worker", "--threads", str(threads)],
                    env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True))

    def ready(self, timeout: float = 120) -> None:
        give_up = time.monotonic() + timeout
        for worker, log in zip(self.workers, self.logs, strict=True):
            while "worker running" not in log.read_text():
                if worker.poll() is not None or time.monotonic() > give_up:
                    raise RuntimeError(f"{self.name}: a worker did not start:\n{log.read_text()}")
                time.sleep(0.1)  # a poll of the worker's log until it says it runs

    def executor(self) -> Executor:
        return DramatiqExecutor(self.engine, self.settings, key=None)

    def pause(self) -> None:
        for worker in self.workers:  # the worker's process group: Python and Playwright's driver
            os.killpg(worker.pid, signal.SIGSTOP)

    def resume(self) -> None:
        for worker in self.workers:
            os.killpg(worker.pid, signal.SIGCONT)

    def close(self) -> None:
        self.resume()
        # A SIGTERM soon after a SIGCONT is at times not heard (the worker's main thread stays in
        # its wait): the workers run a moment first, and one still there after 30 s gets another.
        time.sleep(1)
        give_up = time.monotonic() + 60
        for resend in (30, 10, 10, 10):
            for worker in self.workers:
                if worker.poll() is None:
                    worker.send_signal(signal.SIGTERM)
            again = time.monotonic() + resend
            while time.monotonic() < min(again, give_up) and any(w.poll() is None for w in self.workers):
                time.sleep(0.1)  # a poll until the workers are gone
        for worker in self.workers:
            if worker.poll() is None:
                worker.kill()
                worker.wait()


def with_browsers(pages: int, rounds: int, database_url: str | None, broker_url: str | None,
                  shapes: dict[int, list[tuple[int, int]]]) -> dict[str, Any]:
    """Checks/min of the local executor against Dramatiq workers at the same concurrency, the
    contenders taking turns within each round (a different one first each round); medians."""
    with contextlib.ExitStack() as stack:
        site = stack.enter_context(SiteProcess(pages))
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        database_url = database_url or stack.enter_context(postgres())
        broker_url = broker_url or stack.enter_context(redis_server())
        os.environ.update({"SCRAPER_HOME": str(tmp), "SCRAPER_DATABASE_URL": database_url,
                           "SCRAPER_BROKER_URL": broker_url})
        upgrade(database_url)
        settings = load_settings()
        engine = make_engine(database_url)
        browser = stack.enter_context(BrowserSession(settings))
        broker = broker_url.rsplit("/", 1)[0] if broker_url.count("/") > 2 else broker_url
        levels = sorted(shapes)
        contenders: dict[int, list[Contender]] = {c: [Local(engine, settings, site.urls, browser, c)]
                                                  for c in levels}
        database = 1  # Redis database 0 is left to whoever else uses this server
        for c in levels:
            for processes, threads in shapes[c]:
                workers = Workers(engine, settings, site.urls, f"{broker}/{database}", processes,
                                  threads, tmp)
                stack.callback(workers.close)
                contenders[c].append(workers)
                database += 1
        everyone = [x for c in levels for x in contenders[c]]
        for contender in everyone:
            if isinstance(contender, Workers):
                contender.ready()
                contender.pause()
        for contender in everyone:  # baselines: a watch's first check stores without comparing
            contender.run()
        load = [os.getloadavg()[0]]
        wall: dict[str, list[float]] = {}
        rows: dict[str, list[float]] = {}
        n = len(site.urls)
        for r in range(rounds):
            site.next_round(r + 1)  # every fifth page gets a comment: some checks find a change
            for c in levels:
                turn = r % len(contenders[c])
                for contender in contenders[c][turn:] + contenders[c][:turn]:
                    seconds, span = contender.run()
                    wall.setdefault(contender.label, []).append(60 * n / seconds)
                    rows.setdefault(contender.label, []).append(60 * n / span)
            load.append(os.getloadavg()[0])
        engine.dispose()
    figures: dict[str, Any] = {"pages": pages, "rounds": rounds, "cpus": os.cpu_count(),
                               "load_average": {"min": min(load), "max": max(load)}, "levels": {}}
    for c in levels:
        local = contenders[c][0]
        base = statistics.median(wall[local.label])
        figures["levels"][c] = {
            x.label: {"checks_per_minute": round(statistics.median(wall[x.label]), 1),
                      "rows_checks_per_minute": round(statistics.median(rows[x.label]), 1),
                      "each": [round(v, 1) for v in wall[x.label]],
                      "vs_local": round(statistics.median(wall[x.label]) / base, 3),
                      "failed_checks": x.failed}
            for x in contenders[c]}
    return figures


def browsers_main(args: argparse.Namespace) -> int:
    pages = args.pages or (6 if args.quick else 20)
    rounds = args.rounds or (1 if args.quick else 5)
    shapes = {2: SHAPES[2]} if args.quick else SHAPES
    started = time.monotonic()
    figures = with_browsers(pages, rounds, args.database_url, args.broker_url, shapes)
    figures["seconds"] = round(time.monotonic() - started)
    figures["mode"] = "quick" if args.quick else "full"
    args.out.mkdir(parents=True, exist_ok=True)
    name = "scaleout-browsers-quick" if args.quick else "scaleout-browsers"
    (args.out / f"{name}.json").write_text(json.dumps(figures, indent=2) + "\n")
    print(json.dumps(figures, indent=2))
    limit = QUICK_LIMIT if args.quick else TARGET
    missed = [(c, label, x["vs_local"]) for c, by in figures["levels"].items()
              for label, x in by.items() if x["vs_local"] < limit]
    for c, label, ratio in missed:
        print(f"MISSED: {label} at {c}: {ratio}x the local executor (limit {limit})", file=sys.stderr)
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
