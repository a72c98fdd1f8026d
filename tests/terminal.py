"""Running the real `scraper` in a terminal (a pty): for what only happens on one (questions,
pagers). Reads wait for output, bounded; nothing sleeps."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time

SCRAPER = os.path.join(os.path.dirname(sys.executable), "scraper")


def in_terminal(args: list[str], env: dict[str, str], *, answer: tuple[bytes, bytes] | None = None,
                timeout: float = 120.0) -> tuple[int, str]:
    """Run `scraper ARGS` on a pty; when `answer` = (prompt, reply) and the prompt shows, type the
    reply. The exit code and everything the terminal showed."""
    from tests.processes import stop

    leader, follower = pty.openpty()
    process = subprocess.Popen([SCRAPER, *args], stdin=follower, stdout=follower, stderr=follower,
                               env=env, close_fds=True)
    os.close(follower)
    shown = b""
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([leader], [], [], deadline - time.monotonic())
            if not ready:
                break
            try:
                data = os.read(leader, 65536)
            except OSError:  # the other end closed: the process is done
                break
            if not data:
                break
            shown += data
            if answer is not None and answer[0] in shown:
                os.write(leader, answer[1])
                answer = None
        code = process.wait(timeout=30)
    finally:
        stop(process)
        os.close(leader)
    return code, shown.decode(errors="replace")
