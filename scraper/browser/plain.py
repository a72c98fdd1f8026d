"""A page fetched plainly, without a browser (`render: auto | never`, see docs/fetch.md): one HTTP
GET with the watch's fetch settings (user agent, headers, cookies, proxy, locale), redirects
followed, the body capped at the profile's `max_html`, read as the browser would have received it.

It costs a fraction of a render (no context, no scripts, no waits). Whether it gives the same
record as a render is the caller's to decide (`scraper.pipeline.capture`); failures are the same
kinds as a render's (`http`, `network`, `timeout`, `page`), so a failed fetch is a failed check.
"""

from __future__ import annotations

import functools
import ssl

from scraper.base.errors import JobFailed
from scraper.base.terminal import safe_line
from scraper.base.times import iso_now
from scraper.browser.context import known_user_agent
from scraper.model.fetch import Fetch
from scraper.model.page import PageContent

# Sent when no browser of this process has said its own user agent yet (a daemon whose watches
# all go plain since it started): what Chromium on Linux sends, in the same reduced form.
FALLBACK_USER_AGENT = ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
                       "Chrome/131.0.0.0 Safari/537.36")
ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def plain_headers(fetch: Fetch) -> dict[str, str]:
    """The request headers a render's context would send for these (resolved) fetch settings."""
    headers = {"User-Agent": fetch.user_agent or known_user_agent() or FALLBACK_USER_AGENT,
               "Accept": ACCEPT}
    if fetch.locale:
        headers["Accept-Language"] = fetch.locale
    headers.update(fetch.headers or {})
    return headers


@functools.cache
def _tls() -> ssl.SSLContext:
    """One TLS context for every fetch: loading the CA store costs ~10-80 ms each time."""
    import httpx

    return httpx.create_ssl_context()


def fetch_plain(url: str, fetch: Fetch, deadline: float, max_html: int) -> PageContent:
    """GET `url` with `fetch` (already resolved); JobFailed as a render would fail."""
    import httpx

    fetched_at = iso_now()
    try:
        with httpx.Client(headers=plain_headers(fetch), cookies=dict(fetch.cookies or {}),
                          proxy=fetch.proxy or None, follow_redirects=True, timeout=deadline,
                          verify=_tls(), trust_env=False) as client, client.stream("GET", url) as response:
            if response.status_code >= 400:
                reason = safe_line(response.reason_phrase)
                raise JobFailed(f"cannot load {url}: the server answered HTTP {response.status_code} "
                                f"{reason}".rstrip(), "http", where=url)
            body = bytearray()
            for chunk in response.iter_bytes():
                body += chunk
                if len(body) > max_html:
                    raise JobFailed(f"page too large: over {max_html} bytes (the profile's "
                                    "max_html)", "page")
            final_url = str(response.url)
            kind = response.headers.get("content-type", "")
            encoding = response.encoding or "utf-8"
    except httpx.TimeoutException:
        raise JobFailed(f"deadline of {deadline:g}s passed before the page was fetched",
                        "timeout") from None
    except httpx.HTTPError as exc:
        raise JobFailed(f"cannot load {url}: {safe_line(str(exc)) or type(exc).__name__}",
                        "network", where=url) from None
    if kind and "html" not in kind and "xml" not in kind:
        raise JobFailed(f"{url} is not a page ({safe_line(kind)})", "page", where=url)
    html = bytes(body).decode(encoding, errors="replace")
    return PageContent(url=url, final_url=final_url, fetched_at=fetched_at, html=html, frames={},
                       warnings=())
