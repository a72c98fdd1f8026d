"""The browser edge: what a hostile or unusual page does to a capture, crashes, remote browsers, and
finding a Chromium.

Pages come from tests/sites/static, served by a module-wide loopback server that counts every
request it receives, so a test can prove what Chromium did (or did not) ask for.
"""

from __future__ import annotations

import os
import queue
import re
import select
import signal
import subprocess
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from scraper.browser import BrowserSession, discovery
from scraper.browser.discovery import BrowserNotFound, find_chromium
from scraper.config.settings import Settings, load_settings
from scraper.demo.site import DemoSite
from scraper.model.record import Record
from scraper.pipeline.capture import capture
from tests.processes import chromium_browsers, stop
from tests.servers import serving
from tests.sites import STATIC, seed_record, use_test_profiles

SYSTEM_CHROMIUM = "/usr/bin/chromium"
WAIT = 30.0  # seconds: the bound on every wait for a process or a line; never slept through
# A 1x1 transparent PNG.
PIXEL = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


class StaticSite(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), partial(_Handler, directory=str(STATIC)))
        self.requests: Counter[str] = Counter()
        self.lock = threading.Lock()
        self.download = uuid.uuid4().hex  # the download's file name and content: findable anywhere
        self.served = threading.Event()  # set once the download has been sent

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def count(self, path: str) -> int:
        with self.lock:
            return self.requests[path]


class _Handler(SimpleHTTPRequestHandler):
    server: StaticSite

    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        with self.server.lock:
            self.server.requests[path] += 1
        if path == "/pixel.png":
            self._send(PIXEL, "image/png")
        elif path == "/file.bin":
            body = self.server.download.encode()
            self._send(body, "application/octet-stream",
                       ("Content-Disposition", f'attachment; filename="{self.server.download}.bin"'))
            self.server.served.set()
        elif path == "/served":  # answers once the download has gone out (a bounded long poll)
            self._send(b"yes" if self.server.served.wait(WAIT) else b"no", "text/plain")
        elif path == "/favicon.ico":
            self._send(b"", "image/x-icon")
        else:
            super().do_GET()

    def _send(self, body: bytes, kind: str, *extra: tuple[str, str]) -> None:
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        for name, value in extra:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def end_headers(self) -> None:
        # The script may be reused from Chromium's HTTP cache; pages never are.
        cacheable = urlsplit(self.path).path.endswith(".js")
        self.send_header("Cache-Control", "max-age=600" if cacheable else "no-store")
        super().end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def static_server() -> Iterator[StaticSite]:
    server = StaticSite()
    with serving(server, "static-site", poll=0.05):
        yield server


@pytest.fixture
def site(static_server: StaticSite, monkeypatch: pytest.MonkeyPatch) -> StaticSite:
    """The static site with its request counts cleared, and the test profiles in reach."""
    with static_server.lock:
        static_server.requests.clear()
    static_server.served.clear()
    use_test_profiles(monkeypatch)
    return static_server


def snap(url: str, session: BrowserSession, profile: str) -> Record:
    return capture(url, profile=profile, session=session, settings=load_settings())


# -- hostile pages --

@pytest.mark.browser
def test_dialogs_are_dismissed_and_popups_closed(site: StaticSite, chromium: BrowserSession) -> None:
    record = snap(site.base_url + "/dialogs.html", chromium, "wordpress")
    assert record.article.title == "A page that nags"
    # confirm() was answered "cancel", and the page went on past every dialog.
    assert record.article.paragraphs() == [
        "It asks questions while it loads.", "confirm said false", "after the load dialogs"]
    assert site.count("/popup.html") == 1  # the popup did open (and its own alert did not stall)
    # The popup, closed at once, leaves its requests unfinished: they are not the page's, and the
    # quiet window must not wait for them (it did, for the whole 15 s ready timeout).
    assert record.warnings == [], record.warnings


