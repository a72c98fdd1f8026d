"""The browser edge: one Chromium per process, a fresh context per job."""

from scraper.browser.recorder import Recorder
from scraper.browser.render import RenderJob, RenderOptions
from scraper.browser.session import BrowserSession

__all__ = ["BrowserSession", "Recorder", "RenderJob", "RenderOptions"]
