"""Writing a check's outcome to the store, through locks and full disks.

A capture costs seconds of a browser's time and cannot be redone as it was: it is not thrown away
because another process holds the database for a while. A write that fails on a lock is retried,
each try waiting the store's busy timeout, until the check's budget is spent. A write that cannot
succeed (the disk is full, the lock never goes) leaves a failed check row if even that can be
written, and in every case ends as one classified line (`Classified`, kind `storage`) for the CLI
to print and the daemon to log.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from loguru import logger
from sqlalchemy import Engine, inspect
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session
from tenacity import RetryCallState, Retrying, retry_if_exception, wait_fixed

from scraper.base.failures import Classified, Failure, classify

T = TypeVar("T")
# Between two tries of a write: the busy timeout does the waiting; this only keeps a store that
# fails at once (a full disk) from being hammered.
RETRY_PAUSE = 0.5


def write(engine: Engine, work: Callable[[Session], T], *, until: float, url: str) -> T:
    """Run `work` in a transaction and commit; retry while the database is locked, until `until`
    (time.monotonic()); at least once."""

    def spent(state: RetryCallState) -> bool:
        return time.monotonic() >= until

    def log(state: RetryCallState) -> None:
        logger.info("database locked (try {}); retrying the write", state.attempt_number)

    retrying = Retrying(retry=retry_if_exception(_locked), stop=spent, wait=wait_fixed(RETRY_PAUSE),
                        before_sleep=log, reraise=True)
    try:
        result: T = retrying(_once, engine, work)
    except DBAPIError as exc:
        tries = retrying.statistics.get("attempt_number", 1)
        logger.opt(exception=exc).debug("store write failed after {} tries", tries)
        raise Classified(_told(classify(exc), url)) from None
    return result


def _once(engine: Engine, work: Callable[[Session], T]) -> T:
    # Rows are not expired at the commit: they hold what this transaction read and wrote, and are
    # read again only for what the database filled in (two SELECTs fewer a check, issue 25).
    with Session(engine, expire_on_commit=False) as session:
        result = work(session)
        session.commit()
        _refresh(session, result)
        return result


@contextmanager
def said(what: str) -> Iterator[None]:
    """Turn a database error in the block into one classified line (kind `storage`)."""
    try:
        yield
    except DBAPIError as exc:
        logger.opt(exception=exc).debug("{}", what)
        failure = classify(exc)
        raise Classified(Failure("storage", f"{what}: {failure.message}")) from None


def _locked(exc: BaseException) -> bool:
    if not isinstance(exc, DBAPIError):
        return False
    text = str(exc.orig).lower()
    return "locked" in text or "busy" in text or "lock timeout" in text


def _refresh(session: Session, result: object) -> None:
    # The caller reads the rows after the session closes: load what is not loaded.
    for name in ("watch", "check"):
        row = getattr(result, name, None)
        if row is not None and inspect(row).unloaded:
            session.refresh(row)


def _told(failure: Failure, url: str) -> Failure:
    return Failure("storage", f"{url}: the check could not be stored: {failure.message}")
