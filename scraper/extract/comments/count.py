"""What a page says about its own thread, to tell a partial capture from a complete one: the count it
prints ("15 Comments", "3 thoughts on …", `comments_number()`), the count it states in JSON-LD or
microdata (`commentCount`), and links to further pages of the thread (WordPress's paged comments).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from lxml import etree
from parsel import Selector

from scraper.extract.text import paragraphs

_NUMBERS = {"no": 0, "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
            "seven": 7, "eight": 8, "nine": 9, "ten": 10}
_NOUN = (r"(?:comments?|responses?|repl(?:y|ies)|thoughts?|reactions?|kommentare?|commentaires?|"
         r"comentarios?|commenti|komentar|reacties)")
_COUNT = re.compile(
    rf"^\W*(?:there\s+(?:are|is)\s+|showing\s+)?(\d[\d,.]*|{'|'.join(_NUMBERS)})\s+{_NOUN}\b", re.IGNORECASE
)
_COUNT_AFTER = re.compile(rf"^\W*{_NOUN}\s*[(\[:]\s*(\d[\d,.]*)\s*[)\]]?\W*$", re.IGNORECASE)
# Headings, and the elements themes use for the count (`#comments-title`, `.comments-count`…).
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
# Links to other pages of a WordPress thread ("Older Comments"); comment permalinks carry
# `comment-page-N/#comment-M` and are not navigation.
_PAGES = ("//a[(contains(@href, '/comment-page-') or contains(@href, 'cpage='))"
          " and not(contains(@href, '#comment-'))]")


def _holds_count(el: etree._Element) -> bool:
    if el.tag in _HEADINGS:
        return True
    cls, ident = el.get("class") or "", el.get("id") or ""
    return ("comment" in cls or "comment" in ident) and (
        "title" in cls or "count" in cls or "number" in cls or "title" in ident or "count" in ident)


def _candidates(root: etree._Element, skip: set[etree._Element]) -> Iterator[etree._Element]:
    """The count's places in document order, without entering the comments (a walk of the page
    outside its thread, where an XPath over every element took ~110 ms on a 5,000-comment page)."""
    stack = [root]
    while stack:
        el = stack.pop()
        if not isinstance(el.tag, str):
            continue
        if _holds_count(el):
            yield el
        if el not in skip:
            stack.extend(reversed(el))


def _number(raw: str) -> int | None:
    raw = raw.lower()
    if raw in _NUMBERS:
        return _NUMBERS[raw]
    digits = re.sub(r"[,.]", "", raw)
    return int(digits) if digits.isdigit() else None


def printed_count(doc: Selector, skip: Iterable[etree._Element] = ()) -> int | None:
    """The first comment count the page prints in a heading or count element, outside the comments."""
    for el in _candidates(doc.root, set(skip)):
        text = " ".join(paragraphs(el))
        if len(text) > 200:
            continue
        m = _COUNT.match(text) or _COUNT_AFTER.match(text)
        if m and (n := _number(m.group(1))) is not None:
            return n
    return None


def thread_warnings(doc: Selector, found: int, stated: int | None,
                    items: Iterable[etree._Element] = ()) -> list[str]:
    """Why the captured thread may be incomplete, as a person would read it (empty if it looks whole)."""
    elements = list(items)
    warnings = []
    count = stated if stated is not None else printed_count(doc, elements)
    if count is not None and count > found:
        warnings.append(f"the page says it has {count} comments; {found} were captured")
    inside = set(elements)
    paging = [a for a in doc.xpath(_PAGES) if not any(p in inside for p in a.root.iterancestors())]
    if paging:
        warnings.append("the comments are split into pages (comment-page links): "
                        "only this page's comments were captured")
    return warnings
