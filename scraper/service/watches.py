"""Every operation on watches that a person or a program can ask for: add, edit, remove, pause,
resume, rebase, check now, list, show, status.

The CLI, the dashboard and the REST API call these and nothing else for watches. Each one owns its
transaction (it takes the engine and opens its session) and returns a pydantic model: the CLI
prints it (`--json` is its dump), the pages render it, the API declares it as its response model.
Errors are typed (`NotFound`, `Conflict`, `Invalid`, with the field at fault); each face words
them its own way.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from pydantic import Field, PrivateAttr, RootModel, field_serializer
from sqlalchemy import Engine
from sqlmodel import Session

from scraper import store
from scraper.base.errors import NotFound
from scraper.base.urls import check_url
from scraper.config.settings import Settings
from scraper.model.changes import Change as Found
from scraper.service import outbox
from scraper.service.checks import CheckFacts, WatchLink
from scraper.service.outbox import OutboxRow
from scraper.service.summary import Model, select_page, summaries
from scraper.service.summary import WatchStatus as WatchStatus  # re-exported: the models of watches
from scraper.service.summary import WatchSummary as WatchSummary
from scraper.store import Watch
from scraper.store import summary as facts
from scraper.watches import files as watchfile
from scraper.watches import operations
from scraper.watches.operations import WatchSpec, same_page_watches
from scraper.watches.validate import options_of

if TYPE_CHECKING:
    from scraper.browser import BrowserSession
    from scraper.pipeline.check import CheckResult


class WatchList(RootModel[list[WatchSummary]]):
    """`watch list --json`: every watch (of the tags asked for)."""

    def dumped(self) -> Any:
        return self.model_dump(mode="json", by_alias=True)


class WatchPage(Model):
    """A page of the watch list; `next_cursor` gives the next one (null: no more)."""

    items: list[WatchSummary]
    next_cursor: str | None


class Edited(Model):
    watch: WatchSummary
    changed: list[str] = Field(description="the columns that changed")

    @property
    def new_baseline(self) -> bool:
        """A new URL or profile: the next check starts a new baseline."""
        return bool({"url", "profile", "profile_file"} & set(self.changed))


class Removed(Model):
    """What removing a watch deletes (or deleted): its checks and changes with it. The CLI and the
    web both return this."""

    removed: int = Field(description="the watch's id")
    name: str
    checks: int
    changes: int


class Rebased(Model):
    watch: WatchSummary
    base_check_id: int
    _base_status: str = PrivateAttr("")

    @property
    def base_status(self) -> str:
        return self._base_status


class CheckRun(Model):
    """`scraper check --json` and the API's check now: the check, what it found, its reports."""

    watch: WatchLink
    check: CheckFacts
    changes: list[Found]
    pending_confirmation: bool
    baseline: bool
    evidence: str | None = Field(description="the evidence bundle's folder, when one was kept")
    reports: list[OutboxRow]
    _result: CheckResult | None = PrivateAttr(None)

    @field_serializer("changes")
    def _changes(self, changes: list[Found]) -> list[dict[str, Any]]:
        return [c.to_dict() for c in changes]  # as the detector writes them: no nulls

    @property
    def result(self) -> CheckResult:
        assert self._result is not None
        return self._result


class Targets(Model):
    """The watches a check asked for resolves to; `added`: a new watch made for an unwatched URL;
    `matched`: the watch of the same page checked instead of the URL as given."""

    watch_ids: list[int]
    added: WatchLink | None = None
    matched: WatchLink | None = None


def _ref(watch: Watch) -> WatchLink:
    assert watch.id is not None
    return WatchLink(id=watch.id, name=watch.name, url=watch.url)


def _summary(session: Session, watch: Watch, settings: Settings) -> WatchSummary:
    session.refresh(watch)
    return summaries(session, [watch], settings)[0]


def checked(url: str, options: Mapping[str, Any], settings: Settings) -> dict[str, Any]:
    """A new watch's columns, every option checked (Invalid naming each field at fault): call it
    before opening the database, so bad input creates nothing."""
    return operations.checked(url, options, settings)


def add(engine: Engine, settings: Settings, url: str, options: Mapping[str, Any], *,
        allow_duplicate: bool = False, fields: dict[str, Any] | None = None) -> WatchSummary:
    """Watch a page. Invalid: an option; Conflict: the name is taken, or the page is watched
    already (unless `allow_duplicate`). `fields`: what `checked` gave, if the caller checked."""
    watch = operations.add_watch(engine, WatchSpec(url, **options), settings,
                                 allow_duplicate=allow_duplicate, fields=fields)
    return show(engine, settings, str(watch.id))


