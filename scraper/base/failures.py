"""One place that turns any exception from a check into a classified, escaped failure.

A check can end in many ways (a timeout, a refused connection, an HTTP error, Chromium killed, a
renderer crash, a broken profile, a locked or full database, a bug). Each becomes a `Failure`: a
kind a program can act on and one short line a person can read, with the reason and the URL, not
the name of the Playwright call. Outside text (reason phrases, URLs) is escaped here, once, so
whatever stores or prints the message cannot be made to emit terminal control sequences.

Chromium's network error codes are said in a person's words: `cannot load URL: the server refused
the connection (net::ERR_CONNECTION_REFUSED)`, not `Page.goto: net::ERR_CONNECTION_REFUSED at URL`.
It sits in base/ because every layer meets failures: the browser classifies a failed navigation,
the pipeline a failed check, the store a locked or full database.
"""

from __future__ import annotations

import errno
import re
from dataclasses import dataclass
from typing import Literal, get_args

from scraper.base.errors import InputError, JobFailed, ScraperError
from scraper.base.terminal import safe_line

FailureKind = Literal["timeout", "network", "http", "browser", "page", "profile", "storage"]
FAILURE_KINDS: tuple[str, ...] = get_args(FailureKind)

# The codes a page load meets in practice (chromium/src/net/base/net_error_list.h).
REASONS = {
    "ERR_CONNECTION_REFUSED": "the server refused the connection (is anything listening there?)",
    "ERR_CONNECTION_RESET": "the server reset the connection",
    "ERR_CONNECTION_CLOSED": "the server closed the connection without answering",
    "ERR_EMPTY_RESPONSE": "the server closed the connection without answering",
    "ERR_CONNECTION_TIMED_OUT": "the connection timed out",
    "ERR_TIMED_OUT": "the request timed out",
    "ERR_CONNECTION_FAILED": "the connection failed",
    "ERR_NAME_NOT_RESOLVED": "the host name does not resolve (a typo, or no DNS?)",
    "ERR_NAME_RESOLUTION_FAILED": "the host name could not be looked up (no DNS?)",
    "ERR_ADDRESS_UNREACHABLE": "the address is unreachable",
    "ERR_ADDRESS_INVALID": "the address is not valid",
    "ERR_INTERNET_DISCONNECTED": "there is no network connection",
    "ERR_NETWORK_CHANGED": "the network changed during the request",
    "ERR_NETWORK_ACCESS_DENIED": "network access was denied (a firewall?)",
    "ERR_UNSAFE_PORT": "the browser refuses that port (it belongs to another protocol)",
    "ERR_TOO_MANY_REDIRECTS": "the page redirects in a loop",
    "ERR_INVALID_REDIRECT": "the page redirects to an invalid address",
    "ERR_UNSAFE_REDIRECT": "the page redirects to an address the browser refuses",
    "ERR_INVALID_RESPONSE": "the server's answer is not valid HTTP",
    "ERR_INVALID_HTTP_RESPONSE": "the server's answer is not valid HTTP",
    "ERR_RESPONSE_HEADERS_TOO_BIG": "the server's answer has headers too large to read",
    "ERR_CONTENT_DECODING_FAILED": "the server's answer could not be decoded (bad compression)",
    "ERR_HTTP2_PROTOCOL_ERROR": "the server broke the HTTP/2 protocol",
    "ERR_SSL_PROTOCOL_ERROR": "the TLS handshake failed",
    "ERR_SSL_VERSION_OR_CIPHER_MISMATCH": "the server's TLS version or ciphers are not supported",
    "ERR_CERT_AUTHORITY_INVALID": "the site's TLS certificate is not trusted (self-signed?)",
    "ERR_CERT_COMMON_NAME_INVALID": "the site's TLS certificate is for another host name",
    "ERR_CERT_DATE_INVALID": "the site's TLS certificate has expired or is not valid yet",
    "ERR_CERT_REVOKED": "the site's TLS certificate has been revoked",
    "ERR_CERT_INVALID": "the site's TLS certificate is invalid",
    "ERR_PROXY_CONNECTION_FAILED": "the proxy cannot be reached",
    "ERR_TUNNEL_CONNECTION_FAILED": ("the proxy could not open a connection to the site "
                                     "(with SCRAPER_BLOCK_PRIVATE: a private address?)"),
    "ERR_PROXY_AUTH_UNSUPPORTED": "the proxy asks for a kind of login the browser cannot give",
    "ERR_PROXY_CERTIFICATE_INVALID": "the proxy's TLS certificate is invalid",
    "ERR_NO_SUPPORTED_PROXIES": "no usable proxy (check the proxy URL)",
    "ERR_SOCKS_CONNECTION_FAILED": "the SOCKS proxy could not connect to the site",
    "ERR_BLOCKED_BY_CLIENT": "the request was blocked (SCRAPER_BLOCK_PRIVATE or a block: list)",
    "ERR_BLOCKED_BY_RESPONSE": "the site forbids being shown this way",
    "ERR_ABORTED": "the load was aborted (a download, or the page stopped it)",
    "ERR_FILE_NOT_FOUND": "the file does not exist",
}


