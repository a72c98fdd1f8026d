"""Big pages stay within bounded memory: the peak memory (PSS, see `tree_pss_mib`) of the whole
process tree of one `scraper capture` (Python, Playwright's driver, every Chromium process) on

- a WordPress thread of 20,000 comments (target: all of them extracted, peak under 1 GiB);
- 20 MB of article text (target: refused as "page too large" by `max_html`, peak under 1 GiB);

against the same capture of the ordinary demo page (the baseline of this run). Pages are generated
and served from loopback. Exit status 1 when a target is missed.

    .venv/bin/python benchmarks/big_pages.py
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scraper.browser.memory import tree_pss_mib, tree_rss_mib
from scraper.demo.site import DemoSite

LIMIT_MIB = 1024
COMMENTS = 20_000


def wordpress_thread(count: int) -> str:
    """A classic WordPress comment list: every 5th comment a reply to the one before it."""
    items = []
    for n in range(1, count + 1):
        body = (f'<article id="div-comment-{n}" class="comment-body"><footer class="comment-meta">'
                f'<div class="comment-author vcard"><b class="fn">Reader {n}</b></div>'
                f'<div class="comment-metadata"><time datetime="2024-01-01T10:{n % 60:02d}:00+00:00">'
                f'January 1</time></div></footer><div class="comment-content"><p>Comment number {n}: '
                f'a few words of text, as readers write them.</p></div></article>')
        if n % 5 == 0:
            items[-1] = items[-1].replace("</li>", f'<ol class="children"><li id="comment-{n}" '
                                          f'class="comment">{body}</li></ol></li>')
        else:
            items.append(f'<li id="comment-{n}" class="comment">{body}</li>')
    return ('<!doctype html><html><head><meta name="generator" content="WordPress 6.4">'
            '<title>Big thread</title></head><body><article class="post hentry">'
            '<h1 class="entry-title">A very long thread</h1><div class="entry-content">'
            '<p>The article.</p></div></article><div id="comments"><ol class="comment-list">'
            + "".join(items) + "</ol></div></body></html>")


def huge_text(megabytes: int) -> str:
    words = ("lorem ipsum dolor sit amet consectetur " * (megabytes * 1024 * 1024 // 40)).strip()
    return f"<!doctype html><html><body><article><h1>Huge</h1><p>{words}</p></article></body></html>"


class Pages(BaseHTTPRequestHandler):
    pages: ClassVar[dict[str, bytes]] = {}

    def do_GET(self) -> None:
        data = self.pages.get(self.path)
        self.send_response(200 if data else 404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data or b"")))
        self.end_headers()
        self.wfile.write(data or b"")

    def log_message(self, format: str, *args: object) -> None:
        pass


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a refused page is a connection the browser drops: expected here


def measure(url: str, *extra: str) -> dict[str, object]:
    """Run one capture; sample its process tree every 50 ms; return the peak and the outcome."""
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "scraper", "capture", url, "--json", *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    peak = peak_rss = 0.0
    out: list[bytes] = []
    reader = threading.Thread(target=lambda: out.append(proc.stdout.read() if proc.stdout else b""))
    reader.start()
    while proc.poll() is None:
        peak = max(peak, tree_pss_mib(proc.pid))
        peak_rss = max(peak_rss, tree_rss_mib(proc.pid))
        time.sleep(0.05)  # the sampling period
    reader.join()
    err = proc.stderr.read().decode() if proc.stderr else ""
    result: dict[str, object] = {"exit": proc.returncode, "peak_mib": round(peak),
                                 "peak_rss_sum_mib": round(peak_rss),
                                 "seconds": round(time.perf_counter() - started, 1)}
    if proc.returncode == 0:
        record = json.loads(out[0])
        result["comments"] = len(record["comments"])
    else:
        result["error"] = err.strip().splitlines()[-1] if err.strip() else ""
    return result


def main() -> int:
    Pages.pages = {"/thread": wordpress_thread(COMMENTS).encode(), "/huge": huge_text(20).encode()}
    server = Server(("127.0.0.1", 0), Pages)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    with tempfile.TemporaryDirectory() as home, DemoSite() as demo:
        os.environ["SCRAPER_HOME"] = home
        figures = {
            "demo page (baseline)": measure(demo.article_url),
            f"{COMMENTS:,} comments": measure(base + "/thread", "--profile", "wordpress",
                                              "--deadline", "300"),
            "20 MB of text": measure(base + "/huge", "--deadline", "300"),
        }
    server.shutdown()
    print(json.dumps(figures, indent=2))
    thread, huge = figures[f"{COMMENTS:,} comments"], figures["20 MB of text"]
    ok = (thread.get("comments") == COMMENTS and int(str(thread["peak_mib"])) < LIMIT_MIB
          and "page too large" in str(huge.get("error")) and int(str(huge["peak_mib"])) < LIMIT_MIB)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
