"""One DevTools (CDP) session per page, for what Playwright does not do cheaply:
- documents (the page, its frames) held at their response headers and refused when they announce
  more than `max_html` bytes: parsing and laying out tens of megabytes costs Chromium gigabytes and
  minutes, and closing the page afterwards waits for all of it (one sent without a length is
  measured once loaded, by `navigate.content`);
- heavy resources blocked by URL pattern, failed before they are sent. Only the documents and the
  blocked patterns are held (CDP Fetch): the rest never waits for Python, and Chromium's HTTP cache
  stays on (Playwright's routes would turn it off). The Network domain's `setBlockedURLs` did the
  same but sent every request's events to Python, about 20 per page (issue 10);
- the page's user agent and client hints (`hints.py`), when they need saying.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from loguru import logger

from scraper.browser.navigate import Observations

if TYPE_CHECKING:
    from playwright.async_api import CDPSession, Page

BLOCK_PATTERNS = {
    "image": ("*.png", "*.jpg", "*.jpeg", "*.gif", "*.webp", "*.avif", "*.svg", "*.ico", "*.bmp"),
    "media": ("*.mp4", "*.webm", "*.ogg", "*.ogv", "*.mp3", "*.wav", "*.m4a", "*.mov", "*.m3u8"),
    "font": ("*.woff", "*.woff2", "*.ttf", "*.otf", "*.eot"),
    "stylesheet": ("*.css",),
}


def block_patterns(kinds: Sequence[str]) -> list[str]:
    """URL patterns for a profile's `block:` (a kind above, or a pattern of its own)."""
    return [p for k in kinds for p in BLOCK_PATTERNS.get(k, (k,))]


async def prepare(page: Page, seen: Observations, max_html: int, blocked: Sequence[str],
                  identity: Mapping[str, Any] | None = None) -> None:
    """Set the page up before it navigates: the document cap, `blocked` URL patterns, `identity`
    (CDP `Emulation.setUserAgentOverride` parameters), if any."""
    try:
        cdp = await page.context.new_cdp_session(page)
    except Exception:  # a non-Chromium remote browser: nothing blocked, `content` still measures
        logger.debug("no CDP session: documents not capped, resources not blocked")
        return
    cdp.on("Fetch.requestPaused",
           lambda event: seen.tasks.add(asyncio.ensure_future(_paused(cdp, event, seen, max_html))))
    sends = [cdp.send("Fetch.enable", {"patterns": [
        {"urlPattern": "*", "resourceType": "Document", "requestStage": "Response"},
        *({"urlPattern": pattern, "requestStage": "Request"} for pattern in blocked),
    ]})]
    if identity:
        sends.append(cdp.send("Emulation.setUserAgentOverride", dict(identity)))
    await asyncio.gather(*sends)  # independent: one round trip of a check's set-up, not two


async def _paused(cdp: CDPSession, event: dict[str, Any], seen: Observations, max_html: int) -> None:
    request = {"requestId": event["requestId"]}
    try:
        if "responseStatusCode" not in event and "responseErrorReason" not in event:
            await cdp.send("Fetch.failRequest", {**request, "errorReason": "BlockedByClient"})
            return
        headers = {h["name"].lower(): h["value"] for h in event.get("responseHeaders") or []}
        length = headers.get("content-length", "")
        if length.isdigit() and int(length) > max_html:
            seen.too_large = int(length)
            await cdp.send("Fetch.failRequest", {**request, "errorReason": "BlockedByResponse"})
        else:
            await cdp.send("Fetch.continueRequest", request)
    except Exception as exc:  # the page went away meanwhile
        logger.debug("paused request: {}", exc)
