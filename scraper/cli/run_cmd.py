"""`scraper run`: the daemon in the foreground, until Ctrl-C or SIGTERM (or, with --once, until
every due watch has been checked)."""

from __future__ import annotations

import sys
import threading
from typing import TYPE_CHECKING

import typer
from loguru import logger
from rich.text import Text

from scraper.base.errors import InputError
from scraper.base.heap import freeze_setup
from scraper.base.signals import on_stop_signals
from scraper.cli.app import app, examples
from scraper.cli.output import err
from scraper.config.settings import MAX_WORKERS, load_settings

if TYPE_CHECKING:
    from scraper.daemon.console import CheckPrinter
    from scraper.daemon.scheduler import WatchScheduler


@app.command("run", epilog=examples(
    "scraper run",
    "scraper run --workers 4 --log-format json   # for a log shipper",
    "scraper run --once   # from cron or a systemd timer",
    "systemctl start scraper   # as a service: deploy/scraper.service",
))
def run(
    workers: int | None = typer.Option(None, "--workers", help="Checks at a time (default: "
                                       "SCRAPER_WORKERS, else from the CPU count and memory)."),
    once: bool = typer.Option(False, "--once", help="Check every due watch once, then exit "
                              "(for cron and systemd timers)."),
    log_format: str = typer.Option("text", "--log-format", help="text (a line per check; a live "
                                   "status on a terminal) or json (one object per line)."),
    executor: str | None = typer.Option(None, "--executor", help="Where checks run: local (threads "
                                        "of this process) or dramatiq (`scraper worker` processes; "
                                        "PostgreSQL and a broker). Default: SCRAPER_EXECUTOR, else "
                                        "local."),
) -> None:
    """Check every active watch on its schedule (--every / --cron) until stopped (Ctrl-C,
    SIGTERM); a watch never checked, or overdue, runs at once (spread over a short ramp)."""
    from scraper.cli.executors import SCHEDULERS
    from scraper.daemon.console import LOG_FORMATS, CheckPrinter
    from scraper.store import open_db

    if log_format not in LOG_FORMATS:
        raise InputError(f"--log-format {log_format!r}: give text or json")
    if workers is not None and not 1 <= workers <= MAX_WORKERS:
        raise InputError(f"--workers {workers}: give a whole number from 1 to {MAX_WORKERS}")
    settings = load_settings()
    executor = executor or settings.executor
    if executor not in SCHEDULERS:
        raise InputError(f"--executor {executor!r}: give {' or '.join(SCHEDULERS)}")
    choice = SCHEDULERS[executor]
    choice.refuse(settings)
    engine = open_db(settings)
    if log_format == "json":
        logger.remove()
        logger.add(sys.stderr, level="INFO", serialize=True, backtrace=False, diagnose=False)
    printer = CheckPrinter(log_format)
    stop = threading.Event()
    holder: list[WatchScheduler] = []  # the scheduler, once there is one

    def on_signal(signum: int) -> None:
        if stop.is_set() and holder:  # a second Ctrl-C: no more grace
            holder[0].executor.cancel()
        stop.set()

    # The executor's own set-up: a browser here, or (dramatiq) the broker and the lock that makes
    # this the one scheduler; None when stopped while standing by.
    scheduler = choice.scheduler(engine, settings, workers, printer, stop)
    with on_stop_signals(on_signal), scheduler as sched:
        if sched is not None:
            holder.append(sched)
            _serve(sched, printer, stop, once, log_format, settings.grace)


def _serve(sched: WatchScheduler, printer: CheckPrinter, stop: threading.Event, once: bool,
           log_format: str, grace: float) -> None:
    freeze_setup()
    if once:
        try:
            ran = sched.run_once(stop)
        finally:
            sched.shutdown()
        if not ran and log_format == "text":  # silence would look like a broken cron job
            err.print(Text("nothing due: no active watch is due now (`scraper status` says when "
                           "each runs next)"))
        return
    if log_format == "text":
        err.print(Text(f"scheduler running with {sched.workers} workers; Ctrl-C to stop"))
    sched.start()
    live = printer.live(sched.dispatcher.stats, sched.next_due)
    try:
        if live is not None:
            with live:
                stop.wait()
        else:
            stop.wait()
    finally:
        if sched.dispatcher.stats().running and log_format == "text":
            err.print(Text(f"stopping: in-flight checks have {grace:g}s to finish"))
        sched.shutdown()
