"""Readable text from an element: paragraphs kept apart, whitespace folded, scripts ignored."""

from __future__ import annotations

import re

from lxml import etree

# Elements that start a new paragraph; inline elements (a, b, span, time…) join their neighbours.
BLOCK = frozenset(
    {
        "address", "article", "aside", "blockquote", "dd", "details", "dialog", "div", "dl", "dt",
        "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6",
        "header", "hr", "li", "main", "nav", "ol", "p", "pre", "section", "summary", "table",
        "tbody", "thead", "tfoot", "tr", "td", "th", "ul"
    }
)
SKIP = frozenset({"script", "style", "noscript", "template", "svg", "button", "iframe"})
_BREAK = "\x00"
# Emoticons drawn as images (WordPress's `img.wp-smiley`, twemoji's `img.emoji`) read as their alt text;
# so do icon-sized images set in the text (CommentLuv's heart in `span.cluv`), which stand for words.
_SMILEY = re.compile(r"(?:^|[\s_-])(?:wp-smiley|smiley|emoji|emoticon)(?:$|[\s_-])")
ICON = 32  # pixels: an image at most this wide and high is drawn as part of a line of text


def _pixels(value: str | None) -> int | None:
    value = (value or "").strip().removesuffix("px")
    return int(value) if value.isdigit() else None


def image_words(el: etree._Element) -> str:
    """What an `img` says in the text: its alt when it is a smiley or icon-sized, else nothing."""
    alt = (el.get("alt") or "").strip()
    if not alt:
        return ""
    classes = el.get("class") or ""
    if _SMILEY.search(classes):
        return alt
    if any(w in classes or w in (el.get("src") or "") for w in ("avatar", "gravatar", "photo")):
        return ""  # a commenter's picture, whose alt is often the name: not text
    width, height = _pixels(el.get("width")), _pixels(el.get("height"))
    icon = width is not None and height is not None and width <= ICON and height <= ICON
    return f" {alt} " if icon else ""  # a word of its own, where a smiley sits in its sentence


def _walk(el: etree._Element, out: list[str]) -> None:
    tag = el.tag if isinstance(el.tag, str) else ""  # comments and processing instructions
    if tag in SKIP:
        return
    block = tag in BLOCK
    if block:
        out.append(_BREAK)
    if tag == "br":
        out.append(_BREAK)
    if tag == "img":
        out.append(image_words(el))
    if isinstance(el.tag, str) and el.text:
        out.append(el.text)
    for child in el:
        _walk(child, out)
        if child.tail:
            out.append(child.tail)
    if block:
        out.append(_BREAK)


def paragraphs(el: etree._Element) -> list[str]:
    out: list[str] = []
    _walk(el, out)  # the element's own tail belongs to its parent, so it is never read
    chunks = "".join(out).split(_BREAK)
    return [p for p in map(inline, chunks) if p]


def inline(value: str) -> str:
    # str.split() and the `\s` of `re` know the same whitespace (Py_UNICODE_ISSPACE): the same as
    # `\s+` -> " " and strip(), at a third of the cost (the text of every comment goes through here).
    return " ".join(value.split())
