"""The failure streak: after N failed checks in a row, one `failing` change; nothing more until a
check succeeds again (which ends the streak).

A page that fails once is noise (a timeout, a restart); a page that keeps failing is news the
watcher wants, reported once, through the same path as every other change.
"""

from __future__ import annotations

from sqlmodel import Session, col, select

from scraper.base.times import iso
from scraper.model.changes import Change
from scraper.store import Check, Watch


def failing_streak(session: Session, watch: Watch, check: Check, after: int) -> list[Change]:
    """[one `failing` change] when `check` is the `after`-th failed check in a row, else []."""
    recent = session.exec(
        select(Check)
        .where(Check.watch_id == watch.id)
        .order_by(col(Check.started_at).desc(), col(Check.id).desc())
        .limit(after + 1)
    ).all()
    run = []
    for row in recent:
        if row.status != "failed":
            break
        run.append(row)
    if len(run) != after or run[0].id != check.id:
        return []  # not failing yet, or already said for this run
    first = run[-1]
    return [Change(
        kind="failing", checks=after, error_kind=check.error_kind, error=check.error,
        since=iso(first.started_at),
    )]
