"""The browser edge: one Chromium per process, a fresh context per job."""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from scraper.browser.recorder import Recorder
    from scraper.browser.render import RenderJob, RenderOptions
    from scraper.browser.session import BrowserSession

__all__ = ["BrowserSession", "Recorder", "RenderJob", "RenderOptions"]
# Each name is imported when first used: a session alone (a one-off capture starting its browser
# before anything else, issue 25) does not wait for the render's imports (profiles, parsel).
_MODULES = {"BrowserSession": "session", "Recorder": "recorder", "RenderJob": "render",
            "RenderOptions": "render"}


def __getattr__(name: str) -> Any:
    if name not in _MODULES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"scraper.browser.{_MODULES[name]}"), name)
    globals()[name] = value
    return value
