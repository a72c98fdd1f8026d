"""The report a check would send, rebuilt from what the store holds (for `scraper report preview`)."""

from __future__ import annotations

from sqlmodel import Session, col, select

from scraper import store
from scraper.base.errors import InputError
from scraper.reports.outbox import report_item
from scraper.reports.report import Report
from scraper.store import Change, Check, Watch


def latest_reported_check(session: Session, watch: Watch) -> Check:
    statement = (select(Check).join(Change, col(Change.check_id) == col(Check.id))
                 .where(Check.watch_id == watch.id, col(Change.notify).is_(True))
                 .order_by(col(Check.id).desc()).limit(1))
    found = session.exec(statement).first()
    if found is None:
        raise InputError(f"watch {watch.name!r} has no check with changes to report yet")
    return found


def check_report(session: Session, watch: Watch, check_id: int | None) -> Report:
    assert watch.id is not None
    check = (store.get_check(session, watch.id, check_id) if check_id is not None
             else latest_reported_check(session, watch))
    assert check.id is not None
    changes = [c.data for c in store.changes_for_check(session, check.id) if c.notify]
    if not changes:
        raise InputError(f"check {check.id} of watch {watch.name!r} has no changes to report")
    return Report(items=[report_item(session, watch, check, changes)])
