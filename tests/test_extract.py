"""Extraction on small HTML strings: readable text, field alternatives, conversions, comment trees.

Pure: no browser, no saved pages. Each test builds the smallest profile that shows one rule; the
last ones run the built-in `wordpress` profile on WordPress core's own comment markup.
"""

from __future__ import annotations

from typing import Any

import pytest
from lxml import html as lxml_html

from scraper.extract import PageContent, extract
from scraper.extract.core import empty_article
from scraper.extract.text import paragraphs
from scraper.model.record import Record
from scraper.profiles import Profile, load_profiles
from tests.fixtures.pages import REPO


def run(body: str, *, frames: dict[str, str] | None = None, **profile: Any) -> Record:
    page = PageContent(
        url="https://blog.test/post/", final_url="https://blog.test/post/",
        fetched_at="2026-01-01T00:00:00Z", html=f"<html><body>{body}</body></html>",
        frames=frames or {},
    )
    return extract(page, Profile.model_validate({"name": "t", **profile}))


def text_of(fragment: str) -> list[str]:
    return paragraphs(lxml_html.fragment_fromstring(fragment, create_parent="div"))


def comments(body: str, **spec: Any) -> list[tuple[str | None, str | None, str | None, str | None]]:
    """(id, parent_id, author, text) of each comment, with an `li.c` item list by default."""
    spec = {"item": "li.c", "id": {"select": "::attr(id)", "regex": r"(\d+)$"}, **spec}
    record = run(body, comments=spec)
    return [(c.id, c.parent_id, c.author, c.text) for c in record.comments]


# --- readable text ---------------------------------------------------------------------------------


def test_block_elements_are_paragraphs_inline_elements_join() -> None:
    fragment = "<h2>Title</h2><p>One <b>bold</b> and <a href='#'>a link</a>.</p><ul><li>x</li><li>y</li></ul>"
    assert text_of(fragment) == ["Title", "One bold and a link.", "x", "y"]


def test_whitespace_is_folded_and_scripts_styles_buttons_are_skipped() -> None:
    fragment = """<p>  spread
        over   lines&nbsp;here </p><script>var x = 1;</script><style>p {}</style>
        <noscript>enable JS</noscript><button>Share</button><p>end</p>"""
    assert text_of(fragment) == ["spread over lines here", "end"]


def test_br_breaks_a_paragraph_and_html_comments_are_not_text() -> None:
    assert text_of("<p>line one<br>line two<!-- hidden --> still two</p>") == [
        "line one", "line two still two",
    ]


def test_article_text_keeps_paragraphs_apart() -> None:
    record = run("<div class='post'><p>First.</p><p>Second.</p></div>", article={"text": ".post > p"})
    assert record.article.text == "First.\n\nSecond."
    assert record.article.paragraphs() == ["First.", "Second."]


def test_nothing_found_is_none_not_empty_text() -> None:
    record = run("<p> </p><div></div>", article={"title": "h1", "text": ".missing", "tags": "a[rel=tag]"})
    assert (record.article.title, record.article.text, record.article.tags) == (None, None, [])
    assert record.sources == {}
    # Never a silent empty record: it says why it is not whole.
    assert record.warnings == ["the article is empty: profile 't' found no title, text, byline, tags "
                               "or comments on this page"]


def test_text_the_profile_misses_comes_from_the_main_content() -> None:
    record = run("<h1>Post</h1><p>only</p>", article={"title": "h1", "text": ".missing"})
    assert (record.article.text, record.sources) == ("only", {"title": "profile", "text": "fallback"})
    # A page on which the profile finds nothing at all is not its page (a consent wall): no text.
    wall = run("<h2>We value your privacy</h2><p>Accept all cookies?</p>", article={"title": "h1"})
    assert wall.is_empty() and wall.sources == {}
    assert wall.warnings == [empty_article(wall)] and "found no title" in wall.warnings[0]
    # A title but no text is a record that is not whole either.
    bare = run("<h1>Post</h1>", article={"title": "h1", "text": ".missing"})
    assert bare.warnings == ["the article is empty: profile 't' found no article text on this page"]


