"""The benchmark's site on loopback: N WordPress-style article pages whose comments (20-200 each)
are drawn by JavaScript 300 ms after `load`, from a JSON endpoint, as on WordPress.com; each page
has three images (120 KB each: what resource blocking saves); `next_round()` adds a comment to
every fifth page; `/big/` has 5,000 comments.

The small kind (issue 25), `/small/N/`: a WordPress.com-style article of about 30 KB (ten
paragraphs, a likes widget) whose script fetches its one comment and its likes count from two JSON
endpoints 300 ms after it runs; nothing else loads. Here a check is all fixed cost.

    with BenchSite(pages=20) as site:
        site.urls  # the article pages
        site.small_urls  # the small pages
"""

from __future__ import annotations

import json
import multiprocessing
import random
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from multiprocessing.connection import Connection
from types import TracebackType

BIG_COMMENTS = 5_000
IMAGE = b"\x89PNG\r\n\x1a\n" + bytes(120_000)  # not a valid picture; a real download all the same
PAGE = """<!doctype html><html><head><meta charset="utf-8">
<meta name="generator" content="WordPress 6.4"><title>{title}</title></head>
<body class="single"><article class="post hentry"><h1 class="entry-title">{title}</h1>
<div class="entry-meta"><span class="byline"><span class="author vcard"><a class="fn">Desk</a></span></span>
<time class="entry-date" datetime="2024-05-01T10:00:00+00:00">May 1, 2024</time></div>
<div class="entry-content"><p>{text}</p><p>Second paragraph of the article.</p>
<img src="/img/{n}-1.png"><img src="/img/{n}-2.png"><img src="/img/{n}-3.png"></div></article>
<div id="comments"><h2 class="comments-title"></h2><ol class="comment-list"></ol></div>
<script>
addEventListener("load", () => setTimeout(async () => {{
  const data = await (await fetch("/api/{key}.json", {{cache: "no-store"}})).json();
  const list = document.querySelector("ol.comment-list");
  const esc = (s) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;");
  list.innerHTML = data.map((c) => `<li id="comment-${{c.id}}" class="comment"><article
    class="comment-body"><footer class="comment-meta"><div class="comment-author vcard"><b
    class="fn">${{esc(c.author)}}</b></div><div class="comment-metadata"><time
    datetime="${{c.date}}">${{c.date}}</time></div></footer><div
    class="comment-content"><p>${{esc(c.text)}}</p></div></article></li>`).join("");
  document.querySelector(".comments-title").textContent = data.length + " Responses";
}}, 300));
</script></body></html>"""


# About 2.6 KB a paragraph, as a long-form post's: ten of them and the theme make ~30 KB.
PARAGRAPH = ("<p>" + "The article goes on, sentence after sentence, about the matter at hand. " * 36
             + "</p>\n")
