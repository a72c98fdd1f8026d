"""The outbox: the reports listed (one listing for `scraper outbox`, the dashboard and the API),
retried now, and previewed before they are sent."""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from scraper import store
from scraper.base.errors import Invalid, NotFound
from scraper.config.settings import Settings
from scraper.reports import delivery
from scraper.reports.outbox import row_dict
from scraper.service.checks import check_of
from scraper.service.paging import Paged, check_limit, cursor_id
from scraper.store import Outbox

# A report that may be sent again now (one waiting for its digest goes out in a digest of its own).
RETRYABLE = ("failed", "queued", "waiting")


class OutboxRow(BaseModel):
    """A report as `scraper outbox --json` lists it (no payload: it is the report)."""

    id: int
    status: str
    to: str
    watch_id: int | None
    check_id: int | None
    subject: str
    created_at: str | None
    due_at: str | None
    attempts: int
    sent_at: str | None
    last_error: str | None
    message_id: str
    digest: str | None
    bundle_id: int | None

    @classmethod
    def of(cls, row: Outbox) -> OutboxRow:
        return cls.model_validate(row_dict(row))


class Outcome(BaseModel):
    """What sending one report now came to: sent, queued (to be tried again) or failed."""

    id: int
    to: str
    status: str
    error: str | None


class Preview(BaseModel):
    """The report a check sends, rendered, without sending it."""

    subject: str
    text: str
    html: str


def listing(engine: Engine, *, limit: int = 50, cursor: str | None = None,
            most: int = 100_000) -> Paged[OutboxRow]:
    """The reports a person cares about (not the parts bundled into a digest), newest first."""
    check_limit(limit, most)
    before = cursor_id(cursor)
    statement = select(Outbox).where(Outbox.status != "bundled")
    if before is not None:
        statement = statement.where(col(Outbox.id) < before)
    with Session(engine) as session:
        found = list(session.exec(statement.order_by(col(Outbox.id).desc()).limit(limit + 1)))
    more = len(found) > limit
    found = found[:limit]
    return Paged[OutboxRow](items=[OutboxRow.of(r) for r in found],
                            next_cursor=str(found[-1].id) if more and found else None)


def of_check(engine: Engine, check_id: int) -> list[OutboxRow]:
    """The reports a check queued, by target."""
    from scraper.reports.outbox import of_check as rows_of_check

    with Session(engine) as session:
        return [OutboxRow.of(r) for r in rows_of_check(session, check_id)]


def send(engine: Engine, settings: Settings, *, only: Sequence[int] | None = None) -> list[Outcome]:
    """Send the reports that are due now (or only the reports `only`), as the daemon's delivery
    does."""
    return [Outcome(id=o.row_id, to=o.target, status=o.status, error=o.error)
            for o in delivery.deliver(engine, settings, only=only)]


def retry(engine: Engine, settings: Settings, row_id: int | None = None) -> list[Outcome]:
    """Send failed and queued reports now (all of them, or report `row_id`: a failed one is tried
    again from the start)."""
    if row_id is not None:
        with Session(engine) as session:
            row = session.get(Outbox, row_id)
        if row is None:
            raise NotFound(f"no report {row_id} in the outbox", where="report")
        if row.status not in RETRYABLE:
            raise Invalid(f"report {row_id} is {row.status}: nothing to retry", where="report")
    return [Outcome(id=o.row_id, to=o.target, status=o.status, error=o.error)
            for o in delivery.retry(engine, settings, row_id)]


def preview(engine: Engine, settings: Settings, ref: str | int, check_id: int | None = None) -> Preview:
    """The report check `check_id` of watch `ref` sends (default: its latest check with changes to
    report), rendered as it would be sent."""
    from scraper.reports.preview import check_report
    from scraper.reports.render import render

    with Session(engine) as session:
        watch = store.get_watch(session, str(ref))
        if check_id is not None:
            check_of(session, watch, check_id, "check")
        report = check_report(session, watch, check_id)
    rendered = render(report, settings.mail.templates, settings.base_url)
    return Preview(subject=rendered.subject, text=rendered.text, html=rendered.html)


class TrialOutcome(BaseModel):
    """What sending a test report to one target came to (`scraper notify test`)."""

    to: str
    route: str
    sent: bool
    error: str | None


def notify_test(engine: Engine | None, settings: Settings, *, email: str | None = None,
                channel: str | None = None, ref: str | None = None) -> list[TrialOutcome]:
    """Send a sample report now to `email`, to `channel`, or to watch `ref`'s targets (none of
    them: the default recipient and channels), the way a check's report is sent. Nothing is
    stored (no store is needed but to read the watch)."""
    from scraper.config.settings import EMAIL_ADDRESS
    from scraper.reports.channels import check_channel_url
    from scraper.reports.targets import email_target, target, targets_for
    from scraper.reports.trial import send_trials

    targets = []
    if email is not None:
        if not EMAIL_ADDRESS.match(email):
            raise Invalid(f"{email!r}: not an e-mail address", where="email")
        targets.append(email_target(email))
    if channel is not None:
        try:
            targets.append(target(check_channel_url(channel)))
        except ValueError as exc:
            raise Invalid(str(exc), where="notify") from None
    name = "test report"
    if ref is not None:
        assert engine is not None, "a watch is read from the store"
        with Session(engine) as session:
            watch = store.get_watch(session, ref)
            targets.extend(targets_for(watch.email, watch.notify, settings.mail))
            name = watch.name
    if email is None and channel is None and ref is None:
        targets = targets_for(None, (), settings.mail)
    if not targets:
        raise Invalid("nobody to send a report to: give --email ADDR, --notify URL or a watch, or "
                      "set SCRAPER_MAIL_TO or SCRAPER_NOTIFY", where="email")
    return [TrialOutcome(to=t.target, route=t.route, sent=t.sent, error=t.error)
            for t in send_trials(settings, targets, name)]
