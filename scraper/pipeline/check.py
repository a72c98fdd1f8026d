"""One check of a watch: capture, compare with the base record, store, decide what to report.

The policy lives here (the store only keeps rows): a failed page is a failed check and never a
change (N of them in a row are one `failing` change, see `streak`); a profile that suddenly
matches nothing is one `profile_mismatch`, with the last good record kept as the base; a partial
capture's missing comments are unknown, not removed (`unseen`); with `confirm: N` a change is
reported once seen in N checks in a row.
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from loguru import logger
from pydantic import TypeAdapter
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from scraper import store
from scraper.base.errors import Cancelled, JobFailed
from scraper.base.failures import Classified, Failure, classify
from scraper.base.terminal import safe_line
from scraper.base.times import iso
from scraper.browser import BrowserSession, RenderOptions
from scraper.browser.trace import Trace
from scraper.config.settings import MailSettings, Settings
from scraper.model.changes import Change, alert_on, detect_changes, filter_changes, with_warnings
from scraper.model.fetch import Fetch
from scraper.model.record import Record
from scraper.model.unseen import carry_unseen
from scraper.pipeline import paths, persist
from scraper.pipeline.capture import (
    Overrides,
    Target,
    capture_plain,
    capture_target,
    job_deadline,
    resolve,
)
from scraper.pipeline.hooks import Artifact, CheckHook
from scraper.pipeline.retries import retrying
from scraper.pipeline.streak import failing_streak
from scraper.profiles.schema import Action, NormaliseRule
from scraper.reports.outbox import enqueue, link_evidence, release
from scraper.store import Check, Watch, lease
from scraper.store import dispatch as dispatches


@dataclass
class CheckResult:
    watch: Watch
    check: Check
    changes: list[Change]
    pending: bool = False  # changes seen but not yet confirmed
    baseline: bool = False  # the watch's first good record: nothing to compare with yet
    evidence: Path | None = None  # the bundle this check left (watches with evidence_on_change)

    def to_dict(self) -> dict[str, Any]:
        return {
            "watch": {"id": self.watch.id, "name": self.watch.name, "url": self.watch.url},
            "check": check_dict(self.check),
            "changes": [c.to_dict() for c in self.changes],
            "pending_confirmation": self.pending,
            "baseline": self.baseline,
            "evidence": str(self.evidence) if self.evidence else None,
        }


def check_dict(check: Check) -> dict[str, Any]:
    return {
        "id": check.id, "started_at": iso(check.started_at), "duration_ms": check.duration_ms,
        "status": check.status, "error": check.error, "error_kind": check.error_kind,
        "hash": check.snapshot_hash,
        "url": check.url, "final_url": check.final_url, "profile": check.profile,
        "warnings": list(check.warnings or []),
        "session": check.session,
        "render_path": check.render_path,
    }


def session_file(settings: Settings, watch_id: int) -> Path:
    """Where a watch's kept session lives (`--keep-session`): under the data folder, never in the
    database or an export."""
    return settings.home / "sessions" / f"watch-{watch_id}.json"


def overrides_for(watch: Watch, settings: Settings | None = None) -> Overrides:
    fetch = Fetch.model_validate(watch.fetch)
    kept = fetch.keep_session and settings is not None and watch.id is not None
    return Overrides(
        ignore=tuple(watch.ignore),
        normalise=tuple(NormaliseRule.model_validate(r) for r in watch.normalise),
        fetch=fetch,
        actions=tuple(TypeAdapter(Action).validate_python(a) for a in watch.actions),
        session_file=session_file(settings, watch.id) if kept and settings and watch.id else None,
        select=tuple(watch.select or ()),
    )


class Redelivered(Exception):
    """The dispatch already wrote its check (a message delivered again): nothing was written."""


STORED_PROFILES = "profiles-stored"  # under SCRAPER_HOME: profile files known only by their text


def profile_ref(watch: Watch, home: Path) -> str | None:
    """The watch's profile: a name, or a file. Its own file where this machine has it; else (a
    worker on another machine) the text stored with the watch, written once under `home`."""
    if not watch.profile_file or not watch.profile_text or Path(watch.profile_file).is_file():
        return watch.profile_file or watch.profile
    digest = hashlib.sha256(watch.profile_text.encode()).hexdigest()[:16]
    path = home / STORED_PROFILES / digest / Path(watch.profile_file).name
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}")
        partial.write_text(watch.profile_text, encoding="utf-8")
        partial.replace(path)  # whole or absent, whoever reads it
    return str(path)


def run_check(
    engine: Engine, watch_id: int, browser: BrowserSession, *, wait: float | None = None,
    hook: CheckHook | None = None, dispatch: str | None = None,
) -> CheckResult:
    """Check the watch now and store the outcome, whatever happens: a failure of any kind is a
    failed check row with its classified, escaped error (`scraper.base.failures`).

    Only one check of a watch runs at a time, across processes (`store.lease`); `wait` is how long
    to wait for another one to finish (default: as long as a check may take). Raises only when
    the store itself cannot be written (`Classified`, kind `storage`) or the watch stays busy.

    `hook` makes what is recorded beside the check (an evidence bundle for the watches that keep
    one, `scraper.pipeline.hooks`); without it, the check records nothing more.

    `dispatch`: the id of the scale-out dispatch running it (`scraper.daemon.distributed`): stored
    on the check row, whose transaction also sends the completion; if that dispatch already wrote
    its row, nothing is written and `Redelivered` is raised.
    """
    settings = browser.settings
    with persist.said("the database could not be used"), Session(engine) as session:
        watch = session.get_one(Watch, watch_id)
        url, overrides = watch.url, overrides_for(watch, settings)
        profile = profile_ref(watch, settings.home)  # a file the watch reads, or a name
    resolved: Target | Exception
    try:
        resolved = resolve(url, settings, profile=profile, overrides=overrides)  # once
    except Exception as exc:  # bad input: a failed check, stored under the lease like any other
        resolved = exc
    # The lease lasts as long as this check may: its profile's deadline when that one is longer.
    limit = job_deadline(resolved, settings) if isinstance(resolved, Target) else settings.deadline
    budget = limit + settings.busy_timeout  # the capture, then the write
    ttl = budget + settings.teardown_grace
    with persist.said("the database could not be used"), \
            lease.held(engine, watch_id, ttl=ttl, wait=ttl if wait is None else wait) as held:
        with Session(engine) as session:
            watch = session.get_one(Watch, watch_id)
            artifact = hook.artifact(watch) if hook is not None else None
            mode = watch.render
            every = settings.render_verify_every
            recent = paths.recent_paths(session, watch_id, every) if mode in (None, "auto") else []
            diverging = paths.history(session, watch_id, recent, every) if recent else None
        started = datetime.now(UTC)
        t0 = time.monotonic()
        trace = Trace()  # says whether a kept session was still logged in
        outcome: Record | Failure
        taken = [paths.RENDERED]  # the path the record came by, for the check's row
        try:
            if isinstance(resolved, Exception):
                raise resolved
            target = resolved
            options = artifact.render_options() if artifact else None
            # Evidence records a render; the private-address guard is the browser's own proxy; a
            # watch's own steps (a login, a consent click) and its kept session need the browser.
            if artifact is not None or settings.block_private or overrides.actions \
                    or overrides.session_file is not None:
                mode = "always"
            mode = mode or (target.profile.render if target.profile else None) or "auto"
            plan = paths.plan(mode, recent, every, diverging)

            def base() -> Record | None:
                with Session(engine) as session:
                    return _base_record(session, session.get_one(Watch, watch_id))

            def by_path() -> Record:
                return _capture_by_path(plan, mode == "never", target, browser, options, base, taken,
                                        max(1.0, t0 + limit - time.monotonic()), trace)

            outcome = retrying(by_path, url=url, until=t0 + limit, tries=settings.tries)
        except Cancelled:  # the daemon is stopping: this check ends without a row
            if artifact is not None:
                artifact.drop()
            raise
        except Exception as exc:
            outcome = classify(exc, url)
            # The traceback is for the debug log; the daemon and the CLI each say it in one line.
            logger.opt(exception=exc).debug("check of watch {} ({}) failed: {}", watch_id,
                                            safe_line(url), outcome)
        except BaseException:
            if artifact is not None:
                artifact.drop()
            raise
        duration_ms = int((time.monotonic() - t0) * 1000)

        def work(session: Session, what: Record | Failure) -> CheckResult:
            result = _dispatched(session, dispatch, _write(
                session, watch_id, what, started, duration_ms, settings,
                hold=artifact is not None, note=trace.session, dispatch=dispatch,
                render_path=taken[-1]))
            held.release_in(result.watch)  # with the check's row: one commit, not two
            return result

        def write(what: Record | Failure, until: float) -> CheckResult:
            return persist.write(engine, lambda session: work(session, what), until=until, url=url)

        # Within the check's budget, but a slow capture leaves the write a few tries at least.
        until = max(t0 + budget, time.monotonic() + 3 * settings.busy_timeout)
        try:
            result = _written(write, outcome, until)
            held.released = True  # committed with the check
        except BaseException:
            if artifact is not None:
                artifact.drop()
            raise
    if artifact is not None:
        record = outcome if isinstance(outcome, Record) else None
        result.evidence = _keep_artifact(engine, artifact, record, result)
    return result


def _written(write: Callable[[Record | Failure, float], CheckResult], outcome: Record | Failure,
             until: float) -> CheckResult:
    try:
        return write(outcome, until)
    except Classified as exc:
        if isinstance(outcome, Failure):
            raise
        # The record could not be stored: leave at least a failed check saying why, if the store
        # takes that much (one try), else the caller reports the failure as it is.
        logger.info("{}", exc.failure)
        try:
            return write(exc.failure, 0)
        except Classified:
            raise exc from None


def _base_record(session: Session, watch: Watch) -> Record | None:
    """The record the watch's changes are measured from (a plain record is checked against it)."""
    base_check = session.get(Check, watch.base_check_id) if watch.base_check_id else None
    return store.load_record(session, base_check) if base_check else None


