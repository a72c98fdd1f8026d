"""How `scraper run` makes its scheduler, per executor (SCRAPER_EXECUTOR / --executor): each a
context manager that holds what its executor needs while the scheduler runs."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass

from rich.text import Text
from sqlalchemy import Engine

from scraper.base.errors import InputError, JobFailed
from scraper.cli.output import err
from scraper.config.settings import Settings
from scraper.daemon.console import CheckPrinter
from scraper.daemon.scheduler import WatchScheduler

STANDBY_POLL = 1.0  # seconds between a standby scheduler's tries of the lock


@contextmanager
def local(engine: Engine, settings: Settings, workers: int | None, printer: CheckPrinter,
          stop: threading.Event) -> Iterator[WatchScheduler | None]:
    from scraper.browser import BrowserSession
    from scraper.evidence.on_change import check_hook

    with BrowserSession(settings) as browser:
        yield WatchScheduler(engine, browser, workers=workers, settings=settings, on_check=printer,
                             hook=check_hook(settings, engine))


@contextmanager
def dramatiq(engine: Engine, settings: Settings, workers: int | None, printer: CheckPrinter,
             stop: threading.Event) -> Iterator[WatchScheduler | None]:
    """No browser here: the checks run in `scraper worker` processes. One scheduler at a time: a
    second one stands by on PostgreSQL's advisory lock and takes over when the first is gone."""
    from scraper.daemon.broker import make_broker, ping
    from scraper.daemon.distributed import DramatiqExecutor
    from scraper.daemon.worker import evidence_key
    from scraper.store import dispatch as dispatches
    from scraper.store.clock import require_in_step

    require_in_step(engine)
    broker = make_broker(settings.broker_url)
    try:
        ping(broker)
    except Exception as exc:
        raise JobFailed(f"the broker at SCRAPER_BROKER_URL cannot be reached: {exc}: start it, "
                        "or check `scraper doctor`") from None
    # The lock lives as long as this connection (autocommit: never idle in a transaction).
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as lock:
        if not dispatches.try_lock_scheduler(lock):
            err.print(Text("another scheduler is active: standing by to take over"))
            while not dispatches.try_lock_scheduler(lock):
                if stop.wait(STANDBY_POLL):
                    yield None
                    return
            err.print(Text("the active scheduler is gone: taking over"))
        executor = DramatiqExecutor(engine, settings, key=evidence_key(settings.keys_dir, create=True),
                                    broker=broker)
        yield WatchScheduler(engine, None, workers=workers, settings=settings, on_check=printer,
                             executor=executor, requests=True)


def require_distributed(database_url: str, what: str) -> None:
    """Refuse (exit 2, the fix named) what the scale-out cannot run on: before the database is
    opened, so the embedded one is not even created."""
    from sqlalchemy.engine import make_url

    if make_url(database_url).get_backend_name() != "postgresql":
        raise InputError(f"{what} needs PostgreSQL, which every machine shares (SQLite is one "
                         "machine's file): set SCRAPER_DATABASE_URL=postgresql+psycopg://… and run "
                         "`scraper db upgrade`, or use the local executor")
    try:
        import dramatiq  # noqa: F401
    except ImportError:
        raise InputError(f"{what} needs Dramatiq: pip install 'scraper[distributed]'") from None


@dataclass(frozen=True)
class Choice:
    refuse: Callable[[Settings], None]  # bad input (exit 2), before the database is opened
    scheduler: Callable[..., AbstractContextManager[WatchScheduler | None]]


SCHEDULERS: dict[str, Choice] = {
    "local": Choice(lambda settings: None, local),
    "dramatiq": Choice(lambda settings: require_distributed(settings.database_url,
                                                            "--executor dramatiq"), dramatiq),
}
