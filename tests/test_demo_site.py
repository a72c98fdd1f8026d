"""The demo site over plain HTTP (no browser): what a non-rendering fetch sees, the JSON the page's
JavaScript draws from, and every mutation, by the Python API and by HTTP."""

from __future__ import annotations

import dataclasses
import json
import re
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from parsel import Selector

from scraper.demo import seed
from scraper.demo.pages import PAGE_SIZE, STATIC_DIR
from scraper.demo.site import DemoSite

# What the seed page shows for the 15 tags when nobody runs its JavaScript.
SEED_TAGS_LINE = "Tags: , , , , , , , , , , , , , ,"
SEED_COMMENT = {
    "id": "4521", "parent_id": None, "author": "daveyone1",
    "published": "2016-10-19T15:12:00+00:00", "text": "Reblogged this on World Peace Forum.",
}
NEXT_ID = "4550"  # after the seed comment and the two 14-comment long threads


# -- helpers --

def fetch(url: str, method: str = "GET", body: bytes | None = None,
          headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], str]:
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, dict(error.headers), error.read().decode()


def api(site: DemoSite, method: str, path: str, data: object = None) -> tuple[int, Any]:
    body = None if data is None else json.dumps(data).encode()
    status, _, text = fetch(site.base_url + path, method, body,
                            {"Content-Type": "application/json"})
    return status, json.loads(text)


def get_json(site: DemoSite, path: str) -> Any:
    status, data = api(site, "GET", path)
    assert status == 200, data
    return data


def page(url: str) -> Selector:
    status, _, text = fetch(url)
    assert status == 200
    return Selector(text=text)