# --- alternatives, regex and types ----------------------------------------------------------------


def test_the_first_alternative_that_yields_wins() -> None:
    body = "<h1 class='site'>Site</h1><h1 class='entry-title'>Post</h1><h2 class='entry-title'>Old</h2>"
    assert run(body, article={"title": ["h1.entry-title", "h1"]}).article.title == "Post"
    assert run(body, article={"title": ["h1.missing", ".entry-title"]}).article.title == "Post"
    assert run(body, article={"title": ["h1.missing", "h1"]}).article.title == "Site"


def test_an_alternative_that_finds_only_whitespace_does_not_yield() -> None:
    body = "<h1 class='entry-title'>  </h1><meta property='og:title' content='From meta'>"
    spec = ["h1.entry-title", "meta[property='og:title']::attr(content)"]
    assert run(body, article={"title": spec}).article.title == "From meta"


def test_xpath_alternatives_with_has_class() -> None:
    body = "<div class='a entry-content'><p>one</p><div class='ad'>ad</div><p>two</p></div>"
    spec = "xpath://*[has-class('entry-content')]/p"
    assert run(body, article={"text": spec}).article.text == "one\n\ntwo"


def test_regex_takes_group_one_or_the_whole_match() -> None:
    body = "<span class='n'>Posted by Ann Lee</span>"
    assert run(body, article={"author": {"css": ".n", "regex": "by (.+)"}}).article.author == "Ann Lee"
    assert run(body, article={"author": {"css": ".n", "regex": "Ann"}}).article.author == "Ann"
    assert run(body, article={"author": {"css": ".n", "regex": "Bob"}}).article.author is None


@pytest.mark.parametrize(
    ("shown", "likes"), [("1,234 likes", 1234), ("Be the first to like this.", None), ("7", 7)]
)
def test_int_fields_read_the_digits(shown: str, likes: int | None) -> None:
    body = f"<span class='wpl-count'>{shown}</span>"
    spec = {"css": ".wpl-count", "regex": r"(\d[\d,]*)", "type": "int"}
    assert run(body, article={"likes": spec}).article.likes == likes


@pytest.mark.parametrize(
    ("value", "published"),
    [
        ("2017-03-09T18:16:02-04:00", "2017-03-09T18:16:02-04:00"),  # the page's offset is kept
        ("2026-11-27T11:42:30Z", "2026-11-27T11:42:30+00:00"),
        ("2020-12-24", "2020-12-24"),  # a date alone stays a date: no invented midnight
        ("March 10, 2017 at 12:20 AM", "March 10, 2017 at 12:20 AM"),  # never a guess
        ("comment_date", "comment_date"),
    ],
)
def test_datetime_fields_are_iso_when_the_page_gives_iso(value: str, published: str) -> None:
    body = f"<time datetime='{value}'>shown</time>"
    spec = {"css": "time::attr(datetime)", "type": "datetime"}
    assert run(body, article={"published": spec}).article.published == published


def test_tags_are_a_list_without_repeats() -> None:
    body = "<a rel=tag>jobs</a> <a rel=tag> stack  overflow </a><a rel=tag>jobs</a>"
    assert run(body, article={"tags": "a[rel=tag]"}).article.tags == ["jobs", "stack overflow"]


# --- comments: ids, parents, texts -----------------------------------------------------------------


def test_attr_alone_means_the_item_itself() -> None:
    # Descendants with ids of their own (WP Tavern's report link repeats the comment's id) are
    # never taken for the item's id, even when the item has none.
    body = """<ol><li class='c' id='comment-1'><p><span id='comment-99'>Report</span>Hi</p></li>
                  <li class='c'><p><span id='comment-98'>Report</span>Ho</p></li></ol>"""
    assert [c[0] for c in comments(body)] == ["1", None]
    spec = {"select": "span::attr(id)", "regex": r"(\d+)$"}
    assert [c[0] for c in comments(body, id=spec)] == ["99", "98"]


