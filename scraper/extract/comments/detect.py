"""Structure detection: the comments of a page whose markup no profile describes.

Two signals, tried in order:
1. Comment ids. Comment systems give each comment an element id carrying its number (`comment-12`,
   `li-comment-12`, `c12`, `wc-comm-12_0`, Drupal's empty `a#comment-12` before the comment). The
   outermost element of each number is the comment; a Thesis `dt` takes its `dd` along.
2. Repetition. Sibling blocks of the same shape (tag and classes, minus counters such as `odd` or
   `depth-2`) that each carry an author-like part, a date-like part and text, outside navigation,
   sidebars and widgets; the best such group, with the blocks of its shape nested in it (replies).
Either way a candidate must read as a comment (text, and an author or a date) to count.
"""

from __future__ import annotations

import re
from collections import defaultdict

from lxml import etree

from scraper.extract.budget import Tick, unbounded
from scraper.extract.comments.items import Item, in_page_order, item_at, members, own
from scraper.extract.comments.parts import author_of, date_of, read_parts
from scraper.extract.comments.words import (
    BARE_C_ID,
    COMMENT_ID,
    NOT_THREAD_TAGS,
    NOT_THREAD_WORDS,
    THREAD_WORDS,
    tag,
    words,
)
from scraper.extract.text import paragraphs

BLOCK_TAGS = frozenset({"li", "div", "article", "section", "dd", "dt", "tr", "blockquote"})
_STATE = re.compile(
    r"^(?:odd|even|alt|first|last|parent|active|selected|new|highlighted?|bypostauthor|byuser|"
    r"(?:thread|depth|comment-author|by|is|has|level|wc_comment_level)[-_].*|.*\d.*)$"
)
_STATE_PREFIX = re.compile(r"^(?:has|no|with|without|is|show|hide|enable|disable)[-_]")
WIDEN_DEPTH = 3  # ancestors of a comment id's element looked at for the comment around it
ZONE_DEPTH = 10  # ancestors looked at for navigation, sidebars and widgets


def _zone_words(el: etree._Element) -> set[str]:
    """Each class and id, whole and by its first and last word: `widget_recent_comments`,
    `site-footer`, `jp-relatedposts` name a zone; a layout class such as
    `panel-two-col-sidebar-right-mix` does not."""
    found: set[str] = set()
    for name in (el.get("class") or "").lower().split() + (el.get("id") or "").lower().split():
        if _STATE_PREFIX.match(name):
            continue
        parts = [p for p in re.split(r"[-_]+", name) if p]
        found.update({name, parts[0], parts[-1]} if parts else {name})
    return found


def outside_thread(el: etree._Element) -> bool:
    """Inside navigation, a sidebar, a widget, a header or footer: never the page's own thread."""
    for depth, ancestor in enumerate(el.iterancestors()):
        if depth >= ZONE_DEPTH or tag(ancestor) in ("body", "html"):
            return False
        if tag(ancestor) in NOT_THREAD_TAGS or _zone_words(ancestor) & NOT_THREAD_WORDS:
            return True
    return False


def _in_thread_area(el: etree._Element) -> bool:
    return any(words(a) & THREAD_WORDS for a in [el, *list(el.iterancestors())[:6]])


def reads_as_comment(item: Item, belongs: dict[etree._Element, int], *, strict: bool) -> bool:
    """Text, and an author or a date; repetition alone (strict) needs all three, with the author
    named by markup (not a guess from bold text)."""
    mine = own(item, belongs)
    if mine.find(".//h1") is not None:
        return False  # the page's (or the post's) title: an article, not a comment
    parts = read_parts(mine)
    if not parts.text:
        return False
    if not strict:
        return bool(parts.author or parts.published)
    author, _ = author_of(mine, guess=False)
    date, _ = date_of(mine)
    return bool(author and date)


# --- 1. comment ids --------------------------------------------------------------------------------


def _target(el: etree._Element) -> etree._Element | None:
    """The comment an id names: the element itself, or what follows an empty anchor."""
    if tag(el) != "a" or "".join(paragraphs(el)):
        return el
    following = el.getnext()
    while following is not None and not isinstance(following.tag, str):
        following = following.getnext()
    return following


