"""A lease on a watch: one check of a watch at a time, across processes and machines.

Taken with one atomic `UPDATE … WHERE` (free, or expired), so two processes can never both hold
it on any backend; released by its owner at the end of the check (in the check's own write transaction when it
gets that far: `Held.release_in`). It expires on its own, so a
process killed mid-check (SIGKILL, a power cut) cannot wedge the watch: the next check waits for
the expiry at most. Its end is stamped and compared in the database's time (`clock.db_now`), so a
machine whose clock runs ahead cannot take a lease another machine still holds.
"""

from __future__ import annotations

import os
import socket
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from loguru import logger
from sqlalchemy import Engine, or_, update
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, col

from scraper.base.errors import JobFailed

from .clock import db_now
from .models import Watch

# How often a waiting check asks again (a short wait between two queries, not a synchronisation).
POLL_SECONDS = 0.25


def owner_id() -> str:
    """Who holds a lease: host, process, and a nonce so two checks in one process differ."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def try_acquire(engine: Engine, watch_id: int, owner: str, ttl: float) -> bool:
    """Take the lease if it is free or expired. A database locked by another writer counts as
    not yet (the caller waits); any other database error is raised."""
    try:
        with Session(engine) as session:
            now = db_now(session.connection())
            statement = (
                update(Watch)
                .where(col(Watch.id) == watch_id)
                .where(or_(col(Watch.lease_until).is_(None), col(Watch.lease_until) < now))
                .values(lease_owner=owner, lease_until=now + timedelta(seconds=ttl))
            )
            taken = session.exec(statement).rowcount == 1
            session.commit()
    except OperationalError as exc:
        if "locked" not in str(exc.orig).lower() and "lock timeout" not in str(exc.orig).lower():
            raise
        logger.debug("lease of watch {}: database locked; waiting", watch_id)
        return False
    return taken


def release(engine: Engine, watch_id: int, owner: str) -> None:
    statement = (
        update(Watch)
        .where(col(Watch.id) == watch_id, col(Watch.lease_owner) == owner)
        .values(lease_owner=None, lease_until=None)
    )
    with Session(engine) as session:
        session.exec(statement)
        session.commit()


@dataclass
class Held:
    """A lease `held` holds. `release_in` frees it with the watch's row of the caller's
    transaction (a check's write: its one UPDATE of the row, one commit fewer a check, issue 25);
    once that transaction has committed, the caller sets `released`."""

    watch_id: int
    owner: str
    released: bool = False

    def release_in(self, watch: Watch) -> None:
        if watch.id == self.watch_id and watch.lease_owner == self.owner:  # else expired and taken
            watch.lease_owner, watch.lease_until = None, None


def holder(engine: Engine, watch_id: int) -> tuple[str | None, datetime | None]:
    with Session(engine) as session:
        watch = session.get(Watch, watch_id)
        return (watch.lease_owner, watch.lease_until) if watch else (None, None)


class WatchBusy(JobFailed):
    """Another process is checking the watch, and it did not finish within our wait."""

    def __init__(self, watch_id: int, owner: str | None, waited: float) -> None:
        # The daemon does not wait (it skips the watch this time): no "for 0s" then.
        after = f" (waited {waited:g}s)" if waited > 0 else ""
        if owner is None:  # nobody holds it: the database itself stayed locked
            super().__init__(f"watch {watch_id}: the database was locked by another process{after}",
                             "storage")
            return
        super().__init__(f"watch {watch_id} is being checked by another process "
                         f"(by {owner.rsplit(':', 1)[0]}){after}: try again later", "storage")


@contextmanager
def held(engine: Engine, watch_id: int, *, ttl: float, wait: float) -> Iterator[Held]:
    """Hold the watch's lease for the block; wait up to `wait` seconds for it, else WatchBusy. The
    block may free it itself (`Held.release_in`, then `released = True` after its commit); else it
    is freed at the block's end."""
    owner = owner_id()
    give_up = time.monotonic() + wait
    while not try_acquire(engine, watch_id, owner, ttl):
        if time.monotonic() >= give_up:
            raise WatchBusy(watch_id, holder(engine, watch_id)[0], wait)
        time.sleep(POLL_SECONDS)
    lease = Held(watch_id, owner)
    try:
        yield lease
    finally:
        try:
            if not lease.released:
                release(engine, watch_id, owner)
        except Exception as exc:  # the lease expires by itself; a stuck store is reported elsewhere
            logger.debug("lease of watch {} not released: {}", watch_id, exc)