def test_text_alone_means_the_items_own_text() -> None:
    body = "<ol><li class='c' id='comment-1'>Ann <b>says</b></li></ol>"
    assert comments(body, author="::text")[0][2] == "Ann"


THREAD = """
<ol class="comment-list">
  <li class="c" id="comment-1"><p class="who">Ann</p><div class="body"><p>First!</p></div>
    <ol class="children">
      <li class="c" id="comment-2"><p class="who">Bob</p><div class="body"><p>Reply to Ann.</p></div>
        <ul class="children">
          <li class="c" id="comment-3"><p class="who">Cy</p><div class="body"><p>Deeper.</p></div></li>
        </ul>
      </li>
      <li class="c" id="comment-4"><p class="who">Dee</p><div class="body"><p>Also to Ann.</p></div></li>
    </ol>
  </li>
  <li class="c" id="comment-5"><p class="who">Eve</p><div class="body"><p>New thread.</p></div></li>
</ol>
"""


def test_nesting_gives_each_reply_its_parent() -> None:
    found = comments(THREAD, author=".who", text=".body")
    assert [(cid, parent) for cid, parent, _, _ in found] == [
        ("1", None), ("2", "1"), ("3", "2"), ("4", "1"), ("5", None),
    ]


@pytest.mark.parametrize(
    ("text", "ann", "bob"),
    [
        (".body", "First!", "Reply to Ann."),
        # Selectors that reach every descendant still see only the comment's own markup.
        ("p", "Ann\n\nFirst!", "Bob\n\nReply to Ann."),
        ("xpath:.//p", "Ann\n\nFirst!", "Bob\n\nReply to Ann."),
    ],
)
def test_a_reply_text_never_leaks_into_its_parent(text: str, ann: str, bob: str) -> None:
    found = {cid: (author, body) for cid, _, author, body in comments(THREAD, author=".who", text=text)}
    assert found["1"] == ("Ann", ann)
    assert found["2"] == ("Bob", bob)


def test_div_replies_inside_the_parents_div() -> None:
    # WordPress's `div` comment style: no children list, the reply's div inside its parent's.
    body = """<div class="comments">
      <div class="comment" id="comment-7"><span class="n">Ann</span><p>Top</p>
        <div class="comment" id="comment-8"><span class="n">Bob</span><p>Re</p></div>
      </div></div>"""
    found = comments(body, item="div.comment", author=".n", text="p")
    assert found == [("7", None, "Ann", "Top"), ("8", "7", "Bob", "Re")]


def test_parent_from_a_selector_when_the_list_is_flat() -> None:
    body = """<div class="c" id="c-1" data-parent=""><p>Top</p></div>
              <div class="c" id="c-2" data-parent="c-1"><p>Re</p></div>"""
    found = comments(
        body, item="div.c", parent={"select": "::attr(data-parent)", "regex": r"(\d+)$"}, text="p"
    )
    assert [(cid, parent) for cid, parent, _, _ in found] == [("1", None), ("2", "1")]


def test_comments_inside_a_frame_come_from_the_frames_html() -> None:
    frame = "<ul><li class='c' id='comment-3'><p>In the frame</p></li></ul>"
    spec = {"frame": "iframe#w", "item": "li.c", "text": "p"}
    record = run("<iframe id='w'></iframe>", frames={"iframe#w": frame}, comments=spec)
    assert [c.text for c in record.comments] == ["In the frame"]
    assert run("<iframe id='w'></iframe>", comments=spec).comments == []  # frame never loaded


# --- ignore and normalise --------------------------------------------------------------------------


def test_ignored_elements_are_gone_before_any_field_is_read() -> None:
    body = """<div class="entry-content"><p>Hello <span class="ad">BUY NOW</span>world</p>
                <div class="sharedaddy"><p>12 bloggers like this</p></div></div>
              <ol><li class="c" id="comment-1"><p>Nice</p><div class="reply"><a>Reply</a></div></li></ol>
              <div id="respond"><h3>Leave a Reply</h3></div>"""
    record = run(
        body,
        ignore=[".ad", ".sharedaddy", ".reply", "#respond"],
        article={"text": ".entry-content"},
        comments={"item": "li.c", "text": "xpath:."},
    )
    assert record.article.text == "Hello world"  # the tail after an ignored element stays
    assert [c.text for c in record.comments] == ["Nice"]


