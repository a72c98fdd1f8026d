"""A watch's checks and what they found: history pages, changes, the diff between two checks, one
check with its changes, and the page as the watch last saw it.

Each function opens its own session on the engine it is given and returns a pydantic model: the
CLI prints it (`--json` is its dump), the dashboard renders it, the API declares it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_serializer
from sqlalchemy import Engine, case, func
from sqlmodel import Session, col, select

from scraper import store
from scraper.base.errors import NotFound
from scraper.base.times import iso
from scraper.model.changes import Change as Found
from scraper.model.changes import detect_changes
from scraper.model.record import Record
from scraper.pipeline.check import check_dict
from scraper.reports.pictures import item_key
from scraper.service.paging import Paged, check_limit, cursor_id
from scraper.store import Change, Check, Watch


class WatchRef(BaseModel):
    id: int
    name: str


class WatchLink(WatchRef):
    url: str


class CheckFacts(BaseModel):
    """A check as `scraper check --json` shows it: when, how it went, what it read."""

    id: int
    started_at: str
    duration_ms: int
    status: str
    error: str | None
    error_kind: str | None
    hash: str | None
    url: str
    final_url: str | None
    profile: str | None
    warnings: list[str]
    session: str | None = None  # a kept session (--keep-session): "kept" or "renewed"
    render_path: str | None = Field(None, description="how the record was captured: rendered, "
                                    "plain, verified or diverged (both; see docs/fetch.md)")


class CheckRow(CheckFacts):
    """A check as `scraper history --json` lists it, with the changes it found and reported."""

    changes: int = 0
    reported: int = 0


class History(BaseModel):
    """`scraper history --json`: the watch, and its checks newest first (`page()`: for the API)."""

    watch: WatchLink
    checks: list[CheckRow]
    next_cursor: str | None = Field(None, exclude=True)

    def page(self) -> Paged[CheckRow]:
        return Paged[CheckRow](items=self.checks, next_cursor=self.next_cursor)


class ChangeRow(BaseModel):
    """A stored change with its watch and its check's time."""

    id: int
    watch_id: int
    watch: str
    check_id: int
    at: str | None
    kind: str
    notify: bool
    change: dict[str, Any]
    picture: str | None = Field(None, description="the hash of the changed item's picture "
                                "(a watch with screenshots): GET /pictures/HASH")

    def found(self) -> Found:
        """The change as the change detector described it."""
        return Found.model_validate({**self.change, "notify": self.notify})


class Changes(Paged[ChangeRow]):
    """A page of stored changes; `watch`: whose (None: all watches'), not part of the JSON."""

    watch: WatchRef | None = Field(None, exclude=True)


class Diff(BaseModel):
    """The changes between two stored records of a watch (`scraper diff --json`)."""

    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)

    watch: WatchRef
    from_: int = Field(alias="from")
    to: int
    changes: list[Found]
    # For the page: when the two checks ran (not part of the JSON).
    from_at: datetime | None = Field(None, exclude=True)
    to_at: datetime | None = Field(None, exclude=True)

    @field_serializer("changes")
    def _changes(self, changes: list[Found]) -> list[dict[str, Any]]:
        return [c.to_dict() for c in changes]  # as the detector writes them: no nulls


class CheckDetail(BaseModel):
    """One check of a watch and the changes it found (the dashboard's check page)."""

    watch: WatchRef
    check: CheckRow
    started: datetime | None = Field(None, exclude=True)
    found: list[Found] = Field(default_factory=list, exclude=True)
    pictures: list[str | None] = Field(default_factory=list, exclude=True)  # one per change


class Picture(BaseModel):
    """A picture of a changed item, as stored."""

    media_type: str
    content: bytes


class Current(BaseModel):
    """The newest record the watch saw (the page as it is now), with its check."""

    check: CheckRow
    record: Record


def check_of(session: Session, watch: Watch, check_id: int, where: str = "check") -> Check:
    check = session.get(Check, check_id)
    if check is None or check.watch_id != watch.id:
        raise NotFound(f"watch {watch.id} has no check {check_id}", where=where)
    return check


def check_row(check: Check, counts: dict[str, int] | None = None) -> CheckRow:
    return CheckRow.model_validate({**check_dict(check), **(counts or {})})


def history(engine: Engine, ref: str | int, *, limit: int = 20, cursor: str | None = None) -> History:
    """The watch's checks, newest first (by id: one check of a watch runs at a time, so ids follow
    time), each with how many changes it found and reported."""
    check_limit(limit, 100_000)
    before = cursor_id(cursor)
    with Session(engine) as session:
        watch = store.get_watch(session, str(ref))
        statement = select(Check).where(Check.watch_id == watch.id)
        if before is not None:
            statement = statement.where(col(Check.id) < before)
        checks = list(session.exec(statement.order_by(col(Check.id).desc()).limit(limit + 1)))
        more = len(checks) > limit
        checks = checks[:limit]
        counts = change_counts(session, [c.id for c in checks if c.id is not None])
        assert watch.id is not None
        return History(watch=WatchLink(id=watch.id, name=watch.name, url=watch.url),
                       checks=[check_row(c, counts.get(c.id or 0)) for c in checks],
                       next_cursor=str(checks[-1].id) if more and checks else None)


