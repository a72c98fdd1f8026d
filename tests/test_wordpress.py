"""A real WordPress (Debian's package, its bundled classic and block themes) captured exactly.

The post, its comments, the replies and the pingback were made through WordPress's own PHP API
(tests/sites/wordpress/wp.php, thread.json); the expected record is what each theme shows of them,
read off its markup: Twenty Twenty-One (classic, the html5 comment walker) prints a pingback as
"Pingback: NAME" with no date or excerpt; the block themes print it like a comment. WordPress turns
the ":)" of the first comment into an emoji image, which reads as its alt text.
"""

from __future__ import annotations

from typing import Any

import pytest

from scraper.browser import BrowserSession
from scraper.pipeline.capture import capture
from tests.sites.wordpress import THEMES, THREAD, WordPressSite

pytestmark = pytest.mark.browser


def expected_comments(site: WordPressSite, theme: str) -> list[dict[str, Any]]:
    rows = []
    for c in THREAD["comments"]:
        rows.append({
            "id": site.comment_ids[c["key"]],
            "parent_id": site.comment_ids[c["parent"]] if "parent" in c else None,
            "author": c["author"],
            "published": c["date"].replace(" ", "T") + "+00:00",
            "text": c["text"].replace(":)", "🙂").replace("[&#8230;]", "[…]"),
        })
    if theme == "twentytwentyone":  # the html5 walker's pingback line
        rows[-1].update({"published": None, "text": f"Pingback: {rows[-1]['author']}"})
    return rows


@pytest.mark.parametrize("theme", THEMES)
def test_each_theme_is_captured_exactly(
    wordpress: WordPressSite, chromium: BrowserSession, theme: str
) -> None:
    wordpress.theme(theme)
    record = capture(wordpress.post_url, session=chromium)
    assert record.profile == "wordpress"
    assert record.article.model_dump() == {
        "title": THREAD["title"], "author": "admin", "published": "2024-03-01T09:00:00+00:00",
        "text": "\n\n".join(THREAD["paragraphs"]), "tags": THREAD["tags"], "likes": None,
    }
    assert [c.model_dump() for c in record.comments] == expected_comments(wordpress, theme)
    assert record.warnings == []
    assert set(record.sources.values()) == {"profile"}

    # A post without comments: none invented from the "Recent Comments" the theme shows elsewhere.
    quiet = capture(wordpress.quiet_url, session=chromium)
    assert quiet.comments == [] and quiet.warnings == []
    assert quiet.article.text == "Nobody has answered this one yet."
