"""`scraper worker`: run the checks a `scraper run --executor dramatiq` scheduler dispatches."""

from __future__ import annotations

import threading

import typer
from rich.text import Text

from scraper.base.errors import InputError
from scraper.base.heap import freeze_setup
from scraper.base.signals import on_stop_signals
from scraper.cli.app import app, examples
from scraper.cli.output import err
from scraper.config.settings import MAX_WORKERS, load_settings


@app.command("worker", epilog=examples(
    "scraper worker --threads 4",
    "docker compose -f deploy/compose.yaml up --scale worker=8",
))
def worker(
    threads: int = typer.Option(2, "--threads", help="Checks at a time in this process, sharing "
                                "one browser."),
) -> None:
    """Run checks for the scheduler (`scraper run --executor dramatiq`) until stopped (Ctrl-C,
    SIGTERM: checks in flight get SCRAPER_GRACE seconds, then go back to the scheduler)."""
    from scraper.browser import BrowserSession
    from scraper.cli.executors import require_distributed
    from scraper.daemon.worker import CheckWorker
    from scraper.store import open_db
    from scraper.store.clock import require_in_step

    if not 1 <= threads <= MAX_WORKERS:
        raise InputError(f"--threads {threads}: give a whole number from 1 to {MAX_WORKERS}")
    settings = load_settings()
    require_distributed(settings.database_url, "scraper worker")
    engine = open_db(settings)  # a database behind this code is refused: `scraper db upgrade`
    require_in_step(engine)
    stop = threading.Event()

    with on_stop_signals(lambda signum: stop.set()), BrowserSession(settings) as browser:
        check_worker = CheckWorker(engine, settings, browser)
        check_worker.warm_up()  # a browser that cannot start fails here, not on each check
        freeze_setup()
        err.print(Text(f"worker running with {threads} threads; Ctrl-C to stop"))
        check_worker.serve(threads, stop, settings.grace)
