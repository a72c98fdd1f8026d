"""The shortcuts that made checks cheaper (issue 10) give the same answers as the long way."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from parsel import Selector

from scraper.extract.core import parse
from scraper.extract.cssmatch import compile_group, drop_batches
from scraper.extract.fields import native_xpath, raw_values, select
from scraper.extract.text import inline, paragraphs
from scraper.profiles import load_profiles
from scraper.profiles.schema import FieldSpec


def test_has_class_in_xpath_matches_as_parsel_s_own() -> None:
    html = ('<div class="a  entry-content\tb"><p>1</p></div><div class="entry-contents"><p>2</p></div>'
            '<div class="\nentry-content\n"><p>3</p></div><div class="x"><p>4</p></div>')
    expr = "//*[has-class('entry-content')]/p/text()"
    assert "has-class" not in native_xpath(expr)
    page = Selector(text=html)
    assert [s.get() for s in select(page, expr)] == page.xpath(expr).getall() == ["1", "3"]


def test_loaded_profiles_follow_their_files(tmp_path: Path) -> None:
    folder = tmp_path / "profiles"
    folder.mkdir()
    mine = folder / "mine.yaml"
    mine.write_text("name: mine\ndescription: first\n")
    assert load_profiles([folder])["mine"].description == "first"
    assert load_profiles([folder]) is not load_profiles([folder])  # each caller gets its own dict
    mine.write_text("name: mine\ndescription: second one\n")
    stamp = mine.stat().st_mtime_ns
    os.utime(mine, ns=(stamp, stamp + 1_000_000))  # a new time even on a coarse clock
    assert load_profiles([folder])["mine"].description == "second one"
    (folder / "other.yaml").write_text("name: other\n")
    assert set(load_profiles([folder])) == {"mine", "other"}


_GROUPS_HTML = """<html><body>
<div id="main" class="post  entry-content"><p class="a">1</p><p class="a b">2</p>
  <ul class="comment-list"><li class="comment odd" id="comment-1"><b class="fn">Ann</b>
    <ul class="children"><li class="pingback" id="comment-2" data-comment-id="2">
      <b class="fn">Bob</b></li></ul>
  </li><li class="trackback" id="li-comment-3" lang="en-GB"><span class="says">says:</span></li></ul>
  <div class="comment" id="comment-4" data-comment-id="4"><p class="x\tcomment-content">t</p></div>
  <div class="comment" id="c-5"><a href="/p/#comment-5" rel="nofollow tag">5</a></div>
  <div class="wp-block-comment-template"><li class="wp-block-comment">w</li></div>
  <DIV CLASS="Upper" data-X="y">U</DIV><!-- a comment --></div>
<div class="sidebar"><p class="a">3</p><span class="says">no</span></div>
</body></html>"""
_GROUPS = [
    "li.comment, li.pingback, li.trackback, div.comment[id^='comment-'], div.pingback[id^='comment-'],"
    " div.trackback[id^='comment-'], .wp-block-comment-template > li, div[data-comment-id][id^='comment-']",
    "#main, .says, p.a, .b, .comment-content",
    "p, li, b, span, div",
    "[lang|=en], [rel~=tag], [href$='-5'], [href*='comment'], [data-x], [data-comment-id='2']",
    ".comment-list .fn, .children > li, #main p, .sidebar .a, ul li b",
    ".Upper, div.upper, DIV.Upper, [class='Upper'], *",
    ".comment, .a:first-child, .b, .says",          # a pseudo-class: left to parsel
    ".fn, .says, li + li, .a",                        # a sibling combinator: left to parsel
    ".a::text, .fn::text, .says, .b",                 # pseudo-elements: left to parsel
    "li::attr(id), div::attr(id), .a, .b",
    ".a, .b, .fn, .nothing-here",
]


@pytest.mark.parametrize("group", _GROUPS)
def test_css_groups_walked_once_match_parsel(group: str) -> None:
    """A group matched in one walk (cssmatch) gives parsel's own matches, in document order, from the
    page and from an element inside it (the matcher stays within the element)."""
    page = Selector(text=_GROUPS_HTML)
    for context in [page, *page.css("#main"), *page.css("li.comment")]:
        mine, theirs = select(context, group), context.css(group)
        assert [s.root for s in mine] == [s.root for s in theirs], group
        assert [s.get() for s in mine] == theirs.getall()
        assert raw_values(context, FieldSpec(select=[group])) == raw_values_parsel(context, group)


def raw_values_parsel(context: Selector, expr: str) -> list[str]:
    return [v for v in (" ".join(paragraphs(s.root)) if not isinstance(s.root, str) else inline(s.root)
                        for s in context.css(expr)) if v]


def test_which_groups_are_walked_in_python() -> None:
    assert compile_group(_GROUPS[0]) is not None and compile_group(_GROUPS[3]) is not None
    assert compile_group(".a, .b") is None  # under MIN_MEMBERS: two XPath tests are cheaper
    assert all(compile_group(g) is None for g in _GROUPS[6:10])


def test_plain_ignore_rules_are_dropped_in_one_walk() -> None:
    rules = ("#respond", ".sd-sharing", "xpath://div[@id='x']", ".a", ".b > p", "li:first-child", ".c")
    assert drop_batches(rules) == ("#respond, .sd-sharing", "xpath://div[@id='x']", ".a, .b > p",
                                   "li:first-child", ".c")
    html = "<div class='a'>A<p class='c'>C</p></div>tail<div class='b'><p>P</p>t2</div><p class='c'>c</p>"
    one_by_one = Selector(text=html)
    for rule in (".c", ".a", ".b > p"):
        for node in one_by_one.css(rule):
            node.drop()
    assert parse(html, [".c", ".a", ".b > p"]).get() == one_by_one.get()
