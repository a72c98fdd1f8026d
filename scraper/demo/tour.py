"""The demo the README's first command runs: capture the demo blog, watch it, change it, report.

Everything real: the bundled site on loopback, Chromium, the SQLite store (in its own folder, made
anew each run, so the demo never mixes with a user's watches).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, replace
from pathlib import Path

from sqlalchemy import Engine

from scraper.browser import BrowserSession
from scraper.config.settings import Settings
from scraper.demo.site import DemoSite
from scraper.model.changes import Change
from scraper.model.record import Record
from scraper.pipeline.capture import capture
from scraper.pipeline.check import CheckResult
from scraper.service import outbox, watches
from scraper.store import open_store

SEED_COMMENT = "4521"
NEW_COMMENT = ("Maria K.", "The truce in Aleppo is already fraying, according to local reports.")
EDITED_TEXT = "Reblogged this on World Peace Forum and on Peace News."
RECIPIENT = "you@example.org"


@dataclass(frozen=True)
class Tour:
    home: Path
    record: Record
    baseline: CheckResult
    after: CheckResult
    email: Path | None  # the change report, written as an .eml file

    @property
    def changes(self) -> list[Change]:
        return self.after.changes


def run_tour(settings: Settings) -> Tour:
    home = settings.home / "demo"
    shutil.rmtree(home, ignore_errors=True)
    engine = open_store(f"sqlite:///{home / 'scraper.db'}", auto_upgrade=True)
    with DemoSite() as site, BrowserSession(settings) as browser:
        record = capture(site.article_url, session=browser)
        watch = watches.add(engine, settings, site.article_url,
                            {"name": "demo", "every": "15m", "email": RECIPIENT})
        baseline = watches.check_now(engine, settings, watch.id, browser)
        site.add_comment(*NEW_COMMENT)
        site.edit_comment(SEED_COMMENT, EDITED_TEXT)
        after = watches.check_now(engine, settings, watch.id, browser)
    return Tour(home, record, baseline.result, after.result, _write_report(engine, settings, home, after))


def _write_report(engine: Engine, settings: Settings, home: Path, run: watches.CheckRun) -> Path | None:
    """Deliver the check's email report the embedded default way, as an .eml file in the demo's
    folder: never through a configured SMTP server (the demo mails nobody)."""
    local = replace(settings, home=home, mail=replace(settings.mail, smtp=None, outbox_dir=home / "outbox"))
    outbox.send(engine, local, only=[report.id for report in run.reports if report.to == RECIPIENT])
    written = sorted((home / "outbox").glob("*.eml"))
    return written[-1] if written else None
