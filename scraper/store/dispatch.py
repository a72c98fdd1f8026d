"""What the scale-out needs of the database (PostgreSQL): the check a dispatch wrote, the
completion sent with it, the database's clock, and the scheduler's singleton lock.

The completion is a `pg_notify` on CHANNEL issued inside the check's own transaction: PostgreSQL
delivers it at commit and never for a rolled-back one, so "notified" means "the row is there".
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from sqlalchemy import Connection, text
from sqlmodel import Session, col, select

from .models import Change, Check, Watch

CHANNEL = "scraper_dispatch"
# pg_advisory_lock's key for "the scheduler": any fixed 64-bit number no other lock uses.
SCHEDULER_LOCK = 0x5C4A9E12_0000_0001
_CHUNK = 500  # ids in one IN (...)


def check_of(session: Session, dispatch_id: str) -> Check | None:
    return session.exec(select(Check).where(Check.dispatch_id == dispatch_id)).first()


def completed(session: Session, dispatch_ids: Sequence[str]) -> dict[str, tuple[Check, Watch, list[Change]]]:
    """The rows of these dispatches that were written (dispatch id -> its check, its watch and
    its changes in the order stored), in one query however many completed together."""
    found: dict[str, tuple[Check, Watch, list[Change]]] = {}
    for start in range(0, len(dispatch_ids), _CHUNK):
        rows = session.exec(
            select(Check, Watch, Change).join(Watch, col(Watch.id) == col(Check.watch_id))
            .outerjoin(Change, col(Change.check_id) == col(Check.id))
            .where(col(Check.dispatch_id).in_(dispatch_ids[start:start + _CHUNK]))
            .order_by(col(Change.id)))
        for check, watch, change in rows:
            assert check.dispatch_id is not None
            changes = found.setdefault(check.dispatch_id, (check, watch, []))[2]
            if change is not None:
                changes.append(change)
    return found


def notify(session: Session | Connection, dispatch_id: str, skipped: str | None = None) -> None:
    """Tell the scheduler a dispatch ended: with its row (`skipped` None, sent at commit), or
    without one and why."""
    session.execute(text("SELECT pg_notify(:channel, :payload)"),
                    {"channel": CHANNEL, "payload": payload(dispatch_id, skipped)})


def payload(dispatch_id: str, skipped: str | None = None) -> str:
    """The completion's text on CHANNEL (`notify`)."""
    return json.dumps({"id": dispatch_id, "skipped": skipped})


def try_lock_scheduler(connection: Connection) -> bool:
    """Take the scheduler's advisory lock on this connection (held while it stays open)."""
    return bool(connection.execute(text("SELECT pg_try_advisory_lock(:key)"),
                                   {"key": SCHEDULER_LOCK}).scalar_one())
