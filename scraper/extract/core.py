"""HTML + profile -> Record. Pure: no browser, no clock, no I/O.

Each field comes from the first step of its chain that yields (profile, structured data, main
content or structure detection), and the record says which (`sources`); what may leave the capture
incomplete (the renderer's observations, a thread shorter than the page's own count) becomes its
`warnings`.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable, Sequence

from lxml import etree
from parsel import Selector

from scraper.extract import cssmatch, fields
from scraper.extract.article import extract_article
from scraper.extract.budget import Tick, unbounded
from scraper.extract.comments import Thread, find_thread, thread_warnings
from scraper.extract.dom import parse_html
from scraper.extract.structured import Structured, read_structured
from scraper.model.page import PageContent
from scraper.model.record import ARTICLE_EMPTY, Record
from scraper.profiles import regexes
from scraper.profiles.schema import NormaliseRule, Profile

# Where themes and widgets put a thread, its heading and its form: cut, with the comments
# themselves, from the page the main-content extraction reads.
_THREAD_AREAS = (
    "//*[@id='comments' or @id='respond' or @id='disqus_thread' or @id='comment-section'"
    " or @id='comments-section' or @id='isso-thread' or @id='wpdiscuz-comment-section'"
    + "".join(f" or contains(concat(' ', normalize-space(@class), ' '), ' {c} ')" for c in (
        "comments-area", "comment-list", "commentlist", "comments", "comment-respond",
        "comments-list", "wp-block-comments", "wp-block-post-comments", "wpd-thread-list",
    ))
    + "]"
)


IN_TEXT_PARAGRAPHS = 2  # paragraphs beside an `aside` that make it part of the text


def parse(html: str, ignore: Iterable[str]) -> Selector:
    """Parse and drop the boilerplate (`ignore`) before any field is read."""
    doc = parse_html(html or "<html></html>")
    for expr in cssmatch.drop_batches(tuple(ignore)):
        for node in fields.select(doc, expr):
            if not isinstance(node.root, str) and node.root.getparent() is not None:
                node.drop()
    return doc


def without_comments(doc: Selector, comments: Sequence[etree._Element]) -> Selector:
    """The page as main-content extraction should see it: no comments (whose authors and dates
    would pass for the article's, and whose words would leak into its text), no thread around them."""
    clone = copy.deepcopy(doc.root)
    twins = dict(zip(doc.root.iter(), clone.iter(), strict=True))
    doomed = [twins[el] for el in comments if el in twins]
    doomed += clone.xpath(_THREAD_AREAS)
    for node in doomed:
        parent = node.getparent()
        if parent is not None:
            parent.remove(node)
    for box in clone.iter("aside"):
        # An `aside` among the text's paragraphs is the article's own (a fact box, a pull quote),
        # which main-content extraction would drop with the sidebars: read it as a block.
        parent = box.getparent()
        if parent is not None and len(parent.findall("p")) >= IN_TEXT_PARAGRAPHS:
            box.tag = "div"
    return Selector(root=clone)


def _thread(page: PageContent, profile: Profile, doc: Selector, structured: Structured,
            tick: Tick) -> Thread:
    spec = profile.comments
    if spec is not None and spec.frame is not None:  # the widget lives in that iframe, and only there
        html = page.frames.get(spec.frame)
        frame = parse(html, profile.ignore) if html is not None else Selector(text="<html/>")
        found = find_thread(frame, [], spec, [], tick)
        return Thread(found.comments, found.source, warnings=found.warnings)
    frames = [parse(html, profile.ignore) for html in page.frames.values()]
    return find_thread(doc, frames, spec, structured.comments, tick)


def normalise(record: Record, rules: Sequence[NormaliseRule]) -> Record:
    """Apply the noise rules (relative times, counters…) to every text value of the record."""
    if not rules:
        return record
    compiled = [(regexes.compile_user(r.regex), r.replace) for r in rules]

    def clean(value: str | None) -> str | None:
        if value is None:
            return None
        for pattern, replacement in compiled:
            value = regexes.sub(pattern, replacement, value)
        value = re.sub(r"[ \t]+", " ", value).strip()
        return value or None

    a = record.article
    article = a.model_copy(update={
        "title": clean(a.title), "author": clean(a.author), "published": clean(a.published),
        "text": clean(a.text), "tags": [t for t in (clean(t) for t in a.tags) if t],
    })
    comments = [c.model_copy(update={
        "author": clean(c.author), "published": clean(c.published), "text": clean(c.text),
    }) for c in record.comments]
    return record.model_copy(update={"article": article, "comments": comments})


def extract(page: PageContent, profile: Profile, tick: Tick = unbounded) -> Record:
    """The page's record. `tick` is called between steps and comments: the caller's bound (it
    raises when the job's time is up)."""
    doc = parse(page.html, profile.ignore)
    tick()
    structured = read_structured(doc)
    thread = _thread(page, profile, doc, structured, tick)
    tick()
    article, sources = extract_article(
        doc, profile.article, structured, lambda: without_comments(doc, thread.elements),
        page.final_url, thread.elements,
    )
    if thread.source is not None:
        sources["comments"] = thread.source
    warnings = [*page.warnings, *thread.warnings,
                *thread_warnings(doc, len(thread.comments), structured.comment_count, thread.elements)]
    record = Record(
        url=page.url, final_url=page.final_url, fetched_at=page.fetched_at, profile=profile.name,
        article=article, comments=thread.comments, sources=sources,
    )
    # Never a silent empty article: not when nothing was found, nor on a page no site profile
    # recognised (the fallback profile) whose comments were found but not its text.
    if not article.text and (not thread.comments or profile.article.auto):
        warnings.append(empty_article(record))
    record = record.model_copy(update={"warnings": list(dict.fromkeys(warnings))})
    return normalise(record, profile.normalise)


def empty_article(record: Record) -> str:
    """Why a record without article text nor comments is not whole (never a silent empty record)."""
    if record.is_empty():
        return (f"{ARTICLE_EMPTY}: profile '{record.profile}' found no title, text, byline, tags "
                "or comments on this page")
    return f"{ARTICLE_EMPTY}: profile '{record.profile}' found no article text on this page"
