"""Check now through the scheduler (distributed mode): the requests the dashboard and the API
write (`store.requests`) become due checks of this scheduler's dispatcher, so a manual check keeps
the same limits as a scheduled one: workers, per-host cap and gap, one check per watch.

One thread owns the requests it has taken. It LISTENs for new ones (the request's transaction
sends a notification at commit) and also looks every POLL seconds, for one written while it was
not listening. A request is answered by the first check of its watch that *starts* after the
request was taken (a check already running started before it, so another one runs after it);
that check's id, or why none was written, goes back on the request's row.
"""

from __future__ import annotations

import contextlib
import queue
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from loguru import logger
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from scraper.config.settings import Settings
from scraper.daemon.dispatch import Dispatcher, HostLimits
from scraper.daemon.executor import CheckOutcome, CheckTask
from scraper.daemon.plan import host_of, limits_for
from scraper.profiles import load_profiles, matching
from scraper.store import Watch
from scraper.store import requests as stored

POLL = 1.0  # seconds between looks at the table (new requests missed, watches to queue again)
TICK = 0.2  # seconds between looks at the checks that started or ended
KEEP_ANSWERED = timedelta(days=1)  # how long an answered request stays readable


@dataclass
class _Waiting:
    task: CheckTask
    limits: HostLimits
    requests: dict[int, float] = field(default_factory=dict)  # request id -> taken (monotonic)


@dataclass(frozen=True)
class _Started:
    watch_id: int
    at: float  # time.monotonic()
    wall: datetime


class ManualChecks:
    def __init__(self, engine: Engine, settings: Settings, dispatcher: Dispatcher) -> None:
        self.engine, self.settings, self.dispatcher = engine, settings, dispatcher
        self._events: queue.SimpleQueue[_Started | CheckOutcome] = queue.SimpleQueue()
        self._waiting: dict[int, _Waiting] = {}  # by watch id
        self._running: dict[int, list[int]] = {}  # watch id -> the requests its running check answers
        self._taken: set[int] = set()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="check-requests", daemon=True)

    # --- what the scheduler calls ----------------------------------------------------------------

    def start(self) -> None:
        self._thread.start()

    def started(self, task: CheckTask) -> None:
        """The dispatcher admitted a check (its lock held: only take note)."""
        self._events.put(_Started(task.watch_id, time.monotonic(), datetime.now(UTC)))

    def ended(self, outcome: CheckOutcome) -> None:
        self._events.put(outcome)

    def stop(self) -> None:
        """After the dispatcher stopped: what ended is written; a request whose check never wrote
        a row goes back to queued, for the next scheduler."""
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join(timeout=30)
        with contextlib.suppress(Exception):  # the database is gone: the rows stay as they were
            self._handle_events()
            left = [i for ids in self._running.values() for i in ids]
            if left:
                with Session(self.engine) as session:
                    stored.requeue(session, left)
                    session.commit()

    def pending(self) -> int:
        """How many requests this scheduler has taken and not answered yet."""
        return len(self._taken)

    def prune(self) -> None:
        with Session(self.engine) as session:
            stored.forget_answered(session, datetime.now(UTC) - KEEP_ANSWERED)
            session.commit()

    # --- the thread ------------------------------------------------------------------------------

    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                with self._notifications() as heard:
                    last = -POLL
                    while not self._stopping.is_set():
                        new = heard()
                        self._handle_events()
                        if new or time.monotonic() - last >= POLL:
                            last = time.monotonic()
                            self._take()
                            self._queue_again()
            except Exception as exc:  # the database went away: listen again, then look
                logger.warning("check requests: {}; trying again", exc)
                self._stopping.wait(POLL)

    @contextlib.contextmanager
    def _notifications(self) -> Iterator[Callable[[], bool]]:
        """A function that waits up to TICK seconds and says whether a request was announced."""
        if self.engine.dialect.name != "postgresql":
            yield lambda: self._stopping.wait(TICK) and False
            return
        import psycopg

        url = self.engine.url.set(drivername="postgresql")
        with psycopg.connect(url.render_as_string(hide_password=False), autocommit=True) as connection:
            connection.execute(f"LISTEN {stored.CHANNEL}")
            yield lambda: any(True for _ in connection.notifies(timeout=TICK))

    def _take(self) -> None:
        """Queue the requests not taken yet as due checks of their watches."""
        with Session(self.engine) as session:
            fresh = [r for r in stored.open_requests(session) if r.id not in self._taken]
            if not fresh:
                return
            ids = {r.watch_id for r in fresh}
            watches = {w.id: w for w in session.exec(select(Watch).where(col(Watch.id).in_(ids)))}
            session.expunge_all()
        profiles = load_profiles(self.settings.profile_dirs)
        ranked = matching.ranked(profiles)
        for request in fresh:
            watch = watches.get(request.watch_id)
            assert request.id is not None
            if watch is None or watch.id is None:  # removed meanwhile: its request went with it
                continue
            waiting = self._waiting.get(watch.id)
            if waiting is None:
                chosen = (profiles.get(watch.profile) if watch.profile
                          else matching.first_by_url(ranked, watch.url))
                task = CheckTask(watch.id, watch.name, host_of(watch.url))
                limits = limits_for(self.settings, chosen, watch.host_gap, watch.host_cap)
                waiting = self._waiting[watch.id] = _Waiting(task, limits)
            waiting.requests[request.id] = time.monotonic()  # before `due`: its start comes after
            self._taken.add(request.id)
            logger.info("watch {} ({}): check requested", watch.id, watch.name)
            self.dispatcher.due(waiting.task, waiting.limits, hasten=True)

    def _queue_again(self) -> None:
        """A watch already queued or running keeps its place (`due` says no); one whose running
        check started before its request gets its own check once that one ended."""
        for waiting in list(self._waiting.values()):
            self.dispatcher.due(waiting.task, waiting.limits, hasten=True)

    def _handle_events(self) -> None:
        while True:
            try:
                event = self._events.get_nowait()
            except queue.Empty:
                return
            if isinstance(event, _Started):
                self._started(event)
            else:
                self._ended(event)

    def _started(self, event: _Started) -> None:
        waiting = self._waiting.get(event.watch_id)
        if waiting is None:
            return
        answered = [i for i, taken in waiting.requests.items() if taken <= event.at]
        if not answered:
            return
        for request_id in answered:
            del waiting.requests[request_id]
        if not waiting.requests:
            del self._waiting[event.watch_id]
        self._running.setdefault(event.watch_id, []).extend(answered)
        with Session(self.engine) as session:
            stored.mark_running(session, answered, event.wall)
            session.commit()

    def _ended(self, outcome: CheckOutcome) -> None:
        watch_id = outcome.task.watch_id
        answered = self._running.pop(watch_id, [])
        if answered:
            result = outcome.result
            with Session(self.engine) as session:
                if result is None and outcome.skipped == "cancelled":
                    stored.requeue(session, answered)  # stopping: the next scheduler runs it
                else:
                    stored.mark_ended(session, answered,
                                      check_id=result.check.id if result is not None else None,
                                      reason=outcome.skipped)
                session.commit()
            self._taken.difference_update(answered)
        waiting = self._waiting.get(watch_id)
        if waiting is not None and not self._stopping.is_set():
            self.dispatcher.due(waiting.task, waiting.limits, hasten=True)
