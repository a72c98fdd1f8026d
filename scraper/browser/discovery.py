"""Which Chromium to drive: an override, Playwright's own download, or the system's."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from scraper.base.errors import ScraperError

if TYPE_CHECKING:
    from playwright.async_api import Playwright

SYSTEM_CHROMIUMS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
# Chromium's headless shell, Playwright's own choice for headless pages: one renderer per page and
# none of the full browser's window UI (a WebUI renderer and a spare one per page). On the daemon
# benchmark it took about a third of the CPU and half the memory per check (issue 10). Debian's
# binary first: /usr/bin/chromium-headless-shell is a script that keeps a shell above it.
HEADLESS_SHELLS = ("/usr/lib/chromium/chromium-headless-shell", "chromium-headless-shell")

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
    """SCRAPER_BROWSER, else a headless shell, else Playwright's download, else a system Chromium."""
    if override:
        if not Path(override).is_file():
            raise BrowserNotFound(f"SCRAPER_BROWSER={override} is not a file")
        return override
    for shell in HEADLESS_SHELLS:
        if (found := shutil.which(shell)) is not None:
            return found
    if playwright_path and Path(playwright_path).is_file():
        return playwright_path
    for name in SYSTEM_CHROMIUMS:
        if found := shutil.which(name):
            return found
    raise BrowserNotFound(
        "no Chromium found: install one (Debian/Ubuntu: apt-get install chromium; "
        "or `playwright install chromium` where downloads work), or set SCRAPER_BROWSER to its path"
    )
