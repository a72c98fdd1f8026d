"""A scale-out worker (`scraper worker --threads T`): T Dramatiq threads of one process sharing one
warm browser, each running the same `run_check` as the local daemon (a context per check).

What a message asks is run at most once: a dispatch whose row exists writes nothing and only says
so again; the row, its changes, its outbox rows and the completion are one transaction
(`run_check(dispatch=...)`). A check cancelled because the worker is stopping leaves no row and
tells the scheduler, which dispatches it again at once. A worker whose evidence key is not the
scheduler's refuses the checks of watches that keep evidence: a bundle signed with another key
would not verify against the installation's published key.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from loguru import logger
from playwright.async_api import Browser
from sqlalchemy import Engine
from sqlmodel import Session

from scraper.base.errors import Cancelled
from scraper.base.failures import classify
from scraper.browser import BrowserSession
from scraper.config.settings import Settings
from scraper.daemon.broker import ACTOR, QUEUE, make_broker
from scraper.daemon.distributed import AGAIN, check_budget, write_off_after
from scraper.evidence import signing
from scraper.evidence.on_change import check_hook
from scraper.pipeline.check import Redelivered, run_check
from scraper.store import Watch
from scraper.store import dispatch as dispatches
from scraper.store.lease import WatchBusy

# An idle consumer asks Redis for work at most this far apart (Dramatiq's backoff doubles from
# 5 ms up to it, with jitter): the dispatch latency of an idle worker. Its default, 1 s, would be
# that latency; 50 ms gave a p95 of 55-72 ms here, 20 ms about 20 ms, for ~1.5% more of a core
# per idle worker process (benchmarks/scaleout_bench.py).
POLL_MS = 20


def evidence_key(keys_dir: Path, *, create: bool) -> str | None:
    """This installation's evidence key's fingerprint; a worker never makes one of its own."""
    if not create and not (keys_dir / signing.PRIVATE_KEY).is_file():
        return None
    return signing.load_or_create(keys_dir).fingerprint


class CheckWorker:
    def __init__(self, engine: Engine, settings: Settings, browser: BrowserSession, *,
                 broker: object | None = None) -> None:
        self.engine, self.settings, self.browser = engine, settings, browser
        self.broker = broker if broker is not None else make_broker(settings.broker_url)
        self.key = evidence_key(settings.keys_dir, create=False)
        self.hook = check_hook(settings, engine)  # pictures and evidence, as a local check
        self._cancelled = threading.Event()

    def perform(self, watch_id: int, dispatch_id: str, key: str | None) -> None:
        """The actor: one dispatched check."""
        if self._cancelled.is_set():
            return self._tell(dispatch_id, AGAIN)
        with Session(self.engine) as session:
            if dispatches.check_of(session, dispatch_id) is not None:
                logger.info("dispatch {} (watch {}) delivered again: already written", dispatch_id,
                            watch_id)
                return self._tell(dispatch_id)
            watch = session.get(Watch, watch_id)
            if watch is None:
                return self._tell(dispatch_id, "removed: the watch no longer exists")
            keeps_evidence = watch.evidence_on_change
        if keeps_evidence and key != self.key:
            return self._tell(dispatch_id, (
                f"refused: worker's evidence key ({_short(self.key)}) differs from the scheduler's "
                f"({_short(key)}): give every worker the scheduler's keys folder "
                f"({self.settings.keys_dir.name}/ under SCRAPER_HOME)"))
        try:
            # wait=0: the scheduler admits one check per watch; a lease still held is a stale one
            # (a worker killed mid-check), which the watchdog outwaits before dispatching again.
            result = run_check(self.engine, watch_id, self.browser, wait=0, hook=self.hook,
                               dispatch=dispatch_id)
        except Redelivered:
            return self._tell(dispatch_id)
        except WatchBusy as exc:
            return self._tell(dispatch_id, f"busy: {exc}")
        except Cancelled:
            return self._tell(dispatch_id, AGAIN)
        except Exception as exc:  # the store failed: no row could be written
            logger.opt(exception=exc).debug("watch {}: check not stored", watch_id)
            return self._tell(dispatch_id, str(classify(exc)))
        logger.info("watch {} checked: {} ({} changes)", watch_id, result.check.status,
                    len(result.changes))
        return None

    def _tell(self, dispatch_id: str, skipped: str | None = None) -> None:
        try:
            with self.engine.begin() as connection:
                dispatches.notify(connection, dispatch_id, skipped)
        except Exception as exc:  # the scheduler's watchdog finds out by itself
            logger.warning("dispatch {}: completion not sent: {}", dispatch_id, exc)

    def warm_up(self) -> None:
        """Launch the browser now: the first check does not pay for it."""

        async def version(browser: Browser) -> str:
            return browser.version

        self.browser.run(version, self.settings.deadline)

    def cancel(self) -> None:
        """End the checks in flight without rows (the scheduler dispatches them again)."""
        self._cancelled.set()
        self.browser.cancel_jobs()

    def serve(self, threads: int, stop: threading.Event, grace: float) -> None:
        """Take checks on `threads` threads until `stop`; then those running get `grace` seconds
        to finish before they are cancelled. Messages fetched but not started go back."""
        from dramatiq import Actor, Broker

        broker = self.broker
        assert isinstance(broker, Broker)
        Actor(self.perform, broker=broker, actor_name=ACTOR, queue_name=QUEUE, priority=0,
              options={"max_retries": 0,
                       "time_limit": int(write_off_after(self.settings) * 1000)})
        worker = consumer(broker, threads)
        worker.start()
        try:
            # Woken each second, a guard kept from before the stop signals were relayed by a
            # thread (base/signals.py): a handler that set `stop` itself could deadlock on it.
            while not stop.wait(1.0):
                pass
        finally:
            timer = threading.Timer(grace, self.cancel)
            timer.daemon = True
            timer.start()
            worker.stop(timeout=int((grace + check_budget(self.settings)) * 1000))
            timer.cancel()
            broker.close()


def consumer(broker: object, threads: int, poll_ms: int = POLL_MS) -> Any:
    """The Dramatiq worker of `scraper worker` (also the benchmark's), not started."""
    from dramatiq import Worker

    worker = Worker(broker, queues={QUEUE}, worker_threads=threads, worker_timeout=poll_ms)  # type: ignore[arg-type]
    worker.queue_prefetch = threads  # no message waits behind a busy thread here
    return worker


def _short(key: str | None) -> str:
    return f"{key[:12]}…" if key else "none"