def _capture_by_path(plan: paths.Plan, never: bool, target: Target, browser: BrowserSession,
                     options: RenderOptions | None, base: Callable[[], Record | None],
                     taken: list[str], left: float, trace: Trace | None = None) -> Record:
    """One try of the check's capture, by the path `plan` says (`scraper.pipeline.paths`); the
    path the record came by is appended to `taken`. A plain fetch that fails is the try's failure,
    as a render's would be; under `auto` one that looks short (against the `base` record) is
    verified by a render in the same try."""
    settings = browser.settings
    if plan == "plain":
        taken.append(paths.PLAIN)
        plain = capture_plain(target, settings, deadline=left)
        if never or not paths.looks_short(plain, base()):
            return plain
        plan = "verify"
    rendered = capture_target(target, browser, options=options, trace=trace)
    if plan == "render":
        taken.append(paths.RENDERED)
        return rendered
    try:
        plain_again: Record | None = capture_plain(target, settings, deadline=left)
    except JobFailed as exc:
        logger.debug("plain fetch of {} failed ({}): stays rendered", safe_line(target.url), exc)
        plain_again = None
    same = plain_again is not None and paths.same(rendered, plain_again)
    taken.append(paths.VERIFIED if same else paths.DIVERGED)
    return rendered


def _write(session: Session, watch_id: int, outcome: Record | Failure, started: datetime,
           duration_ms: int, settings: Settings, *, hold: bool, note: str | None = None,
           dispatch: str | None = None, render_path: str | None = None) -> CheckResult:
    """`note`: what became of a kept session (`Trace.session`), stored with the check;
    `render_path`: how its record was captured (`scraper.pipeline.paths`)."""
    # Re-read under the lease, with the row locked where the backend can: what another process
    # wrote since (a rebase, an applied watch file) is what this check builds on.
    watch = session.get_one(Watch, watch_id, with_for_update=True)
    if dispatch is not None and dispatches.check_of(session, dispatch) is not None:
        raise Redelivered(dispatch)  # under the watch's row lock: no second row, change or count
    if isinstance(outcome, Failure):
        check = store.add_check(session, watch, started_at=started, duration_ms=duration_ms,
                                status="failed", error=outcome.message, error_kind=outcome.kind,
                                render_path=render_path)
        check.session = note
        streak = failing_streak(session, watch, check, settings.failing_after)
        # A failed check keeps no evidence bundle: its report never waits for one.
        return _store(session, watch, check, streak, settings.mail, hold=False) if streak else \
            CheckResult(watch, check, [])
    result = _compare(session, watch, outcome, started, duration_ms, settings.mail, hold=hold,
                      render_path=render_path)
    result.check.session = note
    return result