def _files_named_or_holding(token: str, roots: list[Path], *, deep: bool) -> list[Path]:
    found = []
    for root in roots:
        if not root.is_dir():
            continue
        for path in root.rglob("*") if deep else root.iterdir():
            try:
                if token in path.name or (path.is_file() and path.stat().st_size == len(token)
                                          and path.read_text(errors="replace") == token):
                    found.append(path)
            except OSError:  # vanished or unreadable meanwhile: not ours
                continue
    return found


@pytest.mark.browser
def test_a_clicked_download_writes_no_file(
    site: StaticSite, chromium: BrowserSession, tmp_path: Path
) -> None:
    record = snap(site.base_url + "/download.html", chromium, "static-download")
    assert "download clicked" in record.article.paragraphs()  # the action did click
    assert "download served" in record.article.paragraphs()  # Chromium did ask for the file
    assert site.count("/file.bin") == 1
    # Where a download could land: Chromium's default folder, Playwright's artifact folders (where
    # an accepted download goes, by content under a random name), the working and temp folders.
    tmp = Path(tempfile.gettempdir())
    deep = [Path.home() / "Downloads", tmp_path, *tmp.glob("playwright-artifacts-*")]
    assert _files_named_or_holding(site.download, deep, deep=True) == []
    assert _files_named_or_holding(site.download, [Path.cwd(), tmp], deep=False) == []


@pytest.mark.browser
def test_blocked_images_never_reach_the_server(site: StaticSite, chromium: BrowserSession) -> None:
    url = site.base_url + "/block.html"
    record = snap(url, chromium, "static-block")
    assert record.article.paragraphs() == ["script ran", "fetched again: true"]
    assert site.count("/pixel.png") == 0
    # Blocking leaves Chromium's HTTP cache on: the script's second fetch never reached the server.
    assert site.count("/app.js") == 1
    # The control: without `block`, the same page does ask for the image.
    assert snap(url, chromium, "static-noblock").article.paragraphs() == [
        "script ran", "fetched again: true"]
    assert site.count("/pixel.png") == 1


# -- the browser process --

def _our_browsers() -> set[int]:
    """Chromium main processes started (through Playwright's driver) by this test process."""
    return set(chromium_browsers(os.getpid()))


def _kill_and_wait(pid: int) -> None:
    """SIGKILL `pid` and wait (bounded) until it has exited: a pidfd turns readable at exit."""
    fd = os.pidfd_open(pid)  # opened first, so the pid cannot be reused under us
    try:
        os.kill(pid, signal.SIGKILL)
        readable, _, _ = select.select([fd], [], [], WAIT)
    finally:
        os.close(fd)
    assert readable, f"process {pid} still running {WAIT:g}s after SIGKILL"


@pytest.mark.browser
def test_a_crashed_browser_is_relaunched(demo_site: DemoSite) -> None:
    before = _our_browsers()  # the session-wide browser, if it runs, is not ours to kill
    with BrowserSession(load_settings()) as own:
        first = capture(demo_site.article_url, session=own)
        launched = _our_browsers() - before
        assert len(launched) == 1, launched
        pid = launched.pop()
        _kill_and_wait(pid)
        again = capture(demo_site.article_url, session=own)
        assert again.to_dict() == seed_record(demo_site.article_url, again.fetched_at)
        assert first.comments == again.comments
        relaunched = _our_browsers() - before
        assert len(relaunched) == 1 and pid not in relaunched


def _devtools_url(process: subprocess.Popen[str]) -> str:
    """The `DevTools listening on ws://…` line from Chromium's stderr, waited for with a bound."""
    lines: queue.Queue[str | None] = queue.Queue()

    def pump() -> None:  # keeps draining stderr until Chromium exits, so it never blocks on it
        assert process.stderr is not None
        for line in process.stderr:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=pump, name="chromium-stderr", daemon=True).start()
    deadline, seen = time.monotonic() + WAIT, list[str]()
    while (left := deadline - time.monotonic()) > 0:
        try:
            line = lines.get(timeout=left)
        except queue.Empty:
            break
        if line is None:
            pytest.fail(f"chromium exited ({process.wait()}) before listening:\n{''.join(seen)}")
        seen.append(line)
        if match := re.search(r"DevTools listening on (ws://\S+)", line):
            return match[1]
    pytest.fail(f"chromium did not print its DevTools URL within {WAIT:g}s:\n{''.join(seen)}")


