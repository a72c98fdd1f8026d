"""Watch files (`schedules/*.yaml`): watches declared as data, applied idempotently by name.

    defaults: {every: 15m, email: desk@example.org}     # optional, for every watch below
    watches:
      - name: lavrov
        url: https://example.wordpress.com/2016/10/19/lavrov/
        cron: "0 * * * *"
        notify_on: [comment_added, comment_edited]

Every file is validated whole before anything is written; an error names file, line and field.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import Engine
from sqlmodel import Session

from scraper import store
from scraper.errors import InputError
from scraper.profiles.schema import NormaliseRule
from scraper.settings import Settings
from scraper.watches import WatchSpec, watch_fields
from scraper.yamlfile import YamlDoc, error_lines, line_of, read_yaml


class Entry(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str | None = None
    url: str | None = None
    profile: str | None = None
    every: str | None = None
    cron: str | None = None
    email: str | None = None
    notify_on: list[str] | None = None
    ignore: list[str] = Field(default_factory=list)
    normalise: list[NormaliseRule] = Field(default_factory=list)
    confirm: int = 1
    evidence_on_change: bool = False
    paused: bool = False
    digest: str | None = None
    notify: list[str] = Field(default_factory=list)
    window: str | None = None
    jitter: str | None = None
    host_gap: str | None = None
    host_cap: int | None = None


class WatchFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    defaults: Entry = Field(default_factory=Entry)
    watches: list[Entry] = Field(min_length=1)


@dataclass(frozen=True)
class Planned:
    path: Path
    fields: dict[str, Any]


Outcome = Literal["created", "updated", "unchanged"]


def _parse(doc: YamlDoc) -> WatchFile:
    if not isinstance(doc.data, dict):
        raise InputError(f"{doc.path}:1: a watch file is a mapping with a `watches:` list")
    try:
        return WatchFile.model_validate(doc.data)
    except ValidationError as exc:
        raise InputError("invalid watch file:\n  " + "\n  ".join(error_lines(doc, exc))) from None


def _plan(doc: YamlDoc, parsed: WatchFile, settings: Settings) -> list[Planned]:
    planned = []
    defaults = parsed.defaults.model_dump(exclude_unset=True)
    for i, entry in enumerate(parsed.watches):
        merged = {**defaults, **entry.model_dump(exclude_unset=True)}
        line = line_of(doc.node, ["watches", i])
        if not merged.get("url") or not merged.get("name"):
            raise InputError(f"{doc.path}:{line}: watches.{i}: every watch needs a name and a url")
        merged["normalise"] = [(r["regex"], r["replace"]) for r in merged.get("normalise", [])]
        paused = merged.pop("paused", False)
        try:
            fields = watch_fields(WatchSpec(**merged), settings)
        except InputError as exc:
            raise InputError(f"{doc.path}:{line}: watches.{i} ({merged['name']}): {exc}") from None
        planned.append(Planned(doc.path, {**fields, "paused": paused}))
    return planned


def plan(paths: Sequence[Path], settings: Settings) -> list[Planned]:
    """Read and validate every file; refuse duplicate names across them."""
    planned: list[Planned] = []
    for path in paths:
        doc = read_yaml(path, "watch file")
        planned.extend(_plan(doc, _parse(doc), settings))
    seen: dict[str, Path] = {}
    for item in planned:
        name = item.fields["name"]
        if name in seen:
            raise InputError(f"{item.path}: watch name {name!r} is also declared in {seen[name]}")
        seen[name] = item.path
    return planned


def apply(engine: Engine, planned: Sequence[Planned]) -> list[tuple[str, Outcome]]:
    """Create or update each watch by name, all in one transaction."""
    results: list[tuple[str, Outcome]] = []
    with Session(engine) as session:
        for item in planned:
            fields = item.fields
            existing = next((w for w in store.list_watches(session) if w.name == fields["name"]), None)
            if existing is None:
                store.add_watch(session, **fields)
                results.append((fields["name"], "created"))
                continue
            changed = {k: v for k, v in fields.items() if getattr(existing, k) != v}
            if not changed:
                results.append((fields["name"], "unchanged"))
                continue
            if "url" in changed or "profile" in changed:
                # Another page (or reading): the old record is no base for the new one.
                existing.base_check_id, existing.pending_hash, existing.pending_count = None, None, 0
            for key, value in changed.items():
                setattr(existing, key, value)
            session.add(existing)
            results.append((fields["name"], "updated"))
        session.commit()
    return results
