"""`scraper profile test` diagnosis, on plain HTML: which alternative matched, how often, what."""

from __future__ import annotations

import pytest

from scraper.extract import PageContent
from scraper.extract.explain import explain
from scraper.profiles.schema import Profile

HTML = """<html><body><h1 class="t">Title</h1>
<ol><li class="c" id="c-1"><b class="a">Ann</b><p>Hi</p></li>
<li class="c" id="c-2"><p>No author</p></li></ol></body></html>"""


def test_explain_reports_alternatives_counts_and_coverage() -> None:
    profile = Profile.model_validate({
        "name": "p",
        "article": {"title": ["h2.nope", "h1.t"], "author": ".byline"},
        "comments": {"item": "li.c", "id": {"select": "::attr(id)", "regex": r"(\d+)$"},
                     "author": "b.a", "text": "p"},
    })
    page = PageContent(url="u", final_url="u", fetched_at="z", html=HTML)
    reports = {r.field: r for r in explain(page, profile)}
    title = reports["article.title"]
    assert [(t.selector, t.matches) for t in title.tried] == [("h2.nope", 0), ("h1.t", 1)]
    assert title.used == "h1.t" and title.values == ["Title"] and title.ok
    assert not reports["article.author"].ok and reports["article.author"].values == []
    assert not reports["article.published"].ok and reports["article.published"].tried == []
    assert reports["comments.item"].ok and reports["comments.item"].found_in == "2 comments"
    assert reports["comments.author"].found_in == "1 of 2 comments"
    assert reports["comments.id"].values == ["1", "2"]


def test_explain_when_no_comment_matches() -> None:
    profile = Profile.model_validate({"name": "p", "comments": {"item": "li.nope"}})
    page = PageContent(url="u", final_url="u", fetched_at="z", html=HTML)
    item = next(r for r in explain(page, profile) if r.field == "comments.item")
    assert not item.ok and item.found_in == "0 comments" and item.used is None


def test_profile_test_says_what_came_from_elsewhere_and_what_may_be_missing(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from scraper.cli.profile_cmd import show_test

    body = "".join(f"<p>Sentence {n} of a post that no selector of this profile reads.</p>" for n in range(6))
    html = (f"<html><body><h1 class='t'>Title</h1><div class='story'>{body}</div>"
            "<h2>3 Comments</h2><ol><li class='c' id='c-1'><b class='a'>Ann</b><p>Hi</p></li></ol>"
            "</body></html>")
    profile = Profile.model_validate({
        "name": "p", "article": {"title": "h1.t", "text": ".nope"},
        "comments": {"item": "li.c", "author": "b.a", "text": "p"},
    })
    show_test(PageContent(url="u", final_url="u", fetched_at="z", html=html), profile, as_json=False)
    out = capsys.readouterr().out
    assert "text: from main-content extraction, not the profile's selectors" in out
    assert "1 comments in the record" in out
    assert "partial: the page says it has 3 comments; 1 were captured" in out
