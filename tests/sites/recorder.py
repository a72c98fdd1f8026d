"""A loopback site that records what reaches it: headers, cookies, what the page's own script saw
(time zone, window size, language), logins, and requests that came through it as a proxy.

Routes:
    GET  /page              an article whose script reports navigator/Intl values to /probe
    GET  /probe?…           recorded (the page's report)
    GET  /login             a login form: #user, #password, #remember (a select), a submit button
    POST /login             right user and password: a session cookie, then 303 to /members/
    GET  /members/          the members' article with that cookie; else 303 to /login
As a forward proxy (a request for an absolute http:// URL) it asks for Basic credentials first
(407) and then answers as itself, so a page of any host name is served without any network.
"""

from __future__ import annotations

import base64
import secrets
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

USER, PASSWORD = "reader", "correct horse battery staple"
PROXY_USER, PROXY_PASSWORD = "scraper", "proxy-pass-0451"
MEMBERS_TEXT = "The minutes of the closed meeting, for members only."

PAGE = """<!doctype html><html><head><title>Recorded</title></head><body>
<article><h1>A page that reports back</h1><p>It tells the server what the browser says.</p></article>
<script>
  const o = Intl.DateTimeFormat().resolvedOptions();
  fetch("/probe?" + new URLSearchParams({tz: o.timeZone, w: innerWidth, h: innerHeight,
                                          lang: navigator.language, ua: navigator.userAgent}));
</script></body></html>"""
LOGIN = """<!doctype html><html><head><title>Log in</title></head><body><h1>Log in</h1>
<form method="post" action="/login">
  <input id="user" name="user"><input id="password" name="password" type="password">
  <select id="remember" name="remember"><option value="1">1 day</option>
    <option value="30">30 days</option></select>
  <button type="submit">Log in</button>
</form></body></html>"""
MEMBERS = f"""<!doctype html><html><head><title>Members</title></head><body><article>
<h1 class="entry-title">Members' minutes</h1><div class="entry-content"><p>{MEMBERS_TEXT}</p></div>
</article></body></html>"""


@dataclass
class Seen:
    path: str
    headers: dict[str, str]
    via_proxy: bool
    form: dict[str, str] = field(default_factory=dict)


class _Handler(BaseHTTPRequestHandler):
    server: RecorderSite

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self._handle({})

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        form = {k: v[-1] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
        self._handle(form)

    def _handle(self, form: dict[str, str]) -> None:
        via_proxy = self.path.startswith("http://")
        if via_proxy and not self._proxy_authorised():
            self._send(407, "proxy login needed", {"Proxy-Authenticate": 'Basic realm="test"'})
            return
        path = urlsplit(self.path).path
        query = urlsplit(self.path).query
        self.server.record(Seen(path + (f"?{query}" if query else ""), dict(self.headers),
                                via_proxy, form))
        if path == "/page":
            self._send(200, PAGE)
        elif path == "/probe":
            self._send(204, "")
        elif path == "/login" and self.command == "GET":
            self._send(200, LOGIN)
        elif path == "/login":
            if (form.get("user"), form.get("password")) != (USER, PASSWORD):
                self._send(403, "<h1>Wrong user or password</h1>")
                return
            self._send(303, "", {"Location": "/members/",
                                 "Set-Cookie": f"session={self.server.session}; Path=/; HttpOnly"})
        elif path == "/members/":
            if f"session={self.server.session}" in (self.headers.get("Cookie") or ""):
                self._send(200, MEMBERS)
            else:
                self._send(303, "", {"Location": "/login"})
        else:
            self._send(404, "<h1>Not Found</h1>")

    def _proxy_authorised(self) -> bool:
        expected = base64.b64encode(f"{PROXY_USER}:{PROXY_PASSWORD}".encode()).decode()
        return self.headers.get("Proxy-Authorization") == f"Basic {expected}"

    def _send(self, status: int, body: str, headers: dict[str, str] | None = None) -> None:
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)


class RecorderSite(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.session = secrets.token_hex(8)
        self.seen: list[Seen] = []
        self._lock = threading.Condition()
        self._thread = threading.Thread(target=self.serve_forever, name="recorder", daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def record(self, seen: Seen) -> None:
        with self._lock:
            self.seen.append(seen)
            self._lock.notify_all()

    def requests(self, path: str) -> list[Seen]:
        with self._lock:
            return self.requests_locked(path)

    def probe(self, count: int = 1, timeout: float = 30.0) -> dict[str, str]:
        """What the page's script reported, once `count` reports have come (it reports as the
        page loads, which a capture need not wait for)."""
        with self._lock:
            self._lock.wait_for(lambda: len(self.requests_locked("/probe")) >= count, timeout)
            last = self.requests_locked("/probe")[-1]
        return {k: v[-1] for k, v in parse_qs(urlsplit(last.path).query).items()}

    def requests_locked(self, path: str) -> list[Seen]:
        return [s for s in self.seen if s.path.split("?")[0] == path]

    def start(self) -> RecorderSite:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()
        self._thread.join(timeout=10)
