"""Stop signals (SIGINT, SIGTERM) acted on by a thread of their own, never inside the handler.

Two ways a handler that does the work itself loses a signal:
- A Python handler runs in the main thread between two bytecodes, wherever that thread is. If it
  is inside `Event.wait()` and holds the event's lock (a few bytecodes, on every call), a handler
  that calls `event.set()` waits for that same lock forever. That hung `python -m scraper.demo
  serve` on a busy machine, signalled as soon as it printed its address.
- The kernel may deliver a process's signal to any of its threads, for example on waking a
  stopped process (SIGSTOP, a frozen container), where the first thread to run takes it. A Python
  handler then waits for the main thread to run a bytecode, and a main thread blocked in
  `stop.wait()` never does: `scraper run` ignored a SIGTERM sent while it was stopped.

So the signal's number goes to a pipe through `signal.set_wakeup_fd`, written by the C-level
handler in whichever thread the signal lands (the Python-level handler does nothing), and a
thread of ours reads it and calls back, where a lock is safe to take.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Callable, Iterator
from types import FrameType

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


@contextlib.contextmanager
def on_stop_signals(callback: Callable[[int], None],
                    signals: tuple[signal.Signals, ...] = STOP_SIGNALS) -> Iterator[None]:
    """Call `callback(signum)` on a helper thread for each of `signals` while the block runs; the
    previous handlers are back afterwards. Only the main thread can install handlers."""
    read_end, write_end = os.pipe()
    os.set_blocking(write_end, False)  # a handler must never block: a full pipe drops the byte
    wanted = {int(signum) for signum in signals}

    def handler(signum: int, frame: FrameType | None) -> None:
        """Installed so that the signal is caught; the wakeup fd has already carried it."""

    def relay() -> None:
        while data := os.read(read_end, 64):  # b"" once the block has ended: the write end closed
            for signum in data:
                if signum in wanted:  # the wakeup fd carries every caught signal, not only ours
                    callback(signum)

    thread = threading.Thread(target=relay, name="stop-signals", daemon=True)
    thread.start()
    previous = {signum: signal.signal(signum, handler) for signum in signals}
    previous_fd = signal.set_wakeup_fd(write_end, warn_on_full_buffer=False)
    try:
        yield
    finally:
        for signum, old in previous.items():
            signal.signal(signum, old)
        signal.set_wakeup_fd(previous_fd)
        os.close(write_end)
        thread.join(timeout=5)  # callbacks only set events; a daemon thread cannot hold the exit
        if not thread.is_alive():
            os.close(read_end)
