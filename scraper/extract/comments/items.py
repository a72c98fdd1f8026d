"""Comment items as elements: a comment's own markup without its replies, and who replies to whom."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass

from lxml import etree


@dataclass(frozen=True)
class Item:
    """One comment's markup: usually one element; Thesis-style lists give two (`dt` + `dd`)."""

    elements: tuple[etree._Element, ...]
    id: str | None = None

    @property
    def head(self) -> etree._Element:
        return self.elements[0]


def item_at(el: etree._Element, comment_id: str | None = None) -> Item:
    """The comment standing at `el`; a definition-list term takes its description along (Thesis
    prints the byline in `dt` and the text in the `dd` after it)."""
    following = el.getnext() if el.tag == "dt" else None
    if following is not None and following.tag == "dd":
        return Item((el, following), comment_id)
    return Item((el,), comment_id)


def members(items: Sequence[Item]) -> dict[etree._Element, int]:
    return {el: i for i, item in enumerate(items) for el in item.elements}


def own(item: Item, belongs: dict[etree._Element, int]) -> etree._Element:
    """A copy of the item without the items nested in it, so a reply's words never count as its
    parent's. Several elements are wrapped in one `div`.

    Only the item's own nodes are copied (a reply is skipped, not copied and then cut): a deep
    copy of each item with all its descendants made a deep thread quadratic (3,000 nested
    replies: a minute)."""
    mine = belongs.get(item.head)
    copies = [_copy_own(element, belongs, mine) for element in item.elements]
    if len(copies) == 1:
        return copies[0]
    wrapper = etree.Element("div")
    wrapper.extend(copies)
    return wrapper


def _copy_own(element: etree._Element, belongs: dict[etree._Element, int],
              mine: int | None) -> etree._Element:
    """`element` copied with its descendants, except those of another item (with their tails, as
    a removed node takes its tail). A loop, not recursion: threads nest deeper than the stack."""
    root = _shallow(element)
    stack = [(element, root)]
    while stack:
        original, clone = stack.pop()
        for child in original:
            if belongs.get(child, mine) != mine:
                continue
            twin = _shallow(child)
            clone.append(twin)
            stack.append((child, twin))
    return root


def _shallow(node: etree._Element) -> etree._Element:
    # A comment, a processing instruction or an entity has no children: copied whole.
    twin = node.makeelement(node.tag, node.attrib) if isinstance(node.tag, str) else copy.copy(node)
    twin.text, twin.tail = node.text, node.tail
    return twin


def parents(items: Sequence[Item]) -> list[int | None]:
    """Each item's parent: the nearest item around it; else, for threads that print replies in a
    block right after their parent (Drupal's `div.indented`, some forums), the item just before the
    block that holds it."""
    belongs = members(items)
    found: list[int | None] = []
    for i, item in enumerate(items):
        parent: int | None = None
        for ancestor in item.head.iterancestors():
            if belongs.get(ancestor, i) != i:
                parent = belongs[ancestor]
                break
        if parent is None:
            for ancestor in item.head.iterancestors():
                before = ancestor.getprevious()
                while before is not None and not isinstance(before.tag, str):
                    before = before.getprevious()
                if before is not None and belongs.get(before, i) != i and belongs[before] < i:
                    parent = belongs[before]
                    break
                if ancestor.getparent() is None or any(belongs.get(el, i) != i for el in ancestor.iter()):
                    break  # a block holding other comments is the list, not a reply block
        found.append(parent)
    return found


def in_page_order(items: list[Item], root: etree._Element) -> list[Item]:
    position = {el: n for n, el in enumerate(root.iter())}
    return sorted(items, key=lambda item: position.get(item.head, 0))
