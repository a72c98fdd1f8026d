"""Many evidence captures from a file of URLs, in one browser: resumable, failures kept apart.

The file is read whole first (one URL a line; blank lines and `#` comments skipped): a line that
is not an http(s) URL is bad input naming file and line, before anything is captured. A rerun
skips the URLs that already have a bundle in the same case.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from sqlalchemy import Engine
from sqlmodel import Session

from scraper import store
from scraper.base.errors import InputError, ScraperError
from scraper.base.urls import check_url
from scraper.browser import BrowserSession
from scraper.config.settings import Settings
from scraper.evidence.bundle import capture_evidence
from scraper.evidence.recording import Bundle, CaptureOptions

Outcome = Literal["captured", "skipped", "failed"]


@dataclass(frozen=True)
class Row:
    url: str
    outcome: Outcome
    detail: str  # the bundle's folder, why it was skipped, or the error
    bundle: Bundle | None = None


def read_urls(path: Path) -> list[str]:
    """The URLs of a batch file, each checked, in order, without repeats."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"--from-file {path}: cannot read it ({exc})") from None
    urls: list[str] = []
    for number, line in enumerate(lines, 1):
        text = line.strip()
        if not text or text.startswith("#"):  # a URL may hold a "#", so only whole lines
            continue
        try:
            url = check_url(text)
        except InputError as exc:
            raise InputError(f"{path}:{number}: {exc}") from None
        if url not in urls:
            urls.append(url)
    if not urls:
        raise InputError(f"--from-file {path}: no URL in it")
    return urls


def run_batch(
    urls: list[str],
    *,
    settings: Settings,
    engine: Engine,
    options: CaptureOptions,
    root: Path | None = None,
    profile: str | None = None,
    deadline: float | None = None,
    progress: Callable[[Row], None] = lambda row: None,
) -> list[Row]:
    with Session(engine) as session:
        done = store.captured_urls(session, options.case)
    rows: list[Row] = []
    with BrowserSession(settings) as browser:
        for url in urls:
            if url in done:
                row = Row(url, "skipped", f"already captured in case {options.case or '(none)'}")
            else:
                row = _one(url, browser, settings, engine, options, root, profile, deadline)
            rows.append(row)
            progress(row)
    return rows


def _one(url: str, browser: BrowserSession, settings: Settings, engine: Engine,
         options: CaptureOptions, root: Path | None, profile: str | None,
         deadline: float | None) -> Row:
    try:
        bundle = capture_evidence(url, settings=settings, engine=engine, options=options,
                                  session=browser, profile=profile, deadline=deadline, root=root)
    except ScraperError as exc:  # one page failing never stops the others
        return Row(url, "failed", str(exc))
    return Row(url, "captured", str(bundle.folder), bundle)
