"""Reading and writing the store: small building blocks on a `sqlmodel.Session`.

The caller owns the transaction: these functions flush (so new rows get their ids) but never commit
or roll back. Policy (when a change counts as confirmed, what to notify) belongs to the watch
service built on top; nothing here decides it.

JSON columns are not mutation-tracked: assign a new list or dict to change one in place.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Insert, delete, exists, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, insert, select

from scraper.base.errors import Conflict, NotFound
from scraper.base.times import iso
from scraper.model.record import Record

from .crops import forget_crops
from .models import Capture, Change, Check, CheckRequest, CheckStatus, Snapshot, Watch

# Bound parameters per DELETE … IN (…): well under SQLite's and PostgreSQL's limits.
_CHUNK = 500


def add_watch(
    session: Session,
    *,
    name: str,
    url: str,
    profile: str | None = None,
    schedule_kind: str | None = None,
    schedule: str | None = None,
    email: str | None = None,
    notify_on: list[str] | None = None,
    ignore: Sequence[str] = (),
    normalise: Sequence[Mapping[str, str]] = (),
    confirm: int = 1,
    paused: bool = False,
    created_at: datetime | None = None,
    digest: str | None = None,
    notify: Sequence[str] = (),
    evidence_on_change: bool = False,
    **more: Any,
) -> Watch:
    """Add a watch; Conflict if the name is taken. `more`: the other columns (tags, fetch…)."""
    if find_watch_by_name(session, name) is not None:
        raise _name_taken(name)
    watch = Watch(
        name=name,
        url=url,
        profile=profile,
        schedule_kind=schedule_kind,
        schedule=schedule,
        email=email,
        notify_on=list(notify_on) if notify_on is not None else None,
        ignore=list(ignore),
        normalise=[dict(rule) for rule in normalise],
        confirm=confirm,
        paused=paused,
        created_at=created_at or datetime.now(UTC),
        digest=digest,
        notify=list(notify),
        evidence_on_change=evidence_on_change,
        **more,
    )
    session.add(watch)
    try:
        session.flush()
    except IntegrityError as exc:
        # Another process took the name between our look-up and the insert.
        if "uq_watches_name" in str(exc.orig) or "watches.name" in str(exc.orig):
            raise _name_taken(name) from exc
        raise
    return watch


def _name_taken(name: str) -> Conflict:
    return Conflict(f"a watch named {name!r} already exists: choose another name", where="name")


def find_watch_by_name(session: Session, name: str) -> Watch | None:
    return session.exec(select(Watch).where(Watch.name == name)).first()


def get_watch(session: Session, ref: str) -> Watch:
    """The watch with id `ref` (all digits) or, failing that, named `ref`; NotFound if none."""
    watch = session.get(Watch, int(ref)) if ref.isdigit() else None
    watch = watch or find_watch_by_name(session, ref)
    if watch is None:
        raise NotFound(f"no watch {ref!r}", where="watch")
    return watch


def find_watch_by_url(session: Session, url: str) -> Watch | None:
    """The oldest watch on exactly this URL, if any."""
    statement = select(Watch).where(Watch.url == url).order_by(col(Watch.id))
    return session.exec(statement).first()


def list_watches(session: Session, *, paused: bool | None = None) -> list[Watch]:
    """All watches by id; only paused (or only active) ones when `paused` is given."""
    statement = select(Watch).order_by(col(Watch.id))
    if paused is not None:
        statement = statement.where(Watch.paused == paused)
    return list(session.exec(statement))


def set_paused(session: Session, watch: Watch, paused: bool) -> Watch:
    watch.paused = paused
    session.add(watch)
    session.flush()
    return watch


def remove_watch(session: Session, watch: Watch) -> None:
    """Delete a watch, its checks and changes, then the snapshots no check uses any more."""
    hashes = set(
        session.exec(
            select(Check.snapshot_hash)
            .where(Check.watch_id == watch.id, col(Check.snapshot_hash).is_not(None))
            .distinct()
        )
    )
    # Explicit deletes rather than ON DELETE CASCADE: they also work on a SQLite connection that
    # some other tool opened with foreign keys off.
    watch.base_check_id = None  # it points at one of the checks about to go
    session.flush()
    session.exec(delete(Change).where(col(Change.watch_id) == watch.id))
    # Evidence bundles outlive the watch: their rows stay, unlinked from the checks going now.
    checks = select(Check.id).where(Check.watch_id == watch.id)
    forget_crops(session, [i for i in session.exec(checks) if i is not None], watch.id)
    session.exec(update(Capture).where(col(Capture.check_id).in_(checks)).values(check_id=None))
    session.exec(delete(Check).where(col(Check.watch_id) == watch.id))
    session.exec(delete(CheckRequest).where(col(CheckRequest.watch_id) == watch.id))
    session.delete(watch)
    session.flush()
    _delete_unused_snapshots(session, {h for h in hashes if h is not None})


def _delete_unused_snapshots(session: Session, hashes: Iterable[str]) -> None:
    # Only the removed watch's snapshots are candidates: cheaper than sweeping the table.
    used = exists().where(col(Check.snapshot_hash) == col(Snapshot.hash))
    pending = sorted(hashes)
    for start in range(0, len(pending), _CHUNK):
        chunk = pending[start : start + _CHUNK]
        session.exec(delete(Snapshot).where(col(Snapshot.hash).in_(chunk), ~used))


def put_snapshot(session: Session, record: Record) -> str:
    """Store the record's content unless it is already stored; return its hash."""
    digest = record.content_hash()
    if session.get(Snapshot, digest) is None:
        row = {"hash": digest, "content": snapshot_content(record), "created_at": datetime.now(UTC)}
        # Concurrent checks can capture the same content: the loser's insert is a no-op.
        session.exec(_insert_ignoring_duplicates(session, row))
    return digest