def by_ids(root: etree._Element, tick: Tick = unbounded) -> list[Item]:
    chosen: dict[str, etree._Element] = {}
    for el in root.iter():
        if not isinstance(el.tag, str) or not (m := COMMENT_ID.match(el.get("id") or "")):
            continue
        target = _target(el)
        if target is None:
            continue
        number = m.group(1)
        held = chosen.get(number)
        if held is None or held in set(target.iterdescendants()):
            chosen[number] = target  # the outermost element of each number is the comment
    items = []
    for number, el in chosen.items():
        if outside_thread(el):
            continue
        items.append(item_at(el, number))
    items = in_page_order(items, root)
    belongs = members(items)
    found = []
    for i, item in enumerate(items):
        tick()
        # A bare `c12` is also how some CMSs (TYPO3) name every content block: such an id counts
        # only where the block reads as a comment by markup alone.
        bare = BARE_C_ID.match(item.head.get("id") or "") is not None
        if reads_as_comment(item, belongs, strict=bare):
            found.append(item)
        elif not bare and (wider := _widened(item, i, belongs)) is not None:
            found.append(wider)
    return found


def _widened(item: Item, index: int, belongs: dict[etree._Element, int]) -> Item | None:
    """The comment around an id that names only its text (a XenForo bridge puts `#comment-N` on the
    message, the byline beside it): the nearest of a few ancestors that reads as a comment and
    holds no other comment."""
    others = {el: n for el, n in belongs.items() if n != index}
    for depth, ancestor in enumerate(item.head.iterancestors()):
        if depth >= WIDEN_DEPTH or tag(ancestor) in ("body", "html") or any(
                el in others for el in ancestor.iter()):
            return None
        wider = Item((ancestor,), item.id)
        if reads_as_comment(wider, {**others, ancestor: index}, strict=False):
            return wider
    return None


# --- 2. repetition ---------------------------------------------------------------------------------


def _signature(el: etree._Element) -> tuple[str, frozenset[str]]:
    names = (el.get("class") or "").lower().split()
    return tag(el), frozenset(n for n in names if not _STATE.match(n))


def _alike(el: etree._Element, shape: tuple[str, frozenset[str]]) -> bool:
    """Same tag, and a class in common (replies often add one, such as `reply`)."""
    mine = _signature(el)
    return mine[0] == shape[0] and (bool(mine[1] & shape[1]) or mine[1] == shape[1])


def _groups(container: etree._Element) -> dict[tuple[str, frozenset[str]], list[etree._Element]]:
    groups: defaultdict[tuple[str, frozenset[str]], list[etree._Element]] = defaultdict(list)
    for child in container:
        if isinstance(child.tag, str) and tag(child) in BLOCK_TAGS:
            groups[_signature(child)].append(child)
    return groups


def _passing(items: list[Item]) -> list[Item]:
    """The items that read as comments once the others are cut out of them; repeated until stable,
    since dropping a wrapper that only looked like an item gives its content back to its parent."""
    while True:
        belongs = members(items)
        kept = [item for item in items if reads_as_comment(item, belongs, strict=True)]
        if len(kept) == len(items):
            return kept
        items = kept


def by_repetition(root: etree._Element, tick: Tick = unbounded) -> list[Item]:
    best: tuple[tuple[int, int], etree._Element, tuple[str, frozenset[str]]] | None = None
    for container in root.iter():
        tick()
        if not isinstance(container.tag, str) or tag(container) in NOT_THREAD_TAGS:
            continue
        area = _in_thread_area(container)
        for shape, blocks in _groups(container).items():
            # One block is enough where the page says this is its thread; elsewhere, a repetition.
            if (len(blocks) < 2 and not area) or outside_thread(blocks[0]):
                continue
            # A thread is blocks that nearly all read as comments: two or more, at least half of
            # the group (or the single block where the page says this is its thread).
            passing = len(_passing([Item((b,)) for b in blocks]))
            if passing < min(2, len(blocks)) or passing * 2 < len(blocks):
                continue
            # The group counts its replies too (blocks of its shape nested in it); between groups
            # of as many comments (a comment and a wrapper of its parts), the one with ids wins.
            alike = _alike_in(container, shape)
            score = (len(alike) * (2 if area else 1), sum(item.id is not None for item in alike))
            if best is None or score > best[0]:
                best = (score, container, shape)
    if best is None:
        return []
    _, container, shape = best
    return _alike_in(container, shape)


def _alike_in(container: etree._Element, shape: tuple[str, frozenset[str]]) -> list[Item]:
    return _passing([Item((el,), _own_id(el)) for el in container.iter()
                     if el is not container and isinstance(el.tag, str) and _alike(el, shape)])


def _own_id(el: etree._Element) -> str | None:
    for attr in ("id", "data-comment-id", "data-id", "data-post-id"):
        value = el.get(attr) or ""
        if m := re.search(r"(\d+)(?:_\d+)?$", value):
            return m.group(1)
    return None


def detect_items(root: etree._Element, tick: Tick = unbounded) -> list[Item]:
    return by_ids(root, tick) or by_repetition(root, tick)
