"""A fresh browser context per job, set up from the fetch settings: user agent, headers, cookies,
proxy, locale, time zone and viewport (all per context, so watches never share them)."""

from __future__ import annotations

import re
import weakref
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from loguru import logger

from scraper.model.fetch import Fetch, proxy_parts, viewport_size

if TYPE_CHECKING:
    from playwright.async_api import Browser, BrowserContext

_USER_AGENTS: weakref.WeakKeyDictionary[Browser, str] = weakref.WeakKeyDictionary()


async def default_user_agent(browser: Browser) -> str:
    """The browser's own user agent without `Headless`: sites treat `HeadlessChrome` as a bot.

    Read once per launched browser (CDP `Browser.getVersion`); a browser without CDP gets one built
    from its version, in the form Chrome itself sends."""
    if (known := _USER_AGENTS.get(browser)) is not None:
        return known
    try:
        cdp = await browser.new_browser_cdp_session()
        real = str((await cdp.send("Browser.getVersion"))["userAgent"])
        await cdp.detach()
    except Exception as exc:  # a remote or non-Chromium browser: no browser-level CDP
        logger.debug("no CDP user agent ({}); building one from the version", exc)
        major = browser.version.split(".", 1)[0]
        real = (f"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
                f"Chrome/{major}.0.0.0 Safari/537.36")
    agent = re.sub(r"HeadlessChrome/", "Chrome/", real)
    _USER_AGENTS[browser] = agent
    return agent


def known_user_agent() -> str | None:
    """The user agent of a browser this process launched, if any (a plain fetch sends the same)."""
    return next(iter(_USER_AGENTS.values()), None)


def context_options(fetch: Fetch, user_agent: str) -> dict[str, Any]:
    """Playwright `new_context` options for resolved fetch settings."""
    options: dict[str, Any] = {
        "accept_downloads": False,
        "service_workers": "block",
        "user_agent": fetch.user_agent or user_agent,
    }
    if fetch.headers:
        options["extra_http_headers"] = dict(fetch.headers)
    if fetch.locale:
        options["locale"] = fetch.locale
    if fetch.timezone:
        options["timezone_id"] = fetch.timezone
    if fetch.viewport:
        width, height = viewport_size(fetch.viewport)
        options["viewport"] = {"width": width, "height": height}
    if fetch.proxy:
        options["proxy"] = proxy_parts(fetch.proxy)
    return options


async def open_context(browser: Browser, fetch: Fetch, url: str,
                       extra: Mapping[str, Any] | None = None) -> tuple[BrowserContext, str]:
    """A new context for `url` with `fetch` (already resolved) applied, and `extra` options (a
    recorder's); and the user agent it sends."""
    options = {**context_options(fetch, await default_user_agent(browser)), **(extra or {})}
    context = await browser.new_context(**options)
    if fetch.cookies:
        await context.add_cookies([{"name": name, "value": value, "url": url}
                                   for name, value in fetch.cookies.items()])
    return context, str(options["user_agent"])
