"""Playwright's Node driver, started with a bounded heap.

Node sizes its heap from the machine's memory (gigabytes) and collects lazily, so the driver, which
lives as long as the daemon, grew by ~45 MiB over 1,000 checks while holding no more: with a bound
it stays flat. The bound must hold the largest page's HTML several times over (a page's text passes
through the driver as a string and as a message), hence SCRAPER_DRIVER_HEAP_MIB.

The bound goes into the driver's own environment, given to its process when it is spawned: the
process's environment is never changed (sessions in other threads start drivers of their own), so
nothing is locked. Playwright has no option for the driver's environment (its pipe transport
copies `os.environ`), so this session's transport spawns the driver itself, as Playwright does.
"""

from __future__ import annotations

import asyncio
import os
from typing import TYPE_CHECKING

from loguru import logger

if TYPE_CHECKING:
    from playwright.async_api import Playwright


def heap_flag(heap_mib: int, node_options: str) -> str:
    """NODE_OPTIONS with the heap bound added, unless it is 0 or the user's options set one."""
    if heap_mib <= 0 or "--max-old-space-size" in node_options:
        return node_options
    return f"{node_options} --max-old-space-size={heap_mib}".strip()


async def start_driver(heap_mib: int) -> Playwright:
    from playwright.async_api import async_playwright

    given = os.environ.get("NODE_OPTIONS", "")
    options = heap_flag(heap_mib, given)
    if options == given:
        return await async_playwright().start()
    try:
        return await _start_with({"NODE_OPTIONS": options})
    except (ImportError, AttributeError, TypeError) as exc:
        # Playwright's internals moved (a release other than the locked one): the driver runs
        # unbounded, which costs memory over a long run, not correctness.
        logger.warning("the driver starts without its heap bound ({}: {})", type(exc).__name__, exc)
        return await async_playwright().start()


async def _start_with(env: dict[str, str]) -> Playwright:
    """As `async_playwright().start()`, with `env` laid over the environment of the driver only."""
    from playwright._impl.out_of_process import PlaywrightClient
    from playwright.async_api import Playwright as AsyncPlaywright
    from playwright.async_api import async_playwright

    manager = async_playwright()
    client = PlaywrightClient()  # its connection starts at the next turn of the loop
    transport = client._transport
    transport.connect = lambda: _spawn(transport, env)  # type: ignore[method-assign]
    manager._client = client  # the manager stops it, once, as for a driver it started itself
    playwright = AsyncPlaywright(await client._playwright)
    playwright.stop = manager.__aexit__  # type: ignore[method-assign]
    return playwright


async def _spawn(transport: object, env: dict[str, str]) -> None:
    """`PipeTransport.connect` (playwright/_impl/transport.py), with the driver's own `env`."""
    from playwright._impl._driver import compute_driver_executable, get_driver_env, node_launch_error
    from playwright._impl.transport import PipeTransport, _get_stderr_fileno

    assert isinstance(transport, PipeTransport)
    transport._stopped_future = asyncio.Future()
    try:
        executable, entrypoint = compute_driver_executable()
        try:
            transport._proc = await asyncio.create_subprocess_exec(
                executable, entrypoint, "run-driver",
                stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
                stderr=_get_stderr_fileno(), limit=32768, env={**get_driver_env(), **env},
            )
        except OSError as error:
            raise node_launch_error(executable, error) from error
    except Exception as exc:
        transport.on_error_future.set_exception(exc)
        raise
    transport._output = transport._proc.stdin
