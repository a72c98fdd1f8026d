"""What the scale-out needs of the database (PostgreSQL): the check a dispatch wrote, the
completion sent with it, the database's clock, and the scheduler's singleton lock.

The completion is a `pg_notify` on CHANNEL issued inside the check's own transaction: PostgreSQL
delivers it at commit and never for a rolled-back one, so "notified" means "the row is there".
"""

from __future__ import annotations

import json

from sqlalchemy import Connection, text
from sqlmodel import Session, select

from .models import Check

CHANNEL = "scraper_dispatch"
# pg_advisory_lock's key for "the scheduler": any fixed 64-bit number no other lock uses.
SCHEDULER_LOCK = 0x5C4A9E12_0000_0001


def check_of(session: Session, dispatch_id: str) -> Check | None:
    return session.exec(select(Check).where(Check.dispatch_id == dispatch_id)).first()


def notify(session: Session | Connection, dispatch_id: str, skipped: str | None = None) -> None:
    """Tell the scheduler a dispatch ended: with its row (`skipped` None, sent at commit), or
    without one and why."""
    payload = json.dumps({"id": dispatch_id, "skipped": skipped})
    session.execute(text("SELECT pg_notify(:channel, :payload)"),
                    {"channel": CHANNEL, "payload": payload})


def try_lock_scheduler(connection: Connection) -> bool:
    """Take the scheduler's advisory lock on this connection (held while it stays open)."""
    return bool(connection.execute(text("SELECT pg_try_advisory_lock(:key)"),
                                   {"key": SCHEDULER_LOCK}).scalar_one())
