"""The fallback chain on small pages: structured data before giving up, main content when the
profile's text falls short, and what a page says about its own thread (counts, paged threads)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from scraper.extract import PageContent, extract
from scraper.model.record import Record
from scraper.profiles import Profile

BODY = "".join(f"<p>Paragraph {n} of the post, long enough to count as the article's own text.</p>"
               for n in range(1, 9))


def run(html: str, **profile: Any) -> Record:
    page = PageContent(url="https://blog.test/p/", final_url="https://blog.test/p/",
                       fetched_at="2026-01-01T00:00:00Z", html=f"<html>{html}</html>")
    return extract(page, Profile.model_validate({"name": "t", **profile}))


def test_json_ld_graph_with_references() -> None:
    graph = {"@context": "https://schema.org", "@graph": [
        {"@type": "WebPage", "@id": "https://blog.test/p/", "name": "Page name | Blog"},
        {"@type": ["Article"], "@id": "https://blog.test/p/#article", "headline": "The headline",
         "author": {"@id": "https://blog.test/#/schema/person/1"},
         "datePublished": "2024-01-02T03:04:05+00:00",
         "keywords": "tides, harbour", "commentCount": 0},
        {"@type": "Person", "@id": "https://blog.test/#/schema/person/1", "name": "Ann Author"},
    ]}
    record = run(f"<head><script type='application/ld+json'>{json.dumps(graph)}</script></head>"
                 f"<body><div class='x'>{BODY}</div></body>")
    a = record.article
    assert (a.title, a.author, a.published, a.tags) == (
        "The headline", "Ann Author", "2024-01-02T03:04:05+00:00", ["tides", "harbour"])
    assert record.sources == {"title": "structured", "author": "structured", "published": "structured",
                              "tags": "structured", "text": "fallback"}


def test_broken_json_ld_is_skipped_and_open_graph_speaks() -> None:
    head = ("<head><script type='application/ld+json'>{not json</script>"
            "<meta property='og:title' content='OG title'>"
            "<meta property='article:published_time' content='2024-05-06T07:08:09Z'>"
            "<meta name='author' content='https://blog.test/author/ann'>"  # a URL is not a name
            "<meta property='article:tag' content='one'><meta property='article:tag' content='two'></head>")
    record = run(head + f"<body>{BODY}</body>")
    a = record.article
    assert (a.title, a.author, a.published, a.tags) == ("OG title", None, "2024-05-06T07:08:09+00:00",
                                                        ["one", "two"])


def test_microdata_article_fields_are_its_own_not_its_comments() -> None:
    html = f"""<body><article itemscope itemtype="https://schema.org/BlogPosting">
      <h1 itemprop="headline">Micro headline</h1>
      <span itemprop="author" itemscope itemtype="https://schema.org/Person">
        <span itemprop="name">Ann</span></span>
      <time itemprop="datePublished" datetime="2024-02-02">Feb 2</time>
      <div itemprop="articleBody">{BODY}</div>
      <div itemprop="comment" itemscope itemtype="https://schema.org/Comment">
        <span itemprop="author">Bob</span><time itemprop="dateCreated" datetime="2024-02-03">Feb 3</time>
        <p itemprop="text">A comment, not the article.</p></div></article></body>"""
    record = run(html)
    a = record.article
    assert (a.title, a.author, a.published) == ("Micro headline", "Ann", "2024-02-02")
    assert "A comment" not in (a.text or "") and a.text and a.text.startswith("Paragraph 1")
    assert [(c.author, c.published, c.text) for c in record.comments] == [
        ("Bob", "2024-02-03", "A comment, not the article.")]
    assert record.sources["comments"] == "structured"


def test_profile_text_far_shorter_than_the_main_content_is_replaced() -> None:
    html = f"<body><div class='teaser'><p>Only the teaser.</p></div><div class='x'>{BODY}</div></body>"
    short = run(html, article={"text": ".teaser p"})
    assert short.sources["text"] == "fallback" and "Paragraph 8" in (short.article.text or "")
    whole = run(html, article={"text": ".x p"})  # the profile's text is the post: kept
    assert whole.sources["text"] == "profile" and "teaser" not in (whole.article.text or "")


def thread(count_heading: str, shown: int, extra: str = "") -> str:
    items = "".join(f"<li class='comment' id='comment-{n}'><b class='fn'>R{n}</b>"
                    f"<div class='comment-content'><p>Words {n}.</p></div></li>" for n in range(1, shown + 1))
    return (f"<body><div class='x'>{BODY}</div>"
            f"<div id='comments'>{count_heading}<ol>{items}</ol>{extra}</div></body>")


@pytest.mark.parametrize(("heading", "warned"), [
    ("<h2 class='comments-title'>15 Comments</h2>", "the page says it has 15 comments; 5 were captured"),
    ("<h3>There are 13 comments</h3>", "the page says it has 13 comments; 5 were captured"),
    ("<h3 id='comments-title'>Comments (7)</h3>", "the page says it has 7 comments; 5 were captured"),
    ("<h2>5 thoughts on “Tides”</h2>", None),
    ("<h2>One Response to “Tides”</h2>", None),  # fewer than found: a count, not a partial thread
])
def test_the_pages_own_count(heading: str, warned: str | None) -> None:
    record = run(thread(heading, 5), comments={"item": "li.comment"})
    assert record.warnings == ([warned] if warned else [])
    assert record.partial == bool(warned)


def test_comment_count_from_json_ld() -> None:
    data = {"@type": "BlogPosting", "headline": "H", "commentCount": "9"}
    script = f"<script type='application/ld+json'>{json.dumps(data)}</script>"
    html = thread("", 5).replace("<body>", f"<body>{script}")
    assert run(html, comments={"item": "li.comment"}).warnings == [
        "the page says it has 9 comments; 5 were captured"]


def test_a_paged_thread_is_partial_but_comment_permalinks_are_not_pages() -> None:
    nav = ("<div class='comment-navigation'>"
           "<a href='https://blog.test/p/comment-page-1/#comments'>Older Comments</a></div>")
    paged = run(thread("", 2, nav), comments={"item": "li.comment"})
    assert paged.warnings == ["the comments are split into pages (comment-page links): "
                              "only this page's comments were captured"]
    permalink = "<a href='https://blog.test/p/comment-page-1/#comment-2'>January 2</a>"
    assert run(thread("", 2, permalink), comments={"item": "li.comment"}).warnings == []
