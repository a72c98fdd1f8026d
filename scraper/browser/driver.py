"""Playwright's Node driver, started with a bounded heap.

Node sizes its heap from the machine's memory (gigabytes) and collects lazily, so the driver, which
lives as long as the daemon, grew by ~45 MiB over 1,000 checks while holding no more: with a bound
it stays flat. The bound must hold the largest page's HTML several times over (a page's text passes
through the driver as a string and as a message), hence SCRAPER_DRIVER_HEAP_MIB.

The bound goes into the driver's own environment, given to its process when it is spawned: the
process's environment is never changed (sessions in other threads start drivers of their own), so
nothing is locked. Playwright has no option for the driver's environment (its pipe transport
copies `os.environ`), so this session's transport spawns the driver itself, as Playwright does:
first, before Playwright's client is imported, and with Node's compile cache.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from pathlib import Path
from typing import TYPE_CHECKING

from loguru import logger

if TYPE_CHECKING:
    from playwright.async_api import Playwright


def heap_flag(heap_mib: int, node_options: str) -> str:
    """NODE_OPTIONS with the heap bound added, unless it is 0 or the user's options set one."""
    if heap_mib <= 0 or "--max-old-space-size" in node_options:
        return node_options
    return f"{node_options} --max-old-space-size={heap_mib}".strip()


def compile_cache() -> Path | None:
    """Where Node keeps the driver's compiled code between runs (NODE_COMPILE_CACHE): loading the
    driver's 7 MB of JavaScript takes a quarter less CPU from the second run on (issue 25). Per
    user, never a shared temporary folder: the cache is code the driver runs. None: no home."""
    try:
        base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    except RuntimeError:
        return None
    return Path(base) / "scraper" / "node-compile-cache"


def driver_env(heap_mib: int) -> dict[str, str]:
    """What the driver's environment adds to the process's: the heap bound, the compile cache
    (unless the user set one of their own)."""
    given = os.environ.get("NODE_OPTIONS", "")
    env = {"NODE_OPTIONS": options} if (options := heap_flag(heap_mib, given)) != given else {}
    if "NODE_COMPILE_CACHE" not in os.environ and (cache := compile_cache()) is not None:
        env["NODE_COMPILE_CACHE"] = str(cache)
    return env


async def start_driver(heap_mib: int) -> Playwright:
    """The driver, spawned first, before Playwright's client is imported: Node loads its
    JavaScript (a third of a second) while this process imports the rest (issue 25)."""
    env = driver_env(heap_mib)
    try:
        process = await _spawn(env)
    except (ImportError, AttributeError) as exc:
        _moved(exc)
        return await _plain()
    try:
        return await _start_with(process)
    except (ImportError, AttributeError, TypeError) as exc:
        _moved(exc)
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        await process.wait()
        return await _plain()


def _moved(exc: Exception) -> None:
    # Playwright's internals moved (a release other than the locked one): the driver runs as
    # Playwright starts it, unbounded, which costs memory over a long run, not correctness.
    logger.warning("the driver starts without its heap bound ({}: {})", type(exc).__name__, exc)


async def _plain() -> Playwright:
    from playwright.async_api import async_playwright

    return await async_playwright().start()


async def _start_with(process: asyncio.subprocess.Process) -> Playwright:
    """As `async_playwright().start()`, on the driver process already spawned."""
    from playwright._impl.out_of_process import PlaywrightClient
    from playwright.async_api import Playwright as AsyncPlaywright
    from playwright.async_api import async_playwright

    manager = async_playwright()
    client = PlaywrightClient()  # its connection starts at the next turn of the loop
    transport = client._transport
    transport.connect = lambda: _adopt(transport, process)  # type: ignore[method-assign]
    manager._client = client  # the manager stops it, once, as for a driver it started itself
    playwright = AsyncPlaywright(await client._playwright)
    playwright.stop = manager.__aexit__  # type: ignore[method-assign]
    return playwright


async def _adopt(transport: object, process: asyncio.subprocess.Process) -> None:
    """`PipeTransport.connect` (playwright/_impl/transport.py), on the process already running."""
    from playwright._impl.transport import PipeTransport

    assert isinstance(transport, PipeTransport)
    transport._stopped_future = asyncio.Future()
    transport._proc = process
    transport._output = process.stdin


async def _spawn(env: dict[str, str]) -> asyncio.subprocess.Process:
    """The driver's process, as `PipeTransport.connect` starts it, with `env` laid over the
    process's environment for the driver only (the process's own is never changed: sessions in
    other threads start drivers of their own)."""
    from playwright._impl._driver import compute_driver_executable, get_driver_env, node_launch_error
    from playwright._impl.transport import _get_stderr_fileno

    executable, entrypoint = compute_driver_executable()
    try:
        return await asyncio.create_subprocess_exec(
            executable, entrypoint, "run-driver",
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            stderr=_get_stderr_fileno(), limit=32768, env={**get_driver_env(), **env},
        )
    except OSError as error:
        raise node_launch_error(executable, error) from error