@pytest.mark.browser
def test_capture_through_a_running_browser(demo_site: DemoSite, tmp_path: Path, settings: Settings) -> None:
    if not Path(SYSTEM_CHROMIUM).is_file():
        pytest.skip(f"{SYSTEM_CHROMIUM} is not installed")
    args = [SYSTEM_CHROMIUM, "--headless", "--remote-debugging-port=0",
            f"--user-data-dir={tmp_path / 'profile'}", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1, EXCLUDE localhost"]
    if os.geteuid() == 0:
        args.append("--no-sandbox")  # Chromium refuses to run as root with its sandbox
    process = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True)
    try:
        # Launching would fail: the session connects to the running browser.
        remote_settings = replace(settings, browser_ws=_devtools_url(process),
                                  browser_path="/nonexistent/chromium")
        with BrowserSession(remote_settings) as remote:
            record = capture(demo_site.article_url, session=remote)
        assert record.to_dict() == seed_record(demo_site.article_url, record.fetched_at)
        assert process.poll() is None  # the session disconnected; the browser is not its to stop
    finally:
        stop(process, WAIT)


# -- finding a Chromium (no browser started) --

@pytest.fixture
def no_shell(monkeypatch: pytest.MonkeyPatch) -> None:
    """This machine's own headless shell would win over the fake browsers of these tests."""
    monkeypatch.setattr(discovery, "HEADLESS_SHELLS", ())


def _executable(folder: Path, name: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text("#!/bin/sh\nexit 0\n")
    path.chmod(0o755)
    return path


def test_an_override_that_does_not_exist_is_a_clear_error(tmp_path: Path) -> None:
    missing = tmp_path / "no-chromium"
    with pytest.raises(BrowserNotFound) as failed:
        find_chromium(str(missing), None)
    assert str(failed.value) == f"SCRAPER_BROWSER={missing} is not a file"


def test_an_existing_override_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        no_shell: None) -> None:
    mine = _executable(tmp_path / "mine", "my-chrome")
    bundled = _executable(tmp_path / "bundled", "chrome")
    monkeypatch.setenv("PATH", str(_executable(tmp_path / "bin", "chromium").parent))
    assert find_chromium(str(mine), str(bundled)) == str(mine)
    assert find_chromium(None, str(bundled)) == str(bundled)  # then Playwright's own


def test_the_system_chromium_is_found_on_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        no_shell: None) -> None:
    system = _executable(tmp_path / "bin", "chromium")
    monkeypatch.setenv("PATH", os.pathsep.join([str(tmp_path / "empty"), str(system.parent)]))
    assert find_chromium(None, None) == str(system)
    assert find_chromium(None, str(tmp_path / "no-bundled-chrome")) == str(system)


def test_a_headless_shell_is_preferred_to_a_full_chromium(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shell = _executable(tmp_path / "lib", "chromium-headless-shell")
    monkeypatch.setattr(discovery, "HEADLESS_SHELLS", (str(tmp_path / "none" / "shell"), str(shell)))
    monkeypatch.setenv("PATH", str(_executable(tmp_path / "bin", "chromium").parent))
    bundled = _executable(tmp_path / "bundled", "chrome")
    assert find_chromium(None, str(bundled)) == str(shell)
    mine = _executable(tmp_path / "mine", "my-chrome")
    assert find_chromium(str(mine), str(bundled)) == str(mine)  # SCRAPER_BROWSER still wins


def test_no_chromium_anywhere_says_how_to_get_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_shell: None
) -> None:
    (tmp_path / "empty").mkdir()
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(BrowserNotFound) as failed:
        find_chromium(None, None)
    message = str(failed.value)
    assert "no Chromium found" in message
    assert "apt-get install chromium" in message and "SCRAPER_BROWSER" in message
