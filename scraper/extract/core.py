"""HTML + profile -> Record. Pure: no browser, no clock, no I/O."""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable, Sequence

from lxml import etree
from parsel import Selector

from scraper.extract import fields
from scraper.extract.auto import auto_article
from scraper.extract.page import PageContent
from scraper.profiles import regexes
from scraper.profiles.schema import ArticleSpec, CommentsSpec, FieldSpec, NormaliseRule, Profile
from scraper.record import Article, Comment, Record


def parse(html: str, ignore: Iterable[str]) -> Selector:
    """Parse and drop the boilerplate (`ignore`) before any field is read."""
    doc = Selector(text=html or "<html></html>")
    for expr in ignore:
        for node in fields.select(doc, expr):
            if not isinstance(node.root, str) and node.root.getparent() is not None:
                node.drop()
    return doc


def _article_only(doc: Selector, comments: CommentsSpec | None) -> str:
    """The page as trafilatura should see it: without the boilerplate (already dropped from `doc`)
    and without the comments, whose authors and dates would pass for the article's."""
    clone = Selector(root=copy.deepcopy(doc.root))
    if comments is not None:
        for node in fields.select(clone, comments.item):
            if not isinstance(node.root, str) and node.root.getparent() is not None:
                node.drop()
    return str(clone.get())


def extract_article(doc: Selector, spec: ArticleSpec, comments: CommentsSpec | None, url: str) -> Article:
    article = Article(
        title=fields.first_str(doc, spec.title),
        author=fields.first_str(doc, spec.author),
        published=fields.first_str(doc, spec.published),
        text=fields.joined_text(doc, spec.text),
        tags=fields.all_str(doc, spec.tags),
        likes=fields.first_int(doc, spec.likes),
    )
    if not spec.auto or all([article.title, article.author, article.published, article.text]):
        return article
    auto = auto_article(_article_only(doc, comments), url)
    return article.model_copy(update={
        "title": article.title or auto.title,
        "author": article.author or auto.author,
        "published": article.published or auto.published,
        "text": article.text or auto.text,
        "tags": article.tags or auto.tags,
    })


def _nearest_item(el: etree._Element, items: dict[etree._Element, int]) -> int | None:
    for ancestor in el.iterancestors():
        if ancestor in items:
            return items[ancestor]
    return None


def _own(item: etree._Element, items: dict[etree._Element, int]) -> Selector:
    """The item without the items nested in it, so a reply's text never counts as its parent's."""
    clone = copy.deepcopy(item)
    nested = [c for o, c in zip(item.iter(), clone.iter(), strict=True) if o is not item and o in items]
    for node in nested:
        parent = node.getparent()
        if parent is not None:
            parent.remove(node)
    return Selector(root=clone)


def extract_comments(doc: Selector, spec: CommentsSpec) -> list[Comment]:
    in_place = [s for s in fields.select(doc, spec.item) if not isinstance(s.root, str)]
    roots = [s.root for s in in_place]
    position = {el: i for i, el in enumerate(roots)}
    # id and parent read the item where it stands (XPath may look at siblings and ancestors);
    # author, date and text read it without its nested replies.
    ids = [fields.first_str(s, spec.id) for s in in_place]
    comments = []
    for i, item in enumerate(in_place):
        own = _own(roots[i], position)
        if isinstance(spec.parent, FieldSpec):
            parent_id = fields.first_str(item, spec.parent)
        else:
            parent = _nearest_item(roots[i], position)
            parent_id = ids[parent] if parent is not None else None
        comments.append(Comment(
            id=ids[i],
            parent_id=parent_id,
            author=fields.first_str(own, spec.author),
            published=fields.first_str(own, spec.published),
            text=fields.joined_text(own, spec.text),
        ))
    return comments


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


def extract(page: PageContent, profile: Profile) -> Record:
    doc = parse(page.html, profile.ignore)
    article = extract_article(doc, profile.article, profile.comments, page.final_url)
    comments: list[Comment] = []
    if profile.comments is not None:
        spec = profile.comments
        source = doc
        if spec.frame is not None:
            frame_html = page.frames.get(spec.frame)
            source = parse(frame_html, profile.ignore) if frame_html is not None else Selector(text="<html/>")
        comments = extract_comments(source, spec)
    record = Record(
        url=page.url, final_url=page.final_url, fetched_at=page.fetched_at,
        profile=profile.name, article=article, comments=comments,
    )
    return normalise(record, profile.normalise)
