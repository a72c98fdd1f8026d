"""The demo the README's first command runs: capture the demo blog, watch it, change it, report.

Everything real: the bundled site on loopback, Chromium, the SQLite store (in its own folder, made
anew each run, so the demo never mixes with a user's watches).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from scraper.browser import BrowserSession
from scraper.capture import capture
from scraper.changes import Change
from scraper.checking import CheckResult, run_check
from scraper.demo.site import DemoSite
from scraper.record import Record
from scraper.settings import Settings
from scraper.store import open_store
from scraper.watches import WatchSpec, add_watch

SEED_COMMENT = "4521"
NEW_COMMENT = ("Maria K.", "The truce in Aleppo is already fraying, according to local reports.")
EDITED_TEXT = "Reblogged this on World Peace Forum and on Peace News."


@dataclass(frozen=True)
class Tour:
    home: Path
    record: Record
    baseline: CheckResult
    after: CheckResult

    @property
    def changes(self) -> list[Change]:
        return self.after.changes


def run_tour(settings: Settings) -> Tour:
    home = settings.home / "demo"
    shutil.rmtree(home, ignore_errors=True)
    engine = open_store(f"sqlite:///{home / 'scraper.db'}", auto_upgrade=True)
    with DemoSite() as site, BrowserSession(settings) as browser:
        record = capture(site.article_url, session=browser)
        watch = add_watch(engine, WatchSpec(url=site.article_url, name="demo", every="15m"), settings)
        assert watch.id is not None
        baseline = run_check(engine, watch.id, browser)
        site.add_comment(*NEW_COMMENT)
        site.edit_comment(SEED_COMMENT, EDITED_TEXT)
        after = run_check(engine, watch.id, browser)
    return Tour(home, record, baseline, after)
