"""Which Chromium to drive: an override, Playwright's own download, or the system's."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from scraper.errors import ScraperError

if TYPE_CHECKING:
    from playwright.async_api import Playwright

SYSTEM_CHROMIUMS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")

# Keep a closed network quiet and start-up lean: no phoning home, no first-run UI.
QUIET_FLAGS = (
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-default-apps",
    "--no-default-browser-check",
    "--disable-domain-reliability",
    "--metrics-recording-only",
    "--mute-audio",
)


class BrowserNotFound(ScraperError):
    pass


def bundled_path(playwright: Playwright) -> str | None:
    """Where this Playwright keeps its own Chromium download (the file may not exist)."""
    try:
        return playwright.chromium.executable_path
    except Exception:  # no browser downloaded for this Playwright: fall back to the system's
        return None


def find_chromium(override: str | None, playwright_path: str | None) -> str:
    if override:
        if not Path(override).is_file():
            raise BrowserNotFound(f"SCRAPER_BROWSER={override} is not a file")
        return override
    if playwright_path and Path(playwright_path).is_file():
        return playwright_path
    for name in SYSTEM_CHROMIUMS:
        if found := shutil.which(name):
            return found
    raise BrowserNotFound(
        "no Chromium found: install one (Debian/Ubuntu: apt-get install chromium; "
        "or `playwright install chromium` where downloads work), or set SCRAPER_BROWSER to its path"
    )
