"""The suggest engine (`scraper profile suggest` and the dashboard's builder) on every markup family
we keep: a draft made from the page alone, with no hand edits, is a valid profile, and used as the
profile it gives the family's comments exactly (ids, parents, authors, dates, texts) from its own
selectors, and the article's text.

The pages are read as their own tests read them: the comment families (tests/test_comment_families)
and the saved real pages turned into unknown themes (tests/test_unknown_pages) as parsed HTML; the
forum and the story (tests/sites/static), whose threads are drawn by JavaScript, rendered once each
by the real Chromium, as `profile suggest` renders them (the fallback profile, no actions).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

import pytest
import yaml

from scraper.browser import BrowserSession
from scraper.browser.render import RenderJob, render
from scraper.extract import PageContent, extract
from scraper.extract.fields import iso_datetime
from scraper.model.record import Record
from scraper.profiles import Profile, matching
from scraper.suggest import suggest
from scraper.suggest.draft import short_form
from tests.fixtures.pages import serving
from tests.sites import STATIC
from tests.test_comment_families import FAMILIES, Family, family_html
from tests.test_real_pages import PAGES, PROFILES, Page, folded
from tests.test_unknown_pages import FORUM, unknown_record

COLUMNS = ("id", "parent", "author", "published", "text")


def drafted(content: PageContent, pattern: str) -> tuple[dict[str, Any], Record]:
    """The draft as `profile suggest` writes it (YAML), read back as a profile, and the record it
    gives on the same page."""
    draft = suggest(content, "draft", pattern)
    written = yaml.safe_dump(short_form(draft.profile), sort_keys=False, allow_unicode=True)
    data: dict[str, Any] = yaml.safe_load(written)
    return data, extract(content, Profile.model_validate(data))


def rows(record: Record) -> list[tuple[str | None, ...]]:
    return [(c.id, c.parent_id, c.author, c.published, c.text) for c in record.comments]


def assert_own_selectors(data: dict[str, Any], expected: Sequence[tuple[str | None, ...]]) -> None:
    """Every column the page has is read by a selector of the draft, not filled in by the fallbacks
    (`parent` by nesting, the draft's default)."""
    comments = data.get("comments") or {}
    assert comments.get("parent") == "nesting", comments
    for n, column in enumerate(COLUMNS):
        if column != "parent" and any(row[n] for row in expected):
            assert column in comments, f"the draft has no comments.{column}: {comments}"


@pytest.mark.parametrize("family", FAMILIES, ids=lambda f: f.name)
def test_a_draft_gives_each_comment_family_exactly(family: Family) -> None:
    content = PageContent(url="https://blog.test/p/", final_url="https://blog.test/p/",
                          fetched_at="2026-01-01T00:00:00Z", html=family_html(family))
    data, record = drafted(content, "*://blog.test/*")
    assert rows(record) == list(family.expected)
    assert record.sources["comments"] == "profile"
    assert_own_selectors(data, list(family.expected))
    text = record.article.text or ""
    assert "harbour" in text and "boats" in text
    for comment in record.comments:
        assert (comment.text or "x") not in text


@pytest.mark.usefixtures("pages_dir")
@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_a_draft_gives_each_unknown_theme_its_comments_and_post(page: Page) -> None:
    _, content = unknown_record(page)
    data, record = drafted(content, "*://pages.test/*")
    assert record.sources["comments"] == "profile"
    expected = [(cid, parent) for cid, parent, _, _ in page.comments]
    assert [(c.id, c.parent_id) for c in record.comments] == expected
    for comment, (cid, _, author, start) in zip(record.comments, page.comments, strict=True):
        assert folded(comment.text).startswith(start), cid
        assert comment.author == author, cid  # Epoch's bare-text commenter too
    assert_own_selectors(data, [(cid, parent, author, None, start)
                                for cid, parent, author, start in page.comments])
    text = folded(record.article.text)
    assert page.first in text
    if page.name != "4219d0":  # main-content extraction drops that post's recipe-card footer
        assert page.last in text


@pytest.fixture(scope="module")
def static_site() -> Iterator[str]:
    with serving(STATIC) as base:
        yield base


def rendered(session: BrowserSession, url: str) -> PageContent:
    """The page as `profile suggest` first renders it: the fallback profile, before any action."""
    probe = matching.fallback(PROFILES).model_copy(update={"actions": ()})
    deadline = 60.0
    job = RenderJob(url, probe, lambda _: probe, deadline)
    page, _ = session.run(lambda browser: render(browser, job), deadline)
    return page


def story_rows() -> list[tuple[str | None, ...]]:
    """The story's thread as its JSON states it (the page draws it from there), replies after the
    comment they answer."""
    data = json.loads((STATIC / "story.json").read_text(encoding="utf-8"))
    found: list[tuple[str | None, ...]] = []
    for top in data["reactions"]:
        for item, parent in ((top, None), *((kid, top["id"]) for kid in top.get("kids", []))):
            found.append((item["id"], parent, item["nick"], iso_datetime(item["at"]), item["text"]))
    return found


@pytest.mark.browser
@pytest.mark.parametrize("name", ["forum", "story"])
def test_a_draft_gives_the_javascript_pages_their_threads(
    static_site: str, chromium: BrowserSession, name: str
) -> None:
    data, record = drafted(rendered(chromium, f"{static_site}/{name}.html"), "*://127.0.0.1/*")
    expected = FORUM if name == "forum" else story_rows()
    assert rows(record) == expected
    assert record.sources["comments"] == "profile"
    assert_own_selectors(data, expected)
    opening = {"forum": "A topic about tide tables", "story": "The operator will run two night crossings"}
    assert opening[name] in (record.article.text or "")
