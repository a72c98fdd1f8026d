"""Watches: add one after checking every option, update one in place, find the watches of a page.

The options and their checks are `scraper.watches.options` and `scraper.watches.validate`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from scraper import store
from scraper.base.errors import Conflict, Fault, Invalid
from scraper.base.urls import same_page
from scraper.config.settings import Settings
from scraper.store import Watch
from scraper.watches.options import BY_KEY
from scraper.watches.validate import Problem, check_options, options_of


class WatchSpec:
    """A URL and the options given for it (keys of `scraper.watches.options.OPTIONS`)."""

    def __init__(self, url: str, **options: Any) -> None:
        unknown = set(options) - set(BY_KEY)
        if unknown:
            raise TypeError(f"unknown watch options: {', '.join(sorted(unknown))}")
        self.url = url
        self.options = options


def same_page_watches(session: Session, url: str, *, but: int | None = None) -> list[Watch]:
    """The watches on the same page as `url` (scheme and host case, default port, fragment aside)."""
    return [w for w in store.list_watches(session) if w.id != but and same_page(w.url, url)]


def duplicate_error(url: str, others: list[Watch]) -> Conflict:
    names = ", ".join(f"{w.id} ({w.name})" for w in others)
    return Conflict(f"{url} is already watched by watch {names}", where="url",
                    override="allow_duplicate")


def _marked(key: str) -> str:
    """An option as a problem's message names it: `{every}`, which each face words its own way."""
    return "{" + key + "}"


def invalid(problems: list[Problem]) -> Invalid:
    """The problems `check_options` found as one error, each on its field, in the domain's words."""
    return Invalid(faults=[
        Fault(p.key, p.text() if p.key == "url" else p.message,
              None if p.key == "url" or p.value is None else repr(p.value), named=p.key != "url",
              mentions=tuple(k for k in BY_KEY if _marked(k) in p.message))
        for p in problems])


def checked(url: str, options: Mapping[str, Any], settings: Settings) -> dict[str, Any]:
    """The watch's columns, every option checked: Invalid naming each one at fault."""
    fields, problems = check_options(url, options, settings, words=_marked)
    if problems:
        raise invalid(problems)
    return fields


def checked_fields(spec: WatchSpec, settings: Settings) -> dict[str, Any]:
    """The watch's columns, every option checked: Invalid naming each one at fault. Call it
    before opening the database, so bad input creates nothing."""
    return checked(spec.url, spec.options, settings)


def add_watch(engine: Engine, spec: WatchSpec, settings: Settings, *,
              allow_duplicate: bool = False, fields: dict[str, Any] | None = None) -> Watch:
    """Add the watch; `fields`: what `checked_fields` gave, if the caller checked already."""
    fields = fields if fields is not None else checked_fields(spec, settings)
    with Session(engine) as session:
        others = same_page_watches(session, fields["url"])
        if others and not allow_duplicate:
            raise duplicate_error(fields["url"], others)
        if spec.options.get("name") is None:
            fields["name"] = _free_name(session, fields["name"])
        watch = store.add_watch(session, **fields)
        session.commit()
        session.refresh(watch)
        return watch


def option_key(name: str) -> str:
    """An option named as a key (`notify_on`), a flag (`--notify-on`) or without dashes (`tag`)."""
    bare = name.removeprefix("--")
    if bare.replace("-", "_") in BY_KEY:
        return bare.replace("-", "_")
    found = next((o.key for o in BY_KEY.values() if o.cli == f"--{bare}"), None)
    if found is None:
        raise Invalid(faults=[Fault("clear", "no such option; the options are " + ", ".join(
            o.cli.removeprefix("--") for o in BY_KEY.values()), repr(name))])
    return found


def edit_watch(session: Session, watch: Watch, given: Mapping[str, Any], settings: Settings, *,
               url: str | None = None, clear: Sequence[str] = (),
               allow_duplicate: bool = False) -> list[str]:
    """Change the options `given`, reset the ones named in `clear`, move to `url`: every option
    checked again, as `watch add` would. The changed columns."""
    cleared = {option_key(name) for name in clear}
    if both := cleared & set(given):
        raise Invalid(faults=[Fault("clear", "also given; give one or the other",
                                    ", ".join(sorted(both)))])
    current = options_of(watch)
    if given.keys() & {"every", "cron"}:  # one schedule: a new one replaces the old, either kind
        current["every"] = current["cron"] = None
    fields = checked(url or watch.url, {**current, **dict.fromkeys(cleared), **given}, settings)
    others = same_page_watches(session, fields["url"], but=watch.id)
    if url and others and not allow_duplicate:
        raise duplicate_error(fields["url"], others)
    if fields["name"] != watch.name and store.find_watch_by_name(session, fields["name"]):
        raise Conflict(faults=[Fault("name", "another watch has that name", repr(fields["name"]))])
    return update_watch(session, watch, fields)


def update_watch(session: Session, watch: Watch, fields: Mapping[str, Any]) -> list[str]:
    """Set the changed columns; a new URL or profile starts a new baseline. The changed keys."""
    changed = {k: v for k, v in fields.items() if getattr(watch, k) != v}
    if changed.keys() & {"url", "profile", "profile_file"}:
        # Another page (or another reading of it): the old record is no base for the new one.
        watch.base_check_id, watch.pending_hash, watch.pending_count = None, None, 0
    for key, value in changed.items():
        setattr(watch, key, value)
    session.add(watch)
    return sorted(changed)


def _free_name(session: Session, name: str) -> str:
    """`name`, or `name-2`, `name-3`…: a name derived from the URL must never collide, or a page
    whose host and path are already watched (another query or port) could not be watched at all
    by `scraper check URL`, which takes no --name."""
    taken = set(session.exec(select(Watch.name).where(col(Watch.name).startswith(name))))
    candidate, n = name, 1
    while candidate in taken:
        n += 1
        candidate = f"{name}-{n}"
    return candidate


def rebase_watch(engine: Engine, ref: str) -> tuple[Watch, store.Check]:
    """Make the watch's newest check with a record (ok or mismatch) its base; Conflict if none."""
    with Session(engine) as session:
        watch = store.get_watch(session, ref)
        assert watch.id is not None
        check = store.last_check_with_snapshot(session, watch.id, status=None)
        if check is None:
            raise Conflict(f"watch {watch.id} has no check with a record yet: check it first",
                           where="watch")
        watch.base_check_id, watch.pending_hash, watch.pending_count = check.id, None, 0
        session.add(watch)
        session.commit()
        session.refresh(watch)
        session.refresh(check)
        return watch, check
