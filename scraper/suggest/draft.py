"""A draft profile for a page no profile describes. Pure: a rendered page in, profile data out.

The fallback chain finds the page's fields (structured data, main content, structure detection);
the draft names the elements they came from with plain selectors, and keeps a selector only when it
reads, on this page, exactly what the chain found. A person then edits it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeAlias

from lxml import etree
from parsel import Selector

from scraper.extract import fields
from scraper.extract.article import extract_article
from scraper.extract.comments.detect import detect_items
from scraper.extract.comments.items import Item, members, own
from scraper.extract.comments.parts import author_of, date_of, text_of, text_part
from scraper.extract.comments.thread import from_microdata
from scraper.extract.core import parse, without_comments
from scraper.extract.structured import read_structured
from scraper.extract.text import paragraphs
from scraper.model.page import PageContent
from scraper.profiles.schema import ArticleSpec, FieldSpec
from scraper.suggest import picks
from scraper.suggest.picks import block_kinds, id_attribute
from scraper.suggest.selectors import (
    element_candidates,
    first_or_pair,
    first_that,
    reads_exactly,
    same_elements,
    tag,
)

# What the draft drops before reading, as the built-in profiles do: the comment form, share bars,
# the sidebar's recent comments.
IGNORE = ("#respond", ".comment-respond", ".sharedaddy", ".widget_recent_comments")
LOAD_MORE = re.compile(
    r"\b(load|show|view|see|display|read)\b.{0,30}\b(more|older|previous|earlier|all|remaining)\b"
    r".{0,30}\b(comments?|repl(y|ies)|responses?|posts?)\b|^\W*more\s+(comments|replies)\W*$",
    re.IGNORECASE,
)

# The name and the date in a byline ("Posted by: NAME | DATE", "Submitted by NAME (not verified) on
# DATE.", "written by NAME, DATE"), as detection reads them.
BYLINE_NAME = (r"(?i)(?:posted|written|submitted|comment(?:ed)?)\s+by:?\s*(.+?)"
               r"(?:\s*[|@,(]|\s+on\s+|\s+at\s+|$)")
BYLINE_DATE = r"(?i)\bby:?\s*.+?(?:\s*[|@,]\s*|\s+on\s+)(.+?)\.?\s*$"


@dataclass
class Draft:
    profile: dict[str, Any]
    notes: list[str] = field(default_factory=list)  # what the draft could not name


def _text(el: etree._Element) -> str:
    return " ".join(paragraphs(el))


# --- comments --------------------------------------------------------------------------------------


def _item_selector(doc: Selector, items: list[Item]) -> str | None:
    heads = [item.head for item in items]
    candidates = [c for c in element_candidates(heads[0]) if c != tag(heads[0])]
    prefixes = {re.sub(r"\d.*$", "", h.get("id") or "") for h in heads}
    tags = list(dict.fromkeys(tag(h) for h in heads))
    if len(prefixes) == 1 and (prefix := prefixes.pop()):
        # Replies printed in another element than the comments they answer (`li#comment-1` >
        # `div.comment-childs#comment-2`) share only the id's prefix.
        candidates += [f"{tags[0]}[id^='{prefix}']"] if len(tags) == 1 else [f"[id^='{prefix}']"]
    if len(tags) > 1:  # one selector per kind of element, as a group
        kinds = [next(h for h in heads if tag(h) == t) for t in tags]
        named = [[c for c in element_candidates(k) if c != tag(k)] for k in kinds]
        if all(named):
            candidates.append(", ".join(n[0] for n in named))
    candidates.append(tag(heads[0]))
    return next((c for c in candidates if same_elements(doc, c, heads)), None)


def _names_within(el: etree._Element, top: etree._Element) -> list[str]:
    """Ways to name a part inside its comment (`top`): its own names; its microdata property; a
    permalink as one; and, for a part with no name of its own (`<a>` in `small.meta`), its tag under
    the nearest named ancestors, or the last of its kind there ("Posted by <a>NAME</a> | <a>DATE</a>"
    beside "Posted by NAME | <a>DATE</a>")."""
    found = [c for c in element_candidates(el) if not c.startswith("#") and c != tag(el)]
    if prop := (el.get("itemprop") or "").split():
        found.append(f"{tag(el)}[itemprop~='{prop[0]}']")
    if tag(el) == "a" and (el.get("href") or "").startswith("#"):
        found.append("a[href^='#']")
    ancestors = [a for a in el.iterancestors() if a is not top and top in a.iterancestors()] \
        if el is not top else []
    for ancestor in ancestors[:3]:
        for name in (c for c in element_candidates(ancestor) if not c.startswith("#") and c != tag(ancestor)):
            found += [f"{name} > {tag(el)}", f"{name} > {tag(el)}:last-of-type"]
    found.append(tag(el))
    return found


def _part_candidates(els: list[etree._Element | None], attr: str | None,
                     tops: list[etree._Element] | None = None) -> list[tuple[str, dict[str, Any]]]:
    found: list[str] = []
    for n, el in enumerate(els):
        if el is not None:
            suffix = f"::attr({a})" if (a := attr or None) else ""
            names = _names_within(el, tops[n]) if tops else element_candidates(el)
            found += [c + suffix for c in names if not c.startswith("#") and c + suffix not in found]
    return [(c, {}) for c in found]


def _date_attr(value: str | None, el: etree._Element | None) -> str | None:
    if el is None:
        return None
    return next((a for a in ("datetime", "content", "title") if el.get(a) and el.get(a, "").strip() == value),
                None)


def comments_spec(doc: Selector, items: list[Item], notes: list[str]) -> dict[str, Any] | None:
    item = _item_selector(doc, items)
    if item is None:
        notes.append("comments: no selector picks exactly the detected comments")
        return None
    belongs = members(items)
    copies = [own(i, belongs) for i in items]
    contexts = [Selector(root=c) for c in copies]
    dates = [date_of(c) for c in copies]
    # As detection reads them: a name printed as bare text before the date counts too.
    authors = [author_of(c, date=d[1]) for c, d in zip(copies, dates, strict=True)]
    texts = [text_part(c, a[1], d[1]) for c, a, d in zip(copies, authors, dates, strict=True)]
    spec: dict[str, Any] = {"item": item}
    ids = [i.id for i in items]
    if any(ids):
        spec["id"] = first_that(
            [(s, {"regex": r"(\d+)(?:_\d+)?$"}) for s in (
                "::attr(id)", "::attr(data-comment-id)", "::attr(data-id)",
                "xpath:preceding-sibling::a[starts-with(@id, 'comment-')][1]/@id",
                "xpath:./*[contains(@id, 'comment-')]/@id")],
            reads_exactly([Selector(root=i.head) for i in items], ids))
    elif (attr := id_attribute([i.head for i in items])) is not None:  # data-rx="r12"
        spec["id"] = f"::attr({attr})"
    spec["parent"] = "nesting"
    named = [c for c, _ in _part_candidates([a[1] for a in authors], None, copies)]
    spec["author"] = first_or_pair(
        [*((c, {}) for c in named), *((f"{c}::text", {}) for c in named),  # a bare name
         *((c, {"regex": BYLINE_NAME}) for c in named)], contexts, [a[0] for a in authors])
    published = [fields.iso_datetime(d[0]) if d[0] else None for d in dates]
    when: list[tuple[str, dict[str, Any]]] = []
    for (value, el), top in zip(dates, copies, strict=True):  # each date read from its own attribute
        when += [(c, {"type": "datetime"}) for c, _ in _part_candidates([el], _date_attr(value, el), [top])]
    when += [(c, {"type": "datetime", "regex": BYLINE_DATE}) for c, _ in
             _part_candidates([d[1] for d in dates], None, copies)]
    unique = {(c, str(o)): (c, o) for c, o in when}
    spec["published"] = first_or_pair(list(unique.values()), contexts, published)
    words = [text_of(c, a[1], d[1]) for c, a, d in zip(copies, authors, dates, strict=True)]
    # The rest of the comment: its children that hold neither the author nor the date.
    meta = sorted({tag(child) for c, a, d in zip(copies, authors, dates, strict=True) for child in c
                   if isinstance(child.tag, str) and any(e is child or child in e.iterancestors()
                                                         for e in (a[1], d[1]) if e is not None)})
    rest: list[tuple[str, dict[str, Any]]] = [
        (f"xpath:./*[not({' or '.join(f'self::{t}' for t in meta)})]", {})] if meta else []
    spec["text"] = first_or_pair(
        [*_part_candidates(list(texts), None, copies), ("xpath:./p", {}), ("xpath:./*/p", {}), ("p", {}),
         ("xpath:./p[not(@class)]", {}), ("xpath:./*/p[not(@class)]", {}), *rest],  # not a classed byline
        contexts, words, text=True)
    for name in ("id", "author", "published", "text"):
        if name in spec and spec[name] is None:
            del spec[name]
            notes.append(f"comments.{name}: no selector reads it on every comment; left to the fallbacks")
    return spec


def load_more(doc: Selector) -> str | None:
    """A "load more comments" control in the page, named by a selector that finds only it."""
    for el in doc.root.iter("button", "a"):
        if el.get("href", "#").startswith(("#", "javascript")) and LOAD_MORE.search(_text(el)):
            return next((c for c in element_candidates(el) if same_elements(doc, c, [el])), None)
    return None


# --- the article ------------------------------------------------------------------------------------


def _containing(doc: Selector, text: str) -> list[etree._Element]:
    """Elements whose own words are exactly `text` (innermost first)."""
    return [el for el in doc.root.iter() if isinstance(el.tag, str) and el.tag not in ("script", "style")
            and _text(el) == text and not any(_text(c) == text for c in el if isinstance(c.tag, str))]


def _covers(doc: Selector, length: int) -> Callable[[FieldSpec], bool]:
    return lambda f: len(fields.joined_text(doc, f) or "") >= 0.8 * length


def _body(doc: Selector, text: str, title: str | None) -> dict[str, Any] | None:
    """The container of the article's paragraphs, read as its block children (the kinds it has).
    It is searched from the longest paragraph up (a kicker or a byline that main content kept is
    not the body) to the first ancestor holding most of the text's length."""
    wanted = [p for p in text.split("\n\n") if p != title]  # main content may lead with the title
    if not wanted:
        return None
    total = sum(len(p) for p in wanted)
    anchor = max(wanted, key=len)
    for ancestor in (a for s in _containing(doc, anchor)[:1] for a in s.iterancestors()):
        inside = set(paragraphs(ancestor))
        if sum(len(p) for p in wanted if p in inside) < 0.8 * total:
            continue
        kinds = block_kinds(ancestor)
        candidates: list[tuple[str, dict[str, Any]]] = [
            (", ".join(f"{c} > {kind}" for kind in kinds), {}) if kinds else (c, {})
            for c in element_candidates(ancestor) if c != tag(ancestor)]
        if (found := first_that(candidates, _covers(doc, len("\n\n".join(wanted))))) is not None:
            return found
    return None


