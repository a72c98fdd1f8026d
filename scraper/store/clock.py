"""The database's clock: what leases and outbox claims are stamped and compared with, so that
processes on machines whose own clocks differ agree on when a lease or a claim ends.

PostgreSQL answers with `clock_timestamp()` (the time now, not the transaction's start). SQLite is
a file on this machine, used by this machine's processes only: its clock is this machine's.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Connection, Engine, text

# Seconds a worker's clock may differ from the database's (it refuses to start beyond): leases,
# claims and heartbeats use the database's clock, but a worker stamps its checks with its own, and
# the scheduler plans from those times. `scraper doctor` checks the same bound.
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
