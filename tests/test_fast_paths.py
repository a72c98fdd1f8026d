"""The shortcuts that made checks cheaper (issue 10) give the same answers as the long way."""

from __future__ import annotations

import copy
import os
import re
from pathlib import Path

import pytest
from lxml import etree
from lxml.html import HtmlElement
from parsel import Selector

from scraper.extract import fields
from scraper.extract.comments.thread import from_profile
from scraper.extract.core import parse
from scraper.extract.cssmatch import compile_group, drop_batches
from scraper.extract.dom import parse_html
from scraper.extract.fields import native_xpath, raw_values, select
from scraper.extract.local import is_local
from scraper.extract.text import inline, paragraphs
from scraper.profiles import load_profiles
from scraper.profiles.schema import FieldSpec
from tests.sites import BUILTIN_PROFILES, PROFILES

TESTS = Path(__file__).parent


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


@pytest.mark.parametrize("text", [
    _GROUPS_HTML, "<!DOCTYPE html><html><body><p>a</p></body></html>", "  \n<p>x</p>", "\ufeff<p>bom</p>",
    "<p>nul\x00here</p>", "<form><input value='v'><select><option>o</option></select><textarea>t"
    "</textarea><label>l</label></form><!-- c --><?pi x?>&amp;", "<html></html>", "<html/>",
    "<?xml version='1.0'?><root><a>1</a></root>", '{"a": [1]}', "[1, 2]", "plain words", " ",
])
def test_pages_parse_as_parsel_parses_them(text: str) -> None:
    """The parser that picks element classes in C (dom.py) gives parsel's tree and type."""
    mine, theirs = parse_html(text), Selector(text=text)
    assert mine.type == theirs.type
    if theirs.type not in ("html", "xml"):
        assert mine.root == theirs.root
        return
    assert mine.get() == theirs.get()
    assert [(el.tag, el.text, el.tail, dict(el.attrib)) for el in mine.root.iter()] == \
        [(el.tag, el.text, el.tail, dict(el.attrib)) for el in theirs.root.iter()]
    if theirs.type == "html":
        assert all(isinstance(el, HtmlElement) for el in mine.root.iter() if isinstance(el.tag, str))


def test_which_expressions_read_only_their_element() -> None:
    local = [".//*[@datetime][translate(substring(@datetime, 1, 5), '0123456789', 'dddddddddd') = 'dddd-']"
             "/@datetime", "./*[starts-with(@id, 'comment-')]/@id", "@id", "text()", "p", "(.//a)[1]",
             ".//a[contains(@href, '../x') or @rel = '//']", "string(.)", "./a/*/b", "a/b * 2",
             ".//a[(@x and (@y or @z)) and (position() = 1)]"]
    elsewhere = ["//a", ".//a | //b", ".//a|//b", "../a", "ancestor::x", "./a[@x and//b]", "./a[@x and /b]",
                 "./p[id('x')]", "./a[count(preceding-sibling::*) = 0]", "./a/following::b", "lang('en')",
                 "$x", "./a[2 *//b]", "./a[re:test(@class, 'x')]", "./a[@x and (//b)]"]
    assert all(is_local(x) for x in local)
    assert not any(is_local(x) for x in elsewhere)
    assert fields.reads_within(FieldSpec(select=[".comment-author .fn", ".fn::text", "::attr(id)",
                                                 "a:not(.b)"]))
    for css in ["li:first-child", "a + b", ":root", "a:nth-child(2)", ".a:has(+ .b)", "li:only-child"]:
        assert not fields.reads_within(FieldSpec(select=[".fn", css])), css
    wordpress = load_profiles([BUILTIN_PROFILES])["wordpress"].comments
    assert wordpress is not None  # its comments are read in place
    assert all(fields.reads_within(f) for f in (wordpress.author, wordpress.published, wordpress.text))


_NESTED = """<html><body><div class="entry-content"><p>Post</p></div><ol class="commentlist">
<li class="comment" id="comment-1"><div class="comment-author"><b class="fn">Ann</b></div>
  <time datetime="2024-01-02T03:04:05">then</time><div class="comment-content"><p>One</p></div>
  <ul class="children"><li class="comment" id="comment-2"><div class="comment-author"><b class="fn">Bob
  </b></div><div class="comment-content"><p>Two</p><p>2b</p></div></li></ul></li>
<li class="comment" id="comment-3"><div class="comment-content">Three</div></li>
<li class="pingback" id="comment-4"><div class="comment-body">Pingback: <a class="url">Site</a></div></li>
</ol><div class="indented"><div class="comment" id="comment-5"><span class="fn">Eve</span></div></div>
</body></html>"""


def _pages() -> list[str]:
    files = sorted([*TESTS.glob("pages/**/*.html"), *TESTS.glob("sites/**/*.html")])
    return [_NESTED, _GROUPS_HTML, *(f.read_text(encoding="utf-8", errors="replace") for f in files)]


def test_comments_read_in_place_as_in_a_copy(monkeypatch: pytest.MonkeyPatch) -> None:
    """A comment with no reply inside, read where it stands (its fields look nowhere else), gives
    what its copy gives; so do the profiles' fields evaluated on each comment either way."""
    profiles = load_profiles([BUILTIN_PROFILES, PROFILES])
    specs = [p.comments for p in profiles.values() if p.comments is not None]
    pages = [parse(html, ()) for html in _pages()]
    fast = [[from_profile(page, spec).comments for spec in specs] for page in pages]
    monkeypatch.setattr(fields, "reads_within", lambda spec: False)
    assert fast == [[from_profile(page, spec).comments for spec in specs] for page in pages]
    assert any(c for page in fast for comments in page for c in comments)
    exprs = {e for spec in specs for f in (spec.author, spec.published, spec.text) if f for e in f.select}
    for page in pages[:2]:
        for el in page.root.iter("li", "div"):
            for expr in exprs:
                if fields.reads_within(FieldSpec(select=[expr])):
                    here, there = Selector(root=el), Selector(root=copy.deepcopy(el))
                    assert raw_values(here, FieldSpec(select=[expr])) == \
                        raw_values(there, FieldSpec(select=[expr])), expr


def test_text_folds_the_whitespace_re_knows() -> None:
    everything = "".join(map(chr, range(0x110000)))
    assert set(re.findall(r"\s", everything)) == {c for c in everything if c.isspace()}
    assert inline(" a\u00a0\u2003b\x1c c\n") == re.sub(r"\s+", " ", " a\u00a0\u2003b\x1c c\n").strip()
    el = etree.fromstring("<div> a <p>b\u3000 c</p>\t<br/>d </div>")
    assert paragraphs(el) == ["a", "b c", "d"]
