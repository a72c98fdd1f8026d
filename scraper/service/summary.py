"""One summary of watches: each watch with its last check, last reported change, next run and
failure streak, read for all the watches asked about in one grouped query per fact (never one per
watch). `watch list|show`, the dashboard and the API show it as `WatchSummary`; `scraper status`
as `WatchStatus`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import Session

from scraper.base.terminal import safe_line
from scraper.base.times import iso
from scraper.config.settings import Settings
from scraper.model.changes import Change as Found
from scraper.model.changes import summarise
from scraper.model.schedule import next_run
from scraper.model.window import next_in_window
from scraper.profiles import profile_origins
from scraper.service.watch_data import watch_data
from scraper.store import Watch
from scraper.store import summary as facts
from scraper.watches.operations import schedule_of


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
    ignore: list[str]
    normalise: list[dict[str, str]]
    confirm: int
    evidence_on_change: bool
    fetch: dict[str, Any]
    actions: list[dict[str, Any]]
    active_window: str | None
    jitter: float | None
    host_gap: float | None
    host_cap: int | None
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
