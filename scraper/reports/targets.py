"""Where a watch's reports go: its e-mail address and channel URLs, or the defaults.

A target is shown masked (a channel URL often carries a token) and stored only by key: the outbox
keeps `key` and `shown`; at delivery the key is looked up among the configured targets again.

A watch's channel URL holds its token only as `${ENV:NAME}` (`written_secret` finds one written
out): its key and its masked form come from the URL as stored, the variable is read when the
report is sent (`resolved`).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from urllib.parse import urlsplit

from scraper.base.envref import ENV_REF, env_names, resolve_env
from scraper.config.settings import MailSettings

EMAIL_SCHEME = "mailto"
NAMED = "@"  # `@team-slack`: a channel of the channels file (reports/channels/named.py)
# Webhooks whose path is where they listen (scraper's own JSON POST, Apprise's json/form/xml).
PLAIN_WEBHOOKS = frozenset({"http", "https", "json", "jsons", "form", "forms", "xml", "xmls"})


@dataclass(frozen=True)
class Target:
    url: str  # mailto:ADDRESS or a channel URL (may hold secrets: never print or store it)
    key: str  # what the outbox stores
    shown: str  # what a person may see

    @property
    def scheme(self) -> str:
        if self.url.startswith(NAMED):
            return NAMED  # @name: a channel of the channels file, no URL
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
    if url.startswith(NAMED):
        return Target(url=url, key=url, shown=url)  # a name holds no secret
    return channel_target(url)


def mask(url: str, tag: str = "") -> str:
    """scheme://host/… (#tag): enough to tell channels apart, nothing secret. Tokens live in the
    user part, the path or the query, which are left out, and in the host position of many
    Apprise URLs (slack://TOKEN/…), which Apprise's own privacy mode shortens to T...N. A URL that
    takes its secrets from the environment shows its host as written (`${ENV:NAME}` is a name)."""
    suffix = f" (#{tag})" if tag else ""
    if ENV_REF.fullmatch(url):
        return url + suffix  # the whole URL from the environment
    scheme = url.split(":", 1)[0].lower() if ":" in url else ""
    host = _written_host(url) if env_names(url) else _host(scheme, url)
    return f"{scheme}://{host}{'/' if host else ''}…" + suffix


def written_secret(url: str) -> bool:
    """True when a channel URL holds, written out, what the masked form leaves out (a user part,
    a query; the path of a URL other than a plain webhook; a host Apprise hides), with no
    `${ENV:NAME}` for it. An e-mail address is no
    secret, nor is a URL that names a variable: its author took the token out of it."""
    if url.lower().startswith((EMAIL_SCHEME + ":", NAMED)) or env_names(url):
        return False
    parts = urlsplit(url)
    try:
        parts.port  # noqa: B018  (it raises on a port that is no number: a token, tgram://1:AB/…)
    except ValueError:
        return True
    scheme = parts.scheme.lower()
    # Every webhook has a path: a plain one is an address, not a credential. Credentials (a user
    # part, a query such as ?token=) are still refused; other schemes keep tokens in their path.
    path = "" if scheme in PLAIN_WEBHOOKS else parts.path.strip("/") + parts.fragment
    beyond = parts.username or parts.password or path or parts.query
    return bool(beyond) or _host_parts(scheme, url)[0] != (parts.hostname or "")


def resolved(t: Target, environ: Mapping[str, str] | None = None) -> Target:
    """The target with its `${ENV:NAME}` read: for the channel that sends, never shown or stored.
    InputError naming the variable when it is not set."""
    return replace(t, url=resolve_env(t.url, t.shown, environ))


def _written_host(url: str) -> str:
    """The host as written (a URL with `${ENV:…}` in it is no URL a parser reads whole)."""
    rest = url.split("://", 1)[1] if "://" in url else ""
    return re.split(r"[/?#]", rest, maxsplit=1)[0].rsplit("@", 1)[-1]


def _host(scheme: str, url: str) -> str:
    name, port = _host_parts(scheme, url)
    return name + (f":{port}" if port else "")


def _host_parts(scheme: str, url: str) -> tuple[str, int | None]:
    """The host name and port that may be shown: Apprise's privacy form for its URLs."""
    if scheme not in ("http", "https"):
        import apprise  # only here: rendering and the CLI's start-up never pay for it

        plugin = apprise.Apprise.instantiate(url) if scheme else None
        if plugin is None:
            return "", None
        url = str(plugin.url(privacy=True))  # type: ignore[no-untyped-call]
    try:
        parts = urlsplit(url)
        return parts.hostname or "", parts.port
    except ValueError:
        return "", None


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
