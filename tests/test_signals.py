"""Stop signals are acted on by a thread, never inside the handler (scraper/base/signals.py)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

# Signalled where `Event.wait()` holds the event's own lock: a handler that set the event itself
# would wait for that lock forever. Run in a process of its own, so a regression fails this test
# by its timeout instead of hanging the test run.
WHILE_WAIT_HOLDS_THE_LOCK = textwrap.dedent("""
    import os, queue, signal, threading
    from scraper.base.signals import on_stop_signals
    stop, seen = threading.Event(), queue.Queue()
    before = signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)
    def on_signal(signum):
        seen.put(signal.Signals(signum).name)
        stop.set()
    with on_stop_signals(on_signal):
        with stop._cond:  # what Event.wait() holds for a few bytecodes on every call
            os.kill(os.getpid(), signal.SIGTERM)
            for _ in range(10_000):  # the handler runs between these bytecodes, lock held
                pass
        stopped = stop.wait(60)
        os.kill(os.getpid(), signal.SIGINT)
        names = [seen.get(timeout=60), seen.get(timeout=60)]
    after = signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)
    print(stopped, names, after == before)
""")


def test_a_stop_signal_while_the_stop_event_is_locked_still_stops() -> None:
    done = subprocess.run([sys.executable, "-c", WHILE_WAIT_HOLDS_THE_LOCK], capture_output=True,
                          text=True, timeout=90, check=False)
    assert done.returncode == 0, done.stderr
    # Stopped, each signal seen once in order, and the handlers from before are back.
    assert done.stdout.split("\n")[0] == "True ['SIGTERM', 'SIGINT'] True"
