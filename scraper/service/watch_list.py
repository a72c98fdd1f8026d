"""The watch list: filtered, cursor-paginated, with each watch's last check, last change, failure
streak and next run fetched for the whole page in a handful of grouped queries (no N+1)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import and_, func, or_
from sqlmodel import Session, col, select

from scraper.errors import InputError
from scraper.store import Change, Check, Watch
from scraper.watches import schedule_of, watch_dict

StatusFilter = Literal["active", "paused", "failing"]
STATUSES: tuple[str, ...] = ("active", "paused", "failing")
MAX_LIMIT = 500


@dataclass(frozen=True)
class Page:
    items: list[dict[str, Any]]
    next_cursor: str | None

    def to_dict(self) -> dict[str, Any]:
        return {"items": self.items, "next_cursor": self.next_cursor}


def iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def cursor_id(cursor: str | None, name: str = "cursor") -> int | None:
    if cursor is None or cursor == "":
        return None
    if not cursor.isdigit():
        raise InputError(f"{name} {cursor!r}: not a cursor this list gave")
    return int(cursor)


def check_limit(limit: int, most: int = MAX_LIMIT) -> int:
    if not 1 <= limit <= most:
        raise InputError(f"limit {limit}: give 1 to {most}")
    return limit


def list_page(session: Session, *, status: str | None = None, text: str | None = None,
              cursor: str | None = None, limit: int = 50) -> Page:
    """Watches by id after `cursor`, filtered by status and by text (in the name or URL)."""
    check_limit(limit)
    after = cursor_id(cursor)
    statement = select(Watch).order_by(col(Watch.id))
    if after is not None:
        statement = statement.where(col(Watch.id) > after)
    if status is not None:
        if status not in STATUSES:
            raise InputError(f"status {status!r}: give one of {', '.join(STATUSES)}")
        if status == "failing":
            # The newest check of each watch, in id order, one index seek per watch: the scan stops
            # once the page is full.
            newest = (select(Check.status).where(col(Check.watch_id) == col(Watch.id))
                      .order_by(col(Check.id).desc()).limit(1).scalar_subquery())
            statement = statement.where(newest == "failed")
        else:
            statement = statement.where(Watch.paused == (status == "paused"))
    if text:
        pattern = f"%{text.lower()}%"
        statement = statement.where(or_(func.lower(Watch.name).like(pattern),
                                        func.lower(Watch.url).like(pattern)))
    watches = list(session.exec(statement.limit(limit + 1)))
    more = len(watches) > limit
    watches = watches[:limit]
    sums = summaries(session, [w.id for w in watches if w.id is not None])
    items = [{**watch_dict(w), "summary": sums[w.id]} for w in watches if w.id is not None]
    return Page(items, str(watches[-1].id) if more and watches else None)


def summaries(session: Session, ids: list[int]) -> dict[int, dict[str, Any]]:
    """Per watch: last check, last change, failed checks in a row, next run: four queries in all."""
    if not ids:
        return {}
    last_checks = {c.watch_id: c for c in session.exec(select(Check).where(col(Check.id).in_(
        select(func.max(Check.id)).where(col(Check.watch_id).in_(ids)).group_by(col(Check.watch_id)))))}
    last_changes = {ch.watch_id: (ch, started) for ch, started in session.exec(
        select(Change, Check.started_at).join(Check, col(Check.id) == col(Change.check_id))
        .where(col(Change.id).in_(select(func.max(Change.id)).where(col(Change.watch_id).in_(ids))
                                  .group_by(col(Change.watch_id)))))}
    streaks = _streaks(session, ids, last_checks)
    watches = {w.id: w for w in session.exec(select(Watch).where(col(Watch.id).in_(ids)))}
    result: dict[int, dict[str, Any]] = {}
    for watch_id in ids:
        check = last_checks.get(watch_id)
        change = last_changes.get(watch_id)
        result[watch_id] = {
            "last_check": None if check is None else {
                "id": check.id, "started_at": iso(check.started_at), "status": check.status,
                "error": check.error, "error_kind": check.error_kind},
            "last_change": None if change is None else {
                "id": change[0].id, "check_id": change[0].check_id, "kind": change[0].kind,
                "at": iso(change[1])},
            "failing_streak": streaks.get(watch_id, 0),
            "next_run": iso(next_run(watches[watch_id], check.started_at if check else None)),
        }
    return result


def _streaks(session: Session, ids: list[int], last_checks: dict[int, Check]) -> dict[int, int]:
    """Failed checks since each watch's last check that was not failed (only for watches whose
    last check failed: the others have no streak)."""
    failing = [w for w in ids if (c := last_checks.get(w)) is not None and c.status == "failed"]
    if not failing:
        return {}
    last_good = dict(session.exec(
        select(Check.watch_id, func.max(Check.id))
        .where(col(Check.watch_id).in_(failing), Check.status != "failed")
        .group_by(col(Check.watch_id))).all())
    since = or_(*(and_(col(Check.watch_id) == w, col(Check.id) > last_good.get(w, 0)) for w in failing))
    return dict(session.exec(select(Check.watch_id, func.count()).where(Check.status == "failed", since)
                             .group_by(col(Check.watch_id))).all())


def next_run(watch: Watch, last_started: datetime | None, now: datetime | None = None) -> datetime | None:
    """When the scheduler checks the watch next: None for manual or paused watches; a watch never
    checked, or overdue, is due now."""
    schedule = schedule_of(watch)
    if schedule is None or watch.paused:
        return None
    now = now or datetime.now(UTC)
    if schedule.kind == "interval":
        due = (last_started + schedule.interval()) if last_started else now
        return max(due, now)
    from apscheduler.triggers.cron import CronTrigger

    trigger = CronTrigger.from_crontab(schedule.spec, timezone=UTC)
    fire: datetime | None = trigger.get_next_fire_time(None, now)
    return fire
