"""Send what the outbox holds: the one delivery function the daemon, `scraper check --send` and
`scraper outbox retry` all call.

Each row is claimed, rendered, handed to its channel and marked sent only once the channel
returned (the server accepted it). A transient failure puts the row back with a later due time
(backoff across runs; the channel already retried briefly within the send) and holds back the
target's later rows, so a target gets its reports in order (the claim keeps that order across
senders: `outbox.claim`); a permanent one, or too many attempts, marks it failed until
`scraper outbox retry`.

Each send is bounded (SCRAPER_SEND_TIMEOUT): the channels bound their own waits by it, and the send
runs in a thread of its own that is given up at the bound whatever the channel does, so a hung
server costs one report that long, recorded as a failed try and sent again later.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from jinja2 import TemplateError
from loguru import logger
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from scraper import store
from scraper.base.errors import InputError, NotFound
from scraper.config.settings import Settings
from scraper.reports import mute, outbox
from scraper.reports.channels import DeliveryError, Outgoing, channel_for
from scraper.reports.render import Picture, render
from scraper.reports.report import Report
from scraper.reports.targets import Target, resolved
from scraper.store import Outbox

MAX_ATTEMPTS = 10  # with the backoff below: about a day and a half of trying
FIRST_BACKOFF = timedelta(minutes=1)
MAX_BACKOFF = timedelta(hours=6)
# Beyond the send's bound, the seconds a channel gets to say how it failed (its own message)
# before the send is given up without it.
GIVE_UP_SLACK = 2.0


@dataclass(frozen=True)
class Outcome:
    row_id: int
    target: str  # as shown (masked)
    status: str  # sent, queued (to be tried again), failed
    error: str | None = None
    check_id: int | None = None


def backoff(attempts: int) -> timedelta:
    delay: timedelta = FIRST_BACKOFF * 2 ** max(attempts - 1, 0)
    return min(delay, MAX_BACKOFF)


def deliver(engine: Engine, settings: Settings, *, now: datetime | None = None,
            only: Sequence[int] | None = None) -> list[Outcome]:
    """Bundle the digests that are due, then send every due row (or only the rows `only`).
    `now`: the moment to act at (tests pass a later one); default the database's time, read again
    at each claim, so a long run's last claims last as long as its first."""
    start = now or outbox.db_time(engine)
    made = outbox.bundle_digests(engine, start, settings.mail.sender)
    with Session(engine) as session:
        rows = outbox.pending(session, None if only is None else [*only, *made])
        # Every watch's channels, read only when there is something to send: an idle daemon with
        # 10,000 watches spent ~1% of a core re-reading them.
        known = outbox.known_targets(session, settings.mail) if rows else {}
        session.expunge_all()
    held: set[str] = set()  # targets whose earlier report is not out yet: the later ones wait
    outcomes = []
    for row in rows:
        assert row.id is not None
        if row.target_key in held:
            continue
        claimed = outbox.claim(engine, row.id, now) if outbox.is_due(row, start) else None
        if claimed is None:
            held.add(row.target_key)
            continue
        outcome = _send(engine, settings, row, outbox.resolve(row.target_key, known), claimed)
        if outcome.status != "sent":
            held.add(row.target_key)
        outcomes.append(outcome)
    return outcomes


def _send(engine: Engine, settings: Settings, row: Outbox, target: Target | None,
          now: datetime) -> Outcome:
    assert row.id is not None
    attempts = row.attempts + 1  # the claim counted this one
    try:
        if target is None:
            raise DeliveryError(f"{row.target} is no longer configured (not a default channel nor "
                                "a channel of any watch)", permanent=True)
        report = Report.model_validate(row.payload)
        send_one(settings, report, target, row_id=row.id, message_id=row.message_id,
                 created_at=row.created_at, pictures_of=pictures(engine, report))
    except DeliveryError as exc:
        give_up = exc.permanent or attempts >= MAX_ATTEMPTS
        status = "failed" if give_up else "queued"
        outbox.finish(engine, row.id, status=status, error=str(exc),
                      due_at=None if give_up else now + backoff(attempts))
        logger.warning("report {} to {}: {} ({})", row.id, row.target, exc,
                       "gave up" if give_up else f"attempt {attempts}, will retry")
        return Outcome(row.id, row.target, status, str(exc), row.check_id)
    outbox.finish(engine, row.id, status="sent")
    logger.info("report {} sent to {}", row.id, row.target)
    return Outcome(row.id, row.target, "sent", None, row.check_id)


