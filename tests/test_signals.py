"""Stop signals are acted on by a thread, never inside the handler (scraper/base/signals.py)."""

from __future__ import annotations

import signal
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


# The kernel gives a process's signal to any of its threads that does not block it: on waking a
# stopped process (SIGSTOP, a frozen container), the first thread to run takes it. `scraper run`,
# signalled that way, hung now and then: a Python-level handler runs only in the main thread,
# which sat in `stop.wait()` with no timeout and never ran it. Here the main thread blocks SIGTERM,
# so that another thread takes it every time.
ON_ANOTHER_THREAD = textwrap.dedent("""
    import signal, threading
    from scraper.base.signals import on_stop_signals
    stop, idle = threading.Event(), threading.Event()
    threading.Thread(target=idle.wait, daemon=True).start()  # a thread that may take it
    with on_stop_signals(lambda signum: stop.set()):
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})  # the main thread's mask only
        print("waiting", flush=True)
        stop.wait()
    print("stopped")
""")


def test_a_stop_signal_taken_by_another_thread_still_stops() -> None:
    process = subprocess.Popen([sys.executable, "-c", ON_ANOTHER_THREAD], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        assert process.stdout.readline() == "waiting\n"
        process.send_signal(signal.SIGTERM)  # from outside: sent to the process, not a thread
        out, err = process.communicate(timeout=60)
        assert (process.returncode, out) == (0, "stopped\n"), err
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
