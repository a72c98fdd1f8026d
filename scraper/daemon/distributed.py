"""Checks on Dramatiq workers (`scraper run --executor dramatiq`): the scheduler's side.

The dispatcher still decides what runs (workers, host caps and gaps, fairness, one check per
watch); this executor only carries each admitted check to a worker (`scraper.daemon.worker`) as a
message, and hears back when it ended. PostgreSQL is the truth, the broker is disposable:
- each dispatch has an id, stored on the check row it writes (unique), in the transaction that
  also writes its changes and outbox rows and sends the completion (`pg_notify`, CHANNEL);
- a message older than `max_age` is dropped by Dramatiq's AgeLimit, so a dispatch written off
  (no row after `write_off` seconds: a worker killed, Redis emptied) never runs later, and the
  watchdog dispatches it again under a new id;
- a dispatch that ended without a row because its worker was stopping is dispatched again at once.
The completion is pushed (LISTEN/NOTIFY); the watchdog's look at the row is the fallback for a
notification lost while the listening connection was down.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from loguru import logger
from sqlalchemy import Connection, Engine
from sqlmodel import Session

from scraper.config.settings import Settings
from scraper.daemon.broker import ACTOR, QUEUE, make_broker
from scraper.daemon.executor import CheckOutcome, CheckTask, Done
from scraper.model.changes import Change
from scraper.pipeline.check import CheckResult
from scraper.store import dispatch as dispatches

if TYPE_CHECKING:
    import psycopg

SWEEP_EVERY = 1.0  # seconds between the watchdog's rounds (also the listener's longest wait)
MARGIN = 3.0  # seconds on top of a check's longest run before a dispatch is written off
AGAIN = "cancelled"  # a worker stopping ended the check without a row: dispatch it again now


def check_budget(settings: Settings) -> float:
    """The longest a worker can still write one check after taking it: the capture within its
    deadline and the browser's teardown, then the write's tries on a locked database
    (`scraper.pipeline.persist`: three busy timeouts at least)."""
    return settings.deadline + settings.teardown_grace + 3 * settings.busy_timeout


def max_age(settings: Settings) -> float:
    """How long a message may wait for a worker before Dramatiq drops it (seconds)."""
    return settings.deadline


def write_off_after(settings: Settings) -> float:
    """When a dispatch without a row can no longer write one: waited its longest, then ran its
    longest. Workers must share the scheduler's SCRAPER_DEADLINE and SCRAPER_DB_BUSY_TIMEOUT."""
    return max_age(settings) + check_budget(settings) + MARGIN


@dataclass
class _Pending:
    task: CheckTask
    done: Done
    started: float  # time.monotonic() of the first dispatch
    sent: float  # ... of this one
    tries: int = 1


