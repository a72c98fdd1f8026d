"""The outbox: reports written in the same transaction as the changes they report, then read,
claimed and marked by `delivery`.

`enqueue` is the hook `scraper.pipeline.check` calls wherever it stores a check's changes: one row per
target (an address or a channel), so each target is marked sent on its own. A watch in digest mode
leaves `waiting` parts instead, which `bundle_digests` turns into one message per target when the
digest is due.

A check that is still sealing its evidence bundle queues its rows held (`hold`): claimed by the
check itself, so no sender takes them, until `link_evidence` names the bundle in them in the
transaction that records it (or `release` lets them go without one). A check that dies meanwhile
lets them go when the lease ends: the report is late, never lost.

Claims, due times and their leases are in the database's time (`store.clock`), so senders and
checks on different machines agree on them. Several senders at once (the daemon's delivery job,
`scraper outbox retry` on another machine) each send a row once, and a target's rows in the order
they were queued: a row is claimed only while it is its target's oldest queued row (`claim`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, exists, or_, update
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from scraper import store
from scraper.base.times import iso
from scraper.config.settings import MailSettings
from scraper.model.record import Record
from scraper.reports.digests import next_digest
from scraper.reports.message import new_message_id
from scraper.reports.report import EvidenceLink, Report, ReportItem, subject
from scraper.reports.targets import Target, email_target, target, targets_for
from scraper.store import Capture, Check, Outbox, Watch
from scraper.store.clock import db_now, engine_now

# How long a sender may hold a row before another process may try it: longer than one send with
# its quick retries (SMTP timeout 30 s, three tries), short enough that a killed process's report
# goes out minutes later.
LEASE = timedelta(minutes=5)
EXCERPT = 160  # characters of a parent comment quoted as context


def now_utc() -> datetime:
    return datetime.now(UTC)


def db_time(engine: Engine) -> datetime:
    """The database's time now: what due times and claims are compared with."""
    return engine_now(engine)


def enqueue(session: Session, watch: Watch, check: Check, changes: Sequence[Mapping[str, Any]],
            mail: MailSettings, *, hold: bool = False) -> list[Outbox]:
    """Queue the report of `changes` (those whose notify is true) for each of the watch's targets
    (its own, else `mail`'s defaults), in the caller's transaction. Nothing to report, or nobody to
    tell: no row. `hold`: the check's evidence bundle is still to come (see the module's docstring)."""
    reportable = [{k: v for k, v in c.items() if k != "notify"} for c in changes if c.get("notify", True)]
    targets = targets_for(watch.email, watch.notify, mail)
    if not reportable or not targets:
        return []
    report = Report(items=[report_item(session, watch, check, reportable)])
    moment = db_now(session.connection())
    rows = [
        Outbox(
            status="waiting" if watch.digest else "queued",
            target=t.shown, target_key=t.key, watch_id=watch.id, check_id=check.id,
            digest=watch.digest,
            due_at=next_digest(watch.digest, moment) if watch.digest else moment,
            message_id=new_message_id(mail.sender), subject=subject(report),
            payload=report.model_dump(mode="json"), created_at=moment,
            claimed_until=moment + LEASE if hold else None,
        )
        for t in targets
    ]
    session.add_all(rows)
    session.flush()
    return rows


def report_item(session: Session, watch: Watch, check: Check,
                changes: Sequence[Mapping[str, Any]]) -> ReportItem:
    """The changes with what a reader needs around them: the page's title (from this check, or the
    last good one when this check saw no page), its link, and the parents new replies answer."""
    record = _record(session, check) or _record(session, _base(session, watch))
    return ReportItem(
        watch_id=watch.id, watch=watch.name, url=check.final_url or check.url,
        title=record.article.title if record else None, profile=check.profile,
        check_id=check.id, checked_at=iso(check.started_at),
        changes=[dict(c) for c in changes], context=_parents(record, changes) if record else {},
        evidence=_evidence(session, check), warnings=list(check.warnings or []),
    )


def _evidence(session: Session, check: Check) -> EvidenceLink | None:
    capture = store.capture_for_check(session, check.id) if check.id is not None else None
    return evidence_link(capture) if capture else None


def evidence_link(capture: Capture) -> EvidenceLink:
    return EvidenceLink(path=capture.path, wacz=capture.wacz, package_hash=capture.package_hash)


# --- a check's held rows (its evidence bundle) ----------------------------------------------------

