"""Check requests: a "check now" the active scheduler runs (distributed mode).

A request is written with a `pg_notify` on CHANNEL in its own transaction (PostgreSQL delivers it
at commit), so the scheduler, LISTENing, takes it at once; it also looks every second, for what
was written while it was not listening (or on a database without notifications).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, text, update
from sqlmodel import Session, col, select

from .models import CheckRequest, utc_now

CHANNEL = "scraper_check_request"
OPEN = ("queued", "running")


def add(session: Session, watch_id: int) -> CheckRequest:
    """The watch's queued request if it has one (one check answers both), else a new one."""
    queued = session.exec(select(CheckRequest).where(
        CheckRequest.watch_id == watch_id, CheckRequest.state == "queued")
        .order_by(col(CheckRequest.id)).limit(1)).first()
    if queued is not None:
        return queued
    request = CheckRequest(watch_id=watch_id)
    session.add(request)
    session.flush()
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_notify(:channel, :payload)"),
                        {"channel": CHANNEL, "payload": str(request.id)})
    return request


def open_requests(session: Session) -> Sequence[CheckRequest]:
    """Every request not answered yet, oldest first."""
    return session.exec(select(CheckRequest).where(col(CheckRequest.state).in_(OPEN))
                        .order_by(col(CheckRequest.id))).all()


def latest_open(session: Session, watch_id: int) -> CheckRequest | None:
    return session.exec(select(CheckRequest).where(
        CheckRequest.watch_id == watch_id, col(CheckRequest.state).in_(OPEN))
        .order_by(col(CheckRequest.id).desc()).limit(1)).first()


def mark_running(session: Session, ids: Sequence[int], at: datetime) -> None:
    session.exec(update(CheckRequest).where(col(CheckRequest.id).in_(ids))
                 .values(state="running", started_at=at))


def mark_ended(session: Session, ids: Sequence[int], *, check_id: int | None,
               reason: str | None) -> None:
    """Answered by check `check_id`, or skipped for `reason` (no check written)."""
    state = "done" if check_id is not None else "skipped"
    session.exec(update(CheckRequest).where(col(CheckRequest.id).in_(ids))
                 .values(state=state, check_id=check_id, reason=reason, finished_at=utc_now()))


def requeue(session: Session, ids: Sequence[int]) -> None:
    """Back to queued: the scheduler stopped before its check was written; the next one takes it."""
    session.exec(update(CheckRequest).where(col(CheckRequest.id).in_(ids))
                 .values(state="queued", started_at=None))


def forget_answered(session: Session, before: datetime) -> int:
    """Delete the requests answered before `before`: the page shows a result for a while only."""
    result = session.exec(delete(CheckRequest).where(
        col(CheckRequest.state).not_in(OPEN), col(CheckRequest.finished_at) < before))
    return int(result.rowcount or 0)


def forget_watch(session: Session, watch_id: int) -> None:
    session.exec(delete(CheckRequest).where(col(CheckRequest.watch_id) == watch_id))