def test_normalise_rules_apply_to_article_and_comments() -> None:
    body = """<h1>Post</h1><p class="t">Updated 5 minutes ago: text</p>
              <ol><li class="c" id="comment-1"><b>Ann</b> <i>2 hours ago</i><p>hi</p></li></ol>"""
    record = run(
        body,
        article={"title": "h1", "text": ".t"},
        comments={"item": "li.c", "author": "b", "published": "i", "text": "p"},
        normalise=[{"regex": r"\d+ (minutes|hours) ago:?", "replace": ""}],
    )
    assert record.article.text == "Updated text"
    assert record.comments[0].published is None  # nothing left but the noise
    assert (record.comments[0].author, record.comments[0].text) == ("Ann", "hi")


# --- the built-in wordpress profile on WordPress core's own markup ---------------------------------

WORDPRESS = load_profiles([REPO / "selectors"])["wordpress"]

HTML5_WALKER = """
<article class="post hentry"><header><h1 class="entry-title">Hello world</h1>
  <time class="entry-date published" datetime="2026-01-02T10:00:00+00:00">January 2</time></header>
  <div class="entry-content"><p>Welcome to WordPress.</p><p>Edit or delete it.</p>
    <div class="sharedaddy"><h3>Like this:</h3><p>2 bloggers like this.</p></div></div></article>
<div id="comments" class="comments-area"><h2 class="comments-title">3 thoughts on “Hello world”</h2>
<ol class="comment-list">
 <li id="comment-1" class="comment even thread-even depth-1 parent">
  <article id="div-comment-1" class="comment-body"><footer class="comment-meta">
   <div class="comment-author vcard"><b class="fn"><a href="https://ann.test" class="url">Ann</a></b>
    <span class="says">says:</span></div>
   <div class="comment-metadata"><a href="/hello/#comment-1"><time datetime="2026-01-03T09:00:00+00:00">
    January 3, 2026 at 9:00 am</time></a></div></footer>
   <div class="comment-content"><p>First comment.</p></div>
   <div class="reply"><a class="comment-reply-link" href="?replytocom=1#respond">Reply</a></div>
  </article>
  <ol class="children">
   <li id="comment-2" class="comment byuser bypostauthor odd alt depth-2">
    <article id="div-comment-2" class="comment-body"><footer class="comment-meta">
     <div class="comment-author vcard"><b class="fn">Editor</b> <span class="says">says:</span></div>
     <em class="comment-awaiting-moderation">Your comment is awaiting moderation.</em></footer>
     <div class="comment-content"><p>A reply.</p></div></article>
   </li>
  </ol>
 </li>
 <li id="comment-3" class="pingback even thread-odd depth-1"><div class="comment-body">
  Pingback: <a href="https://other.test/post" class="url">Other blog » A post</a></div></li>
</ol>
<div id="respond" class="comment-respond"><h3 id="reply-title">Leave a Reply</h3>
 <form id="commentform"><p class="comment-notes">Fill in your details below</p></form></div></div>
"""

