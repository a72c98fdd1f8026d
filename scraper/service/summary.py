"""One summary of watches: each watch with its last check, last reported change, next run and
failure streak, read for all the watches asked about in one grouped query per fact (never one per
watch). `watch list|show`, the dashboard and the API show it as `WatchSummary`; `scraper status`
as `WatchStatus`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Engine, String, cast, func, or_
from sqlmodel import Session, col, select

from scraper.base.errors import Invalid
from scraper.base.terminal import safe_line
from scraper.base.times import iso
from scraper.config.settings import BUILTIN_PROFILES, Settings
from scraper.model.changes import Change as Found
from scraper.model.changes import summarise
from scraper.model.fetch import Fetch
from scraper.model.schedule import next_run, schedule_of
from scraper.model.window import next_in_window
from scraper.reports.targets import target
from scraper.service.paging import check_limit, cursor_id
from scraper.store import Check, Watch
from scraper.store import summary as facts


class Model(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    def dumped(self) -> Any:
        """As JSON data: what `--json` prints and the API returns."""
        return self.model_dump(mode="json", by_alias=True)


class ProfileSource(Model):
    name: str | None
    file: str | None
    from_: str = Field(alias="from", description="file, built-in, folder or detect")
    missing: bool


class ScheduleSpec(Model):
    kind: str = Field(description="interval or cron")
    spec: str


class LastCheck(Model):
    id: int
    started_at: str
    status: str
    error: str | None
    render_path: str | None = None


class WatchSummary(Model):
    """A watch as `watch show --json`, the dashboard and the API show it (channel secrets masked)."""

    id: int
    name: str
    url: str
    profile: str | None
    profile_file: str | None
    profile_source: ProfileSource
    schedule: ScheduleSpec | None
    tags: list[str]
    email: str | None
    digest: str | None
    notify: list[str]
    notify_on: list[str] | None
    alert_on: list[str] = Field(default_factory=list,
                                description="keyword alerts: regexes new text must match to be reported")
    keep: str | None = Field(None, description="checks without changes older than this are pruned")
    keep_checks: int | None = Field(None, description="... or beyond the newest this many")
    ignore: list[str]
    normalise: list[dict[str, str]]
    confirm: int
    evidence_on_change: bool
    screenshots: bool
    fetch: dict[str, Any]
    actions: list[dict[str, Any]]
    active_window: str | None
    jitter: float | None
    host_gap: float | None
    host_cap: int | None
    render: str | None = Field(None, description="auto, always or never (null: the profile's, else auto)")
    paused: bool
    created_at: str
    base_check_id: int | None
    pending_count: int
    last_check: LastCheck | None
    last_change: str | None = Field(description="when the last reported change was seen")
    next_run: str | None
    failing_streak: int = Field(description="failed checks in a row, up to the last one")
    last_change_kind: str | None
    last_change_check_id: int | None


class StatusCheck(Model):
    id: int
    started_at: str
    status: str
    duration_ms: int
    error: str | None


class StatusChange(Model):
    check_id: int
    at: str
    summary: str


class Failing(Model):
    checks: int
    since: str


class WatchStatus(Model):
    """A watch as `scraper status` shows it."""

    id: int
    name: str
    url: str
    paused: bool
    schedule: str | None
    last_check: StatusCheck | None
    next_run: str | None
    last_change: StatusChange | None
    failing: Failing | None


class StatusReport(Model):
    """`scraper status --json`."""

    watches: list[WatchStatus]


@dataclass(frozen=True)
class Facts:
    """What the store says of each watch, read in one query per fact for all of them."""

    last_checks: dict[int, facts.LastCheck]
    last_changes: dict[int, facts.LastChange]
    streaks: dict[int, facts.Streak]

    @classmethod
    def read(cls, session: Session, watches: Sequence[Watch | facts.WatchRow], *,
             every: bool = False) -> Facts:
        """`every`: `watches` are all there are (no IN list, however many)."""
        ids = None if every else [w.id for w in watches if w.id is not None]
        last_checks = facts.last_checks(session, ids)
        failing = [w for w, c in last_checks.items() if c.status == "failed"]
        return cls(last_checks, facts.last_changes(session, ids), facts.failure_streaks(session, failing))

    def next_run(self, watch: Watch | facts.WatchRow, now: datetime) -> datetime | None:
        """When the daemon checks it next: the schedule after the last check (now when overdue),
        the active window's opening when outside it."""
        schedule = schedule_of(watch)
        if schedule is None or watch.paused:
            return None
        last = self.last_checks.get(watch.id or 0)
        return next_in_window(watch, next_run(schedule, last.started_at if last else None, now))


def summaries(session: Session, watches: list[Watch], settings: Settings, *, every: bool = False,
              now: datetime | None = None) -> list[WatchSummary]:
    """The summary of each of `watches` (`every`: they are all the watches there are)."""
    if not watches:
        return []
    found = Facts.read(session, watches, every=every)
    from scraper.profiles import profile_origins  # the lists need it, `scraper status` not

    origins = profile_origins(settings.profile_dirs)  # the profile folders, read once
    now = now or datetime.now(UTC)
    rows = []
    for watch in watches:
        assert watch.id is not None
        change = found.last_changes.get(watch.id)
        streak = found.streaks.get(watch.id)
        data = watch_data(watch, settings, found.last_checks.get(watch.id),
                          change.at if change else None, now, origins)
        rows.append(WatchSummary.model_validate({
            **data, "failing_streak": streak.checks if streak else 0,
            "last_change_kind": change.kind if change else None,
            "last_change_check_id": change.check_id if change else None}))
    return rows


