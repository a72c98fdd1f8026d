"""The parts of one comment whose markup no profile describes: who wrote it, when, and what.

Each reader takes the comment's own markup (its replies already cut out) and looks for what themes
and plugins agree on: microdata, `vcard`/`fn`, `cite`, `time[datetime]`, and class or id words
(`comment-author`, `wc-comment-date`, `comment_body`, `c-body`, `comment-copy`…). The text is the
text-like part that holds neither the author nor the date; failing that, what is left once the
author, date, header, footer and tools are taken away (themes that print bare `p`s).
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass

from lxml import etree

from scraper.extract.comments.words import (
    AUTHOR_WORDS,
    DATE_WORDS,
    ISO_DATE,
    META_WORDS,
    TEXT_WORDS,
    is_date,
    tag,
    words,
)
from scraper.extract.text import image_words, inline, paragraphs

MAX_AUTHOR = 80  # characters: longer is a sentence, not a name
_BY = re.compile(
    r"^(?:(?:posted|written|submitted|comment(?:ed)?)\s+)?(?:by|von|par|por|oleh)\s*:?\s+|^from\s+",
    re.IGNORECASE,
)
_SAYS = re.compile(r"\s*(?:says|said|wrote|schreibt|dit|dice|berkata)\b.*$|\s*:\s*$", re.IGNORECASE)
# Drupal marks anonymous names "NAME (not verified)": not part of the name.
_UNVERIFIED = re.compile(r"\s*\((?:not verified|unverified|guest)\)\s*$", re.IGNORECASE)
_POSTED_BY = re.compile(
    r"(?:posted|written|submitted|comment(?:ed)?)\s+by:?\s*(.+?)(?:\s*[|@,]|\s+on\s+|\s+at\s+|$)",
    re.IGNORECASE,
)
_POSTED_BY_START = re.compile(r"\s*(?:posted|written|submitted|comment(?:ed)?)\s+by\b", re.IGNORECASE)
# The date of a "Submitted by NAME on DATE." / "written by NAME, DATE" line.
_BYLINE_DATE = re.compile(r"\bby:?\s*.+?(?:\s*[|@,]\s*|\s+on\s+)(.+?)\.?\s*$", re.IGNORECASE)
MAX_BARE_NAME = 40  # characters of a name printed as a bare text node
_DATE_PROPS = ("dateCreated", "datePublished", "commentTime", "dateModified")
_BLOCKS = frozenset({"p", "div", "blockquote", "ul", "ol", "dl", "section", "article", "pre", "table",
                     "h1", "h2", "h3", "h4", "h5", "h6", "figure"})
_NOT_TEXT = ("img", "form", "button", "input", "textarea", "select", "svg", "script", "style")


@dataclass(frozen=True)
class Parts:
    author: str | None
    published: str | None
    text: str | None


def _text(el: etree._Element) -> str:
    return " ".join(paragraphs(el))


def _is_part(el: etree._Element, part: frozenset[str]) -> bool:
    return bool(words(el) & part)


def _innermost(candidates: list[etree._Element]) -> list[etree._Element]:
    inside = {a for el in candidates for a in el.iterancestors()}
    return [el for el in candidates if el not in inside]


def clean_author(raw: str) -> str | None:
    name = _UNVERIFIED.sub("", _SAYS.sub("", _BY.sub("", inline(raw)))).strip(" :-–—|,")
    return name if name and len(name) <= MAX_AUTHOR and not is_date(name) else None


def author_of(item: etree._Element, *, guess: bool = True,
              date: etree._Element | None = None) -> tuple[str | None, etree._Element | None]:
    """The author as markup names it (microdata, `fn`, author-like classes, `cite`, commenter links);
    with `guess`, also a leading bold name, and a short bare text before the `date` part."""
    for el in item.iter():
        if isinstance(el.tag, str) and "author" in (el.get("itemprop") or "").split():
            names = [n for n in el.iter() if n.get("itemprop") == "name"]
            value = names[0].get("content") or _text(names[0]) if names else _text(el)
            if name := clean_author(value):
                return name, el
    fn = [el for el in item.iter() if isinstance(el.tag, str) and "fn" in (el.get("class") or "").split()]
    by_words = [el for el in item.iter() if isinstance(el.tag, str) and el is not item
                and _is_part(el, AUTHOR_WORDS) and not _is_part(el, DATE_WORDS | {"avatar", "photo"})]
    for group in (fn, _innermost(by_words), item.findall(".//cite")):
        for el in group:
            # "NAME on DATE said:" in one block: the name is its first child (`strong`, a link).
            for part in (el, *[c for c in el if isinstance(c.tag, str)][:1]):
                if name := clean_author(_text(part)):
                    return name, part
    links = item.xpath(".//a[contains(concat(' ', @rel, ' '), ' author ') or contains(@rel, 'external')"
                       " or contains(concat(' ', @class, ' '), ' url ')]")
    for el in links:
        if name := clean_author(_text(el)):
            return name, el
    for el in item.iter():  # Movable Type: "Posted by: NAME | DATE"
        posted = el is not item and isinstance(el.tag, str) and _POSTED_BY_START.match(el.text or "")
        if posted and (m := _POSTED_BY.search(_text(el))) and (name := clean_author(m.group(1))):
            return name, el
    if guess:
        for el in item.xpath(".//strong | .//b")[:1]:
            if name := clean_author(_text(el)):
                return name, el
        if date is not None:
            return _bare_name(item, date)
    return None, None


def _bare_name(item: etree._Element, date: etree._Element) -> tuple[str | None, etree._Element | None]:
    """A name printed as a bare text node (`<img class="avatar"> Dana<br><a>DATE</a>`): the first text
    of the item, when it comes before the date, outside any paragraph, and is a few words long."""
    for el in item.iter():
        if el is date:
            return None, None
        if not isinstance(el.tag, str):
            continue
        for text, holder in ((el.text, el), (el.tail, el.getparent())):
            if not (text and text.strip()):
                continue
            if holder is None or holder is item or tag(holder) in ("p", "blockquote") \
                    or any(tag(a) in ("p", "blockquote") for a in holder.iterancestors()):
                return None, None
            name = clean_author(text)
            ok = name and len(name) <= MAX_BARE_NAME and len(name.split()) <= 4
            return (name, holder) if ok else (None, None)
    return None, None


def date_of(item: etree._Element) -> tuple[str | None, etree._Element | None]:
    for attr in ("datetime", "content", "title"):
        for el in item.xpath(f".//*[@{attr}]"):
            value = el.get(attr) or ""
            if attr != "datetime" and el.get("itemprop") not in _DATE_PROPS and not (
                attr == "title" and tag(el) in ("abbr", "span", "time", "a")
            ):
                continue
            if ISO_DATE.match(value):
                return value.strip(), el
    by_words = _innermost([el for el in item.iter() if isinstance(el.tag, str) and el is not item
                           and _is_part(el, DATE_WORDS)])
    permalinks = item.xpath(".//a[contains(@href, '#comment') or contains(@href, '#c')]")
    for el in [*by_words, *permalinks, *item.xpath(".//small | .//*[contains(@class, 'meta')]")]:
        # The innermost element that reads as a date: "Posted by NAME | <a>DATE</a>" gives DATE.
        for part in reversed([d for d in el.iter() if isinstance(d.tag, str)]):
            title = part.get("title") or ""
            value = title if is_date(title) else _text(part)
            if value and len(value) <= 100 and is_date(value):
                return value, part
    for el in item.iter():  # "Submitted by NAME on DATE.", "written by NAME, DATE"
        byline = el is not item and isinstance(el.tag, str) and _POSTED_BY_START.match(el.text or "")
        if byline and (m := _BYLINE_DATE.search(_text(el))) and is_date(m.group(1)):
            return m.group(1), el
    return None, None


def text_part(item: etree._Element, author: etree._Element | None,
              date: etree._Element | None) -> etree._Element | None:
    """The text-like part (`comment-content`, `comment_body`, `comment-copy`…) that holds neither
    the author nor the date; None when the theme prints its text as bare paragraphs."""
    taken = {el for el in (author, date) if el is not None}
    holders = {a for el in taken for a in (el, *el.iterancestors())}
    candidates = [el for el in item.iter() if isinstance(el.tag, str) and el is not item
                  and _is_part(el, TEXT_WORDS) and not _is_part(el, META_WORDS | AUTHOR_WORDS | DATE_WORDS)
                  and el not in holders and _text(el)]
    return max(candidates, key=lambda el: len(_text(el)), default=None)


def text_of(item: etree._Element, author: etree._Element | None, date: etree._Element | None) -> str | None:
    """The comment's words: its text-like part, else what is left without author, date and tools."""
    part = text_part(item, author, date)
    if part is not None:
        return "\n\n".join(paragraphs(part))
    return _rest(item, {el for el in (author, date) if el is not None})


