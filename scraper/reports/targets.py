"""Where a watch's reports go: its e-mail address and channel URLs, or the defaults.

A target is shown masked (a channel URL often carries a token) and stored only by key: the outbox
keeps `key` and `shown`; at delivery the key is looked up among the configured targets again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from scraper.settings import MailSettings

EMAIL_SCHEME = "mailto"


@dataclass(frozen=True)
class Target:
    url: str  # mailto:ADDRESS or a channel URL (may hold secrets: never print or store it)
    key: str  # what the outbox stores
    shown: str  # what a person may see

    @property
    def scheme(self) -> str:
        return self.url.split(":", 1)[0].lower()


def email_target(address: str) -> Target:
    url = f"{EMAIL_SCHEME}:{address}"
    return Target(url=url, key=url, shown=address)


def channel_target(url: str) -> Target:
    digest = hashlib.sha256(url.encode()).hexdigest()[:16]
    return Target(url=url, key=f"url:{digest}", shown=mask(url, digest[:6]))


def target(url: str) -> Target:
    if url.lower().startswith(EMAIL_SCHEME + ":"):
        return email_target(url.split(":", 1)[1])
    return channel_target(url)


def mask(url: str, tag: str = "") -> str:
    """scheme://host/… (#tag): enough to tell channels apart, nothing secret. Tokens live in the
    user part, the path or the query, which are left out, and in the host position of many
    Apprise URLs (slack://TOKEN/…), which Apprise's own privacy mode shortens to T...N."""
    scheme = url.split(":", 1)[0].lower() if ":" in url else ""
    host = _host(scheme, url)
    return f"{scheme}://{host}{'/' if host else ''}…" + (f" (#{tag})" if tag else "")


def _host(scheme: str, url: str) -> str:
    if scheme not in ("http", "https"):
        import apprise  # only here: rendering and the CLI's start-up never pay for it

        plugin = apprise.Apprise.instantiate(url) if scheme else None
        if plugin is None:
            return ""
        url = str(plugin.url(privacy=True))  # type: ignore[no-untyped-call]
    try:
        parts = urlsplit(url)
        return (parts.hostname or "") + (f":{parts.port}" if parts.port else "")
    except ValueError:
        return ""


def targets_for(email: str | None, channels: Sequence[str], mail: MailSettings) -> list[Target]:
    """The watch's targets: its address (else the default recipient) and its channels (else the
    default channels)."""
    address = email or mail.recipient
    found = [email_target(address)] if address else []
    found.extend(target(url) for url in (channels or mail.channels))
    return _unique(found)


def _unique(targets: Iterable[Target]) -> list[Target]:
    seen: dict[str, Target] = {}
    for t in targets:
        seen.setdefault(t.key, t)
    return list(seen.values())
