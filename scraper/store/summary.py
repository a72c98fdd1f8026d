"""What the watch summaries tell about each watch, in one grouped query per fact for all the watches
asked about (never one query per watch): the last check, the last reported change, the failure
streak, and what a removal would delete.

`watch_ids`: the watches asked about; None: every watch (no IN list however many there are: a
page of the dashboard asks about its 50, `scraper status` about all of them).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import func
from sqlalchemy import select as columns
from sqlmodel import Session, col, select

from .models import Change, Check, Watch

# Above this many watches, a fact is read for all of them and the rest dropped: one scan beats an
# IN list of thousands of bound parameters (and stays under every backend's limit).
_IN_LIST = 500


@dataclass(slots=True)
class WatchRow:
    """What `scraper status` reads of a watch (not its JSON columns: thousands of them add up)."""

    id: int
    name: str
    url: str
    paused: bool
    schedule_kind: str | None
    schedule: str | None
    active_window: str | None


@dataclass(slots=True)
class LastCheck:
    """What the summaries read of a watch's newest check."""

    id: int
    watch_id: int
    started_at: datetime
    status: str
    duration_ms: int
    error: str | None
    render_path: str | None = None


class LastChange(NamedTuple):
    check_id: int
    at: datetime  # when its check started
    kind: str  # the kind of the last change the check reported


class Streak(NamedTuple):
    checks: int  # failed checks in a row, up to the newest
    since: datetime  # when the first of them started


def _scoped(statement: Any, column: Any, watch_ids: Sequence[int] | None) -> Any:
    if watch_ids is not None and len(watch_ids) <= _IN_LIST:
        return statement.where(col(column).in_(watch_ids))
    return statement


def _only(found: dict[int, Any], watch_ids: Sequence[int] | None) -> dict[int, Any]:
    if watch_ids is None or len(watch_ids) <= _IN_LIST:
        return found
    wanted = set(watch_ids)
    return {k: v for k, v in found.items() if k in wanted}


def watch_rows(session: Session) -> list[WatchRow]:
    """Every watch, by id, as `scraper status` reads it."""
    # SQLAlchemy's select: SQLModel's types a select of at most four columns.
    rows = session.execute(columns(*(col(c) for c in (
        Watch.id, Watch.name, Watch.url, Watch.paused, Watch.schedule_kind, Watch.schedule,
        Watch.active_window))).order_by(col(Watch.id)))
    return [WatchRow(*row) for row in rows]


def last_checks(session: Session, watch_ids: Sequence[int] | None = None) -> dict[int, LastCheck]:
    """The newest check of every watch that has one (by id: one check of a watch runs at a time,
    so a watch's ids follow time)."""
    if watch_ids is not None and not watch_ids:
        return {}
    newest = _scoped(select(func.max(Check.id)), Check.watch_id, watch_ids).group_by(col(Check.watch_id))
    rows = session.execute(columns(*(col(c) for c in (
        Check.id, Check.watch_id, Check.started_at, Check.status, Check.duration_ms, Check.error,
        Check.render_path)))
                           .where(col(Check.id).in_(newest.scalar_subquery())))
    return _only({row[1]: LastCheck(*row) for row in rows}, watch_ids)


def last_changes(session: Session, watch_ids: Sequence[int] | None = None) -> dict[int, LastChange]:
    """Each watch's last reported change: its check, when that check started, its kind."""
    if watch_ids is not None and not watch_ids:
        return {}
    newest = _scoped(select(func.max(Change.id)).where(col(Change.notify)), Change.watch_id,
                     watch_ids).group_by(col(Change.watch_id))
    rows = session.exec(
        select(Change.watch_id, Change.check_id, Check.started_at, Change.kind)
        .join(Check, col(Check.id) == col(Change.check_id))
        .where(col(Change.id).in_(newest.scalar_subquery())))
    return _only({w: LastChange(c, at, kind) for w, c, at, kind in rows}, watch_ids)


def failure_streaks(session: Session, failing: Sequence[int]) -> dict[int, Streak]:
    """The failed checks since the last check that was not failed, of each watch in `failing`
    (the watches whose newest check failed: the others have no streak), in one query."""
    if not failing:
        return {}
    good = _scoped(select(col(Check.watch_id).label("watch_id"), func.max(Check.id).label("good"))
                   .where(Check.status != "failed"), Check.watch_id, failing
                   ).group_by(col(Check.watch_id)).subquery()
    rows = session.exec(_scoped(
        select(Check.watch_id, func.count(), func.min(Check.started_at))
        .outerjoin(good, good.c.watch_id == col(Check.watch_id))
        .where(Check.status == "failed", col(Check.id) > func.coalesce(good.c.good, 0)),
        Check.watch_id, failing).group_by(col(Check.watch_id)))
    return _only({w: Streak(int(n), since) for w, n, since in rows}, failing)


def last_reported(session: Session, watch_ids: Sequence[int] | None = None
                  ) -> dict[int, list[dict[str, Any]]]:
    """The changes (as stored, kind included) that each watch's last reporting check reported, in
    the order they were stored (what `scraper status` sums up), in one query."""
    if watch_ids is not None and not watch_ids:
        return {}
    newest = _scoped(select(func.max(Change.id)).where(col(Change.notify)), Change.watch_id,
                     watch_ids).group_by(col(Change.watch_id))
    checks = select(Change.check_id).where(col(Change.id).in_(newest.scalar_subquery()))
    found: dict[int, list[dict[str, Any]]] = {}
    rows = session.exec(select(Change.watch_id, Change.kind, Change.data)
                        .where(col(Change.check_id).in_(checks.scalar_subquery()), col(Change.notify))
                        .order_by(col(Change.id)))
    for watch_id, kind, data in rows:
        found.setdefault(watch_id, []).append({**data, "kind": kind})
    return _only(found, watch_ids)


def history_size(session: Session, watch_id: int) -> tuple[int, int]:
    """How many checks and changes a watch has: what removing it deletes."""
    checks = session.exec(select(func.count()).where(Check.watch_id == watch_id)).one()
    changes = session.exec(select(func.count()).where(Change.watch_id == watch_id)).one()
    return int(checks), int(changes)
