"""What the daemon needs to know of each active watch, read in two queries however many there are.

The scheduler re-reads this every `reload_every` seconds; with 10,000 watches, loading full ORM
rows and one "last check" query per watch took most of a core, so only the columns it uses are read,
and the latest check of every watch comes from one grouped query.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from sqlalchemy import Engine, func
from sqlmodel import Session, col, select

from scraper.daemon.dispatch import HostLimits
from scraper.daemon.window import ActiveWindow, parse_window
from scraper.profiles import Profile, matching
from scraper.schedule import Schedule
from scraper.settings import Settings
from scraper.store import Check, Watch
from scraper.store.models import UTCDateTime


@dataclass(frozen=True)
class Planned:
    """A watch as the scheduler sees it: what to run when, and how politely."""

    watch_id: int
    name: str
    host: str
    schedule: Schedule
    jitter: float
    window: ActiveWindow | None
    limits: HostLimits
    last_started: datetime | None

    def key(self) -> tuple[object, ...]:
        """What, when changed, makes the scheduler re-add the watch's job."""
        return (self.schedule, self.jitter, self.window)


def host_of(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


def limits_for(settings: Settings, profile: Profile | None, gap: float | None,
               cap: int | None) -> HostLimits:
    """The watch's own, else its profile's, else the installation's (SCRAPER_HOST_GAP/_CAP)."""
    polite = profile.politeness if profile else None
    return HostLimits(
        gap=next(v for v in (gap, polite.gap if polite else None, settings.host_gap) if v is not None),
        cap=next(v for v in (cap, polite.cap if polite else None, settings.host_cap) if v is not None),
    )


def active_watches(engine: Engine, settings: Settings,
                   profiles: Mapping[str, Profile]) -> dict[int, Planned]:
    columns = (Watch.id, Watch.name, Watch.url, Watch.profile, Watch.schedule_kind, Watch.schedule,
               Watch.jitter, Watch.active_window, Watch.host_gap, Watch.host_cap)
    last = select(Check.watch_id, func.max(col(Check.started_at), type_=UTCDateTime)).group_by(
        col(Check.watch_id))
    with Session(engine) as session:
        rows = session.exec(select(*columns).where(  # type: ignore[call-overload]
            col(Watch.paused).is_(False), col(Watch.schedule_kind).is_not(None))).all()
        latest = dict(session.exec(last).all())
    planned: dict[int, Planned] = {}
    for watch_id, name, url, profile, kind, spec, jitter, window, gap, cap in rows:
        chosen = profiles.get(profile) if profile else matching.by_url(profiles, url)
        planned[watch_id] = Planned(
            watch_id=watch_id, name=name, host=host_of(url), schedule=Schedule(kind, spec),
            jitter=jitter or 0.0, window=parse_window(window) if window else None,
            limits=limits_for(settings, chosen, gap, cap), last_started=latest.get(watch_id),
        )
    return planned
