"""What every request handler needs: settings, the store, the server's secret, templates, and one
browser for the checks and profile tests started from the dashboard (launched on first use, shared
with the in-process scheduler when `serve --with-scheduler` runs one)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import Engine

from scraper.base.terminal import safe
from scraper.base.times import from_iso
from scraper.config.settings import Settings
from scraper.web.security import Signer
from scraper.web.throttle import LoginThrottle

if TYPE_CHECKING:
    from scraper.browser import BrowserSession

WEB_DIR = Path(__file__).resolve().parent


def _when(value: str | None) -> str:
    """2026-11-30T12:03:06Z → 2026-11-30 12:03 UTC (a person reads minutes, not seconds)."""
    if not value:
        return "—"
    try:
        moment = from_iso(value)
    except ValueError:
        return value
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def templates() -> Environment:
    # Autoescaping on for every template: page text is data, never markup.
    env = Environment(loader=FileSystemLoader(WEB_DIR / "templates"),
                      autoescape=select_autoescape(default=True, default_for_string=True),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["when"] = _when
    env.filters["safe_text"] = safe  # control and bidi characters shown as escapes (still escaped)
    return env


@dataclass
class AppContext:
    settings: Settings
    engine: Engine
    signer: Signer = field(default_factory=Signer)
    throttle: LoginThrottle = field(default_factory=LoginThrottle)
    browser_session: BrowserSession | None = None
    owns_browser: bool = False
    env: Environment = field(default_factory=templates)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def browser(self) -> BrowserSession:
        with self._lock:
            if self.browser_session is None:
                from scraper.browser import BrowserSession

                self.browser_session = BrowserSession(self.settings)
                self.owns_browser = True
            return self.browser_session

    def close(self) -> None:
        if self.owns_browser and self.browser_session is not None:
            self.browser_session.close()
            self.browser_session = None

    def render(self, name: str, **values: Any) -> str:
        return self.env.get_template(name).render(**values)
