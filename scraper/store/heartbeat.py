"""The schedulers' heartbeats: each running scheduler upserts its row every `interval` seconds and
deletes it when it stops, so the dashboard can tell whether anything is checking the watches."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine, delete
from sqlmodel import Session, col, select

from scraper.store.models import Heartbeat


def beat(engine: Engine, owner: str, interval: float, now: datetime) -> None:
    with Session(engine) as session:
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
