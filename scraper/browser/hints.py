"""User-agent client hints without "Headless": what the `sec-ch-ua` headers and
`navigator.userAgentData` say.

Chromium's headless shell (preferred for its lean pages, `discovery.py`) names itself
`HeadlessChrome` there, as sites that turn bots away look for; the full Chromium says `Chromium`.
The browser's own hints are read once per browser, in a page of its own (they exist only in a
secure context: a loopback address answered by the route, no server), and a page whose hints name
the headless brand gets them with `Chromium` instead, like the full build's.
"""

from __future__ import annotations

import asyncio
import weakref
from typing import TYPE_CHECKING, Any

from loguru import logger

if TYPE_CHECKING:
    from playwright.async_api import Browser, Route

_ADDRESS = "http://127.0.0.1/scraper-client-hints"
_READ = """async () => {
  const data = navigator.userAgentData;
  if (!data) return null;
  const high = await data.getHighEntropyValues(
    ["architecture", "bitness", "model", "platformVersion", "fullVersionList", "wow64"]);
  return {brands: data.brands, mobile: data.mobile, platform: data.platform, ...high};
}"""
_HEADLESS = "HeadlessChrome"
# Per browser, the reading (a task: a job and the session's warm-up may ask at once, and read once).
_KNOWN: weakref.WeakKeyDictionary[Browser, asyncio.Future[dict[str, Any] | None]] = (
    weakref.WeakKeyDictionary())


async def headful_hints(browser: Browser) -> dict[str, Any] | None:
    """CDP `UserAgentMetadata` naming Chromium for this browser, or None when its own hints need
    no change (or cannot be read: a remote or non-Chromium browser)."""
    known = _KNOWN.get(browser)
    if known is None:
        known = _KNOWN[browser] = asyncio.ensure_future(_metadata(browser))
    # A job cancelled while it waits (its deadline) leaves the reading to the others.
    return await asyncio.shield(known)


async def _metadata(browser: Browser) -> dict[str, Any] | None:
    try:
        hints = await _read(browser)
    except Exception as exc:
        logger.debug("client hints not read ({}): left as the browser sends them", exc)
        hints = None
    return _renamed(hints) if hints else None


async def _read(browser: Browser) -> dict[str, Any] | None:
    async def answer(route: Route) -> None:
        await route.fulfill(body="<!doctype html><title>hints</title>", content_type="text/html")

    context = await browser.new_context(service_workers="block")
    try:
        page = await context.new_page()
        await page.route(_ADDRESS, answer)
        await page.goto(_ADDRESS)
        found = await page.evaluate(_READ)
        return found if isinstance(found, dict) else None
    finally:
        await context.close()


def _renamed(hints: dict[str, Any]) -> dict[str, Any] | None:
    def brands(key: str) -> list[dict[str, str]]:
        return [{"brand": "Chromium" if b["brand"] == _HEADLESS else b["brand"], "version": b["version"]}
                for b in hints.get(key) or []]

    if not any(b.get("brand") == _HEADLESS for b in hints.get("brands") or []):
        return None
    return {
        "brands": brands("brands"), "fullVersionList": brands("fullVersionList"),
        "platform": hints.get("platform", ""), "platformVersion": hints.get("platformVersion", ""),
        "architecture": hints.get("architecture", ""), "model": hints.get("model", ""),
        "mobile": bool(hints.get("mobile")), "bitness": hints.get("bitness", ""),
        "wow64": bool(hints.get("wow64")),
    }