def _held(session: Session, check_id: int) -> list[Outbox]:
    """The check's rows no sender has tried yet: still under the check's own hold, or let go by
    its lease ending but not yet taken."""
    return list(session.exec(select(Outbox).where(
        Outbox.check_id == check_id, col(Outbox.status).in_(["queued", "waiting"]),
        Outbox.attempts == 0)))


def link_evidence(session: Session, capture: Capture) -> None:
    """Name the bundle in the reports its check queued and let them go, in the caller's
    transaction (the one that records the bundle)."""
    assert capture.check_id is not None
    link = evidence_link(capture)
    for row in _held(session, capture.check_id):
        report = Report.model_validate(row.payload)
        for item in report.items:
            if item.check_id == capture.check_id:
                item.evidence = link
        row.payload, row.claimed_until = report.model_dump(mode="json"), None
        session.add(row)


def release(engine: Engine, check_id: int) -> None:
    """Let the check's held reports go without a bundle (it could not be made)."""
    with Session(engine) as session:
        for row in _held(session, check_id):
            row.claimed_until = None
            session.add(row)
        session.commit()


def _base(session: Session, watch: Watch) -> Check | None:
    return session.get(Check, watch.base_check_id) if watch.base_check_id else None


def _record(session: Session, check: Check | None) -> Record | None:
    if check is None or check.snapshot_hash is None:
        return None
    return store.load_record(session, check)


def _parents(record: Record, changes: Sequence[Mapping[str, Any]]) -> dict[str, dict[str, str | None]]:
    wanted = {(c.get("comment") or {}).get("parent_id") for c in changes if c["kind"] == "comment_added"}
    return {
        comment.id: {"author": comment.author, "text": (comment.text or "")[:EXCERPT]}
        for comment in record.comments
        if comment.id is not None and comment.id in wanted
    }


# --- targets at delivery ----------------------------------------------------------------------------

def known_targets(session: Session, mail: MailSettings) -> dict[str, Target]:
    """Every channel target configured now (defaults and every watch's), by key."""
    urls = list(mail.channels)
    for watch in store.list_watches(session):
        urls.extend(watch.notify)
    return {t.key: t for t in map(target, urls)}


def resolve(key: str, known: Mapping[str, Target]) -> Target | None:
    if key.startswith("mailto:"):
        return email_target(key.split(":", 1)[1])
    return known.get(key)


# --- reading and marking rows ------------------------------------------------------------------------

def pending(session: Session, only: Sequence[int] | None = None) -> list[Outbox]:
    """Every queued row, oldest first: due or not, since a target's rows go out in the order they
    were written, and one still backing off holds the later ones back."""
    statement = select(Outbox).where(Outbox.status == "queued").order_by(col(Outbox.id))
    if only is not None:
        statement = statement.where(col(Outbox.id).in_(list(only)))
    return list(session.exec(statement))


def is_due(row: Outbox, now: datetime) -> bool:
    """Its time has come and no sender holds it."""
    return row.due_at <= now and (row.claimed_until is None or row.claimed_until < now)


def _unclaimed(now: datetime) -> Any:
    return or_(col(Outbox.claimed_until).is_(None), col(Outbox.claimed_until) < now)


def _first_of_target() -> Any:
    """No earlier row of the same target is still queued (sending, backing off, or held)."""
    earlier = aliased(Outbox)
    return ~exists().where(col(earlier.target_key) == col(Outbox.target_key),
                           col(earlier.status) == "queued", col(earlier.id) < col(Outbox.id))


def claim(engine: Engine, row_id: int, now: datetime | None = None) -> datetime | None:
    """Take the row for one send, atomically: two processes never both send it. A sender that
    dies holding it lets it go when the lease ends. Returns the moment it was claimed at (`now`,
    else the database's time), or None: not queued, not due, held by another sender, or not its
    target's oldest queued row; a row that failed for now (backing off) holds its target's
    later rows until it is sent or given up, so a recipient gets its reports in order."""
    with Session(engine) as session:
        at = now or db_now(session.connection())
        result = session.exec(
            update(Outbox)
            .where(col(Outbox.id) == row_id, col(Outbox.status) == "queued",
                   col(Outbox.due_at) <= at, _unclaimed(at), _first_of_target())
            .values(claimed_until=at + LEASE, attempts=col(Outbox.attempts) + 1)
        )
        session.commit()
        return at if result.rowcount == 1 else None


