"""`scraper run` on a real terminal (a pty): the live panel and the check lines share the screen,
and neither waits on the other for ever (issue 20: a line printed under the printer's lock redrew
the panel, which took that same lock, and the daemon hung at its first check)."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

from scraper.demo.site import DemoSite
from scraper.store import make_engine
from tests.processes import run_ok
from tests.test_scheduler import every_second

pytestmark = pytest.mark.browser

WAIT = 180.0  # seconds: the bound on the whole wait for the checks, should the daemon hang
CHECKS = 3  # of each watch
_ESCAPES = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07|\r")


def _checks(screen: str, name: str) -> int:
    """How many check lines of watch `name` the terminal got (`12:03:06  a  ok  1.2s  …`)."""
    return len(re.findall(rf"\d\d:\d\d:\d\d  {name}  (?:baseline|ok|pending)  ", screen))


@pytest.mark.timeout(WAIT + 180)  # its own bounds speak first: WAIT for the checks, 2 × 60 s to stop
def test_scraper_run_on_a_terminal_keeps_checking_and_stops_on_sigterm(
    demo_site: DemoSite, tmp_path: Path,
) -> None:
    env = {**os.environ, "SCRAPER_HOME": str(tmp_path / "home"), "TERM": "xterm-256color",
           "COLUMNS": "200", "LINES": "50"}
    env.pop("NO_COLOR", None)
    scraper = [sys.executable, "-m", "scraper"]
    for name in ("a", "b"):
        run_ok([*scraper, "watch", "add", demo_site.article_url, "--every", "5s", "--name",
                name, "--allow-duplicate"], env=env)
    engine = make_engine(f"sqlite:///{tmp_path / 'home' / 'scraper.db'}")
    for watch_id in (1, 2):  # a check a second, not every 5 s: the screen is the same, sooner
        every_second(engine, watch_id)
    engine.dispose()
    parent, child = pty.openpty()
    fcntl.ioctl(child, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 200, 0, 0))
    proc = subprocess.Popen([*scraper, "run", "--workers", "2"], env=env, stdin=child,
                            stdout=child, stderr=child, close_fds=True, start_new_session=True)
    os.close(child)
    screen = ""
    try:
        deadline = time.monotonic() + WAIT
        # Read what the terminal shows until each watch has had its checks (or the bound).
        while min(_checks(screen, "a"), _checks(screen, "b")) < CHECKS:
            left = deadline - time.monotonic()
            assert left > 0, f"the checks stopped coming:\n{screen[-3000:]}"
            ready, _, _ = select.select([parent], [], [], left)
            if ready:
                try:
                    chunk = os.read(parent, 65536)
                except OSError:  # EIO: the process ended and closed the terminal
                    chunk = b""
                assert chunk, f"scraper run ended early ({proc.poll()}):\n{screen[-3000:]}"
                screen += _ESCAPES.sub("", chunk.decode(errors="replace"))
        assert "checks," in screen  # the live panel was drawn meanwhile
        proc.send_signal(signal.SIGTERM)
        # Keep reading so that the process never blocks on a full terminal while it stops.
        while True:
            ready, _, _ = select.select([parent], [], [], 60)
            if not ready:
                break
            try:
                if not os.read(parent, 65536):
                    break
            except OSError:
                break
        assert proc.wait(timeout=60) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(parent)
