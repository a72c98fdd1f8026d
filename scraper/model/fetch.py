"""How a page is fetched: user agent, extra headers, cookies, proxy, locale, time zone, viewport.

Set in a profile's `fetch:` block and per watch (`--user-agent`, `--header`…); the watch's values win
over the profile's, which win over the defaults (`SCRAPER_PROXY`, a user agent derived from the real
browser). Pure data: the browser edge turns a resolved `Fetch` into Playwright context options.

Values may name environment variables, `${ENV:NAME}`, resolved only when the browser needs them,
so passwords stay out of files, the database and every view. Secrets (cookie values, proxy
passwords, header values that look like credentials) are masked wherever a `Fetch` is shown.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import Any, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, field_validator

from scraper.base.envref import ENV_REF, env_names, resolve_env

MASK = "••••••"
# Whether a page needs the browser (docs/fetch.md, "Render modes"): `auto` tries a plain HTTP fetch
# beside a render and keeps it while the two give the same record; `always` renders, `never`
# fetches plainly.
RenderMode = Literal["auto", "always", "never"]
RENDER_MODES: tuple[str, ...] = ("auto", "always", "never")
# A header whose name says it carries a credential: its value is a secret.
_SECRET_HEADER = re.compile(r"auth|token|secret|key|session|passw|cookie|signature", re.I)
_AUTH_SCHEME = re.compile(r"Bearer|Basic|Token|Digest", re.I)  # not secret: what follows is
_HEADER_NAME = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")  # an RFC 9110 token
_COOKIE_NAME = _HEADER_NAME
_LOCALE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
_VIEWPORT = re.compile(r"^\s*(\d{2,5})\s*[x×]\s*(\d{2,5})\s*$")
PROXY_SCHEMES = ("http", "https", "socks5")


def is_secret_header(name: str) -> bool:
    return bool(_SECRET_HEADER.search(name))


def shown(value: str, secret: bool) -> str:
    """A value for a view: a reference to the environment is no secret, a written-out secret is
    masked (`Bearer ${ENV:TOKEN}` stays; `Bearer abc123` becomes `••••••`)."""
    if not secret:
        return value
    parts = ENV_REF.split(value)  # literal, name, literal, name, …, literal
    return "".join(f"${{ENV:{p}}}" if i % 2 else _mask_literal(p) for i, p in enumerate(parts))


def _mask_literal(text: str) -> str:
    word = text.strip()
    return text if not word or _AUTH_SCHEME.fullmatch(word) else text.replace(word, MASK)


def proxy_parts(proxy: str) -> dict[str, str]:
    """A proxy URL as Playwright wants it: server, and username/password when the URL has them."""
    parts = urlsplit(proxy)
    server = f"{parts.scheme}://{parts.hostname}" + (f":{parts.port}" if parts.port else "")
    found = {"server": server}
    if parts.username:
        found["username"] = parts.username
    if parts.password:
        found["password"] = parts.password
    return found


def shown_proxy(proxy: str) -> str:
    parts = urlsplit(proxy)
    if parts.password is None or ENV_REF.fullmatch(parts.password):
        return proxy
    netloc = f"{parts.username}:{MASK}@{parts.netloc.rsplit('@', 1)[1]}"
    return parts._replace(netloc=netloc).geturl()


def viewport_size(viewport: str) -> tuple[int, int]:
    m = _VIEWPORT.match(viewport)
    assert m, viewport
    return int(m.group(1)), int(m.group(2))


class Fetch(BaseModel):
    """Fetch settings; every field optional (None / empty: the default applies)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    user_agent: str | None = None
    headers: dict[str, str] = {}
    cookies: dict[str, str] = {}
    proxy: str | None = None
    locale: str | None = None
    timezone: str | None = None
    viewport: str | None = None  # WIDTHxHEIGHT
    # Cookies and local storage kept between checks, in a file of the watch's own (never in the
    # database); with `logged_in`, the watch's steps (its login) run only when that selector is
    # not on the page.
    keep_session: bool = False
    logged_in: str | None = None

    @field_validator("user_agent")
    @classmethod
    def _user_agent(cls, value: str | None) -> str | None:
        if value is not None and (not value.strip() or "\n" in value or "\r" in value):
            raise ValueError("a user agent is one non-empty line")
        return value

    @field_validator("headers")
    @classmethod
    def _headers(cls, value: dict[str, str]) -> dict[str, str]:
        for name, text in value.items():
            if not _HEADER_NAME.match(name):
                raise ValueError(f"{name!r} is not a valid header name")
            if "\n" in text or "\r" in text:
                raise ValueError(f"header {name}: a value is one line")
        return value

    @field_validator("cookies")
    @classmethod
    def _cookies(cls, value: dict[str, str]) -> dict[str, str]:
        for name, text in value.items():
            if not _COOKIE_NAME.match(name):
                raise ValueError(f"{name!r} is not a valid cookie name")
            if any(c in text for c in ";\r\n"):
                raise ValueError(f"cookie {name}: a value holds no ';' and no line break")
        return value

    @field_validator("proxy")
    @classmethod
    def _proxy(cls, value: str | None) -> str | None:
        if value is None:
            return value
        parts = urlsplit(value)
        if parts.scheme not in PROXY_SCHEMES or not parts.hostname:
            raise ValueError("give a proxy URL such as http://proxy.example:3128 or "
                             "socks5://127.0.0.1:1080 (http, https or socks5)")
        try:
            parts.port  # noqa: B018  (it raises on a port out of range)
        except ValueError as exc:
            raise ValueError(f"bad proxy port: {exc}") from None
        return value

    @field_validator("locale")
    @classmethod
    def _locale(cls, value: str | None) -> str | None:
        if value is not None and not _LOCALE.match(value):
            raise ValueError("not a locale such as en-GB or fr-FR")
        return value

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str | None) -> str | None:
        if value is None:
            return value
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("not a time zone such as Europe/Paris or UTC") from None
        return value

    @field_validator("viewport")
    @classmethod
    def _viewport(cls, value: str | None) -> str | None:
        if value is None:
            return value
        m = _VIEWPORT.match(value)
        if not m or not (200 <= int(m.group(1)) <= 10000 and 200 <= int(m.group(2)) <= 10000):
            raise ValueError("give WIDTHxHEIGHT in pixels, each 200 to 10000, e.g. 1280x800")
        return f"{int(m.group(1))}x{int(m.group(2))}"

    @field_validator("logged_in")
    @classmethod
    def _logged_in(cls, value: str | None) -> str | None:
        if value is not None and (not value.strip() or "\n" in value):
            raise ValueError("give one CSS selector, found on the page only when logged in")
        return value

    def over(self, base: Fetch) -> Fetch:
        """These settings laid over `base`: a value set here wins; headers and cookies merge by name."""
        mine = self.model_dump(exclude_defaults=True)
        merged: dict[str, Any] = {**base.model_dump(exclude_defaults=True), **mine}
        for key in ("headers", "cookies"):
            merged[key] = {**getattr(base, key), **getattr(self, key)}
        return Fetch.model_validate(merged)

    def resolved(self, environ: Mapping[str, str] | None = None) -> Fetch:
        """Every `${ENV:NAME}` replaced by its value: only for the browser, never for a view."""

        def r(value: str, where: str) -> str:
            return resolve_env(value, where, environ)

        return self.model_copy(update={
            "user_agent": self.user_agent and r(self.user_agent, "user_agent"),
            "headers": {k: r(v, f"headers.{k}") for k, v in self.headers.items()},
            "cookies": {k: r(v, f"cookies.{k}") for k, v in self.cookies.items()},
            "proxy": self.proxy and r(self.proxy, "proxy"),
        })

    def missing_env(self, environ: Mapping[str, str] | None = None) -> list[str]:
        """`where: NAME` for each referenced variable that is not set."""
        env = os.environ if environ is None else environ
        values = {"user_agent": self.user_agent or "", "proxy": self.proxy or "",
                  **{f"headers.{k}": v for k, v in self.headers.items()},
                  **{f"cookies.{k}": v for k, v in self.cookies.items()}}
        return [f"{where}: {name}" for where, value in values.items()
                for name in env_names(value) if name not in env]

    def secret_literals(self) -> list[tuple[str, str]]:
        """(key, what) for each secret written out rather than named by `${ENV:NAME}`."""
        found = [("cookies", f"cookie {k}") for k, v in self.cookies.items() if not _only_refs(v)]
        found += [("headers", f"header {k}") for k, v in self.headers.items()
                  if is_secret_header(k) and not _only_refs(v, allow_scheme=True)]
        password = urlsplit(self.proxy).password if self.proxy else None
        if password is not None and not ENV_REF.fullmatch(password):
            found.append(("proxy", "the proxy password"))
        return found

    def for_view(self) -> dict[str, Any]:
        """The settings that are set, with every secret masked."""
        data = self.model_dump(exclude_defaults=True)
        if self.headers:
            data["headers"] = {k: shown(v, is_secret_header(k)) for k, v in self.headers.items()}
        if self.cookies:
            data["cookies"] = {k: shown(v, True) for k, v in self.cookies.items()}
        if self.proxy:
            data["proxy"] = shown_proxy(self.proxy)
        return data


def _only_refs(value: str, *, allow_scheme: bool = False) -> bool:
    """True when the secret part of `value` comes from the environment (`Bearer ${ENV:T}` too)."""
    rest = ENV_REF.sub("", value).strip()
    if allow_scheme and _AUTH_SCHEME.fullmatch(rest):
        rest = ""
    return bool(env_names(value)) and not rest
