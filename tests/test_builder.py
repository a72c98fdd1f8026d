"""The dashboard's profile builder in a real browser (pytest-playwright's Chromium) on a real uvicorn
server, on a page in markup no profile knows (tests/sites/static/story.html: the article's
paragraphs are `div.para`, the comments `section.rx[data-rx]` drawn by JavaScript, a reply nested
in `div.rx-kids`).

A person clicks the article and one comment on the picture, corrects a field by clicking, saves;
a capture with the saved profile then gives the article text and every comment, with its id and
the reply under its parent. The places to click are read from the page itself, opened in a tab of
the same size as the builder's render (1280 px wide), as a person sees them.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from playwright.sync_api import Page, expect

from scraper.base.errors import Conflict
from scraper.browser import BrowserSession
from scraper.config.settings import load_settings
from scraper.demo.site import DemoSite
from scraper.pipeline.capture import capture
from scraper.service import builder
from tests.fixtures.pages import serving
from tests.fixtures.web import Dashboard
from tests.sites import STATIC

pytestmark = pytest.mark.browser

ARTICLE = [
    "The operator will run two night crossings instead of four from the first of March, it said on Monday.",
    "Passenger numbers after ten in the evening fell by a third last year, according to figures "
    "published with the new timetable.",
    "Island councillors said the cut would leave shift workers without a way home and asked the "
    "regional authority to step in.",
    "The operator said the remaining crossings would use the larger vessel, so that no one travelling "
    "with a vehicle would be turned away.",
]
COMMENTS = [("r101", None, "M. Lindqvist"), ("r104", "r101", "harbourmaster_jo"), ("r102", None, "Ane"),
            ("r103", None, "P. Aho")]


@pytest.fixture(scope="module")
def static_site() -> Iterator[str]:
    with serving(STATIC) as base:
        yield base


def centre(page: Page, url: str, selector: str, nth: int = 0) -> tuple[float, float]:
    """Where `selector` is drawn on `url` at the builder's width: the middle of its box."""
    tab = page.context.new_page()
    try:
        tab.set_viewport_size({"width": 1280, "height": 720})
        tab.goto(url)
        element = tab.locator(selector).nth(nth)
        element.wait_for()
        box = element.bounding_box()
        assert box is not None
        return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    finally:
        tab.close()


def click_picture(page: Page, at: tuple[float, float]) -> None:
    with page.expect_navigation():
        page.locator("input[type=image][name=at]").click(position={"x": at[0], "y": at[1]})


def test_point_at_the_article_and_a_comment_correct_a_field_save_and_capture(
    page: Page, dashboard: Dashboard, static_site: str, chromium: BrowserSession, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url = f"{static_site}/story.html"
    paragraph = centre(page, url, "div.para", 1)
    reply = centre(page, url, "section.rx div.rx-msg", 1)  # the nested reply's text
    title = centre(page, url, "h1.story-title")

    page.goto(dashboard.base_url + "/profiles")
    page.get_by_role("link", name="New profile").click()
    page.get_by_label("Page address").fill(url)
    page.get_by_role("button", name="Load the page").click()
    expect(page.locator(".step")).to_contain_text("article's body")

    click_picture(page, paragraph)  # "Article body" is the first question, already chosen
    row = page.locator("tr", has=page.locator("input[value='article.text']"))
    expect(row).to_contain_text("div.story-copy > div.para")
    expect(row).to_contain_text("pointed at")
    expect(page.locator(".step")).to_contain_text("one comment")
    expect(page.locator(".builder-fields")).to_contain_text("ready wait")
    expect(page.locator("input[name=field][value='comments.item']")).to_be_checked()

    click_picture(page, reply)  # one comment: a reply, even
    expect(page.locator("tr", has=page.locator("input[value='comments.item']"))).to_contain_text("section.rx")
    expect(page.locator("tr", has=page.locator("input[value='comments.id']"))).to_contain_text(
        "::attr(data-rx)")
    expect(page.locator("svg.matches rect.m-comments-item")).to_have_count(4)  # every comment boxed
    expect(page.locator(".thread-preview li.depth-1")).to_contain_text("harbourmaster_jo")

    # A wrong title typed, then corrected by clicking the heading.
    page.get_by_label("Article title: type a selector").fill("div.kicker")
    page.get_by_role("button", name="Update").click()
    title_row = page.locator("tr", has=page.locator("input[value='article.title']"))
    expect(title_row).to_contain_text("Transport")
    page.check("input[name=field][value='article.title']")
    click_picture(page, title)
    expect(title_row).to_contain_text("h1.story-title")
    expect(title_row).to_contain_text("Night ferry timetable cut from March")
    expect(page.get_by_label("Article title: type a selector")).to_have_value("")

    page.get_by_label("Name").fill("coastline")
    page.get_by_role("button", name="Save the profile").click()
    expect(page.locator(".saved")).to_contain_text("Saved profile coastline")
    if shot := os.environ.get("SCRAPER_BUILDER_PNG"):  # `make builder-png`: the README's picture
        page.set_viewport_size({"width": 1360, "height": 1000})
        page.screenshot(path=shot)
    page.get_by_role("link", name="Watch this page with it").click()
    expect(page.locator("#in-url")).to_have_value(url)

    saved = load_settings().saved_profiles / "coastline.yaml"
    data = yaml.safe_load(saved.read_text(encoding="utf-8"))
    assert data["article"]["title"] == "h1.story-title"
    record = capture(url, profile="coastline", session=chromium, settings=load_settings())
    assert record.article.text == "\n\n".join(ARTICLE)
    assert record.article.author == "Ingrid Solberg"
    assert [(c.id, c.parent_id, c.author) for c in record.comments] == COMMENTS
    assert record.sources["comments"] == "profile"


def test_a_bad_address_is_refused_on_the_form(page: Page, dashboard: Dashboard) -> None:
    page.goto(dashboard.base_url + "/profiles/new")
    page.get_by_label("Page address").fill("file:///etc/passwd")
    page.get_by_role("button", name="Load the page").click()
    expect(page.locator(".error-line")).to_contain_text("file:///etc/passwd")
    assert not (load_settings().home / "builder").exists()


def test_a_wordpress_page_is_saved_as_extends_wordpress(
    chromium: BrowserSession, demo_site: DemoSite, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
) -> None:
    """On markup a built-in profile reads, the saved profile is that profile extended, not a copy of
    it: the shorter file that gives the same record on the page."""
    monkeypatch.setenv("SCRAPER_PROFILES", str(tmp_path))
    settings = load_settings()
    token = builder.open_page(chromium, settings, demo_site.article_url)
    proposal = builder.propose(settings, token, {}, "demo-blog")
    assert len(proposal.comments) == len(demo_site.state.thread("article"))
    saved = builder.save(settings, token, {}, "demo-blog")
    assert saved.path == str(tmp_path / "demo-blog.yaml")
    data = yaml.safe_load(Path(saved.path).read_text(encoding="utf-8"))
    assert data["extends"] == "wordpress"
    assert "comments" not in data  # every comment selector is wordpress's own
    record = capture(demo_site.article_url, profile="demo-blog", session=chromium, settings=load_settings())
    assert [c.text for c in record.comments] == [c.text for c in proposal.comments]
    with pytest.raises(Conflict, match="exists already"):
        builder.save(settings, token, {}, "demo-blog")
    with pytest.raises(Conflict, match="built-in"):
        builder.save(settings, token, {}, "wordpress")
