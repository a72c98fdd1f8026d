"""Selectors from elements a person pointed at (the dashboard's profile builder): the article's body,
one comment, or any field to correct. Each proposal reads, on the page, what the element shows; the
rest of a draft comes from `suggest` as on the command line."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lxml import etree
from parsel import Selector

from scraper.extract import fields
from scraper.extract.comments.items import Item, members, own
from scraper.extract.comments.parts import date_of
from scraper.extract.text import paragraphs
from scraper.profiles.schema import FieldSpec
from scraper.suggest.selectors import element_candidates, first_that, reads_exactly, stable_classes, tag

BLOCKS = ("p", "h2", "h3", "h4", "ul", "ol", "blockquote", "pre", "figure")
# Fields a person can point at, in the order the builder asks for them.
ARTICLE_FIELDS = ("title", "author", "published", "text")
COMMENT_FIELDS = ("item", "id", "author", "published", "text")
CLIMB = 12  # levels looked up from a clicked element for the comment it is in


def words(el: etree._Element) -> str:
    return " ".join(paragraphs(el))


def _named(el: etree._Element) -> list[str]:
    return [c for c in element_candidates(el) if not c.startswith("#")]


def _uses_class(select: str) -> bool:
    return "." in select


# --- the comment ------------------------------------------------------------------------------------


def items_from(doc: Selector, el: etree._Element, detected: list[Item]) -> list[Item]:
    """The comments, given one element inside one of them: the detected comments when it is in
    one; else the highest repeated element around it (a class that several elements share) below
    the first ancestor that holds two of them (the list, not a comment)."""
    if any(item.head is el or item.head in el.iterancestors() for item in detected):
        return detected
    best: tuple[etree._Element, str] | None = None
    for level, ancestor in enumerate((el, *el.iterancestors())):
        if level > CLIMB or tag(ancestor) in ("body", "html"):
            break
        if best is not None and sum(1 for s in doc.css(best[1]) if ancestor in s.root.iterancestors()) >= 2:
            break
        for select in (c for c in _named(ancestor) if _uses_class(c)):
            found = [s.root for s in doc.css(select)]
            if len(found) >= 2 and ancestor in found:
                best = (ancestor, select)
                break
    if best is None:
        return []
    return [Item((s.root,)) for s in doc.css(best[1])]


def _item_of(el: etree._Element, items: list[Item]) -> int | None:
    """The innermost comment holding `el` (a reply, not the comment it answers)."""
    heads = {item.head: i for i, item in enumerate(items)}
    for candidate in (el, *el.iterancestors()):
        if candidate in heads:
            return heads[candidate]
    return None


def comment_part(items: list[Item], field: str, el: etree._Element) -> dict[str, Any] | str | None:
    """A selector, relative to each comment, for the part `el` is (author, date or text), that
    reads on the pointed comment what `el` shows and reads something on most of the others."""
    index = _item_of(el, items)
    if index is None:
        return None
    belongs = members(items)
    contexts = [Selector(root=own(item, belongs)) for item in items]
    mine = contexts[index]
    # The pointed element in the copy of its comment (the copy holds no nested reply).
    path = etree.ElementTree(items[index].head).getpath(el) if el is not items[index].head else "."
    copied = mine.root.xpath(path) if path != "." else [mine.root]
    target = copied[0] if copied else el
    options: dict[str, Any] = {}
    attr = None
    if field == "published":
        options = {"type": "datetime"}
        value, date_el = date_of(target)
        if value and date_el is not None:
            target = date_el
            attr = next((a for a in ("datetime", "content", "title") if date_el.get(a) == value), None)
    suffix = f"::attr({attr})" if attr else ""
    candidates = [(c + suffix, options) for c in _named(target)]

    def most(spec: FieldSpec) -> bool:
        want = target.get(attr) if attr else words(target)
        got = fields.first_str(mine, spec) if attr or field != "text" else fields.joined_text(mine, spec)
        if field == "published" and got and want:
            want = fields.iso_datetime(want)
        hits = sum(1 for c in contexts if fields.first_str(c, spec))
        return bool(got) and got == want and hits >= 0.6 * len(contexts)

    found = first_that(candidates, most)
    if found is None:
        return None
    return found["select"] if set(found) == {"select"} else found


def id_attribute(heads: list[etree._Element]) -> str | None:
    """An attribute that names each comment once (`id`, `data-*`): on every item, all different,
    each with a digit (an id, not a kind such as `data-type="reply"`)."""
    from scraper.browser.layout import STAMP

    names = [n for n in heads[0].attrib if (n == "id" or n.startswith("data-")) and n != STAMP]
    for name in sorted(names, key=lambda n: (n != "id", "id" not in n, n)):
        values = [h.get(name) for h in heads]
        if all(v and any(ch.isdigit() for ch in v) for v in values) and len(set(values)) == len(values):
            return str(name)
    return None


# --- the article ------------------------------------------------------------------------------------


def block_kinds(container: etree._Element) -> list[str]:
    """The kinds of block children a body's text is in: `p`, `ul`…, and divs used as paragraphs,
    named by their class (`div.para`)."""
    kinds = [k for k in BLOCKS if container.find(k) is not None]
    for child in container.iterchildren("div"):
        named = next((f"div.{c}" for c in stable_classes(child)), None)
        if named and named not in kinds and len(words(child)) >= 40:
            kinds.append(named)
    return kinds


def article_text(doc: Selector, el: etree._Element) -> dict[str, Any] | str | None:
    """The article's body, given an element in it: the nearest container with two or more blocks of
    text, read as those blocks."""
    for container in (el, *el.iterancestors()):
        if tag(container) in ("body", "html"):
            break
        kinds = block_kinds(container)
        blocks = [c for c in container if isinstance(c.tag, str) and len(words(c)) >= 40]
        if not kinds or len(blocks) < 2:
            continue
        whole = sum(len(words(b)) for b in blocks)
        candidates: list[tuple[str, dict[str, Any]]] = [
            (", ".join(f"{c} > {k}" for k in kinds), {}) for c in element_candidates(container)
            if c != tag(container)]
        if (found := first_that(candidates, _covering(doc, whole))) is not None:
            select: str = found["select"]
            return select
    return None


def _covering(doc: Selector, length: int) -> Callable[[FieldSpec], bool]:
    return lambda f: len(fields.joined_text(doc, f) or "") >= 0.9 * length


def article_field(doc: Selector, field: str, el: etree._Element) -> dict[str, Any] | str | None:
    """A selector for the article's title, author, date or text that reads what `el` shows."""
    if field == "text":
        return article_text(doc, el)
    if field == "published":
        value, date_el = date_of(el.getparent() if el.getparent() is not None else el)
        if value is None or date_el is None:
            value, date_el = words(el), el
        attr = next((a for a in ("datetime", "content", "title") if date_el.get(a) == value), None)
        suffix = f"::attr({attr})" if attr else ""
        found = first_that([(c + suffix, {"type": "datetime"}) for c in _named(date_el)],
                           lambda f: fields.first_str(doc, f) == fields.iso_datetime(value or ""))
        return found
    wanted = words(el)
    found = first_that([(c, {}) for c in element_candidates(el)], reads_exactly([doc], [wanted]))
    return found["select"] if found else None


def typed(select: str) -> dict[str, Any] | str:
    """A selector a person typed: checked as a profile would check it (ValueError if it is not
    one)."""
    from scraper.suggest.selectors import spec

    spec(select)
    return select
