"""The one classifier: any exception from a check -> a kind and one short, escaped line."""

from __future__ import annotations

import errno
import sqlite3

import pytest
from playwright.async_api import Error as PlaywrightError
from playwright.async_api import TimeoutError as PlaywrightTimeout
from sqlalchemy.exc import OperationalError

from scraper.base.errors import InputError, JobFailed
from scraper.base.failures import classify
from scraper.base.terminal import safe, safe_line
from scraper.browser.discovery import BrowserNotFound
from scraper.model.changes import Change, summarise

URL = "http://127.0.0.1:8080/post"


@pytest.mark.parametrize(
    ("exc", "kind", "says"),
    [
        (JobFailed(f"{URL}: HTTP 500 Oops\x1b[2J", "http"), "http", r"HTTP 500 Oops\x1b[2J"),
        (JobFailed("deadline of 45s passed", "timeout"), "timeout", "deadline of 45s"),
        (InputError("site.yaml:3: article.title: invalid CSS selector"), "profile", "site.yaml:3"),
        (BrowserNotFound("no Chromium found"), "browser", "no Chromium found"),
        (PlaywrightTimeout("Page.goto: Timeout 30000ms exceeded."), "timeout", "Timeout 30000ms"),
        (PlaywrightError(f"Page.goto: net::ERR_CONNECTION_REFUSED at {URL}\nCall log:\n  - x"),
         "network", "cannot load http://127.0.0.1:8080/post: the server refused the connection"),
        (PlaywrightError("Page.content: Target crashed"), "page", "the page crashed"),
        (PlaywrightError("Page.content: Unable to retrieve content because the page is navigating "
                         "and changing the content."), "page", "kept navigating"),
        (PlaywrightError("Target page, context or browser has been closed"), "browser",
         "the browser went away"),
        (OperationalError("INSERT", {}, sqlite3.OperationalError("database is locked")), "storage",
         "stayed locked"),
        (OperationalError("INSERT", {}, sqlite3.OperationalError("database or disk is full")),
         "storage", "the disk is full"),
        (OSError(errno.ENOSPC, "No space left on device", "/data/x.json"), "storage",
         "no space left on the device (/data/x.json)"),
        (ZeroDivisionError("division by zero"), "page", "unexpected ZeroDivisionError"),
    ],
)
def test_classify(exc: BaseException, kind: str, says: str) -> None:
    failure = classify(exc, URL)
    assert failure.kind == kind
    assert says in failure.message
    assert failure.message.removeprefix("cannot load ").startswith(URL)  # the URL, once
    assert failure.message.count(URL) == 1
    assert "\n" not in failure.message and "\x1b" not in failure.message
    assert "Page.goto" not in failure.message and "Call log" not in failure.message


def test_safe_shows_controls_and_bidi_as_escapes() -> None:
    assert safe("a\x1b[2Jb\x07") == r"a\x1b[2Jb\x07"
    assert safe("evil\u202egnp.exe\u200b\ufeff") == r"evil\u202egnp.exe\u200b\ufeff"
    assert safe("emoji 👩\u200d💻 and tab\tnewline\n") == "emoji 👩\u200d💻 and tab\tnewline\n"
    assert safe_line("one\ntwo\tthree", limit=10) == "one two t…"


def test_failing_is_summarised() -> None:
    change = Change(kind="failing", since="2026-11-30T09:00:00Z", checks=3, error_kind="network",
                    error="connection refused")
    assert summarise([change]) == "failing: 3 checks in a row failed"
    assert change.to_dict() == {"kind": "failing", "since": "2026-11-30T09:00:00Z", "checks": 3,
                                "error_kind": "network", "error": "connection refused",
                                "notify": True}


def test_failing_is_drawn_with_its_escaped_error() -> None:
    from rich.console import Console

    from scraper.cli.changes_view import render_changes

    console = Console(record=True, width=100, color_system=None)
    console.print(render_changes([Change(kind="failing", since="2026-11-30T09:00:00Z", checks=3,
                                         error_kind="http", error="HTTP 500 Oops\x1b[2J")]))
    text = console.export_text()
    assert "! failing: 3 checks in a row failed since 2026-11-30T09:00:00Z" in text
    assert r"http: HTTP 500 Oops\x1b[2J" in text and "\x1b" not in text
