"""The database's clock: what leases and outbox claims are stamped and compared with, so that
processes on machines whose own clocks differ agree on when a lease or a claim ends.

PostgreSQL answers with `clock_timestamp()` (the time now, not the transaction's start). SQLite is
a file on this machine, used by this machine's processes only: its clock is this machine's.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Connection, Engine, text

from scraper.base.errors import InputError

# Seconds a worker's or a distributed scheduler's clock may differ from the database's (each refuses
# to start beyond): leases, claims and heartbeats use the database's clock, but a worker stamps its
# checks with its own, and the scheduler plans from those times with its own. `scraper doctor`
# checks the same bound.
MAX_SKEW = 2.0


def db_now(connection: Connection) -> datetime:
    """The database's time now (aware UTC), on `connection` (a session's: `session.connection()`)."""
    if connection.dialect.name != "postgresql":
        return datetime.now(UTC)
    moment: datetime = connection.execute(text("SELECT clock_timestamp()")).scalar_one()
    return moment.astimezone(UTC)


def engine_now(engine: Engine) -> datetime:
    """`db_now` on a connection of its own (none is opened for SQLite)."""
    if engine.dialect.name != "postgresql":
        return datetime.now(UTC)
    with engine.connect() as connection:
        return db_now(connection)


def clock_skew(engine: Engine) -> float:
    """Seconds this machine's clock is ahead of the database's (negative: behind)."""
    with engine.connect() as connection:
        before = datetime.now(UTC)
        theirs = connection.execute(text("SELECT clock_timestamp()" if engine.dialect.name == "postgresql"
                                         else "SELECT CURRENT_TIMESTAMP")).scalar_one()
        after = datetime.now(UTC)
    if isinstance(theirs, str):
        theirs = datetime.fromisoformat(theirs)
    if theirs.tzinfo is None:
        theirs = theirs.replace(tzinfo=UTC)
    local = before + (after - before) / 2
    return float((local - theirs).total_seconds())


def require_in_step(engine: Engine) -> None:
    """Refuse (exit 2, the fix named) to run a worker or a scheduler whose clock is more than
    MAX_SKEW off the database's."""
    skew = clock_skew(engine)
    if abs(skew) > MAX_SKEW:
        raise InputError(f"this machine's clock is {skew:+.1f}s off the database's (at most "
                         f"{MAX_SKEW:g}s): the scheduler plans from the times checks are stamped "
                         "with; synchronise it (e.g. `timedatectl set-ntp true`)")
