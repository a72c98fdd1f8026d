"""Evaluate one FieldSpec against a parsel Selector: strings out, typed and normalised."""

from __future__ import annotations

import functools
import re
from datetime import date, datetime

from parsel import Selector, SelectorList

from scraper.extract.text import inline, paragraphs
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
    """`expr` with each one-class `has-class()` as the equivalent XPath 1.0 test."""
    return _HAS_CLASS.sub(
        lambda m: f"contains(concat(' ', normalize-space(@class), ' '), ' {m.group(2)} ')", expr)


def select(context: Selector, expr: str) -> SelectorList[Selector]:
    if is_xpath(expr):
        return context.xpath(native_xpath(expr.removeprefix("xpath:")))
    if m := _SELF_ATTR.match(expr):
        return context.xpath(f"@{m.group(1)}")
    if expr == "::text":
        return context.xpath("text()")
    return context.css(expr)


def _strings(found: SelectorList[Selector], *, keep_paragraphs: bool) -> list[str]:
    """One string per match: text and attributes as they are, elements as readable text."""
    values: list[str] = []
    for sel in found:
        root = sel.root
        if isinstance(root, str):
            values.append(inline(root))
        elif keep_paragraphs:
            values.append("\n\n".join(paragraphs(root)))
        else:
            values.append(" ".join(paragraphs(root)))
    return [v for v in values if v]


def raw_values(context: Selector, spec: FieldSpec, *, keep_paragraphs: bool = False) -> list[str]:
    """The values of the first alternative that yields any."""
    for expr in spec.select:
        values = _strings(select(context, expr), keep_paragraphs=keep_paragraphs)
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
    try:  # a date alone stays a date: adding midnight would invent a time the page never gave
        return date.fromisoformat(value.strip()).isoformat()
    except ValueError:
        pass
    try:
        parsed = datetime.fromisoformat(value.strip())
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
