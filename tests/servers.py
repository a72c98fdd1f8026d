"""A test's own server (a socketserver: http.server's and the like) on a thread of the test process,
shut down, closed and joined on the way out, whatever the test did."""

from __future__ import annotations

import socketserver
import threading
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def serving(server: socketserver.BaseServer, name: str, poll: float = 0.5) -> Iterator[None]:
    """`server` answering on a thread named `name`; `poll`: how often it looks for its shutdown."""
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": poll}, name=name,
                              daemon=True)
    thread.start()
    try:
        yield
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
