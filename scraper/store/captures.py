"""Evidence captures in the store: add one, list them, and which URLs a case already holds."""

from __future__ import annotations

from sqlmodel import Session, col, select

from .models import Capture


def add_capture(session: Session, capture: Capture) -> Capture:
    session.add(capture)
    session.flush()
    return capture


def list_captures(session: Session, case: str | None = None) -> list[Capture]:
    """Newest first; only the given case's when `case` is set."""
    statement = select(Capture)
    if case is not None:
        statement = statement.where(Capture.case_name == case)
    statement = statement.order_by(col(Capture.captured_at).desc(), col(Capture.id).desc())
    return list(session.exec(statement))


def captured_urls(session: Session, case: str | None) -> set[str]:
    """The requested URLs that already have a bundle in `case` (None: captures without a case)."""
    where = col(Capture.case_name).is_(None) if case is None else col(Capture.case_name) == case
    return set(session.exec(select(Capture.url).where(where)))


def capture_for_check(session: Session, check_id: int) -> Capture | None:
    return session.exec(select(Capture).where(Capture.check_id == check_id)).first()
