"""The browser edge: one Chromium per process, a fresh context per job."""

from scraper.browser.render import RenderJob
from scraper.browser.session import BrowserSession

__all__ = ["BrowserSession", "RenderJob"]