def finish(engine: Engine, row_id: int, *, status: str, due_at: datetime | None = None,
           error: str | None = None) -> None:
    """Mark the row after a send; a sent one is stamped in the database's time, like the rest of
    its times (created, due, claimed), whichever machine sent it."""
    with Session(engine) as session:
        row = session.get_one(Outbox, row_id)
        row.status, row.claimed_until, row.last_error = status, None, error
        row.due_at = due_at or row.due_at
        row.sent_at = db_now(session.connection()) if status == "sent" else None
        session.add(row)
        session.commit()


def bundle_digests(engine: Engine, now: datetime, sender: str) -> list[int]:
    """Turn the due digest parts of each target into one queued message; return the new rows.

    All in one transaction, and a part is taken only while still `waiting`: a process that
    bundles at the same time makes this one roll back, so no part is sent twice. A target with a
    part still held for its evidence bundle waits for it: one digest, with the bundle named.
    """
    with Session(engine) as session:
        parts = list(session.exec(
            select(Outbox).where(Outbox.status == "waiting", col(Outbox.due_at) <= now)
            .order_by(col(Outbox.id))))
        groups: dict[str, list[Outbox]] = {}
        for part in parts:
            groups.setdefault(part.target_key, []).append(part)
        made = []
        for key, group in groups.items():
            if not all(is_due(part, now) for part in group):
                continue
            items = [item for part in group for item in Report.model_validate(part.payload).items]
            report = Report(items=items, digest=True)
            watches = {item.watch_id for item in items}
            digest = Outbox(
                status="queued", target=group[0].target, target_key=key,
                watch_id=watches.pop() if len(watches) == 1 else None, due_at=now,
                digest=group[0].digest, message_id=new_message_id(sender), subject=subject(report),
                payload=report.model_dump(mode="json"), created_at=now,
            )
            session.add(digest)
            session.flush()
            ids = [p.id for p in group]
            taken = session.exec(
                update(Outbox).where(col(Outbox.id).in_(ids), col(Outbox.status) == "waiting")
                .values(status="bundled", bundle_id=digest.id))
            if taken.rowcount != len(ids):
                session.rollback()
                return []
            assert digest.id is not None
            made.append(digest.id)
        session.commit()
        return made


def reset(session: Session, row_id: int | None, now: datetime) -> list[int]:
    """Make failed and queued rows due now, all of them or one; one row may also be a digest part
    (it then goes out now, in a digest of its own). One row comes with its target's earlier
    queued rows: they go out before it. Returns their ids."""
    statement = select(Outbox).where(col(Outbox.status).in_(["failed", "queued"]))
    if row_id is not None:
        row = session.exec(select(Outbox).where(
            Outbox.id == row_id, col(Outbox.status).in_(["failed", "queued", "waiting"]))).first()
        if row is None:
            return []
        statement = select(Outbox).where(or_(
            col(Outbox.id) == row_id,
            (col(Outbox.target_key) == row.target_key) & (col(Outbox.status) == "queued")
            & (col(Outbox.id) < row_id)))
    rows = list(session.exec(statement.order_by(col(Outbox.id))))
    for row in rows:
        row.status = "queued" if row.status == "failed" else row.status
        row.due_at = now
        session.add(row)
    session.commit()
    return [row.id for row in rows if row.id is not None]


def listing(session: Session, limit: int) -> list[Outbox]:
    """The newest rows a person cares about (bundled parts live on inside their digest)."""
    statement = (select(Outbox).where(Outbox.status != "bundled")
                 .order_by(col(Outbox.id).desc()).limit(limit))
    return list(reversed(list(session.exec(statement))))


def of_check(session: Session, check_id: int) -> list[Outbox]:
    """The rows a check queued, by target."""
    return list(session.exec(select(Outbox).where(Outbox.check_id == check_id).order_by(col(Outbox.id))))


def row_dict(row: Outbox) -> dict[str, Any]:
    """A row for `scraper outbox --json` and `scraper check --json` (no payload: it is the report)."""
    return {
        "id": row.id, "status": row.status, "to": row.target, "watch_id": row.watch_id,
        "check_id": row.check_id, "subject": row.subject, "created_at": iso(row.created_at),
        "due_at": iso(row.due_at) if row.status in ("queued", "waiting") else None,
        "attempts": row.attempts, "sent_at": iso(row.sent_at), "last_error": row.last_error,
        "message_id": row.message_id, "digest": row.digest, "bundle_id": row.bundle_id,
    }
