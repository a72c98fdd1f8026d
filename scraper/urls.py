"""URLs a capture may open: http(s) only, checked before any browser starts."""

from __future__ import annotations

from urllib.parse import urlsplit

from scraper.errors import InputError

ALLOWED_SCHEMES = ("http", "https")


def check_url(url: str) -> str:
    parts = urlsplit(url.strip())
    if parts.scheme.lower() not in ALLOWED_SCHEMES:
        shown = f"'{parts.scheme}:'" if parts.scheme else "no scheme"
        raise InputError(f"{url!r}: {shown} is not allowed; give an http:// or https:// URL")
    if not parts.hostname:
        raise InputError(f"{url!r}: no host name")
    return url.strip()
