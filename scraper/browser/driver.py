"""Playwright's Node driver, started with a bounded heap.

Node sizes its heap from the machine's memory (gigabytes) and collects lazily, so the driver, which
lives as long as the daemon, grew by ~45 MiB over 1,000 checks while holding no more: with a bound
it stays flat. The bound must hold the largest page's HTML several times over (a page's text passes
through the driver as a string and as a message), hence SCRAPER_DRIVER_HEAP_MIB.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from playwright.async_api import Playwright

_ENV_LOCK = threading.Lock()  # sessions in other threads may start their drivers at the same time


def heap_flag(heap_mib: int, node_options: str) -> str:
    """NODE_OPTIONS with the heap bound added, unless it is 0 or the user's options set one."""
    if heap_mib <= 0 or "--max-old-space-size" in node_options:
        return node_options
    return f"{node_options} --max-old-space-size={heap_mib}".strip()


@contextmanager
def _node_options(value: str) -> Iterator[None]:
    """NODE_OPTIONS set while the driver starts (Playwright copies the environment then)."""
    with _ENV_LOCK:
        before = os.environ.get("NODE_OPTIONS")
        os.environ["NODE_OPTIONS"] = value
        try:
            yield
        finally:
            if before is None:
                os.environ.pop("NODE_OPTIONS", None)
            else:
                os.environ["NODE_OPTIONS"] = before


async def start_driver(heap_mib: int) -> Playwright:
    from playwright.async_api import async_playwright

    options = heap_flag(heap_mib, os.environ.get("NODE_OPTIONS", ""))
    if not options:
        return await async_playwright().start()
    with _node_options(options):
        return await async_playwright().start()
