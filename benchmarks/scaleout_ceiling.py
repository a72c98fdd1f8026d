"""The scale-out's scheduler and queue, without browsers (issue 22, part of its benchmark; the
queue's cost with and without browsers is benchmarks/scaleout_bench.py).

Three modes, each on PostgreSQL and Redis (the database upgraded, `scraper db upgrade`; the bench
adds its own watches):

- `queue`: the real dispatcher and Dramatiq executor send every admitted check through Redis to
  Dramatiq worker threads in this process (`scraper.daemon.worker.consumer`, the worker's own
  options), whose actor writes a check row and its completion in one transaction exactly as
  `scraper worker` does (`pg_notify`), but captures no page: checks a minute, dispatch latency
  (admitted -> the actor started) and completion latency (admitted -> the scheduler heard the
  row). `--poll-ms 50,20` runs one contender per idle poll interval, taking turns.
- `ceiling`: the scheduler alone. (1) `--watches` (100,000) watches in the database: the time from
  `WatchScheduler.start()` until every one's check is queued in the dispatcher (ready). (2)
  sustained dispatch with one host at its cap and 10,000 of its checks queued in front, the other
  hosts' watches queued again as soon as they end: checks a minute through an executor that ends
  each check at once (the dispatcher's own ceiling), `--baseline REV` adding the dispatcher of
  that git revision as a contender, taking turns (each run ends after `--checks` or
  `--run-seconds`); and the same through Dramatiq to `--writers` processes of `--threads`
  row-writing threads each (`--e2e-rounds` runs of up to `--e2e-checks`: what this machine gives
  end to end), with the CPU each check cost in each process at work (the scheduler, the
  writers, PostgreSQL's, Redis), from /proc. With PYTHONPATH set, the scheduler runs that
  checkout's code (main's, say) against this bench; the writers always run this one's.
- `cpu`: the scheduler (APScheduler, dispatcher, Dramatiq executor, delivery) in a process of its
  own, with watches due at `--rate` checks a minute and worker threads here writing the rows: its
  CPU (percent of one core, from /proc) over `--seconds` of steady running.

    .venv/bin/python benchmarks/scaleout_ceiling.py --mode queue --database-url postgresql+psycopg://... \
        --broker-url redis://127.0.0.1:6379/0 [--checks 2000] [--threads 8] [--poll-ms 50,20]

`--chart FILE` writes the figures of a `--results` JSON (from the three modes) as SVG.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import queue
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

# A PYTHONPATH given names the scheduler's code to measure (another checkout's, against this bench).
sys.path.insert(len(sys.path) if os.environ.get("PYTHONPATH") else 0,
                str(Path(__file__).resolve().parents[1]))

from sqlalchemy import Engine, Select, String, bindparam, func, insert, literal, text, update
from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from scraper.config.settings import Settings, load_settings
from scraper.daemon import dispatch as lanes
from scraper.daemon.broker import ACTOR, QUEUE, make_broker
from scraper.daemon.distributed import DramatiqExecutor
from scraper.daemon.executor import CheckOutcome, CheckTask, Done
from scraper.daemon.worker import POLL_MS, consumer
from scraper.store import Check, Watch, make_engine, metadata
from scraper.store import dispatch as dispatches

ROOT = Path(__file__).resolve().parents[1]
CAPPED_HOST = "capped.example"


def percentiles(seconds: list[float]) -> dict[str, float]:
    return {"p50": round(statistics.median(seconds) * 1000, 1),
            "p95": round(statistics.quantiles(seconds, n=20)[18] * 1000, 1)}


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def add_watches(engine: Engine, count: int, hosts: int, *, schedule: str | None = None,
                host: Callable[[int], str] | None = None) -> list[int]:
    """`count` watches (one INSERT), spread over `hosts` hosts; their ids."""
    tag, now = time.time_ns(), datetime.now(UTC)
    name_host = host or (lambda n: f"h{n % hosts}.example")
    with Session(engine) as session:
        session.execute(insert(Watch), [
            {"name": f"bench-{tag}-{n}", "url": f"https://{name_host(n)}/{n}", "created_at": now,
             "schedule_kind": "interval" if schedule else None, "schedule": schedule,
             "confirm": 1, "paused": False, "ignore": [], "normalise": [], "notify": [],
             "evidence_on_change": False, "pending_count": 0} for n in range(count)])
        session.commit()
        rows = session.exec(select(Watch.id).where(col(Watch.name).startswith(f"bench-{tag}-")))
        return sorted(w for w in rows if w is not None)


def _write_statement() -> Select[Any]:
    """The failed check's row `add_check` writes (the watch's url and profile, no warnings) with
    its dispatch id, and its completion: one statement, so one round trip and its own
    transaction (the notice goes out at its commit, and only if the row was written)."""
    checks, watches = metadata.tables["checks"], metadata.tables["watches"]
    row = core_select(watches.c.id, bindparam("started_at", type_=checks.c.started_at.type),
                 literal(0), literal("failed"), literal("bench"), literal("network"),
                 watches.c.url, watches.c.profile, bindparam("dispatch_id", type_=String)
                 ).where(watches.c.id == bindparam("watch_id"))
    written = insert(checks).from_select(
        ["watch_id", "started_at", "duration_ms", "status", "error", "error_kind", "url",
         "profile", "dispatch_id"], row).returning(checks.c.id).cte("written")
    return core_select(func.pg_notify(dispatches.CHANNEL, bindparam("payload"))).select_from(written)


WRITE_CHECK = _write_statement()


def write_check(engine: Engine, watch_id: int, dispatch_id: str) -> None:
    """What a worker's failed check writes, without the page: the row and its completion, in one
    transaction. Lean on purpose (one statement through Core, not the ORM's three): the bench
    measures the scheduler, and each CPU second the writers spare is one it can have."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(WRITE_CHECK, {"watch_id": watch_id, "dispatch_id": dispatch_id,
                                         "started_at": datetime.now(UTC),
                                         "payload": dispatches.payload(dispatch_id)})


