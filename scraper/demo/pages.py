"""The demo site's HTML: what the server sends before any JavaScript runs.

Title, byline, date, paragraphs and tag links come from the state and are rendered here; the tag
names, the like count and the whole comment list are left for the browser (static/pages.js), so a
plain fetch shows what the seed shows: `Tags: , , ,`, `%d bloggers like this:` and no comments.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import datetime
from html import escape
from pathlib import Path
from string import Template
from typing import Final

from scraper.demo import seed
from scraper.demo.state import SiteState

STATIC_DIR: Final = Path(__file__).parent / "static"
PAGE_SIZE: Final = 5  # comments per batch on /lazy/ and /infinite/

_LOAD_MORE: Final = (
    '\t\t\t\t\t<div class="comments-nav">'
    '<a href="#comments" class="load-more-comments" role="button">Load more comments</a></div>'
)
_SENTINEL: Final = '\t\t\t\t\t<div id="comments-sentinel" class="infinite-loader" aria-hidden="true"></div>'


@dataclass(frozen=True)
class Page:
    """One article page: where it lives, which thread it shows, and how its comments arrive."""

    name: str  # also body[data-page], which tells pages.js how to load the comments
    path: str
    thread: str
    after_list: str = ""  # markup between ol.commentlist and #respond
    framed: bool = False


PAGES: Final = {
    p.path: p
    for p in (
        Page("article", seed.ARTICLE_PATH, "article"),
        Page("lazy", "/lazy/", "lazy", after_list=_LOAD_MORE),
        Page("infinite", "/infinite/", "infinite", after_list=_SENTINEL),
        Page("framed", "/framed/", "article", framed=True),
    )
}


@functools.cache
def _template(name: str) -> Template:
    return Template((STATIC_DIR / name).read_text(encoding="utf-8"))


def article_page(state: SiteState, page: Page, *, widget_url: str = "") -> str:
    """The article as WordPress.com serves it; `widget_url` is the comments iframe of /framed/."""
    article = state.article
    published = datetime.fromisoformat(article.published)
    return _template("article.html").substitute(
        page=page.name, thread=page.thread, page_size=PAGE_SIZE, path=escape(page.path),
        blog_name=escape(seed.BLOG_NAME),
        title=escape(article.title), author=escape(article.author),
        published=escape(article.published), date_human=_human_date(published),
        time_human=_human_time(published), caption=escape(article.caption),
        paragraphs=_paragraphs(article.paragraphs), tag_links=_tag_links(article.tags),
        comments=_comments_block(page, widget_url),
    )


def widget_page(thread: str) -> str:
    """The comments widget framed by /framed/: heading and list only, drawn by pages.js."""
    return _template("widget.html").substitute(thread=escape(thread))


def consent_page() -> str:
    """What every article URL serves in broken-layout mode: a consent wall, no article markup."""
    return _template("consent.html").substitute(blog_name=escape(seed.BLOG_NAME))


def index_page() -> str:
    return _template("index.html").substitute(
        blog_name=escape(seed.BLOG_NAME), article_path=escape(seed.ARTICLE_PATH)
    )


def tag_slug(tag: str) -> str:
    """WordPress-style slug: "Bashar al-Assad" -> "bashar-al-assad"."""
    return re.sub(r"[^a-z0-9]+", "-", tag.lower()).strip("-") or "tag"


def _comments_block(page: Page, widget_url: str) -> str:
    respond = _template("respond.html").template
    if page.framed:
        return _template("framed-comments.html").substitute(
            widget_url=escape(widget_url), respond=respond
        )
    return _template("comments.html").substitute(after_list=page.after_list, respond=respond)


def _paragraphs(paragraphs: tuple[str, ...]) -> str:
    return "\n".join(f"\t\t\t\t\t\t<p>{escape(p)}</p>" for p in paragraphs)


def _tag_links(tags: tuple[str, ...]) -> str:
    # Empty anchors on purpose: the names arrive by JavaScript, as on the seed page.
    return ", ".join(f'<a href="/tag/{tag_slug(t)}/" rel="tag"></a>' for t in tags)


_MONTHS: Final = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)


def _human_date(moment: datetime) -> str:
    """"October 19, 2016", spelled out here because strftime's %B follows the host's locale."""
    return f"{_MONTHS[moment.month - 1]} {moment.day}, {moment.year}"


def _human_time(moment: datetime) -> str:
    return f"{moment.hour % 12 or 12}:{moment.minute:02d} {'am' if moment.hour < 12 else 'pm'}"
