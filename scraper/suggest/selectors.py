"""Selectors for a draft profile, each kept only if it reads exactly what the page's fallback chain
found: a person edits a draft, but never one that is wrong on the page it was made from."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from lxml import etree
from parsel import Selector

from scraper.extract import fields
from scraper.profiles.schema import FieldSpec

_STATE = re.compile(r"\d|^(?:odd|even|alt|first|last|parent|active|selected|new|bypostauthor|byuser|"
                    r"(?:thread|depth|comment-author|by|is|has|js)[-_])")
_CSS_NAME = re.compile(r"^-?[A-Za-z_][\w-]*$")


def stable_classes(el: etree._Element) -> list[str]:
    """The element's classes that name what it is, not its position or state (`odd`, `depth-2`)."""
    return [c for c in (el.get("class") or "").split() if not _STATE.search(c) and _CSS_NAME.match(c)]


def tag(el: etree._Element) -> str:
    return el.tag.lower() if isinstance(el.tag, str) else ""


def element_candidates(el: etree._Element) -> list[str]:
    """Ways to name an element, most specific first: id, tag with a class, class, tag."""
    found = []
    if (ident := el.get("id")) and _CSS_NAME.match(ident) and not re.search(r"\d", ident):
        found.append(f"#{ident}")
    for name in stable_classes(el):
        found += [f"{tag(el)}.{name}", f".{name}"]
    found.append(tag(el))
    return found


def spec(select: str, **options: Any) -> FieldSpec:
    return FieldSpec.model_validate({"select": [select], **options})


def first_that(
    candidates: Iterable[tuple[str, dict[str, Any]]], reads: Callable[[FieldSpec], bool]
) -> dict[str, Any] | None:
    """The first candidate (selector, options) whose FieldSpec reads what it must; as YAML data."""
    for select, options in candidates:
        try:
            field = spec(select, **options)
        except ValueError:  # an id or class no CSS parser accepts: not worth suggesting
            continue
        if reads(field):
            return {"select": select, **options} if options else {"select": select}
    return None


def reads_exactly(contexts: Sequence[Selector], expected: Sequence[object], *,
                  text: bool = False) -> Callable[[FieldSpec], bool]:
    """A check for a FieldSpec: on each context it gives that context's expected value."""

    def check(field: FieldSpec) -> bool:
        for context, want in zip(contexts, expected, strict=True):
            got = fields.joined_text(context, field) if text else fields.first_str(context, field)
            if got != want:
                return False
        return True

    return check


def first_or_pair(
    candidates: Iterable[tuple[str, dict[str, Any]]], contexts: Sequence[Selector],
    expected: Sequence[object], *, text: bool = False,
) -> dict[str, Any] | None:
    """The first candidate that reads `expected` on every context; else two, the second read where
    the first finds nothing (a theme that links most commenters' names and prints one as bare text).
    As YAML data."""
    read = fields.joined_text if text else fields.first_str
    readings: list[tuple[str, dict[str, Any], list[str | None]]] = []
    for select, options in candidates:
        try:
            field = spec(select, **options)
        except ValueError:  # an id or class no CSS parser accepts: not worth suggesting
            continue
        got = [read(context, field) for context in contexts]
        if got == list(expected):
            return {"select": select, **options} if options else {"select": select}
        readings.append((select, options, got))
    for first, options, got in readings:
        if not any(got) or any(g is not None and g != w for g, w in zip(got, expected, strict=True)):
            continue
        rest = [i for i, g in enumerate(got) if g is None]
        for second, more, then in readings:
            if more == options and second != first and all(then[i] == expected[i] for i in rest):
                return {"select": [first, second], **options}
    return None


def same_elements(doc: Selector, select: str, wanted: Sequence[etree._Element]) -> bool:
    try:
        found = [s.root for s in fields.select(doc, select) if not isinstance(s.root, str)]
    except ValueError:
        return False
    return found == list(wanted)
