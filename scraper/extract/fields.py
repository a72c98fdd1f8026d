"""Evaluate one FieldSpec against a parsel Selector: strings out, typed and normalised."""

from __future__ import annotations

import functools
import re
from datetime import date, datetime
from typing import Any

from cssselect import SelectorError
from lxml import etree
from parsel import Selector, SelectorList
from parsel.csstranslator import GenericTranslator, HTMLTranslator

from scraper.extract import cssmatch
from scraper.extract.local import is_local
from scraper.extract.text import BLOCK, inline, paragraphs
from scraper.profiles import regexes
from scraper.profiles.schema import FieldSpec, is_xpath

# `::attr(x)` / `::text` alone mean the context element itself (parsel would search descendants too).
_SELF_ATTR = re.compile(r"^::attr\(([^)]+)\)$")


# parsel's `has-class('x')` is a Python callback run for every element it is tried on: 1.4 s of
# the 1.6 s that extracting a 5,000-comment page took (issue 10). The same test in XPath itself runs
# inside libxml2.
_HAS_CLASS = re.compile(r"""has-class\(\s*(['"])([^'"\s]+)\1\s*\)""")


@functools.lru_cache(maxsize=1024)
def native_xpath(expr: str) -> str:
    """`expr` with each one-class `has-class()` as the equivalent XPath 1.0 test; the plain
    `contains()` first rejects most elements before the costlier normalize-space/concat."""
    return _HAS_CLASS.sub(
        lambda m: f"(contains(@class, '{m.group(2)}')"
                  f" and contains(concat(' ', normalize-space(@class), ' '), ' {m.group(2)} '))", expr)


def select(context: Selector, expr: str) -> SelectorList[Selector]:
    if is_xpath(expr):
        return context.xpath(native_xpath(expr.removeprefix("xpath:")))
    if m := _SELF_ATTR.match(expr):
        return context.xpath(f"@{m.group(1)}")
    if expr == "::text":
        return context.xpath("text()")
    if context.type == "html" and isinstance(context.root, etree._Element) \
            and (group := cssmatch.compile_group(expr)) is not None:
        return SelectorList(Selector(root=el, type="html", namespaces=context.namespaces)
                            for el in group.find(context.root))
    return context.css(expr)


@functools.lru_cache(maxsize=1024)
def _xpath_of(expr: str, html: bool) -> str:
    """The XPath `select` (parsel) runs for `expr` on a Selector of type html (or xml)."""
    if is_xpath(expr):
        return native_xpath(expr.removeprefix("xpath:"))
    if m := _SELF_ATTR.match(expr):
        return f"@{m.group(1)}"
    if expr == "::text":
        return "text()"
    return str((HTMLTranslator() if html else GenericTranslator()).css_to_xpath(expr))


def reads_within(spec: FieldSpec | None) -> bool:
    """Whether every alternative of `spec` reads only the HTML element it is evaluated on (see
    `local`): it finds the same in a copy of the element as where the element stands."""
    if spec is None:
        return True
    try:
        return all(is_local(_xpath_of(expr, True)) for expr in spec.select)
    except SelectorError:  # a selector cssselect cannot translate: assume the worst
        return False


_EXSLT_RE = "http://exslt.org/regular-expressions"
_PLAIN_ATTR = re.compile(r"^::attr\(([A-Za-z_][A-Za-z0-9_.-]*)\)$")


@functools.lru_cache(maxsize=1024)
def _plan(expr: str, html: bool, namespaces: tuple[tuple[str, str], ...],
          ) -> str | cssmatch.Group | etree.XPath:
    """How `_found` reads `expr`: an attribute of the element itself (its name), a CSS group walked in
    Python, or compiled XPath."""
    if m := _PLAIN_ATTR.match(expr):
        return m.group(1)
    if html and not is_xpath(expr) and (group := cssmatch.compile_group(expr)) is not None:
        return group
    query = _xpath_of(expr, html)
    used = {prefix: uri for prefix, uri in namespaces if f"{prefix}:" in query}
    try:  # EXSLT regular expressions, registered on every call when enabled, only where used
        return etree.XPath(query, namespaces=used, smart_strings=False,
                           regexp=_EXSLT_RE in used.values())
    except etree.XPathError as exc:
        raise ValueError(f"XPath error: {exc} in {query}") from exc


