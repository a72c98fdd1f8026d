"""A hostile (or just clumsy) site on loopback: pages that navigate while they are read, never
finish loading, answer with terminal escape sequences, or eat memory until the renderer dies.

    with HostileSite() as site:
        site.url("/meta-refresh")

Used by the fault tests and the soak script (`make soak`).
"""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType

# What a server sent as its reason phrase in the report that led to the tests: clear the screen,
# then an OSC 52 write to the clipboard.
LINGER = 0.6  # seconds /linger takes to answer
EVIL_REASON = "Oops\x1b[2J\x1b]52;c;cHduZWQ=\x07"

ARTICLE = """<!doctype html><html><head><title>{title}</title></head><body>
<article><h1 class="entry-title">{title}</h1>
<div class="entry-content"><p>{text}</p></div></article>
<ol class="comment-list"><li class="comment" id="comment-1"><div class="comment-author">
<cite class="fn">Ann</cite></div><div class="comment-content"><p>First.</p></div></li></ol>
</body></html>"""

PAGES: dict[str, str] = {
    "/ok": ARTICLE.format(title="Arrived", text="The page a refresh leads to."),
    "/meta-refresh": '<html><head><meta http-equiv="refresh" content="0;url=/ok"></head>'
                     "<body>Redirecting…</body></html>",
    "/refresh-loop": '<html><head><meta http-equiv="refresh" content="0"></head>'
                     "<body><p>Round and round.</p></body></html>",
    "/js-reload": "<html><body><p>Again.</p>"
                  "<script>addEventListener('load', () => location.reload())</script></body></html>",
    # Every failed image load starts another: the `load` event never fires.
    "/never-loads": ARTICLE.format(title="Never loads", text="The DOM is here all the same.").replace(
        "</body>", '<img src="/missing.png" onerror="this.src=\'/missing.png?\'+Math.random()">'
                   "</body>"),
    # Allocates until the renderer runs out of memory and dies (fast under a small V8 heap).
    "/eat-memory": "<html><body><p>Eating.</p><script>const hoard = [];"
                   "for (;;) hoard.push(new Array(1e6).fill(Math.random()));</script></body></html>",
    # Asks for /gate, which the server holds until the test opens it: a check held mid-render.
    "/gated": ARTICLE.format(title="Gated", text="Waits for the gate.").replace(
        "</body>", "<script>fetch('/gate').then(r => r.text())</script></body>"),
    # Fetches /linger (answered after LINGER seconds): a check of it is in flight that long.
    "/polite": ARTICLE.format(title="Polite", text="Lingers.").replace(
        "</body>", "<script>fetch('/linger?' + location.search.slice(1))</script></body>"),
    "/bidi": ARTICLE.format(title="Bidi \u202etxt.exe", text="Hidden \u202e reversal."),
}


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:
        started = time.monotonic()
        try:
            self._get()
        finally:
            with self.server.requested:
                self.server.log.append((self.path, started, time.monotonic()))

    def _get(self) -> None:
        path = self.path.split("?", 1)[0]
        with self.server.requested:
            self.server.counts[path] = self.server.counts.get(path, 0) + 1
            self.server.requested.notify_all()
        if path == "/flaky":  # 503 while `fail_next` lasts (a server restarting), then a page
            with self.server.requested:
                failing = self.server.fail_next > 0
                self.server.fail_next -= failing
            if failing:
                self.send_response(503, "Service Unavailable")
                self._body(b"<html><body>restarting</body></html>")
                return
            path = "/ok"
        if path == "/linger":  # a slow resource: a check stays in flight this long at least
            time.sleep(LINGER)
            self.send_response(200)
            self._body(b"{}")
            return
        if path == "/error":
            self.send_response(500, EVIL_REASON)
            self._body(b"<html><body>server error</body></html>")
            return
        if path == "/gate":  # answered once the test opens the gate: holds a check mid-render
            if not self.server.gate.is_set():
                with self.server.requested:
                    self.server.counts["/gate (held)"] = self.server.counts.get("/gate (held)", 0) + 1
                    self.server.requested.notify_all()
            self.server.gate.wait(timeout=60)
            self.send_response(200)
            self._body(b"{}")
            return
        if path == "/report.pdf":  # a file the browser saves instead of showing: a download
            data = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
            self.send_response(200)
            self.send_header("Content-Type", "application/pdf")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            return
        page = PAGES.get(path) or self.server.extra.get(path)
        if page is None:
            self.send_response(404)
            self._body(b"not found")
            return
        if page.startswith("REDIRECT "):  # add_page(path, "REDIRECT url"): a 302 to url
            self.send_response(302)
            self.send_header("Location", page.split(" ", 1)[1])
            self._body(b"")
            return
        self.send_response(200)
        self._body(page.encode())

    def _body(self, data: bytes) -> None:
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        pass  # quiet: tests read their own output


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a browser dropping a connection mid-reload (the point of some pages) is no error
    extra: dict[str, str]
    counts: dict[str, int]
    requested: threading.Condition
    gate: threading.Event
    fail_next: int
    log: list[tuple[str, float, float]]


class HostileSite:
    """The pages above on 127.0.0.1, a free port; `extra` adds pages (path -> HTML)."""

    def __init__(self, extra: dict[str, str] | None = None) -> None:
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.extra = dict(extra or {})
        self._server.counts = {}
        self._server.requested = threading.Condition()
        self._server.gate = threading.Event()
        self._server.fail_next = 0
        self._server.log = []
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def gate(self) -> threading.Event:
        """Set it to answer the requests to /gate (pages in GATED ask for it)."""
        return self._server.gate

    def fail(self, times: int) -> None:
        """/flaky answers 503 to its next `times` requests."""
        with self._server.requested:
            self._server.fail_next = times

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    def add_page(self, path: str, html: str) -> None:
        self._server.extra[path] = html

    def requests(self, path: str) -> int:
        with self._server.requested:
            return self._server.counts.get(path, 0)

    def log(self) -> list[tuple[str, float, float]]:
        """Every request answered: (path with query, start, end), time.monotonic()."""
        with self._server.requested:
            return list(self._server.log)

    def wait_for_request(self, path: str, count: int = 1, timeout: float = 60) -> bool:
        """Block until `path` has been asked for `count` times in all (or the timeout)."""
        with self._server.requested:
            return self._server.requested.wait_for(
                lambda: self._server.counts.get(path, 0) >= count, timeout=timeout)

    def __enter__(self) -> HostileSite:
        self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()
