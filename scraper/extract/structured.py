"""What a page states about itself in machine-readable form: JSON-LD, microdata, Open Graph, <meta>.

The second step of every field's fallback chain (after the profile's selectors): a page whose theme
no profile knows usually still names its title, author, date and comment count here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from lxml import etree
from parsel import Selector

from scraper.extract.text import inline, paragraphs

ARTICLE_TYPES = frozenset({
    "Article", "NewsArticle", "BlogPosting", "Report", "ScholarlyArticle", "TechArticle",
    "SocialMediaPosting", "DiscussionForumPosting", "LiveBlogPosting", "OpinionNewsArticle",
    "AnalysisNewsArticle", "ReportageNewsArticle", "BackgroundNewsArticle", "Posting",
})
COMMENT_TYPES = frozenset({"Comment", "Answer", "UserComments"})
_COMMENT_ID = re.compile(r"(\d+)\D*$")


@dataclass(frozen=True)
class DataComment:
    """A comment a page states in JSON-LD (it has no element of its own to read)."""

    id: str | None
    parent_id: str | None
    author: str | None
    published: str | None
    text: str | None


@dataclass(frozen=True)
class Structured:
    title: str | None = None
    author: str | None = None
    published: str | None = None
    text: str | None = None  # paragraphs joined by a blank line
    tags: list[str] = field(default_factory=list)
    comment_count: int | None = None  # what the page says its thread holds
    comments: list[DataComment] = field(default_factory=list)


def read_structured(doc: Selector) -> Structured:
    nodes = list(_jsonld_nodes(doc))
    by_id = {n["@id"]: n for n in nodes if isinstance(n.get("@id"), str) and len(n) > 1}
    article = next((n for n in nodes if _types(n) & ARTICLE_TYPES), None)
    ld = _from_jsonld(article, by_id) if article is not None else Structured()
    micro = _from_microdata(doc)
    meta = _from_meta(doc)
    return Structured(
        title=ld.title or micro.title or meta.title,
        author=ld.author or micro.author or meta.author,
        published=ld.published or micro.published or meta.published,
        text=micro.text or ld.text,  # microdata keeps the paragraphs; JSON-LD often flattens them
        tags=ld.tags or meta.tags,
        comment_count=_first_int(ld.comment_count, micro.comment_count),
        comments=ld.comments,
    )


def _first_int(*values: int | None) -> int | None:
    return next((v for v in values if v is not None), None)


# --- JSON-LD -----------------------------------------------------------------------------------------


def _jsonld_nodes(doc: Selector) -> Iterator[dict[str, Any]]:
    for raw in doc.xpath("//script[contains(@type, 'ld+json')]/text()").getall():
        raw = raw.strip().removeprefix("<!--").removesuffix("-->").strip()
        raw = raw.removeprefix("//<![CDATA[").removesuffix("//]]>").strip()
        try:
            data = json.loads(raw)
        except ValueError:  # a broken block says nothing; the others may still speak
            continue
        yield from _walk(data)


def _walk(data: Any) -> Iterator[dict[str, Any]]:
    if isinstance(data, list):
        for item in data:
            yield from _walk(item)
    elif isinstance(data, dict):
        yield data
        for key, value in data.items():
            if key != "comment":  # comments are read as a thread, from their article
                yield from _walk(value)


def _types(node: dict[str, Any]) -> set[str]:
    raw = node.get("@type")
    names = raw if isinstance(raw, list) else [raw]
    return {str(n).rsplit("/", 1)[-1] for n in names if n}


def _resolve(value: Any, by_id: dict[str, dict[str, Any]]) -> Any:
    if isinstance(value, dict) and set(value) <= {"@id", "@type"} and value.get("@id") in by_id:
        return by_id[value["@id"]]
    return value


def _name(value: Any, by_id: dict[str, dict[str, Any]]) -> str | None:
    """A person's (or several people's) name, from a string, a Person, or a list of them."""
    if isinstance(value, list):
        names = [n for n in (_name(v, by_id) for v in value) if n]
        return ", ".join(dict.fromkeys(names)) or None
    value = _resolve(value, by_id)
    if isinstance(value, dict):
        value = value.get("name")
        if isinstance(value, list):
            value = value[0] if value else None
    if isinstance(value, str) and value.strip() and not value.strip().startswith(("http://", "https://")):
        return inline(value)
    return None


def _text(value: Any) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value.strip():
        return None
    if "<" in value:  # some plugins put the rendered HTML in articleBody / text
        return "\n\n".join(paragraphs(etree.fromstring(f"<div>{value}</div>", etree.HTMLParser()))) or None
    chunks = [inline(c) for c in re.split(r"\n\s*\n|\r\n\s*\r\n", value)]
    return "\n\n".join(c for c in chunks if c) or None


def _count(node: dict[str, Any]) -> int | None:
    raw = node.get("commentCount")
    if raw is None:
        stats = node.get("interactionStatistic")
        for stat in stats if isinstance(stats, list) else [stats]:
            if isinstance(stat, dict) and "CommentAction" in str(stat.get("interactionType")):
                raw = stat.get("userInteractionCount")
    try:
        return int(str(raw).strip()) if raw is not None else None
    except ValueError:
        return None


def _from_jsonld(article: dict[str, Any], by_id: dict[str, dict[str, Any]]) -> Structured:
    keywords = article.get("keywords")
    tags = keywords if isinstance(keywords, list) else str(keywords or "").split(",")
    return Structured(
        title=_text(article.get("headline") or article.get("name")),
        author=_name(article.get("author") or article.get("creator"), by_id),
        published=_text(article.get("datePublished") or article.get("dateCreated")),
        text=_text(article.get("articleBody") or article.get("text")),
        tags=[inline(str(t)) for t in tags if str(t).strip()],
        comment_count=_count(article),
        comments=list(_thread(article.get("comment"), None, by_id)),
    )


def _thread(value: Any, parent: str | None, by_id: dict[str, dict[str, Any]]) -> Iterator[DataComment]:
    for node in value if isinstance(value, list) else [value]:
        node = _resolve(node, by_id)
        if not isinstance(node, dict) or not _types(node) & COMMENT_TYPES:
            continue
        ref = node.get("@id") or node.get("url") or node.get("identifier")
        match = _COMMENT_ID.search(str(ref)) if ref else None
        own = match.group(1) if match else None
        yield DataComment(
            id=own, parent_id=parent, author=_name(node.get("author") or node.get("creator"), by_id),
            published=_text(node.get("dateCreated") or node.get("datePublished")),
            text=_text(node.get("text") or node.get("commentText") or node.get("description")),
        )
        yield from _thread(node.get("comment"), own, by_id)


# --- microdata ---------------------------------------------------------------------------------------


def scope_props(scope: Selector, name: str) -> list[Selector]:
    """Elements carrying `itemprop=name` that belong to this item, not to an item nested in it."""
    found = []
    for prop in scope.xpath(f".//*[contains(concat(' ', normalize-space(@itemprop), ' '), ' {name} ')]"):
        owner = prop.xpath("ancestor::*[@itemscope][1]")
        if owner and owner[0].root is scope.root:
            found.append(prop)
    return found


def prop_value(prop: Selector) -> str | None:
    """A microdata value: content/datetime attributes first, else the element's text."""
    for attr in ("content", "datetime", "title" if prop.root.tag == "abbr" else ""):
        if attr and (value := prop.attrib.get(attr)):
            return inline(value) or None
    if prop.attrib.get("itemscope") is not None:
        names = scope_props(prop, "name")
        if names:
            return prop_value(names[0])
    return " ".join(paragraphs(prop.root)) or None