def _dispatched(session: Session, dispatch: str | None, result: CheckResult) -> CheckResult:
    if dispatch is not None:
        result.check.dispatch_id = dispatch
        dispatches.notify(session, dispatch)  # delivered at this transaction's commit, never without
    return result


def _keep_artifact(engine: Engine, artifact: Artifact, record: Record | None,
                   result: CheckResult) -> Path | None:
    """Keep the artifact (an evidence bundle) of a check that reported changes, named in the
    reports the check queued (held until then, so none goes out without it), and the watch's
    baseline's; drop any other.

    It is kept after the check's commit, not inside it: signing, and a TSA's answer
    above all, can take seconds, and the changes must not wait for them (nor hold SQLite's lock).
    """
    check_id = result.check.id
    assert check_id is not None
    reported = any(c.notify for c in result.changes)
    kept = None
    # The baseline's too: every item a later check reports is then in some kept artifact.
    if record is not None and (reported or result.baseline):
        kept = artifact.keep(record, engine, check_id, within=link_evidence)
    else:
        artifact.drop()
    if reported and kept is None:
        release(engine, check_id)  # no bundle: the report goes without one
    return kept


def _compare(
    session: Session, watch: Watch, record: Record, started: datetime, duration_ms: int,
    mail: MailSettings, hold: bool = False, render_path: str | None = None,
) -> CheckResult:
    base = _base_record(session, watch)
    record = carry_unseen(base, record)  # a partial thread is never a wall of removals
    changes = detect_changes(base, record)
    if base is None and record.is_empty():
        # No baseline yet and nothing found: a baseline of nothing would report the whole page as
        # added once it shows up. Say so, and wait for a record worth comparing with.
        changes = [Change(kind="profile_mismatch", profile=record.profile,
                          detail=with_warnings(f"profile '{record.profile}' matched nothing on the page; "
                                               "no baseline yet", record))]
    mismatch = bool(changes) and changes[0].kind == "profile_mismatch"
    check = store.add_check(session, watch, started_at=started, duration_ms=duration_ms,
                            status="mismatch" if mismatch else "ok", record=record,
                            render_path=render_path)
    if mismatch:
        # One report per run of mismatches, not one per check; the base stays the last good record.
        previous = _previous_status(session, watch, check)
        changes = changes if previous != "mismatch" else []
        return _store(session, watch, check, changes, mail, hold)
    if not changes:
        watch.base_check_id, watch.pending_hash, watch.pending_count = check.id, None, 0
        return CheckResult(watch, check, [], baseline=base is None)
    if not _confirmed(watch, record):
        logger.info("watch {}: change seen {}/{} times", watch.id, watch.pending_count, watch.confirm)
        return CheckResult(watch, check, [], pending=True)
    watch.base_check_id, watch.pending_hash, watch.pending_count = check.id, None, 0
    return _store(session, watch, check, changes, mail, hold)


