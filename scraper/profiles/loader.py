"""Load every profile from the profile folders, resolve `extends`, validate, or refuse them all.

Errors name the file, the line and the field, so a person can fix a profile without guessing;
a broken profile anywhere means no profile is loaded (nothing is half-loaded).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from scraper.errors import InputError
from scraper.profiles.schema import ACTION_TAGS, Profile


@dataclass(frozen=True)
class Source:
    path: Path
    data: dict[str, Any]
    node: yaml.Node


def _read(path: Path) -> Source:
    try:
        text = path.read_text(encoding="utf-8")
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        raise InputError(f"{where}: invalid YAML: {exc.problem}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read profile: {exc}") from None
    if not isinstance(data, dict) or node is None:
        raise InputError(f"{path}:1: a profile must be a YAML mapping (name: …, article: …)")
    data.setdefault("name", path.stem)
    if data["name"] != path.stem:
        raise InputError(f"{path}: name {data['name']!r} must match the file name {path.stem!r}")
    return Source(path, data, node)


def _line_of(node: yaml.Node, loc: Sequence[int | str]) -> int | None:
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
            continue  # pydantic adds union-branch names to loc; they have no YAML node
        line = node.start_mark.line + 1
    return line


def _merge(base: Mapping[str, Any], child: Mapping[str, Any]) -> dict[str, Any]:
    """Child overrides base: mappings merge key by key, everything else is replaced."""
    merged = dict(base)
    for key, value in child.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _resolve(name: str, sources: Mapping[str, Source], chain: tuple[str, ...] = ()) -> dict[str, Any]:
    source = sources[name]
    parent = source.data.get("extends")
    if parent is None:
        return dict(source.data)
    if parent in chain or parent == name:
        raise InputError(f"{source.path}: 'extends' makes a cycle: {' -> '.join((*chain, name, parent))}")
    if parent not in sources:
        line = _line_of(source.node, ["extends"])
        raise InputError(
            f"{source.path}:{line}: extends: no profile named {parent!r} "
            f"(known: {', '.join(sorted(sources))})"
        )
    base = _resolve(parent, sources, (*chain, name))
    base.pop("match", None)  # a child is matched by its own rules, never by its parent's
    base.pop("priority", None)
    return _merge(base, source.data)


def _shown(loc: Sequence[int | str]) -> str:
    """The field as a person wrote it: `select` (and its index) exist only in the long form."""
    parts: list[str] = []
    for i, part in enumerate(loc):
        if part == "select" or (isinstance(part, int) and i and loc[i - 1] == "select"):
            continue
        parts.append(str(part))
    return ".".join(parts) or "(top level)"


def _validate(name: str, data: dict[str, Any], sources: Mapping[str, Source]) -> Profile:
    try:
        return Profile.model_validate(data)
    except ValidationError as exc:
        source = sources[name]
        errors = [(tuple(p for p in e["loc"] if p not in ACTION_TAGS), e) for e in exc.errors()]
        lines = []
        for loc, err in errors:
            # An empty list left by a bad item is a consequence, not a second mistake.
            if err["type"] == "too_short" and any(o[: len(loc)] == loc and o != loc for o, _ in errors):
                continue
            message = err["msg"].removeprefix("Value error, ")
            if err["type"] == "extra_forbidden":
                message = "unknown key"
            line = _line_of(source.node, loc)
            lines.append(f"{source.path}:{line}: {_shown(loc)}: {message}")
        raise InputError("invalid profile:\n  " + "\n  ".join(dict.fromkeys(lines))) from None


def profile_files(dirs: Iterable[Path]) -> list[Path]:
    files: list[Path] = []
    for folder in dirs:
        if not folder.is_dir():
            raise InputError(f"profile folder {folder} does not exist (see SCRAPER_PROFILES)")
        files.extend(sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")]))
    return files


def load_profiles(dirs: Iterable[Path]) -> dict[str, Profile]:
    """All profiles by name; a later folder's profile of the same name replaces an earlier one."""
    sources: dict[str, Source] = {}
    for path in profile_files(dirs):
        source = _read(path)
        sources[source.data["name"]] = source
    return {name: _validate(name, _resolve(name, sources), sources) for name in sources}


def load_profile_file(path: Path, dirs: Iterable[Path]) -> Profile:
    """Validate one file (which may extend profiles from `dirs`): for `scraper profile check`."""
    sources = {}
    for p in profile_files(dirs):
        s = _read(p)
        sources[s.data["name"]] = s
    source = _read(path)
    sources[source.data["name"]] = source
    return _validate(source.data["name"], _resolve(source.data["name"], sources), sources)