def snapshot_content(record: Record) -> str:
    """The stored text: exactly what `Record.content_hash()` hashes."""
    return record.content_json()


def _insert_ignoring_duplicates(session: Session, row: dict[str, Any]) -> Insert:
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql.insert(Snapshot).values(row).on_conflict_do_nothing(index_elements=["hash"])
    if dialect == "sqlite":
        return sqlite.insert(Snapshot).values(row).on_conflict_do_nothing(index_elements=["hash"])
    return insert(Snapshot).values(row)


def load_record(session: Session, check: Check) -> Record:
    """Rebuild the record a check captured; NotFound if it captured none (a failed check)."""
    if check.snapshot_hash is None:
        raise NotFound(
            f"check {check.id} of watch {check.watch_id} has no record: its status is "
            f"{check.status!r}"
        )
    snapshot = session.get_one(Snapshot, check.snapshot_hash)
    content = json.loads(snapshot.content)
    return Record.model_validate(
        {
            "url": check.url,
            "final_url": check.final_url or check.url,
            "profile": check.profile or "",
            "fetched_at": iso(check.started_at),
            "warnings": list(check.warnings or []),
            **content,
        }
    )


def add_check(
    session: Session,
    watch: Watch,
    *,
    started_at: datetime,
    duration_ms: int,
    status: CheckStatus,
    record: Record | None = None,
    error: str | None = None,
    error_kind: str | None = None,
    render_path: str | None = None,
) -> Check:
    """Record one check. With a record, its content is stored (once) and url/final_url/profile come
    from it; without one (a failed check) they are the watch's own."""
    if status == "ok" and record is None:
        raise ValueError("an 'ok' check needs the record it captured")
    if status == "failed" and record is not None:
        raise ValueError("a 'failed' check has no record")
    if watch.id is None:
        raise ValueError("the watch has no id yet: flush it first")
    check = Check(
        watch_id=watch.id,
        started_at=started_at,
        duration_ms=duration_ms,
        status=status,
        error=error,
        error_kind=error_kind,
        snapshot_hash=put_snapshot(session, record) if record is not None else None,
        url=record.url if record is not None else watch.url,
        final_url=record.final_url if record is not None else None,
        profile=record.profile if record is not None else watch.profile,
        warnings=list(record.warnings) if record is not None else [],
        render_path=render_path,
    )
    session.add(check)
    session.flush()
    return check


def add_changes(
    session: Session,
    check: Check,
    changes: Sequence[Mapping[str, Any]],
    notify: Sequence[bool],
) -> list[Change]:
    """Store the changes a check found; `notify[i]` says whether `changes[i]` is to be reported.

    Each change is stored whole as JSON; its "kind" key is also kept in a column for queries.
    """
    if check.id is None:
        raise ValueError("the check has no id yet: flush it first")
    rows = [
        Change(
            check_id=check.id,
            watch_id=check.watch_id,
            kind=_kind(change),
            data=dict(change),
            notify=flag,
        )
        for change, flag in zip(changes, notify, strict=True)
    ]
    session.add_all(rows)
    session.flush()
    return rows


def _kind(change: Mapping[str, Any]) -> str:
    kind = change.get("kind")
    if not isinstance(kind, str):
        raise ValueError(f"a change needs a 'kind' string: {dict(change)!r}")
    return kind


def list_checks(session: Session, watch_id: int, limit: int = 20) -> list[Check]:
    """The watch's latest checks, newest first."""
    statement = (
        select(Check)
        .where(Check.watch_id == watch_id)
        .order_by(col(Check.started_at).desc(), col(Check.id).desc())
        .limit(limit)
    )
    return list(session.exec(statement))


def get_check(session: Session, watch_id: int, check_id: int, *, where: str | None = None) -> Check:
    """Check `check_id` of watch `watch_id`; NotFound (at `where`) if there is none."""
    check = session.get(Check, check_id)
    if check is None or check.watch_id != watch_id:
        raise NotFound(f"watch {watch_id} has no check {check_id}", where=where)
    return check


def changes_for_check(session: Session, check_id: int) -> list[Change]:
    """The changes a check found, in the order they were stored."""
    statement = select(Change).where(Change.check_id == check_id).order_by(col(Change.id))
    return list(session.exec(statement))


def last_check_with_snapshot(
    session: Session, watch_id: int, *, status: CheckStatus | None = "ok", before: int | None = None
) -> Check | None:
    """The watch's newest check that captured a record (of the given status; None: any), optionally
    only among the checks older than check id `before`."""
    statement = select(Check).where(
        Check.watch_id == watch_id, col(Check.snapshot_hash).is_not(None)
    )
    if status is not None:
        statement = statement.where(Check.status == status)
    if before is not None:
        statement = statement.where(col(Check.id) < before)
    statement = statement.order_by(col(Check.started_at).desc(), col(Check.id).desc())
    return session.exec(statement.limit(1)).first()
