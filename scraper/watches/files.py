"""Watch files (`schedules/*.yaml`): watches declared as data, applied idempotently by name.

    defaults: {every: 15m, email: desk@example.org}     # optional, for every watch below
    watches:
      - name: lavrov
        url: https://example.wordpress.com/2016/10/19/lavrov/
        cron: "0 * * * *"
        notify_on: [comment_added, comment_edited]

The keys of a watch are the options of `watch add` (`scraper.watches.options`), plus `url` and
`allow_duplicate`. Every file is checked whole before anything is written, and every mistake of
every file is reported in one run, each at its own line, in the file's words (`every:`, not
`--every`). `export` writes the watches back in this form.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import ValidationError
from sqlalchemy import Engine
from sqlmodel import Session

from scraper import store
from scraper.base.errors import Fault, InputError, Invalid
from scraper.base.urls import same_page
from scraper.base.yamlfile import YamlDoc, error_lines, line_of, read_yaml
from scraper.config.settings import Settings
from scraper.profiles import is_profile_file
from scraper.profiles.schema import ACTION_TAGS
from scraper.reports.targets import target, written_secret
from scraper.store import Watch
from scraper.watches.operations import update_watch
from scraper.watches.options import BY_KEY, OPTIONS, entry_model
from scraper.watches.validate import check_options, options_of

Outcome = Literal["created", "updated", "unchanged", "removed"]
_ENTRY = entry_model()
_TOP_KEYS = ("defaults", "watches")


@dataclass(frozen=True)
class Planned:
    path: Path
    line: int  # where the watch starts in its file
    fields: dict[str, Any]  # the watch's columns
    allow_duplicate: bool = False


@dataclass(frozen=True)
class Result:
    name: str
    outcome: Outcome
    changed: list[str] = field(default_factory=list)  # the keys an update changes

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "result": self.outcome, "changed": self.changed}


def _entry(doc: YamlDoc, data: Any, at: list[int | str], errors: list[str]) -> dict[str, Any] | None:
    """One watch (or the defaults) checked for shape: its keys as written (without the ones of the
    wrong shape, so the others can still be checked), or None when it is no mapping at all."""
    try:
        entry = _ENTRY.model_validate(data)
    except ValidationError as exc:
        errors.extend(error_lines(doc, exc, skip=ACTION_TAGS, offset=at,
                                  shown=lambda loc: ".".join(str(p) for p in (*at, *loc))))
        bad = {e["loc"][0] for e in exc.errors() if e["loc"]}
        if not isinstance(data, dict) or not bad:
            return None
        return _entry(doc, {k: v for k, v in data.items() if k not in bad}, at, [])
    found: dict[str, Any] = entry.model_dump(mode="json", exclude_unset=True)
    return found


def _plan(doc: YamlDoc, settings: Settings, errors: list[str]) -> list[Planned]:
    data = doc.data
    if not isinstance(data, dict) or not isinstance(data.get("watches"), list) or not data["watches"]:
        errors.append(f"{doc.path}:1: a watch file is a mapping with a `watches:` list of at least "
                      "one watch (and optional `defaults:`)")
        return []
    errors.extend(f"{doc.path}:{line_of(doc.node, [k])}: {k}: unknown key (the keys are "
                  f"{' and '.join(_TOP_KEYS)})" for k in data if k not in _TOP_KEYS)
    defaults = _entry(doc, data.get("defaults") or {}, ["defaults"], errors) or {}
    planned = []
    for i, raw in enumerate(data["watches"]):
        known = len(errors)
        entry = _entry(doc, raw, ["watches", i], errors)
        if entry is not None:
            item = _check(doc, i, defaults, entry, settings, errors)
            planned.extend([item] if item and len(errors) == known else [])
    return planned


def _check(doc: YamlDoc, i: int, defaults: dict[str, Any], entry: dict[str, Any],
           settings: Settings, errors: list[str]) -> Planned | None:
    merged = {**defaults, **entry}
    line = line_of(doc.node, ["watches", i])
    if not merged.get("url") or not merged.get("name"):
        errors.append(f"{doc.path}:{line}: watches.{i}: every watch needs a name and a url")
        return None
    options = {k: v for k, v in merged.items() if k in BY_KEY}
    profile = options.get("profile")
    if profile and is_profile_file(profile) and not Path(profile).expanduser().is_absolute():
        options["profile"] = str(doc.path.parent / profile)  # beside the watch file, not the shell
    fields, problems = check_options(merged["url"], options, settings, words=lambda k: k)
    for p in problems:
        at: list[int | str] = ["watches", i, p.key] if p.key in entry else ["defaults", p.key]
        if p.item is not None:
            at.append(p.item)
        whose = "" if at[0] == "watches" else f" (for watch {merged['name']!r})"
        where = ".".join(str(a) for a in at)
        errors.append(f"{doc.path}:{line_of(doc.node, at)}: {where}{whose}: {p.text()}")
    if problems:
        return None
    return Planned(doc.path, line, fields, bool(merged.get("allow_duplicate")))


def plan(paths: Sequence[Path], settings: Settings) -> list[Planned]:
    """Read and check every file; InputError listing every mistake of every file, if any."""
    errors: list[str] = []
    planned: list[Planned] = []
    for path in paths:
        try:
            doc = read_yaml(path, "watch file")
        except InputError as exc:
            errors.append(str(exc))
            continue
        planned.extend(_plan(doc, settings, errors))
    seen: dict[str, Planned] = {}
    for item in planned:
        name = item.fields["name"]
        if name in seen:
            first = seen[name]
            errors.append(f"{item.path}:{item.line}: watch name {name!r} is also declared at "
                          f"{first.path}:{first.line}")
        seen.setdefault(name, item)
    if errors:
        raise _problems(errors)
    return planned


def _problems(errors: list[str]) -> InputError:
    count = f"{len(errors)} problem{'s' if len(errors) > 1 else ''}"
    return InputError(f"{count} in the watch files; nothing was changed:\n  " + "\n  ".join(errors),
                      where=errors[0].split(": ", 1)[0])


def _duplicates(planned: Sequence[Planned], kept: Sequence[Watch]) -> list[str]:
    """An entry on a page another watch already watches needs `allow_duplicate: true`. The first
    entry in file order is the original; watches not declared in the files count too."""
    errors = []
    for i, item in enumerate(planned):
        url = item.fields["url"]
        others = [p.fields["name"] for p in planned[:i] if same_page(p.fields["url"], url)]
        others += [w.name for w in kept if same_page(w.url, url)]
        if others and not item.allow_duplicate:
            errors.append(f"{item.path}:{item.line}: watches ({item.fields['name']}): {url} is "
                          f"already watched by {', '.join(others)}; add `allow_duplicate: true` "
                          "to watch it twice")
    return errors


def apply(
    engine: Engine,
    planned: Sequence[Planned],
    *,
    prune: bool = False,
    dry_run: bool = False,
    confirm_removal: Callable[[list[Watch]], None] | None = None,
) -> list[Result]:
    """Create or update each watch by name, all in one transaction; with `prune`, remove the
    watches no file declares (`confirm_removal` may refuse, by raising). `dry_run`: say what would
    happen, write nothing."""
    names = {p.fields["name"] for p in planned}
    with Session(engine) as session:
        existing = {w.name: w for w in store.list_watches(session)}
        undeclared = [w for name, w in existing.items() if name not in names]
        errors = _duplicates(planned, [] if prune else undeclared)
        if errors:
            raise _problems(errors)
        results = []
        for item in planned:
            watch = existing.get(item.fields["name"])
            if watch is None:
                store.add_watch(session, **item.fields)
                results.append(Result(item.fields["name"], "created"))
                continue
            changed = update_watch(session, watch, item.fields)
            results.append(Result(watch.name, "updated" if changed else "unchanged", changed))
        if prune and undeclared:
            if confirm_removal is not None and not dry_run:
                confirm_removal(undeclared)
            for watch in undeclared:
                store.remove_watch(session, watch)
                results.append(Result(watch.name, "removed"))
        if dry_run:
            session.rollback()
        else:
            session.commit()
    return results


def export(watches: Sequence[Watch]) -> str:
    """The watches as a watch file that `apply` turns back into the same watches. It holds what
    is stored, secrets as `${ENV:NAME}`; a channel URL stored with its token written out (before
    tokens had to come from the environment) is refused rather than printed."""
    _refuse_written_secrets(watches)
    entries = []
    for i, watch in enumerate(watches):
        options = options_of(watch)
        entry: dict[str, Any] = {"name": watch.name, "url": watch.url}
        entry |= {o.key: options[o.key] for o in OPTIONS
                  if o.key != "name" and options[o.key] != o.empty()}
        if any(same_page(w.url, watch.url) for w in watches[:i]):
            entry["allow_duplicate"] = True
        entries.append(entry)
    header = ("# Watches exported by `scraper watch export`; `scraper watch apply FILE` creates or\n"
              "# updates them by name (their history stays in the database). Secrets appear as\n"
              "# ${ENV:NAME}: set NAME wherever scraper checks the watches and sends their reports.\n")
    body = yaml.safe_dump({"watches": entries}, sort_keys=False, allow_unicode=True, width=100)
    return header + body


def _refuse_written_secrets(watches: Sequence[Watch]) -> None:
    found = [f"watch {w.id} ({w.name}): {{notify}} {target(url).shown}"
             for w in watches for url in w.notify if written_secret(url)]
    if found:
        raise Invalid(faults=[Fault(
            "notify", "nothing exported: these channel URLs hold their tokens written out (stored "
            "before\ntokens had to come from the environment), and an export would print them:\n  "
            + "\n  ".join(found) + "\nedit each watch to give its URLs again with the token as "
            "${ENV:NAME} ({notify} 'slack://${ENV:SLACK_TOKEN}/…'), or {clear} notify",
            named=False, mentions=("notify", "clear"))])
