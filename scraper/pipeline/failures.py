"""One place that turns any exception from a check into a classified, escaped failure.

A check can end in many ways (a timeout, a refused connection, an HTTP error, Chromium killed, a
renderer crash, a broken profile, a locked or full database, a bug). Each becomes a `Failure`: a
kind a program can act on and one short line a person can read, with the reason and the URL, not
the name of the Playwright call. Outside text (reason phrases, URLs) is escaped here, once, so
whatever stores or prints the message cannot be made to emit terminal control sequences.
"""

from __future__ import annotations

import errno
import re
from dataclasses import dataclass
from typing import Literal, get_args

from scraper.base.errors import InputError, JobFailed, ScraperError
from scraper.base.terminal import safe_line
from scraper.pipeline.neterrors import net_reason

FailureKind = Literal["timeout", "network", "http", "browser", "page", "profile", "storage"]
FAILURE_KINDS: tuple[str, ...] = get_args(FailureKind)

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
