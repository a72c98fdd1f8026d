"""A watch's checks and what they found: history pages, changes, the diff between two checks."""

from __future__ import annotations

from typing import Any

from sqlalchemy import case, func
from sqlmodel import Session, col, select

from scraper import store
from scraper.base.errors import NotFound
from scraper.model.changes import Change as Found
from scraper.model.changes import detect_changes
from scraper.model.record import Record
from scraper.pipeline.check import check_dict
from scraper.service.watch_data import iso
from scraper.service.watch_list import Page, check_limit, cursor_id
from scraper.store import Change, Check, Watch


def history(session: Session, watch: Watch, *, limit: int = 20, cursor: str | None = None) -> Page:
    """The watch's checks, newest first (by id: one check of a watch runs at a time, so ids follow
    time), each with how many changes it found and reported."""
    check_limit(limit, 100_000)
    before = cursor_id(cursor)
    statement = select(Check).where(Check.watch_id == watch.id)
    if before is not None:
        statement = statement.where(col(Check.id) < before)
    checks = list(session.exec(statement.order_by(col(Check.id).desc()).limit(limit + 1)))
    more = len(checks) > limit
    checks = checks[:limit]
    counts = change_counts(session, [c.id for c in checks if c.id is not None])
    rows = [{**check_dict(c), **counts.get(c.id or 0, {"changes": 0, "reported": 0})} for c in checks]
    return Page(rows, str(checks[-1].id) if more and checks else None)


def change_counts(session: Session, check_ids: list[int]) -> dict[int, dict[str, int]]:
    """Changes found and reported per check, in one grouped query."""
    if not check_ids:
        return {}
    reported = func.sum(case((col(Change.notify), 1), else_=0))
    rows = session.exec(select(Change.check_id, func.count(), reported)
                        .where(col(Change.check_id).in_(check_ids)).group_by(col(Change.check_id)))
    return {check_id: {"changes": int(n), "reported": int(r or 0)} for check_id, n, r in rows}


def changes(session: Session, watch: Watch | None = None, *, limit: int = 50,
            cursor: str | None = None) -> Page:
    """Stored changes, newest first (of one watch, or of all), each with its check's time."""
    check_limit(limit)
    before = cursor_id(cursor)
    statement = select(Change, Check.started_at, Watch.name).join(
        Check, col(Check.id) == col(Change.check_id)).join(Watch, col(Watch.id) == col(Change.watch_id))
    if watch is not None:
        statement = statement.where(Change.watch_id == watch.id)
    if before is not None:
        statement = statement.where(col(Change.id) < before)
    rows = list(session.exec(statement.order_by(col(Change.id).desc()).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    items = [change_dict(ch, started, name) for ch, started, name in rows]
    return Page(items, str(rows[-1][0].id) if more and rows else None)


def change_dict(change: Change, started: Any, watch_name: str) -> dict[str, Any]:
    return {"id": change.id, "watch_id": change.watch_id, "watch": watch_name,
            "check_id": change.check_id, "at": iso(started), "kind": change.kind,
            "notify": change.notify, "change": change.data}


def found(change: Change | dict[str, Any]) -> Found:
    """A stored change (a row, or its `change_dict`) as the change detector described it."""
    if isinstance(change, Change):
        return Found.model_validate({**change.data, "notify": change.notify})
    return Found.model_validate({**change["change"], "notify": change["notify"]})


def with_record(session: Session, watch_id: int, check_id: int | None, before: int | None,
                where: str | None = None) -> Check:
    """The given check, or the newest one with a record (before check `before`); NotFound at
    `where` (the parameter that names it) if there is none."""
    if check_id is not None:
        return store.get_check(session, watch_id, check_id, where=where)
    newest = store.last_check_with_snapshot(session, watch_id, status=None, before=before)
    if newest is None:
        raise NotFound(f"watch {watch_id} has no {'earlier ' if before else ''}check with a record",
                       where=where)
    return newest


def diff(session: Session, watch: Watch, from_check: int | None, to_check: int | None
         ) -> tuple[Check, Check, list[Found]]:
    """The changes between two stored records: `to` defaults to the newest check with a record,
    `from` to the one before it."""
    assert watch.id is not None
    new = with_record(session, watch.id, to_check, None, "to")
    old = with_record(session, watch.id, from_check, new.id, "from")
    return old, new, detect_changes(store.load_record(session, old), store.load_record(session, new))


def diff_dict(watch: Watch, old: Check, new: Check, found_changes: list[Found]) -> dict[str, Any]:
    return {"watch": {"id": watch.id, "name": watch.name}, "from": old.id, "to": new.id,
            "changes": [c.to_dict() for c in found_changes]}


def current_record(session: Session, watch: Watch) -> tuple[Check, Record] | None:
    """The newest record the watch saw (the page as it is now), with its check."""
    assert watch.id is not None
    check = store.last_check_with_snapshot(session, watch.id, status=None)
    return None if check is None else (check, store.load_record(session, check))
