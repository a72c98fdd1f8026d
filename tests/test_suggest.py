"""`scraper profile suggest`: a draft profile that `profile check` accepts and that, used as a
profile, gives the page's comments exactly, from its own selectors.

Two markups: the demo's `/lazy/` page (WordPress comment list behind a "Load more comments" link)
and the forum page (posts drawn by JavaScript, no comment class or id).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from scraper.browser import BrowserSession
from scraper.cli import main
from scraper.config.settings import load_settings
from scraper.demo.site import DemoSite
from scraper.pipeline.capture import capture
from tests.fixtures.pages import serving
from tests.sites import BUILTIN_PROFILES, STATIC
from tests.test_unknown_pages import FORUM

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def static_site() -> Iterator[str]:
    with serving(STATIC) as base:
        yield base


def draft(url: str, folder: Path, name: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """Suggest a profile into `folder`, check it, and make the folder a profile folder."""
    path = folder / f"{name}.yaml"
    assert main(["profile", "suggest", url, "--output", str(path)]) == 0
    assert main(["profile", "check", str(path)]) == 0
    monkeypatch.setenv("SCRAPER_PROFILES", os.pathsep.join([str(BUILTIN_PROFILES), str(folder)]))
    data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return data


def rows(url: str, profile: str, session: BrowserSession) -> tuple[list[tuple[Any, ...]], str]:
    record = capture(url, profile=profile, session=session, settings=load_settings())
    return ([(c.id, c.parent_id, c.author, c.published, c.text) for c in record.comments],
            record.sources["comments"])


def test_a_draft_for_a_wordpress_thread_behind_load_more(
    demo_site: DemoSite, chromium: BrowserSession, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    data = draft(demo_site.lazy_url, tmp_path, "demo-draft", monkeypatch)
    assert data["actions"][0] == {"click": "a.load-more-comments", "max": 30}
    assert data["comments"]["item"] == "li.comment"
    shown = capsys.readouterr().out
    assert "✔ the draft's comment selectors give 14 comments; the fallback chain finds 14" in shown
    assert "comments.item" in shown  # the `profile test` view of the draft
    expected = [(c.id, c.parent_id, c.author, c.published, c.text) for c in demo_site.state.thread("lazy")]
    assert rows(demo_site.lazy_url, "demo-draft", chromium) == (expected, "profile")


def test_a_draft_for_an_unknown_forum(
    static_site: str, chromium: BrowserSession, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"{static_site}/forum.html"
    data = draft(url, tmp_path, "forum-draft", monkeypatch)
    assert data["comments"]["item"] == "article.topic-post"
    assert data["article"]["title"] == "h1.topic-title"
    assert rows(url, "forum-draft", chromium) == (FORUM, "profile")


def test_bad_input_is_refused_and_nothing_written(tmp_path: Path) -> None:
    url = "http://127.0.0.1:9/"
    assert main(["profile", "suggest", "not a url"]) == 2
    assert main(["profile", "suggest", url, "--output", str(tmp_path)]) == 2
    assert main(["profile", "suggest", url, "--output", str(tmp_path / "Bad Name.txt")]) == 2
    assert list(tmp_path.iterdir()) == []


def test_a_draft_for_a_story_in_markup_no_profile_knows(
    static_site: str, chromium: BrowserSession, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Issue 27's page: article paragraphs as `div.para`, comments as `section.rx[data-rx]` with a
    nested reply. The draft names the article's author, date and body and the comments' id, with
    no hand edits, and its table counts a reply's author once."""
    url = f"{static_site}/story.html"
    data = draft(url, tmp_path, "story-draft", monkeypatch)
    article = data["article"]
    assert article["author"] == "span.byline-name"
    assert article["published"] == {"select": "span.byline-when::attr(title)", "type": "datetime"}
    assert article["text"] == "div.story-copy > div.para"
    assert data["comments"]["id"] == "::attr(data-rx)"
    shown = capsys.readouterr().out
    assert "4 × strong.rx-nick" in shown and "5 × strong.rx-nick" not in shown
    assert "✔ the draft's comment selectors give 4 comments; the fallback chain finds 4" in shown
    record = capture(url, profile="story-draft", session=chromium, settings=load_settings())
    assert [(c.id, c.parent_id) for c in record.comments] == [
        ("r101", None), ("r104", "r101"), ("r102", None), ("r103", None)]
    assert (record.article.text or "").startswith("The operator will run two night crossings")
    assert record.article.author == "Ingrid Solberg"
