"""Safe by default: response headers, the admin session, CSRF tokens and API bearer tokens.

- Every response carries a Content-Security-Policy that allows only this origin's scripts and
  styles (no inline script at all: htmx is configured through a meta tag), forbids framing, and
  `X-Content-Type-Options: nosniff`.
- Pages: when an admin password is set (the password or its scrypt hash), a session cookie
  (HttpOnly, SameSite=Strict, Secure behind https) after logging in, kept server-side (its hash in
  `web_sessions`) so logging out revokes it; wrong passwords are throttled per client
  (`throttle.py`) and logged; without a password (loopback only) the pages are open.
- Forms: a CSRF cookie (random, HttpOnly, SameSite=Strict) and, in every form and htmx request, the
  HMAC of it under the server's secret, compared in constant time. A cross-site post has neither.
- API: `Authorization: Bearer <token>` only (never a cookie, so no CSRF there), checked against the
  stored hashes.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
from collections.abc import Awaitable, Callable

from fastapi import Request, Response
from starlette.datastructures import FormData

from scraper.base import passwords
from scraper.service import sessions
from scraper.service.tokens import verify

CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}
SESSION_COOKIE = "scraper_session"
CSRF_COOKIE = "scraper_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
SESSION_HOURS = 12
MAX_PASSWORD = 1024  # characters a login form's password may have (scrypt reads all of it)
MAX_FORM_FIELD = 8 << 20  # bytes of one form field Starlette reads at most (its own default: 1 MiB)
MAX_COOKIE = 128  # a session cookie is 43 characters: anything far longer is not one
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class Unauthorized(Exception):
    """No (valid) login for a page, or no (valid) token for the API."""

    def __init__(self, message: str, where: str) -> None:
        super().__init__(message)
        self.where = where


class CsrfRefused(Exception):
    """An unsafe request without this server's CSRF token."""


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class Signer:
    """HMAC-SHA256 under a secret made at start-up: sessions and CSRF tokens end with the process."""

    def __init__(self, secret: bytes | None = None) -> None:
        self.secret = secret or secrets.token_bytes(32)

    def mac(self, value: str) -> str:
        return hmac.new(self.secret, value.encode(), hashlib.sha256).hexdigest()

    def sign(self, value: str) -> str:
        return f"{value}.{self.mac(value)}"

    def unsign(self, signed: str) -> str | None:
        value, _, mac = signed.rpartition(".")
        return value if value and hmac.compare_digest(mac, self.mac(value)) else None


def password_ok(given: str, expected: str) -> bool:
    """`expected`: SCRAPER_ADMIN_PASSWORD, the password or its scrypt hash (constant time)."""
    return passwords.matches(given, expected)


def csrf_token(request: Request) -> str:
    """The token this request's pages put in their forms (a new CSRF cookie is set if needed)."""
    signer: Signer = request.app.state.ctx.signer
    seed = request.cookies.get(CSRF_COOKIE) or getattr(request.state, "csrf_seed", None)
    if seed is None:
        seed = secrets.token_urlsafe(24)
        request.state.csrf_seed = seed
    return signer.mac(seed)


async def read_form(request: Request) -> FormData:
    """The request's form, read once (Starlette keeps it) with a field bound above every option's
    own: a long value reaches the watch checks, which name its field, instead of Starlette's 400
    that names none. Over MAX_FORM_FIELD it is still that 400."""
    return await request.form(max_part_size=MAX_FORM_FIELD)


async def check_csrf(request: Request) -> None:
    """Refuse an unsafe request whose form field or header is not the HMAC of its CSRF cookie."""
    if request.method not in UNSAFE:
        return
    if request.headers.get("sec-fetch-site") == "cross-site":
        raise CsrfRefused()
    seed = request.cookies.get(CSRF_COOKIE)
    given = request.headers.get(CSRF_HEADER)
    if given is None and "form" in request.headers.get("content-type", ""):
        given = str((await read_form(request)).get(CSRF_FIELD) or "")
    signer: Signer = request.app.state.ctx.signer
    if not seed or not given or not hmac.compare_digest(given, signer.mac(seed)):
        raise CsrfRefused()


def require_admin(request: Request) -> None:
    """Pages: a valid session when an admin password is set."""
    ctx = request.app.state.ctx
    if ctx.settings.admin_password is None:
        return
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie or len(cookie) > MAX_COOKIE or not sessions.alive(ctx.engine, cookie):
        raise Unauthorized("log in first", "session")


def require_token(request: Request) -> None:
    """API: a live bearer token."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("a bearer token is needed (`scraper token create NAME`)", "Authorization")
    if verify(request.app.state.ctx.engine, token.strip()) is None:
        raise Unauthorized("the token is unknown or revoked", "Authorization")


def secure_request(request: Request) -> bool:
    base = request.app.state.ctx.settings.base_url or ""
    return request.url.scheme == "https" or base.startswith("https://")


async def headers_middleware(request: Request,
                             call_next: Callable[[Request], Awaitable[Response]]) -> Response:
    response = await call_next(request)
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    seed = getattr(request.state, "csrf_seed", None)
    if seed is not None and CSRF_COOKIE not in request.cookies:
        response.set_cookie(CSRF_COOKIE, seed, httponly=True, samesite="strict",
                            secure=secure_request(request), path="/")
    return response
