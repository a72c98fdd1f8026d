"""The watch list: filtered, cursor-paginated, with each watch's last check, last change, failure
streak and next run fetched for the whole page in a handful of grouped queries (no N+1)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import String, and_, cast, func, or_
from sqlmodel import Session, col, select

from scraper.base.errors import InputError
from scraper.config.settings import Settings
from scraper.service.watch_data import watch_data
from scraper.store import Change, Check, Watch

STATUSES: tuple[str, ...] = ("active", "paused", "failing")
MAX_LIMIT = 500


@dataclass(frozen=True)
class Page:
    items: list[dict[str, Any]]
    next_cursor: str | None

    def to_dict(self) -> dict[str, Any]:
        return {"items": self.items, "next_cursor": self.next_cursor}


def cursor_id(cursor: str | None, name: str = "cursor") -> int | None:
    if cursor is None or cursor == "":
        return None
    if not cursor.isdigit():
        raise InputError(f"{name} {cursor!r}: not a cursor this list gave", where=name)
    return int(cursor)


def check_limit(limit: int, most: int = MAX_LIMIT) -> int:
    if not 1 <= limit <= most:
        raise InputError(f"limit {limit}: give 1 to {most}", where="limit")
    return limit


def list_page(session: Session, settings: Settings, *, status: str | None = None,
              text: str | None = None, tag: str | None = None, cursor: str | None = None,
              limit: int = 50) -> Page:
    """Watches by id after `cursor`, filtered by status, by tag and by text (in the name or URL):
    each as `watch list --json` shows it, with its failure streak."""
    check_limit(limit)
    after = cursor_id(cursor)
    statement = select(Watch).order_by(col(Watch.id))
    if after is not None:
        statement = statement.where(col(Watch.id) > after)
    if status is not None:
        if status not in STATUSES:
            raise InputError(f"status {status!r}: give one of {', '.join(STATUSES)}", where="status")
        if status == "failing":
            # The newest check of each watch, in id order, one index seek per watch: the scan stops
            # once the page is full.
            newest = (select(Check.status).where(col(Check.watch_id) == col(Watch.id))
                      .order_by(col(Check.id).desc()).limit(1).scalar_subquery())
            statement = statement.where(newest == "failed")
        else:
            statement = statement.where(Watch.paused == (status == "paused"))
    if tag:
        # Tags are a JSON list: its text holds the tag as a JSON string, on every backend.
        statement = statement.where(cast(Watch.tags, String).like(f"%{json.dumps(tag)}%"))
    if text:
        pattern = f"%{text.lower()}%"
        statement = statement.where(or_(func.lower(Watch.name).like(pattern),
                                        func.lower(Watch.url).like(pattern)))
    watches = list(session.exec(statement.limit(limit + 1)))
    more = len(watches) > limit
    watches = watches[:limit]
    items = rows(session, watches, settings)
    return Page(items, str(watches[-1].id) if more and watches else None)


def rows(session: Session, watches: list[Watch], settings: Settings) -> list[dict[str, Any]]:
    """`watch_data` of each watch, plus its failed checks in a row and the kind of its last
    reported change: four queries for the whole page, not one per watch."""
    ids = [w.id for w in watches if w.id is not None]
    if not ids:
        return []
    last_checks = {c.watch_id: c for c in session.exec(select(Check).where(col(Check.id).in_(
        select(func.max(Check.id)).where(col(Check.watch_id).in_(ids)).group_by(col(Check.watch_id)))))}
    last_changes = {ch.watch_id: (ch, started) for ch, started in session.exec(
        select(Change, Check.started_at).join(Check, col(Check.id) == col(Change.check_id))
        .where(col(Change.id).in_(select(func.max(Change.id))
                                  .where(col(Change.watch_id).in_(ids), col(Change.notify))
                                  .group_by(col(Change.watch_id)))))}
    streaks = _streaks(session, ids, last_checks)
    found = []
    for watch in watches:
        assert watch.id is not None
        change = last_changes.get(watch.id)
        data = watch_data(watch, settings, last_checks.get(watch.id), change[1] if change else None)
        data["failing_streak"] = streaks.get(watch.id, 0)
        data["last_change_kind"] = change[0].kind if change else None
        data["last_change_check_id"] = change[0].check_id if change else None
        found.append(data)
    return found


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