def _byline(doc: Selector, spec: dict[str, Any], title: str | None, comments: list[etree._Element]) -> None:
    """The post's author and date, read as a comment's are, in the block around its title."""
    heading = _containing(doc, title)[:1] if title else []
    region = next((a for h in heading for a in h.iterancestors() if len(_text(a)) > 3 * len(title or "")),
                  None)
    if region is None:
        return
    clone = own(Item((region,)), {**{el: 1 for el in comments}, region: 0})
    name, name_el = author_of(clone, guess=False)
    if name and name_el is not None and "author" not in spec:
        spec["author"] = first_that(
            [(c, options) for c in element_candidates(name_el) if not c.startswith("#")
             for options in ({}, {"regex": r"(?i)^(?:(?:posted|written)\s+)?(?:by\s+)?(.+)$"})],
            _gives(doc, name))
    date, date_el = date_of(clone)
    if date and date_el is not None:
        attr = _date_attr(date, date_el)
        suffix = f"::attr({attr})" if attr else ""
        named = [c + suffix for c in element_candidates(date_el) if not c.startswith("#")]
        spec["published"] = first_that([(c, {"type": "datetime"}) for c in named],
                                       _gives(doc, fields.iso_datetime(date)))


def _gives(doc: Selector, value: str) -> Callable[[FieldSpec], bool]:
    return lambda f: fields.first_str(doc, f) == value