CLASSIC_WALKER = """
<div class="post hentry"><h2 class="entry-title">Classic</h2><div class="entry"><p>Body.</p>
 <p class="postmetadata">Posted in <a rel="category tag">News</a> | 2 Comments</p></div></div>
<h3 id="comments">2 Responses to “Classic”</h3>
<ol class="commentlist">
 <li class="comment even thread-even depth-1 parent" id="comment-5">
  <div id="div-comment-5" class="comment-body">
   <div class="comment-author vcard"><img src="a.png" alt=""><cite class="fn">Ann</cite>
    <span class="says">says:</span></div>
   <div class="comment-meta commentmetadata"><a href="https://wp.test/p/#comment-5">
    January 3, 2026 at 9:00 am</a></div>
   <p>Classic text.</p><p>Second paragraph.</p>
   <div class="reply"><a class="comment-reply-link" href="?replytocom=5#respond">Reply</a></div>
  </div>
  <ul class="children">
   <li class="comment odd alt depth-2" id="comment-6"><div id="div-comment-6" class="comment-body">
    <div class="comment-author vcard"><cite class="fn"><a href="https://bob.test" class="url">Bob</a></cite>
     <span class="says">says:</span></div>
    <div class="comment-meta commentmetadata"><a href="https://wp.test/p/#comment-6">January 4</a></div>
    <p>Classic reply.</p></div></li>
  </ul>
 </li>
</ol>
"""

BLOCK_THEME = """
<main><h1 class="wp-block-post-title">Block post</h1>
<div class="wp-block-post-date"><time datetime="2026-02-01T08:00:00+00:00">February 1</time></div>
<div class="entry-content wp-block-post-content"><p>Block body.</p>
  <div class="wp-block-group"><p>Grouped.</p></div></div>
<div class="wp-block-comments"><ol class="wp-block-comment-template">
 <li id="comment-10" class="comment even thread-even depth-1">
  <div class="wp-block-group"><div class="wp-block-comment-author-name"><a href="#">Ann</a></div>
   <div class="wp-block-comment-date"><time datetime="2026-02-02T10:00:00+00:00">
    <a href="#comment-10">February 2</a></time></div>
   <div class="wp-block-comment-content"><p>Block comment.</p></div></div>
  <ol class="children"><li id="comment-11" class="comment odd alt depth-2">
   <div class="wp-block-comment-author-name">Bob</div>
   <div class="wp-block-comment-content"><p>Block reply.</p></div></li></ol>
 </li></ol></div></main>
"""


def wordpress_record(body: str) -> Record:
    page = PageContent(url="https://wp.test/p/", final_url="https://wp.test/p/",
                       fetched_at="2026-01-01T00:00:00Z", html=f"<html><body>{body}</body></html>")
    return extract(page, WORDPRESS)


def test_wordpress_profile_reads_the_html5_walker() -> None:
    record = wordpress_record(HTML5_WALKER)
    assert record.article.title == "Hello world"
    assert record.article.published == "2026-01-02T10:00:00+00:00"
    assert record.article.text == "Welcome to WordPress.\n\nEdit or delete it."
    assert [(c.id, c.parent_id, c.author, c.published, c.text) for c in record.comments] == [
        ("1", None, "Ann", "2026-01-03T09:00:00+00:00", "First comment."),
        ("2", "1", "Editor", None, "A reply."),  # the moderation note is not the comment's text
        ("3", None, "Other blog » A post", None, "Pingback: Other blog » A post"),
    ]
    assert "Leave a Reply" not in record.to_json() and "bloggers like this" not in record.to_json()


def test_wordpress_profile_reads_the_classic_walker() -> None:
    record = wordpress_record(CLASSIC_WALKER)
    assert record.article.title == "Classic"
    assert record.article.text == "Body."  # the post's meta line is not its text
    assert [(c.id, c.parent_id, c.author, c.published, c.text) for c in record.comments] == [
        ("5", None, "Ann", "January 3, 2026 at 9:00 am", "Classic text.\n\nSecond paragraph."),
        ("6", "5", "Bob", "January 4", "Classic reply."),
    ]


def test_wordpress_profile_reads_block_themes() -> None:
    record = wordpress_record(BLOCK_THEME)
    assert record.article.title == "Block post"
    assert record.article.published == "2026-02-01T08:00:00+00:00"
    assert record.article.text == "Block body.\n\nGrouped."
    assert [(c.id, c.parent_id, c.author, c.published, c.text) for c in record.comments] == [
        ("10", None, "Ann", "2026-02-02T10:00:00+00:00", "Block comment."),
        ("11", "10", "Bob", None, "Block reply."),
    ]