def edit(engine: Engine, settings: Settings, ref: str, given: Mapping[str, Any], *,
         url: str | None = None, clear: Sequence[str] = (), allow_duplicate: bool = False) -> Edited:
    """Change the options `given` (None: back to the default), reset the ones in `clear`, move to
    `url`: every option checked again, as when adding."""
    with Session(engine) as session:
        watch = store.get_watch(session, ref)
        changed = operations.edit_watch(session, watch, given, settings, url=url, clear=clear,
                                        allow_duplicate=allow_duplicate)
        session.commit()
        return Edited(watch=_summary(session, watch, settings), changed=changed)


def set_paused(engine: Engine, settings: Settings, ref: str, paused: bool) -> WatchSummary:
    with Session(engine) as session:
        watch = store.set_paused(session, store.get_watch(session, ref), paused)
        session.commit()
        return _summary(session, watch, settings)


def pause(engine: Engine, settings: Settings, ref: str) -> WatchSummary:
    """Stop checking the watch on its schedule (its history stays)."""
    return set_paused(engine, settings, ref, True)


def resume(engine: Engine, settings: Settings, ref: str) -> WatchSummary:
    return set_paused(engine, settings, ref, False)


def muted_watch(engine: Engine, settings: Settings, watch_id: int, token: str, *,
                pause_it: bool = False) -> WatchSummary:
    """The watch a report's mute link names (`scraper.reports.mute`), paused with `pause_it`.
    NotFound alike for a watch that is gone and a token that is not this installation's (the
    link says nothing about which watches exist)."""
    from scraper.reports import mute

    key = mute.secret(settings.keys_dir)
    with Session(engine) as session:
        watch = session.get(Watch, watch_id)
        if watch is None or not mute.valid(key, watch_id, token):
            raise NotFound("this link to pause a watch is not valid (or its watch was removed)",
                           where="link")
    return pause(engine, settings, str(watch_id)) if pause_it else show(engine, settings, str(watch_id))


def removal(engine: Engine, ref: str) -> Removed:
    """What removing the watch would delete (to ask before doing it)."""
    with Session(engine) as session:
        return _removed(session, store.get_watch(session, ref))


def _removed(session: Session, watch: Watch) -> Removed:
    assert watch.id is not None
    checks, changes = facts.history_size(session, watch.id)
    return Removed(removed=watch.id, name=watch.name, checks=checks, changes=changes)


def remove(engine: Engine, ref: str) -> Removed:
    """Remove the watch with all its checks and changes."""
    with Session(engine) as session:
        watch = store.get_watch(session, ref)
        gone = _removed(session, watch)
        store.remove_watch(session, watch)
        session.commit()
        return gone


def rebase(engine: Engine, settings: Settings, ref: str) -> Rebased:
    """Make the watch's newest check with a record its base; Conflict if it has none."""
    watch, check = operations.rebase_watch(engine, ref)
    assert check.id is not None
    done = Rebased(watch=show(engine, settings, str(watch.id)), base_check_id=check.id)
    done._base_status = check.status
    return done


def show(engine: Engine, settings: Settings, ref: str) -> WatchSummary:
    with Session(engine) as session:
        return summaries(session, [store.get_watch(session, ref)], settings)[0]


class WatchOptions(Model):
    """A watch's options as adding it takes them (what an edit form starts from)."""

    watch: WatchLink
    options: dict[str, Any]


def options(engine: Engine, ref: str) -> WatchOptions:
    with Session(engine) as session:
        watch = store.get_watch(session, ref)
        return WatchOptions(watch=_ref(watch), options=options_of(watch))


def get(engine: Engine, ref: str) -> WatchLink:
    """The watch's id, name and URL; NotFound if there is none."""
    with Session(engine) as session:
        return _ref(store.get_watch(session, ref))


def list_all(engine: Engine, settings: Settings, *, tags: Sequence[str] = ()) -> WatchList:
    """Every watch (with one of `tags`, when given), by id."""
    with Session(engine) as session:
        every = store.list_watches(session)
        watches = [w for w in every if not tags or set(tags) & set(w.tags)]
        return WatchList(summaries(session, watches, settings, every=len(watches) == len(every)))


def list_page(engine: Engine, settings: Settings, *, status: str | None = None,
              text: str | None = None, tag: str | None = None, cursor: str | None = None,
              limit: int = 50) -> WatchPage:
    """A page of watches after `cursor`, filtered by status (active, paused, failing), by tag and
    by text (in the name or URL)."""
    with Session(engine) as session:
        watches, more = select_page(session, status=status, text=text, tag=tag,
                                               cursor=cursor, limit=limit)
        return WatchPage(items=summaries(session, watches, settings), next_cursor=more)


