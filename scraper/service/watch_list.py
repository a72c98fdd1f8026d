"""Lists a page at a time: the cursor and limit every list takes, and the watch list's filters."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import String, cast, func, or_
from sqlmodel import Session, col, select

from scraper.base.errors import Invalid
from scraper.store import Check, Watch

STATUSES: tuple[str, ...] = ("active", "paused", "failing")
MAX_LIMIT = 500


@dataclass(frozen=True)
class Page:
    items: list[dict[str, Any]]
    next_cursor: str | None

    def to_dict(self) -> dict[str, Any]:
        return {"items": self.items, "next_cursor": self.next_cursor}


def cursor_id(cursor: str | None, name: str = "cursor") -> int | None:
    if cursor is None or cursor == "":
        return None
    if not cursor.isdigit():
        raise Invalid(f"{name} {cursor!r}: not a cursor this list gave", where=name)
    return int(cursor)


def check_limit(limit: int, most: int = MAX_LIMIT) -> int:
    if not 1 <= limit <= most:
        raise Invalid(f"limit {limit}: give 1 to {most}", where="limit")
    return limit


def select_page(session: Session, *, status: str | None = None, text: str | None = None,
                tag: str | None = None, cursor: str | None = None, limit: int = 50
                ) -> tuple[list[Watch], str | None]:
    """Watches by id after `cursor`, filtered by status, by tag and by text (in the name or URL),
    and the cursor of the next page (None: no more). Their summaries: `scraper.service.watches`."""
    check_limit(limit)
    after = cursor_id(cursor)
    statement = select(Watch).order_by(col(Watch.id))
    if after is not None:
        statement = statement.where(col(Watch.id) > after)
    if status is not None:
        if status not in STATUSES:
            raise Invalid(f"status {status!r}: give one of {', '.join(STATUSES)}", where="status")
        if status == "failing":
            # The newest check of each watch, in id order, one index seek per watch: the scan stops
            # once the page is full.
            newest = (select(Check.status).where(col(Check.watch_id) == col(Watch.id))
                      .order_by(col(Check.id).desc()).limit(1).scalar_subquery())
            statement = statement.where(newest == "failed")
        else:
            statement = statement.where(Watch.paused == (status == "paused"))
    if tag:
        # Tags are a JSON list: its text holds the tag as a JSON string, on every backend.
        statement = statement.where(cast(Watch.tags, String).like(f"%{json.dumps(tag)}%"))
    if text:
        pattern = f"%{text.lower()}%"
        statement = statement.where(or_(func.lower(Watch.name).like(pattern),
                                        func.lower(Watch.url).like(pattern)))
    watches = list(session.exec(statement.limit(limit + 1)))
    more = len(watches) > limit
    watches = watches[:limit]
    return watches, str(watches[-1].id) if more and watches else None
