"""User-agent client hints without "Headless": what the `sec-ch-ua` headers and
`navigator.userAgentData` say.

Chromium's headless shell (preferred for its lean pages, `discovery.py`) names itself
`HeadlessChrome` there, as sites that turn bots away look for; the full Chromium says `Chromium`.
The browser's own hints are read in a page of its own (they exist only in a secure context: a
loopback address answered by the route, no server), once per build and system (kept in
`~/.cache/scraper/client-hints.json`), and a page whose hints name the headless brand gets them
with `Chromium` instead, like the full build's.
"""

from __future__ import annotations

import asyncio
import json
import os
import platform
import weakref
from pathlib import Path
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
    key = await _key(browser)
    kept = _kept()
    if key is not None and key in kept and isinstance(value := kept[key], dict | None):
        return value
    try:
        hints = await _read(browser)
    except Exception as exc:
        logger.debug("client hints not read ({}): left as the browser sends them", exc)
        return None
    metadata = _renamed(hints) if hints else None
    if key is not None and hints:
        _keep(key, metadata)
    return metadata


# The hints depend on the browser's build (its user agent says which) and the system it runs on:
# read once per build and kernel, they are kept between runs, so a one-off capture opens no page
# for them (a renderer: ~0.1 s of CPU and ~0.3 s at a busy machine's load, issue 25).
def _kept_file() -> Path | None:
    try:
        base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    except RuntimeError:  # no home: nothing kept
        return None
    return Path(base) / "scraper" / "client-hints.json"


async def _key(browser: Browser) -> str | None:
    try:
        cdp = await browser.new_browser_cdp_session()
        agent = str((await cdp.send("Browser.getVersion"))["userAgent"])
        await cdp.detach()
    except Exception:  # no browser-level CDP (a remote browser): read every time
        return None
    return f"{agent} | {platform.system()} {platform.release()} {platform.machine()}"


def _kept() -> dict[str, Any]:
    path = _kept_file()
    try:
        kept = json.loads(path.read_text(encoding="utf-8")) if path else {}
    except (OSError, ValueError):  # none yet, or unreadable: read the hints again
        return {}
    return kept if isinstance(kept, dict) else {}


def _keep(key: str, metadata: dict[str, Any] | None) -> None:
    path = _kept_file()
    if path is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f"{path.name}.{os.getpid()}.partial")
        partial.write_text(json.dumps({**_kept(), key: metadata}), encoding="utf-8")
        os.replace(partial, path)  # whole or not at all: processes may keep theirs at once
    except OSError as exc:
        logger.debug("client hints not kept ({})", exc)


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
