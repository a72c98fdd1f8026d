"""The hook a render offers its observers: something attached to the page before it navigates.

A recorder may add options to the browser context (a HAR needs them at creation), is attached to
the context and page before navigation, collects once the page is ready and the profile's actions
have run (the moment the record is read), and finishes after the context has closed (files the
browser writes on close exist then). Artifacts such as screenshots or a WARC plug in here; the
render itself knows none of them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from scraper.model.page import PageContent

if TYPE_CHECKING:
    from playwright.async_api import BrowserContext, Page

    from scraper.profiles.schema import Profile


class Recorder:
    """Base class with nothing to do at every step; a recorder overrides the steps it needs."""

    def context_options(self) -> Mapping[str, Any]:
        return {}

    async def attach(self, context: BrowserContext, page: Page) -> None:
        return None

    def chosen(self, profile: Profile) -> None:
        """The profile the render reads the page with (known before `collect`)."""
        return None

    async def collect(self, page: Page, content: PageContent) -> None:
        return None

    async def finish(self) -> None:
        return None
