"""Captures, profiles and the profile test: the rows `scraper captures` and `scraper profile
list|test` print, and the dashboard and the API show."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlmodel import Session

from scraper import store
from scraper.service.watch_list import Page, check_limit, cursor_id, iso
from scraper.settings import Settings, check_deadline
from scraper.store import Capture

if TYPE_CHECKING:
    from scraper.browser import BrowserSession
    from scraper.extract.explain import FieldReport


def capture_dict(c: Capture) -> dict[str, Any]:
    return {"id": c.id, "url": c.url, "final_url": c.final_url, "captured_at": iso(c.captured_at),
            "path": c.path, "wacz": c.wacz, "package_hash": c.package_hash, "case": c.case_name,
            "note": c.note, "check_id": c.check_id}


def captures(session: Session, case: str | None = None) -> list[dict[str, Any]]:
    return [capture_dict(c) for c in store.list_captures(session, case)]


def profiles(settings: Settings) -> list[dict[str, Any]]:
    """The profiles, highest priority first."""
    from scraper.profiles import load_profiles

    loaded = sorted(load_profiles(settings.profile_dirs).values(), key=lambda p: (-p.priority, p.name))
    return [{"name": p.name, "priority": p.priority, "extends": p.extends,
             "urls": list(p.match.urls), "detect": p.match.detect, "description": p.description}
            for p in loaded]


def profile_test(browser: BrowserSession, settings: Settings, url: str, profile: str | None,
                 deadline: float | None = None) -> tuple[str, str, str, list[FieldReport]]:
    """Render `url` and explain, field by field, what each selector matched: (url, final URL,
    profile name, reports). Bad input (URL, profile, deadline) is an InputError before anything
    is rendered."""
    from scraper.capture import render_url
    from scraper.extract.explain import explain
    from scraper.profiles import load_profiles
    from scraper.urls import check_url

    url = check_url(url)
    if deadline is not None:
        check_deadline(deadline, f"--deadline {deadline:g}")
    loaded = load_profiles(settings.profile_dirs)
    rendered = render_url(browser, url, profiles=loaded, profile=profile, deadline=deadline)
    return url, rendered.page.final_url, rendered.profile.name, explain(rendered.page, rendered.profile)


def profile_test_dict(url: str, name: str, reports: list[FieldReport]) -> dict[str, Any]:
    return {"url": url, "profile": name, "fields": [r.to_dict() for r in reports]}


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
