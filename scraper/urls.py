"""URLs a capture may open: http(s) only, checked before any browser starts."""

from __future__ import annotations

from urllib.parse import urlsplit

from scraper.errors import InputError
from scraper.terminal import safe

ALLOWED_SCHEMES = ("http", "https")


def check_url(url: str) -> str:
    parts = urlsplit(url.strip())
    if parts.scheme.lower() not in ALLOWED_SCHEMES:
        shown = f"'{parts.scheme}:'" if parts.scheme else "no scheme"
        raise InputError(f"{url!r}: {shown} is not allowed; give an http:// or https:// URL")
    try:
        parts.port  # noqa: B018  (urlsplit checks the port lazily, on access)
    except ValueError:
        raise InputError(f"{_shown(url)}: the port must be a number from 1 to 65535") from None
    if not parts.hostname:
        raise InputError(f"{url!r}: no host name")
    if parts.port == 0:
        raise InputError(f"{_shown(url)}: the port must be a number from 1 to 65535")
    if parts.username or parts.password:
        # They would be stored with the watch and printed in every report: refuse, never echo them.
        shown = parts._replace(netloc=parts.netloc.rsplit("@", 1)[1]).geturl()
        raise InputError(f"{shown}: credentials in the URL are not accepted (they would be stored "
                         "and printed); use a URL without user:password@")
    return url.strip()


def _shown(url: str) -> str:
    return repr(safe(url.strip()))
