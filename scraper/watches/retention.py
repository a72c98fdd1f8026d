"""History retention: a watch's checks without changes are pruned once they are older than its
`keep` (90d) or beyond its newest `keep_checks` (else SCRAPER_KEEP / SCRAPER_KEEP_CHECKS; none:
all are kept).

Never pruned: a check with changes (the history people read), the watch's newest check and its
baseline, a check an evidence bundle was made from, and the check each check with changes was
compared with (its record is the "before" of `scraper diff`). A snapshot goes with the last check
that used it; a bundle's files are never touched.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, delete, exists
from sqlmodel import Session, col, select

from scraper import store
from scraper.config.settings import Settings
from scraper.model.schedule import parse_every
from scraper.store import Capture, Change, Check, Snapshot, Watch

_CHUNK = 500


@dataclass(frozen=True)
class Pruned:
    watch_id: int
    watch: str
    checks: int  # checks without changes that go (or would go)
    kept: int  # checks the watch keeps
    snapshots: int = 0  # snapshots no check uses any more, removed with them


def limits(watch: Watch, settings: Settings) -> tuple[timedelta | None, int | None]:
    keep = watch.keep or settings.keep
    return (parse_every(keep).interval() if keep else None,
            watch.keep_checks if watch.keep_checks is not None else settings.keep_checks)


def prunable(session: Session, watch: Watch, age: timedelta | None, count: int | None,
             now: datetime) -> tuple[list[int], int]:
    """The ids of the watch's checks that may go, and how many checks it has."""
    rows = list(session.exec(select(Check.id, Check.started_at, Check.snapshot_hash)
                             .where(Check.watch_id == watch.id).order_by(col(Check.id).desc())))
    if (age is None and count is None) or not rows:
        return [], len(rows)
    changed = set(session.exec(select(Change.check_id).where(Change.watch_id == watch.id).distinct()))
    ids = [r[0] for r in rows]
    proof = set(session.exec(select(Capture.check_id).where(col(Capture.check_id).in_(ids))))
    needed = {ids[0], watch.base_check_id, *changed, *proof}
    # The record each check with changes was compared with: the one before it that saw a page.
    for i, (check_id, _, _) in enumerate(rows):
        if check_id in changed:
            before = next((r[0] for r in rows[i + 1:] if r[2] is not None), None)
            needed.add(before)
    oldest = now - age if age is not None else None
    going: list[int] = []
    for rank, (check_id, started, _) in enumerate(rows):
        beyond = (count is not None and rank >= count) or (oldest is not None and started < oldest)
        if beyond and check_id is not None and check_id not in needed:
            going.append(check_id)
    return going, len(rows)


def prune(engine: Engine, settings: Settings, *, dry_run: bool = False,
          now: datetime | None = None) -> list[Pruned]:
    """Prune every watch's history by its limits; `dry_run`: only say what would go."""
    now = now or datetime.now(UTC)
    done = []
    with Session(engine) as session:
        for watch in store.list_watches(session):
            assert watch.id is not None
            age, count = limits(watch, settings)
            going, total = prunable(session, watch, age, count, now)
            if not going:
                continue
            snapshots = 0 if dry_run else _delete(session, going)
            if not dry_run:
                session.commit()
            done.append(Pruned(watch.id, watch.name, len(going), total - len(going), snapshots))
    return done


def _delete(session: Session, ids: Sequence[int]) -> int:
    hashes: set[str] = set()
    for start in range(0, len(ids), _CHUNK):
        chunk = list(ids[start:start + _CHUNK])
        hashes.update(h for h in session.exec(select(Check.snapshot_hash).where(
            col(Check.id).in_(chunk))) if h)
        session.exec(delete(Check).where(col(Check.id).in_(chunk)))
    session.flush()
    used = exists().where(col(Check.snapshot_hash) == col(Snapshot.hash))
    removed = 0
    pending = sorted(hashes)
    for start in range(0, len(pending), _CHUNK):
        some = pending[start:start + _CHUNK]
        gone = list(session.exec(select(Snapshot.hash).where(col(Snapshot.hash).in_(some), ~used)))
        session.exec(delete(Snapshot).where(col(Snapshot.hash).in_(gone)))
        removed += len(gone)
    return removed
