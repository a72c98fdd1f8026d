"""YAML files people write (profiles, watch files): read them, and point errors at file:line."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from scraper.base.errors import InputError


@dataclass(frozen=True)
class YamlDoc:
    path: Path
    data: Any
    node: yaml.Node


def read_yaml(path: Path, what: str) -> YamlDoc:
    try:
        text = path.read_text(encoding="utf-8")
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        raise InputError(f"{where}: invalid YAML: {exc.problem}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read {what}: {exc}") from None
    if node is None:
        raise InputError(f"{path}:1: the {what} is empty")
    return YamlDoc(path, data, node)


def line_of(node: yaml.Node, loc: Sequence[int | str]) -> int:
    """Follow a pydantic error location through the YAML node tree to the nearest line."""
    line = node.start_mark.line + 1
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            found = next((v for k, v in node.value if k.value == part), None)
            if found is None:
                continue  # a missing key, or a union branch's name: stay on the mapping
            node = found
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
        else:
            continue
        line = node.start_mark.line + 1
    return line


def _dotted(loc: Sequence[int | str]) -> str:
    return ".".join(str(p) for p in loc) or "(top level)"


def error_lines(
    doc: YamlDoc,
    exc: ValidationError,
    *,
    skip: Collection[str] = (),
    shown: Callable[[Sequence[int | str]], str] = _dotted,
    offset: Sequence[int | str] = (),
) -> list[str]:
    """One `file:line: field: message` per mistake. `offset` is where the validated data sits in
    the file; `skip` drops loc parts that are not YAML keys (union tags)."""
    errors = [(tuple(p for p in e["loc"] if p not in skip), e) for e in exc.errors()]
    lines = []
    for loc, err in errors:
        # An empty list left by a bad item is a consequence, not a second mistake.
        if err["type"] == "too_short" and any(o[: len(loc)] == loc and o != loc for o, _ in errors):
            continue
        message = "unknown key" if err["type"] == "extra_forbidden" else err["msg"]
        message = message.removeprefix("Value error, ")
        line = line_of(doc.node, (*offset, *loc))
        lines.append(f"{doc.path}:{line}: {shown(loc)}: {message}")
    return list(dict.fromkeys(lines))
