"""Doctor: the Playwright install and the Chromium it would drive (found the way a job finds it)."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import threading
from concurrent.futures import Future
from dataclasses import dataclass
from importlib import metadata
from urllib.parse import urlsplit

from scraper.browser.discovery import BrowserNotFound, bundled_path, find_chromium
from scraper.config.settings import Settings
from scraper.doctor.result import Check

# Bounds on every probe: a doctor that hangs is no help. Generous, for a loaded machine.
DRIVER_TIMEOUT = 30.0
VERSION_TIMEOUT = 15.0
CONNECT_TIMEOUT = 5.0

GET_CHROMIUM = (
    "Debian/Ubuntu: `sudo apt-get install chromium` (in a checkout: `scripts/bootstrap.sh`); elsewhere: "
    "`playwright install chromium`; or set SCRAPER_BROWSER to a Chromium or Chrome executable"
)


@dataclass(frozen=True)
class PlaywrightProbe:
    version: str | None  # the installed package's version
    bundled: str | None  # where its own Chromium download would be (the file may not exist)
    error: str | None  # why its driver did not start


def probe_playwright() -> PlaywrightProbe:
    try:
        version: str | None = metadata.version("playwright")
    except metadata.PackageNotFoundError:
        return PlaywrightProbe(None, None, "the playwright package is not installed")
    try:
        return PlaywrightProbe(version, _ask_driver(), None)
    except Exception as exc:  # whatever stops the driver is what the person needs to read
        return PlaywrightProbe(version, None, f"{type(exc).__name__}: {exc}".strip())


def _ask_driver() -> str | None:
    """Start Playwright's driver once, in a thread of its own (the caller may be inside an event
    loop), and ask where its Chromium lives."""

    async def ask() -> str | None:
        from playwright.async_api import async_playwright

        async with async_playwright() as playwright:
            return bundled_path(playwright)

    result: Future[str | None] = Future()

    def work() -> None:
        try:
            result.set_result(asyncio.run(asyncio.wait_for(ask(), DRIVER_TIMEOUT)))
        except BaseException as exc:
            result.set_exception(exc)

    threading.Thread(target=work, name="doctor-playwright", daemon=True).start()
    return result.result(timeout=DRIVER_TIMEOUT + 5)


def check_playwright(probe: PlaywrightProbe) -> Check:
    if probe.version is None or probe.error is not None:
        return Check("playwright", False, probe.error or "not installed",
                     fix="reinstall scraper's dependencies: `pip install -e .` (or `scripts/bootstrap.sh`)",
                     facts={"version": probe.version})
    return Check("playwright", True, f"playwright {probe.version}", facts={"version": probe.version})


def check_browser(settings: Settings, probe: PlaywrightProbe) -> Check:
    if settings.browser_ws:
        return _check_remote(settings.browser_ws)
    try:
        path = find_chromium(settings.browser_path, probe.bundled)
    except BrowserNotFound as exc:
        fix = (f"point SCRAPER_BROWSER at a Chromium executable, or unset it; to get one: {GET_CHROMIUM}"
               if settings.browser_path else GET_CHROMIUM)
        return Check("browser", False, str(exc), fix=fix, facts={"path": None, "version": None})
    try:
        done = subprocess.run([path, "--version"], capture_output=True, text=True,
                              timeout=VERSION_TIMEOUT, check=False)
    except subprocess.TimeoutExpired:
        problem = f"{path} did not answer `--version` within {VERSION_TIMEOUT:g} s"
    except OSError as exc:
        problem = f"{path} does not run: {exc.strerror or exc}"
    else:
        lines = [line.strip() for line in (done.stdout + "\n" + done.stderr).splitlines() if line.strip()]
        if done.returncode == 0 and lines:
            return Check("browser", True, f"{path} ({lines[0]})",
                         facts={"path": path, "version": lines[0]})
        said = lines[-1] if lines else "nothing"
        problem = f"{path} --version exited with {done.returncode}: {said}"
    return Check("browser", False, problem,
                 fix=f"reinstall it, or use another Chromium: {GET_CHROMIUM}",
                 facts={"path": path, "version": None})


def _check_remote(ws: str) -> Check:
    """A browser run elsewhere (SCRAPER_BROWSER_WS): is its host:port listening?"""
    parts = urlsplit(ws)
    # Only scheme, host and port are shown: the path or query may carry an access token.
    try:
        port = parts.port or (443 if parts.scheme in ("wss", "https") else 80)
    except ValueError:
        port = None
    where = f"{parts.scheme}://{parts.hostname}:{port}"
    facts = {"remote": where, "reachable": False}
    if not parts.hostname or port is None:
        return Check("browser", False, "SCRAPER_BROWSER_WS is not a ws://, wss:// or http:// URL",
                     fix="set it to the browser's endpoint, e.g. ws://127.0.0.1:3000/", facts=facts)
    try:
        with socket.create_connection((parts.hostname, port), timeout=CONNECT_TIMEOUT):
            pass
    except OSError as exc:
        why = exc.strerror or str(exc)
        return Check("browser", False, f"SCRAPER_BROWSER_WS: {where} is not reachable ({why})",
                     fix="start that browser server, or unset SCRAPER_BROWSER_WS to launch a local Chromium",
                     facts=facts)
    return Check("browser", True, f"a remote browser at {where} (SCRAPER_BROWSER_WS; listening)",
                 facts={**facts, "reachable": True})