def _from_microdata(doc: Selector) -> Structured:
    scopes = [s for s in doc.xpath("//*[@itemscope][@itemtype]")
              if str(s.attrib["itemtype"]).rstrip("/").rsplit("/", 1)[-1] in ARTICLE_TYPES]
    if not scopes:
        return Structured()
    scope = scopes[0]

    def first(*names: str) -> str | None:
        for name in names:
            for prop in scope_props(scope, name):
                if value := prop_value(prop):
                    return value
        return None

    bodies = scope_props(scope, "articleBody")
    count = first("commentCount")
    return Structured(
        title=first("headline", "name"), author=first("author", "creator"),
        published=first("datePublished", "dateCreated"),
        text="\n\n".join(paragraphs(bodies[0].root)) or None if bodies else None,
        comment_count=int(count) if count and count.isdigit() else None,
    )


# --- Open Graph and <meta> -------------------------------------------------------------------------


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def _meta(metas: list[etree._Element], *names: str) -> list[str]:
    """The `content` of the `<meta>`s with one of these properties (or names, in any ASCII case), as
    `//meta[@property=N or translate(@name, …)=n]/@content` would give them, name after name."""
    values: list[str] = []
    for name in names:
        lowered = name.lower()
        found = [m.get("content") for m in metas
                 if m.get("property") == name or (m.get("name") or "").translate(_ASCII_LOWER) == lowered]
        values.extend(v for v in (inline(x) for x in found if x is not None) if v)
    return values


def _from_meta(doc: Selector) -> Structured:
    # One walk of the document (as `//meta`) for the sixteen names, not one each.
    metas = list(doc.root.getroottree().getroot().iter("meta"))
    authors = [a for a in _meta(metas, "article:author", "author", "citation_author", "dc.creator")
               if not a.startswith(("http://", "https://"))]
    titles = _meta(metas, "og:title", "twitter:title", "citation_title", "dc.title")
    dates = _meta(metas, "article:published_time", "citation_publication_date", "dc.date.issued",
                  "dc.date", "date", "pubdate", "publishdate")
    return Structured(
        title=titles[0] if titles else None, author=authors[0] if authors else None,
        published=dates[0] if dates else None, tags=list(dict.fromkeys(_meta(metas, "article:tag"))),
    )
