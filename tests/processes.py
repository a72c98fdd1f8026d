"""The processes a test starts: a command run to its end that must succeed (a failure shows what
it printed), and stopping the ones left running, by their own handle: politely, then for sure."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any


def run_ok(args: Sequence[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    """`subprocess.run(args, check=True)` with its output captured as text; a command that fails
    fails the test with its exit status and its stderr (which CalledProcessError never shows)."""
    done = subprocess.run(args, capture_output=True, text=True, check=False, **kwargs)
    assert done.returncode == 0, (f"{list(args)} exited {done.returncode}\nstderr:\n{done.stderr}"
                                  f"\nstdout (its end):\n{done.stdout[-2000:]}")
    return done


def stop(process: subprocess.Popen[Any], timeout: float = 10.0) -> None:
    if process.poll() is not None:
        return
    # Workers first (PHP's built-in server forks PHP_CLI_SERVER_WORKERS of them and leaves them
    # running when only it is stopped): their parent reaps them, and none outlives the test.
    for child in descendants(process.pid):
        with contextlib.suppress(ProcessLookupError):
            os.kill(child, signal.SIGTERM)
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=timeout)


def _parents() -> dict[int, tuple[int, str]]:
    """pid -> (parent pid, state letter), for every process /proc shows."""
    table: dict[int, tuple[int, str]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        table[int(entry.name)] = (int(fields[1]), fields[0])
    return table


def descendants(root: int) -> dict[int, str]:
    """Every process below `root` (not `root` itself), with its state letter (Z: zombie)."""
    table = _parents()
    found: dict[int, str] = {}
    frontier = [root]
    while frontier:
        pid = frontier.pop()
        for child, (parent, state) in table.items():
            if parent == pid and child not in found:
                found[child] = state
                frontier.append(child)
    return found


def zombies(root: int) -> list[int]:
    return [pid for pid, state in descendants(root).items() if state == "Z"]


def chromium_browsers(root: int) -> list[int]:
    """The Chromium browser processes (not their renderers or helpers) below `root`."""
    found = []
    for pid, state in descendants(root).items():
        try:
            raw = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        # Chromium's helpers rewrite their command line as one string: look for --type= anywhere.
        if state != "Z" and b"chrom" in raw.split(b"\0")[0] and b"--type=" not in raw:
            found.append(pid)
    return found