def statuses(session: Session, watches: list[facts.WatchRow], *, every: bool = False,
             now: datetime | None = None) -> list[WatchStatus]:
    """Each watch's last check, next run, last change (summed up) and failure streak."""
    if not watches:
        return []
    found = Facts.read(session, watches, every=every)
    reported = facts.last_reported(session, None if every else [w.id for w in watches if w.id])
    now = now or datetime.now(UTC)
    rows = []
    for watch in watches:
        assert watch.id is not None
        last = found.last_checks.get(watch.id)
        change = found.last_changes.get(watch.id)
        streak = found.streaks.get(watch.id)
        schedule = schedule_of(watch)
        said = [Found.model_validate(data) for data in reported.get(watch.id, [])]
        rows.append(WatchStatus(
            id=watch.id, name=watch.name, url=watch.url, paused=watch.paused,
            schedule=schedule.describe() if schedule else None,
            last_check=None if last is None else StatusCheck(
                id=last.id, started_at=iso(last.started_at) or "", status=last.status,
                duration_ms=last.duration_ms, error=last.error),
            next_run=iso(found.next_run(watch, now)),
            last_change=None if change is None else StatusChange(
                check_id=change.check_id, at=iso(change.at) or "", summary=safe_line(summarise(said))),
            failing=None if streak is None else Failing(checks=streak.checks, since=iso(streak.since) or "")))
    return rows


def status(engine: Engine, now: datetime | None = None) -> StatusReport:
    """`scraper status`: each watch's last check, next run, last change and failure streak, in a
    handful of queries however many watches. Here, not in `watches`, so that the command loads
    no more than reading needs."""
    with Session(engine) as session:
        return StatusReport(watches=statuses(session, facts.watch_rows(session), every=True, now=now))


# A watch as data: what `watch list|show --json`, the dashboard and the REST API all say of it.


def profile_source(watch: Watch, settings: Settings,
                   origins: dict[str, Path] | None = None) -> dict[str, Any]:
    """Which profile file the watch reads, and where it comes from. `origins`: the profile files
    by name, if the caller looked them up already (once for many watches)."""
    if watch.profile_file:
        return {"name": watch.profile, "file": watch.profile_file, "from": "file",
                "missing": not Path(watch.profile_file).is_file()}
    if watch.profile is None:
        return {"name": None, "file": None, "from": "detect", "missing": False}
    if origins is None:
        from scraper.profiles import profile_origins

        origins = profile_origins(settings.profile_dirs)
    found = origins.get(watch.profile)
    where = "built-in" if found and found.parent.resolve() == BUILTIN_PROFILES.resolve() else "folder"
    return {"name": watch.profile, "file": str(found) if found else None, "from": where,
            "missing": found is None}


def watch_data(watch: Watch, settings: Settings, last: facts.LastCheck | None,
               last_change: datetime | None, now: datetime | None = None,
               origins: dict[str, Path] | None = None) -> dict[str, Any]:
    """Everything a view shows about a watch (JSON-ready; secrets masked)."""
    schedule = schedule_of(watch)
    now = now or datetime.now(UTC)
    due = None if schedule is None or watch.paused else next_in_window(watch, next_run(
        schedule, last.started_at if last else None, now))
    return {
        "id": watch.id, "name": watch.name, "url": watch.url,
        "profile": watch.profile, "profile_file": watch.profile_file,
        "profile_source": profile_source(watch, settings, origins),
        "schedule": None if schedule is None else {"kind": schedule.kind, "spec": schedule.spec},
        "tags": list(watch.tags), "email": watch.email, "digest": watch.digest,
        "notify": [target(url).shown for url in watch.notify],  # channel tokens never shown
        "notify_on": watch.notify_on,
        "alert_on": list(watch.alert_on),
        "keep": watch.keep, "keep_checks": watch.keep_checks,
        "ignore": list(watch.ignore), "normalise": list(watch.normalise), "confirm": watch.confirm,
        "evidence_on_change": watch.evidence_on_change, "screenshots": watch.screenshots,
        "fetch": Fetch.model_validate(watch.fetch).for_view(), "actions": list(watch.actions),
        "active_window": watch.active_window, "jitter": watch.jitter, "host_gap": watch.host_gap,
        "host_cap": watch.host_cap, "render": watch.render,
        "paused": watch.paused, "created_at": iso(watch.created_at),
        "base_check_id": watch.base_check_id, "pending_count": watch.pending_count,
        "last_check": None if last is None else {
            "id": last.id, "started_at": iso(last.started_at), "status": last.status,
            "error": last.error, "render_path": last.render_path},
        "last_change": iso(last_change),
        "next_run": iso(due),
    }



STATUSES: tuple[str, ...] = ("active", "paused", "failing")


def select_page(session: Session, *, status: str | None = None, text: str | None = None,
                tag: str | None = None, cursor: str | None = None, limit: int = 50
                ) -> tuple[list[Watch], str | None]:
    """Watches by id after `cursor`, filtered by status, by tag and by text (in the name or URL),
    and the cursor of the next page (None: no more). Their summaries: `scraper.service.watches`."""
    check_limit(limit)
    after = cursor_id(cursor)
    statement = select(Watch).order_by(col(Watch.id))
    if after is not None:
        statement = statement.where(col(Watch.id) > after)
    if status is not None:
        if status not in STATUSES:
            raise Invalid(f"status {status!r}: give one of {', '.join(STATUSES)}", where="status")
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
    return watches, str(watches[-1].id) if more and watches else None
