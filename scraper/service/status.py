"""`scraper status`: each watch's last check, next run, last change and failure streak.

Read from the store alone (no running daemon needed); the next run is what the daemon would do:
the schedule after the last check (now when overdue), the active window's opening when outside it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from scraper import store
from scraper.base.terminal import safe_line
from scraper.model.changes import Change as ChangeItem
from scraper.model.changes import summarise
from scraper.model.schedule import next_run
from scraper.model.window import next_in_window
from scraper.store import Check, Watch
from scraper.store.models import Change
from scraper.watches.operations import schedule_of

STREAK_LOOKBACK = 1000  # failed checks counted back, at most


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if moment else None


def watch_status(engine: Engine, now: datetime | None = None) -> list[dict[str, Any]]:
    now = now or datetime.now(UTC)
    rows: list[dict[str, Any]] = []
    with Session(engine) as session:
        for watch in store.list_watches(session):
            assert watch.id is not None
            recent = store.list_checks(session, watch.id, limit=STREAK_LOOKBACK)
            streak = next((i for i, c in enumerate(recent) if c.status != "failed"), len(recent))
            last = recent[0] if recent else None
            schedule = schedule_of(watch)
            rows.append({
                "id": watch.id, "name": watch.name, "url": watch.url, "paused": watch.paused,
                "schedule": schedule.describe() if schedule else None,
                "last_check": None if last is None else {
                    "id": last.id, "started_at": _iso(last.started_at), "status": last.status,
                    "duration_ms": last.duration_ms, "error": last.error},
                "next_run": _iso(_next_run(watch, last, now)),
                "last_change": _last_change(session, watch.id),
                "failing": {"checks": streak, "since": _iso(recent[streak - 1].started_at)}
                if streak else None,
            })
    return rows


def _next_run(watch: Watch, last: Check | None, now: datetime) -> datetime | None:
    schedule = schedule_of(watch)
    if schedule is None or watch.paused:
        return None
    return next_in_window(watch, next_run(schedule, last.started_at if last else None, now))


def _last_change(session: Session, watch_id: int) -> dict[str, Any] | None:
    check_id = session.exec(
        select(Change.check_id).where(Change.watch_id == watch_id, col(Change.notify).is_(True))
        .order_by(col(Change.check_id).desc()).limit(1)).first()
    if check_id is None:
        return None
    check = session.get_one(Check, check_id)
    changes = [ChangeItem.model_validate({**c.data, "kind": c.kind})
               for c in store.changes_for_check(session, check_id) if c.notify]
    return {"check_id": check_id, "at": _iso(check.started_at),
            "summary": safe_line(summarise(changes))}
