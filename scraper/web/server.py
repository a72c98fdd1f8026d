"""`scraper serve`: the dashboard on uvicorn, loopback only unless an admin password is set, with
the scheduler in the same process when asked (as `scraper run` runs it)."""

from __future__ import annotations

import signal
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from scraper.base.errors import InputError
from scraper.config.settings import Settings
from scraper.web.security import is_loopback


def check_bind(host: str, settings: Settings) -> None:
    """Refuse to listen beyond loopback without authentication: anyone on the network could watch
    any URL from this machine, and read everything it captured."""
    if not is_loopback(host) and settings.admin_password is None:
        raise InputError(f"--host {host}: not a loopback address, and no authentication is "
                         "configured; set SCRAPER_ADMIN_PASSWORD (and create API tokens with "
                         "`scraper token create`), or serve on 127.0.0.1")


def bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Accepted connections inherit it: uvicorn writes a response's head and body apart, and on a
    # kept-alive connection Nagle's algorithm would hold the body for the client's delayed ACK
    # (40 ms a response). uvicorn sets it on sockets it binds itself, not on one handed to it.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        sock.bind((host.strip("[]"), port))
    except OSError as exc:
        sock.close()
        raise InputError(f"--host {host} --port {port}: cannot listen there ({exc.strerror})") from None
    # Listening now, not when uvicorn starts: once the address is announced, a client that connects
    # waits in the backlog instead of being refused.
    sock.listen(128)
    return sock


def _quiet_server(config: Any) -> Any:
    import uvicorn

    class Server(uvicorn.Server):
        @contextmanager
        def capture_signals(self) -> Iterator[None]:
            # As uvicorn's, without raising the signal again after the graceful stop: the scheduler
            # and the browser are still to be shut down, and a clean stop exits 0 (as `run` does).
            previous = {sig: signal.signal(sig, self.handle_exit) for sig in (signal.SIGINT, signal.SIGTERM)}
            try:
                yield
            finally:
                for sig, handler in previous.items():
                    signal.signal(sig, handler)

    return Server(config)


def serve_in_thread(app: Any) -> tuple[Any, threading.Thread, str]:
    """Serve `app` from a thread on a free loopback port (tests, benchmarks, the screenshot):
    (the uvicorn server, its thread, its base URL), once it accepts connections."""
    import uvicorn

    sock = bind("127.0.0.1", 0)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    give_up = time.monotonic() + 30
    while not server.started:  # uvicorn's own flag, set once it listens
        if not thread.is_alive() or time.monotonic() > give_up:
            raise RuntimeError("the dashboard did not start")
        time.sleep(0.02)
    return server, thread, f"http://127.0.0.1:{sock.getsockname()[1]}"


def serve(settings: Settings, host: str, port: int, *, with_scheduler: bool,
          announce: Callable[[str], None]) -> None:
    import uvicorn

    from scraper.browser import BrowserSession
    from scraper.store import open_db
    from scraper.web.app import create_app

    check_bind(host, settings)
    sock = bind(host, port)
    engine = open_db(settings)
    browser = BrowserSession(settings) if with_scheduler else None
    scheduler = None
    if browser is not None:
        from scraper.daemon.console import CheckPrinter
        from scraper.daemon.scheduler import WatchScheduler

        # A line per check, as `scraper run` prints them (no live panel: uvicorn logs too).
        scheduler = WatchScheduler(engine, browser, settings=settings,
                                   on_check=CheckPrinter(live=False))
        scheduler.start()
    app = create_app(settings, engine, loopback=is_loopback(host), browser=browser)
    shown = f"[{host}]" if ":" in host else host
    announce(f"dashboard on http://{shown}:{sock.getsockname()[1]}/"
             + (" with the scheduler" if scheduler else "") + "; Ctrl-C to stop")
    config = uvicorn.Config(app, log_level="warning", proxy_headers=True, server_header=False,
                            forwarded_allow_ips="127.0.0.1")
    try:
        _quiet_server(config).run(sockets=[sock])
    finally:
        sock.close()
        if scheduler is not None:
            scheduler.shutdown()
        if browser is not None:
            browser.close()
