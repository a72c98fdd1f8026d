"""Plain CSS selector groups matched in Python, in one walk of the tree.

libxml2 reads an attribute into a fresh string for every test (`contains(@class, 'x')`): about
0.5 µs an element per test, so the 17 `ignore` rules of the WordPress profile cost ~400 ms on a
5,000-comment page, as 17 XPath walks or as one merged walk alike (issue 10). Here each element's
class is read and split once, and only the members naming one of its classes are tried. Groups of
plain selectors (a tag, classes, ids, attribute tests; descendant and child combinators) are
matched here, exactly as parsel's HTML translation would; any other group is left to parsel.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass

from cssselect import SelectorSyntaxError, parse
from cssselect.parser import Attrib, Class, CombinedSelector, Element, Hash, Tree
from cssselect.xpath import is_safe_name
from lxml import etree

from scraper.profiles.schema import is_xpath

# A walk in Python costs about four XPath class tests an element: fewer members are left to libxml2.
MIN_MEMBERS = 4
_XML_SPACE = re.compile(r"[ \t\r\n]+")  # what XPath's normalize-space() folds
_CSS_SPACE = re.compile(r"[ \t\r\n\f]")  # cssselect makes a class or `~=` word with one never match
# Attribute operators, as cssselect writes them in XPath (an empty value is left to it).
_OPS: dict[str, Callable[[str, str], bool]] = {
    "exists": lambda v, w: True,
    "=": lambda v, w: v == w,
    "~=": lambda v, w: w in _XML_SPACE.split(v),
    "|=": lambda v, w: v == w or v.startswith(w + "-"),
    "^=": lambda v, w: v.startswith(w),
    "$=": lambda v, w: v.endswith(w),
    "*=": lambda v, w: w in v,
}


class Unsupported(Exception):
    """A selector this module does not match itself (parsel's XPath does)."""


@dataclass(frozen=True)
class _Compound:
    tag: str | None
    classes: frozenset[str]
    tests: tuple[tuple[str, Callable[[str, str], bool], str], ...]  # attribute, operator, value

    def matches(self, el: etree._Element, classes: set[str] | frozenset[str] | None = None) -> bool:
        if self.tag is not None and el.tag != self.tag:
            return False
        if self.classes:
            if classes is None:
                classes = _classes(el.get("class"))
            if not self.classes <= classes:
                return False
        for name, op, value in self.tests:
            found = el.get(name)
            if found is None or not op(found, value):
                return False
        return True


def _compound(tree: Tree) -> _Compound:
    tag: str | None = None
    classes: set[str] = set()
    tests: list[tuple[str, Callable[[str, str], bool], str]] = []
    while not isinstance(tree, Element):
        if isinstance(tree, Class):
            if _CSS_SPACE.search(tree.class_name):
                raise Unsupported(tree.class_name)
            classes.add(tree.class_name)
        elif isinstance(tree, Hash):
            tests.append(("id", _OPS["="], tree.id))
        elif isinstance(tree, Attrib) and tree.operator in _OPS and tree.namespace is None \
                and tree.flag is None and is_safe_name(tree.attrib):
            value = "" if tree.value is None else str(tree.value.value)
            # cssselect makes an empty value (or a `~=` one with a space) never match: left to it
            spaced = tree.operator == "~=" and _CSS_SPACE.search(value)
            if tree.operator != "exists" and (not value or spaced):
                raise Unsupported(str(tree))
            tests.append((tree.attrib.lower(), _OPS[tree.operator], value))
        else:
            raise Unsupported(str(tree))
        tree = tree.selector
    if tree.namespace is not None or (tree.element and not is_safe_name(tree.element)):
        raise Unsupported(str(tree))
    if tree.element:
        tag = tree.element.lower()
    return _Compound(tag, frozenset(classes), tuple(tests))


@dataclass(frozen=True)
class _Member:
    subject: _Compound
    steps: tuple[tuple[str, _Compound], ...]  # leftwards: (combinator, compound)

    def matches_above(self, el: etree._Element, context: etree._Element, i: int = 0) -> bool:
        """The combinators, from `el` up, within the context's subtree (as cssselect's
        `descendant-or-self::A/descendant::B` keeps A at or under the context)."""
        if i == len(self.steps):
            return True
        combinator, compound = self.steps[i]
        if el is context:
            return False
        parent = el.getparent()
        while parent is not None:
            if compound.matches(parent) and self.matches_above(parent, context, i + 1):
                return True
            if combinator == ">" or parent is context:
                return False
            parent = parent.getparent()
        return False


def _member(tree: Tree) -> _Member:
    steps: list[tuple[str, _Compound]] = []
    while isinstance(tree, CombinedSelector):
        if tree.combinator not in (" ", ">"):
            raise Unsupported(tree.combinator)
        steps.append((tree.combinator, _compound(tree.subselector)))
        tree = tree.selector
    compounds = [_compound(tree), *(c for _, c in reversed(steps))]
    combinators = [c for c, _ in reversed(steps)]
    # compounds run left to right; the subject is the last, each step goes one compound left
    leftwards = tuple((combinators[i], compounds[i]) for i in reversed(range(len(combinators))))
    return _Member(compounds[-1], leftwards)


@dataclass(frozen=True)
class Group:
    by_class: dict[str, tuple[_Member, ...]]  # members whose subject names a class, by one of them
    others: tuple[_Member, ...]
    tags: tuple[str, ...]  # every subject's tag, when all name one: lxml then walks only those

    def find(self, context: etree._Element) -> list[etree._Element]:
        """The matches under (and at) `context`, in document order, each once."""
        found = []
        everyone = self.others
        walk = context.iter(*self.tags) if self.tags else context.iter()
        for el in walk:
            if not isinstance(el.tag, str):
                continue
            classes = _classes(el.get("class")) if self.by_class else _NONE
            tried = everyone
            if not self.by_class.keys().isdisjoint(classes):
                tried = (*(m for c in classes for m in self.by_class.get(c, ())), *everyone)
            for m in tried:
                if m.subject.matches(el, classes) and m.matches_above(el, context):
                    found.append(el)
                    break
        return found


_NONE: frozenset[str] = frozenset()


@functools.lru_cache(maxsize=4096)
def _classes(value: str | None) -> frozenset[str]:
    """The words of a class attribute as normalize-space() splits them (str.split() also splits on
    other spaces, but a printable ASCII value has no other). Cached: a page repeats a few dozen
    values over its thousands of elements, and splitting each anew was a third of a walk."""
    if not value:
        return _NONE
    return frozenset(value.split() if value.isascii() and value.isprintable() else _XML_SPACE.split(value))


@functools.lru_cache(maxsize=1024)
def _members(css: str) -> tuple[_Member, ...] | None:
    """The group's members; None when one is a selector this module leaves to parsel."""
    try:
        selectors = parse(css)
        if any(s.pseudo_element for s in selectors):
            return None
        return tuple(_member(s.parsed_tree) for s in selectors)
    except (SelectorSyntaxError, Unsupported):
        return None


@functools.lru_cache(maxsize=1024)
def compile_group(css: str) -> Group | None:
    """The group as a Python matcher; None when parsel's XPath is the better (or only) way."""
    members = _members(css)
    if members is None or len(members) < MIN_MEMBERS:
        return None
    by_class: dict[str, list[_Member]] = {}
    for m in members:
        if m.subject.classes:
            by_class.setdefault(min(m.subject.classes), []).append(m)
    others = tuple(m for m in members if not m.subject.classes)
    tags = [m.subject.tag for m in members]
    return Group({c: tuple(ms) for c, ms in by_class.items()}, others,
                 tuple(dict.fromkeys(t for t in tags if t)) if all(tags) else ())


@functools.lru_cache(maxsize=256)
def drop_batches(rules: tuple[str, ...]) -> tuple[str, ...]:
    """The `ignore` rules to run in turn, consecutive plain CSS rules joined into one group (one walk
    instead of one per rule). What a plain selector matches depends on the element and its
    ancestors only, so dropping other elements first changes nothing; dropping the group's matches
    in document order removes what the rules one by one would (a match inside a subtree already
    dropped goes with it)."""
    batches: list[list[str]] = []
    joinable = False
    for rule in rules:
        plain = not is_xpath(rule) and _members(rule) is not None
        if plain and joinable:
            batches[-1].append(rule)
        else:
            batches.append([rule])
        joinable = plain
    return tuple(", ".join(batch) for batch in batches)