def _within(send: Callable[[], None], seconds: float, late: str) -> None:
    """Run `send` in a thread of its own and wait `seconds` at most for it; then DeliveryError
    (`late`). A thread given up ends with its channel's own timeouts; it marks nothing."""
    done = threading.Event()
    failed: list[BaseException] = []

    def run() -> None:
        try:
            send()
        except BaseException as exc:  # handed to the waiting thread, raised there
            failed.append(exc)
        finally:
            done.set()

    threading.Thread(target=run, name="send", daemon=True).start()
    if not done.wait(seconds):
        raise DeliveryError(late)
    if failed:
        raise failed[0]


def send_one(settings: Settings, report: Report, target: Target, *, row_id: int, message_id: str,
             created_at: datetime, pictures_of: Mapping[tuple[int, str], Picture] | None = None) -> None:
    """Render `report` and hand it to `target`'s channel, its secrets read now, within
    SCRAPER_SEND_TIMEOUT: what every report goes through, a test report included. DeliveryError
    when the channel did not take it (or not in time)."""
    target = _with_secrets(target)
    try:
        key = mute.secret(settings.keys_dir) if settings.base_url else None
        rendered = render(report, settings.mail.templates, settings.base_url, pictures_of, key)
    except TemplateError as exc:
        raise DeliveryError(f"the report template is broken: {exc}", permanent=True) from None
    seconds = settings.mail.send_timeout
    outgoing = Outgoing(row_id=row_id, message_id=message_id, created_at=created_at,
                        report=report, rendered=rendered, target=target,
                        until=time.monotonic() + seconds)
    channel = channel_for(outgoing.target, settings.mail)
    _within(lambda: channel.send(outgoing), seconds + GIVE_UP_SLACK,
            f"{target.shown} did not take the report within {seconds:g}s (SCRAPER_SEND_TIMEOUT)")


def _with_secrets(target: Target) -> Target:
    """The target with its `${ENV:NAME}` read, only now that it is sent. A variable not set is a
    setting to fix where the sender runs: failed, until `scraper outbox retry`."""
    try:
        return resolved(target)
    except InputError as exc:
        raise DeliveryError(str(exc), permanent=True) from None


def retry(engine: Engine, settings: Settings, row_id: int | None = None) -> list[Outcome]:
    """`scraper outbox retry [ID]`: make failed and queued rows due now, and send them."""
    with Session(engine) as session:
        ids = outbox.reset(session, row_id, outbox.db_time(engine))
        if row_id is not None and not ids:
            row = session.get(Outbox, row_id)
            if row is None:
                raise NotFound(f"no report {row_id} in the outbox (see `scraper outbox`)")
            raise InputError(f"report {row_id} is {row.status}: nothing to retry")
    return deliver(engine, settings, only=None if row_id is None else ids)


def pictures(engine: Engine, report: Report) -> dict[tuple[int, str], Picture]:
    """The pictures of the report's changed items (watches with `screenshots`), by check and item."""
    ids = [item.check_id for item in report.items if item.check_id is not None]
    found: dict[tuple[int, str], Picture] = {}
    try:
        with Session(engine) as session:
            for check_id, crops in store.crops_for_checks(session, ids).items():
                for item, row in crops.items():
                    crop = store.get_crop(session, row.crop_hash)
                    if crop is not None:
                        found[(check_id, item)] = Picture(crop.media_type, crop.content)
    except SQLAlchemyError as exc:  # the report is worth more than its pictures
        logger.warning("the pictures of a report could not be read: {}", exc)
        return {}
    return found
