"""`scraper run`: the scheduler in the foreground, until Ctrl-C or SIGTERM."""

from __future__ import annotations

import signal
import threading
from types import FrameType

from rich.text import Text

from scraper.cli.app import app, examples
from scraper.cli.output import err
from scraper.settings import load_settings


@app.command("run", epilog=examples(
    "scraper run",
    "scraper run -v   # log each check",
    "systemctl start scraper   # as a service: deploy/scraper.service",
))
def run() -> None:
    """Check every active watch on its schedule (--every / --cron) until stopped (Ctrl-C,
    SIGTERM); a watch never checked, or overdue, runs at once."""
    from scraper.browser import BrowserSession
    from scraper.scheduler import run_forever
    from scraper.watches import open_db

    settings = load_settings()
    engine = open_db(settings)
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    err.print(Text("scheduler running; Ctrl-C to stop"))
    with BrowserSession(settings) as browser:
        run_forever(engine, browser, stop)
