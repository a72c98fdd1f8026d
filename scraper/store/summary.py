"""What `watch list` and `watch show` tell about each watch: its last check and its last change, in
one query each for all watches (not one per watch)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from .models import Change, Check


def last_checks(session: Session) -> dict[int, Check]:
    """The newest check of every watch that has one."""
    newest = select(func.max(Check.id)).group_by(col(Check.watch_id)).scalar_subquery()
    rows = session.exec(select(Check).where(col(Check.id).in_(newest)))
    return {c.watch_id: c for c in rows}


def last_changes(session: Session) -> dict[int, datetime]:
    """When each watch last reported a change (the start of that check)."""
    statement = (
        select(Change.watch_id, func.max(Check.started_at))
        .join(Check, col(Check.id) == col(Change.check_id))
        .where(col(Change.notify))
        .group_by(col(Change.watch_id))
    )
    return {watch_id: started for watch_id, started in session.exec(statement)}


def history_size(session: Session, watch_id: int) -> tuple[int, int]:
    """How many checks and changes a watch has: what removing it deletes."""
    checks = session.exec(select(func.count()).where(Check.watch_id == watch_id)).one()
    changes = session.exec(select(func.count()).where(Change.watch_id == watch_id)).one()
    return int(checks), int(changes)