class DramatiqExecutor:
    """The `Executor` of `scraper.daemon.executor`, over a Dramatiq broker (Redis or RabbitMQ)."""

    def __init__(self, engine: Engine, settings: Settings, *, key: str | None,
                 broker: object | None = None, write_off: float | None = None) -> None:
        """`key`: the fingerprint of this installation's evidence key, which a worker must share
        to run evidence checks."""
        from dramatiq import Broker

        self.engine, self.settings, self.key = engine, settings, key
        made = broker if broker is not None else make_broker(settings.broker_url)
        assert isinstance(made, Broker)
        self.broker: Broker = made
        self.max_age_ms = int(max_age(settings) * 1000)
        self.write_off = write_off if write_off is not None else write_off_after(settings)
        self._pending: dict[str, _Pending] = {}
        self._reader: Connection | None = None  # the listener's, for reading what completed
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._listening = threading.Event()
        self._thread = threading.Thread(target=self._listen, name="dispatch-listener", daemon=True)
        self._thread.start()
        if not self._listening.wait(30):
            raise RuntimeError("the dispatch listener could not LISTEN on the database")

    # --- the Executor interface ------------------------------------------------------------------

    def submit(self, task: CheckTask, done: Done) -> None:
        now = time.monotonic()
        self._send(_Pending(task, done, now, now))

    def cancel(self) -> None:
        """Stop waiting: what is in flight ends here as cancelled (the workers finish it, and
        its rows stand)."""
        self._stopping.set()
        with self._lock:
            pending, self._pending = self._pending, {}
        for item in pending.values():
            self._end(item, None, "cancelled")

    def shutdown(self) -> None:
        self._stopping.set()
        self._thread.join(timeout=SWEEP_EVERY * 5)

    def in_flight(self) -> int:
        with self._lock:
            return len(self._pending)

    # --- sending ---------------------------------------------------------------------------------

    def _send(self, item: _Pending) -> None:
        from dramatiq import Message

        dispatch_id = uuid.uuid4().hex
        item.sent = time.monotonic()
        with self._lock:
            self._pending[dispatch_id] = item
        message: Message[object] = Message(queue_name=QUEUE, actor_name=ACTOR,
                          args=(item.task.watch_id, dispatch_id, self.key), kwargs={},
                          options={"max_age": self.max_age_ms})
        try:
            self.broker.enqueue(message)
        except Exception as exc:  # the broker is down: the watchdog sends it again once it is back
            logger.warning("watch {}: dispatch not sent ({}); retrying after the write-off",
                           item.task.watch_id, exc)

    # --- hearing back ----------------------------------------------------------------------------

    def _listen(self) -> None:
        import psycopg

        url = self.engine.url.set(drivername="postgresql")
        conninfo = url.render_as_string(hide_password=False)
        while not self._stopping.is_set():
            try:
                # The rows of what completed are read on a connection of the listener's own,
                # held while it listens: no pool checkout, ping or transaction per batch.
                with psycopg.connect(conninfo, autocommit=True) as connection, \
                        self.engine.connect() as reader:
                    self._reader = reader.execution_options(isolation_level="AUTOCOMMIT")
                    connection.execute(f"LISTEN {dispatches.CHANNEL}")
                    self._listening.set()
                    self._sweep(everything=True)  # what ended while nobody was listening
                    while not self._stopping.is_set():
                        self._hear(connection)
                        self._sweep()
            except Exception as exc:  # the database went away: listen again, then look at the rows
                logger.warning("dispatch listener: {}; reconnecting", exc)
                self._stopping.wait(SWEEP_EVERY)

    def _hear(self, connection: psycopg.Connection[Any]) -> None:
        """Up to SWEEP_EVERY seconds of completions, each batch as it comes: the first to arrive,
        with all that arrived meanwhile (their rows are read together, `_heard`)."""
        end = time.monotonic() + SWEEP_EVERY
        while not self._stopping.is_set() and (left := end - time.monotonic()) > 0:
            batch = [note.payload for note in connection.notifies(timeout=left, stop_after=1)]
            if not batch:
                return
            batch += [note.payload for note in connection.notifies(timeout=0)]
            self._heard(batch)

    def _heard(self, payloads: list[str]) -> None:
        written: list[tuple[str, _Pending]] = []
        for payload in payloads:
            try:
                note = json.loads(payload)
                dispatch_id, skipped = str(note["id"]), note.get("skipped")
            except (ValueError, KeyError, TypeError):
                logger.debug("dispatch listener: not ours: {!r}", payload)
                continue
            with self._lock:
                item = self._pending.pop(dispatch_id, None)
            if item is None:  # already ended (a redelivery's notice, or the watchdog was first)
                continue
            if skipped is None:
                written.append((dispatch_id, item))
            elif skipped == AGAIN and not self._stopping.is_set():
                logger.warning("watch {}: its worker stopped mid-check; dispatching it again",
                               item.task.watch_id)
                item.tries += 1
                self._send(item)
            else:
                if skipped.startswith("refused"):
                    logger.error("watch {}: {}", item.task.watch_id, skipped)
                self._end(item, None, skipped)
        if written:
            try:
                results = self._results([dispatch_id for dispatch_id, _ in written])
            except Exception:  # back to waiting: the sweep after reconnecting reads their rows
                with self._lock:
                    self._pending.update(written)
                raise
            for dispatch_id, item in written:
                self._end(item, results.get(dispatch_id), None)

    def _sweep(self, everything: bool = False) -> None:
        """The watchdog: a dispatch past its write-off ends with its row if there is one, else is
        dispatched again (its message, if still queued, has aged out)."""
        now = time.monotonic()
        with self._lock:
            late = [(d, item) for d, item in self._pending.items()
                    if everything or now - item.sent >= self.write_off]
        results = self._results([dispatch_id for dispatch_id, _ in late]) if late else {}
        for dispatch_id, item in late:
            result = results.get(dispatch_id)
            if result is None and now - item.sent < self.write_off:
                continue  # `everything`: not written yet, and not late either
            with self._lock:
                if self._pending.pop(dispatch_id, None) is None:
                    continue
            if result is not None:
                self._end(item, result, None)
            elif self._stopping.is_set():
                self._end(item, None, "cancelled")
            else:
                logger.warning("watch {}: no check {:.0f}s after its dispatch (a worker lost, or "
                               "the broker emptied); dispatching it again", item.task.watch_id,
                               now - item.sent)
                item.tries += 1
                self._send(item)

    def _results(self, dispatch_ids: list[str]) -> dict[str, CheckResult]:
        """The results of the dispatches that wrote their rows, read together."""
        assert self._reader is not None, "read on the listener's thread only"
        with Session(self._reader) as session:
            rows = dispatches.completed(session, dispatch_ids)
            session.expunge_all()
        return {dispatch_id: CheckResult(watch, check, [Change.model_validate(row.data) for row in changes])
                for dispatch_id, (check, watch, changes) in rows.items()}

    def _end(self, item: _Pending, result: CheckResult | None, skipped: str | None) -> None:
        outcome = CheckOutcome(item.task, item.started, time.monotonic(), result, skipped)
        try:
            item.done(outcome)
        except Exception as exc:
            logger.opt(exception=exc).error("watch {}: completion failed", item.task.watch_id)
