"""A page's comments, from the first step of the chain that finds any: the profile's selectors,
microdata, JSON-LD, then structure detection; the page itself first, then its comment iframes.

Within a comment found by a profile, a field its selectors leave empty (a theme that prints the text
as bare `p`s, a `span.comment-copy`) is read by the part readers, so a known item never comes back
without its words.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from lxml import etree
from parsel import Selector

from scraper.extract import fields
from scraper.extract.budget import Tick, unbounded
from scraper.extract.comments.detect import detect_items
from scraper.extract.comments.items import Item, item_at, members, own, parents
from scraper.extract.comments.parts import read_parts
from scraper.extract.comments.words import BARE_C_ID, COMMENT_ID
from scraper.extract.structured import DataComment, prop_value, scope_props
from scraper.extract.text import paragraphs
from scraper.model.record import Comment, Source
from scraper.profiles.schema import CommentsSpec, FieldSpec

_TRAILING_NUMBER = re.compile(r"(\d+)\D*$")
COMMENT_TYPES = ("Comment", "UserComments", "Answer")


@dataclass(frozen=True)
class Thread:
    comments: list[Comment]
    source: Source | None = None
    elements: tuple[etree._Element, ...] = ()  # where the comments stand in the page (cut from the article)
    warnings: tuple[str, ...] = ()  # why the thread may not be whole (see `thread_notes`)

    @property
    def doubtful(self) -> bool:
        """One "comment" with neither id nor author: as often a stray match (a "Comment" link in
        `li.comment`) as a comment, so the chain looks further before taking it."""
        return len(self.comments) == 1 and self.comments[0].id is None and self.comments[0].author is None


DOUBTFUL = ("one comment without id or author was found; it may be a page element the comment "
            "selectors match rather than a comment")


def thread_notes(comments: Sequence[Comment]) -> list[str]:
    """Warnings about comments that are not whole: found, but without their words."""
    empty = [c for c in comments if not c.text]
    if not empty:
        return []
    named = ", ".join(c.id or c.author or "?" for c in empty[:5]) + (", …" if len(empty) > 5 else "")
    return [f"{len(empty)} of {len(comments)} comments have empty text ({named}): "
            "their words are not where the comment selectors look"]


def _parent_ids(items: Sequence[Item], ids: Sequence[str | None]) -> list[str | None]:
    return [ids[p] if p is not None else None for p in parents(items)]


def _filled(comment: Comment, mine: etree._Element | Callable[[], etree._Element]) -> Comment:
    """Fill what the selectors left empty from the part readers (authors only as markup names them).
    `mine` is the comment's own markup (`own`), or makes it when needed."""
    if comment.author and comment.published and comment.text:
        return comment
    parts = read_parts(mine if isinstance(mine, etree._Element) else mine(), guess_author=False)
    published = fields.iso_datetime(parts.published) if parts.published else None
    return comment.model_copy(update={
        "author": comment.author or parts.author,
        "published": comment.published or published,
        "text": comment.text or parts.text,
    })


# Every element with an id, in document order (the context's own included).
_WITH_ID = etree.XPath("descendant-or-self::*[@id]")


def _missed(doc: Selector, in_place: Sequence[Selector], ids: Sequence[str | None]) -> list[Selector]:
    """Comments inside the profile's items that its item selector does not name (a theme printing
    replies as `div.comment-childs#comment-N` in its parent): elements carrying a comment id of a
    number no item has, that read as comments."""
    if not in_place:
        return []
    heads = {s.root: i for i, s in enumerate(in_place)}
    known = set(ids)
    found = []
    for el in _WITH_ID(doc.root):  # found by libxml2: a page has ten times as many without
        m = COMMENT_ID.match(el.get("id") or "")
        # Not an empty anchor (Drupal's, before the comment), nor a bare `c12`.
        if m is None or m.group(1) in known or el in heads or el.tag == "a" \
                or BARE_C_ID.match(el.get("id", "")):
            continue
        holder = next((heads[a] for a in el.iterancestors() if a in heads), None)
        if holder is None or ids[holder] is None:
            continue
        parts = read_parts(el, guess_author=False)
        if parts.text and (parts.author or parts.published):
            found.append(Selector(root=el, type="html"))
    return found


