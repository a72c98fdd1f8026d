"""The article's fields, each from the first step of its chain that yields: the profile's selectors,
then what the page states in structured data (JSON-LD, microdata, Open Graph, <meta>), then
main-content extraction (trafilatura on the page without its comments and boilerplate).

The text is never silently empty: when the profile's selectors find nothing, or far less than the
page's main content (a theme that prints the post outside the containers the profile knows), the
main content is used instead, and `sources["text"]` says so. Only on a page the profile recognises,
though: one where nothing at all was found (no title, byline, date, tags or comments) is a page the
profile does not describe, and its record stays empty (see `Record.is_empty`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import cache
from typing import TypeVar

from lxml import etree
from parsel import Selector

from scraper.extract import fields
from scraper.extract.auto import AutoArticle, auto_article
from scraper.extract.structured import Structured, read_structured
from scraper.extract.text import paragraphs
from scraper.model.record import Article, Source
from scraper.profiles.schema import ArticleSpec

# The profile's text is checked against the main content when it is under this share of the
# paragraph text of the page (outside comments, navigation and sidebars)...
CHECK_BELOW = 0.5
# ... and replaced when the main content is this many times longer (and longer by MIN_GAIN chars).
REPLACE_ABOVE = 2.0
MIN_GAIN = 200
T = TypeVar("T")
_CHROME = ("nav", "header", "footer", "aside", "form")
_BLOCKS = frozenset(("p", "div", "section", "article", "ul", "ol", "table", "blockquote", "pre", "figure",
                     "h1", "h2", "h3", "h4", "h5", "h6", "form", "nav", "header", "footer", "aside"))
TEXT_BLOCK = 80  # characters


def loose_paragraphs(doc: Selector, skip: Iterable[etree._Element]) -> list[str]:
    """The page's paragraphs outside comments and page chrome: a cheap upper bound of its main
    content (so trafilatura runs only when the profile's text may fall short of it), and the text of
    last resort when trafilatura finds nothing."""
    skipped = set(skip)
    found = []
    # One walk down the tree that never enters a comment or the chrome (a long thread's paragraphs
    # are most of an article page's): the paragraphs with neither above them, in document order.
    stack = [doc.root]
    while stack:
        el = stack.pop()
        tag = el.tag
        if not isinstance(tag, str):  # an HTML comment or processing instruction
            continue
        if (tag == "p" or (tag == "div" and _text_block(el))) and (text := " ".join(paragraphs(el))):
            found.append(text)
        if el not in skipped and tag not in _CHROME:
            stack.extend(reversed(el))
    return found


def _text_block(div: etree._Element) -> bool:
    """A div used as a paragraph (`div.para`): no blocks inside, and a sentence's length of words
    (shorter ones are kickers, bylines and buttons)."""
    if any(isinstance(c.tag, str) and c.tag in _BLOCKS for c in div):  # children: one pass in all
        return False
    return len(" ".join(div.itertext()).strip()) >= TEXT_BLOCK


def _length(text: str | None) -> int:
    return len(text or "")


def extract_article(
    doc: Selector, spec: ArticleSpec, structured: Structured, without_comments: Callable[[], Selector],
    url: str, comment_elements: Iterable[etree._Element],
) -> tuple[Article, dict[str, Source]]:
    sources: dict[str, Source] = {}

    @cache
    def main() -> AutoArticle:
        return auto_article(str(without_comments().get()), url)

    def pick(name: str, profile: T | None, stated: T | None) -> T | None:
        if profile:
            sources[name] = "profile"
            return profile
        if stated:
            sources[name] = "structured"
            return stated
        found: T | None = getattr(main(), name) if spec.auto else None
        if found:
            sources[name] = "fallback"
        return found or None

    published = fields.iso_datetime(structured.published) if structured.published else None
    article = Article(
        title=pick("title", fields.first_str(doc, spec.title), structured.title),
        author=pick("author", fields.first_str(doc, spec.author), structured.author),
        published=pick("published", fields.first_str(doc, spec.published), published),
        tags=pick("tags", fields.all_str(doc, spec.tags), structured.tags) or [],
        likes=fields.first_int(doc, spec.likes),
    )
    if article.likes is not None:
        sources["likes"] = "profile"
    text = fields.joined_text(doc, spec.text)
    source: Source | None = "profile" if text else None
    # The fallback fills a gap in a page the profile recognises (a title, a byline, comments…);
    # a page it finds nothing at all on (a consent wall, a redesign) stays empty, so a watch sees
    # a profile mismatch rather than the wall's text as the article.
    elements = list(comment_elements)
    recognised = spec.auto or bool(text or elements or sources or structured.comments)
    loose = loose_paragraphs(doc, elements) if recognised else []
    if _length(text) < CHECK_BELOW * sum(len(p) for p in loose):
        stated = read_structured(without_comments()).text
        fallback = main().text or "\n\n".join(loose)
        best = max(_length(stated), _length(fallback))
        if best >= REPLACE_ABOVE * _length(text) and best - _length(text) >= min(MIN_GAIN, best):
            # Structured text wins when it is about as long, and not one flattened block.
            if stated and _length(stated) >= 0.8 * best and "\n\n" in stated:
                text, source = stated, "structured"
            else:
                text, source = fallback, "fallback"
    if source in ("fallback", "structured") and text and article.title:
        # Main content often leads with the heading: the title is a field of its own.
        first, _, rest = text.partition("\n\n")
        text = rest if " ".join(first.split()) == " ".join(article.title.split()) else text
    if source is not None and text:
        sources["text"] = source
    return article.model_copy(update={"text": text or None}), sources
