"""What a click or a key press did: the page changed, went elsewhere, or nothing happened.

Every wait is for a condition, bounded: the DOM changing (at most EFFECT_MS), or the page a step
opened (a login form's submit) committing and loading.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Literal

from loguru import logger

if TYPE_CHECKING:
    from playwright.async_api import Frame, Page, Request

# How long a click or key press may take to change the page before it counts as doing nothing.
EFFECT_MS = 5000

Effect = Literal["changed", "navigated", "nothing"]


class _Navigation:
    """Notices a main-frame navigation while a step runs, and when its document commits."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.started = False
        self.committed = asyncio.Event()
        page.on("request", self._request)
        page.on("framenavigated", self._navigated)

    def _request(self, request: Request) -> None:
        if request.is_navigation_request() and request.frame == self.page.main_frame:
            self.started = True

    def _navigated(self, frame: Frame) -> None:
        if frame == self.page.main_frame:
            self.committed.set()

    def close(self) -> None:
        self.page.remove_listener("request", self._request)
        self.page.remove_listener("framenavigated", self._navigated)


async def count_nodes(target: Page | Frame) -> int:
    return int(await target.evaluate("document.getElementsByTagName('*').length"))


async def act(page: Page, target: Page | Frame, action: Callable[[], Awaitable[None]],
              seconds: float = EFFECT_MS / 1000) -> Effect:
    """Run `action`, then wait (at most `seconds` for each) for its effect: a changed DOM in
    `target`, or a new page."""
    from playwright.async_api import Error as PlaywrightError
    from playwright.async_api import TimeoutError as PlaywrightTimeout

    nodes = await count_nodes(target)
    navigation = _Navigation(page)
    try:
        await action()
        try:
            await target.wait_for_function(
                "n => document.getElementsByTagName('*').length !== n", arg=nodes,
                timeout=max(seconds, 0.001) * 1000,
            )
        except PlaywrightTimeout:
            if not navigation.started:
                return "nothing"
        except PlaywrightError as exc:  # the document went away under the wait: a navigation
            logger.debug("while waiting for a step's effect: {}", exc)
        if not navigation.started:
            return "changed"
        try:
            await asyncio.wait_for(navigation.committed.wait(), max(seconds, 0.001))
        except TimeoutError:
            return "nothing"  # a navigation that never committed (a download, a 204)
        await page.wait_for_load_state("load")
        return "navigated"
    finally:
        navigation.close()
