"""Whether a scheduler is checking the watches: the dashboard's banner when none has been seen for
two of its heartbeat intervals while watches have schedules."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine, func
from sqlmodel import Session, col, select

from scraper.store import Watch
from scraper.store.heartbeat import latest, stale


def scheduler_notice(engine: Engine, now: datetime | None = None) -> str | None:
    """A sentence when scheduled watches are not being checked; None when all is well. `now`:
    default the database's time, which the scheduler's beats are stamped in."""
    with Session(engine) as session:
        scheduled = session.exec(select(func.count()).select_from(Watch).where(
            col(Watch.schedule_kind).is_not(None), col(Watch.paused).is_(False))).one()
        if not scheduled:
            return None
        beat = latest(session)
        gone = beat is not None and stale(session, beat, now)
    start = "start `scraper run` (or `scraper serve --with-scheduler`)"
    watches = (f"{scheduled} scheduled watch{'es' if scheduled != 1 else ''} "
               f"{'are' if scheduled != 1 else 'is'}")
    if beat is None:
        return f"No scheduler is running: the {watches} not being checked; {start}."
    if gone:
        return (f"No scheduler seen since {beat.seen_at:%Y-%m-%d %H:%M} UTC: the {watches} "
                f"not being checked; {start}.")
    return None