def net_reason(code: str) -> str:
    """A person's words for one `ERR_…` code."""
    return REASONS.get(code, code.removeprefix("ERR_").replace("_", " ").lower())

# "Page.goto: net::ERR_X at URL" -> "net::ERR_X at URL": the API call's name helps nobody.
_API_PREFIX = re.compile(r"^(?:[A-Z]\w*\.)?\w+: ")
_NET_ERROR = re.compile(r"net::(ERR_[A-Z0-9_]+)")
_BROWSER_GONE = ("has been closed", "browser closed", "connection closed", "target closed",
                 "browser has disconnected", "executable doesn't exist", "failed to launch")
_NOSPACE = (errno.ENOSPC, errno.EDQUOT)


@dataclass(frozen=True)
class Failure:
    kind: FailureKind
    message: str  # one line, escaped

    def __str__(self) -> str:
        return f"{self.message} ({self.kind})"


class Classified(JobFailed):
    """A failure already classified (a check that failed, recorded or not): it keeps its kind."""

    def __init__(self, failure: Failure) -> None:
        super().__init__(str(failure), failure.kind)  # the message with its kind
        self.failure = failure


def classify(exc: BaseException, url: str | None = None) -> Failure:
    """The kind and the one-line message for `exc`, raised while checking `url`."""
    kind, message = _classify(exc)
    if url and url not in message:
        message = f"{'cannot load ' if kind == 'network' else ''}{url}: {message}"
    return Failure(kind, safe_line(message))


def _classify(exc: BaseException) -> tuple[FailureKind, str]:
    if isinstance(exc, Classified):
        return exc.failure.kind, exc.failure.message
    if isinstance(exc, JobFailed):
        kind = exc.kind if exc.kind in FAILURE_KINDS else "page"
        return kind, str(exc)  # type: ignore[return-value]
    if isinstance(exc, InputError):
        return "profile", str(exc)
    if isinstance(exc, ScraperError):  # BrowserNotFound and the like: the browser cannot start
        return "browser", str(exc)
    if isinstance(exc, TimeoutError):
        return "timeout", str(exc) or "timed out"
    if (found := _playwright(exc)) is not None:
        return found
    if (found := _database(exc)) is not None:
        return found
    if isinstance(exc, OSError) and exc.errno in _NOSPACE:
        return "storage", f"no space left on the device ({exc.filename or 'disk'})"
    if isinstance(exc, OSError):
        return "storage", f"{exc.strerror or exc} ({exc.filename or 'file system'})"
    if isinstance(exc, MemoryError):
        return "page", "out of memory while reading the page"
    return "page", f"unexpected {type(exc).__name__}: {exc}"


def _playwright(exc: BaseException) -> tuple[FailureKind, str] | None:
    from playwright.async_api import Error as PlaywrightError
    from playwright.async_api import TimeoutError as PlaywrightTimeout

    if not isinstance(exc, PlaywrightError):
        return None
    text = _API_PREFIX.sub("", exc.message.splitlines()[0] if exc.message else str(exc))
    lowered = text.lower()
    if isinstance(exc, PlaywrightTimeout):
        return "timeout", text
    if net := _NET_ERROR.search(text):
        return "network", f"{net_reason(net.group(1))} ({net.group(1)})"
    if "crash" in lowered:
        return "page", "the page crashed (renderer killed, often out of memory)"
    if "navigating" in lowered or "execution context was destroyed" in lowered:
        return "page", "the page kept navigating while it was read"
    if any(sign in lowered for sign in _BROWSER_GONE):
        return "browser", f"the browser went away during the check ({text})"
    return "page", text


def _database(exc: BaseException) -> tuple[FailureKind, str] | None:
    import sqlite3

    from sqlalchemy.exc import DBAPIError

    orig = exc.orig if isinstance(exc, DBAPIError) else exc
    if not isinstance(orig, sqlite3.Error) and not isinstance(exc, DBAPIError):
        return None
    text = str(orig).splitlines()[0] if str(orig) else type(orig).__name__
    if "locked" in text or "busy" in text:
        return "storage", f"the database stayed locked by another process ({text})"
    if "full" in text:
        return "storage", f"the disk is full ({text})"
    return "storage", f"database error: {text}"


__all__ = ["FAILURE_KINDS", "Classified", "Failure", "FailureKind", "classify"]
