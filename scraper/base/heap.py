"""The heap of a process that runs checks for hours: the daemon (`scraper run`), a browser worker.

What is set up before the first check (the modules, settings, profiles, the database's metadata:
about 125,000 objects) lives as long as the process, yet Python's full collections walked all of it
every few dozen checks: 3 ms of the daemon's ~42 ms of Python a check on the benchmark's article
pages (issue 25, measured by `benchmarks/check_cpu.py`). Frozen once set up, it is left out of them.
"""

from __future__ import annotations

import gc


def freeze_setup() -> None:
    """Leave what exists now out of every later collection (what is garbage now is freed first).
    Call once, when the process is set up and about to run checks."""
    gc.collect()
    gc.freeze()