def change_counts(session: Session, check_ids: list[int]) -> dict[int, dict[str, int]]:
    """Changes found and reported per check, in one grouped query."""
    if not check_ids:
        return {}
    reported = func.sum(case((col(Change.notify), 1), else_=0))
    rows = session.exec(select(Change.check_id, func.count(), reported)
                        .where(col(Change.check_id).in_(check_ids)).group_by(col(Change.check_id)))
    return {check_id: {"changes": int(n), "reported": int(r or 0)} for check_id, n, r in rows}


def changes(engine: Engine, ref: str | int | None = None, *, limit: int = 50,
            cursor: str | None = None) -> Changes:
    """Stored changes, newest first (of watch `ref`, or of all), each with its check's time."""
    check_limit(limit)
    before = cursor_id(cursor)
    with Session(engine) as session:
        statement = select(Change, Check.started_at, Watch.name).join(
            Check, col(Check.id) == col(Change.check_id)).join(Watch, col(Watch.id) == col(Change.watch_id))
        watch = None
        if ref is not None:
            found = store.get_watch(session, str(ref))
            assert found.id is not None
            watch = WatchRef(id=found.id, name=found.name)
            statement = statement.where(Change.watch_id == watch.id)
        if before is not None:
            statement = statement.where(col(Change.id) < before)
        rows = list(session.exec(statement.order_by(col(Change.id).desc()).limit(limit + 1)))
        more = len(rows) > limit
        rows = rows[:limit]
        shots = pictures_of(session, [ch for ch, _, _ in rows])
    return Changes(items=[change_row(ch, started, name, shot)
                          for (ch, started, name), shot in zip(rows, shots, strict=True)],
                   next_cursor=str(rows[-1][0].id) if more and rows else None, watch=watch)


def pictures_of(session: Session, rows: Sequence[Change]) -> list[str | None]:
    """For each stored change, the hash of its item's picture (None: none was kept)."""
    crops = store.crops_for_checks(session, {row.check_id for row in rows})
    shots = []
    for row in rows:
        key = item_key(row.data)
        crop = crops.get(row.check_id, {}).get(key) if key is not None else None
        shots.append(crop.crop_hash if crop is not None else None)
    return shots


def picture(engine: Engine, digest: str) -> Picture:
    """A stored picture by its hash; NotFound if there is none."""
    with Session(engine) as session:
        crop = store.get_crop(session, digest)
        if crop is None:
            raise NotFound(f"no picture {digest}", where="picture")
        return Picture(media_type=crop.media_type, content=crop.content)


def change_row(change: Change, started: datetime | None, watch_name: str,
               picture: str | None = None) -> ChangeRow:
    return ChangeRow(id=change.id or 0, watch_id=change.watch_id, watch=watch_name,
                     check_id=change.check_id, at=iso(started), kind=change.kind,
                     notify=change.notify, change=change.data, picture=picture)


def found(change: Change | ChangeRow) -> Found:
    """A stored change (a row, or its `ChangeRow`) as the change detector described it."""
    if isinstance(change, ChangeRow):
        return change.found()
    return Found.model_validate({**change.data, "notify": change.notify})


def _with_record(session: Session, watch: Watch, check_id: int | None, before: int | None,
                 where: str) -> Check:
    """The given check (it must have a record), or the newest one with a record (before check
    `before`)."""
    assert watch.id is not None
    if check_id is not None:
        check = check_of(session, watch, check_id, where)
        if check.snapshot_hash is None:
            raise NotFound(f"check {check.id} of watch {watch.id} has no record: its status is "
                           f"{check.status!r}", where=where)
        return check
    newest = store.last_check_with_snapshot(session, watch.id, status=None, before=before)
    if newest is None:
        raise NotFound(f"watch {watch.id} has no {'earlier ' if before else ''}check with a record",
                       where=where)
    return newest


def diff(engine: Engine, ref: str | int, from_check: int | None = None,
         to_check: int | None = None) -> Diff:
    """The changes between two stored records: `to` defaults to the newest check with a record,
    `from` to the one before it."""
    with Session(engine) as session:
        watch = store.get_watch(session, str(ref))
        new = _with_record(session, watch, to_check, None, "to")
        old = _with_record(session, watch, from_check, new.id, "from")
        found_changes = detect_changes(store.load_record(session, old), store.load_record(session, new))
        assert watch.id is not None and old.id is not None and new.id is not None
        return Diff(watch=WatchRef(id=watch.id, name=watch.name), from_=old.id, to=new.id,
                    changes=found_changes, from_at=old.started_at, to_at=new.started_at)


def check_detail(engine: Engine, ref: str | int, check_id: int) -> CheckDetail:
    """Check `check_id` of watch `ref`, with the changes it found in the order they were stored."""
    with Session(engine) as session:
        watch = store.get_watch(session, str(ref))
        check = check_of(session, watch, check_id)
        rows = store.changes_for_check(session, check_id)
        counts = change_counts(session, [check_id]).get(check_id)
        assert watch.id is not None
        return CheckDetail(watch=WatchRef(id=watch.id, name=watch.name), check=check_row(check, counts),
                           started=check.started_at, found=[found(r) for r in rows],
                           pictures=pictures_of(session, rows))


def current(engine: Engine, ref: str | int) -> Current | None:
    """The newest record the watch saw (the page as it is now), with its check; None: no record."""
    with Session(engine) as session:
        watch = store.get_watch(session, str(ref))
        assert watch.id is not None
        check = store.last_check_with_snapshot(session, watch.id, status=None)
        if check is None:
            return None
        return Current(check=check_row(check), record=store.load_record(session, check))