def article_spec(doc: Selector, page: PageContent, comments: list[etree._Element]) -> dict[str, Any]:
    found, _ = extract_article(doc, ArticleSpec(auto=True), read_structured(doc),
                               lambda: without_comments(doc, comments), page.final_url, comments)
    spec: dict[str, Any] = {}
    for name, value, extra in (("title", found.title, ["meta[property='og:title']::attr(content)"]),
                               ("author", found.author, ["meta[name='author']::attr(content)"])):
        if value:
            named: list[tuple[str, dict[str, Any]]] = [
                (c, {}) for el in _containing(doc, value)[:3] for c in element_candidates(el)
                if not c.startswith("#")]
            spec[name] = first_that([*named, *((e, {}) for e in extra)], _gives(doc, value))
    _byline(doc, spec, found.title, comments)
    if found.published and "published" not in spec:
        times = [f"{c}::attr(datetime)" for el in doc.root.iter("time") for c in element_candidates(el)]
        times.append("meta[property='article:published_time']::attr(content)")
        spec["published"] = first_that([(s, {"type": "datetime"}) for s in times],
                                       lambda f: fields.first_str(doc, f) == found.published)
    if found.text:
        spec["text"] = _body(doc, found.text, found.title)
    if doc.css("a[rel~=tag]"):
        spec["tags"] = "a[rel~=tag]"
    return {k: v for k, v in spec.items() if v is not None}


