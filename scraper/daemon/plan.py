"""What the daemon needs to know of each active watch, read in two queries however many there are.

The scheduler re-reads this every `reload_every` seconds; with 10,000 watches, loading full ORM
rows and one "last check" query per watch took most of a core, so only the columns it uses are read,
and the latest check of every watch comes from one grouped query. A `PlanMemo` keeps the previous
read's plans by row, so a watch whose row and profiles are unchanged is not planned again (its URL
parsed, its profile matched): that was most of an idle daemon's CPU with 10,000 watches.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from urllib.parse import urlsplit

from sqlalchemy import Engine, func
from sqlmodel import Session, col, select

from scraper.config.settings import Settings
from scraper.daemon.dispatch import HostLimits
from scraper.model.schedule import Schedule
from scraper.model.window import ActiveWindow, parse_window
from scraper.profiles import Profile, matching
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
    last_started: datetime | None  # the latest check when the watch was planned (see PlanMemo)

    def key(self) -> tuple[object, ...]:
        """What, when changed, makes the scheduler re-add the watch's job."""
        return (self.schedule, self.jitter, self.window)


def host_of(url: str) -> str:
    # Parsed once per site: the URL up to the "/" after its authority reads the same host (a
    # "?" or "#" that ends the authority sooner stays in), and 100,000 watches share few sites.
    scheme, slashes, rest = url.partition("//")
    return _host(scheme + slashes + rest.partition("/")[0])


@lru_cache(maxsize=4096)
def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


def limits_for(settings: Settings, profile: Profile | None, gap: float | None,
               cap: int | None) -> HostLimits:
    """The watch's own, else its profile's, else the installation's (SCRAPER_HOST_GAP/_CAP)."""
    polite = profile.politeness if profile else None
    return HostLimits(
        gap=next(v for v in (gap, polite.gap if polite else None, settings.host_gap) if v is not None),
        cap=next(v for v in (cap, polite.cap if polite else None, settings.host_cap) if v is not None),
    )


def polite_ranking(profiles: Mapping[str, Profile]) -> list[Profile]:
    """The profiles in their URL-matching order, up to the last that sets politeness of its own:
    a URL matched first by one after it gets the installation's limits, as one matched by none.
    Mostly none sets any, and 100,000 URLs need no matching (a fifth of planning them)."""
    ranked = matching.ranked(profiles)
    polite = [i for i, p in enumerate(ranked)
              if p.politeness.gap is not None or p.politeness.cap is not None]
    return ranked[:polite[-1] + 1] if polite else []


@dataclass
class PlanMemo:
    """The plans of the previous read, by the watch's row; valid while the profiles and the
    installation's politeness settings are the same."""

    basis: tuple[object, ...] = ()
    by_row: dict[tuple[object, ...], Planned] = field(default_factory=dict)

    def reset_unless(self, basis: tuple[object, ...]) -> None:
        if basis != self.basis:
            self.basis, self.by_row = basis, {}


_IN_CHUNK = 500  # watch ids per "latest check" query, well under any database's parameter limit


def _latest(session: Session, ids: list[int] | None) -> dict[int, datetime]:
    """The start of each watch's latest check: of all watches (`None`), else of those given."""
    last = select(Check.watch_id, func.max(col(Check.started_at), type_=UTCDateTime)).group_by(
        col(Check.watch_id))
    if ids is None:
        return dict(session.exec(last).all())
    latest: dict[int, datetime] = {}
    for start in range(0, len(ids), _IN_CHUNK):
        latest.update(session.exec(last.where(col(Check.watch_id).in_(ids[start:start + _IN_CHUNK]))).all())
    return latest


def active_watches(engine: Engine, settings: Settings, profiles: Mapping[str, Profile],
                   memo: PlanMemo | None = None) -> dict[int, Planned]:
    """Every active watch's plan. With the `memo` of the previous read, only new or changed rows
    are planned, and only their latest check is looked up (the scheduler needs it only to place a
    job it adds): a grouped query over every check grows with the history, the rows do not."""
    columns = (Watch.id, Watch.name, Watch.url, Watch.profile, Watch.schedule_kind, Watch.schedule,
               Watch.jitter, Watch.active_window, Watch.host_gap, Watch.host_cap)
    memo = memo or PlanMemo()
    # Profiles are loaded anew only when their files change: the same objects mean the same rules.
    memo.reset_unless((*profiles.items(), settings.host_gap, settings.host_cap))
    with Session(engine) as session:
        rows = [tuple(row) for row in session.exec(select(*columns).where(  # type: ignore[call-overload]
            col(Watch.paused).is_(False), col(Watch.schedule_kind).is_not(None))).all()]
        fresh = [row for row in rows if row not in memo.by_row]
        whole = len(fresh) > len(rows) // 2  # one grouped query beats many small ones
        latest = _latest(session, None if whole else [row[0] for row in fresh]) if fresh else {}
    ranked = polite_ranking(profiles)
    planned: dict[int, Planned] = {}
    by_row: dict[tuple[object, ...], Planned] = {}
    for row in rows:
        plan = memo.by_row.get(row)
        if plan is None:
            watch_id, name, url, profile, kind, spec, jitter, window, gap, cap = row
            chosen = profiles.get(profile) if profile else \
                matching.first_by_url(ranked, url) if ranked else None
            plan = Planned(
                watch_id=watch_id, name=name, host=host_of(url), schedule=Schedule(kind, spec),
                jitter=jitter or 0.0, window=parse_window(window) if window else None,
                limits=limits_for(settings, chosen, gap, cap), last_started=latest.get(watch_id),
            )
        planned[plan.watch_id] = by_row[row] = plan
    memo.by_row = by_row
    return planned
