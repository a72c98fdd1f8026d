"""`scraper doctor`: what this machine has for `capture` and `run`, what is missing, and the fix.

Each check is a small function returning a `Check`; `diagnose()` runs them all and never raises
for what it finds (a broken setting, profile or database is a failed check, not a traceback).
Looking changes nothing: no database, folder or file is created.
"""

from __future__ import annotations

from scraper.config.settings import Settings, SettingsError
from scraper.doctor.browser import check_browser, check_playwright, probe_playwright
from scraper.doctor.database import check_database
from scraper.doctor.distributed import check_scale_out
from scraper.doctor.files import check_home, check_profiles, check_settings
from scraper.doctor.mail import check_channels, check_smtp
from scraper.doctor.result import Check, Report

__all__ = ["Check", "Report", "diagnose"]


def diagnose(settings: Settings | SettingsError, *, channels: bool = False) -> Report:
    """The checks for `settings`, or the one failed check of why they could not be built.
    `channels`: also connect to each report channel's host."""
    if isinstance(settings, SettingsError):
        # The other checks read the settings: with one invalid, they would check the wrong thing.
        return Report((check_settings(settings.variables, str(settings)),))
    probe = probe_playwright()
    return Report((
        check_settings(settings.variables, None),
        check_browser(settings, probe),
        check_playwright(probe),
        check_database(settings),
        check_profiles(settings),
        check_home(settings),
        *check_scale_out(settings),
        check_smtp(settings),
        *(check_channels(settings) if channels else ()),
    ))
