"""A watch as data: what `watch list|show --json`, the dashboard and the REST API all say of it."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from scraper.base.times import iso
from scraper.config.settings import BUILTIN_PROFILES, Settings
from scraper.model.fetch import Fetch
from scraper.model.schedule import next_run
from scraper.model.window import next_in_window
from scraper.profiles import profile_origins
from scraper.reports.targets import target
from scraper.store import Watch
from scraper.store.summary import LastCheck
from scraper.watches.operations import schedule_of


def profile_source(watch: Watch, settings: Settings,
                   origins: dict[str, Path] | None = None) -> dict[str, Any]:
    """Which profile file the watch reads, and where it comes from. `origins`: the profile files
    by name, if the caller looked them up already (once for many watches)."""
    if watch.profile_file:
        return {"name": watch.profile, "file": watch.profile_file, "from": "file",
                "missing": not Path(watch.profile_file).is_file()}
    if watch.profile is None:
        return {"name": None, "file": None, "from": "detect", "missing": False}
    found = (origins if origins is not None else profile_origins(settings.profile_dirs)).get(watch.profile)
    where = "built-in" if found and found.parent.resolve() == BUILTIN_PROFILES.resolve() else "folder"
    return {"name": watch.profile, "file": str(found) if found else None, "from": where,
            "missing": found is None}


def watch_data(watch: Watch, settings: Settings, last: LastCheck | None,
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
        "ignore": list(watch.ignore), "normalise": list(watch.normalise), "confirm": watch.confirm,
        "evidence_on_change": watch.evidence_on_change,
        "fetch": Fetch.model_validate(watch.fetch).for_view(), "actions": list(watch.actions),
        "active_window": watch.active_window, "jitter": watch.jitter, "host_gap": watch.host_gap,
        "host_cap": watch.host_cap,
        "paused": watch.paused, "created_at": iso(watch.created_at),
        "base_check_id": watch.base_check_id, "pending_count": watch.pending_count,
        "last_check": None if last is None else {
            "id": last.id, "started_at": iso(last.started_at), "status": last.status,
            "error": last.error},
        "last_change": iso(last_change),
        "next_run": iso(due),
    }


__all__ = ["iso", "profile_source", "watch_data"]
