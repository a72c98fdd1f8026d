"""A one-off capture's browser, started before the command line loads (issue 25).

`scraper capture URL` spends a third of a second importing typer, rich, pydantic and the profiles
before it needs a browser, and Playwright's Node driver as long loading its JavaScript. Started
first, in the session's own thread, the driver and Chromium come up while the rest of the command
loads (two cores: side by side). The command takes the session (`take`); one nobody took (bad
input, a usage error) is closed before the process exits (`discard`), so no browser outlives it.
Then the program leaves at once (`leave`): its output flushed and its browser closed, the
interpreter's teardown of the modules a capture loads (typer, pydantic, Playwright) is a fifth of a
second that nothing needs.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, NoReturn

if TYPE_CHECKING:
    from scraper.browser import BrowserSession

# What makes `capture` something else than one page rendered in this process's own browser.
_NOT_ONE_OFF = frozenset({"--evidence", "--from-file", "-h", "--help"})
_ROOT_EXITS = frozenset({"-V", "--version", "-h", "--help", "--install-completion",
                         "--show-completion"})
_started: BrowserSession | None = None


def one_off_capture(args: list[str]) -> bool:
    """Whether the command line is `scraper [-v] capture …` rendering one page here."""
    args = args[: args.index("--")] if "--" in args else args
    for n, arg in enumerate(args):
        if arg in _ROOT_EXITS:
            return False
        if not arg.startswith("-"):
            return arg == "capture" and not _NOT_ONE_OFF.intersection(args[n + 1:])
    return False


def start(args: list[str]) -> bool:
    """Start the browser now when `args` is a one-off capture (True). Settings that do not load
    start nothing: the command reports them as it would have."""
    global _started
    if not one_off_capture(args):
        return False
    from scraper.base.errors import ScraperError
    from scraper.config.settings import load_settings

    try:
        settings = load_settings()
    except ScraperError:
        return True
    from scraper.browser import BrowserSession

    _started = BrowserSession(settings)
    _started.warm()
    return True


def take() -> BrowserSession | None:
    """The session started for this command (the caller closes it), or None."""
    global _started
    session, _started = _started, None
    return session


def discard() -> None:
    session = take()
    if session is not None:
        session.close()


def leave(code: int) -> NoReturn:
    """Exit with `code` now, the output flushed (call once every browser is closed: nothing else
    runs after this, no atexit handler, no module teardown). Output that cannot be flushed (a
    closed pipe) is exit 120, as Python's own exit says it."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            code = code or 120
    os._exit(code)