SMALL_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="generator" content="WordPress.com"><title>{title} &#8211; A Blog</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{{font-family:serif;max-width:40em;margin:auto}}.sd-like{{color:#777}}</style></head>
<body class="post-template-default single single-post"><div id="page" class="site">
<header class="site-header"><p class="site-title"><a href="/">A Blog</a></p></header>
<main id="main"><article id="post-{key}" class="post type-post status-publish hentry">
<header class="entry-header"><h1 class="entry-title">{title}</h1>
<div class="entry-meta"><span class="byline"><span class="author vcard"><a class="fn">Desk</a></span></span>
<time class="entry-date published" datetime="2024-05-01T10:00:00+00:00">May 1, 2024</time></div></header>
<div class="entry-content">{paragraphs}</div>
<div class="sharedaddy sd-block sd-like jetpack-likes-widget-wrapper"><h3 class="sd-title">Like this:</h3>
<div class="likes-widget-placeholder post-likes-widget-placeholder"><span class="loading">Loading...</span>
<span class="sd-text-color"></span></div></div></article>
<div id="comments" class="comments-area"><h2 class="comments-title"></h2><ol class="comment-list"></ol>
<div id="respond" class="comment-respond"><h3 class="comment-reply-title">Leave a Reply</h3></div></div>
</main></div>
<script>
setTimeout(async () => {{
  const get = async (url) => (await fetch(url, {{cache: "no-store"}})).json();
  const [data, likes] = await Promise.all([get("/api/small/{key}.json"), get("/api/likes/{key}.json")]);
  const esc = (s) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;");
  document.querySelector(".likes-widget-placeholder .sd-text-color").textContent = likes.count + " likes";
  document.querySelector(".likes-widget-placeholder .loading").remove();
  document.querySelector("ol.comment-list").innerHTML = data.map((c) => `<li id="comment-${{c.id}}"
    class="comment"><article class="comment-body"><footer class="comment-meta"><div
    class="comment-author vcard"><b class="fn">${{esc(c.author)}}</b></div><div
    class="comment-metadata"><time datetime="${{c.date}}">${{c.date}}</time></div></footer><div
    class="comment-content"><p>${{esc(c.text)}}</p></div></article></li>`).join("");
  document.querySelector(".comments-title").textContent = data.length + " thought on this post";
}}, 300);
</script></body></html>"""


SERVED_COMMENT = """<li id="comment-{id}" class="comment"><article class="comment-body"><footer
class="comment-meta"><div class="comment-author vcard"><b class="fn">{author}</b></div><div
class="comment-metadata"><time datetime="{date}">{date}</time></div></footer><div
class="comment-content"><p>{text}</p></div></article></li>"""


def comment(n: int, page: int) -> dict[str, str]:
    return {"id": str(page * 100_000 + n), "author": f"Reader {n}", "date": "2024-05-01T12:00:00+00:00",
            "text": f"Comment {n} on page {page}: a few words, as readers write them."}


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        site = self.server.site
        if path.startswith("/img/"):
            self._send(IMAGE, "image/png")
        elif path.startswith("/api/likes/") and path.endswith(".json"):
            self._send(json.dumps({"count": 7}).encode(), "application/json")
        elif path.startswith("/api/") and path.endswith(".json"):
            key = path[len("/api/"):-len(".json")]
            with site.lock:
                data = site.comments.get(key)
            self._send(json.dumps(data).encode(), "application/json") if data is not None else self._missing()
        elif path.startswith("/served/"):  # the small page with its comment in the HTML
            number = path.strip("/").split("/")[-1]
            if f"small/{number}" not in site.comments:
                self._missing()
                return
            with site.lock:
                thread = "".join(SERVED_COMMENT.format(**c) for c in site.comments[f"small/{number}"])
            html = SMALL_PAGE.format(title=f"Small post {number}", key=number, paragraphs=PARAGRAPH * 10)
            html = html.split("<script>", 1)[0].replace('<ol class="comment-list"></ol>',
                                                        f'<ol class="comment-list">{thread}</ol>')
            self._send((html + "</body></html>").encode(), "text/html; charset=utf-8")
        elif path.startswith("/small/"):
            key = "small/" + path.strip("/").split("/")[-1]
            if key not in site.comments:
                self._missing()
                return
            number = key.split("/")[1]
            html = SMALL_PAGE.format(title=f"Small post {number}", key=number, paragraphs=PARAGRAPH * 10)
            self._send(html.encode(), "text/html; charset=utf-8")
        elif path.startswith("/post/") or path == "/big/":
            key = "big" if path == "/big/" else path.strip("/").split("/")[-1]
            n = 0 if key == "big" else int(key) if key.isdigit() else -1
            if key not in site.comments:
                self._missing()
                return
            html = PAGE.format(title=f"Post {key}", text=f"The article of post {key}.", n=n, key=key)
            self._send(html.encode(), "text/html; charset=utf-8")
        else:
            self._missing()

    def _missing(self) -> None:
        self._send(b"not found", "text/plain", 404)

    def _send(self, body: bytes, kind: str, status: int = 200) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    site: SiteState

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a browser closing a connection early is no error here


class SiteState:
    """The pages' comments, the same for a seed; `next_round` changes them as a round does."""

    def __init__(self, pages: int, seed: int) -> None:
        rng = random.Random(seed)
        self.lock = threading.Lock()
        self.comments: dict[str, list[dict[str, str]]] = {
            str(p): [comment(n, p) for n in range(rng.randint(20, 200))] for p in range(pages)}
        self.comments["big"] = [comment(n, 0) for n in range(BIG_COMMENTS)]
        for p in range(pages):  # one comment each
            self.comments[f"small/{p}"] = [comment(0, 1000 + p)]
        self.pages = pages

    def next_round(self, number: int) -> None:
        """Every fifth page gets one more comment: some checks find a change, most do not."""
        with self.lock:
            for p in range(0, self.pages, 5):
                thread = self.comments[str(p)]
                thread.append(comment(len(thread) + 1000 * number, p))
                small = self.comments[f"small/{p}"]  # an edited comment: still one
                small[0] = {**small[0], "text": f"Comment on small page {p}, as edited in round {number}."}


def _serve(pages: int, seed: int, conn: Connection) -> None:
    """The site's own process: serves until told to stop, applies the rounds it is sent."""
    server = _Server(("127.0.0.1", 0), _Handler)
    server.site = SiteState(pages, seed)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    conn.send(server.server_address[1])
    while (command := conn.recv()) != "stop":
        server.site.next_round(command)
        conn.send("done")
    server.shutdown()
    server.server_close()


class BenchSite:
    """The site in a process of its own, as a watched site is never in its watcher's process: in
    the contenders' process its handlers waited for the interpreter's lock behind the scraper's
    check threads, and every page the scraper loaded came slower than the floor's (docs/benchmarks.md)."""

    def __init__(self, pages: int, seed: int = 10) -> None:
        self.pages = pages
        spawn = multiprocessing.get_context("spawn")  # a fresh interpreter: no threads forked
        self._conn, child = spawn.Pipe()
        self._process = spawn.Process(
            target=_serve, args=(pages, seed, child), name="bench-site", daemon=True)
        self._port = 0

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self._port}"

    @property
    def urls(self) -> list[str]:
        return [f"{self.base}/post/{p}/" for p in range(self.pages)]

    @property
    def small_urls(self) -> list[str]:
        return [f"{self.base}/small/{p}/" for p in range(self.pages)]

    @property
    def served_urls(self) -> list[str]:
        """The small pages as a server renders them: the comment in the HTML, no script."""
        return [f"{self.base}/served/{p}/" for p in range(self.pages)]

    @property
    def big_url(self) -> str:
        return f"{self.base}/big/"

    def next_round(self, number: int) -> None:
        """Every fifth page gets one more comment (`SiteState.next_round`), before this returns."""
        self._conn.send(number)
        self._conn.recv()

    def __enter__(self) -> BenchSite:
        self._process.start()
        self._port = self._conn.recv()
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._conn.send("stop")
        self._process.join(timeout=10)
        if self._process.is_alive():
            self._process.kill()  # our own child, and only it
            self._process.join()