def _found(context: Selector, expr: str) -> list[Any]:
    """What `select` finds, unwrapped. A profile's fields are read in thousands of small comments,
    where parsel's wrapping (a Selector per match, the lookup of its XPath) costs more than the
    XPath itself."""
    root, kind = context.root, context.type
    if kind not in ("html", "xml") or not isinstance(root, etree._Element):
        return [s.root for s in select(context, expr)]
    plan = _plan(expr, kind == "html", tuple(context.namespaces.items()))
    if isinstance(plan, str):
        value = root.get(plan)
        return [] if value is None else [value]
    if isinstance(plan, cssmatch.Group):
        return plan.find(root)
    try:
        found = plan(root)
    except etree.XPathError as exc:
        raise ValueError(f"XPath error: {exc} in {plan.path}") from exc
    # A number or a string (`count()`, `concat()`) is one value, as parsel wraps it.
    return found if isinstance(found, list) else [s.root for s in select(context, expr)]


def _strings(found: list[Any], *, keep_paragraphs: bool) -> list[str]:
    """One string per match: text and attributes as they are, elements as readable text. As
    paragraphs, a run of text nodes and inline elements (text typed straight into a post's
    container, around its links) is one paragraph, up to a `br`."""
    values: list[str] = []
    run = False  # whether the last value is a run of inline text still open
    for root in found:
        flowing = isinstance(root, str) or (keep_paragraphs and root.tag not in BLOCK and root.tag != "br")
        if isinstance(root, str):
            value = inline(root)
        elif keep_paragraphs:
            value = "\n\n".join(paragraphs(root))
        else:
            value = " ".join(paragraphs(root))
        if keep_paragraphs and flowing and run and value:
            values[-1] = f"{values[-1]} {value}"
        elif value:
            values.append(value)
        run = flowing and bool(value or run) if keep_paragraphs else False
    return [v for v in values if v]


def raw_values(context: Selector, spec: FieldSpec, *, keep_paragraphs: bool = False) -> list[str]:
    """The values of the first alternative that yields any."""
    for expr in spec.select:
        values = _strings(_found(context, expr), keep_paragraphs=keep_paragraphs)
        if values:
            return values
    return []


def _apply_regex(value: str, pattern: str | None) -> str | None:
    if pattern is None:
        return value
    m = regexes.search(regexes.compile_user(pattern), value)
    if m is None:
        return None
    return m.group(1) if m.groups() else m.group(0)


def _to_int(value: str) -> int | None:
    digits = re.sub(r"[^\d]", "", value)
    return int(digits) if digits else None


def iso_datetime(value: str) -> str:
    """ISO-8601 when the page gives a parseable date; otherwise the page's own text, never a guess."""
    text = value.strip()
    # Every form date.fromisoformat reads has at most 10 characters: a longer value (a comment's
    # date and time, on every comment) skips the failed try and its exception.
    if len(text) <= 10:
        try:  # a date alone stays a date: adding midnight would invent a time the page never gave
            return date.fromisoformat(text).isoformat()
        except ValueError:
            pass
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return value
    return parsed.isoformat()


def convert(value: str, spec: FieldSpec) -> str | int | None:
    matched = _apply_regex(value, spec.regex)
    if matched is None or matched == "":
        return None
    if spec.type == "int":
        return _to_int(matched)
    if spec.type == "datetime":
        return iso_datetime(matched)
    return matched


def values(context: Selector, spec: FieldSpec, *, keep_paragraphs: bool = False) -> list[str | int]:
    out = [convert(v, spec) for v in raw_values(context, spec, keep_paragraphs=keep_paragraphs)]
    return [v for v in out if v is not None]


def first_str(context: Selector, spec: FieldSpec | None) -> str | None:
    if spec is None:
        return None
    found = values(context, spec)
    return str(found[0]) if found else None


def first_int(context: Selector, spec: FieldSpec | None) -> int | None:
    if spec is None:
        return None
    for value in values(context, spec):
        if isinstance(value, int):
            return value
        if (number := _to_int(value)) is not None:
            return number
    return None


def joined_text(context: Selector, spec: FieldSpec | None) -> str | None:
    """All matches as paragraphs separated by a blank line (article body, comment text)."""
    if spec is None:
        return None
    found = [str(v) for v in values(context, spec, keep_paragraphs=True)]
    return "\n\n".join(found) or None


def all_str(context: Selector, spec: FieldSpec | None) -> list[str]:
    if spec is None:
        return []
    return list(dict.fromkeys(str(v) for v in values(context, spec)))
