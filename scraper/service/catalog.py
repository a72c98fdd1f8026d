"""Captures, profiles and the profile test: the rows `scraper captures` and `scraper profile
list|test` print, and the dashboard and the API show."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlmodel import Session

from scraper import store
from scraper.config.settings import Settings, check_deadline
from scraper.service.watch_data import iso
from scraper.service.watch_list import Page, check_limit, cursor_id
from scraper.store import Capture

if TYPE_CHECKING:
    from scraper.browser import BrowserSession
    from scraper.browser.trace import Trace
    from scraper.extract.explain import FieldReport
    from scraper.model.page import PageContent
    from scraper.model.record import Record
    from scraper.pipeline.capture import Rendered
    from scraper.profiles.schema import Profile


def capture_dict(c: Capture) -> dict[str, Any]:
    return {"id": c.id, "url": c.url, "final_url": c.final_url, "captured_at": iso(c.captured_at),
            "path": c.path, "wacz": c.wacz, "package_hash": c.package_hash, "case": c.case_name,
            "note": c.note, "check_id": c.check_id}


def captures(session: Session, case: str | None = None) -> list[dict[str, Any]]:
    return [capture_dict(c) for c in store.list_captures(session, case)]


def profiles(settings: Settings) -> list[dict[str, Any]]:
    """The profiles, highest priority first, each with the file it comes from."""
    from scraper.config.settings import BUILTIN_PROFILES
    from scraper.profiles import load_profiles, profile_origins

    loaded = sorted(load_profiles(settings.profile_dirs).values(), key=lambda p: (-p.priority, p.name))
    origins = profile_origins(settings.profile_dirs)
    return [{"name": p.name, "priority": p.priority, "extends": p.extends,
             "urls": list(p.match.urls), "detect": p.match.detect, "description": p.description,
             "file": str(origins[p.name]),
             "builtin": origins[p.name].parent.resolve() == BUILTIN_PROFILES.resolve()}
            for p in loaded]


def profile_test(browser: BrowserSession, settings: Settings, url: str, profile: str | None,
                 deadline: float | None = None, *, trace: Trace | None = None) -> Rendered:
    """Render `url` as `scraper profile test` does; bad input (URL, profile, deadline) is an
    InputError before anything is rendered."""
    from scraper.base.urls import check_url
    from scraper.pipeline.capture import render_url
    from scraper.profiles import load_profiles

    url = check_url(url)
    if deadline is not None:
        check_deadline(deadline, f"--deadline {deadline:g}")
    return render_url(browser, url, profiles=load_profiles(settings.profile_dirs), profile=profile,
                      deadline=deadline, trace=trace)


# Where a record's field came from when not from the profile's selectors (`Record.sources`).
SOURCES = {"structured": "the page's structured data", "fallback": "main-content extraction",
           "detected": "structure detection"}


@dataclass(frozen=True)
class ProfileTest:
    """Each field's selectors with their matches, and the record the profile makes of the page."""

    page: PageContent
    profile: Profile
    reports: list[FieldReport]
    record: Record
    trace: Trace | None = None  # how the page loaded: the ready wait, each step

    def to_dict(self) -> dict[str, Any]:
        return {"url": self.page.url, "profile": self.profile.name,
                "load": self.trace.to_dict() if self.trace else None,
                "fields": [r.to_dict() for r in self.reports], "sources": self.record.sources,
                "warnings": self.record.warnings, "comments": len(self.record.comments)}


def explain_page(page: PageContent, profile: Profile, trace: Trace | None = None) -> ProfileTest:
    from scraper.extract import extract
    from scraper.extract.explain import explain

    return ProfileTest(page, profile, explain(page, profile), extract(page, profile), trace)


def outbox_page(session: Session, *, limit: int = 50, cursor: str | None = None) -> Page:
    """The reports a person cares about (not the parts bundled into a digest), newest first."""
    from sqlmodel import col, select

    from scraper.reports.outbox import row_dict
    from scraper.store import Outbox

    check_limit(limit)
    before = cursor_id(cursor)
    statement = select(Outbox).where(Outbox.status != "bundled")
    if before is not None:
        statement = statement.where(col(Outbox.id) < before)
    found = list(session.exec(statement.order_by(col(Outbox.id).desc()).limit(limit + 1)))
    more = len(found) > limit
    found = found[:limit]
    return Page([row_dict(r) for r in found], str(found[-1].id) if more and found else None)