Pick: TypeAlias = etree._Element | str  # an element a person pointed at, or a selector typed


def suggest(page: PageContent, name: str, url_pattern: str, *,
            doc: Selector | None = None, picked: Mapping[str, Pick] | None = None) -> Draft:
    """A draft profile for the page. `picked` (the builder): fields a person pointed at or typed,
    by name (`article.text`, `comments.item`, `comments.author`…), on `doc` (the page parsed,
    given so the elements are its own)."""
    doc = doc if doc is not None else parse(page.html, IGNORE)
    picked = picked or {}
    # The comments as the fallback chain finds them: microdata's first, else by their structure.
    stated = from_microdata(doc)
    items = [Item((el,), c.id) for el, c in zip(stated.elements, stated.comments, strict=True)] or \
        detect_items(doc.root)
    comment = picked.get("comments.item")
    if isinstance(comment, etree._Element):
        items = picks.items_from(doc, comment, items)
    draft = Draft({
        "name": name,
        "description": f"Draft by `scraper profile suggest` from {page.final_url}: check and edit",
        "priority": 30,
        "match": {"urls": [url_pattern]},
        "ready": {"network_idle": True, "required": False, "timeout": 15},
    })
    control = load_more(doc)
    draft.profile["actions"] = [*([{"click": control, "max": 30}] if control else []),
                                {"scroll": "until-stable", "max": 30}]
    draft.profile["block"] = ["image", "media", "font"]
    draft.profile["ignore"] = list(IGNORE)
    heads = [el for item in items for el in item.elements]
    draft.profile["article"] = article_spec(doc, page, heads)
    if items:
        if (comments := comments_spec(doc, items, draft.notes)) is not None:
            draft.profile["comments"] = comments
    elif comment is None:
        draft.notes.append("no comments found on the page: the draft has no comments section")
    _apply(doc, draft, picked, items)
    for missing in ("title", "text"):
        if missing not in draft.profile["article"]:
            draft.notes.append(f"article.{missing}: no selector reads it exactly; left to the fallbacks")
    return draft


def _apply(doc: Selector, draft: Draft, picked: Mapping[str, Pick], items: list[Item]) -> None:
    """What a person pointed at or typed, over what the draft found by itself."""
    for key, pick in picked.items():
        section, _, name = key.partition(".")
        if section == "comments" and name == "item":
            if isinstance(pick, str):
                draft.profile.setdefault("comments", {"parent": "nesting"})["item"] = picks.typed(pick)
            elif not items:
                draft.notes.append("comments.item: no repeated element around the one pointed at")
            continue
        target = draft.profile["article"] if section == "article" else draft.profile.get("comments")
        if target is None:
            draft.notes.append(f"{key}: point at a comment first")
            continue
        if isinstance(pick, str):
            found: Any = picks.typed(pick)
        elif section == "article":
            found = picks.article_field(doc, name, pick)
        elif name == "id":
            found = (f"::attr({attr})" if items and (attr := id_attribute([i.head for i in items]))
                     else None)
        else:
            found = picks.comment_part(items, name, pick)
        if found is None:
            draft.notes.append(f"{key}: no selector reads what was pointed at; left as it was")
        else:
            target[name] = found


def short_form(data: Any) -> Any:
    """`{select: X}` written as plain `X`, as a person would write it."""
    if isinstance(data, dict):
        if set(data) == {"select"}:
            return data["select"]
        return {k: short_form(v) for k, v in data.items()}
    if isinstance(data, list):
        return [short_form(v) for v in data]
    return data
