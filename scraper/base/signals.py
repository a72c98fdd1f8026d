"""Stop signals (SIGINT, SIGTERM) acted on by a thread of their own, never inside the handler.

A Python signal handler runs in the main thread between two bytecodes, wherever that thread is.
If it is inside `Event.wait()` and holds the event's lock (a few bytecodes, on every call), a
handler that calls `event.set()` waits for that same lock forever: the process ignores the signal
and every one after it. That hung `python -m scraper.demo serve` on a busy machine, signalled as
soon as it printed its address. Here the handler only writes the signal's number to a pipe, which
takes no lock; a thread reads it and calls back, where a lock is safe to take.
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

    def handler(signum: int, frame: FrameType | None) -> None:
        with contextlib.suppress(OSError):
            os.write(write_end, bytes([signum]))

    def relay() -> None:
        while data := os.read(read_end, 64):  # b"" once the block has ended: the write end closed
            for signum in data:
                callback(signum)

    thread = threading.Thread(target=relay, name="stop-signals", daemon=True)
    thread.start()
    previous = {signum: signal.signal(signum, handler) for signum in signals}
    try:
        yield
    finally:
        for signum, old in previous.items():
            signal.signal(signum, old)
        os.close(write_end)
        thread.join(timeout=5)  # callbacks only set events; a daemon thread cannot hold the exit
        if not thread.is_alive():
            os.close(read_end)
