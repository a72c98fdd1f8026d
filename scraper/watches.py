"""Watches: validate what a person asks to watch, before anything is stored."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from scraper import store
from scraper.changes import filter_changes
from scraper.daemon.options import daemon_fields
from scraper.errors import InputError
from scraper.profiles import load_profiles
from scraper.profiles.regexes import check_regex
from scraper.profiles.schema import check_selector
from scraper.reports.channels import check_channel_url
from scraper.reports.digests import check_digest
from scraper.reports.targets import target
from scraper.schedule import Schedule, parse_schedule
from scraper.settings import EMAIL_ADDRESS, Settings
from scraper.store import Watch
from scraper.urls import check_url

# More checks in a row than anyone would wait for before hearing of a change.
MAX_CONFIRM = 1000


@dataclass(frozen=True)
class WatchSpec:
    url: str
    name: str | None = None
    profile: str | None = None
    every: str | None = None
    cron: str | None = None
    email: str | None = None
    notify_on: Sequence[str] | None = None
    ignore: Sequence[str] = ()
    normalise: Sequence[tuple[str, str]] = ()  # (regex, replacement)
    confirm: int = 1
    digest: str | None = None  # hourly, daily or cron: reports go out as a digest
    notify: Sequence[str] = ()  # channel URLs (Apprise, webhook)
    evidence_on_change: bool = False
    # The daemon's per-watch options (scraper/daemon/options.py).
    window: str | None = None
    jitter: str | None = None
    host_gap: str | None = None
    host_cap: int | None = None


def open_db(settings: Settings, *, missing: str | None = None) -> Engine:
    """The store; the embedded SQLite default upgrades itself, a configured server must be upgraded
    with `scraper db upgrade`.

    `missing`: the command only reads what is there (a watch by id or name): if the embedded
    database does not exist yet, fail with this message instead of creating an empty one.
    """
    if missing is not None and settings.default_database:
        path = store.database_url(settings.database_url).database
        if path and not Path(path).exists():
            raise InputError(f"{missing}: there are no watches yet (no database at {path})")
    return store.open_store(settings.database_url, auto_upgrade=settings.default_database,
                            busy_timeout=settings.busy_timeout)


def default_name(url: str) -> str:
    parts = urlsplit(url)
    path = "-".join(p for p in parts.path.split("/") if p)[-60:]
    return f"{parts.hostname}{'-' + path if path else ''}"


def watch_fields(spec: WatchSpec, settings: Settings) -> dict[str, Any]:
    """The watch's columns, every value checked; InputError names the option at fault."""
    url = check_url(spec.url)
    if spec.profile is not None and spec.profile not in load_profiles(settings.profile_dirs):
        raise InputError(f"--profile {spec.profile!r}: no such profile (see `scraper profile list`)")
    schedule = parse_schedule(spec.every, spec.cron)
    if spec.email is not None and not EMAIL_ADDRESS.match(spec.email):
        raise InputError(f"--email {spec.email!r}: not an e-mail address")
    notify_on = list(spec.notify_on) if spec.notify_on else None
    filter_changes([], notify_on)  # refuses unknown kinds, naming the allowed ones
    for selector in spec.ignore:
        _field("--ignore", check_selector, selector)
    for regex, _ in spec.normalise:
        _field("--normalise", check_regex, regex)
    if not 1 <= spec.confirm <= MAX_CONFIRM:
        raise InputError(f"--confirm {spec.confirm}: give a number of checks from 1 to {MAX_CONFIRM}")
    digest = check_digest(spec.digest) if spec.digest is not None else None
    notify = [check_channel_url(url) for url in spec.notify]
    return {
        "name": spec.name or default_name(url), "url": url, "profile": spec.profile,
        "schedule_kind": schedule.kind if schedule else None,
        "schedule": schedule.spec if schedule else None,
        "email": spec.email, "notify_on": notify_on, "ignore": list(spec.ignore),
        "normalise": [{"regex": r, "replace": s} for r, s in spec.normalise],
        "confirm": spec.confirm, "digest": digest, "notify": notify,
        "evidence_on_change": spec.evidence_on_change,
        **daemon_fields(spec.window, spec.jitter, spec.host_gap, spec.host_cap),
    }


def _field(option: str, check: Any, value: str) -> None:
    try:
        check(value)
    except ValueError as exc:
        raise InputError(f"{option}: {exc}") from None


def add_watch(engine: Engine, spec: WatchSpec, settings: Settings) -> Watch:
    fields = watch_fields(spec, settings)  # every check before the first write
    with Session(engine) as session:
        if spec.name is None:
            fields["name"] = _free_name(session, fields["name"])
        watch = store.add_watch(session, **fields)
        session.commit()
        session.refresh(watch)
        return watch


def _free_name(session: Session, name: str) -> str:
    """`name`, or `name-2`, `name-3`…: a name derived from the URL must never collide, or a page
    whose host and path are already watched (another query or port) could not be watched at all
    by `scraper check URL`, which takes no --name."""
    taken = set(session.exec(select(Watch.name).where(col(Watch.name).startswith(name))))
    candidate, n = name, 1
    while candidate in taken:
        n += 1
        candidate = f"{name}-{n}"
    return candidate


WATCH_KEYS = ("id", "name", "url", "profile", "schedule", "email", "digest", "notify", "notify_on",
              "ignore", "normalise", "confirm", "evidence_on_change", "paused", "created_at",
              "base_check_id", "pending_count", "active_window", "jitter", "host_gap", "host_cap")


def schedule_of(watch: Watch) -> Schedule | None:
    if watch.schedule is None or watch.schedule_kind not in ("interval", "cron"):
        return None
    return Schedule("interval" if watch.schedule_kind == "interval" else "cron", watch.schedule)


def watch_dict(watch: Watch) -> dict[str, Any]:
    data = watch.model_dump(mode="json")
    data["schedule"] = (
        None if watch.schedule is None else {"kind": watch.schedule_kind, "spec": watch.schedule}
    )
    data["notify"] = [target(url).shown for url in watch.notify]  # tokens never shown
    return {key: data[key] for key in WATCH_KEYS}


def rebase_watch(engine: Engine, ref: str) -> tuple[Watch, store.Check]:
    """Make the watch's newest check with a record (ok or mismatch) its base; InputError if none."""
    with Session(engine) as session:
        watch = store.get_watch(session, ref)
        assert watch.id is not None
        check = store.last_check_with_snapshot(session, watch.id, status=None)
        if check is None:
            raise InputError(f"watch {watch.id} has no check with a record yet: run `scraper check "
                             f"{watch.id}` first")
        watch.base_check_id, watch.pending_hash, watch.pending_count = check.id, None, 0
        session.add(watch)
        session.commit()
        session.refresh(watch)
        session.refresh(check)
        return watch, check
