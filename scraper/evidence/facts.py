"""The facts of the session for the provenance: browser, user agent, viewport, the main response
(status, headers, server address, TLS) and the redirects that led to it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from scraper.base.times import iso
from scraper.browser.recorder import Recorder
from scraper.model.page import PageContent

if TYPE_CHECKING:
    from playwright.async_api import BrowserContext, CDPSession, Page, Response

_NAVIGATION_TIMING = """() => {
  const nav = performance.getEntriesByType("navigation")[0];
  return nav ? {response_start_ms: Math.round(nav.responseStart),
                dom_content_loaded_ms: Math.round(nav.domContentLoadedEventEnd),
                load_ms: Math.round(nav.loadEventEnd)} : null;
}"""


def _iso(seconds: float | None) -> str | None:
    if seconds is None:
        return None
    return iso(datetime.fromtimestamp(seconds, UTC))


class Facts(Recorder):
    def __init__(self) -> None:
        self.data: dict[str, Any] = {}
        self._main: Response | None = None
        self._security_state: dict[str, str] = {}  # document URL -> Chromium's verdict
        self._cdp: CDPSession | None = None

    async def attach(self, context: BrowserContext, page: Page) -> None:
        def on_response(response: Response) -> None:
            if response.frame == page.main_frame and response.request.is_navigation_request():
                self._main = response

        page.on("response", on_response)
        try:
            self._cdp = await context.new_cdp_session(page)
        except Exception:  # a non-Chromium remote browser: no certificate verdict to read
            return
        self._cdp.on("Network.responseReceived", self._on_cdp_response)
        await self._cdp.send("Network.enable")

    def _on_cdp_response(self, event: dict[str, Any]) -> None:
        if event.get("type") == "Document":
            response = event.get("response", {})
            self._security_state[response.get("url", "")] = response.get("securityState", "")

    async def collect(self, page: Page, content: PageContent) -> None:
        browser = page.context.browser
        self.data = {
            "browser": {"name": "chromium", "version": browser.version if browser else None},
            "user_agent": await page.evaluate("navigator.userAgent"),
            "viewport": page.viewport_size,
            "device_scale_factor": await page.evaluate("window.devicePixelRatio"),
            "page_size": await page.evaluate(
                "({width: document.documentElement.scrollWidth,"
                " height: document.documentElement.scrollHeight})"),
            "title": await page.title(),
            "navigation_timing": await page.evaluate(_NAVIGATION_TIMING),
            **(await self._response_facts()),
        }

    async def _response_facts(self) -> dict[str, Any]:
        main = self._main
        if main is None:
            return {"redirects": [], "response": None, "tls": None}
        address = await main.server_addr()
        return {
            "redirects": await _redirects(main),
            "response": {
                "url": main.url, "status": main.status, "status_text": main.status_text,
                "headers": [[h["name"], h["value"]] for h in await main.headers_array()],
                "server": {"ip": address["ipAddress"], "port": address["port"]} if address else None,
            },
            "tls": await self._tls(main),
        }

    async def _tls(self, main: Response) -> dict[str, Any] | None:
        details = await main.security_details()
        if not details:
            return None
        state = self._security_state.get(main.url)
        return {
            "protocol": details.get("protocol"),
            "subject": details.get("subjectName"),
            "issuer": details.get("issuer"),
            "valid_from": _iso(details.get("validFrom")),
            "valid_to": _iso(details.get("validTo")),
            # Chromium's own verdict on the certificate; "insecure" when it was accepted only
            # because the capture was told to ignore certificate errors.
            "trusted": state == "secure" if state else None,
            "security_state": state or None,
        }

    async def finish(self) -> None:
        self._cdp = None


async def _redirects(main: Response) -> list[dict[str, Any]]:
    """The redirects that led to the main response, first first: url, status, location."""
    chain: list[dict[str, Any]] = []
    request = main.request.redirected_from
    while request is not None:
        response = await request.response()
        chain.append({
            "url": request.url,
            "status": response.status if response else None,
            "location": (await response.header_value("location")) if response else None,
        })
        request = request.redirected_from
    return list(reversed(chain))