class _Text(HTMLParser):
    """The text a non-rendering scraper gets: every text node but scripts and styles."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._skip += tag in ("script", "style")

    def handle_endtag(self, tag: str) -> None:
        self._skip -= tag in ("script", "style")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def plain_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return re.sub(r"[ \t\r\n]+", " ", "".join(parser.parts))  # keeps U+00A0, as a scraper would


# -- what a plain fetch sees --

def test_a_plain_fetch_sees_what_the_seed_shows(demo_site: DemoSite) -> None:
    status, headers, html = fetch(demo_site.article_url)
    text = plain_text(html)
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    for expected in (seed.TITLE, "%d bloggers like this:", SEED_TAGS_LINE, "Leave a Reply",
                     "Fill in your details below or click an icon to log in:",
                     "You are commenting using your WordPress.com account.", "Connecting to %s"):
        assert expected in text
    assert "Reblogged this on" not in text  # comments exist only once JavaScript draws them


def test_article_markup_is_wordpress_classic(demo_site: DemoSite) -> None:
    sel = page(demo_site.article_url)
    assert sel.css('meta[name="generator"]::attr(content)').get() == "WordPress.com"
    assert sel.css("h1.entry-title::text").get() == seed.TITLE
    assert sel.css("span.author.vcard a.url.fn::text").get() == "AFP"
    assert sel.css(".byline .fn::text").get() == "AFP"
    assert sel.css("time.entry-date::attr(datetime)").get() == "2016-10-19T13:48:00+00:00"
    paragraphs = sel.css("div.entry-content > p::text").getall()
    assert paragraphs == list(seed.PARAGRAPHS) and len(paragraphs) == 9
    assert paragraphs[0].startswith("ATHENS (AFP)\u00a0–\u00a0Russia seeks “honest cooperation”")
    caption = sel.css("div.entry-content > figure.wp-caption > figcaption.wp-caption-text::text")
    assert caption.get() == seed.CAPTION
    assert not any("AFP/File" in p for p in paragraphs)


def test_tags_likes_and_comments_wait_for_javascript(demo_site: DemoSite) -> None:
    sel = page(demo_site.article_url)
    tags = sel.css("a[rel=tag]")
    assert len(tags) == 15 and all(not a.css("::text").get() for a in tags)
    assert tags[1].attrib["href"] == "/tag/bashar-al-assad/"
    assert "%d bloggers like this:" in sel.css("div.sharedaddy.sd-like").get("")
    assert not sel.css(".wpl-count")
    assert sel.css("div.sharedaddy.sd-sharing-enabled h3::text").get() == "Share this:"
    assert sel.css("h3#comments-title[hidden]")
    assert sel.css("div#comments ol.commentlist") and not sel.css("ol.commentlist > *")
    assert sel.css("div#comments div#respond.comment-respond form#commentform")
    assert "daveyone1" in sel.css("aside.widget_recent_comments").get("")
    assert sel.css("script::attr(src)").getall() == ["/static/comments.js", "/static/pages.js"]


def test_json_carries_the_seed(demo_site: DemoSite) -> None:
    comments = get_json(demo_site, "/api/comments.json")
    assert comments["total"] == 1 and comments["has_more"] is False
    assert SEED_COMMENT.items() <= comments["comments"][0].items()
    assert comments["comments"][0]["links"] == [
        {"text": "World Peace Forum", "href": seed.SEED_LINK_HREF}
    ]
    article = get_json(demo_site, "/api/article.json")
    assert article["title"] == seed.TITLE and article["paragraphs"] == list(seed.PARAGRAPHS)
    assert len(article["tags"]) == 15 and "Sergei Lavrov" in article["tags"]
    assert get_json(demo_site, "/api/likes.json") == {"likes": 3}


def test_responses_are_never_cached(demo_site: DemoSite) -> None:
    for path in (seed.ARTICLE_PATH, "/api/comments.json", "/static/pages.js"):
        assert fetch(demo_site.base_url + path)[1]["Cache-Control"] == "no-store"


# -- the Python API --

def test_add_comment_assigns_ids_and_dates_from_the_id(demo_site: DemoSite) -> None:
    first = demo_site.add_comment("Ann", "First!\n\nSecond paragraph.")
    reply = demo_site.add_comment("Bob", "A reply.", parent_id="4521")
    dated = demo_site.add_comment("Cy", "Dated.", published="2016-10-20T08:00:00+00:00")
    assert (first, reply, dated) == (NEXT_ID, "4551", "4552")
    comments = get_json(demo_site, "/api/comments.json")["comments"]
    # display order: the reply follows its parent, not the comment added before it
    assert [(c["id"], c["parent_id"]) for c in comments] == [
        ("4521", None), ("4551", "4521"), ("4550", None), ("4552", None)]
    assert comments[2]["published"] == "2016-10-19T15:41:00+00:00"  # seed time + 29 minutes
    assert comments[2]["text"] == "First!\n\nSecond paragraph."
    assert comments[3]["published"] == "2016-10-20T08:00:00+00:00"


def test_a_reply_joins_its_parents_thread(demo_site: DemoSite) -> None:
    lazy_root = demo_site.state.thread("lazy")[0].id
    new = demo_site.add_comment("Dee", "On the lazy page.", parent_id=lazy_root)
    assert demo_site.state.comment(new).thread == "lazy"
    top = demo_site.add_comment("Eve", "Scrolled down.", thread="infinite")
    assert demo_site.state.thread("infinite")[-1].id == top
    with pytest.raises(ValueError, match="not 'article'"):
        demo_site.add_comment("Fay", "Mismatch.", parent_id=lazy_root, thread="article")


def test_edit_and_delete_comment(demo_site: DemoSite) -> None:
    parent = demo_site.add_comment("Ann", "Parent.")
    child = demo_site.add_comment("Bob", "Child.", parent_id=parent)
    demo_site.edit_comment("4521", "Edited text.")
    demo_site.delete_comment(parent)
    comments = get_json(demo_site, "/api/comments.json")["comments"]
    assert [(c["id"], c["parent_id"], c["text"]) for c in comments] == [
        ("4521", None, "Edited text."), (child, None, "Child.")]  # the orphan moves up, as in WP


def test_article_edits_show_in_the_html_and_the_json(demo_site: DemoSite) -> None:
    demo_site.edit_paragraph(2, "A quietly edited paragraph & more.")
    demo_site.set_title("A <new> title")
    demo_site.set_tags(["Russia", "Bashar al-Assad"])
    demo_site.set_likes(7)
    sel = page(demo_site.article_url)
    assert sel.css("div.entry-content > p::text").getall()[2] == "A quietly edited paragraph & more."
    assert sel.css("h1.entry-title::text").get() == "A <new> title"
    assert sel.css("title::text").get("").startswith("A <new> title |")
    assert sel.css("a[rel=tag]::attr(href)").getall() == ["/tag/russia/", "/tag/bashar-al-assad/"]
    article = get_json(demo_site, "/api/article.json")
    assert article["paragraphs"][2] == "A quietly edited paragraph & more."
    assert article["title"] == "A <new> title" and article["tags"] == ["Russia", "Bashar al-Assad"]
    assert get_json(demo_site, "/api/likes.json") == {"likes": 7}


@pytest.mark.parametrize(("call", "error"), [
    (lambda s: s.edit_comment("999", "x"), LookupError),
    (lambda s: s.delete_comment("999"), LookupError),
    (lambda s: s.add_comment("Ann", "x", parent_id="999"), LookupError),
    (lambda s: s.edit_paragraph(9, "x"), IndexError),
    (lambda s: s.add_comment("Ann", "   "), ValueError),
    (lambda s: s.add_comment("Ann", "x", published="yesterday"), ValueError),
    (lambda s: s.add_comment("Ann", "x", published="2016-10-19T15:12:00"), ValueError),
    (lambda s: s.add_comment("Ann", "x", thread="nope"), ValueError),
    (lambda s: s.set_likes(-1), ValueError),
], ids=["edit", "delete", "parent", "paragraph", "blank", "date", "naive-date", "thread", "likes"])
def test_api_refuses_bad_input_and_changes_nothing(demo_site: DemoSite, call: Any,
                                                   error: type[Exception]) -> None:
    before = demo_site.state
    with pytest.raises(error):
        call(demo_site)
    assert demo_site.state == before


def test_state_is_a_frozen_snapshot(demo_site: DemoSite) -> None:
    before = demo_site.state
    with pytest.raises(dataclasses.FrozenInstanceError):
        before.article.likes = 9  # type: ignore[misc]
    demo_site.set_likes(9)
    assert before.article.likes == 3 and demo_site.state.article.likes == 9


def test_reset_restores_the_seed(demo_site: DemoSite) -> None:
    seed_state = demo_site.state
    demo_site.add_comment("Ann", "x")
    demo_site.set_title("Changed")
    demo_site.break_layout()
    demo_site.reset()
    assert demo_site.state == seed_state
    assert demo_site.add_comment("Ann", "x") == NEXT_ID  # ids start over too


def test_concurrent_adds_get_distinct_incremental_ids(demo_site: DemoSite) -> None:
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(
            lambda i: api(demo_site, "POST", "/api/comments", {"author": f"a{i}", "text": "x"}),
            range(20)))
    assert sorted(int(body["id"]) for _, body in results) == list(range(4550, 4570))


# -- the same mutations over HTTP --

def test_http_mutations(demo_site: DemoSite) -> None:
    status, created = api(demo_site, "POST", "/api/comments",
                          {"author": "Ann", "text": "Hi", "parent_id": 4521})
    assert status == 201 and created["id"] == NEXT_ID and created["parent_id"] == "4521"
    assert api(demo_site, "PUT", f"/api/comments/{NEXT_ID}", {"text": "Hello"})[1]["text"] == "Hello"
    assert api(demo_site, "DELETE", "/api/comments/4521") == (200, {"deleted": "4521"})
    assert [(c["id"], c["text"]) for c in get_json(demo_site, "/api/comments.json")["comments"]] == [
        (NEXT_ID, "Hello")]

    status, article = api(demo_site, "PUT", "/api/article", {"tags": ["Syria"], "likes": 0})
    assert status == 200 and article["tags"] == ["Syria"] and article["title"] == seed.TITLE
    assert get_json(demo_site, "/api/likes.json") == {"likes": 0}
    api(demo_site, "PUT", "/api/article", {"paragraphs": ["Only one now."]})
    assert demo_site.state.article.paragraphs == ("Only one now.",)

    assert api(demo_site, "PUT", "/api/layout", {"broken": True}) == (200, {"broken": True})
    assert demo_site.state.broken
    assert api(demo_site, "POST", "/api/reset") == (200, {"reset": True})
    assert get_json(demo_site, "/api/comments.json")["comments"][0]["id"] == "4521"
    assert not demo_site.state.broken


@pytest.mark.parametrize(("method", "path", "body", "status"), [
    ("POST", "/api/comments", b"{not json", 400),
    ("POST", "/api/comments", b"[1, 2]", 400),
    ("POST", "/api/comments", b'{"author": "Ann"}', 400),
    ("POST", "/api/comments", b'{"author": "Ann", "text": "x", "colour": "red"}', 400),
    ("POST", "/api/comments", b'{"author": "Ann", "text": ""}', 400),
    ("POST", "/api/comments", b'{"author": "Ann", "text": "x", "parent_id": "999"}', 404),
    ("POST", "/api/comments", b'{"author": "Ann", "text": "x", "author_url": "javascript:x"}', 400),
    ("PUT", "/api/comments/999", b'{"text": "x"}', 404),
    ("PUT", "/api/comments/4521", b'{"text": 5}', 400),
    ("DELETE", "/api/comments/999", None, 404),
    ("PUT", "/api/article", b'{"likes": "3"}', 400),
    ("PUT", "/api/article", b'{"tags": "Syria"}', 400),
    ("PUT", "/api/article", b'{"title": "ok", "likes": -1}', 400),
    ("PUT", "/api/layout", b'{"broken": "yes"}', 400),
    ("GET", "/api/comments.json?thread=nope", None, 400),
    ("GET", "/api/comments.json?offset=-1", None, 400),
    ("GET", "/api/nothing.json", None, 404),
])
def test_http_refuses_bad_input_with_a_json_error(
    demo_site: DemoSite, method: str, path: str, body: bytes | None, status: int
) -> None:
    before = demo_site.state
    got, headers, text = fetch(demo_site.base_url + path, method, body)
    assert got == status and headers["Content-Type"].startswith("application/json")
    assert json.loads(text)["error"]
    assert demo_site.state == before


# -- the other pages --

@pytest.mark.parametrize("name", ["article_url", "lazy_url", "infinite_url", "framed_url"])
def test_broken_layout_serves_a_consent_wall(demo_site: DemoSite, name: str) -> None:
    demo_site.break_layout()
    status, _, html = fetch(getattr(demo_site, name))
    sel = Selector(text=html)
    assert status == 200 and "We value your privacy" in html and "Accept all" in html
    for selector in ("h1.entry-title", ".entry-content", "#comments", ".commentlist", "a[rel=tag]",
                     ".sharedaddy", ".byline", "time"):
        assert not sel.css(selector), selector
    assert get_json(demo_site, "/api/comments.json")["total"] == 1  # the data is still there
    demo_site.break_layout(False)
    assert page(getattr(demo_site, name)).css("h1.entry-title")


def test_framed_comments_come_from_another_origin(demo_site: DemoSite) -> None:
    src = page(demo_site.framed_url).css("iframe#comments-frame::attr(src)").get()
    assert src == demo_site.widget_url == f"http://localhost:{demo_site.port}/widget/"
    assert urlsplit(src).hostname != urlsplit(demo_site.framed_url).hostname
    widget = page(src)
    assert widget.css("body::attr(data-page)").get() == "widget"
    assert widget.css("div#comments ol.commentlist") and not widget.css("ol.commentlist > *")
    # opened by the other name, the page frames the first name: always cross-origin
    _, _, html = fetch(demo_site.framed_url, headers={"Host": f"localhost:{demo_site.port}"})
    assert Selector(text=html).css("iframe#comments-frame::attr(src)").get() == (
        f"{demo_site.base_url}/widget/")


@pytest.mark.parametrize(("name", "thread", "trigger"), [
    ("lazy_url", "lazy", "a.load-more-comments"),
    ("infinite_url", "infinite", "#comments-sentinel"),
])
def test_long_threads_come_a_page_at_a_time(demo_site: DemoSite, name: str, thread: str,
                                            trigger: str) -> None:
    sel = page(getattr(demo_site, name))
    assert sel.css(trigger) and not sel.css("ol.commentlist > *")
    assert sel.css("body::attr(data-thread)").get() == thread
    whole = get_json(demo_site, f"/api/comments.json?thread={thread}")
    assert whole["total"] >= 12
    batches, offset = [], 0
    while True:
        batch = get_json(demo_site, f"/api/comments.json?thread={thread}&offset={offset}"
                                    f"&limit={PAGE_SIZE}")
        batches.append(batch)
        offset += len(batch["comments"])
        if not batch["has_more"]:
            break
    assert [len(b["comments"]) for b in batches] == [5, 5, 4]
    assert [c for b in batches for c in b["comments"]] == whole["comments"]


def test_index_and_static_files(demo_site: DemoSite) -> None:
    assert seed.ARTICLE_PATH in fetch(demo_site.base_url + "/")[2]
    status, headers, js = fetch(demo_site.base_url + "/static/comments.js")
    assert status == 200 and headers["Content-Type"].startswith("text/javascript")
    assert "DemoComments" in js
    for path in ("/static/article.html", "/static/../site.py", "/static/%2e%2e/site.py",
                 "/nothing/", "/static/nothing.js"):
        assert fetch(demo_site.base_url + path)[0] == 404, path
    assert fetch(demo_site.base_url + "/favicon.ico")[0] == 204


def test_scripts_never_write_page_data_as_html() -> None:
    for script in STATIC_DIR.glob("*.js"):
        source = script.read_text(encoding="utf-8")
        assert not re.search(r"\.(innerHTML|outerHTML)\s*=|insertAdjacentHTML|document\.write",
                             source), script.name


# -- lifecycle and the command line --

def test_start_and_stop() -> None:
    site = DemoSite()
    with pytest.raises(RuntimeError, match="not running"):
        _ = site.base_url
    with site:
        url = site.article_url
        assert url.startswith("http://127.0.0.1:") and fetch(url)[0] == 200
        with pytest.raises(RuntimeError, match="already running"):
            site.start()
    site.stop()  # a second stop is harmless
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(url, timeout=5)


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_serve_command_prints_the_url_and_stops_on_a_signal(signum: int) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "scraper.demo", "serve", "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        cwd=Path(__file__).resolve().parents[1],
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()  # blocks until the server is listening
        assert url.startswith("http://127.0.0.1:") and url.endswith(seed.ARTICLE_PATH)
        assert fetch(url)[0] == 200 and fetch(url.replace(seed.ARTICLE_PATH, "/nope"))[0] == 404
        process.send_signal(signum)
        _, stderr = process.communicate(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0
    assert stderr == ""  # quiet: no line per request