def resolve(engine: Engine, settings: Settings, ref: str | None, tags: Sequence[str] = ()) -> Targets:
    """The watches to check: a watch id or name; a URL (the watch of that page, or a new manual
    watch, whose first check is the baseline); or every watch with one of `tags`."""
    with Session(engine) as session:
        if tags:
            found = [w.id for w in store.list_watches(session) if set(tags) & set(w.tags) and w.id]
            if not found:
                raise NotFound(f"no watch is tagged {', '.join(tags)}", where="tags")
            return Targets(watch_ids=found)
        assert ref is not None
        if "://" not in ref:
            watch = store.get_watch(session, ref)
            return Targets(watch_ids=[watch.id or 0])
        same = same_page_watches(session, check_url(ref))
    if same:  # the page is watched already: check that watch, never add another
        matched = same[0]
        shown = _ref(matched) if len(same) > 1 or matched.url != ref else None
        return Targets(watch_ids=[matched.id or 0], matched=shown)
    added = operations.add_watch(engine, WatchSpec(ref), settings)
    return Targets(watch_ids=[added.id or 0], added=_ref(added))


def check_now(engine: Engine, settings: Settings, watch_id: int, browser: BrowserSession, *,
              send: bool = False) -> CheckRun:
    """Check the watch now: the check is stored and its reports queued (sent now with `send`,
    else by the daemon). A failed check is a result too."""
    # The browser, the pipeline and evidence (signing, WACZ) are imported only when checking:
    # `scraper status` and the other reads start without them.
    from scraper.evidence.on_change import check_hook
    from scraper.pipeline.check import run_check

    # A watch with `evidence_on_change` keeps the recording of the session that saw its changes,
    # one with `screenshots` pictures of the changed items.
    result = run_check(engine, watch_id, browser, hook=check_hook(settings, engine))
    if send:
        outbox.send(engine, settings)
    assert result.check.id is not None
    reports = outbox.of_check(engine, result.check.id)
    run = CheckRun.model_validate({**result.to_dict(), "changes": result.changes, "reports": reports})
    run._result = result
    return run


class AppliedWatch(Model):
    name: str
    result: str  # created, updated, unchanged, removed
    changed: list[str]  # the options an update changes


class Applied(Model):
    """What `watch apply` did (or, with `dry_run`, would do) to each watch the files name."""

    dry_run: bool
    watches: list[AppliedWatch]


def apply_files(engine: Engine, planned: Sequence[watchfile.Planned], *, prune: bool = False,
                dry_run: bool = False,
                confirm_removal: Callable[[list[Watch]], None] | None = None) -> Applied:
    """Create or update the watches that checked watch files declare (`watches.files.plan`), by
    name, in one transaction; with `prune`, remove the others (`confirm_removal` may refuse)."""
    results = watchfile.apply(engine, planned, prune=prune, dry_run=dry_run,
                              confirm_removal=confirm_removal)
    return Applied(dry_run=dry_run, watches=[AppliedWatch.model_validate(r.to_dict()) for r in results])


class Exported(Model):
    """The watches as a watch file (`text`), and how many it holds."""

    count: int
    text: str


def export(engine: Engine, *, tags: Sequence[str] = ()) -> Exported:
    """The watches (those with any of `tags`) as a watch file that `apply_files` turns back into
    the same watches."""
    with Session(engine) as session:
        chosen = [w for w in store.list_watches(session) if not tags or set(tags) & set(w.tags)]
        return Exported(count=len(chosen), text=watchfile.export(chosen))


class Imported(Model):
    """`watch import`: the watches added, and the URLs skipped because a watch has them."""

    added: list[WatchSummary]
    skipped: list[str] = Field(description="'URL: already watched by …', one per URL left out")


def import_urls(engine: Engine, settings: Settings, urls: Sequence[tuple[str, str]],
                options: Mapping[str, Any], *, allow_duplicate: bool = False) -> Imported:
    """Watch each of `urls` ((where, URL): `file:line`) with the same `options`. Every URL and
    option is checked before anything is written (Invalid naming the line); a page already
    watched is skipped (unless `allow_duplicate`), not an error: importing a list twice adds
    nothing the second time."""
    from scraper.base.errors import Conflict, Invalid

    if options.get("name") is not None and len(urls) > 1:
        raise Invalid("one name cannot be given to several watches: leave --name out (each is "
                      "named after its URL)", where="name")
    if not urls:
        raise Invalid("no URL in the list (one URL a line; # starts a comment)", where="FILE")
    checked_all = []
    for where, url in urls:
        try:
            checked_all.append((url, checked(url, options, settings)))
        except Invalid as exc:
            if not exc.faults:
                raise Invalid(f"{exc} (at {where})", where=where) from None
            raise Invalid(faults=[replace(f, message=f"{f.message} (at {where})")
                                  for f in exc.faults]) from None
    added, skipped = [], []
    for url, fields in checked_all:
        try:
            added.append(add(engine, settings, url, options, allow_duplicate=allow_duplicate,
                             fields=dict(fields)))
        except Conflict as exc:
            if exc.override != "allow_duplicate":
                raise
            skipped.append(str(exc))
    return Imported(added=added, skipped=skipped)
