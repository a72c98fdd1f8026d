"""Load every profile from the profile folders, resolve `extends`, validate, or refuse them all.

Errors name the file, the line and the field, so a person can fix a profile without guessing;
a broken profile anywhere means no profile is loaded (nothing is half-loaded).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from scraper.base.errors import InputError
from scraper.base.yamlfile import YamlDoc, error_lines, line_of, read_yaml
from scraper.profiles.schema import ACTION_TAGS, Profile

Source = YamlDoc


def _read(path: Path) -> Source:
    source = read_yaml(path, "profile")
    if not isinstance(source.data, dict):
        raise InputError(f"{path}:1: a profile must be a YAML mapping (name: …, article: …)")
    source.data.setdefault("name", path.stem)
    if source.data["name"] != path.stem:
        raise InputError(f"{path}: name {source.data['name']!r} must match the file name {path.stem!r}")
    return source


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
        line = line_of(source.node, ["extends"])
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
        lines = error_lines(sources[name], exc, skip=ACTION_TAGS, shown=_shown)
        raise InputError("invalid profile:\n  " + "\n  ".join(lines)) from None


def profile_files(dirs: Iterable[Path]) -> list[Path]:
    files: list[Path] = []
    for folder in dirs:
        if not folder.is_dir():
            raise InputError(f"profile folder {folder} does not exist (see SCRAPER_PROFILES)")
        files.extend(sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")]))
    return files


def _sources(dirs: Iterable[Path]) -> dict[str, Source]:
    sources: dict[str, Source] = {}
    for path in profile_files(dirs):
        source = _read(path)
        sources[source.data["name"]] = source  # a later folder's profile of the same name wins
    return sources


def load_profiles(dirs: Iterable[Path]) -> dict[str, Profile]:
    """All profiles by name; a later folder's profile of the same name replaces an earlier one.

    Kept while no file changes (same names, sizes and modification times): parsing and validating
    the YAML was the largest Python cost of a check (issue 10), and a daemon loads them per check.
    """
    dirs = tuple(dirs)
    key = _stamp(dirs)
    cached = _CACHE.get(dirs)
    if cached is not None and cached[0] == key:
        return dict(cached[1])
    profiles, errors = collect_profiles(dirs)
    if errors:
        raise InputError(errors[0])  # the first in folder and file order: one thing to fix at a time
    _CACHE[dirs] = (key, profiles)
    return dict(profiles)


_CACHE: dict[tuple[Path, ...], tuple[tuple[tuple[str, int, int], ...], dict[str, Profile]]] = {}


def _stamp(dirs: Sequence[Path]) -> tuple[tuple[str, int, int], ...]:
    """What identifies the folders' profile files as they are now (a missing folder: nothing)."""
    stamp: list[tuple[str, int, int]] = []
    for folder in dirs:
        for path in sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")]):
            try:
                info = path.stat()
            except OSError:
                continue
            stamp.append((str(path), info.st_mtime_ns, info.st_size))
    return tuple(stamp)


def collect_profiles(dirs: Iterable[Path]) -> tuple[dict[str, Profile], list[str]]:
    """Every profile that loads, and every error (each naming its file) instead of the first:
    for `scraper doctor`, which reports what is wrong rather than stopping at it."""
    sources: dict[str, Source] = {}
    errors: list[str] = []
    for folder in dirs:
        try:
            paths = profile_files([folder])
        except InputError as exc:
            errors.append(str(exc))
            continue
        for path in paths:
            try:
                source = _read(path)
            except InputError as exc:
                errors.append(str(exc))
                continue
            sources[source.data["name"]] = source
    profiles: dict[str, Profile] = {}
    for name in sources:
        try:
            profiles[name] = _validate(name, _resolve(name, sources), sources)
        except InputError as exc:
            errors.append(str(exc))
    return profiles, errors


def load_profile_file(path: Path, dirs: Iterable[Path]) -> Profile:
    """Validate one file (which may extend profiles from `dirs`): `profile check`, `--profile FILE`."""
    if not path.is_file():
        raise InputError(f"{path}: no such profile file")
    sources = _sources(dirs)
    source = _read(path)
    sources[source.data["name"]] = source
    return _validate(source.data["name"], _resolve(source.data["name"], sources), sources)


def resolve_data(data: Mapping[str, Any], dirs: Iterable[Path]) -> Profile:
    """Validate a profile given as data, which may extend the profiles of `dirs` (the builder's
    draft, before it is a file)."""
    sources = _sources(dirs)
    name = str(data["name"])
    node = yaml.compose(yaml.safe_dump(dict(data), sort_keys=False))  # for errors' line numbers
    assert node is not None
    sources[name] = YamlDoc(Path(f"{name}.yaml"), dict(data), node)
    return _validate(name, _resolve(name, sources), sources)


def profile_origins(dirs: Iterable[Path]) -> dict[str, Path]:
    """Which file each profile name comes from (the last folder that has it)."""
    return {path.stem: path for path in profile_files(dirs)}


def is_profile_file(ref: str) -> bool:
    """`--profile` takes a name (`wordpress`) or a file (`./myblog.yaml`, `~/profiles/x.yml`)."""
    return ref.endswith((".yaml", ".yml")) or "/" in ref or os.sep in ref