@contextmanager
def row_writers(engine: Engine, broker_url: str, threads: int, poll_ms: int,
                started: Callable[[int], object] = lambda _: None) -> Iterator[None]:
    """Dramatiq threads in this process that take the scheduler's messages and write rows."""
    from dramatiq import Actor

    def perform(watch_id: int, dispatch_id: str, key: str | None) -> None:
        started(watch_id)
        write_check(engine, watch_id, dispatch_id)

    broker = make_broker(broker_url)
    Actor(perform, broker=broker, actor_name=ACTOR, queue_name=QUEUE, priority=0,
          options={"max_retries": 0})
    worker = consumer(broker, threads, poll_ms)
    worker.start()
    try:
        yield
    finally:
        worker.stop()
        broker.close()


def bench_settings(args: argparse.Namespace, ramp: float = 0.0) -> Settings:
    return replace(load_settings(), database_url=args.database_url, default_database=False,
                   broker_url=args.broker_url, ramp=ramp)


# --- queue -------------------------------------------------------------------------------------


def queue_run(args: argparse.Namespace, engine: Engine, ids: list[int], poll_ms: int) -> dict[str, Any]:
    admitted: dict[int, float] = {}  # watch id -> when the dispatcher admitted its check
    dispatch_latencies: list[float] = []  # admitted -> the actor started
    latencies: list[float] = []
    finished = threading.Event()
    lock = threading.Lock()

    class Timed(DramatiqExecutor):
        def submit(self, task: CheckTask, done: Done) -> None:
            admitted[task.watch_id] = time.monotonic()
            super().submit(task, done)

    def on_done(outcome: CheckOutcome) -> None:
        with lock:
            latencies.append(time.monotonic() - admitted[outcome.task.watch_id])
            if len(latencies) >= args.checks:
                finished.set()

    with row_writers(engine, args.broker_url, args.threads, poll_ms,
                     lambda w: dispatch_latencies.append(time.monotonic() - admitted[w])):
        executor = Timed(engine, bench_settings(args), key=None)
        dispatcher = lanes.Dispatcher(executor, args.threads, on_done=on_done)
        load, t0, queued = load_average(), time.monotonic(), 0
        while queued < args.checks:  # keep every watch queued again as soon as it is free
            for watch_id in ids:
                if queued < args.checks and dispatcher.due(
                        CheckTask(watch_id, "b", f"h{watch_id % 10}"), lanes.HostLimits()):
                    queued += 1
            time.sleep(0.001)  # the bench's own feeding loop: a pause between passes, not a sync
        finished.wait()
        elapsed = time.monotonic() - t0
        dispatcher.stop(5)
        executor.shutdown()
    return {"poll_ms": poll_ms, "checks": args.checks, "threads": args.threads,
            "seconds": round(elapsed, 2), "checks_per_minute": round(args.checks / elapsed * 60),
            "dispatch_latency_ms": percentiles(dispatch_latencies),
            "completion_latency_ms": percentiles(latencies), "load_average": load}


