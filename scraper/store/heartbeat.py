"""The schedulers' heartbeats: each running scheduler upserts its row every `interval` seconds and
deletes it when it stops, so the dashboard can tell whether anything is checking the watches.

A beat is stamped, and its age measured, in the database's time (`store.clock`): the scheduler
and the dashboard that reads its beats may run on machines whose clocks differ."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Engine, delete
from sqlmodel import Session, col, select

from scraper.store.clock import db_now
from scraper.store.models import Heartbeat

MISSED = 2  # beats missed before the scheduler counts as gone


def beat(engine: Engine, owner: str, interval: float, now: datetime | None = None) -> None:
    """`now`: the moment to stamp (tests pass an old one); default the database's time."""
    with Session(engine) as session:
        now = now or db_now(session.connection())
        row = session.get(Heartbeat, owner)
        if row is None:
            session.add(Heartbeat(owner=owner, seen_at=now, interval=interval))
        else:
            row.seen_at, row.interval = now, interval
        session.commit()


def forget(engine: Engine, owner: str) -> None:
    with Session(engine) as session:
        session.exec(delete(Heartbeat).where(col(Heartbeat.owner) == owner))
        session.commit()


def latest(session: Session) -> Heartbeat | None:
    """The most recent heartbeat of any scheduler."""
    return session.exec(select(Heartbeat).order_by(col(Heartbeat.seen_at).desc()).limit(1)).first()


def stale(session: Session, row: Heartbeat, now: datetime | None = None) -> bool:
    """MISSED of its intervals passed without a beat (`now`: default the database's time)."""
    now = now or db_now(session.connection())
    return now - row.seen_at > timedelta(seconds=MISSED * row.interval)
