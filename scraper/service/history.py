"""History retention (`scraper prune`, and the daemon's hourly pass): see
`scraper.watches.retention`."""

from __future__ import annotations

from sqlalchemy import Engine

from scraper.config.settings import Settings
from scraper.service.summary import Model
from scraper.watches import retention


class PrunedWatch(Model):
    watch_id: int
    watch: str
    checks: int
    kept: int
    snapshots: int


class PruneReport(Model):
    dry_run: bool
    watches: list[PrunedWatch]

    @property
    def checks(self) -> int:
        return sum(w.checks for w in self.watches)


def prune(engine: Engine, settings: Settings, *, dry_run: bool = False) -> PruneReport:
    """Prune every watch's checks without changes beyond its limits (`dry_run`: say which)."""
    done = retention.prune(engine, settings, dry_run=dry_run)
    return PruneReport(dry_run=dry_run, watches=[
        PrunedWatch(watch_id=p.watch_id, watch=p.watch, checks=p.checks, kept=p.kept,
                    snapshots=p.snapshots) for p in done])
