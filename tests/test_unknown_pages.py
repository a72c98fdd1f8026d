"""Pages whose theme no profile knows: the article is never silently empty, and the comments are
still found, with no comment text in the article.

The saved real pages (tests/pages) are turned into unknown themes by renaming every class the
`wordpress` profile reads: the post's container (`entry-content`, `post-content`, `entry`,
`hentry`, `post`, Elementor's) becomes `story`, and "comment" in any class becomes "remark"
(`li.comment` -> `li.remark`, `comment-content` -> `remark-content`). Only the markup's shape and
the comment ids remain, as on a theme seen for the first time. The forum page (tests/sites/static)
is a thread of posts drawn by JavaScript in markup with no comment class or id at all.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from scraper.browser import BrowserSession
from scraper.extract import PageContent, extract
from scraper.pipeline.capture import capture
from tests.fixtures.pages import serving
from tests.sites import STATIC
from tests.test_real_pages import PAGES, PROFILES, Page, folded, html_of

_POST = re.compile(r"^(entry-content|post-content|wp-block-post-content|entry|hentry|post|"
                   r"elementor-widget-theme-post-content|elementor-widget-container)$")


def unknown_theme(html: str) -> str:
    def rename(match: re.Match[str]) -> str:
        names = [_POST.sub("story", n).replace("comment", "remark") for n in match.group(1).split()]
        return f'class="{" ".join(names)}"'

    return re.sub(r'class="([^"]*)"', rename, html)


def unknown_record(page: Page) -> tuple[str, PageContent]:
    html = unknown_theme(html_of(page.path))
    return html, PageContent(url="https://pages.test/p", final_url="https://pages.test/p",
                             fetched_at="2026-01-01T00:00:00Z", html=html)


@pytest.mark.usefixtures("pages_dir")
@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_an_unknown_theme_still_gives_the_post_and_its_comments(page: Page) -> None:
    html, content = unknown_record(page)
    # No class the profile reads is left.
    assert not re.search(r'class="[^"]*(entry-content|comment)', html)
    record = extract(content, PROFILES["wordpress"])
    text = folded(record.article.text)
    assert record.sources["text"] in ("fallback", "structured")
    assert page.first in text
    if page.name != "4219d0":  # main-content extraction drops that post's recipe-card footer
        assert page.last in text
    for cid, _, _, start in page.comments:
        if len(start) > 30:
            assert start not in text, f"comment {cid} leaked into the article"
    got = [(c.id, c.parent_id) for c in record.comments]
    assert got == [(cid, parent) for cid, parent, _, _ in page.comments]
    for comment, (cid, _, author, start) in zip(record.comments, page.comments, strict=True):
        assert folded(comment.text).startswith(start), cid
        assert page.first not in folded(comment.text), f"the article leaked into comment {cid}"
        if page.name != "wordpress":  # Epoch prints one commenter as a bare text node
            assert comment.author == author, cid


@pytest.fixture(scope="module")
def static_site() -> Iterator[str]:
    with serving(STATIC) as base:
        yield base


FORUM = [
    ("1", None, "ann_k", "2024-03-01T10:00:00+00:00",
     "I have used the port authority table for years.\n\nIt has never been more than ten minutes off."),
    ("2", "1", "bo", "2024-03-01T11:30:00+00:00", "Ten minutes matters at the bar, though."),
    ("3", "2", "ann_k", "2024-03-01T12:00:00+00:00", "True, I add a margin there."),
    ("4", "1", "cyril", "2024-03-02T08:15:00+00:00", "The app uses the same data."),
    ("5", None, "dee", "2024-03-03T19:45:00+00:00", "Has anyone compared it with the almanac?"),
]


@pytest.mark.browser
def test_a_forum_page_gives_its_posts_as_comments_with_replies_nested(
    static_site: str, chromium: BrowserSession
) -> None:
    record = capture(f"{static_site}/forum.html", session=chromium)
    assert record.profile == "generic"
    assert [(c.id, c.parent_id, c.author, c.published, c.text) for c in record.comments] == FORUM
    assert record.sources["comments"] == "detected"
    assert record.article.title == "Which tide table do you trust?"
    text = record.article.text or ""
    assert "A topic about tide tables" in text
    for *_, words in FORUM:
        assert words.split("\n")[0] not in text  # no post in the article
    assert "dinghy" not in record.to_json()  # the sidebar's latest posts are not this thread