def queue_mode(args: argparse.Namespace, engine: Engine) -> dict[str, Any]:
    ids = add_watches(engine, 200, 10)
    polls = [int(p) for p in args.poll_ms.split(",")]
    runs: list[dict[str, Any]] = []
    for _ in range(args.rounds):  # contenders take turns
        for poll in polls:
            runs.append(queue_run(args, engine, ids, poll))
            print(json.dumps(runs[-1]), flush=True)
    summary = {}
    for poll in polls:
        mine = [r for r in runs if r["poll_ms"] == poll]
        summary[str(poll)] = {
            "checks_per_minute": statistics.median(r["checks_per_minute"] for r in mine),
            "dispatch_p50_ms": statistics.median(r["dispatch_latency_ms"]["p50"] for r in mine),
            "dispatch_p95_ms": statistics.median(r["dispatch_latency_ms"]["p95"] for r in mine),
            "completion_p95_ms": statistics.median(r["completion_latency_ms"]["p95"] for r in mine)}
    return {"mode": "queue", "rounds": args.rounds, "medians_by_poll_ms": summary, "runs": runs}


# --- ceiling -----------------------------------------------------------------------------------


class Inline:
    """Ends each check as soon as its completion thread gets to it, as a worker's notice would
    (the capped host's checks never end until `cancel`)."""

    def __init__(self) -> None:
        self.held: list[tuple[CheckTask, Done]] = []
        self._ends: queue.SimpleQueue[tuple[CheckTask, Done] | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._complete, daemon=True)
        self._thread.start()

    def _complete(self) -> None:
        while (item := self._ends.get()) is not None:
            task, done = item
            now = time.monotonic()
            done(CheckOutcome(task, now, now))

    def submit(self, task: CheckTask, done: Done) -> None:
        if task.host == CAPPED_HOST:
            self.held.append((task, done))
        else:
            self._ends.put((task, done))

    def cancel(self) -> None:
        held, self.held = self.held, []
        for task, done in held:
            done(CheckOutcome(task, 0.0, 0.0, skipped="cancelled"))

    def shutdown(self) -> None:
        self._ends.put(None)


def ready_run(args: argparse.Namespace, engine: Engine) -> dict[str, Any]:
    """`--watches` watches never checked (so all due now, no ramp): from the scheduler's start
    until start() returns with every job scheduled ("start"), and until every watch's check is
    queued in its dispatcher ("queued"). Wall and CPU seconds: on a loaded machine the CPU is the
    figure that carries over."""
    from scraper.daemon.scheduler import WatchScheduler

    add_watches(engine, args.watches, 1000, schedule="1h")
    with Session(engine) as session:  # every active watch in the database is scheduled
        expected = len(session.exec(select(Watch.id).where(
            col(Watch.paused).is_(False), col(Watch.schedule_kind).is_not(None))).all())
    scheduler = WatchScheduler(engine, executor=Inline(), workers=1, settings=bench_settings(args))
    scheduler.dispatcher.workers = 0  # nothing starts: what is measured is the queueing
    done = threading.Event()
    count = [0]
    real_due = scheduler.dispatcher.due

    def due(task: CheckTask, limits: lanes.HostLimits, not_before: float = 0.0) -> bool:
        queued = real_due(task, limits, not_before)
        count[0] += 1
        if count[0] >= expected:
            done.set()
        return queued

    scheduler.dispatcher.due = due  # type: ignore[method-assign]
    load, cpu0, t0 = load_average(), time.process_time(), time.monotonic()
    scheduler.start()
    started, started_cpu = time.monotonic() - t0, time.process_time() - cpu0
    done.wait()
    ready, ready_cpu = time.monotonic() - t0, time.process_time() - cpu0
    queued = scheduler.dispatcher.stats().queued
    scheduler.shutdown(grace=0)
    return {"watches": expected, "start_s": round(started, 2), "start_cpu_s": round(started_cpu, 2),
            "queued_s": round(ready, 2), "queued_cpu_s": round(ready_cpu, 2), "queued": queued,
            "load_average": load, "load_average_after": load_average()}


