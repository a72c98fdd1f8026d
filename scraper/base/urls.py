"""URLs a capture may open: http(s) only, checked before any browser starts."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from scraper.base.errors import InputError
from scraper.base.terminal import safe

ALLOWED_SCHEMES = ("http", "https")
_DEFAULT_PORTS = {"http": 80, "https": 443}


def _shown(url: str) -> str:
    """The URL for a message, without any `user:password@` in it."""
    bare = re.sub(r"[^/\s@]*@", "", url.strip(), count=1) if "@" in url else url.strip()
    return repr(safe(bare))  # escaped: a URL can carry control characters


def check_url(url: str) -> str:
    shown = _shown(url)
    try:
        parts = urlsplit(url.strip())
    except ValueError as exc:  # `http://[::1:bad`: an unclosed or malformed IPv6 literal
        raise InputError(f"{shown}: not a valid URL ({exc})", where=shown[1:-1]) from None
    if not parts.scheme or (parts.scheme.lower() not in ALLOWED_SCHEMES and not parts.netloc
                            and parts.path[:1].isdigit()):
        # `example.org/page` (no scheme), or `localhost:8080/page` (read as scheme `localhost`).
        raise InputError(f"{shown} has no scheme: give the whole URL, e.g. "
                         f"https://{shown[1:-1]}", where=shown[1:-1])
    if parts.scheme.lower() not in ALLOWED_SCHEMES:
        raise InputError(f"{shown}: '{safe(parts.scheme)}:' URLs are not allowed; give an http:// "
                         "or https:// URL", where=shown[1:-1])
    try:
        parts.port  # noqa: B018  (urlsplit checks the port lazily, on access)
    except ValueError:
        raise InputError(f"{shown}: the port must be a number from 1 to 65535",
                         where=shown[1:-1]) from None
    if not parts.hostname:
        raise InputError(f"{shown}: no host name", where=shown[1:-1])
    if parts.port == 0:
        raise InputError(f"{shown}: the port must be a number from 1 to 65535", where=shown[1:-1])
    if parts.username or parts.password:
        # They would be stored with the watch and printed in every report: refuse, never echo them.
        bare = parts._replace(netloc=parts.netloc.rsplit("@", 1)[1]).geturl()
        raise InputError(f"{bare}: credentials in the URL are not accepted (they would be stored "
                         "and printed); use a URL without user:password@", where=bare)
    return url.strip()


def page_key(url: str) -> tuple[str, str, int | None, str, str]:
    """What makes two URLs the same page: scheme and host in any case, the default port written or
    not, an empty path or `/`; the fragment never reaches the server."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:  # not a URL check_url lets through: it is only its own page
        return "", url.strip(), None, "", ""
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:
        port = None
    port = None if port == _DEFAULT_PORTS.get(scheme) else port
    return scheme, (parts.hostname or "").lower(), port, parts.path or "/", parts.query


def same_page(a: str, b: str) -> bool:
    return page_key(a) == page_key(b)