def from_profile(doc: Selector, spec: CommentsSpec, tick: Tick = unbounded) -> Thread:
    in_place = [s for s in fields.select(doc, spec.item) if not isinstance(s.root, str)]
    # id and parent read the item where it stands (XPath may look at siblings and ancestors);
    # author, date and text read it without its nested replies.
    ids = [fields.first_str(s, spec.id) for s in in_place]
    if missed := _missed(doc, in_place, ids):
        order = {el: n for n, el in enumerate(doc.root.iter())}
        in_place = sorted([*in_place, *missed], key=lambda s: order[s.root])
        ids = [fields.first_str(s, spec.id) for s in in_place]
    # An item inside another of the same id is the same comment matched twice (`li#comment-5`
    # holding `article#div-comment-5`): the outer one stands for it.
    nesting = parents([Item((s.root,)) for s in in_place])
    kept = [i for i, p in enumerate(nesting) if p is None or ids[i] is None or ids[p] != ids[i]]
    in_place, ids = [in_place[i] for i in kept], [ids[i] for i in kept]
    items = [item_at(s.root) for s in in_place]
    belongs = members(items)
    same = len(kept) == len(nesting) and all(len(item.elements) == 1 for item in items)
    nest = nesting if same else parents(items)  # the same items: no second walk
    if isinstance(spec.parent, FieldSpec):
        parent_ids = [fields.first_str(s, spec.parent) for s in in_place]
    else:
        parent_ids = [ids[p] if p is not None else None for p in nest]
    # Every item a reply sits in has one nearest to the reply: those need a copy without it. (The
    # others `parents` names, for replies printed after their parent, only cost a needless copy.)
    holders = set(nest)
    local = all(fields.reads_within(f) for f in (spec.author, spec.published, spec.text))
    comments = []
    for i, item in enumerate(items):
        tick()
        # Nothing nested to cut, and fields that look nowhere else: read where it stands.
        alone = local and len(item.elements) == 1 and i not in holders
        mine = functools.partial(own, item, belongs) if alone else own(item, belongs)
        sel = Selector(root=item.head if alone else mine)
        # Not validated: each value is a plain str or None (`first_str`, `joined_text`), as valid.
        comment = Comment.model_construct(
            id=ids[i], parent_id=parent_ids[i], author=fields.first_str(sel, spec.author),
            published=fields.first_str(sel, spec.published), text=fields.joined_text(sel, spec.text),
        )
        comments.append(_filled(comment, mine))
    return Thread(comments, "profile", tuple(i.head for i in items))


def _microdata_id(scope: Selector) -> str | None:
    for value in (scope.attrib.get("id"), scope.attrib.get("itemid"),
                  *(p.attrib.get("href") for p in scope_props(scope, "url"))):
        if value and (m := _TRAILING_NUMBER.search(value)):
            return m.group(1)
    return None


def _prop(scope: Selector, *names: str) -> str | None:
    for name in names:
        for prop in scope_props(scope, name):
            if value := prop_value(prop):
                return value
    return None


def from_microdata(doc: Selector, tick: Tick = unbounded) -> Thread:
    scopes = [s for s in doc.xpath("//*[@itemscope][@itemtype]")
              if str(s.attrib["itemtype"]).rstrip("/").rsplit("/", 1)[-1] in COMMENT_TYPES]
    items = [Item((s.root,)) for s in scopes]
    belongs = members(items)
    ids = [_microdata_id(s) for s in scopes]
    comments = []
    for i, (scope, parent_id) in enumerate(zip(scopes, _parent_ids(items, ids), strict=True)):
        tick()
        bodies = scope_props(scope, "text") or scope_props(scope, "commentText")
        published = _prop(scope, "dateCreated", "datePublished", "commentTime")
        comment = Comment(
            id=ids[i], parent_id=parent_id, author=_prop(scope, "author", "creator"),
            published=fields.iso_datetime(published) if published else None,
            text="\n\n".join(paragraphs(bodies[0].root)) or None if bodies else None,
        )
        comments.append(_filled(comment, own(items[i], belongs)))
    return Thread(comments, "structured", tuple(i.head for i in items))


def from_data(data: Sequence[DataComment]) -> Thread:
    comments = [Comment(id=c.id, parent_id=c.parent_id, author=c.author, text=c.text,
                        published=fields.iso_datetime(c.published) if c.published else None)
                for c in data]
    return Thread(comments, "structured")


def from_detection(doc: Selector, tick: Tick = unbounded) -> Thread:
    items = detect_items(doc.root, tick)
    belongs = members(items)
    ids = [item.id for item in items]
    comments = []
    for item, parent_id in zip(items, _parent_ids(items, ids), strict=True):
        tick()
        parts = read_parts(own(item, belongs))
        comments.append(Comment(
            id=item.id, parent_id=parent_id, author=parts.author, text=parts.text,
            published=fields.iso_datetime(parts.published) if parts.published else None,
        ))
    return Thread(comments, "detected", tuple(el for item in items for el in item.elements))


def find_thread(doc: Selector, frames: Sequence[Selector], spec: CommentsSpec | None,
                data: Sequence[DataComment], tick: Tick = unbounded) -> Thread:
    """The first step that finds any comment wins (see the module docstring). `tick` is called
    between steps and comments (the job's deadline)."""
    def profile(d: Selector) -> Thread:
        return from_profile(d, spec, tick) if spec is not None else Thread([])

    def microdata(d: Selector) -> Thread:
        return from_microdata(d, tick)

    def detection(d: Selector) -> Thread:
        return from_detection(d, tick)

    def stated(_: Selector) -> Thread:
        return from_data(data)

    doubtful: Thread | None = None
    for n, source in enumerate([doc, *frames]):
        steps = [profile, microdata, stated] if n == 0 else [profile, microdata]
        for step in [*steps, detection]:
            tick()
            thread = step(source)
            if not thread.comments:
                continue
            # Comments found in a frame are not in the page's DOM: nothing to cut there.
            thread = thread if n == 0 else Thread(thread.comments, thread.source)
            if not thread.doubtful:
                return _noted(thread)
            doubtful = doubtful or thread
    if doubtful is not None:
        return _noted(doubtful, DOUBTFUL)
    return Thread([])


def _noted(thread: Thread, *more: str) -> Thread:
    notes = (*more, *thread_notes(thread.comments))
    return Thread(thread.comments, thread.source, thread.elements, notes)