def _rest(item: etree._Element, taken: set[etree._Element]) -> str | None:
    clone = copy.deepcopy(item)
    originals = dict(zip(item.iter(), clone.iter(), strict=True))
    taken_blocks = [originals[_block_of(el, item, taken)] for el in taken]
    doomed = list(taken_blocks)
    doomed += [c for o, c in originals.items() if o is not item and isinstance(o.tag, str) and (
        (tag(o) in _NOT_TEXT and not (tag(o) == "img" and image_words(o)))
        or (_is_part(o, META_WORDS) and not _is_part(o, TEXT_WORDS) and not _holds_paragraphs(o, taken)))]
    for el in doomed:
        _drop(el, keep_tail=el not in taken_blocks)
    return "\n\n".join(paragraphs(clone)) or None


def _holds_paragraphs(el: etree._Element, taken: set[etree._Element]) -> bool:
    """Whether a header-like block (`div.comment-info`, `div.comment-author.vcard`) also holds the
    comment's paragraphs (words outside links: a "Reply" link's `p` is not one), which stay."""
    for p in el.iter("p", "blockquote"):
        if any(t in taken for t in p.iter()):
            continue
        if "".join(p.xpath(".//text()[not(ancestor::a)]")).strip():
            return True
    return False


def _drop(el: etree._Element, *, keep_tail: bool) -> None:
    """Remove an element, keeping the text that follows it unless it only finishes a byline
    (Kubrick's `<cite>NAME</cite> Says:`)."""
    parent = el.getparent()
    if parent is None:
        return
    if el.tail and (keep_tail or len(el.tail.strip()) > 20):
        previous = el.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + el.tail
        else:
            parent.text = (parent.text or "") + el.tail
    parent.remove(el)


def _block_of(el: etree._Element, item: etree._Element, taken: set[etree._Element]) -> etree._Element:
    """The largest wrapper of an author or date part that holds nothing else worth reading
    (`div.comment-author` around `cite.fn`, a `footer` around the byline and the date): it stops
    at a parent with a block of its own words, such as the comment's paragraph."""
    block = el
    for parent in el.iterancestors():
        if parent is item:
            break
        for child in parent:
            if not isinstance(child.tag, str) or any(t in taken for t in child.iter()):
                continue
            own_text = _text(child)
            if own_text and not _is_part(child, META_WORDS) and (
                tag(child) in _BLOCKS or len(own_text) > 20
            ):
                return block
        block = parent
    return block


def read_parts(item: etree._Element, *, guess_author: bool = True) -> Parts:
    published, date_el = date_of(item)
    author, author_el = author_of(item, guess=guess_author, date=date_el)
    return Parts(author, published, text_of(item, author_el, date_el))