def baseline_dispatch(rev: str) -> ModuleType:
    """scraper/daemon/dispatch.py as it was at `rev` (git), as a module of its own."""
    source = subprocess.run(["git", "-C", str(ROOT), "show", f"{rev}:scraper/daemon/dispatch.py"],
                            capture_output=True, text=True, check=True).stdout
    spec = importlib.util.spec_from_loader(f"dispatch_{rev}", loader=None)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    exec(compile(source, f"{rev}:scraper/daemon/dispatch.py", "exec"), module.__dict__)
    return module


def sustained_run(args: argparse.Namespace, module: ModuleType, executor: Any,
                  others: list[int], capped: list[int], workers: int,
                  processes: Callable[[], dict[str, float]] | None = None) -> dict[str, Any]:
    """One capped host (cap 1, its running check never ends) with its checks queued first, the
    other hosts' watches queued again as each ends; checks a minute over `--checks`.
    `processes`: the CPU seconds of the other processes at work (by role), taken over the run."""
    limits, free = module.HostLimits(), module.HostLimits(cap=1)
    ended, written = [0], [0]
    finished = threading.Event()
    hosts = max(len(others) // 10, 1)
    dispatcher: Any = None

    def on_done(outcome: CheckOutcome) -> None:
        ended[0] += 1
        if outcome.result is not None:  # heard back with its row (through Dramatiq)
            written[0] += 1
        if ended[0] >= args.checks:
            finished.set()
        if not finished.is_set() and outcome.skipped is None:
            dispatcher.due(outcome.task, limits)

    dispatcher = module.Dispatcher(executor, workers, on_done=on_done)
    for watch_id in capped:
        dispatcher.due(CheckTask(watch_id, "c", CAPPED_HOST), free)
    before = processes() if processes else {}
    load, cpu0, t0 = load_average(), time.process_time(), time.monotonic()
    for n, watch_id in enumerate(others):
        dispatcher.due(CheckTask(watch_id, "o", f"h{n % hosts}.example"), limits)
    finished.wait(args.run_seconds)
    finished.set()  # no more queued again
    elapsed, count, rows = time.monotonic() - t0, ended[0], written[0]
    cpu = time.process_time() - cpu0
    after = processes() if processes else {}
    per_check = {role: round((after[role] - before.get(role, 0.0)) / max(count, 1) * 1000, 2)
                 for role in after} | {"scheduler": round(cpu / max(count, 1) * 1000, 2)}
    queued = dispatcher.stats().queued
    executor.cancel()
    dispatcher.stop(0)
    executor.shutdown()
    return {"checks": count, "with_rows": rows, "seconds": round(elapsed, 2),
            "checks_per_minute": round(count / elapsed * 60), "cpu_s": round(cpu, 2),
            # what one core of this process's own would give: the load shares the cores out
            "checks_per_cpu_minute": round(count / max(cpu, 0.01) * 60),
            "queued_at_end": queued, "load_average": load, "load_average_after": load_average(),
            **({"cpu_ms_per_check": per_check} if processes else {})}


def writer_role(args: argparse.Namespace) -> int:
    """A row-writing worker process of the ceiling's end-to-end runs, until its stdin closes; the
    capped host's check (`--hold`) is held in its thread until then."""
    engine = make_engine(args.database_url)
    release = threading.Event()

    def started(watch_id: int) -> None:
        if watch_id == args.hold:
            release.wait()

    with row_writers(engine, args.broker_url, args.threads, POLL_MS, started):
        print("started", flush=True)
        sys.stdin.read()
        release.set()
    engine.dispose()
    return 0


@contextmanager
def writer_processes(args: argparse.Namespace, hold: int) -> Iterator[list[int]]:
    """`--writers` processes of `--threads` row-writing threads each; their pids. They run this
    checkout's code whatever PYTHONPATH measures: they are the bench's workers, not the subject."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, __file__, "--role", "writer", "--database-url", args.database_url,
               "--broker-url", args.broker_url, "--threads", str(args.threads), "--hold", str(hold)]
    procs = [subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                              env=env) for _ in range(args.writers)]
    try:
        for proc in procs:
            assert proc.stdout is not None and proc.stdout.readline().strip() == "started"
        yield [proc.pid for proc in procs]
    finally:
        for proc in procs:
            assert proc.stdin is not None
            proc.stdin.close()
        for proc in procs:
            proc.wait(timeout=60)


def children(parent: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == parent:
                found.append(int(stat.parent.name))
        except (OSError, ValueError, IndexError):
            continue  # gone meanwhile
    return found


def server_pids(engine: Engine, broker_url: str) -> dict[str, Callable[[], list[int]]]:
    """How to find the PostgreSQL (the postmaster and its children: backends, writers) and Redis
    processes, when they run on this machine."""
    import redis

    with engine.connect() as connection:
        backend = connection.execute(text("SELECT pg_backend_pid()")).scalar_one()
    roles: dict[str, Callable[[], list[int]]] = {}
    try:
        postmaster = int(Path(f"/proc/{backend}/stat").read_text().rsplit(")", 1)[1].split()[1])
        roles["postgres"] = lambda: [postmaster, *children(postmaster)]
    except OSError:
        pass  # another machine's
    pid = int(redis.Redis.from_url(broker_url).info("server")["process_id"])
    if Path(f"/proc/{pid}").exists():
        roles["redis"] = lambda: [pid]
    return roles


def cpu_by_role(roles: dict[str, Callable[[], list[int]]]) -> Callable[[], dict[str, float]]:
    """A snapshot of the CPU seconds of each role's processes (those gone meanwhile drop out)."""

    def snapshot() -> dict[str, float]:
        found: dict[str, float] = {}
        for role, pids in roles.items():
            total = 0.0
            for pid in pids():
                try:
                    total += proc_cpu_seconds(pid)
                except (OSError, ValueError, IndexError):
                    continue
            found[role] = total
        return found

    return snapshot


def replace_checks(args: argparse.Namespace, checks: int) -> argparse.Namespace:
    return argparse.Namespace(**{**vars(args), "checks": checks})


def ceiling_mode(args: argparse.Namespace, engine: Engine) -> dict[str, Any]:
    result: dict[str, Any] = {"mode": "ceiling"}
    if args.watches:
        result["ready"] = ready_run(args, engine)
        print(json.dumps(result["ready"]), flush=True)
    if not (args.rounds or args.e2e_rounds):  # the ready time alone
        return result
    contenders = {"lanes": lanes}
    if args.baseline:
        contenders[f"scan ({args.baseline})"] = baseline_dispatch(args.baseline)
    capped = list(range(10_000_000, 10_000_000 + args.capped + 1))  # ids only: nothing is written
    others = list(range(1, 1001))
    runs: list[dict[str, Any]] = []
    for _ in range(args.rounds):
        for name, module in contenders.items():
            run = {"dispatcher": name, **sustained_run(args, module, Inline(), others, capped, 64)}
            runs.append(run)
            print(json.dumps(run), flush=True)
    if runs:
        result["inline"] = {name: statistics.median(r["checks_per_minute"] for r in runs
                                                    if r["dispatcher"] == name) for name in contenders}
        result["inline_per_cpu"] = {name: statistics.median(r["checks_per_cpu_minute"] for r in runs
                                                            if r["dispatcher"] == name)
                                    for name in contenders}
        result["inline_runs"] = runs
    if not args.e2e_rounds:
        return result
    # End to end: Dramatiq to row-writing threads in processes of their own; the capped host's
    # check is held by one of their threads.
    ids = add_watches(engine, 1000 + args.capped + 1, 100,
                      host=lambda n: CAPPED_HOST if n >= 1000 else f"h{n % 100}.example")
    real_others, real_capped = ids[:1000], ids[1000:]
    servers = server_pids(engine, args.broker_url)
    end_to_end = []
    for _ in range(args.e2e_rounds):
        for name, module in contenders.items():
            with writer_processes(args, real_capped[0]) as pids:
                executor = DramatiqExecutor(engine, bench_settings(args), key=None)
                run = sustained_run(replace_checks(args, args.e2e_checks), module, executor,
                                    real_others, real_capped, args.writers * args.threads - 1,
                                    cpu_by_role({**servers, "writers": lambda: pids}))
            make_broker(args.broker_url).flush(QUEUE)  # what the writers left: not the next run's
            end_to_end.append({"dispatcher": name, "writers": f"{args.writers}x{args.threads}", **run})
            print(json.dumps(end_to_end[-1]), flush=True)
    result["dramatiq_rows"] = end_to_end
    return result


# --- cpu ---------------------------------------------------------------------------------------


def proc_cpu_seconds(pid: int) -> float:
    """utime + stime of a process, from /proc (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def scheduler_role(args: argparse.Namespace) -> int:
    """The scheduler process of the cpu mode: runs until its stdin closes."""
    from scraper.daemon.scheduler import WatchScheduler

    settings = bench_settings(args, ramp=60.0)  # the first checks spread evenly over the minute
    engine = make_engine(args.database_url)
    executor = DramatiqExecutor(engine, settings, key=None)
    scheduler = WatchScheduler(engine, executor=executor, workers=args.threads, settings=settings)
    scheduler.start()
    print("started", flush=True)
    sys.stdin.read()
    scheduler.shutdown(grace=5)
    return 0


def cpu_mode(args: argparse.Namespace, engine: Engine) -> dict[str, Any]:
    count = args.rate  # watches due once a minute each
    ids = add_watches(engine, count, 20, schedule="1m")

    def written() -> int:  # the bench watches' checks so far
        with Session(engine) as session:
            return session.exec(select(func.count()).select_from(Check).where(
                col(Check.watch_id).in_(ids))).one()

    with writer_processes(argparse.Namespace(**{**vars(args), "writers": 1}), hold=0):
        role = subprocess.Popen(
            [sys.executable, __file__, "--role", "scheduler", "--database-url", args.database_url,
             "--broker-url", args.broker_url, "--threads", str(args.threads),],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        try:
            assert role.stdout is not None and role.stdout.readline().strip() == "started"
            time.sleep(args.warmup)  # the measured process settles: the start-up read, the ramp
            cpu0, checks0, load, t0 = proc_cpu_seconds(role.pid), written(), load_average(), time.monotonic()
            time.sleep(args.seconds)  # the measured window
            cpu = proc_cpu_seconds(role.pid) - cpu0
            wall, done = time.monotonic() - t0, written() - checks0
        finally:
            assert role.stdin is not None
            role.stdin.close()
            role.wait(timeout=60)
            with Session(engine) as session:  # the next run's scheduler does not schedule them
                session.execute(update(Watch).where(col(Watch.id).in_(ids)).values(paused=True))
                session.commit()
    return {"mode": "cpu", "watches_due_per_minute": count, "window_s": round(wall, 1),
            "checks_per_minute": round(done / wall * 60), "scheduler_cpu_s": round(cpu, 2),
            "scheduler_core_percent": round(100 * cpu / wall, 2), "load_average": load,
            "load_average_after": load_average()}


# --- chart -------------------------------------------------------------------------------------

BLUE, OCHRE, GREY = "#2f6db5", "#c98a1b", "#888"


def chart(results: dict[str, Any]) -> str:
    """One bar per figure against its target (a line), as SVG: each as a share of its target."""
    queue = results["queue"]["medians_by_poll_ms"]
    ceiling, cpu = results["ceiling"], results["cpu"]
    rows: list[tuple[str, float, float, str, bool]] = []  # label, value, target, unit, lower better
    for poll, figures in queue.items():
        rows.append((f"dispatch p95, idle poll {poll} ms", figures["dispatch_p95_ms"], 50, "ms", True))
    ready = ceiling["ready"]
    rows.append((f"{ready['watches']:,} watches scheduled (CPU)", ready["start_cpu_s"], 10, "s", True))
    rows.append((f"{ready['watches']:,} watches queued (CPU)", ready["queued_cpu_s"], 10, "s", True))
    for name, per_minute in ceiling["inline"].items():
        rows.append((f"dispatch/min, capped host, {name}, alone", per_minute, 20_000, "/min", False))
    for run in ceiling["dramatiq_rows"]:  # "code": the scheduler's, when runs compared two
        rows.append((f"… through Dramatiq + rows, {run.get('code', run['dispatcher'])}",
                     run["checks_per_minute"], 20_000, "/min", False))
    rows.append(("scheduler CPU at 300 checks/min", cpu["scheduler_core_percent"], 5, "% core", True))
    width, bar, left, top = 720, 20, 300, 30
    scale = (width - left - 80) / 2.0  # the target sits at half the bar room; bars stop at 2x
    out = ['<text x="10" y="18" font-size="13">Scale-out figures against their targets '
           '(line = target)</text>',
           f'<line x1="{left + scale:.0f}" y1="{top - 4}" x2="{left + scale:.0f}" '
           f'y2="{top + len(rows) * (bar + 8)}" stroke="{GREY}" stroke-dasharray="4 3"/>']
    for i, (label, value, target, unit, lower) in enumerate(rows):
        y = top + i * (bar + 8)
        share = min(value / target, 2.0)
        good = value <= target if lower else value >= target
        shown = f"{value:,.1f}" if value < 100 else f"{value:,.0f}"
        space = "" if unit == "/min" else " "
        out += [f'<text x="10" y="{y + 14}" font-size="12">{label}</text>',
                f'<rect x="{left}" y="{y}" width="{share * scale:.0f}" height="{bar}" '
                f'fill="{BLUE if good else OCHRE}"/>',
                f'<text x="{left + share * scale + 6:.0f}" y="{y + 14}" font-size="12">'
                f'{shown}{space}{unit} (target {"≤" if lower else "≥"} {target:,}{space}{unit})</text>']
    height = top + len(rows) * (bar + 8) + 30
    out.append(f'<text x="10" y="{height - 10}" font-size="11" fill="#555">2 shared cores, '
               f'PostgreSQL and Redis on the same machine (benchmarks/scaleout_ceiling.py)</text>')
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width + 200}" height="{height}" '
            f'font-family="sans-serif"><rect width="100%" height="100%" fill="white"/>'
            + "".join(out) + "</svg>\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mode", choices=("queue", "ceiling", "cpu"), default="queue")
    parser.add_argument("--database-url")
    parser.add_argument("--broker-url")
    parser.add_argument("--checks", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3, help="turns each contender takes")
    parser.add_argument("--poll-ms", default=str(POLL_MS), help="queue: idle poll intervals, a,b")
    parser.add_argument("--watches", type=int, default=100_000, help="ceiling: watches to ready")
    parser.add_argument("--capped", type=int, default=10_000, help="ceiling: queued behind the cap")
    parser.add_argument("--baseline", help="ceiling: also the dispatcher of this git revision")
    parser.add_argument("--run-seconds", type=float, default=30.0, help="ceiling: a run's longest")
    parser.add_argument("--e2e-checks", type=int, default=20_000, help="ceiling: through Dramatiq")
    parser.add_argument("--e2e-rounds", type=int, default=1, help="ceiling: turns through Dramatiq")
    parser.add_argument("--writers", type=int, default=2,
                        help="ceiling: row-writing processes (of --threads each) through Dramatiq")
    parser.add_argument("--rate", type=int, default=300, help="cpu: checks a minute")
    parser.add_argument("--warmup", type=float, default=15.0)
    parser.add_argument("--seconds", type=float, default=60.0, help="cpu: the measured window")
    parser.add_argument("--results", type=Path, help="chart: a JSON of {queue, ceiling, cpu}")
    parser.add_argument("--chart", type=Path, help="write the chart of --results here")
    parser.add_argument("--role", choices=("scheduler", "writer"), help=argparse.SUPPRESS)
    parser.add_argument("--hold", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.chart:
        args.chart.write_text(chart(json.loads(args.results.read_text())), encoding="utf-8")
        return 0
    if not (args.database_url and args.broker_url):
        parser.error("--database-url and --broker-url are needed")
    if args.role:
        return {"scheduler": scheduler_role, "writer": writer_role}[args.role](args)
    engine = make_engine(args.database_url)
    mode = {"queue": queue_mode, "ceiling": ceiling_mode, "cpu": cpu_mode}[args.mode]
    print(json.dumps(mode(args, engine), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
