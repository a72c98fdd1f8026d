"""One check of a watch: capture, compare with the base record, store, decide what to report.

The policy lives here (the store only keeps rows): a failed page is a failed check and never a
change (N of them in a row are one `failing` change, see `streak`); a profile that suddenly
matches nothing is one `profile_mismatch`, with the last good record kept as the base; a partial
capture's missing comments are unknown, not removed (`unseen`); with `confirm: N` a change is
reported once seen in N checks in a row.
"""

from __future__ import annotations

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
from scraper.browser.session import TEARDOWN_GRACE
from scraper.config.settings import MailSettings, Settings
from scraper.model.changes import Change, detect_changes, filter_changes
from scraper.model.fetch import Fetch
from scraper.model.record import Record
from scraper.model.unseen import carry_unseen
from scraper.pipeline import paths, persist
from scraper.pipeline.capture import Overrides, Target, capture_plain, capture_target, resolve
from scraper.pipeline.hooks import Artifact, CheckHook
from scraper.pipeline.retries import retrying
from scraper.pipeline.streak import failing_streak
from scraper.profiles.schema import Action, NormaliseRule
from scraper.reports.outbox import enqueue, link_evidence, release
from scraper.store import Check, Watch, lease


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
        "render_path": check.render_path,
    }


def overrides_for(watch: Watch) -> Overrides:
    return Overrides(
        ignore=tuple(watch.ignore),
        normalise=tuple(NormaliseRule.model_validate(r) for r in watch.normalise),
        fetch=Fetch.model_validate(watch.fetch),
        actions=tuple(TypeAdapter(Action).validate_python(a) for a in watch.actions),
    )


def run_check(
    engine: Engine, watch_id: int, browser: BrowserSession, *, wait: float | None = None,
    hook: CheckHook | None = None,
) -> CheckResult:
    """Check the watch now and store the outcome, whatever happens: a failure of any kind is a
    failed check row with its classified, escaped error (`scraper.base.failures`).

    Only one check of a watch runs at a time, across processes (`store.lease`); `wait` is how long
    to wait for another one to finish (default: as long as a check may take). Raises only when
    the store itself cannot be written (`Classified`, kind `storage`) or the watch stays busy.

    `hook` makes what is recorded beside the check (an evidence bundle for the watches that keep
    one, `scraper.pipeline.hooks`); without it, the check records nothing more.
    """
    settings = browser.settings
    budget = settings.deadline + settings.busy_timeout  # the capture, then the write
    ttl = budget + TEARDOWN_GRACE
    with persist.said("the database could not be used"), \
            lease.held(engine, watch_id, ttl=ttl, wait=ttl if wait is None else wait):
        with Session(engine) as session:
            watch = session.get_one(Watch, watch_id)
            url, overrides = watch.url, overrides_for(watch)
            profile = watch.profile_file or watch.profile  # a file the watch reads, or a name
            artifact = hook.artifact(watch) if hook is not None else None
            mode = watch.render
            every = settings.render_verify_every
            recent = paths.recent_paths(session, watch_id, every) if mode in (None, "auto") else []
        started = datetime.now(UTC)
        t0 = time.monotonic()
        outcome: Record | Failure
        taken = [paths.RENDERED]  # the path the record came by, for the check's row
        try:
            target = resolve(url, settings, profile=profile, overrides=overrides)  # once
            options = artifact.render_options() if artifact else None
            # Evidence records a render; the private-address guard is the browser's own proxy; a
            # watch's own steps (a login, a consent click) need the page they act on.
            if artifact is not None or settings.block_private or overrides.actions:
                mode = "always"
            mode = mode or (target.profile.render if target.profile else None) or "auto"
            plan = paths.plan(mode, recent, every)

            def base() -> Record | None:
                with Session(engine) as session:
                    return _base_record(session, session.get_one(Watch, watch_id))

            def by_path() -> Record:
                return _capture_by_path(plan, mode == "never", target, browser, options, base, taken,
                                        max(1.0, t0 + settings.deadline - time.monotonic()))

            outcome = retrying(by_path, url=url, until=t0 + settings.deadline, tries=settings.tries)
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

        def write(what: Record | Failure, until: float) -> CheckResult:
            return persist.write(engine, lambda session: _write(
                session, watch_id, what, started, duration_ms, settings,
                hold=artifact is not None, render_path=taken[-1]), until=until, url=url)

        # Within the check's budget, but a slow capture leaves the write a few tries at least.
        until = max(t0 + budget, time.monotonic() + 3 * settings.busy_timeout)
        try:
            result = _written(write, outcome, until)
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
                     taken: list[str], left: float) -> Record:
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
    rendered = capture_target(target, browser, options=options)
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
           duration_ms: int, settings: Settings, *, hold: bool,
           render_path: str | None = None) -> CheckResult:
    # Re-read under the lease, with the row locked where the backend can: what another process
    # wrote since (a rebase, an applied watch file) is what this check builds on.
    watch = session.get_one(Watch, watch_id, with_for_update=True)
    if isinstance(outcome, Failure):
        check = store.add_check(session, watch, started_at=started, duration_ms=duration_ms,
                                status="failed", error=outcome.message, error_kind=outcome.kind,
                                render_path=render_path)
        streak = failing_streak(session, watch, check, settings.failing_after)
        # A failed check keeps no evidence bundle: its report never waits for one.
        return _store(session, watch, check, streak, settings.mail, hold=False) if streak else \
            CheckResult(watch, check, [])
    return _compare(session, watch, outcome, started, duration_ms, settings.mail, hold=hold,
                    render_path=render_path)


def _keep_artifact(engine: Engine, artifact: Artifact, record: Record | None,
                   result: CheckResult) -> Path | None:
    """Keep the artifact (an evidence bundle) of a check that reported changes, named in the
    reports the check queued (held until then, so none goes out without it); drop any other.

    It is kept after the check's commit, not inside it: signing, and a TSA's answer
    above all, can take seconds, and the changes must not wait for them (nor hold SQLite's lock).
    """
    check_id = result.check.id
    assert check_id is not None
    reported = any(c.notify for c in result.changes)
    kept = None
    if record is not None and reported:
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
                          detail=f"profile '{record.profile}' matched nothing on the page; "
                                 "no baseline yet")]
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
    changes = filter_changes(changes, watch.notify_on)
    stored = [c.to_dict() for c in changes]
    store.add_changes(session, check, stored, [c.notify for c in changes])
    # The report is queued in this same transaction: committed together with the changes, or not
    # at all. Every path that stores changes goes through here. `hold`: an evidence bundle is being
    # recorded, and the report waits to name it (`_keep_artifact`).
    enqueue(session, watch, check, stored, mail, hold=hold)
    return CheckResult(watch, check, changes)