def _confirmed(watch: Watch, record: Record) -> bool:
    """Count consecutive sightings of the same new content; report at `confirm` of them."""
    digest = record.content_hash()
    watch.pending_count = watch.pending_count + 1 if watch.pending_hash == digest else 1
    watch.pending_hash = digest
    return watch.pending_count >= watch.confirm


def _previous_status(session: Session, watch: Watch, current: Check) -> str | None:
    """The status of the check before `current` that saw a page (failed checks saw none)."""
    statement = (
        select(Check.status)
        .where(Check.watch_id == watch.id, Check.id != current.id, Check.status != "failed")
        .order_by(col(Check.started_at).desc(), col(Check.id).desc())
        .limit(1)
    )
    return session.exec(statement).first()


def _store(session: Session, watch: Watch, check: Check, changes: list[Change],
           mail: MailSettings, hold: bool) -> CheckResult:
    changes = alert_on(filter_changes(changes, watch.notify_on), watch.alert_on)
    stored = [c.to_dict() for c in changes]
    store.add_changes(session, check, stored, [c.notify for c in changes])
    # The report is queued in this same transaction: committed together with the changes, or not
    # at all. Every path that stores changes goes through here. `hold`: an evidence bundle is being
    # recorded, and the report waits to name it (`_keep_artifact`).
    enqueue(session, watch, check, stored, mail, hold=hold)
    return CheckResult(watch, check, changes)
