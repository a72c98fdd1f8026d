"""Digest schedules: `hourly`, `daily` or a five-field cron expression (UTC), and when the next
digest is due. Pure (the moment to count from is given)."""

from __future__ import annotations

from datetime import UTC, datetime

from apscheduler.triggers.cron import CronTrigger

from scraper.model.schedule import parse_cron

NAMED = {"hourly": "0 * * * *", "daily": "0 0 * * *"}


def check_digest(spec: str) -> str:
    """The spec, tidied; ValueError if it is neither a name nor a valid cron expression."""
    spec = " ".join(spec.split())
    cron = NAMED.get(spec, spec)
    if len(cron.split()) != 5:
        raise ValueError("give hourly, daily or a cron expression "
                         "(five fields: minute hour day month weekday, UTC)")
    parse_cron(cron)  # a ValueError that names the field at fault, or says it never fires
    return spec


def next_digest(spec: str, after: datetime) -> datetime:
    """The first digest time at or after `after`."""
    trigger = CronTrigger.from_crontab(NAMED.get(spec, spec), timezone=UTC)
    moment: datetime | None = trigger.get_next_fire_time(None, after)
    assert moment is not None  # a valid five-field crontab always fires again
    return moment.astimezone(UTC)
